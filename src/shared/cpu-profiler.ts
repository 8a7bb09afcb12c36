import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * On-demand CPU profiles of a running process (the benchmark's `--profile`): with CPU_PROFILE_DIR set,
 * SIGWINCH starts V8's profiler and the next SIGWINCH stops it (SIGUSR2 would stop a Temporal worker: its runtime's shutdown signal) and writes `<name>-<pid>.cpuprofile`
 * there, so a profile covers exactly the load window, not the start-up. Without the variable nothing is
 * installed and the process pays nothing.
 */
export function installProfilerSignal(name: string): void {
  const dir = process.env.CPU_PROFILE_DIR;
  if (!dir) return;
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
