/** Which Temporal server the stack, the suite and the bench run on. */

/** `dev`: `temporal server start-dev` (SQLite); `postgres`: the Temporal server on PostgreSQL (stack-temporal-server.ts). */
export type TemporalEngine = 'dev' | 'postgres';
export const TEMPORAL_ENGINES: readonly TemporalEngine[] = ['dev', 'postgres'];

export function parseEngine(value: string | undefined): TemporalEngine {
  if (value === undefined || value === '') return 'dev';
  if ((TEMPORAL_ENGINES as readonly string[]).includes(value)) return value as TemporalEngine;
  throw new Error(`unknown Temporal engine "${value}"; expected one of ${TEMPORAL_ENGINES.join(', ')}`);
}
