import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { nodes, scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { segmentPieces, type Play, type ScenePlan, type SegmentCut } from '../../model/plan.ts';
import type { Progress } from '../../model/progress.ts';
import { shouldGoOn } from '../../cutting/steal.ts';
import { idleSlots, rateOr, runningRenders, slotsFor } from './farm.ts';
import { appendEvent } from '../events.ts';
import { createCutSegments, nextPosition } from './create.ts';
import { dropSegment } from './drop.ts';
import { segmentKey } from '../queue-keys.ts';
import { OPEN_END } from './range.ts';

/** The segment, locked, while it is running on this node; undefined once it is not (done, cancelled,
 *  or taken back from a node presumed dead and given to another): a render's writes go through it. */
export async function lockOwnSegment(tx: Tx, segmentId: string, nodeId: string) {
  const [seg] = await tx.select().from(segments).where(and(eq(segments.id, segmentId), eq(segments.state, 'running'), eq(segments.nodeId, nodeId))).for('update');
  return seg;
}

/** A running segment's range, state and node, and a split asked of it, as its render's steering reads it. */
export async function segmentRange(db: Tx, segmentId: string) {
  const [row] = await db.select({ fromPlay: segments.fromPlay, toPlay: segments.toPlay, fromFrame: segments.fromFrame, toFrame: segments.toFrame, encodes: segments.encodes, state: segments.state, nodeId: segments.nodeId, splitAt: segments.splitAt, splitFrame: segments.splitFrame, splitLatest: segments.splitLatest }).from(segments).where(eq(segments.id, segmentId));
  return row;
}

/** Where a segment starts inside its first play (a share after a cut inside a play): its first
 *  frame, and the play's frames in the plan; undefined when it starts at a play's first frame. */
export async function segmentHead(db: Tx, segmentId: string): Promise<{ first: number; frames: number } | undefined> {
  const [row] = await db.select({ fromPlay: segments.fromPlay, toPlay: segments.toPlay, fromFrame: segments.fromFrame, toFrame: segments.toFrame, plan: scenes.plan }).from(segments).innerJoin(scenes, eq(scenes.id, segments.sceneId)).where(eq(segments.id, segmentId));
  const first = row && segmentPieces(row).head;
  const frames = row?.plan?.plays.find((p) => p.index === row.fromPlay)?.frames;
  return first !== undefined && frames !== undefined ? { first, frames } : undefined;
}

/** Where a running segment is and the frames it has drawn, for the cutter and the dashboard (from
 *  the node rendering it: not from one taken for dead, whose segment another node renders now); a
 *  scout's fast-forward seconds and middle frames' drawing per play so far too. The first report
 *  from its first play on (past its fast-forward, not scouting) marks when it started drawing: how
 *  fast it draws (split.ts). */
export async function recordProgress(db: Tx, segmentId: string, nodeId: string, at: Progress): Promise<void> {
  const drawing = sql`${segments.drawingSince} is null and ${!at.scouting} and ${segments.fromPlay} >= 0 and ${at.play} >= ${segments.fromPlay}`;
  await db
    .update(segments)
    .set({
      atPlay: at.play,
      framesDone: at.frames,
      progressAt: sql`now()`,
      drawingSince: sql`case when ${drawing} then now() else ${segments.drawingSince} end`,
      drawingFrom: sql`case when ${drawing} then ${at.play}::int else ${segments.drawingFrom} end`,
      ...(at.forwarded.length ? { forwarded: at.forwarded } : {}),
      ...(at.drawSamples.length ? { drawSamples: at.drawSamples } : {}),
    })
    .where(and(eq(segments.id, segmentId), eq(segments.state, 'running'), eq(segments.nodeId, nodeId)));
}

/** Gives a running lead or scout its first share, and the rate the cut weighed its machine at;
 *  its node reads this when the event arrives. It may go on into the next segment (extendSegment). */
export async function assignShare(tx: Tx, jobId: string, seg: { id: string; atPlay: number | null }, share: SegmentCut, rate: number | undefined): Promise<void> {
  const { priority: _, ...range } = share;
  await tx.update(segments).set({ ...range, cutRate: rate ?? null }).where(eq(segments.id, seg.id));
  // where the render was and the rate it was weighed at: what a cut that went wrong is read from
  await appendEvent(tx, jobId, 'segment.cut', { plays: [share.fromPlay, share.toPlay], at: seg.atPlay, rate: rate === undefined ? null : Number(rate.toPrecision(3)) });
}

/**
 * A running segment takes the next segment of its scene when it is still queued: its render goes
 * on into those plays with no new set-up and no fast-forward. The next segment's row and queue job
 * go; this one grows. Returns the new end (with `tail`, it ends inside that play), or null when
 * there is nothing to take (the next segment is running elsewhere, is done, failed on this node
 * before, was split off this one, starts inside a play, or does not exist, or this node is draining or paused), or when a
 * faster machine with a free slot would end it sooner (`segment.left`: that one takes it).
 */
export async function extendSegment(db: Db, queue: Queue, segmentId: string, nodeId: string, setupSeconds: number): Promise<{ toPlay: number; tail?: number } | null> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, segmentId, nodeId);
    // a segment that ends inside a play (a slice of it too) ends with those frames
    if (!seg || seg.toPlay === OPEN_END || seg.toFrame !== null) return null;
    // A node told to drain or pause finishes what it has and takes no more.
    const [node] = await tx.select({ state: nodes.state }).from(nodes).where(eq(nodes.id, nodeId));
    if (node && node.state !== 'online') return null;
    // skip locked: a node claiming it right now keeps it.
    const [next] = await tx
      .select()
      .from(segments)
      .where(and(eq(segments.sceneId, seg.sceneId), eq(segments.fromPlay, seg.toPlay + 1), isNull(segments.fromFrame), eq(segments.state, 'queued')))
      .for('update', { skipLocked: true });
    // (nor plays split off it for a free slot: going on into them would undo the split)
    if (!next || next.failures.some((f) => f.node === nodeId) || next.splitFrom === seg.id) return null;
    const [scene] = await tx.select({ name: scenes.name, plan: scenes.plan }).from(scenes).where(eq(scenes.id, seg.sceneId));
    if (scene?.plan && !(await goesOn(tx, scene.plan, seg.id, next, setupSeconds))) {
      await appendEvent(tx, seg.jobId, 'segment.left', { scene: scene.name, segment: next.position, plays: [next.fromPlay, next.toPlay], node: nodeId });
      // it may wait in the queue for this render: offered now, to a slot that is free
      await queue.wake(tx, [segmentKey(next.id)]);
      return null;
    }
    // A node that already fetched its queue job finds no segment and lets it go.
    await dropSegment(tx, queue, next.id);
    await tx.update(segments).set({ toPlay: next.toPlay, toFrame: next.toFrame, frames: seg.frames + next.frames, cost: seg.cost + next.cost }).where(eq(segments.id, seg.id));
    await appendEvent(tx, seg.jobId, 'segment.extended', { scene: scene?.name, segment: seg.position, plays: [seg.fromPlay, next.toPlay], node: nodeId });
    return { toPlay: next.toPlay, ...(next.toFrame !== null ? { tail: next.toFrame } : {}) };
  });
}

