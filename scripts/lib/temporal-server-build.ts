/**
 * The Temporal server, its SQL schema tool and the Web UI server, built from their Go modules at pinned
 * versions (the dev server's: `temporal` CLI 1.9.1 embeds server 1.32.0 and UI 2.54.1) and kept under
 * `<dataDir>/temporal-server/<versions>/`, so only the first start pays for the build. Go's own module
 * and build caches make a rebuild after `.data/` is wiped a matter of linking.
 */
import * as fs from 'fs';
import * as path from 'path';
import { findOnPath, isExecutable } from '../local-binaries';
import { errorMessage, runCommand, type Log } from './stack-util';

/** Bump both together with the dev server (scripts/ensure-deps.js) and docker-compose.yml's images. */
export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
export const TEMPORAL_UI_VERSION = 'v2.54.1';

/** A cold build (downloads and compiles several hundred packages) takes minutes on 2 cores. */
const BUILD_TIMEOUT_MS = 60 * 60_000;

interface GoProgram {
  /** Package path; `go install <pkg>@<version>` builds it with its own module's go.mod. */
  pkg: string;
  version: string;
  /** The name `go install` gives the binary (the package's last path element). */
  built: string;
  /** Ours: the names the official images use. */
  name: keyof TemporalBinaries;
}

export interface TemporalBinaries {
  'temporal-server': string;
  'temporal-sql-tool': string;
  'temporal-ui-server': string;
}

/** build.json: how long each program took to build, for the docs' "build time of the server". */
export interface BuildRecord {
  server: string;
  ui: string;
  programs: Partial<Record<keyof TemporalBinaries, { go: string; seconds: number; builtAt: string }>>;
}

const PROGRAMS: readonly GoProgram[] = [
  { pkg: 'go.temporal.io/server/cmd/server', version: TEMPORAL_SERVER_VERSION, built: 'server', name: 'temporal-server' },
  { pkg: 'go.temporal.io/server/cmd/tools/sql', version: TEMPORAL_SERVER_VERSION, built: 'sql', name: 'temporal-sql-tool' },
  { pkg: 'github.com/temporalio/ui-server/v2/cmd/server', version: TEMPORAL_UI_VERSION, built: 'server', name: 'temporal-ui-server' },
];

export function buildDir(dataDir: string): string {
  return path.join(dataDir, 'temporal-server', `server-${TEMPORAL_SERVER_VERSION}-ui-${TEMPORAL_UI_VERSION}`);
}

function binariesIn(dir: string): TemporalBinaries {
  return Object.fromEntries(PROGRAMS.map((p) => [p.name, path.join(dir, p.name)])) as unknown as TemporalBinaries;
}

function findGo(): string | null {
  return findOnPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
}

/** The record the last build left (how long it took), or null if nothing is built. */
export function readBuildRecord(dataDir: string): BuildRecord | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(buildDir(dataDir), 'build.json'), 'utf8')) as BuildRecord;
  } catch {
    return null;
  }
}

/**
 * Builds what is missing. Each program is built into a staging directory of this process and renamed
 * into place, so two callers racing (the stack and a test's scratch server) never see half a binary.
 */
export async function ensureTemporalBinaries(dataDir: string, log: Log): Promise<TemporalBinaries> {
  const dir = buildDir(dataDir);
  const binaries = binariesIn(dir);
  const missing = PROGRAMS.filter((p) => !isExecutable(binaries[p.name]));
  if (missing.length === 0) return binaries;

  const go = findGo();
  if (!go) throw new Error('Go is needed to build the Temporal server (--engine postgres) and was not found on PATH; install Go >= 1.26.8 (the server module asks for it)');
  const goVersion = (await runCommand(go, ['env', 'GOVERSION'])).stdout.trim();
  const staging = path.join(dir, `.staging-${process.pid}`);
  fs.mkdirSync(staging, { recursive: true });
  const record: BuildRecord = readBuildRecord(dataDir) ?? { server: TEMPORAL_SERVER_VERSION, ui: TEMPORAL_UI_VERSION, programs: {} };
  try {
    for (const program of missing) {
      const started = performance.now();
      log(`temporal-server build: go install ${program.pkg}@${program.version} (${goVersion}, niced; the first build takes minutes)`);
      // No VCS stamping: the module comes from the proxy, not from a checkout.
      const env = { ...process.env, GOBIN: staging, GOFLAGS: '-buildvcs=false' };
      try {
        await runNiced(go, ['install', `${program.pkg}@${program.version}`], env);
      } catch (err) {
        throw new Error(`building ${program.pkg}@${program.version} failed: ${errorMessage(err)}`, { cause: err });
      }
      fs.renameSync(path.join(staging, program.built), binaries[program.name]);
      const seconds = Math.round((performance.now() - started) / 100) / 10;
      record.programs[program.name] = { go: goVersion, seconds, builtAt: new Date().toISOString() };
      fs.writeFileSync(path.join(dir, 'build.json'), `${JSON.stringify(record, null, 2)}\n`);
      log(`temporal-server build: ${program.name} built in ${seconds} s into ${dir}`);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return binaries;
}

/** At low priority: the machine is shared, and a build would otherwise take both cores from the tests. */
function runNiced(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const nice = findOnPath('nice');
  const [realCmd, realArgs] = nice ? [nice, ['-n', '10', cmd, ...args]] : [cmd, args];
  return runCommand(realCmd, realArgs, BUILD_TIMEOUT_MS, env).then(() => undefined);
}
