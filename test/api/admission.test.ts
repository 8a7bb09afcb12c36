import { AppError } from '../../src/domain/errors';
import { createAdmissionLimit } from '../../src/api/services/admission';

describe('admission of holds in flight', () => {
  test('when the cap is reached, the next hold is refused at once with UNAVAILABLE and Retry-After, and admitted again once one finishes', async () => {
    const limit = createAdmissionLimit(2);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = limit.run(() => gate);
    const second = limit.run(() => gate);
    expect(limit.inFlight).toBe(2);
    const refused = await limit.run(async () => 'never').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', status: 503, details: { retry_after_seconds: 1 } });
    release();
    await Promise.all([first, second]);
    expect(limit.inFlight).toBe(0);
    await expect(limit.run(async () => 'admitted')).resolves.toBe('admitted');
  });

  test('a failing hold frees its place too', async () => {
    const limit = createAdmissionLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(limit.inFlight).toBe(0);
  });
});
