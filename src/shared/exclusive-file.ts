import { linkSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * Writes the file unless it exists, and never shows it half-written: the content goes to a file of
 * this process's own, hard-linked into place (atomic; the first writer's content stands). Processes
 * starting together on one data folder agree on what the first of them wrote.
 */
export function writeExclusive(file: string, content: string, mode = 0o644): void {
  const draft = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(draft, content, { mode });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
}
