import { WorkflowNotFoundError } from '@temporalio/client';
import { withTransaction } from '../../src/db/transaction';
import { createEmailStarter } from '../../src/email/email-starter';
import { mailSettingsOf } from '../../src/email/mail-settings';
import { enqueueRefundEmails } from '../../src/email/order-emails';
import type { WorkerActivities } from '../../src/workers/worker-activities';
import { confirmUpdate } from '../../src/workflows/definitions';
import { emailWorkflowId } from '../../src/workflows/ids';
import { refundOrderWorkflow } from '../../src/workflows/refund-order-workflow';
import { delivered } from '../support/email-deliveries';
import { testConfig } from '../support/env';
import { createUser, seedEvent } from '../support/fixtures';
import { emailsTo, type CaughtEmail } from '../support/mail-inbox';
import { reservationInput, startReservation, useTimeSkippingSuite, withWorker } from '../support/workflow-harness';

/*
 * The email is written in the action's own transaction: an action that commits has it once, whatever
 * retries its activity takes, and one that rolls back has none. Real PostgreSQL, Temporal's
 * time-skipping server, and the mail catcher `npm test` runs (SMTP_URL, MAIL_INBOX_URL).
 */
const suite = useTimeSkippingSuite();
const mail = () => {
  const settings = mailSettingsOf(testConfig());
  if (!settings) throw new Error('SMTP_URL is not set: run the email suites with `npm test` (it starts or reuses the mail catcher)');
  return settings;
};
const deps = () => ({ pool: suite.pool, redis: suite.redis, mail: mail() });

/** The first call of `name` commits and then fails as if its reply were lost; Temporal retries it. */
function replyLostOnce(name: 'sellHold' | 'beginOrderRefund'): (activities: WorkerActivities) => WorkerActivities {
  let failed = false;
  return (activities) => ({
    ...activities,
    [name]: async (input: never) => {
      const result = await (activities[name] as (input: never) => Promise<unknown>)(input);
      if (!failed) {
        failed = true;
        throw new Error(`${name}: the reply was lost after the commit`);
      }
      return result;
    },
  });
}

async function saleOfOneGaPlace() {
  const { event, gaSectionIds } = await seedEvent(suite.pool, { ga: [{ capacity: 5, price_cents: 3000 }] });
  const user = await createUser(suite.pool, { name: 'Retried Fan' });
  return { user, input: reservationInput({ eventId: event.id, userId: user.id, ga: [{ section_id: gaSectionIds[0]!, quantity: 1 }] }) };
}

const bySubject = (pattern: RegExp) => (email: CaughtEmail) => pattern.test(email.subject);

describe('the outbox and the action that owes the email', () => {
  test("a sale whose activity is retried after it committed owes its buyer one email, and it is sent once", async () => {
    const { user, input } = await saleOfOneGaPlace();
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle } = await startReservation(suite.env, taskQueue, input);
        const sold = await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] });
        expect(sold.status).toBe('CONFIRMED');
        expect(await delivered(suite.env.client, 'ORDER_CONFIRMED', sold.order_id!)).toBe('SENT');
        const rows = await suite.pool.query(`SELECT status, attempts FROM email_outbox WHERE kind = 'ORDER_CONFIRMED' AND business_id = $1`, [sold.order_id]);
        expect(rows.rows).toEqual([{ status: 'SENT', attempts: 1 }]);
      },
      replyLostOnce('sellHold'),
    );
    expect(await emailsTo(user.email)).toHaveLength(1);
  });

  test('a refund whose first step is retried after it committed sends one refund email', async () => {
    const { user, input } = await saleOfOneGaPlace();
    await withWorker(
      suite.env,
      deps(),
      async (taskQueue) => {
        const { handle } = await startReservation(suite.env, taskQueue, input);
        const orderId = (await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] })).order_id!;
        const refunded = await suite.env.client.workflow.execute(refundOrderWorkflow, { workflowId: `refund-${orderId}`, taskQueue, args: [{ orderId, requestedBy: 'test', reason: 'retried' }] });
        expect(refunded.status).toBe('REFUNDED');
        expect(await delivered(suite.env.client, 'ORDER_REFUNDED', orderId)).toBe('SENT');
      },
      replyLostOnce('beginOrderRefund'),
    );
    expect((await emailsTo(user.email)).filter(bySubject(/^Your refund for /))).toHaveLength(1);
  });

  test('a transaction that rolls back after enqueueing its email leaves no row, starts no delivery and sends nothing; the refund that then commits sends it once', async () => {
    const { user, input } = await saleOfOneGaPlace();
    await withWorker(suite.env, deps(), async (taskQueue) => {
      const { handle } = await startReservation(suite.env, taskQueue, input);
      const orderId = (await handle.executeUpdate(confirmUpdate, { args: [{ paymentMethodId: 'pm_card_visa', idempotencyKey: null }] })).order_id!;
      const starter = createEmailStarter({ temporal: suite.env.client, taskQueue: () => taskQueue, onStartFailed: (err) => { throw err; } });

      const rolledBack = starter.after(() =>
        withTransaction(suite.pool, async (db) => {
          await enqueueRefundEmails(db, { orderId, cancelledTicketIds: [] });
          const owed = await db.query(`SELECT count(*)::int AS n FROM email_outbox WHERE kind = 'ORDER_REFUNDED' AND business_id = $1`, [orderId]);
          expect(owed.rows[0].n).toBe(1); // inside the transaction, the email is owed
          throw new Error('the refund failed after its email was enqueued');
        }),
      );
      await expect(rolledBack).rejects.toThrow('the refund failed after its email was enqueued');
      const left = await suite.pool.query(`SELECT count(*)::int AS n FROM email_outbox WHERE kind = 'ORDER_REFUNDED' AND business_id = $1`, [orderId]);
      expect(left.rows[0].n).toBe(0);
      await expect(suite.env.client.workflow.getHandle(emailWorkflowId({ kind: 'ORDER_REFUNDED', businessId: orderId })).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
      expect((await emailsTo(user.email)).filter(bySubject(/^Your refund for /))).toEqual([]);

      await suite.env.client.workflow.execute(refundOrderWorkflow, { workflowId: `refund-${orderId}`, taskQueue, args: [{ orderId, requestedBy: 'test', reason: 'after the rollback' }] });
      expect(await delivered(suite.env.client, 'ORDER_REFUNDED', orderId)).toBe('SENT');
    });
    expect((await emailsTo(user.email)).filter(bySubject(/^Your refund for /))).toHaveLength(1);
  });
});
