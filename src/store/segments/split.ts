import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobs, scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { splitPoint } from '../../cutting/split.ts';
import { appendEvent } from '../events.ts';
import { handBack, lockOwnSegment } from './running.ts';
import { dropSegment } from './drop.ts';
import { enqueueSegment } from './create.ts';
import { farmView, stealable } from './claim.ts';
import { idleNodeCount, nodeRate, rateOr, runningRenders, type Render } from './farm.ts';
import { log } from '../../lib/log.ts';
import { segmentKey } from '../queue-keys.ts';

/**
 * Splitting a running segment for a slot that has nothing left to take. A cut is an estimate: when
 * it errs, or a machine is slower than the others, one machine ends the scene alone while the
 * others wait, and by then every segment is taken. So a slot that finished asks the running render
 * that ends last (by the cost model, at each machine's measured rate) to end early (`askSplit`),
 * and that render's node answers (`answerSplit`): only it knows whether its render is past the
 * play, and only its stop file can keep it from going past. The plays after it become a queued
 * segment of their own, which the free slot takes.
 */

/** The queued segments a free slot on `nodeId` should take now (claim.ts's stealable): those no
 *  running render ends sooner. One waiting in the queue for a render that is no longer coming is
 *  offered now, so that this slot's runner fetches it next. Whether there is one. */
async function takeQueued(db: Db, queue: Queue, nodeId: string, setupSeconds: number, renders: Render[]): Promise<boolean> {
  const queued = await db
    .select({ seg: segments, plan: scenes.plan })
    .from(segments)
    .innerJoin(jobs, eq(jobs.id, segments.jobId))
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .where(and(eq(segments.state, 'queued'), eq(jobs.state, 'running')));
  if (!queued.length) return false;
  const take: string[] = [];
  const farm = await farmView(db, nodeId, renders);
  for (const { seg, plan } of queued) if ((await stealable(db, seg, plan, setupSeconds, nodeId, { farm })).take) take.push(segmentKey(seg.id));
  if (take.length) await db.transaction((tx) => queue.wake(tx, take));
  return take.length > 0;
}

/** Asks the running segment whose split gains most to end early, for `nodeId`'s free slot; whether
 *  one was asked. Not while a queued segment is there to take: a free slot takes that first. */
export async function askSplit(db: Db, queue: Queue, nodeId: string, setupSeconds: number): Promise<boolean> {
  const renders = await runningRenders(db);
  if (await takeQueued(db, queue, nodeId, setupSeconds, renders)) return false;
  // not an encoder of a sliced play (it draws nothing), nor on a node that is going away
  const running = renders.filter((r) => r.seg.splitAt === null && !r.seg.encodes && r.online);
  if (!running.length) return false;
  const free = (await nodeRate(db, nodeId)) ?? 1;
  const splits = [];
  for (const { seg, scene, plan, rate, since, video } of running) {
    const split = splitPoint(plan.plays, plan.width * plan.height, { ...seg, since }, setupSeconds, { owner: rateOr(rate, free), free }, video);
    if (split) splits.push({ seg, scene, split });
  }
  const best = splits.sort((x, y) => y.split.saves - x.split.saves)[0];
  if (!best) return false;
  const { seg, scene, split } = best;
  return db.transaction(async (tx) => {
    const asked = await tx
      .update(segments)
      .set({ splitAt: split.at, splitFrame: split.inside?.frame ?? null, splitLatest: split.inside?.latest ?? null })
      .where(and(eq(segments.id, seg.id), eq(segments.state, 'running'), isNull(segments.splitAt), eq(segments.toPlay, seg.toPlay)))
      .returning({ id: segments.id });
    if (!asked.length) return false;
    // the event wakes the render's node (steerRender)
    await appendEvent(tx, seg.jobId, 'segment.split-asked', { scene, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], after: split.at, ...(split.inside ? { frame: split.inside.frame } : {}), saves: Math.round(split.saves * 10) / 10 });
    return true;
  });
}

/**
 * A slot still free a heartbeat after it freed asks again: a render that had too little left then
 * may since have begun a long play, or fallen behind. One ask a beat serves the whole farm
 * (whichever slot is free takes what a split frees), and an ask reads every running render, so each
 * machine with a slot free asks at odds of one in their number. A failed ask is only logged.
 */
