import { AppError } from '../../src/domain/errors';
import { createAdmissionLimit } from '../../src/api/admission-limit';

/** A hold that finishes when the test says so. */
function gate() {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('admission of holds in flight', () => {
  test('when a burst is larger than the in-flight limit, the extra holds wait and are served in the order they came', async () => {
    const limit = createAdmissionLimit({ maxInFlight: 2, maxQueue: 10, maxWaitMs: 5000 });
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, gate);
    const burst = gates.map((g, i) =>
      limit.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limit.waiting).toBe(4);
    // Finishing in reverse order still lets the waiters in first come, first served.
    gates[1]!.open();
    await burst[1];
    gates[0]!.open();
    await burst[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(burst)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limit.inFlight).toBe(0);
  });

  test('a hold that waits longer than the bound is refused with UNAVAILABLE and Retry-After, and the queue moves on without it', async () => {
    const limit = createAdmissionLimit({ maxInFlight: 1, maxQueue: 10, maxWaitMs: 50 });
    const busy = gate();
    const first = limit.run(() => busy.promise);
    const refused = await limit.run(async () => 'never').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', status: 503, details: { retry_after_seconds: 1 } });
    expect(limit.waiting).toBe(0);
    busy.open();
    await first;
    await expect(limit.run(async () => 'admitted')).resolves.toBe('admitted');
    expect(limit.inFlight).toBe(0);
  });

  test('when the waiting line is full, the next hold is refused at once', async () => {
    const limit = createAdmissionLimit({ maxInFlight: 1, maxQueue: 1, maxWaitMs: 60_000 });
    const busy = gate();
    const first = limit.run(() => busy.promise);
    const second = limit.run(async () => 'second');
    await expect(limit.run(async () => 'third')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    busy.open();
    await first;
    await expect(second).resolves.toBe('second');
  });

  test('a failing hold frees its place too', async () => {
    const limit = createAdmissionLimit({ maxInFlight: 1, maxQueue: 1, maxWaitMs: 1000 });
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limit.inFlight).toBe(0);
  });
});
