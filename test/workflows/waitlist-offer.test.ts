import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { holdInventory } from '../../src/inventory/hold';
import { createSimulatedProvider } from '../../src/payments/simulated-provider';
import { createRedis } from '../../src/shared/clients';
import { createWorkerActivities } from '../../src/workers/worker-activities';
import { reservationQuery } from '../../src/workflows/definitions';
import { RESERVATION_WORKFLOW_TYPE, reservationWorkflowId } from '../../src/workflows/ids';
import type { reservationWorkflow } from '../../src/workflows/reservation-workflow';
import { reservationRow, seatStatuses } from '../support/db-queries';
import { quietTemporalRuntime, testConfig, testTicketKeys, workflowBundle } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { reservationInput } from '../support/workflow-harness';

quietTemporalRuntime();

/*
 * On the dev server (a long outage outlasts the workflow task's timeout, which the time-skipping test
 * server does not ride out the way a real server does): the worker's database calls fail for a while.
 */
describe('a waiting-list offer’s reservation', () => {
  const config = testConfig();
  let pool: Pool;
  let redis: Redis;
  let connection: NativeConnection;
  let clientConnection: Connection;

  beforeAll(async () => {
    pool = createPool(config);
    redis = createRedis(config);
    connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  });
  afterAll(async () => {
    await connection?.close();
    await clientConnection?.close();
    await pool?.end();
    redis?.disconnect();
  });

  test('when the database stays down longer than a buyer’s hold would wait, the offer’s hold is still adopted, not given up', async () => {
    const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE });
    const { event, seatIds } = await seedEvent(pool, { seated: [{ rows: 1, seats_per_row: 2, price_cents: 5000 }] });
    const fan = await createUser(pool);
    // The offer's hold, as the release that freed the seat made it for the fan at the head of the list.
    const reservationId = randomUUID();
    await holdInventory(pool, { reservationId, eventId: event.id, userId: fan.id, seatIds: seatIds.slice(0, 1), ga: [], heldUntil: new Date(Date.now() + 600_000), maxExtensions: 1, idempotencyKey: null });
    const activities = createWorkerActivities({ pool, redis, payments: createSimulatedProvider(redis), ticketKeys: testTicketKeys(), temporal: client });
    let failures = 0;
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: workflowBundle(),
      activities: {
        ...activities,
        // Ten attempts fail (about 15 s), more than the six a buyer's own hold is given.
        async holdInventory(input: Parameters<typeof activities.holdInventory>[0]) {
          if (failures < 10) {
            failures += 1;
            throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
          }
          return activities.holdInventory(input);
        },
      },
    });
    await worker.runUntil(async () => {
      const input = reservationInput({ reservationId, eventId: event.id, userId: fan.id, seatIds: seatIds.slice(0, 1), adoptsOffer: true });
      // Started as the release that made the offer starts it: no buyer waits on a hold update.
      const handle = await client.workflow.start<typeof reservationWorkflow>(RESERVATION_WORKFLOW_TYPE, {
        workflowId: reservationWorkflowId(reservationId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [input],
      });
      await waitFor(async () => (await handle.query(reservationQuery))?.status === 'HELD' || (await handle.describe()).status.name !== 'RUNNING', 60_000);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(failures).toBe(10);
      expect(await reservationRow(pool, reservationId)).toMatchObject({ status: 'HELD' });
      expect(await seatStatuses(pool, seatIds.slice(0, 1))).toEqual(['HELD']);
      await handle.cancel();
      await handle.result().catch(() => undefined);
    });
  }, 90_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
