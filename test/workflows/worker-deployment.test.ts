import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createActivities } from '../../src/activities';
import { createPool } from '../../src/db/pool';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { createRedis } from '../../src/shared/clients';
import type { floorWorkflow } from '../../src/workflows/floor-workflow';
import { waitUntil } from '../../scripts/lib/stack-util';
import { quietTemporalRuntime, testConfig, testTicketKeys, workflowBundle } from '../support/env';

quietTemporalRuntime();

const { VersioningBehavior } = temporal.api.enums.v1;

/*
 * Worker Versioning (Worker Deployments) on whichever Temporal server the suite runs against: the dev
 * server, or the PostgreSQL-backed one (`npm test -- --engine postgres`), whose dynamic config must
 * enable the same. A worker polls as one version of a deployment, the version is made current through
 * the WorkflowService deployment API, and a new workflow runs pinned to it.
 */
describe('when a worker of a deployment version polls and that version is made current', () => {
  const config = testConfig();
  const namespace = config.TEMPORAL_NAMESPACE;
  const deploymentName = `test-deployment-${randomUUID()}`;
  const buildId = 'build-1';
  let connection: Connection;
  let client: Client;
  let nativeConnection: NativeConnection;
  let pool: Pool;
  let redis: Redis;

  beforeAll(async () => {
    connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
    client = new Client({ connection, namespace });
    nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    pool = createPool(config);
    redis = createRedis(config);
  });
  afterAll(async () => {
    await nativeConnection?.close();
    await connection?.close();
    await pool?.end();
    redis?.disconnect();
  });

  test('the deployment lists the version as current, and a new workflow runs pinned to it', async () => {
    const worker = await Worker.create({
      connection: nativeConnection,
      namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: workflowBundle(),
      activities: createActivities({ pool, redis, payments: createSimulatedProvider(redis), ticketKeys: testTicketKeys(), temporal: client }),
      workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName, buildId }, defaultVersioningBehavior: 'PINNED' },
    });
    await worker.runUntil(async () => {
      // The server learns of a version from its pollers; until then it cannot be made current.
      await waitUntil('the version to be set current', 30_000, async () => {
        try {
          await client.workflowService.setWorkerDeploymentCurrentVersion({ namespace, deploymentName, buildId, identity: 'worker-deployment.test' });
          return true;
        } catch {
          return false;
        }
      });
      const { workerDeploymentInfo } = await client.workflowService.describeWorkerDeployment({ namespace, deploymentName });
      expect(workerDeploymentInfo?.routingConfig?.currentDeploymentVersion).toMatchObject({ deploymentName, buildId });

      const handle = await client.workflow.start<typeof floorWorkflow>('floorWorkflow', {
        workflowId: `deployment-test-${randomUUID()}`,
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ holdMs: 100 }],
      });
      await handle.result();
      const { raw } = await handle.describe();
      const versioning = raw.workflowExecutionInfo?.versioningInfo;
      expect(versioning?.behavior).toBe(VersioningBehavior.VERSIONING_BEHAVIOR_PINNED);
      expect(versioning?.deploymentVersion).toMatchObject({ deploymentName, buildId });
    });
  });
});
