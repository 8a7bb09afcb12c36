import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { ensureRetirementSchedule } from '../deployments/retirement-schedule';
import { ensureEmailSweepSchedule } from '../email/email-sweep-schedule';
import { describeSmtp, mailSettingsOf } from '../email/mail-settings';
import { ensureReconciliationSchedule } from '../operations/reconciliation-schedule';
import { createSimulatedProvider } from '../payments/simulated-provider';
import { createRedis, createTemporalClient, waitForRedis } from '../shared/clients';
import { createLogger } from '../shared/logger';
import { installProfilerSignal } from '../shared/cpu-profiler';
import { stopWhenParentGoes } from '../shared/stop-when-parent-goes';
import { ticketKeysFromConfig } from '../tickets/ticket-keys';
import { createWorker, offerSettingsOf } from './create-worker';
import { startFleet } from './fleet';
import { sdkLogger } from './sdk-logger';
import { createWorkerActivities } from './worker-activities';
import { bundleWorkflows, loadWorkflowBuild } from './workflow-bundle';

/**
 * The worker process: `npm run worker`. SIGINT/SIGTERM make the SDK stop polling, finish the tasks in
 * hand (within shutdownGraceTime) and return from run(); then the clients are closed.
 */
function installRuntime(config: Config, logger: ReturnType<typeof createLogger>): void {
  Runtime.install({
    logger: sdkLogger(config.LOG_LEVEL, logger),
    // The SDK's own metrics (workflow tasks, activities, polls, schedule-to-start latency, its client's
    // requests) and the app's (activity metricMeter), for Prometheus at http://<address>/metrics.
    ...(config.WORKER_METRICS_PORT > 0
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `${config.WORKER_METRICS_HOST}:${config.WORKER_METRICS_PORT}`, countersTotalSuffix: true, useSecondsForDurations: true } } } }
      : {}),
  });
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('worker', config.LOG_LEVEL);
  installRuntime(config, logger);
  installProfilerSignal('worker');
  const pool = createPool(config);
  const redis = createRedis(config);
  await migrate(pool);
  const temporal = createTemporalClient(config);
  const versioned = config.WORKER_VERSIONING === 'on';
  const mail = mailSettingsOf(config);
  const activities = createWorkerActivities({
    pool,
    redis,
    payments: createSimulatedProvider(redis),
    ticketKeys: ticketKeysFromConfig(config),
    temporal: temporal.client,
    offerSettings: offerSettingsOf(config),
    mail,
    ...(versioned
      ? { deployment: { namespace: config.TEMPORAL_NAMESPACE, deploymentName: config.WORKER_DEPLOYMENT_NAME, retireAfterMs: config.BUILD_RETIREMENT_GRACE_SECONDS * 1000 } }
      : {}),
  });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const subscriber = redis.duplicate();
  subscriber.on('error', () => undefined);
  const say = (line: string): void => console.log(`worker: ${line}`);

  let run: () => Promise<void>;
  let described: string;
  if (versioned) {
    const build = config.WORKFLOW_BUNDLE_PATH ? loadWorkflowBuild(config.WORKFLOW_BUNDLE_PATH) : await bundleWorkflows();
    await waitForRedis(subscriber).catch(() => undefined);
    const fleet = await startFleet({
      config,
      connection,
      client: temporal.client,
      pool,
      subscriber,
      activities,
      build: { ...build, sourceCommit: process.env.SOURCE_COMMIT ?? null },
      log: say,
    });
    await ensureRetirementSchedule(temporal.client, { taskQueue: config.TEMPORAL_TASK_QUEUE, everyMinutes: config.BUILD_RETIREMENT_EVERY_MINUTES });
    fleet.ready.catch((err: unknown) => {
      logger.error({ err: err instanceof Error ? err.message : String(err) }, 'this build could not be made current (is Worker Versioning available on the server? WORKER_VERSIONING=off otherwise)');
      fleet.shutdown();
    });
    run = () => fleet.run();
    described = `build ${fleet.buildId} of deployment "${config.WORKER_DEPLOYMENT_NAME}"`;
  } else {
    const { worker } = await createWorker({
      config,
      pool,
      redis,
      payments: createSimulatedProvider(redis),
      ticketKeys: ticketKeysFromConfig(config),
      temporal: temporal.client,
      mail,
      connection,
      ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } } : {}),
    });
    run = () => worker.run();
    described = 'unversioned';
  }
  const schedule = await ensureReconciliationSchedule(temporal.client, { taskQueue: config.TEMPORAL_TASK_QUEUE, everyMinutes: config.RECONCILIATION_EVERY_MINUTES });
  // Only a worker that can send sweeps: one without SMTP settings would start deliveries that cannot succeed.
  const sweep = mail ? await ensureEmailSweepSchedule(temporal.client, { taskQueue: config.TEMPORAL_TASK_QUEUE, everyMinutes: config.EMAIL_SWEEP_EVERY_MINUTES }) : null;
  stopWhenParentGoes();
  say(
    `polling task queue "${config.TEMPORAL_TASK_QUEUE}" on ${config.TEMPORAL_ADDRESS} (${described}); ` +
      `reconciliation every ${config.RECONCILIATION_EVERY_MINUTES} min (schedule ${schedule}); ` +
      (mail ? `emails through ${describeSmtp(mail)}, swept every ${config.EMAIL_SWEEP_EVERY_MINUTES} min (schedule ${sweep})` : 'no SMTP settings: emails wait in the outbox'),
  );
  try {
    await run();
  } finally {
    await connection.close();
    await temporal.connection.close();
    await pool.end();
    subscriber.disconnect();
    redis.disconnect();
    say('stopped');
  }
}

main().catch((err: unknown) => {
  console.error('worker: fatal:', err instanceof Error ? err.message : err);
  process.exit(1);
});
