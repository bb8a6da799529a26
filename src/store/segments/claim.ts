import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { jobs, nodes, scenes, segments } from '../../db/schema.ts';
import type { Queue, QueueLease } from '../../queue/queue.ts';
import { OPEN_SEGMENT_STATES } from '../../model/states.ts';
import { appendEvent } from '../events.ts';
import { enqueueSegment } from './create.ts';
import { UNKNOWN_START } from './range.ts';
import { shouldSteal, type Steal } from '../../cutting/steal.ts';
import type { ScenePlan } from '../../model/plan.ts';
import { fasterIdle, idleSlots, nodeRate, rateOr, runningRenders, slotsFor, type IdleSlot, type Render } from './farm.ts';

/** A segment with its scene and job, as a render reads them before it claims it. */
export async function segmentWithJob(db: Db, segmentId: string) {
  const [row] = await db
    .select({ seg: segments, scene: scenes, job: jobs })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .innerJoin(jobs, eq(jobs.id, segments.jobId))
    .where(eq(segments.id, segmentId));
  return row;
}
export type SegmentWithJob = NonNullable<Awaited<ReturnType<typeof segmentWithJob>>>;

/**
 * A node claims a segment to render it; false when it is not to be rendered (cancelled, done or
 * failed). One still marked running is the queue's retry of an attempt whose ending was lost (the
 * database was away): the queue's lock, not this column, says who runs it, and the earlier attempt
 * can no longer commit. With `lease` (a call from the queue), only while the queue still holds its
 * job for this node: a node taken for dead, whose jobs were handed back to others, claims nothing.
 */
export async function claimSegment(db: Tx, queue: Queue, { seg, scene, job }: SegmentWithJob, nodeId: string, started: Date, lease?: QueueLease): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (lease && !(await queue.holds(tx, lease))) return false;
    const rows = await tx
      .update(segments)
      .set({ state: 'running', nodeId, attempts: sql`${segments.attempts} + 1`, startedAt: started, error: null })
      .where(and(eq(segments.id, seg.id), inArray(segments.state, [...OPEN_SEGMENT_STATES])))
      .returning({ id: segments.id });
    // The queue job it runs as: two starts of one segment say whether one queue job ran twice or two did.
    if (rows.length) await appendEvent(tx, job.id, 'segment.started', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], ...(seg.fromFrame !== null ? { frames: [seg.fromFrame, seg.toFrame] } : {}), node: nodeId, ...(lease ? { queueJob: lease.jobId } : {}) });
    return rows.length > 0;
  });
}

/** The segments of a scene with where each running one is and whether it goes on into the next
 *  (its node online: not draining or paused; never a slice of a play), to decide whether a free
 *  slot should take a queued one. */
async function sceneProgress(db: Db, sceneId: string) {
  return db
    .select({ id: segments.id, toPlay: segments.toPlay, state: segments.state, atPlay: segments.atPlay, goesOn: sql<boolean>`coalesce(${nodes.state} = 'online' and ${segments.toFrame} is null, false)` })
    .from(segments)
    .leftJoin(nodes, eq(nodes.id, segments.nodeId))
    .where(eq(segments.sceneId, sceneId));
}

/** What a free slot on `nodeId` weighs a queued segment against: the running renders, its own
 *  machine's rate, and the machines with a free slot (none when its own rate is not known). Read
 *  once for all the queued segments a slot looks at. */
export interface FarmView {
  renders: Render[];
  rate: number | undefined;
  slots: IdleSlot[];
}

export async function farmView(db: Db, nodeId: string, renders?: Render[]): Promise<FarmView> {
  const rate = await nodeRate(db, nodeId);
  return { renders: renders ?? (await runningRenders(db)), rate, slots: rate === undefined ? [] : await idleSlots(db) };
}

/** How long a new scene's planning pass waits for a faster machine at most. */
const OPEN_WAIT_S = 10;

/** How many times in a row a queued segment is left to a faster machine with a free slot: each
 *  offer is a second apart, so about OPEN_WAIT_S. A machine that looks free but does not fetch it
 *  (its slot held by other work, its runner stopped) then holds it up no longer. */
export const MACHINE_OFFERS = 10;

type Claimed = Pick<typeof segments.$inferSelect, 'id' | 'jobId' | 'sceneId' | 'fromPlay' | 'toPlay' | 'fromFrame' | 'plans' | 'failures'>;

