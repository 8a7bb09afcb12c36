import { ConfigError } from '../config';
import { installProfilerSignal } from '../shared/cpu-profiler';
import { stopWhenParentGoes } from '../shared/stop-when-parent-goes';
import { startServer } from './server';

/** The API process: `npm run api`. SIGINT/SIGTERM stop accepting, finish in-flight requests, close clients. */
async function main(): Promise<void> {
  installProfilerSignal('api');
  const server = await startServer();
  console.log(`api: listening on ${server.url} (OpenAPI: ${server.url}/openapi.json)`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`api: ${signal}, shutting down`);
    server
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        console.error('api: shutdown failed:', err);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  stopWhenParentGoes();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : `api: fatal: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
