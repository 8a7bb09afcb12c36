import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';
import type { Config } from '../config';
import type { EventFactsCache } from '../events/event-facts';
import type { EmailStarter } from '../email/email-starter';
import type { RateLimits } from '../shared/rate-limits';
import type { TicketKeys } from '../tickets/ticket-keys';
import type { LiveInventory } from './live/live-inventory';
import type { ApiMetrics } from './metrics';

/** Everything a router needs, created once by the server and handed down (never imported globally). */
export interface ApiDeps {
  config: Config;
  pool: Pool;
  redis: Redis;
  temporal: Client;
  metrics: ApiMetrics;
  /** Verifies scanned codes; signs the new code of a transferred ticket. */
  ticketKeys: TicketKeys;
  /** Request budgets per user and IP (429 beyond), shared by every API process through Redis. */
  rateLimits: RateLimits;
  /** Events' rules, windows, seats and sections, read once a second at most (src/events/event-facts.ts). */
  eventFacts: EventFactsCache;
  /** Starts the delivery of the emails an action owes once it has committed; absent: they wait for the sweep. */
  emails?: EmailStarter;
  /** Live seat and GA changes (Server-Sent Events); absent where only some routers are mounted (tests). */
  live?: LiveInventory;
}
