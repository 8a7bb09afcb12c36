/**
 * `npm test`: brings up (or reuses) PostgreSQL, Redis, the Temporal dev server and the mail catcher, then runs the type
 * check, the workflow lint and every jest suite against them, and stops what it started.
 * Extra arguments go to jest (`npm test -- test/workflows`), except `--engine postgres` (or
 * TEMPORAL_ENGINE=postgres): the suite against the Temporal server on PostgreSQL, the chaos tests'
 * scratch servers included (docs/temporal-engine.md).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { ensureStack, parseEngine, type TemporalEngine } from './lib/stack';
import { REPO_ROOT } from './lib/processes';

let interrupted = false;

function run(label: string, args: string[], env: NodeJS.ProcessEnv): number {
  if (interrupted) return 130;
  console.log(`\n== ${label}`);
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
  return result.status ?? 1;
}

/** `--engine X` / `--engine=X` taken out of the arguments that go to jest. */
function takeEngine(args: string[]): { engine: TemporalEngine; rest: string[] } {
  const rest: string[] = [];
  let engine = process.env.TEMPORAL_ENGINE;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--engine') engine = args[++i];
    else if (arg.startsWith('--engine=')) engine = arg.slice('--engine='.length);
    else rest.push(arg);
  }
  return { engine: parseEngine(engine), rest };
}

async function main(): Promise<number> {
  // A Ctrl-C reaches jest (our process group) but not the servers (a group of their own): rather than
  // die at once, let the step under way stop, skip the rest, and stop the servers we started (finally).
  process.on('SIGINT', () => {
    interrupted = true;
  });
  const { engine, rest: extra } = takeEngine(process.argv.slice(2));
  const stack = await ensureStack({ dataDir: join(REPO_ROOT, '.data'), database: 'tickets_test', temporalEngine: engine, log: (l) => console.log(`[stack] ${l}`) });
  const redisUrl = new URL(stack.redisUrl);
  redisUrl.pathname = '/1'; // tests flush nothing, but keep their keys apart from a running `npm start`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: redisUrl.toString(),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_NAMESPACE: stack.temporalNamespace,
    TEMPORAL_ENGINE: stack.temporalEngine,
    // Every suite's worker sends its emails to the catcher; the email suites read them from its inbox.
    ...(stack.mail ? { SMTP_URL: stack.mail.smtpUrl, MAIL_INBOX_URL: stack.mail.inboxUrl } : {}),
    ...(stack.testServerPath ? { TEMPORAL_TEST_SERVER_PATH: stack.testServerPath } : {}),
  };
  // Through package.json: some packages do not export their bin files.
  const bin = (pkg: string, path: string): string => join(dirname(require.resolve(`${pkg}/package.json`)), path);
  try {
    if (extra.length === 0) {
      if (run('type check (tsc --noEmit)', [bin('typescript', 'bin/tsc'), '--noEmit', '-p', '.'], env) !== 0) return 1;
      if (run('type check of the web page (tsc --noEmit -p web)', [bin('typescript', 'bin/tsc'), '--noEmit', '-p', 'web'], env) !== 0) return 1;
      if (run('lint (eslint)', [bin('eslint', 'bin/eslint.js'), 'src', 'test', 'scripts', 'web/src'], env) !== 0) return 1;
    }
    // The one part that needs a browser from the system's packages (scripts/ensure-deps.js says why).
    // Last: jest's option takes every argument after it as one more pattern.
    const skipBrowsers = process.env.SKIP_BROWSER_TESTS === '1' ? ['--testPathIgnorePatterns', '/test/web/'] : [];
    if (skipBrowsers.length > 0) console.log('\nSKIP_BROWSER_TESTS=1: the browser tests (test/web) are skipped');
    return run('jest', [bin('jest', 'bin/jest.js'), ...extra, ...skipBrowsers], env);
  } finally {
    await stack.stop().catch((err: unknown) => console.error(err));
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`npm test failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
