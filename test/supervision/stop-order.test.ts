import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, tsNodeArgs } from '../../scripts/lib/processes';

/*
 * The start script's supervision as processes see it: start-harness.ts runs the real supervision around
 * stand-ins that record every signal they receive, in one file, in the order things happened.
 */
interface Harness {
  process: ChildProcess;
  exited: Promise<number | null>;
  events(): string[];
  pidOf(name: string): number;
  dir: string;
}

const STAND_INS = ['redis-server', 'temporal-server', 'worker', 'api'];

async function eventually(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'supervision-'));
  const eventsFile = join(dir, 'events');
  writeFileSync(eventsFile, '');
  // Like a shell running a foreground job, the start script leads a process group of its own: the one a
  // Ctrl-C in its terminal signals.
  const child = spawn(process.execPath, [...tsNodeArgs('test/supervision/fixtures/start-harness.ts'), eventsFile, dir], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const events = () => readFileSync(eventsFile, 'utf8').split('\n').filter(Boolean);
  const pids = (name: string) => events().flatMap((e) => new RegExp(`^${name} started (\\d+)$`).exec(e)?.[1] ?? []).map(Number);
  const harness = { process: child, exited, events, pidOf: (name: string) => pids(name).at(-1)!, dir };
  await eventually(() => STAND_INS.every((name) => pids(name).length > 0));
  return harness;
}

/** The events of one stand-in after its last start, or of the supervisor. */
function indexOf(events: string[], line: string): number {
  const i = events.lastIndexOf(line);
  if (i < 0) throw new Error(`no "${line}" in:\n${events.join('\n')}`);
  return i;
}

function expectStoppedInOrder(events: string[]): void {
  const order = [
    indexOf(events, 'api SIGTERM'),
    indexOf(events, 'api exited'),
    indexOf(events, 'worker SIGTERM'),
    indexOf(events, 'worker exited'),
    Math.min(indexOf(events, 'redis-server SIGTERM'), indexOf(events, 'temporal-server SIGTERM')),
  ];
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  expect(events).toEqual(expect.arrayContaining(['redis-server exited', 'temporal-server exited']));
  expect(events).toContainEqual(expect.stringMatching(/^supervisor servers stopped/));
}

let harness: Harness | undefined;
afterEach(async () => {
  if (!harness) return;
  // Whatever a failed scenario left running: the processes it recorded, and only those.
  const pids = harness.events().flatMap((e) => /^\S+ started (\d+)$/.exec(e)?.[1] ?? []).map(Number);
  for (const pid of [harness.process.pid!, ...pids]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(harness.dir, { recursive: true, force: true });
  harness = undefined;
});

describe('npm start supervises the worker and the API', () => {
  test('when the worker is killed with -9, only the worker is restarted, the supervisor says so, and the API and the servers keep running', async () => {
    harness = await startHarness();
    const killed = harness.pidOf('worker');
    process.kill(killed, 'SIGKILL');
    await eventually(() => harness!.pidOf('worker') !== killed);

    const events = harness.events();
    expect(events).toContainEqual(expect.stringMatching(/^supervisor worker was killed by SIGKILL after .*; restarting it in 200 ms$/));
    expect(events).toContainEqual(expect.stringMatching(/^supervisor worker restarted \(pid \d+, restart 1\)$/));
    // Nothing else heard of it: no signal, no exit.
    expect(events.filter((e) => !/ started \d+$/.test(e) && !e.startsWith('supervisor '))).toEqual([]);
    expect(isAlive(harness.pidOf('api'))).toBe(true);

    process.kill(harness.process.pid!, 'SIGTERM');
    expect(await harness.exited).toBe(0);
    expectStoppedInOrder(harness.events());
  });

  test('Ctrl-C reaches only the start script, which stops the API, then the worker, then the servers; no server sees the SIGINT', async () => {
    harness = await startHarness();
    process.kill(-harness.process.pid!, 'SIGINT'); // what the terminal does: the whole foreground process group
    expect(await harness.exited).toBe(0);

    const events = harness.events();
    expect(events.filter((e) => e.endsWith(' SIGINT'))).toEqual([]);
    expect(events).toContainEqual('supervisor SIGINT: stopping api, then worker, then the servers');
    expectStoppedInOrder(events);
    for (const name of STAND_INS) expect(isAlive(harness.pidOf(name))).toBe(false);
  });

  test('a SIGTERM to the start script stops them in the same order', async () => {
    harness = await startHarness();
    process.kill(harness.process.pid!, 'SIGTERM');
    expect(await harness.exited).toBe(0);

    const events = harness.events();
    expect(events).toContainEqual('supervisor SIGTERM: stopping api, then worker, then the servers');
    expectStoppedInOrder(events);
  });

  test('if the start script itself is killed with -9, the API and the worker stop by themselves; the servers stay up for the next start', async () => {
    harness = await startHarness();
    process.kill(harness.process.pid!, 'SIGKILL');
    await harness.exited;
    await eventually(() => ['api', 'worker'].every((name) => harness!.events().includes(`${name} exited`)));

    const events = harness.events();
    expect(events).toEqual(expect.arrayContaining(['api disconnected', 'worker disconnected']));
    expect(isAlive(harness.pidOf('redis-server'))).toBe(true);
    expect(isAlive(harness.pidOf('temporal-server'))).toBe(true);
  });
});
