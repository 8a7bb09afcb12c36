/**
 * Where a process spent its CPU, from a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --profile
 * DIR` runs the children): self time summed by module (a package, a file of this project, Node's own
 * code, the garbage collector), idle time left out. `npx ts-node scripts/lib/cpu-profile-summary.ts FILE`
 * prints one.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { REPO_ROOT } from './processes';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Busy milliseconds (every sample but idle). */
  busyMs: number;
  byModule: Array<{ module: string; ms: number; share: number }>;
  byFunction: Array<{ fn: string; ms: number; share: number }>;
}

/** node_modules/<pkg> (or <@scope/pkg>), a project file, or V8's and Node's own categories. */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node (built-in)';
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(REPO_ROOT) ? relative(REPO_ROOT, path) : path;
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node || node.callFrame.functionName === '(idle)') return;
    busyUs += us;
    const mod = moduleOf(node.callFrame.url, node.callFrame.functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${mod}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ [key]: name, ms: Math.round(us / 100) / 10, share: Math.round((us / Math.max(busyUs, 1)) * 1000) / 10 }) as { ms: number; share: number } & Record<K, string>);
  return { busyMs: Math.round(busyUs / 1000), byModule: rank(modules, 'module'), byFunction: rank(functions, 'fn') };
}

export function formatSummary(name: string, s: ProfileSummary): string {
  return [
    `${name}: ${s.busyMs} ms busy`,
    ...s.byModule.map((m) => `  ${m.share.toFixed(1).padStart(5)}%  ${String(m.ms).padStart(8)} ms  ${m.module}`),
    '  top functions:',
    ...s.byFunction.slice(0, 12).map((f) => `  ${f.share.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(8)} ms  ${f.fn}`),
  ].join('\n');
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) console.log(formatSummary(file, summarizeProfile(file)));
}
