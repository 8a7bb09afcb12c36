import type { Pool } from 'pg';
import { AppError } from '../domain/errors';
import type { AuthUser, Role } from './auth-user';
import { hashPassword, needsRehash, verifyPassword } from './passwords';

/** Compared against when the email is unknown, so a wrong email costs as long as a wrong password. */
let decoyHash: Promise<string> | null = null;

export async function registerUser(
  pool: Pool,
  input: { email: string; password: string; name: string; role?: Role },
): Promise<AuthUser> {
  const hash = await hashPassword(input.password);
  // An email already taken (even by a registration racing this one) fails the unique index on
  // lower(email): the error handler answers it 409 EMAIL_TAKEN (src/api/postgres-errors.ts).
  const { rows } = await pool.query<AuthUser>(
    `INSERT INTO users (email, name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id, email, name, role`,
    [input.email.trim(), input.name, hash, input.role ?? 'user'],
  );
  const user = rows[0];
  if (!user) throw new Error('user insert returned nothing');
  return user;
}

export async function authenticateUser(pool: Pool, email: string, password: string): Promise<AuthUser> {
  const { rows } = await pool.query<AuthUser & { password_hash: string }>(
    'SELECT id, email, name, role, password_hash FROM users WHERE lower(email) = lower($1)',
    [email.trim()],
  );
  const found = rows[0];
  decoyHash ??= hashPassword('decoy-password');
  const ok = await verifyPassword(password, found?.password_hash ?? (await decoyHash));
  if (!found || !ok) throw new AppError('INVALID_CREDENTIALS', 'email or password is wrong');
  if (needsRehash(found.password_hash)) await upgradeHash(pool, found.id, found.password_hash, password);
  return { id: found.id, email: found.email, name: found.name, role: found.role };
}

/**
 * A password stored with an older algorithm or weaker parameters is hashed again while we have it
 * (at sign-in): only if the hash is still the one just verified, so a password changed meanwhile stands.
 */
async function upgradeHash(pool: Pool, userId: string, verifiedHash: string, password: string): Promise<void> {
  await pool.query('UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [userId, verifiedHash, await hashPassword(password)]);
}

/**
 * The admin of ADMIN_EMAIL/ADMIN_PASSWORD exists after start-up, with that password and the admin
 * role. `passwordChanged` says the account's password was another one until now (a rotation): the
 * caller ends its sessions. A start with the same password changes nothing.
 */
export async function ensureAdmin(pool: Pool, email: string, password: string): Promise<{ id: string; passwordChanged: boolean }> {
  const { rows: existing } = await pool.query<{ id: string; password_hash: string; role: string }>(
    'SELECT id, password_hash, role FROM users WHERE lower(email) = lower($1)',
    [email.trim()],
  );
  const current = existing[0];
  if (current && current.role === 'admin' && !needsRehash(current.password_hash) && (await verifyPassword(password, current.password_hash))) {
    return { id: current.id, passwordChanged: false };
  }
  const hash = await hashPassword(password);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO users (email, name, password_hash, role) VALUES ($1, 'Administrator', $2, 'admin')
     ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'
     RETURNING id`,
    [email.trim(), hash],
  );
  const passwordChanged = current !== undefined && !(await verifyPassword(password, current.password_hash));
  return { id: rows[0]!.id, passwordChanged };
}

/** Grants or withdraws a role (an admin makes a door steward a scanner, say). */
export async function setUserRole(pool: Pool, userId: string, role: Role): Promise<AuthUser> {
  const { rows } = await pool.query<AuthUser>('UPDATE users SET role = $2 WHERE id = $1 RETURNING id, email, name, role', [userId, role]);
  const user = rows[0];
  if (!user) throw new AppError('NOT_FOUND', 'user not found');
  return user;
}

export async function findUserByEmail(pool: Pool, email: string): Promise<AuthUser | null> {
  const { rows } = await pool.query<AuthUser>('SELECT id, email, name, role FROM users WHERE lower(email) = lower($1)', [email.trim()]);
  return rows[0] ?? null;
}
