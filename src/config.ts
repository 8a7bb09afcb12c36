import { z } from 'zod';

/**
 * Values that have been printed as secrets in this project's documentation, examples or history:
 * anyone can read them, so none may sign or open anything. Compared without case or surrounding blanks.
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  'dev-webhook-secret',
  'dev-queue-token-secret',
  'admin-password',
  'admin-password-change-me',
  'bench-admin-password',
  'admin-password-for-tests',
];

export function isPublishedSecret(value: string): boolean {
  const normalized = value.trim().toLowerCase();
  return PUBLISHED_SECRETS.includes(normalized);
}

const GENERATE_HINT = 'a long random value, e.g. `openssl rand -hex 32` (`npm start` generates one into .data/secrets.env)';

const DATABASE_URL_HINT =
  'postgres://<user>:<password>@<host>:<port>/<database> (`npm start` and `npm test` provide the local stack\'s)';

/** A signing secret: no built-in value, long enough not to be guessed, never one printed in documentation. */
function signingSecret(name: string) {
  return z
    .string({ required_error: `${name} is required: ${GENERATE_HINT}` })
    .min(16, `${name} must be at least 16 characters: ${GENERATE_HINT}`)
    .refine((value) => !isPublishedSecret(value), `${name} is a value printed in documentation, which anyone can sign with: use ${GENERATE_HINT}`);
}

/** The secret a signature may also be made with while a rotation's overlap lasts; empty means none. */
function previousSecret(name: string) {
  return z.preprocess((value) => (value === '' ? undefined : value), signingSecret(name).optional());
}

/**
 * The one configuration schema. Every process (API, worker, scripts) reads its settings through
 * loadConfig(), which fails fast with every problem listed instead of starting half-configured.
 */
const settingsSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** No built-in value: a URL carries the database password. `npm start` and `npm test` give the local stack's. */
  DATABASE_URL: z
    .string({ required_error: `DATABASE_URL is required: ${DATABASE_URL_HINT}` })
    .url(`DATABASE_URL must be a URL: ${DATABASE_URL_HINT}`),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(20),
  /** A statement that waits longer than this on a lock or a plan is cut off rather than piling up. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('reservations'),
  ADMIN_EMAIL: z.string().email().optional(),
  ADMIN_PASSWORD: z
    .string()
    .min(8)
    .refine((value) => !isPublishedSecret(value), 'ADMIN_PASSWORD is a value printed in documentation: choose another (`npm start` generates one)')
    .optional(),
  SESSION_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  PAYMENT_GRACE_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  MAX_PAYMENT_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  BODY_LIMIT: z.string().default('100kb'),
  /*
   * Requests per minute, per user (or per account for sign-in) and per client IP, by endpoint family;
   * beyond them 429 RATE_LIMITED with Retry-After. Defaults are the budgets of the design (seed 002).
   */
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  RESERVATION_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  RATE_LIMIT_CHECKOUT_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_QUEUE_JOIN_PER_MINUTE: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_DEFAULT_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  /** An IP may be many users behind one NAT: its budget is the per-user budget times this. */
  RATE_LIMIT_IP_MULTIPLIER: z.coerce.number().int().min(1).default(5),
  /** Holds one API process lets run at once; beyond it they wait in a bounded FIFO for a slot. */
  HOLD_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(32),
  /** Holds waiting for a slot, at most; beyond it an immediate 503 with Retry-After. */
  HOLD_QUEUE_MAX_LENGTH: z.coerce.number().int().min(0).max(100_000).default(256),
  /** How long a hold waits for a slot before 503 with Retry-After. */
  HOLD_QUEUE_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(3000),
  /** Admitted fans of one high-demand event who have not finished (bought, or let their token lapse), at most. */
  WAITING_ROOM_MAX_ACTIVE: z.coerce.number().int().min(1).max(1_000_000).default(50),
  /**
   * Admissions per second of one high-demand event, at most: the operator's bound. Within it the room
   * steers its rate by admitted fans' hold p95 (docs/waiting-room.md, "The admission rate").
   */
  WAITING_ROOM_MAX_ADMISSIONS_PER_SECOND: z.coerce.number().min(0.01).max(100_000).default(100),
  /** The rate a room starts at before admitted fans' holds say more. */
  WAITING_ROOM_INITIAL_ADMISSIONS_PER_SECOND: z.coerce.number().min(0.01).max(100_000).default(4),
  /** Admitted fans' hold p95 the rate is steered to. */
  WAITING_ROOM_TARGET_HOLD_P95_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  /** How long an admitted fan's queue token is valid (their window to hold seats). */
  WAITING_ROOM_ADMISSION_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  /** How often the on-sale workflow looks at the sale (a durable timer). */
  WAITING_ROOM_TICK_MS: z.coerce.number().int().min(100).max(60_000).default(1000),
  /** How often a live-updates stream (Server-Sent Events) says it is alive when nothing changes. */
  SSE_HEARTBEAT_SECONDS: z.coerce.number().min(0.1).max(300).default(15),
  /*
   * Live streams one API process holds open at once, and one client address of them (a browser tab
   * holds one; an address may be many fans behind one NAT). Beyond: 429 RATE_LIMITED with Retry-After.
   */
  LIVE_STREAMS_PER_PROCESS: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  LIVE_STREAMS_PER_CLIENT: z.coerce.number().int().min(1).max(1_000_000).default(20),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Minutes between reconciliation runs (the Temporal Schedule `reconciliation`, created by the worker). */
  RECONCILIATION_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** An event's cancellation looks once more after this long: longer than a hold under way may take to commit. */
  CANCEL_EVENT_STRAGGLER_SECONDS: z.coerce.number().int().min(0).max(300).default(15),
  /*
   * Reservation workflows a worker keeps in memory between their tasks (its sticky cache). Unset: as
   * many as fit in half the heap (see createWorker). A cached workflow's next task (a payment, its timer) runs at once;
   * an evicted one is first replayed from its history. See docs/benchmarks.md, "Worker settings".
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).optional(),
  /*
   * How long a workflow's next task waits for the worker that has it cached before any worker may take
   * it. After a worker dies this is the delay of every timer and signal of the workflows it had cached;
   * under overload, a shorter one sends tasks to be replayed elsewhere (see docs/benchmarks.md, "Worker settings").
   */
  WORKER_STICKY_TIMEOUT_SECONDS: z.coerce.number().min(0.5).max(60).default(10),
  /*
   * Worker Versioning (docs/upgrades.md): a worker serves its build of the workflow code under this
   * deployment name; runs are pinned to the build they started on. `off` for a Temporal server without
   * Worker Deployments (older than 1.28): then a workflow change must replay every open run's history.
   */
  WORKER_VERSIONING: z.enum(['on', 'off']).default('on'),
  WORKER_DEPLOYMENT_NAME: z.string().min(1).max(200).default('ticket-inventory'),
  /** A workflow bundle made beforehand (`npm run build`); unset, the worker bundles src/workflows at start. */
  WORKFLOW_BUNDLE_PATH: z.string().min(1).optional(),
  /** A starting worker makes its build the one new runs start on; `false` to promote by hand (`temporal worker deployment set-current-version`). */
  WORKER_PROMOTE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Minutes between looks for drained builds (the Temporal Schedule `retire-builds`). */
  BUILD_RETIREMENT_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(5),
  /** How long a build must have been out of service before it may retire (the visibility store catches up meanwhile). */
  BUILD_RETIREMENT_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** The worker's Prometheus endpoint (the SDK's metrics and the app's); 0 turns it off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** Where the ticket signing key is generated on first start, and where accepted public keys are kept. */
  TICKET_KEYS_DIR: z.string().min(1).default('.data/keys'),
  /** An Ed25519 private key (PKCS#8 PEM) to sign tickets with, instead of the generated one. */
  TICKET_SIGNING_KEY: z.string().min(1).optional(),
  /** More Ed25519 public keys (PEM, concatenated) whose codes are accepted: keys retired elsewhere. */
  TICKET_PUBLIC_KEYS: z.string().min(1).optional(),
  /*
   * Email (docs/email.md): the SMTP server, as one URL (smtp://user:password@host:587, smtps:// for TLS
   * from the start) or host, port, user, password and secure apart. Neither set: emails wait in the
   * outbox until a worker has one. `npm start` and `npm test` point SMTP_URL at the local mail catcher.
   */
  SMTP_URL: z.string().url().optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** TLS from the first byte (port 465, usually); otherwise STARTTLS when the server offers it. */
  SMTP_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  MAIL_FROM: z.string().min(3).default('Ticket Inventory <tickets@localhost>'),
  /** Event times in emails are written in this time zone (the demo venues are in Portugal). */
  MAIL_TIME_ZONE: z
    .string()
    .default('Europe/Lisbon')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en-GB', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'not a time zone Intl knows'),
  /** Minutes between looks for emails whose delivery never started (the Temporal Schedule `email-sweep`). */
  EMAIL_SWEEP_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(1),
});

