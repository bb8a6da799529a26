import { and, desc, eq, isNotNull, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobs, nodes, scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { splitPoint } from '../../cutting/split.ts';
import { drawingRate, rateBound } from '../../cutting/rate.ts';
import type { ScenePlan } from '../../model/plan.ts';
import { appendEvent } from '../events.ts';
import { handBack, lockOwnSegment } from './running.ts';
import { stealable } from './claim.ts';
import { OPEN_END, UNKNOWN_START } from './range.ts';

/**
 * Splitting a running segment for a slot that has nothing left to take. A cut is an estimate: when
 * it errs, or a machine is slower than the others, one machine ends the scene alone while the
 * others wait, and by then every segment is taken. So a slot that finished asks the running render
 * that ends last (by the cost model, at each machine's measured rate) to end early (`askSplit`),
 * and that render's node answers (`answerSplit`): only it knows whether its render is past the
 * play, and only its stop file can keep it from going past. The plays after it become a queued
 * segment of their own, which the free slot takes.
 */

/** How fast the machine of a segment draws (cutting/rate.ts): a running one over the plays it has
 *  drawn so far, a finished one over all it drew. */
function rateOf(seg: { drawingFrom: number | null; drawingSince: Date | null; atPlay: number | null; progressAt: Date | null; toPlay: number; finishedAt: Date | null }, plan: ScenePlan): number | undefined {
  if (seg.drawingFrom === null || !seg.drawingSince) return undefined;
  const [to, until] = seg.finishedAt ? [seg.toPlay, seg.finishedAt] : [(seg.atPlay ?? seg.drawingFrom) - 1, seg.progressAt];
  if (!until) return undefined;
  return drawingRate(plan.plays, plan.width * plan.height, seg.drawingFrom, to, (until.getTime() - seg.drawingSince.getTime()) / 1000);
}

/** A node's rate from the segment it finished last (undefined before it finished one it drew). */
async function nodeRate(db: Db, nodeId: string): Promise<number | undefined> {
  const [last] = await db
    .select({ seg: segments, plan: scenes.plan })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .where(and(eq(segments.nodeId, nodeId), eq(segments.state, 'done'), isNotNull(segments.drawingSince)))
    .orderBy(desc(segments.finishedAt))
    .limit(1);
  return last?.plan ? rateOf(last.seg, last.plan) : undefined;
}

/** Whether a free slot has a queued segment to take: one that no running render reaches sooner by
 *  going on into it (cutting/steal.ts; such a one waits for that render). */
async function queuedToTake(db: Db, setupSeconds: number): Promise<boolean> {
  const queued = await db
    .select({ seg: segments, plan: scenes.plan })
    .from(segments)
    .innerJoin(jobs, eq(jobs.id, segments.jobId))
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .where(and(eq(segments.state, 'queued'), eq(jobs.state, 'running')));
  for (const { seg, plan } of queued) if ((await stealable(db, seg, plan, setupSeconds)).take) return true;
  return false;
}

/** Asks the running segment whose split gains most to end early, for `nodeId`'s free slot; whether
 *  one was asked. Not while a queued segment is there to take: a free slot takes that first. */
export async function askSplit(db: Db, nodeId: string, setupSeconds: number): Promise<boolean> {
  if (await queuedToTake(db, setupSeconds)) return false;
  const running = await db
    // seconds since its last report, on the database's clock (the nodes' clocks may differ)
    .select({ seg: segments, scene: scenes.name, plan: scenes.plan, since: sql<number | null>`extract(epoch from now() - ${segments.progressAt})::float8` })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .innerJoin(nodes, eq(nodes.id, segments.nodeId))
    // its range and a plan known (a slice of one play has no play to end after), on a node that is
    // not going away
    .where(and(eq(segments.state, 'running'), isNull(segments.splitAt), eq(segments.encodes, false), ne(segments.toPlay, OPEN_END), ne(segments.fromPlay, UNKNOWN_START), eq(nodes.state, 'online')));
  if (!running.length) return false;
  const free = (await nodeRate(db, nodeId)) ?? 1;
  const splits = [];
  for (const { seg, scene, plan, since } of running) {
    if (!plan) continue;
    // (a scout still fast-forwarding to its start is not in a play of its own yet)
    const current = seg.atPlay !== null && seg.atPlay >= seg.fromPlay ? plan.plays.find((p) => p.index === seg.atPlay) : undefined;
    const owner = Math.min(rateOf(seg, plan) ?? (await nodeRate(db, seg.nodeId!)) ?? free, rateBound(current, plan.width * plan.height, since));
    const split = splitPoint(plan.plays, plan.width * plan.height, seg, setupSeconds, { owner, free });
    if (split) splits.push({ seg, scene, split });
  }
  const best = splits.sort((x, y) => y.split.saves - x.split.saves)[0];
  if (!best) return false;
  const { seg, scene, split } = best;
  return db.transaction(async (tx) => {
    const asked = await tx
      .update(segments)
      .set({ splitAt: split.at })
      .where(and(eq(segments.id, seg.id), eq(segments.state, 'running'), isNull(segments.splitAt), eq(segments.toPlay, seg.toPlay)))
      .returning({ id: segments.id });
    if (!asked.length) return false;
    // the event wakes the render's node (steerRender)
    await appendEvent(tx, seg.jobId, 'segment.split-asked', { scene, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], after: split.at, saves: Math.round(split.saves * 10) / 10 });
    return true;
  });
}

/**
 * The render's node answers the split asked of its segment after play `at`: `past` says whether its
 * render has started a later play already (read after its stop file was set to end at `at`, so the
 * render cannot have gone on since). Unless it has, the segment ends after `at` and the plays after
 * it are queued as a segment of their own. Whether the split was made.
 */
export async function answerSplit(db: Db, queue: Queue, segmentId: string, nodeId: string, { at, past }: { at: number; past: boolean }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const seg = await lockOwnSegment(tx, segmentId, nodeId);
    if (!seg || seg.splitAt !== at) return false;
    const [scene] = await tx.select({ name: scenes.name, plan: scenes.plan }).from(scenes).where(eq(scenes.id, seg.sceneId));
    await tx.update(segments).set({ splitAt: null }).where(eq(segments.id, segmentId));
    if (past || at < seg.fromPlay || at >= seg.toPlay || !scene?.plan) {
      await appendEvent(tx, seg.jobId, 'segment.split-declined', { scene: scene?.name, segment: seg.position, after: at });
      return false;
    }
    await handBack(tx, queue, seg, at, scene.plan.plays);
    await appendEvent(tx, seg.jobId, 'segment.split', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, at], rest: [at + 1, seg.toPlay], node: nodeId });
    return true;
  });
}
