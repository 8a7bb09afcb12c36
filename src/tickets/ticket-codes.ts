import { createHash, sign, verify, type KeyObject } from 'node:crypto';

/**
 * A ticket's QR code: `TKT2.<claims>.<signature>`, both base64url, the signature an Ed25519 signature
 * of `TKT2.<claims>` by the platform's ticket key. Anyone with the public key can tell, offline, that
 * the code is genuine and what it admits; nobody without the private key can make or alter one.
 */
export const CODE_PREFIX = 'TKT2';

export interface TicketClaims {
  /** Ticket id. */
  tid: string;
  /** Event id. */
  eid: string;
  /** Section id, and the seat id for a seated ticket (null for general admission). */
  sec: string;
  seat: string | null;
  /** What a door steward reads: section, and row and seat number when seated. */
  lbl: string;
  /** Owner id and display name. */
  own: string;
  nm: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  /** The id of the key that signed it (keys rotate; several public keys are accepted). */
  kid: string;
}

export class TicketCodeError extends Error {
  constructor(readonly reason: 'malformed' | 'unknown_key' | 'bad_signature') {
    super(`ticket code refused: ${reason.replace('_', ' ')}`);
    this.name = 'TicketCodeError';
  }
}

/** A key id: the first 12 characters of the base64url SHA-256 of the public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('base64url').slice(0, 12);
}

export function signTicketCode(claims: Omit<TicketClaims, 'kid'>, key: { kid: string; privateKey: KeyObject }): string {
  const body = `${CODE_PREFIX}.${Buffer.from(JSON.stringify({ ...claims, kid: key.kid })).toString('base64url')}`;
  const signature = sign(null, Buffer.from(body), key.privateKey).toString('base64url');
  return `${body}.${signature}`;
}

/**
 * Checks a code against the accepted public keys (by key id) and returns what it claims. Works with
 * the public keys alone: this is what an offline scanner runs. Throws TicketCodeError otherwise.
 */
export function verifyTicketCode(code: string, publicKeys: ReadonlyMap<string, KeyObject>): TicketClaims {
  const parts = code.trim().split('.');
  if (parts.length !== 3 || parts[0] !== CODE_PREFIX || !parts[1] || !parts[2]) throw new TicketCodeError('malformed');
  const claims = parseClaims(parts[1]);
  const key = publicKeys.get(claims.kid);
  if (!key) throw new TicketCodeError('unknown_key');
  const signature = Buffer.from(parts[2], 'base64url');
  if (signature.length !== 64 || !verify(null, Buffer.from(`${parts[0]}.${parts[1]}`), key, signature)) {
    throw new TicketCodeError('bad_signature');
  }
  return claims;
}

function parseClaims(encoded: string): TicketClaims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new TicketCodeError('malformed');
  }
  const c = value as Partial<TicketClaims>;
  const strings = [c.tid, c.eid, c.sec, c.lbl, c.own, c.nm, c.kid];
  if (strings.some((s) => typeof s !== 'string') || !(c.seat === null || typeof c.seat === 'string') || typeof c.iat !== 'number') {
    throw new TicketCodeError('malformed');
  }
  return c as TicketClaims;
}
