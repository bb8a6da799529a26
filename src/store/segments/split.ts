import { and, eq, isNull, ne } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobs, nodes, scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { splitPoint } from '../../cutting/split.ts';
import { appendEvent } from '../events.ts';
import { handBack, lockOwnSegment } from './running.ts';
import { OPEN_END, UNKNOWN_START } from './range.ts';

/**
 * Splitting a running segment for a slot that has nothing left to take. A cut is an estimate: when
 * it errs, one machine ends the scene alone while the others wait (a first render of the Benchmark
 * scene on the lab: the lead idle for its last 30 s), and by then every segment is taken. So a slot
 * that finished asks the running render that ends last, by the cost model, to end early
 * (`askSplit`), and that render's node answers (`answerSplit`): only it knows whether its render is
 * past the play, and only its stop file can keep it from going past. The plays after it become a
 * queued segment of their own, which the free slot takes.
 */

/** Asks the running segment whose split gains most to end early; whether one was asked. Not while
 *  any segment is queued: a free slot takes that first. */
export async function askSplit(db: Db, setupSeconds: number): Promise<boolean> {
  const [queued] = await db.select({ id: segments.id }).from(segments).innerJoin(jobs, eq(jobs.id, segments.jobId)).where(and(eq(segments.state, 'queued'), eq(jobs.state, 'running'))).limit(1);
  if (queued) return false;
  const running = await db
    .select({ id: segments.id, jobId: segments.jobId, position: segments.position, fromPlay: segments.fromPlay, toPlay: segments.toPlay, atPlay: segments.atPlay, framesDone: segments.framesDone, scene: scenes.name, plan: scenes.plan })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .innerJoin(nodes, eq(nodes.id, segments.nodeId))
    // whole plays to its end, with its range and a plan known, on a node that is not going away
    .where(and(eq(segments.state, 'running'), isNull(segments.splitAt), isNull(segments.toFrame), eq(segments.encodes, false), ne(segments.toPlay, OPEN_END), ne(segments.fromPlay, UNKNOWN_START), eq(nodes.state, 'online')));
  const splits = running.flatMap((r) => {
    const split = r.plan && splitPoint(r.plan.plays, r.plan.width * r.plan.height, r, setupSeconds);
    return split ? [{ ...r, split }] : [];
  });
  const best = splits.sort((x, y) => y.split.saves - x.split.saves)[0];
  if (!best) return false;
  return db.transaction(async (tx) => {
    const asked = await tx
      .update(segments)
      .set({ splitAt: best.split.at })
      .where(and(eq(segments.id, best.id), eq(segments.state, 'running'), isNull(segments.splitAt), eq(segments.toPlay, best.toPlay)))
      .returning({ id: segments.id });
    if (!asked.length) return false;
    // the event wakes the render's node (steerRender)
    await appendEvent(tx, best.jobId, 'segment.split-asked', { scene: best.scene, segment: best.position, plays: [best.fromPlay, best.toPlay], after: best.split.at, saves: Math.round(best.split.saves * 10) / 10 });
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
    if (past || at < seg.fromPlay || at >= seg.toPlay || seg.toFrame !== null || !scene?.plan) {
      await appendEvent(tx, seg.jobId, 'segment.split-declined', { scene: scene?.name, segment: seg.position, after: at });
      return false;
    }
    await handBack(tx, queue, seg, at, scene.plan.plays);
    await appendEvent(tx, seg.jobId, 'segment.split', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, at], rest: [at + 1, seg.toPlay], node: nodeId });
    return true;
  });
}
