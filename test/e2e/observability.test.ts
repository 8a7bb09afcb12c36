import { createHmac, randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/processes';
import { createPool } from '../../src/db/pool';
import { useE2eStack } from '../support/e2e-stack';
import { TEST_TICKET_KEYS_DIR, testConfig } from '../support/env';
import { createEventViaApi, registerBuyer } from '../support/scenario';

const e2e = useE2eStack();
const REPO = join(__dirname, '..', '..');
const DASHBOARD = join(REPO, 'ops', 'grafana', 'dashboards', 'sale.json');

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\[[^\]]*\]/g, ''); // range selectors
  // A word followed by "(" is a function; numbers (0.95) never start a word.
  const words = [...stripped.matchAll(/(?<![\w.])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?/g)];
  return words.filter((m) => !m[2]).map((m) => m[1]!).filter((n) => !/^(and|or|unless|bool|offset)$/.test(n));
}

/** Every family a Prometheus text exposition names, with the series names a histogram expands to. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const sample = /^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]/.exec(line);
    if (sample?.[1]) names.add(sample[1]);
    const declared = /^# (?:HELP|TYPE) ([A-Za-z_:][A-Za-z0-9_:]*) (histogram)?/.exec(line);
    if (declared?.[1]) {
      names.add(declared[1]);
      if (declared[2] || line.endsWith(' histogram')) for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${declared[1]}${suffix}`);
    }
  }
  return names;
}


/** The real worker process, with its Prometheus endpoint, on the suite's task queue; its log lines are kept. */
async function startWorkerProcess(metricsPort: number, lines: string[]): Promise<ChildProcess> {
  const { config } = e2e.stack;
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin'), '--transpile-only', 'src/workers/main.ts'], {
    cwd: REPO,
    env: {
      ...process.env,
      DATABASE_URL: config.DATABASE_URL,
      REDIS_URL: config.REDIS_URL,
      TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
      TICKET_KEYS_DIR: TEST_TICKET_KEYS_DIR,
      PAYMENT_WEBHOOK_SECRET: config.PAYMENT_WEBHOOK_SECRET,
      QUEUE_TOKEN_SECRET: config.QUEUE_TOKEN_SECRET,
      WORKER_METRICS_PORT: String(metricsPort),
      // A deployment of its own, so its build (this checkout's workflow code) becomes current at once.
      // In the shared one, a build made current by an earlier run (other code) keeps new runs while its
      // task queues were polled lately: this build is then refused as current, and the reservations
      // below would run on that earlier build, served from the bundle kept in the database.
      WORKER_DEPLOYMENT_NAME: deploymentName,
      // Debug, so the SDK's own line for every activity (with its request id) is there to read.
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    lines.push(...complete);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the worker did not start polling, its build current, within 90 s')), 90_000);
    const started = setInterval(() => {
      if (lines.some((l) => l.includes('polling task queue')) && lines.some((l) => l.includes(' is now current'))) {
        clearTimeout(timer);
        clearInterval(started);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => reject(new Error(`the worker exited (${String(code)})`)));
  });
  return child;
}

let worker: ChildProcess;
let metricsPort: number;
const workerLines: string[] = [];
const deploymentName = `observability-${randomUUID()}`;

beforeAll(async () => {
  await e2e.stack.stopWorker();
  metricsPort = await freePort();
  worker = await startWorkerProcess(metricsPort, workerLines);
}, 120_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  if (worker && worker.exitCode === null) await new Promise((resolve) => worker.once('exit', resolve));
  // Its build's bundle (megabytes) is kept per deployment: nobody needs this one's any more.
  const pool = createPool(testConfig());
  await pool.query('DELETE FROM workflow_builds WHERE deployment_name = $1', [deploymentName]).finally(() => pool.end());
});

