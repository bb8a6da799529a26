import { join } from 'node:path';
import { mkdir, rename } from 'node:fs/promises';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { segments } from '../db/schema.ts';
import { listArtifacts, writeArtifactFile } from './artifacts.ts';

/** A slice's artifact name: its play and first frame, zero-padded so that names sort in frame order. */
export const sliceName = (play: number, fromFrame: number) => `slice-${play}-${String(fromFrame).padStart(7, '0')}.bin`;

/** The pieces of a play drawn by several segments, in frame order (not its encoder), with where
 *  each is and its first frame: its slices, or the tail of the share that ends inside it (from frame
 *  0) and the head of the share that starts inside it (see model/plan.ts segmentPieces). */
export async function playSlices(db: Tx, sceneId: string, play: number) {
  const first = sql<number>`case when ${segments.fromPlay} = ${play} and ${segments.fromFrame} is not null then ${segments.fromFrame} else 0 end`;
  return db
    .select({ id: segments.id, fromFrame: first, state: segments.state })
    .from(segments)
    .where(and(
      eq(segments.sceneId, sceneId),
      eq(segments.encodes, false),
      sql`((${segments.fromPlay} = ${play} and ${segments.fromFrame} is not null) or (${segments.toPlay} = ${play} and ${segments.toFrame} is not null and (${segments.fromFrame} is null or ${segments.fromPlay} < ${play})))`,
    ))
    .orderBy(asc(first));
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
