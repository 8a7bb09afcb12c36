import { spawn, type ChildProcess } from 'node:child_process';
import { supervise, type SupervisedProcess, type SupervisorOptions } from '../../scripts/lib/supervisor';

/** Short delays so a scenario takes a second or two; the shape (growth, ceiling, reset) is what is tested. */
const FAST: Omit<SupervisorOptions, 'log'> = { backoff: { initialMs: 100, maxMs: 800, factor: 2 }, stableAfterMs: 60_000, stopGraceMs: 2000 };

function node(code: string): ChildProcess {
  return spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
}
const CRASH = 'process.exit(3)';
const RUN = 'process.stdout.write("up\\n"); setInterval(() => undefined, 1000)';

async function eventually(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function untilOutput(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve) => child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes(text) && resolve()));
}

/** Supervises node children whose code is chosen per run; records each start and every supervisor line. */
function supervised(codeOfRun: (run: number) => string, options: Partial<SupervisorOptions> = {}) {
  const lines: string[] = [];
  const starts: number[] = [];
  const supervisedProcess = supervise(
    {
      name: 'worker',
      start: () => {
        starts.push(Date.now());
        return node(codeOfRun(starts.length));
      },
    },
    { ...FAST, ...options, log: (line) => lines.push(line) },
  );
  const delays = () => lines.flatMap((l) => /restarting it in (\d+) ms/.exec(l)?.[1] ?? []).map(Number);
  return { process: supervisedProcess, lines, starts, delays };
}

const stopAfterEach: SupervisedProcess[] = [];
afterEach(async () => {
  await Promise.all(stopAfterEach.splice(0).map((p) => p.stop()));
});

describe('a supervised process that dies', () => {
  test('when the worker is killed with SIGKILL, it is started again and the supervisor says so', async () => {
    const worker = supervised(() => RUN);
    stopAfterEach.push(worker.process);
    await eventually(() => worker.process.current() !== null);
    const first = worker.process.current()!;
    await untilOutput(first, 'up');
    first.kill('SIGKILL');

    await eventually(() => worker.process.restarts() === 1 && worker.process.current() !== null);
    expect(worker.process.current()!.pid).not.toBe(first.pid);
    expect(worker.lines[0]).toMatch(/^worker was killed by SIGKILL after (\d+ ms|\d+\.\d s); restarting it in 100 ms$/);
    expect(worker.lines[1]).toMatch(/^worker restarted \(pid \d+, restart 1\)$/);
  });

  test('when it crashes again and again, each restart waits twice as long as the one before, up to the ceiling', async () => {
    const worker = supervised(() => CRASH);
    stopAfterEach.push(worker.process);
    await eventually(() => worker.starts.length >= 6);
    await worker.process.stop();

    expect(worker.delays().slice(0, 5)).toEqual([100, 200, 400, 800, 800]);
    expect(worker.lines).toContainEqual(expect.stringMatching(/^worker exited with code 3 after \d+ ms; restarting it in 800 ms \(5 crashes in a row\)$/));
    // The crash loop is slowed, not spinning: every restart came at least its delay after the one before.
    const gaps = worker.starts.slice(1).map((t, i) => t - worker.starts[i]!);
    gaps.slice(0, 5).forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(worker.delays()[i]! - 5));
  });

  test('a run that stayed up a while ends the crash loop: its crash is restarted after the initial delay again', async () => {
    // Runs 1 and 2 crash at once, run 3 stays up past stableAfterMs and then exits (code 0 counts too), runs 4 and 5 crash.
    const worker = supervised((run) => (run === 3 ? 'setTimeout(() => process.exit(0), 900)' : CRASH), { stableAfterMs: 600 });
    stopAfterEach.push(worker.process);
    await eventually(() => worker.starts.length >= 5);
    await worker.process.stop();

    expect(worker.delays().slice(0, 4)).toEqual([100, 200, 100, 200]);
    expect(worker.lines).toContainEqual(expect.stringMatching(/^worker exited with code 0 after (9\d\d ms|\d+\.\d s); restarting it in 100 ms$/));
  });
});

describe('stopping a supervised process', () => {
  test('stop() during the wait before a restart cancels the restart', async () => {
    const worker = supervised(() => CRASH, { backoff: { initialMs: 500, maxMs: 500, factor: 2 } });
    await eventually(() => worker.delays().length === 1);
    await worker.process.stop();
    await new Promise((resolve) => setTimeout(resolve, 800));

    expect(worker.starts).toHaveLength(1);
    expect(worker.process.current()).toBeNull();
  });

  test('stop() sends SIGTERM, then SIGKILL to a process that ignores it past the grace period, and restarts nothing', async () => {
    const worker = supervised(() => `process.on('SIGTERM', () => undefined); ${RUN}`, { stopGraceMs: 500 });
    await eventually(() => worker.process.current() !== null);
    const child = worker.process.current()!;
    await untilOutput(child, 'up');

    const since = Date.now();
    await worker.process.stop();
    expect(Date.now() - since).toBeGreaterThanOrEqual(500);
    expect(child.signalCode).toBe('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(worker.starts).toHaveLength(1);
    expect(worker.lines).toEqual([]);
  });
});
