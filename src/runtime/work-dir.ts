import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../lib/process.ts';
import { log } from '../lib/log.ts';

const OWNER = 'owner.pid';

/**
 * A node's scratch folder, `<home>/work/<node id>`, marked with the process that owns it. The
 * folders of nodes whose process is gone (killed, crashed: their renders' media, bundles and
 * stitches never cleaned up) are deleted, so a machine's disk does not fill up run after run.
 * Nodes of other processes that still run on the same home keep theirs.
 */
export function prepareWorkDir(home: string, nodeId: string): string {
  const root = join(home, 'work');
  mkdirSync(root, { recursive: true });
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === nodeId) continue;
    const dir = join(root, entry.name);
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(dir, OWNER), 'utf8'));
    } catch {
      // no owner: left by a node from before owners were written, or half made
    }
    if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) continue;
    rmSync(dir, { recursive: true, force: true });
    log.info({ dir }, 'deleted the work folder of a node that is gone');
  }
  const dir = join(root, nodeId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OWNER), String(process.pid));
  return dir;
}
