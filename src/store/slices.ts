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

/** Writes the stored slice of `play` that starts at `fromFrame` (its segment is done) to `path`,
 *  whole: moved into place once written. */
export async function fetchSlice(db: Tx, sceneId: string, play: number, fromFrame: number, path: string): Promise<void> {
  const name = sliceName(play, fromFrame);
  const found = (await listArtifacts(db, { sceneId, kind: 'slice' })).find((a) => a.name === name);
  if (!found) throw new Error(`slice ${name} of a done segment is not stored`);
  await mkdir(join(path, '..'), { recursive: true });
  await writeArtifactFile(db, found.id, found.size, `${path}.part`);
  await rename(`${path}.part`, path);
}
