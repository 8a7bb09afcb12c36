/**
 * How many API and worker processes `npm start` runs: `--apis N --workers M` (or API_PROCESSES /
 * WORKER_PROCESSES), one of each by default. Each API listens on its own port (PORT, PORT+1, …) and
 * each worker exposes its metrics on its own port (WORKER_METRICS_PORT, +1, …): they share everything
 * else (Redis, PostgreSQL, the Temporal task queue), which is what makes them interchangeable.
 */
export interface ProcessPlan {
  name: string;
  entry: 'src/api/main.ts' | 'src/workers/main.ts';
  env: NodeJS.ProcessEnv;
  /** The API's port (APIs only). */
  port?: number;
}

export function processCounts(argv: readonly string[], env: NodeJS.ProcessEnv): { apis: number; workers: number } {
  const flag = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    const arg = argv[i] ?? '';
    return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  };
  const count = (raw: string | undefined, what: string): number => {
    if (raw === undefined) return 1;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`${what} must be a whole number from 1 to 16, got "${raw}"`);
    return n;
  };
  return {
    apis: count(flag('--apis') ?? env.API_PROCESSES, '--apis / API_PROCESSES'),
    workers: count(flag('--workers') ?? env.WORKER_PROCESSES, '--workers / WORKER_PROCESSES'),
  };
}

export function planProcesses(counts: { apis: number; workers: number }, env: NodeJS.ProcessEnv, basePort: number, metricsPort: number): ProcessPlan[] {
  const name = (kind: string, i: number, n: number): string => (n === 1 ? kind : `${kind}-${i + 1}`);
  return [
    ...Array.from({ length: counts.workers }, (_, i): ProcessPlan => ({
      name: name('worker', i, counts.workers),
      entry: 'src/workers/main.ts',
      // 0 keeps every worker's metrics off, as it says.
      env: { ...env, WORKER_METRICS_PORT: String(metricsPort === 0 ? 0 : metricsPort + i) },
    })),
    ...Array.from({ length: counts.apis }, (_, i): ProcessPlan => ({
      name: name('api', i, counts.apis),
      entry: 'src/api/main.ts',
      env: { ...env, PORT: String(basePort + i) },
      port: basePort + i,
    })),
  ];
}
