import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { REQUEST_ID_HEADER } from '../shared/request-context-header';

/**
 * Carries the request id of the API call that reached a workflow (in a Temporal header) into the
 * workflow's log lines, and on to the activities and child workflows it starts: the request that
 * started it, then the one behind each update or signal. Headers are not part of the history's
 * commands, so this changes nothing a replay checks.
 */
export const interceptors: WorkflowInterceptorsFactory = () => {
  let requestId: string | undefined;
  const remember = (headers: Headers): void => {
    const header = headers[REQUEST_ID_HEADER];
    if (header) requestId = defaultPayloadConverter.fromPayload(header) as string;
  };
  const pass = (headers: Headers): Headers =>
    requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
  return {
    inbound: [
      {
        execute: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleSignal: (input, next) => {
          remember(input.headers);
          return next(input);
        },
        handleUpdate: (input, next) => {
          remember(input.headers);
          return next(input);
        },
      },
    ],
    outbound: [
      {
        getLogAttributes: (input, next) => next(requestId ? { ...input, requestId } : input),
        scheduleActivity: (input, next) => next({ ...input, headers: pass(input.headers) }),
        scheduleLocalActivity: (input, next) => next({ ...input, headers: pass(input.headers) }),
        startChildWorkflowExecution: (input, next) => next({ ...input, headers: pass(input.headers) }),
      },
    ],
  };
};
