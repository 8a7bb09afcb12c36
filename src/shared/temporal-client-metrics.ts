import { InterceptingCall, status as grpcStatus, type Interceptor } from '@grpc/grpc-js';
import { Histogram, type Registry } from 'prom-client';

/**
 * The API's Temporal client is plain gRPC (the SDK's metrics live in the worker's native runtime), so
 * its calls are timed here: every RPC to Temporal (start, update, signal, query, …) by method and status.
 */
export function temporalClientMetrics(registry: Registry): Interceptor {
  const duration = new Histogram({
    name: 'temporal_client_request_duration_seconds',
    help: "The API's requests to Temporal, by RPC method and gRPC status",
    labelNames: ['method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? 'unknown';
    const end = duration.startTimer({ method });
    return new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            end({ status: grpcStatus[status.code] ?? String(status.code) });
            nextStatus(status);
          },
        });
      },
    });
  };
}
