import { DefaultLogger } from '@temporalio/worker';
import type { Logger } from 'pino';

const SDK_LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' } as const;
const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The SDK's log lines (workflow and activity logs with their workflow id, run id, request id) through
 * the process's JSON logger, so they get its redactions: the SDK puts an activity's task token in its
 * failure warnings, and a task token completes that activity for whoever holds it.
 */
export function sdkLogger(level: keyof typeof SDK_LEVELS, logger: Logger): DefaultLogger {
  return new DefaultLogger(SDK_LEVELS[level], (entry) => logger[PINO_LEVELS[entry.level]]({ ...entry.meta }, entry.message));
}
