/**
 * Under `npm start` the API and the worker run in process groups of their own, supervised over an IPC
 * channel. If the supervisor dies without stopping them (kill -9), nobody would stop or restart them
 * again, and the next `npm start` would find the port taken: so they stop as if it had sent SIGTERM.
 * Call it once the SIGTERM handling is in place. Without a channel (`npm run api`, Docker) it does nothing.
 */
export function stopWhenParentGoes(): void {
  if (typeof process.send !== 'function') return; // not spawned with a channel
  if (!process.connected) {
    process.kill(process.pid, 'SIGTERM'); // it went while we were starting
    return;
  }
  process.channel?.unref(); // the channel alone must not keep a stopped process alive
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