/** Whether the render of segment `own` goes on into `next` (cutting/steal.ts's shouldGoOn): at its
 *  machine's rate so far, against the machines with a free slot at theirs. */
async function goesOn(tx: Tx, plan: ScenePlan, own: string, next: Pick<typeof segments.$inferSelect, 'id' | 'fromPlay' | 'toPlay' | 'failures'>, setupSeconds: number): Promise<boolean> {
  const [mine] = await runningRenders(tx, own);
  const rate = mine?.rate.measured === undefined ? undefined : rateOr(mine.rate, Infinity);
  if (rate === undefined) return true;
  return shouldGoOn(plan.plays, plan.width * plan.height, next, setupSeconds, { rate, slots: await slotsFor(tx, await idleSlots(tx), next) });
}

/**
 * A render that stopped before its segment's last play (it waited too long for its node's answer,
 * or its segment was split) keeps what it drew; the rest becomes a queued segment of its own. With
 * `frame`, it ends inside play `drawn` at that frame (a cut inside the play it was drawing): the
 * rest starts there, first in the queue, since the render waits for those frames to encode the play.
 */
export async function handBack(tx: Tx, queue: Queue, seg: typeof segments.$inferSelect, drawn: number, plays: Play[], frame?: number): Promise<void> {
  const first = frame === undefined ? drawn + 1 : drawn;
  const rest = plays.filter((p) => p.index >= first && p.index <= seg.toPlay);
  // of a last play it ends inside, only its tail's frames; of a play cut, the frames after the cut
  const framesOf = (p: Play) => (p.index === seg.toPlay && seg.toFrame !== null ? seg.toFrame : p.frames) - (p.index === drawn ? (frame ?? 0) : 0);
  const frames = rest.reduce((n, p) => n + framesOf(p), 0);
  const position = await nextPosition(tx, seg.sceneId);
  await tx.update(segments).set({ toPlay: drawn, toFrame: frame ?? null, frames: seg.frames - frames }).where(eq(segments.id, seg.id));
  // the rest ends where this one did, inside a play or not
  const cut = { fromPlay: first, ...(frame !== undefined ? { fromFrame: frame } : {}), toPlay: seg.toPlay, ...(seg.toFrame !== null ? { toFrame: seg.toFrame } : {}) };
  await createCutSegments(tx, queue, seg.jobId, seg.sceneId, [{ ...cut, frames, cost: 0, priority: frame === undefined ? 0 : -1 }], position, seg.id);
}

/**
 * Where a finished render's segment ends: a lead the plan has not cut yet keeps every play it drew;
 * a render that stopped short of its end keeps what it drew and hands the rest back. Nothing changes
 * when the segment is no longer this node's (it was taken back and another node renders it).
 */
export async function settleEnd(db: Db, queue: Queue, segmentId: string, nodeId: string, drawn: number): Promise<number> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, segmentId, nodeId);
    if (!seg) return drawn;
    if (seg.toPlay === OPEN_END) {
      await tx.update(segments).set({ toPlay: drawn }).where(eq(segments.id, segmentId));
      return drawn;
    }
    if (drawn < seg.toPlay) {
      // The scene's plan as it is now: a lead started before there was one, then got its share.
      const [scene] = await tx.select({ plan: scenes.plan }).from(scenes).where(eq(scenes.id, seg.sceneId));
      if (scene?.plan) {
        await handBack(tx, queue, seg, drawn, scene.plan.plays);
        return drawn;
      }
    }
    return seg.toPlay;
  });
}
