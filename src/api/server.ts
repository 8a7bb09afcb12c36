import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadConfig, type Config } from '../config';
import { migrate } from '../db/migrate';
import { createEmailStarter } from '../email/email-starter';
import { mailSettingsOf } from '../email/mail-settings';
import { createPool } from '../db/pool';
import { registerDatabaseGauges } from '../operations/database-gauges';
import { createRedis, createTemporalClient } from '../shared/clients';
import { createLogger } from '../shared/logger';
import { createRateLimits } from '../shared/rate-limits';
import { temporalClientMetrics } from '../shared/temporal-client-metrics';
import { ticketKeysFromConfig } from '../tickets/ticket-keys';
import { endAllSessions } from '../users/sessions';
import { ensureAdmin } from '../users/user-accounts';
import { createApp } from './app';
import { LiveInventory } from './live/live-inventory';
import type { ApiDeps } from './deps';
import { createEventFactsCache } from '../events/event-facts';

/** How long an API process trusts what it read of an event (its status, sale and presale windows). */
const EVENT_FACTS_TTL_MS = 1000;
import { createMetrics } from './metrics';

export interface RunningServer {
  url: string;
  port: number;
  deps: ApiDeps;
  stop(): Promise<void>;
}

/**
 * Starts the API: clients created once, migrations applied, the admin ensured, then listening.
 * `port: 0` picks a free port (tests start the server in-process this way).
 */
export async function startServer(options: { config?: Config; port?: number; log?: (line: string) => void } = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig();
  const pool = createPool(config);
  const redis = createRedis(config);
  const metrics = createMetrics();
  registerDatabaseGauges(metrics.registry, pool);
  const { client: temporal, connection } = createTemporalClient(config, [temporalClientMetrics(metrics.registry)]);
  const closeClients = async (): Promise<void> => {
    await connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    redis.disconnect();
  };
  try {
    await migrate(pool);
    if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
      const admin = await ensureAdmin(pool, config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
      // A rotated password signs the admin out everywhere: whoever knew the old one keeps no session.
      if (admin.passwordChanged) await endAllSessions(redis, admin.id);
    }
  } catch (err) {
    await closeClients();
    throw err;
  }
  // Tests pass their own `log` and keep the console quiet; the API process logs JSON lines.
  const logger = options.log ? undefined : createLogger('api', config.LOG_LEVEL);
  const live = new LiveInventory(redis, pool, {
    heartbeatMs: config.SSE_HEARTBEAT_SECONDS * 1000,
    maxStreams: config.LIVE_STREAMS_PER_PROCESS,
    maxStreamsPerClient: config.LIVE_STREAMS_PER_CLIENT,
    log: (line) => logger?.warn(line),
  });
  const deps: ApiDeps = {
    config,
    pool,
    redis,
    temporal,
    metrics,
    ticketKeys: ticketKeysFromConfig(config),
    rateLimits: createRateLimits(redis, config),
    eventFacts: createEventFactsCache({ ttlMs: EVENT_FACTS_TTL_MS, maxEvents: 10_000 }),
    live,
    ...(mailSettingsOf(config)
      ? {
          emails: createEmailStarter({
            temporal,
            taskQueue: () => config.TEMPORAL_TASK_QUEUE,
            onStartFailed: (err) => logger?.warn({ err: err instanceof Error ? err.message : String(err) }, 'an email stays in the outbox for the sweep: its delivery did not start'),
          }),
        }
      : {}),
  };
  const app = createApp(deps, options.log ?? ((line) => logger?.error(line)), logger);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? config.PORT, () => resolve(s)).on('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    deps,
    async stop() {
      // Live streams never end by themselves: ended here, their clients reconnect to another process.
      live.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await closeClients();
    },
  };
}
