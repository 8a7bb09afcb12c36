import { createHash, randomUUID } from 'node:crypto';

/**
 * A reservation's id. With an idempotency key it is derived from (user, key), so every retry of the
 * same request names the same reservation, and so the same workflow: it can never hold twice.
 * Scoped by user, so two users' keys never collide.
 */
export function reservationIdFor(userId: string, idempotencyKey: string | null): string {
  if (!idempotencyKey) return randomUUID();
  const hash = createHash('sha256').update(`reservation:${userId}:${idempotencyKey}`).digest();
  // Shape the digest as an RFC 4122 version-5-style UUID (name-based).
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
