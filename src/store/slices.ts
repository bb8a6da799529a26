import { join } from 'node:path';
import { mkdir, rename } from 'node:fs/promises';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from '../db/tx.ts';
import { artifacts, scenes, segments } from '../db/schema.ts';
import { contentType } from '../video/content-type.ts';
import { listArtifacts, putArtifactFile, writeArtifactFile } from './artifacts.ts';
import { appendEvent } from './events.ts';
import { lockOwnSegment } from './segments/running.ts';

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

/** The stored slice of `play` that starts at `fromFrame`, if it is stored. */
async function findSlice(db: Tx, sceneId: string, play: number, fromFrame: number) {
  const name = sliceName(play, fromFrame);
  return (await listArtifacts(db, { sceneId, kind: 'slice' })).find((a) => a.name === name);
}

/** Whether the slice of `play` from `fromFrame` is stored: at its segment's end, or a head as soon
 *  as its render went past its play (storeHead). */
export async function sliceStored(db: Tx, sceneId: string, play: number, fromFrame: number): Promise<boolean> {
  return (await findSlice(db, sceneId, play, fromFrame)) !== undefined;
}

/**
 * The head of a share that starts inside play `play` (its frames from `fromFrame`, drawn first),
 * stored as soon as its render went past the play, while it draws the rest of its share: the share
 * before it encodes the play from its own tail and this head, and would otherwise wait for this
 * whole share to end (on the lab, the Benchmark scene's lead waited about 8 s so). Nothing is stored
 * when the segment is no longer this node's. One stored head per play and frame: a retried
 * segment's replaces its last try's (the same frames).
 */
export async function storeHead(db: Db, at: { segmentId: string; nodeId: string; play: number; fromFrame: number }, path: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, at.segmentId, at.nodeId);
    if (!seg) return false;
    const name = sliceName(at.play, at.fromFrame);
    await tx.delete(artifacts).where(and(eq(artifacts.sceneId, seg.sceneId), eq(artifacts.kind, 'slice'), eq(artifacts.name, name)));
    await putArtifactFile(tx, { jobId: seg.jobId, sceneId: seg.sceneId, segmentId: seg.id, kind: 'slice', name, position: at.play, contentType: contentType(path) }, path);
    const [scene] = await tx.select({ name: scenes.name }).from(scenes).where(eq(scenes.id, seg.sceneId));
    await appendEvent(tx, seg.jobId, 'segment.head', { scene: scene?.name, segment: seg.position, play: at.play, fromFrame: at.fromFrame, node: at.nodeId });
    return true;
  });
}

/** Writes the stored slice of `play` that starts at `fromFrame` (its segment is done, or it is a
 *  head stored early) to `path`, whole: moved into place once written. */
export async function fetchSlice(db: Db, sceneId: string, play: number, fromFrame: number, path: string): Promise<void> {
  const name = sliceName(play, fromFrame);
  const found = await findSlice(db, sceneId, play, fromFrame);
  if (!found) throw new Error(`slice ${name} is not stored`);
  await mkdir(join(path, '..'), { recursive: true });
  await writeArtifactFile(db, found.id, found.size, `${path}.part`);
  await rename(`${path}.part`, path);
}
