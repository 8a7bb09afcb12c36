/*
 * Builds the fan's web page (web/ → web/dist) when the build is missing or older than its sources.
 * Plain CommonJS with Node built-ins only, like ensure-deps.js which calls it; the API serves web/dist.
 */
'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const REPO_ROOT = path.resolve(__dirname, '..');
const WEB_DIR = path.join(REPO_ROOT, 'web');
const BUILT_MARKER = path.join(WEB_DIR, 'dist', 'index.html');
/** What the build reads besides web/src; package-lock.json stands for the toolchain's versions. */
const INPUTS = ['index.html', 'vite.config.mts', 'tsconfig.json', 'src', '../package-lock.json'];

function newestMtime(file) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((newest, name) => Math.max(newest, newestMtime(path.join(file, name))), stat.mtimeMs);
}

/** Why a build is needed, or null when web/dist is up to date. */
function webBuildReason() {
  if (!fs.existsSync(BUILT_MARKER)) return 'web/dist is missing';
  const built = fs.statSync(BUILT_MARKER).mtimeMs;
  const changed = INPUTS.find((input) => newestMtime(path.join(WEB_DIR, input)) > built);
  return changed ? `web/${changed} is newer than web/dist` : null;
}

/** Builds when needed; returns false when the build failed (its output is on the console). */
function ensureWebBuild(log = (line) => process.stdout.write(`[web] ${line}\n`)) {
  const reason = webBuildReason();
  if (!reason) return true;
  log(`building the web page (${reason})`);
  const vite = path.join(path.dirname(require.resolve('vite/package.json', { paths: [REPO_ROOT] })), 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', WEB_DIR, '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  return result.status === 0;
}

module.exports = { webBuildReason, ensureWebBuild, WEB_DIST_DIR: path.dirname(BUILT_MARKER) };

if (require.main === module) process.exit(ensureWebBuild() ? 0 : 1);
