import { scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import * as argon2 from 'argon2';

/**
 * Argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 19 MiB of memory, two
 * passes, one lane. The parameters and a random salt are stored in the hash (PHC string), so they can
 * be raised later: a hash made with lower ones is upgraded at the account's next sign-in.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) {
    try {
      return await argon2.verify(stored, password);
    } catch {
      return false; // not a hash argon2 can read
    }
  }
  if (stored.startsWith('scrypt$')) return verifyLegacyScrypt(password, stored);
  return false;
}

/** Whether a hash that just verified should be made again with today's algorithm and parameters. */
export function needsRehash(stored: string): boolean {
  if (!stored.startsWith('$argon2id$')) return true;
  try {
    return argon2.needsRehash(stored, ARGON2_OPTIONS);
  } catch {
    return true;
  }
}

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/** Hashes stored before argon2id (`scrypt$N$r$p$salt$key`): still verified, so their accounts can sign in and be upgraded. */
async function verifyLegacyScrypt(password: string, stored: string): Promise<boolean> {
  const [, n, r, p, salt, key] = stored.split('$');
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  if (!salt || !key || ![N, R, P].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(key, 'base64');
  // Room for the parameters the hash names (128 * N * r bytes), whatever they were.
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N, r: R, p: P, maxmem: 256 * N * R + (1 << 20) });
  return timingSafeEqual(expected, actual);
}