/**
 * The signing secrets. No built-in value: set by configuration, or generated by `npm start` on a data
 * folder's first start. A rotation sets the new value and keeps the old one as `*_PREVIOUS` until what
 * was signed with it is done (docs/security.md): signatures are checked with either, made with the new.
 */
const secretsSchema = z.object({
  /** HMAC-SHA256 key of the payment provider's webhooks (X-Signature). */
  PAYMENT_WEBHOOK_SECRET: signingSecret('PAYMENT_WEBHOOK_SECRET'),
  PAYMENT_WEBHOOK_SECRET_PREVIOUS: previousSecret('PAYMENT_WEBHOOK_SECRET_PREVIOUS'),
  /** Signs waiting-room queue tokens (HMAC-SHA256); every API process must share it. */
  QUEUE_TOKEN_SECRET: signingSecret('QUEUE_TOKEN_SECRET'),
  QUEUE_TOKEN_SECRET_PREVIOUS: previousSecret('QUEUE_TOKEN_SECRET_PREVIOUS'),
});

const configSchema = settingsSchema.merge(secretsSchema);

/** Everything but the signing secrets: what a tool that signs and checks nothing needs. */
export type Settings = z.infer<typeof settingsSchema>;
export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** The configuration of a process that serves (the API, the worker): it refuses to start without its secrets. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return checked(configSchema.safeParse(env));
}

/** The settings of an operator's tool that signs and checks nothing (`npm run builds`, migrations). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return checked(settingsSchema.safeParse(env));
}

function checked<T extends Settings>(parsed: z.SafeParseReturnType<unknown, T>): T {
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid configuration:\n${problems}`);
  }
  const config = parsed.data;
  if (Boolean(config.ADMIN_EMAIL) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new ConfigError('invalid configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  return config;
}

/** The secrets a signature is checked against: the current one, and the previous one during a rotation's overlap. */
export function verifyingSecrets(current: string, previous: string | undefined): string[] {
  return previous ? [current, previous] : [current];
}