/** Whether a free slot on `nodeId` should take a queued segment now (cutting/steal.ts): not when the
 *  render before it ends it sooner by going on into it, or another free machine does, nor a new scene's planning pass
 *  while a faster machine is free. A slice (the scene's critical path), a segment from play 0 and
 *  one with no plan yet are otherwise always taken: no render goes on into them. `farm`: what
 *  farmView reads, when the caller has it; `offers`: how many times in a row it was left to a
 *  faster machine already (MACHINE_OFFERS). */
export async function stealable(db: Db, seg: Claimed, plan: ScenePlan | null | undefined, setupSeconds: number, nodeId: string, { farm, offers = 0 }: { farm?: FarmView; offers?: number } = {}): Promise<Steal> {
  // A new scene's planning pass goes to the fastest machine free (every share waits for its cut;
  // on the lab a 0.2-CPU machine planned for 33 s where a 0.45 one took 15): no render has measured
  // a rate yet, so by their probe as they started. For the job's first seconds only: a node that
  // looks free but does not fetch it holds nothing up.
  if (seg.fromPlay === UNKNOWN_START && seg.plans) {
    const [job] = await db.select({ young: sql<boolean>`coalesce(${jobs.startedAt} > now() - make_interval(secs => ${OPEN_WAIT_S}), true)` }).from(jobs).where(eq(jobs.id, seg.jobId));
    return job?.young && (await fasterIdle(db, nodeId, seg)) ? { take: false, retryInSeconds: 1, waitsFor: 'machine' } : { take: true };
  }
  if (seg.fromPlay <= 0 || seg.fromFrame !== null || !plan) return { take: true };
  const { renders, rate, slots } = farm ?? (await farmView(db, nodeId));
  const before = (await sceneProgress(db, seg.sceneId)).map((b) => {
    const render = renders.find((r) => r.seg.id === b.id);
    return { ...b, rate: render && rate !== undefined ? rateOr(render.rate, rate) : undefined };
  });
  const steal = shouldSteal(plan.plays, plan.width * plan.height, seg, before, setupSeconds, { rate, slots: await slotsFor(db, slots, seg, nodeId) });
  return !steal.take && steal.waitsFor === 'machine' && offers >= MACHINE_OFFERS ? { take: true } : steal;
}

/**
 * A queued segment left to a running render that reaches it sooner, or to a node that takes work,
 * is offered again at `runAt`; `offers`: how many times in a row it was left to a faster machine
 * (stealable). With `lease`, only while the queue still holds its job for this
 * node: a node taken for dead whose job went to another would otherwise replace that node's job
 * with a new one (graphile-worker retires a locked job whose key is added again), and the
 * segment that node claims would be claimed a second time by the new job.
 */
export async function deferSegment(db: Db, queue: Queue, segmentId: string, runAt: Date, lease?: QueueLease, offers = 0): Promise<void> {
  await db.transaction(async (tx) => {
    if (lease && !(await queue.holds(tx, lease))) return;
    await enqueueSegment(tx, queue, segmentId, { runAt, offers });
  });
}

/**
 * A running segment that cannot go on here for now goes back to the queue, offered again at
 * `runAt` (an encoder waiting for a slice that no slot is free to draw gives its slot up).
 */
export async function yieldSegment(db: Db, queue: Queue, segmentId: string, nodeId: string, runAt: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .update(segments)
      // not a try: the segment never failed
      .set({ state: 'queued', nodeId: null, startedAt: null, attempts: sql`${segments.attempts} - 1` })
      .where(and(eq(segments.id, segmentId), eq(segments.state, 'running'), eq(segments.nodeId, nodeId)))
      .returning({ jobId: segments.jobId, sceneId: segments.sceneId, position: segments.position });
    const [row] = rows;
    if (!row) return false;
    await enqueueSegment(tx, queue, segmentId, { runAt });
    // in the job's events, so a second start of the segment reads as what it is
    const [scene] = await tx.select({ name: scenes.name }).from(scenes).where(eq(scenes.id, row.sceneId));
    await appendEvent(tx, row.jobId, 'segment.yielded', { scene: scene?.name, segment: row.position, node: nodeId });
    return true;
  });
}
