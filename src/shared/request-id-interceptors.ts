import { defaultPayloadConverter, type Headers } from '@temporalio/common';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { REQUEST_ID_HEADER, currentRequestId } from './request-context';

function withRequestId(headers: Headers): Headers {
  const requestId = currentRequestId();
  return requestId ? { ...headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) } : headers;
}

/**
 * The API's Temporal client stamps the HTTP request id on every workflow it starts, updates, signals
 * or cancels, so the workflow's logs (and its activities') can be traced back to the request.
 */
export const requestIdClientInterceptor: WorkflowClientInterceptor = {
  start: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startWithDetails: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startUpdate: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  startUpdateWithStart: (input, next) =>
    next({ ...input, workflowStartHeaders: withRequestId(input.workflowStartHeaders), updateHeaders: withRequestId(input.updateHeaders) }),
  signal: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
  signalWithStart: (input, next) => next({ ...input, headers: withRequestId(input.headers) }),
};

/** Activities log with the request id their workflow passed along in the header. */
export const requestIdActivityInterceptors: ActivityInterceptorsFactory = () => {
  let requestId: string | undefined;
  return {
    inbound: {
      execute(input, next) {
        const header = input.headers[REQUEST_ID_HEADER];
        requestId = header ? (defaultPayloadConverter.fromPayload(header) as string) : undefined;
        return next(input);
      },
    },
    outbound: {
      getLogAttributes(input, next) {
        return next(requestId ? { ...input, requestId } : input);
      },
    },
  };
};
