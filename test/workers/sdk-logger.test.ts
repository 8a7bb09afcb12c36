import { ApplicationFailure } from '@temporalio/common';
import { sdkLogger } from '../../src/workers/sdk-logger';
import { capturedLog } from '../support/captured-log';

/** The worker's log as an operator's terminal gets it. */
const workerLog = () => capturedLog('worker', 'info');

describe("the SDK's log lines in the worker's log", () => {
  test('an activity failure is logged with its workflow, activity and request ids, but not with the task token that would complete the activity', () => {
    const log = workerLog();
    const token = 'Y29tcGxldGUtbWUtYW5kLWJlLXBhaWQ=';
    // The fields the SDK gives its "Activity failed" warning (as seen in the worker's log before this redaction).
    sdkLogger('info', log.logger).warn('Activity failed', {
      sdkComponent: 'worker',
      taskQueue: 'reservations',
      isLocal: false,
      attempt: 3,
      namespace: 'default',
      taskToken: token,
      activityId: '4',
      activityType: 'chargePayment',
      workflowId: 'reservation-0b7c',
      workflowType: 'reservationWorkflow',
      requestId: 'req-42',
      error: ApplicationFailure.nonRetryable('card declined', 'PAYMENT_DECLINED'),
      durationMs: 31,
    });
    const [line] = log.lines();
    expect(line).toMatchObject({ level: 40, service: 'worker', msg: 'Activity failed', activityType: 'chargePayment', workflowId: 'reservation-0b7c', requestId: 'req-42', taskToken: '[redacted]' });
    expect(line?.error).toMatchObject({ type: 'PAYMENT_DECLINED', nonRetryable: true });
    expect(log.text()).not.toContain(token);
    expect(log.text()).not.toMatch(/\n\s+at |"stack"/);
  });

  test('below the level the worker runs at, the SDK writes nothing', () => {
    const log = workerLog();
    sdkLogger('warn', log.logger).info('Worker state changed', { state: 'RUNNING' });
    sdkLogger('warn', log.logger).debug('polling', {});
    expect(log.text()).toBe('');
  });
});
