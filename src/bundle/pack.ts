import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** Folders that are outputs or environments, never sources a scene needs. */
const SKIP = new Set(['media', '__pycache__', 'node_modules', '.venv', 'venv', 'renders', '.git', '.networknodes']);

/** Packs a scene's project folder (the entry file's folder, with its assets) as a .tar.gz,
 *  without the files and folders `exclude` names (absolute paths). */
export async function packProject(root: string, exclude: Iterable<string> = []): Promise<{ archive: Buffer; files: number }> {
  const skipped = new Set(exclude);
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  let files = 0;
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (skipped.has(path)) continue;
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.')) await walk(path);
      } else if (entry.isFile() && !entry.name.endsWith('.pyc')) {
        const bytes = await readFile(path);
        pack.entry({ name: relative(root, path), size: bytes.length, mode: (await stat(path)).mode }, bytes);
        files++;
      }
    }
  }
  await walk(root);
  pack.finalize();
  await collected;
  return { archive: gzipSync(Buffer.concat(chunks)), files };
}
