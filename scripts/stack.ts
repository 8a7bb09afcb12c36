/**
 * `npm run stack`: brings up PostgreSQL, Redis and Temporal for local
 * development (reusing any already running), prints how to reach them and
 * keeps them up until Ctrl-C / SIGTERM.
 *
 * `npm run stack -- --engine postgres` (or TEMPORAL_ENGINE=postgres): the
 * Temporal server on PostgreSQL instead of the dev server, built on first use
 * (docs/temporal-engine.md).
 *
 * `npm run stack -- stop`: stops servers recorded in .data/run/ (orphans
 * left behind when a process died without stopping what it started).
 */
import * as path from 'path';
import { parseArgs } from 'node:util';
import { ensureStack, parseEngine, stopRecordedServers, type Stack, type TemporalEngine } from './lib/stack';

const DATA_DIR = path.resolve(__dirname, '..', '.data');

function printStack(stack: Stack): void {
  const lines = [
    `DATABASE_URL=${stack.databaseUrl}`,
    `REDIS_URL=${stack.redisUrl}`,
    `TEMPORAL_ADDRESS=${stack.temporalAddress}`,
    `TEMPORAL_NAMESPACE=${stack.temporalNamespace}`,
    `TEMPORAL_ENGINE=${stack.temporalEngine}`,
    `TEMPORAL_UI=${stack.temporalUiUrl ?? '(not available)'}`,
    `TEMPORAL_TEST_SERVER_PATH=${stack.testServerPath ?? '(not found)'}`,
    ...(stack.mail ? [`SMTP_URL=${stack.mail.smtpUrl}`, `MAIL_INBOX_URL=${stack.mail.inboxUrl}`] : []),
  ];
  process.stdout.write(`\nStack is up:\n${lines.map((l) => `  ${l}`).join('\n')}\n\nPress Ctrl-C to stop.\n`);
}

/** Resolves on the first SIGINT/SIGTERM; later signals are ignored while stopping. */
function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => resolve(signal);
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

async function stopOrphans(): Promise<void> {
  const stopped = await stopRecordedServers(DATA_DIR);
  process.stdout.write(stopped.length > 0 ? `Stopped: ${stopped.join(', ')}\n` : 'No recorded servers are running.\n');
}

async function runStack(engine: TemporalEngine): Promise<void> {
  const stack = await ensureStack({ dataDir: DATA_DIR, database: 'tickets', temporalEngine: engine });
  printStack(stack);
  // The children are unref()'d, so something must keep this process alive.
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const signal = await waitForShutdownSignal();
  process.stdout.write(`\n${signal} received, stopping what this process started...\n`);
  clearInterval(keepAlive);
  await stack.stop();
  process.stdout.write('Stopped.\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { engine: { type: 'string' } } });
  const command = positionals[0] ?? 'up';
  if (command === 'up') return runStack(parseEngine(values.engine ?? process.env.TEMPORAL_ENGINE));
  if (command === 'stop') return stopOrphans();
  throw new Error(`unknown command "${command}"; usage: npm run stack [-- up|stop] [--engine dev|postgres]`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
