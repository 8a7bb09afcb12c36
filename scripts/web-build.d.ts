export function webBuildReason(): string | null;
export function ensureWebBuild(log?: (line: string) => void): boolean;
export const WEB_DIST_DIR: string;
