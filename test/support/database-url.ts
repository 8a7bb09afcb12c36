/**
 * The database the tests run against: the URL `npm test` (scripts/test.ts) sets from the stack it
 * brings up, with the password of that stack's role. There is no built-in one to fall back on.
 */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: run the tests with `npm test` (scripts/test.ts brings up the stack and sets it), or set it to a test database');
  }
  return url;
}
