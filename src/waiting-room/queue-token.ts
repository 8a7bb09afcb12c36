import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A queue token: what an admission lets a fan do, signed with HMAC-SHA256 so the API can check it
 * without a lookup. It names the event and the user (a token is worth nothing to anyone else, or for
 * another event) and when it expires.
 */
export interface QueueTokenClaims {
  eventId: string;
  userId: string;
  expiresAtMs: number;
  admissionNumber: number;
}

const VERSION = 'qt1';

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signQueueToken(secret: string, claims: QueueTokenClaims): string {
  const payload = [VERSION, claims.eventId.toLowerCase(), claims.userId.toLowerCase(), claims.expiresAtMs, claims.admissionNumber].join('.');
  return `${payload}.${signature(secret, payload)}`;
}

export type QueueTokenVerdict = { ok: true; claims: QueueTokenClaims } | { ok: false; reason: 'MALFORMED' | 'FORGED' | 'OTHER_EVENT' | 'OTHER_USER' | 'EXPIRED' };

/** Checks the signature first: nothing in a token is believed before it is known to be ours. */
export function verifyQueueToken(secret: string, token: string, expected: { eventId: string; userId: string; nowMs: number }): QueueTokenVerdict {
  const parts = token.split('.');
  if (parts.length !== 6 || parts[0] !== VERSION) return { ok: false, reason: 'MALFORMED' };
  const [, eventId = '', userId = '', expires = '', admission = '', given = ''] = parts;
  const wanted = Buffer.from(signature(secret, parts.slice(0, 5).join('.')));
  const got = Buffer.from(given);
  if (wanted.length !== got.length || !timingSafeEqual(wanted, got)) return { ok: false, reason: 'FORGED' };
  if (eventId !== expected.eventId.toLowerCase()) return { ok: false, reason: 'OTHER_EVENT' };
  if (userId !== expected.userId.toLowerCase()) return { ok: false, reason: 'OTHER_USER' };
  const expiresAtMs = Number(expires);
  if (!(expiresAtMs > expected.nowMs)) return { ok: false, reason: 'EXPIRED' };
  return { ok: true, claims: { eventId, userId, expiresAtMs, admissionNumber: Number(admission) } };
}
