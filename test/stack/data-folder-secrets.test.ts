import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { dataFolderSecrets, GENERATED_SECRETS, parseSecrets } from '../../scripts/lib/secrets-file';

const folders: string[] = [];
function freshDataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'data-folder-secrets-'));
  folders.push(dir);
  return join(dir, '.data');
}

afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('the secrets npm start runs a data folder with', () => {
  test("on a data folder's first start the webhook secret, the queue token secret and the admin password are generated at random into secrets.env, readable by its owner only", () => {
    const dataDir = freshDataFolder();
    const first = dataFolderSecrets(dataDir, {});
    expect(first.generated).toEqual([...GENERATED_SECRETS]);
    expect(first.file).toBe(join(dataDir, 'secrets.env'));
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(parseSecrets(readFileSync(first.file, 'utf8'))).toEqual(first.values);
    expect(first.values.PAYMENT_WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.values.QUEUE_TOKEN_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.values.PAYMENT_WEBHOOK_SECRET).not.toBe(first.values.QUEUE_TOKEN_SECRET);
    expect(first.values.ADMIN_PASSWORD.length).toBeGreaterThanOrEqual(20);
    // What it generated is what a process accepts as configuration (the database URL comes from the stack, not this file).
    const database = { DATABASE_URL: 'postgres://tickets:a-password@127.0.0.1:5432/tickets' };
    expect(() => loadConfig({ ...database, ...first.values, ADMIN_EMAIL: 'admin@example.com' })).not.toThrow();

    const elsewhere = dataFolderSecrets(freshDataFolder(), {});
    for (const name of GENERATED_SECRETS) expect(elsewhere.values[name]).not.toBe(first.values[name]);
  });

  test('the next start reuses them; a value set in the environment wins for that start and leaves the file as it was', () => {
    const dataDir = freshDataFolder();
    const first = dataFolderSecrets(dataDir, {});
    const again = dataFolderSecrets(dataDir, {});
    expect(again).toMatchObject({ values: first.values, generated: [], fromEnvironment: [] });

    const before = readFileSync(first.file, 'utf8');
    const withOwn = dataFolderSecrets(dataDir, { ADMIN_PASSWORD: 'an operator-chosen password' });
    expect(withOwn.values).toEqual({ ...first.values, ADMIN_PASSWORD: 'an operator-chosen password' });
    expect(withOwn.fromEnvironment).toEqual(['ADMIN_PASSWORD']);
    expect(readFileSync(first.file, 'utf8')).toBe(before);
  });

  test('a file from a version that had fewer secrets gets the new one added, and keeps the values it had', () => {
    const dataDir = freshDataFolder();
    const first = dataFolderSecrets(dataDir, {});
    writeFileSync(first.file, `PAYMENT_WEBHOOK_SECRET=${first.values.PAYMENT_WEBHOOK_SECRET}\nQUEUE_TOKEN_SECRET=${first.values.QUEUE_TOKEN_SECRET}\n`, { mode: 0o600 });
    const upgraded = dataFolderSecrets(dataDir, {});
    expect(upgraded.generated).toEqual(['ADMIN_PASSWORD']);
    expect(upgraded.values.PAYMENT_WEBHOOK_SECRET).toBe(first.values.PAYMENT_WEBHOOK_SECRET);
    expect(upgraded.values.QUEUE_TOKEN_SECRET).toBe(first.values.QUEUE_TOKEN_SECRET);
    expect(parseSecrets(readFileSync(upgraded.file, 'utf8'))).toEqual(upgraded.values);
    expect(statSync(upgraded.file).mode & 0o777).toBe(0o600);
  });

  test('a secrets file someone made readable to others is made private again on the next start', () => {
    const dataDir = freshDataFolder();
    const { file } = dataFolderSecrets(dataDir, {});
    chmodSync(file, 0o644);
    dataFolderSecrets(dataDir, {});
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
