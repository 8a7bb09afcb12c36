import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import type { Pool } from 'pg';
import { startServer } from '../../src/api/server';
import { createPool } from '../../src/db/pool';
import { authenticateUser, registerUser } from '../../src/users/user-accounts';
import { testConfig } from '../support/env';
import { httpClient } from '../support/http';

let pool: Pool;

beforeAll(() => {
  pool = createPool(testConfig());
});

afterAll(async () => {
  await pool.end();
});

/** A hash as the platform stored passwords before argon2id: scrypt at N=2^14, r=8, p=1. */
function legacyScryptHash(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password, salt, 32, { N: 16_384, r: 8, p: 1 });
  return `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

async function storedHash(email: string): Promise<string> {
  const { rows } = await pool.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE lower(email) = lower($1)', [email]);
  return rows[0]!.password_hash;
}

async function accountWithLegacyHash(password: string): Promise<string> {
  const email = `legacy-${randomUUID()}@example.com`;
  await pool.query(`INSERT INTO users (email, name, password_hash, role) VALUES ($1, 'Legacy fan', $2, 'user')`, [email, legacyScryptHash(password)]);
  return email;
}

describe('passwords are stored with argon2id', () => {
  test("a new account's password is stored as argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), salted per account", async () => {
    const [a, b] = [`fan-${randomUUID()}@example.com`, `fan-${randomUUID()}@example.com`];
    await registerUser(pool, { email: a, password: 'correct-horse-battery', name: 'A' });
    await registerUser(pool, { email: b, password: 'correct-horse-battery', name: 'B' });
    const [hashA, hashB] = [await storedHash(a), await storedHash(b)];
    expect(hashA).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(hashA).not.toBe(hashB);
    expect(hashA).not.toContain('correct-horse-battery');
    expect((await authenticateUser(pool, a, 'correct-horse-battery')).email).toBe(a);
  });

  test('an account stored with the old scrypt hash signs in with its password, and that sign-in upgrades the hash to argon2id; the password keeps working', async () => {
    const email = await accountWithLegacyHash('an old but good password');
    expect((await authenticateUser(pool, email, 'an old but good password')).email).toBe(email);
    expect(await storedHash(email)).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect((await authenticateUser(pool, email, 'an old but good password')).email).toBe(email);
  });

  test('a wrong password against an old scrypt hash is refused 401 INVALID_CREDENTIALS and leaves the hash as it was', async () => {
    const email = await accountWithLegacyHash('the real password');
    const before = await storedHash(email);
    await expect(authenticateUser(pool, email, 'a guess')).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS', status: 401 });
    expect(await storedHash(email)).toBe(before);
  });
});

describe('the admin account of ADMIN_EMAIL / ADMIN_PASSWORD', () => {
  /** The API as it starts with these settings: the admin is made or updated, then it serves; stopped again after `use`. */
  async function apiStartedWith(email: string, password: string, use: (api: ReturnType<typeof httpClient>) => Promise<void>): Promise<void> {
    const server = await startServer({ config: testConfig({ ADMIN_EMAIL: email, ADMIN_PASSWORD: password }), port: 0, log: () => undefined });
    try {
      await use(httpClient(server.url));
    } finally {
      await server.stop();
    }
  }
  const signIn = async (api: ReturnType<typeof httpClient>, email: string, password: string) => api.post('/api/v1/auth/login', { email, password });

  test('rotating ADMIN_PASSWORD (a restart with a new one) signs the admin out everywhere and only the new password signs in; a restart with the same one keeps its sessions', async () => {
    const email = `admin-${randomUUID()}@example.com`;
    const [first, second] = [randomBytes(18).toString('base64url'), randomBytes(18).toString('base64url')];
    let token = '';
    await apiStartedWith(email, first, async (api) => {
      token = (await signIn(api, email, first)).body.token;
      expect((await api.get('/api/v1/auth/me', { token })).status).toBe(200);
    });
    await apiStartedWith(email, first, async (api) => {
      expect((await api.get('/api/v1/auth/me', { token })).status).toBe(200);
    });
    await apiStartedWith(email, second, async (api) => {
      expect((await api.get('/api/v1/auth/me', { token })).status).toBe(401);
      expect((await signIn(api, email, first)).status).toBe(401);
      expect((await signIn(api, email, second)).status).toBe(200);
    });
  });
});