export async function askAgain(db: Db, queue: Queue, nodeId: string, setupSeconds: number): Promise<void> {
  try {
    if (Math.random() * (await idleNodeCount(db)) < 1) await askSplit(db, queue, nodeId, setupSeconds);
  } catch (err) {
    log.warn({ err: String(err) }, 'asking a running segment to split failed');
  }
}

/**
 * The render's node answers the split asked of its segment after play `at`: `past` says whether its
 * render has started a later play already (read after its stop file was set to end at `at`, so the
 * render cannot have gone on since). Unless it has, the segment ends after `at` and the plays after
 * it are queued as a segment of their own; before its first play, the whole segment goes back to
 * the queue for the free slot, and the render's node stops it. With `frame`, the split is inside play `at`, which the
 * render is drawing: it stops drawing there (its node asked it, and `past` says it could not), and
 * the rest of the play and the plays after it are queued. Whether the split was made.
 */
export async function answerSplit(db: Db, queue: Queue, segmentId: string, nodeId: string, { at, past, frame }: { at: number; past: boolean; frame?: number }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, segmentId, nodeId);
    if (!seg || seg.splitAt !== at) return false;
    const [scene] = await tx.select({ name: scenes.name, plan: scenes.plan }).from(scenes).where(eq(scenes.id, seg.sceneId));
    await tx.update(segments).set({ splitAt: null, splitFrame: null, splitLatest: null }).where(eq(segments.id, segmentId));
    const beyond = frame === undefined ? at >= seg.toPlay : at > seg.toPlay || (at === seg.toPlay && seg.toFrame !== null);
    // before its first play: the render has drawn none of its share, which goes to the free slot
    const over = frame === undefined && at === seg.fromPlay - 1;
    if (past || (at < seg.fromPlay && !over) || beyond || !scene?.plan) {
      await appendEvent(tx, seg.jobId, 'segment.split-declined', { scene: scene?.name, segment: seg.position, after: at, ...(frame !== undefined ? { frame } : {}) });
      return false;
    }
    if (over) {
      // not a try: the segment never failed (its render is stopped by its node: steerRender)
      await tx.update(segments).set({ state: 'queued', nodeId: null, startedAt: null, attempts: sql`${segments.attempts} - 1`, atPlay: null, framesDone: 0, progressAt: null, drawingSince: null, drawingFrom: null }).where(eq(segments.id, segmentId));
      await enqueueSegment(tx, queue, segmentId);
      await appendEvent(tx, seg.jobId, 'segment.taken-over', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], node: nodeId });
      return true;
    }
    await handBack(tx, queue, seg, at, scene.plan.plays, frame);
    const inside = frame !== undefined ? { frame } : {};
    await appendEvent(tx, seg.jobId, 'segment.split', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, at], rest: [frame === undefined ? at + 1 : at, seg.toPlay], ...inside, node: nodeId });
    return true;
  });
}

/**
 * A cut inside a play taken back (live_cut.py): its rest is still queued a while after the cut (no
 * slot took it), and the render that waits for those frames draws them itself. The rest's row and
 * queue job go, and the segment ends where it did before. Whether it was taken back: not when a
 * slot has taken the rest meanwhile (the render waits for its frames then).
 */
export async function takeCutBack(db: Db, queue: Queue, segmentId: string, nodeId: string, { at, frame }: { at: number; frame: number }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, segmentId, nodeId);
    if (!seg || seg.toPlay !== at || seg.toFrame !== frame) return false;
    const [rest] = await tx
      .select()
      .from(segments)
      .where(and(eq(segments.sceneId, seg.sceneId), eq(segments.fromPlay, at), eq(segments.fromFrame, frame), eq(segments.state, 'queued')))
      .for('update', { skipLocked: true });
    if (!rest) return false;
    await dropSegment(tx, queue, rest.id);
    await tx.update(segments).set({ toPlay: rest.toPlay, toFrame: rest.toFrame, frames: seg.frames + rest.frames }).where(eq(segments.id, seg.id));
    const [scene] = await tx.select({ name: scenes.name }).from(scenes).where(eq(scenes.id, seg.sceneId));
    await appendEvent(tx, seg.jobId, 'segment.split-taken-back', { scene: scene?.name, segment: seg.position, plays: [seg.fromPlay, rest.toPlay], frame, node: nodeId });
    return true;
  });
}
