import { eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/tx.ts';
import { segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import type { SegmentCut } from '../../model/plan.ts';
import { liveNodes } from '../nodes.ts';
import { avoidFlag, ENCODES, NEEDS_LATEX, SCOUTS, segmentKey } from '../queue-keys.ts';
import { OPEN_END, UNKNOWN_START } from './range.ts';

/** Scouts come after any other work: they are for render slots that would otherwise wait. */
const SCOUT_PRIORITY = 1000;

/** Queue order of the segments that start before a plan: scene by scene, the lead then the planning
 *  scout, ahead of all other work (the plan is what every other slot waits for). */
function openPriority(position: number, plans: boolean): number {
  return -1000 + 2 * Math.min(position, 400) + (plans ? 1 : 0);
}

/** When a segment's queue job is offered, and how many times in a row it was left to a faster
 *  machine already (claim.ts's stealable). */
interface EnqueueOptions {
  runAt?: Date;
  offers?: number;
}

/** Queues a segment's render by its id (queued again: paused, deferred, retried, yielded). */
export async function enqueueSegment(tx: Tx, queue: Queue, segmentId: string, opts: EnqueueOptions = {}): Promise<void> {
  const [seg] = await tx.select().from(segments).where(eq(segments.id, segmentId));
  if (seg) await enqueueRow(tx, queue, seg, opts);
}

/**
 * Queues a segment's render: the one place a segment's queue job is added, each time it is queued
 * again too, with what its row says: its order in its job, LaTeX needed before the plan, whether it
 * is a scout, and the nodes that failed it to avoid (as long as another live render node exists).
 */
async function enqueueRow(tx: Tx, queue: Queue, seg: typeof segments.$inferSelect, { offers, ...opts }: EnqueueOptions = {}): Promise<void> {
  const failed = new Set(seg.failures.map((f) => f.node));
  const others = failed.size ? (await liveNodes(tx)).some((n) => n.functions.includes('render-segment') && !failed.has(n.id)) : false;
  const flags = [
    // started before the plan, when the TeX cache may not exist yet
    ...(seg.toPlay === OPEN_END ? [NEEDS_LATEX] : []),
    ...(seg.fromPlay === UNKNOWN_START && !seg.plans ? [SCOUTS] : []),
    ...(others ? [...failed].map(avoidFlag) : []),
    ...(seg.encodes ? [ENCODES] : []),
  ];
  await queue.add(tx, 'render-segment', { segmentId: seg.id, ...(offers ? { offers } : {}) }, { jobKey: segmentKey(seg.id), priority: seg.priority, flags, ...opts });
}

export interface OpenSegments {
  /** A segment rendering from play 0 at once, while the scene is planned. */
  lead: boolean;
  /** A scout that is the planning pass: it records the plan, then renders a share (scout.py). */
  planningScout: boolean;
  /** Scouts: fast-forwarding from play 0, a paused copy at every play, until they get a share. */
  scouts: number;
}

/**
 * The segments of a scene that start before its plan: a lead that renders from play 0, a planning
 * scout whose planning pass records the plan, and scouts that fast-forward from play 0 leaving a
 * paused copy at every play (driver/nn_driver/scout.py). The plan decides where each starts and ends.
 */
export async function createOpenSegments(tx: Tx, queue: Queue, jobId: string, sceneId: string, scenePosition: number, open: OpenSegments): Promise<void> {
  const rows = [
    ...(open.lead ? [{ fromPlay: 0, plans: false, priority: openPriority(scenePosition, false) }] : []),
    ...(open.planningScout ? [{ fromPlay: UNKNOWN_START, plans: true, priority: openPriority(scenePosition, true) }] : []),
    ...Array.from({ length: open.scouts }, () => ({ fromPlay: UNKNOWN_START, plans: false, priority: SCOUT_PRIORITY })),
  ];
  for (const [i, { fromPlay, plans, priority }] of rows.entries()) {
    const [seg] = await tx
      .insert(segments)
      .values({ jobId, sceneId, position: i, fromPlay, toPlay: OPEN_END, frames: 0, cost: 0, plans, priority })
      .returning();
    await enqueueRow(tx, queue, seg!);
  }
}

/** The segments that started before the plan: the lead (from play 0) and the scouts, locked. */
export async function openSegments(tx: Tx, sceneId: string) {
  const rows = await tx.select().from(segments).where(eq(segments.sceneId, sceneId)).orderBy(segments.position).for('update');
  return { lead: rows.find((r) => r.fromPlay === 0), scouts: rows.filter((r) => r.fromPlay === UNKNOWN_START), count: rows.length };
}

/** The plan's cuts become queued segments, in the cutter's order (`from`: the running segment a
 *  split took them from). */
export async function createCutSegments(tx: Tx, queue: Queue, jobId: string, sceneId: string, cuts: SegmentCut[], firstPosition: number, from?: string): Promise<void> {
  const rows = cuts.length
    ? await tx
        .insert(segments)
        .values(cuts.map((c, i) => ({ jobId, sceneId, position: firstPosition + i, ...c, splitFrom: from ?? null })))
        .returning()
    : [];
  for (const seg of rows) await enqueueRow(tx, queue, seg);
}

/** The position a segment added to a scene after its cut takes: after every other. */
export async function nextPosition(tx: Tx, sceneId: string): Promise<number> {
  const [row] = await tx.select({ position: sql<number>`coalesce(max(${segments.position}), 0)::int + 1` }).from(segments).where(eq(segments.sceneId, sceneId));
  return row?.position ?? 0;
}
