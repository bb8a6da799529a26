import { join } from 'node:path';
import { appendFile, mkdir, rename, rm } from 'node:fs/promises';
import { and, asc, eq, inArray, like, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Tx } from '../db/tx.ts';
import { artifacts, scenes, segments } from '../db/schema.ts';
import { contentType } from '../video/content-type.ts';
import { putArtifactFile, writeArtifactFile, type NewArtifact } from './artifacts.ts';
import { appendEvent, SLICE_PARTS_CHANNEL, slicePartsPayload } from './events.ts';
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

/**
 * A slice's bytes reach the store in pieces while it is drawn: parts of whole frames, each named by
 * the segment's try and its offset in the slice file, stored as the render writes them (so its
 * encoder, a machine the play's serial step runs on, takes them at once and never waits for a whole
 * slice that came late), and at the end the rest, named as the slice is (its being stored says the
 * slice is complete). The parts of one try, then the rest, are the file. Storing a part or the rest
 * deletes another try's pieces: a slice drawn again replaces its pieces whole.
 */
const partName = (play: number, fromFrame: number, attempt: number, offset: number) => `${sliceName(play, fromFrame)}.${attempt}.${String(offset).padStart(12, '0')}`;

/** Appended after a slice's last piece: the end of a slice file streamed to the encoder
 *  (nn_driver/frame_file.py; a frame's record is never empty). */
export const SLICE_END = Buffer.alloc(4);

/** Where a slice's parts end: where its rest starts. */
const partsEnd = (parts: { offset: number; size: number }[]) => parts.reduce((n, p) => Math.max(n, p.offset + p.size), 0);

/** The stored pieces of the slice of `play` from `fromFrame`: its parts in order, and its rest once
 *  it is complete, which starts where the parts end. */
async function slicePieces(db: Tx, sceneId: string, name: string) {
  const rows = await db
    .select({ id: artifacts.id, name: artifacts.name, size: artifacts.size, segmentId: artifacts.segmentId })
    .from(artifacts)
    .where(and(eq(artifacts.sceneId, sceneId), eq(artifacts.kind, 'slice'), or(eq(artifacts.name, name), like(artifacts.name, `${name}.%`))))
    .orderBy(asc(artifacts.name));
  const parts = rows.flatMap((r) => {
    const [attempt, offset] = r.name.slice(name.length + 1).split('.').map(Number);
    return r.name === name ? [] : [{ id: r.id, size: r.size, segmentId: r.segmentId, attempt: attempt!, offset: offset! }];
  });
  return { parts, rest: rows.find((r) => r.name === name), end: partsEnd(parts) };
}

/** Deletes the pieces of a slice but the parts of one segment's try (the one storing now). */
async function deleteOtherPieces(tx: Tx, sceneId: string, name: string, keep: { segmentId: string; attempt: number }) {
  const { parts, rest } = await slicePieces(tx, sceneId, name);
  const gone = [...parts.filter((p) => p.segmentId !== keep.segmentId || p.attempt !== keep.attempt), ...(rest ? [rest] : [])].map((p) => p.id);
  if (gone.length) await tx.delete(artifacts).where(inArray(artifacts.id, gone));
  return parts.filter((p) => !gone.includes(p.id));
}

export interface SliceAt {
  segmentId: string;
  nodeId: string;
  play: number;
  fromFrame: number;
}

/** Bytes [from, to) of a slice still drawn, whole frames, stored as a part; nothing is stored when
 *  the segment is no longer this node's. */
export async function storeSlicePart(db: Db, at: SliceAt, path: string, from: number, to: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, at.segmentId, at.nodeId);
    if (!seg) return false;
    const slice = sliceName(at.play, at.fromFrame);
    // a try's first part replaces another try's pieces; its later parts find none
    if (from === 0) await deleteOtherPieces(tx, seg.sceneId, slice, { segmentId: seg.id, attempt: seg.attempts });
    const name = partName(at.play, at.fromFrame, seg.attempts, from);
    await putArtifactFile(tx, { jobId: seg.jobId, sceneId: seg.sceneId, segmentId: seg.id, kind: 'slice', name, position: at.play, contentType: 'application/octet-stream' }, path, { from, to });
    await tx.execute(sql`select pg_notify(${SLICE_PARTS_CHANNEL}, ${slicePartsPayload(seg.sceneId, slice)})`);
    return true;
  });
}

