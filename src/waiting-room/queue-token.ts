import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isUuid } from '../db/uuid';

/**
 * A queue token: what an admission lets a fan do, signed with HMAC-SHA256 so the API can check it
 * without a lookup. It names the event and the user (a token is worth nothing to anyone else, or for
 * another event), when it expires, and its own id: the hold made with it carries the id, so one token
 * backs one purchase (src/inventory/hold.ts).
 */
export interface QueueTokenClaims {
  eventId: string;
  userId: string;
  expiresAtMs: number;
  admissionNumber: number;
  /** A UUID naming this admission's token; every status read of the same admission gives the same one. */
  tokenId: string;
}

const VERSION = 'qt2';
/** Tokens signed before they carried an id; their id is derived from what they name. */
const VERSION_WITHOUT_ID = 'qt1';

function signature(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * The id of an admission's token, derived from the admission (event, fan, admission number and
 * expiry), so that reading the status again hands out the same token rather than a fresh one.
 */
export function queueTokenIdOf(admission: Omit<QueueTokenClaims, 'tokenId'>): string {
  const hash = createHash('sha256')
    .update(`queue-token:${admission.eventId.toLowerCase()}:${admission.userId.toLowerCase()}:${admission.admissionNumber}:${admission.expiresAtMs}`)
    .digest();
  // Shaped as an RFC 4122 version-5-style UUID (name-based).
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function signQueueToken(secret: string, claims: QueueTokenClaims): string {
  const payload = [VERSION, claims.eventId.toLowerCase(), claims.userId.toLowerCase(), claims.expiresAtMs, claims.admissionNumber, claims.tokenId.toLowerCase()].join('.');
  return `${payload}.${signature(secret, payload)}`;
}

export type QueueTokenVerdict = { ok: true; claims: QueueTokenClaims } | { ok: false; reason: 'MALFORMED' | 'FORGED' | 'OTHER_EVENT' | 'OTHER_USER' | 'EXPIRED' };

/** Checks the signature first: nothing in a token is believed before it is known to be ours. */
export function verifyQueueToken(secret: string, token: string, expected: { eventId: string; userId: string; nowMs: number }): QueueTokenVerdict {
  const parts = token.split('.');
  const withId = parts.length === 7 && parts[0] === VERSION;
  if (!withId && !(parts.length === 6 && parts[0] === VERSION_WITHOUT_ID)) return { ok: false, reason: 'MALFORMED' };
  const signed = parts.slice(0, -1);
  const [, eventId = '', userId = '', expires = '', admission = '', signedId = ''] = signed;
  const wanted = Buffer.from(signature(secret, signed.join('.')));
  const got = Buffer.from(parts[parts.length - 1] ?? '');
  if (wanted.length !== got.length || !timingSafeEqual(wanted, got)) return { ok: false, reason: 'FORGED' };
  if (eventId !== expected.eventId.toLowerCase()) return { ok: false, reason: 'OTHER_EVENT' };
  if (userId !== expected.userId.toLowerCase()) return { ok: false, reason: 'OTHER_USER' };
  const expiresAtMs = Number(expires);
  if (!(expiresAtMs > expected.nowMs)) return { ok: false, reason: 'EXPIRED' };
  const admissionNumber = Number(admission);
  const tokenId = withId ? signedId : queueTokenIdOf({ eventId, userId, expiresAtMs, admissionNumber });
  if (!isUuid(tokenId)) return { ok: false, reason: 'MALFORMED' };
  return { ok: true, claims: { eventId, userId, expiresAtMs, admissionNumber, tokenId } };
}
