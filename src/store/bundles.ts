import { createHash } from 'node:crypto';
import { mkdir, writeFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { bundleFiles, bundles } from '../db/schema.ts';
import { BundleError, safeBundlePath, type BundleFile } from '../model/job-request.ts';

export function bundleId(files: BundleFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    hash.update(f.path).update('\0').update(String(f.bytes.length)).update('\0').update(f.bytes);
  }
  return hash.digest('hex');
}

/** Stores a bundle once; a re-submitted identical bundle costs nothing. */
export async function putBundle(tx: Tx, files: BundleFile[]): Promise<string> {
  const id = bundleId(files);
  const inserted = await tx
    .insert(bundles)
    .values({ id, size: files.reduce((n, f) => n + f.bytes.length, 0) })
    .onConflictDoNothing()
    .returning({ id: bundles.id });
  if (inserted.length) {
    for (const f of files) await tx.insert(bundleFiles).values({ bundleId: id, path: f.path, bytes: f.bytes });
  }
  return id;
}

/**
 * Writes a bundle into `<cacheDir>/<id>` once per node. The directory appears atomically (rename),
 * so concurrent workers of one node never see half a bundle.
 */
export async function materializeBundle(db: Tx, id: string, cacheDir: string): Promise<string> {
  const dir = join(cacheDir, id);
  if (existsSync(dir)) return dir;
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const files = await db.select().from(bundleFiles).where(eq(bundleFiles.bundleId, id));
  if (!files.length) throw new BundleError(`bundle ${id} not found`);
  for (const f of files) {
    const target = join(tmp, safeBundlePath(f.path));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.bytes);
  }
  try {
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(dir)) throw err;
  }
  return dir;
}