/** A complete slice's file, stored as the rest after the parts its segment's try (`attempt`) stored
 *  of it while it was drawn (all of it when there are none). */
export async function storeSliceRest(tx: Tx, a: NewArtifact & { segmentId: string; sceneId: string }, attempt: number, path: string): Promise<void> {
  const parts = await deleteOtherPieces(tx, a.sceneId, a.name, { segmentId: a.segmentId, attempt });
  await putArtifactFile(tx, a, path, { from: partsEnd(parts) });
}

/** Whether the slice of `play` from `fromFrame` is stored whole: at its segment's end, or a head as
 *  soon as its render went past its play (storeHead). */
export async function sliceStored(db: Tx, sceneId: string, play: number, fromFrame: number): Promise<boolean> {
  return (await slicePieces(db, sceneId, sliceName(play, fromFrame))).rest !== undefined;
}

/**
 * The head of a share that starts inside play `play` (its frames from `fromFrame`, drawn first),
 * stored as soon as its render went past the play, while it draws the rest of its share: the share
 * before it encodes the play from its own tail and this head, and would otherwise wait for this
 * whole share to end (on the lab, the Benchmark scene's lead waited about 8 s so). Nothing is stored
 * when the segment is no longer this node's.
 */
export async function storeHead(db: Db, at: SliceAt, path: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, at.segmentId, at.nodeId);
    if (!seg) return false;
    const name = sliceName(at.play, at.fromFrame);
    await storeSliceRest(tx, { jobId: seg.jobId, sceneId: seg.sceneId, segmentId: seg.id, kind: 'slice', name, position: at.play, contentType: contentType(path) }, seg.attempts, path);
    const [scene] = await tx.select({ name: scenes.name }).from(scenes).where(eq(scenes.id, seg.sceneId));
    await appendEvent(tx, seg.jobId, 'segment.head', { scene: scene?.name, segment: seg.position, play: at.play, fromFrame: at.fromFrame, node: at.nodeId });
    return true;
  });
}

/** Writes the stored slice of `play` that starts at `fromFrame` (its segment is done, or it is a
 *  head stored early) to `path`, whole: moved into place once written. */
export async function fetchSlice(db: Db, sceneId: string, play: number, fromFrame: number, path: string): Promise<void> {
  const got: Followed = { at: 0 };
  await mkdir(join(path, '..'), { recursive: true });
  await rm(`${path}.part`, { force: true }); // a fetch that failed part-way
  if (!(await followSlice(db, sceneId, play, fromFrame, `${path}.part`, got))) throw new Error(`slice ${sliceName(play, fromFrame)} is not stored`);
  await rename(`${path}.part`, path);
}

/** How far a slice was followed: its bytes appended so far, and from which segment's try. */
export interface Followed {
  at: number;
  from?: { segmentId: string | null; attempt: number };
}

/** A slice drawn again from its start after some of it was followed: the follower starts over. */
export class SliceDrawnAgain extends Error {}

/**
 * Appends to `path` the pieces of a slice stored since `got` (the slice as far as it is stored),
 * and once it is complete its rest and SLICE_END; returns whether it is. A follower that took parts
 * of a try whose pieces were replaced since cannot go on (SliceDrawnAgain).
 */
export async function followSlice(db: Db, sceneId: string, play: number, fromFrame: number, path: string, got: Followed): Promise<boolean> {
  const { parts, rest, end } = await slicePieces(db, sceneId, sliceName(play, fromFrame));
  const again = () => new SliceDrawnAgain(`slice ${sliceName(play, fromFrame)} was drawn again after ${got.at} bytes of it were taken; the play is encoded again`);
  for (const p of parts) {
    if (got.from && (p.segmentId !== got.from.segmentId || p.attempt !== got.from.attempt)) throw again();
    if (p.offset + p.size <= got.at) continue;
    if (p.offset !== got.at) throw again();
    got.from = { segmentId: p.segmentId, attempt: p.attempt };
    await writeArtifactFile(db, p.id, p.size, path, true);
    got.at += p.size;
  }
  if (!rest) return false;
  if (end !== got.at) throw again();
  await writeArtifactFile(db, rest.id, rest.size, path, true);
  await appendFile(path, SLICE_END);
  got.at += rest.size;
  return true;
}
