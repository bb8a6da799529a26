import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What `render` downloaded on this machine: absolute paths, one a line, kept under NN_HOME.
 * A project is packed from its folder, and outputs written there by an earlier render (another
 * `--out-dir`, a `-o` beside the scene) are not sources: packing them would upload every earlier
 * video with each render. Kept here rather than as a marker in the output folder, which would
 * show among the user's files.
 */
const FILE = 'written-outputs';

/** The recorded outputs that still exist (the record keeps only those, once each, as it is read). */
export function writtenOutputs(home: string): string[] {
  const file = join(home, FILE);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  // a render to the same place again records it again: kept once
  const present = [...new Set(lines)].filter((p) => existsSync(p));
  if (present.length !== lines.length) writeFileSync(file, present.map((p) => p + '\n').join(''), { mode: 0o600 });
  return present;
}

/** Records files and PNG-sequence folders a render wrote. */
export function recordOutputs(home: string, paths: string[]): void {
  if (paths.length) appendFileSync(join(home, FILE), paths.map((p) => p + '\n').join(''), { mode: 0o600 });
}