async function eventually<T>(check: () => T | null, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== null) return value;
    if (Date.now() > until) throw new Error('the expected log lines did not come');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function jsonLines(): Array<Record<string, unknown>> {
  return workerLines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('the provisioned Grafana dashboard', () => {
  test('every query of the dashboard names a metric that the API or the worker (app or Temporal SDK) exports', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const queried = new Map<string, string>();
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        const names = metricNames(target.expr);
        expect({ panel: panel.title, names: names.length > 0 }).toEqual({ panel: panel.title, names: true });
        for (const name of names) queried.set(name, panel.title);
      }
    }

    {
      // A little of everything the dashboard shows: holds, a sale, a refusal, a decline, an expiry, a refund.
      const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 4, gaCapacity: 5 });
      const [buyer, rival] = [await registerBuyer(e2e.api), await registerBuyer(e2e.api)];
      const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: buyer.token });
      expect(held.status).toBe(201);
      expect((await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[0]] }, { token: rival.token })).status).toBe(409);
      const declined = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_declined' }, { token: buyer.token });
      expect(declined.status).toBe(402);
      const paid = await e2e.api.post(`/api/v1/reservations/${held.body.reservation_id}/confirm`, { payment_method_id: 'pm_card_visa' }, { token: buyer.token });
      expect(paid.status).toBe(200);
      expect((await e2e.api.post(`/api/v1/orders/${paid.body.order_id}/refund`, undefined, { token: e2e.admin })).status).toBe(200);
      const short = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, ga: [{ section_id: event.gaSectionId, quantity: 1 }], hold_duration_seconds: 1 }, { token: rival.token });
      await e2e.stack.server.deps.temporal.workflow.getHandle(`reservation-${short.body.reservation_id}`).result();

      const apiText = String((await e2e.api.get('/metrics')).body);
      const workerText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const available = new Set([...exported(apiText), ...exported(workerText)]);
      const missing = [...queried.entries()].filter(([name]) => !available.has(name)).map(([name, panel]) => `${name} (${panel})`);
      expect(missing).toEqual([]);
      // The app's own series are really there, not just declared.
      expect(workerText).toMatch(/^ticketing_places_sold_total(\{[^}]*\})? [1-9]/m);
      expect(workerText).toMatch(/^ticketing_release_lag_seconds_count(\{[^}]*\})? [1-9]/m);
    }
  }, 150_000);
});

describe('logs', () => {
  test('each API request id reaches the log lines of what it caused (JSON), with the workflow id; no token or card data; nothing at INFO per reservation', async () => {
    const event = await createEventViaApi(e2e.api, e2e.admin, { rows: 1, seatsPerRow: 2 });
    const buyer = await registerBuyer(e2e.api);
    const held = await e2e.api.post('/api/v1/reservations', { event_id: event.eventId, seat_ids: [event.seatIds[1]] }, { token: buyer.token, headers: { 'x-request-id': 'trace-hold-1' } });
    expect(held.status).toBe(201);
    const id = held.body.reservation_id as string;
    await e2e.api.post(`/api/v1/reservations/${id}/confirm`, { payment_method_id: 'pm_card_declined' }, { token: buyer.token, headers: { 'x-request-id': 'trace-pay-2' } });
    const raw = JSON.stringify({ reservation_id: id, payment_id: `pay_${id}`, status: 'failed', amount_cents: held.body.total_price_cents });
    const signature = createHmac('sha256', e2e.stack.config.PAYMENT_WEBHOOK_SECRET).update(raw).digest('hex');
    expect((await e2e.api.post('/api/v1/payments/webhook', undefined, { raw, headers: { 'x-signature': signature, 'x-request-id': 'trace-webhook-3' } })).status).toBe(202);
    expect((await e2e.api.delete(`/api/v1/reservations/${id}`, { token: buyer.token, headers: { 'x-request-id': 'trace-cancel-4' } })).status).toBe(200);
    await e2e.stack.server.deps.temporal.workflow.getHandle(`reservation-${id}`).result();

    // The SDK writes a line as each activity ends (completed, or failed as the declined charge did), with
    // the activity's log attributes.
    const completed = (activityType: string) => (l: Record<string, unknown>) => l.activityType === activityType && /^Activity (completed|failed)$/.test(String(l.msg));
    const ofThisWorkflow = await eventually(() => {
      const lines = jsonLines().filter((l) => l.workflowId === `reservation-${id}`);
      return lines.some(completed('releaseInventory')) ? lines : null;
    });
    // One request id per request: the hold, the charge, the webhook's warning, the cancel's release.
    expect(ofThisWorkflow.filter(completed('holdInventory')).map((l) => l.requestId)).toEqual(['trace-hold-1']);
    expect(ofThisWorkflow.filter(completed('chargePayment')).map((l) => l.requestId)).toEqual(['trace-pay-2']);
    const failedPayment = ofThisWorkflow.find((l) => l.msg === 'provider reported a failed payment');
    expect(failedPayment).toMatchObject({ requestId: 'trace-webhook-3', reservationId: id, level: 40 });
    expect(ofThisWorkflow.filter(completed('releaseInventory')).map((l) => l.requestId)).toEqual(['trace-cancel-4']);
    // A reservation's ordinary life (hold, decline, cancel) writes nothing at the default level (INFO).
    expect(ofThisWorkflow.filter((l) => l.level === 30)).toEqual([]);
    const everything = workerLines.join('\n');
    expect(everything).not.toContain(buyer.token);
    expect(everything).not.toContain('pm_card_declined');
  });
});
