import { join } from 'node:path';
import { mkdir, rename } from 'node:fs/promises';
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { segments } from '../db/schema.ts';
import { listArtifacts, writeArtifactFile } from './artifacts.ts';

/** A slice's artifact name: its play and first frame, zero-padded so that names sort in frame order. */
export const sliceName = (play: number, fromFrame: number) => `slice-${play}-${String(fromFrame).padStart(7, '0')}.bin`;

/** The slices of a sliced play, in frame order (not its encoder), with where each is. */
export async function playSlices(db: Tx, sceneId: string, play: number) {
  return db
    .select({ fromFrame: segments.fromFrame, state: segments.state })
    .from(segments)
    .where(and(eq(segments.sceneId, sceneId), eq(segments.fromPlay, play), isNotNull(segments.fromFrame), eq(segments.encodes, false)))
    .orderBy(asc(segments.fromFrame));
}

/** Writes the slice of `play` that starts at `fromFrame` to `path` once it has landed, whole (moved
 *  into place when written); false while it has not. */
export async function fetchSlice(db: Tx, sceneId: string, play: number, fromFrame: number, path: string): Promise<boolean> {
  const name = sliceName(play, fromFrame);
  const found = (await listArtifacts(db, { sceneId, kind: 'slice' })).find((a) => a.name === name);
  if (!found) return false;
  await mkdir(join(path, '..'), { recursive: true });
  await writeArtifactFile(db, found.id, found.size, `${path}.part`);
  await rename(`${path}.part`, path);
  return true;
}
