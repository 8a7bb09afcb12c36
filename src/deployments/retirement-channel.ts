import type { Redis } from 'ioredis';

/**
 * Retired builds are announced on this pub/sub channel: every worker process serving one stops its
 * Worker at once. A missed message costs only an idle poller until the process restarts (a restarted
 * worker loads live builds only).
 */
export const RETIRED_BUILDS_CHANNEL = 'workflow-builds:retired';

export async function announceRetirement(redis: Redis, deploymentName: string, buildId: string): Promise<void> {
  await redis.publish(RETIRED_BUILDS_CHANNEL, JSON.stringify({ deploymentName, buildId }));
}

/** Calls `onRetired` for each retirement of this deployment; returns a function that stops listening. */
export async function onRetirement(subscriber: Redis, deploymentName: string, onRetired: (buildId: string) => void): Promise<() => Promise<void>> {
  const listener = (channel: string, message: string): void => {
    if (channel !== RETIRED_BUILDS_CHANNEL) return;
    try {
      const parsed = JSON.parse(message) as { deploymentName?: unknown; buildId?: unknown };
      if (parsed.deploymentName === deploymentName && typeof parsed.buildId === 'string') onRetired(parsed.buildId);
    } catch {
      // Not ours: ignore.
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(RETIRED_BUILDS_CHANNEL);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(RETIRED_BUILDS_CHANNEL).catch(() => undefined);
  };
}
