/**
 * The floor: the least a durable hold costs on this server and worker (src/workflows/floor-workflow.ts),
 * driven open loop straight through the Temporal client (no HTTP, no PostgreSQL), so that everything
 * else a reservation costs shows up in the ratio to it.
 */
import type { Client } from '@temporalio/client';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { floorHoldUpdate } from './floor-workflow';
import type { floorWorkflow } from './floor-workflow';
import { summarize, type Percentiles } from '../lib/bench-stats';

export interface FloorLoadConfig {
  client: Client;
  taskQueue: string;
  /** Workflow ids start with it (one run's workflows apart from another's). */
  idPrefix: string;
  rate: number;
  durationMs: number;
  holdMs: number;
}

export interface FloorLoadResult {
  offered: number;
  held: number;
  errors: number;
  windowMs: number;
  /** Start-to-answer of the update-with-start: the floor's "hold latency". */
  holdLatency: Percentiles;
  /** How long after its timer was due each floor workflow completed (its "release lag"). */
  releaseLag: Percentiles;
  errorSamples: string[];
}

const TICK_MS = 5;

export async function runFloorLoad(cfg: FloorLoadConfig): Promise<FloorLoadResult> {
  const latencies: number[] = [];
  const lags: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  const completions: Array<Promise<void>> = [];
  const started = performance.now();
  const interval = 1000 / cfg.rate;
  let offered = 0;

  const attempt = async (index: number): Promise<void> => {
    const begin = performance.now();
    const start = new WithStartWorkflowOperation<typeof floorWorkflow>('floorWorkflow', {
      workflowId: `${cfg.idPrefix}-${index}`,
      taskQueue: cfg.taskQueue,
      args: [{ holdMs: cfg.holdMs }],
      workflowIdConflictPolicy: 'FAIL',
    });
    try {
      await cfg.client.workflow.executeUpdateWithStart(floorHoldUpdate, { startWorkflowOperation: start });
      latencies.push(performance.now() - begin);
      const handle = await start.workflowHandle();
      completions.push(
        handle.result().then(({ dueAt }) => {
          lags.push(Date.now() - dueAt);
        }),
      );
    } catch (err) {
      errors += 1;
      if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
    }
  };

  const inFlight: Array<Promise<void>> = [];
  while (performance.now() - started < cfg.durationMs) {
    const due = Math.floor((performance.now() - started) / interval) + 1;
    while (offered < due && offered * interval < cfg.durationMs) inFlight.push(attempt(offered++));
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const windowMs = performance.now() - started;
  await Promise.all(inFlight);
  await Promise.allSettled(completions);
  return {
    offered,
    held: latencies.length,
    errors,
    windowMs,
    holdLatency: summarize(latencies),
    releaseLag: summarize(lags),
    errorSamples,
  };
}
