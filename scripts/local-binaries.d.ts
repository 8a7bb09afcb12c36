export const REPO_ROOT: string;
export const TOOLS_DIR: string;
export const TEMPORAL_CLI_VERSION: string;
export type PipToolName = 'temporal' | 'temporal-test-server' | 'valkey-server';
export const PIP_TOOLS: Readonly<Record<PipToolName, { folder: string; spec: string; binary(dir: string): string | null }>>;
export function isExecutable(file: string): boolean;
export function findOnPath(name: string): string | null;
export function pythonScriptDirs(): string[];
export function toolBinary(name: PipToolName): string | null;
export function findBinary(name: 'temporal' | 'temporal-test-server'): string | null;
export interface RedisServerBinary {
  path: string;
  /** The kernel's process name for it, as /proc/<pid>/comm shows it. */
  comm: 'valkey-server' | 'redis-server';
  source: string;
}
export function findRedisServer(): RedisServerBinary | null;
export function embeddedPostgresDir(): string | null;
export function systemPostgresBinDir(): string | null;
export interface PostgresBinaries {
  binDir: string;
  /** The npm package's native/ folder (bin, lib, share) when the binaries are the packaged ones. */
  nativeDir: string | null;
  source: string;
}
export function findPostgres(): PostgresBinaries | null;
