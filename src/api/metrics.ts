import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { INVENTORY_COUNTERS, readInventoryCounters } from '../inventory/inventory-signals';

export interface ApiMetrics {
  registry: Registry;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  reservationOutcomes: Counter<'outcome'>;
}

export function createMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers: [registry],
    }),
    reservationOutcomes: new Counter({
      name: 'reservation_requests_total',
      help: 'POST /reservations answers by outcome (created, replayed, or the error code)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** Times every request under its route pattern (not its URL, so ids do not explode the label set). */
export function timeRequests(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const end = metrics.requestDuration.startTimer();
    res.on('finish', () => {
      // A live stream lasts as long as its client watches: its length is not a latency.
      if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) return;
      const route = req.route ? `${req.baseUrl}${String((req.route as { path: string }).path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

/**
 * The inventory counters are kept in Redis by the workers (which make the changes, several processes
 * possibly), and reported here as Prometheus counters.
 */
export async function renderMetrics(metrics: ApiMetrics, redis: Redis): Promise<string> {
  const own = await metrics.registry.metrics();
  try {
    const counters = await readInventoryCounters(redis);
    return (
      own +
      INVENTORY_COUNTERS.map((name) => {
        const metric = `inventory_${name}_total`;
        return `# HELP ${metric} Inventory ${name.replace('_', ' ')} (seats and GA tickets) across all workers\n# TYPE ${metric} counter\n${metric} ${counters[name]}\n`;
      }).join('')
    );
  } catch {
    return `${own}# inventory counters unavailable: Redis did not answer\n`;
  }
}
