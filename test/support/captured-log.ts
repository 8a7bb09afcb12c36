import { Writable } from 'node:stream';
import { createLogger } from '../../src/shared/logger';

export interface CapturedLog {
  logger: ReturnType<typeof createLogger>;
  /** Everything written, as an operator's terminal would get it. */
  text: () => string;
  /** The same, one parsed JSON object per line. */
  lines: () => Array<Record<string, any>>;
}

/** A process's logger (the real one, redactions included) writing into memory instead of stdout. */
export function capturedLog(service: string, level: string): CapturedLog {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    logger: createLogger(service, level, sink),
    text: () => text,
    lines: () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>),
  };
}
