import { AppError } from '../../domain/errors';
import { verifyQueueToken } from '../../waiting-room/queue-token';

/**
 * A high-demand event sells only to fans its waiting room admitted: X-Queue-Token must be a token the
 * room signed for this user and this event, still inside its window. Anything else (missing, forged,
 * expired, another user's or another event's) is 403 QUEUE_TOKEN_REQUIRED. Returns the token's id,
 * which the hold records: one token, one purchase (decided in the hold's transaction).
 */
export function assertQueueAdmission(secrets: readonly string[], eventId: string, userId: string, token: string | null, nowMs = Date.now()): string {
  if (!token) throw new AppError('QUEUE_TOKEN_REQUIRED', 'this event sells through its waiting room: join the queue first');
  // Signed with the current secret, or with the previous one while a rotation overlaps.
  const verdicts = secrets.map((secret) => verifyQueueToken(secret, token, { eventId, userId, nowMs }));
  const verdict = verdicts.find((v) => v.ok || v.reason !== 'FORGED') ?? verdicts[0]!;
  if (!verdict.ok) {
    throw new AppError('QUEUE_TOKEN_REQUIRED', `the X-Queue-Token is not valid for this event and user (${verdict.reason.toLowerCase().replace('_', ' ')}): join the queue`, {
      reason: verdict.reason,
    });
  }
  return verdict.claims.tokenId;
}
