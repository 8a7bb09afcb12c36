import { createHmac, randomUUID } from 'node:crypto';
import { queueTokenIdOf, signQueueToken, verifyQueueToken } from '../../src/waiting-room/queue-token';

const secret = 'a-secret-of-this-test-only';
const admission = { eventId: randomUUID(), userId: randomUUID(), expiresAtMs: Date.now() + 60_000, admissionNumber: 7 };
const expected = { eventId: admission.eventId, userId: admission.userId, nowMs: Date.now() };

describe('a queue token names its admission, so one token is one purchase', () => {
  test('reading the same admission twice hands out the same token, with the same id; another admission of the fan has another id', () => {
    const first = signQueueToken(secret, { ...admission, tokenId: queueTokenIdOf(admission) });
    const again = signQueueToken(secret, { ...admission, tokenId: queueTokenIdOf(admission) });
    expect(again).toBe(first);
    const verdict = verifyQueueToken(secret, first, expected);
    expect(verdict).toEqual({ ok: true, claims: { ...admission, tokenId: queueTokenIdOf(admission) } });
    expect(queueTokenIdOf({ ...admission, admissionNumber: 8 })).not.toBe(queueTokenIdOf(admission));
  });

  test('the id is signed: a token whose id was swapped for another is refused as forged', () => {
    const token = signQueueToken(secret, { ...admission, tokenId: queueTokenIdOf(admission) });
    const parts = token.split('.');
    parts[5] = randomUUID();
    expect(verifyQueueToken(secret, parts.join('.'), expected)).toEqual({ ok: false, reason: 'FORGED' });
  });

  test('a token signed before tokens carried an id (qt1) still admits, under the id its admission has now', () => {
    const payload = ['qt1', admission.eventId, admission.userId, admission.expiresAtMs, admission.admissionNumber].join('.');
    const older = `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
    expect(verifyQueueToken(secret, older, expected)).toEqual({ ok: true, claims: { ...admission, tokenId: queueTokenIdOf(admission) } });
  });
});
