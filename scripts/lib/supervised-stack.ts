/**
 * What `npm start` runs on top of the servers: its processes, each supervised (restarted when it dies),
 * stopped only when asked, in the reverse order of their start (the API before the worker it hands
 * work to), and the servers last, once nothing uses them any more.
 */
import { formatDuration, supervise, type ChildSpec, type SupervisedProcess, type SupervisorOptions } from './supervisor';

export interface SupervisedStack {
  processes: SupervisedProcess[];
  /** Stops everything in order; later calls return the stop under way. */
  stop(reason: string): Promise<void>;
}

export interface SupervisedStackOptions {
  /** Started in this order, stopped in the reverse order. */
  children: ChildSpec[];
  /** The servers the processes use; stopped after them. */
  servers: { stop(): Promise<void> };
  log: (line: string) => void;
  supervisor?: Partial<Omit<SupervisorOptions, 'log'>>;
}

export function superviseStack(options: SupervisedStackOptions): SupervisedStack {
  const { log } = options;
  const processes = options.children.map((spec) => supervise(spec, { ...options.supervisor, log }));
  let stopping: Promise<void> | null = null;

  const stopInOrder = async (reason: string): Promise<void> => {
    const order = [...processes].reverse();
    log(`${reason}: stopping ${[...order.map((p) => p.name), 'the servers'].join(', then ')}`);
    for (const child of order) {
      const since = Date.now();
      await child.stop();
      log(`${child.name} stopped (${formatDuration(Date.now() - since)})`);
    }
    const since = Date.now();
    try {
      await options.servers.stop();
      log(`servers stopped (${formatDuration(Date.now() - since)})`);
    } catch (err) {
      log(`stopping the servers failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  return {
    processes,
    stop: (reason) => (stopping ??= stopInOrder(reason)),
  };
}

/**
 * Ctrl-C or SIGTERM stops the stack in order, then exits. Only they do: a child that dies is restarted.
 * A second signal while stopping says so and changes nothing (each step has its own SIGKILL deadline).
 */
export function stopOnSignals(stack: SupervisedStack, log: (line: string) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal}: already stopping`);
      return;
    }
    stopping = true;
    void stack.stop(signal).finally(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
