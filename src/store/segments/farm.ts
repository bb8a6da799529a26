import { and, desc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/tx.ts';
import { jobs, nodes, scenes, segments } from '../../db/schema.ts';
import { ALIKE, drawingRate, rateBound, startedRate } from '../../cutting/rate.ts';
import type { Slot } from '../../cutting/steal.ts';
import type { ScenePlan } from '../../model/plan.ts';
import { OPEN_END, UNKNOWN_START } from './range.ts';
import { liveNodes, takesRenderWork } from '../nodes.ts';
import { BAND } from '../../queue/job-priority.ts';

/**
 * The farm's renders and machines as a slot weighs them before it takes, leaves or splits work:
 * where each running render is, how fast its machine draws (cutting/rate.ts), and which machines
 * have a slot free.
 */

type SegmentRow = typeof segments.$inferSelect;

/** How fast the machine of a segment draws: a running one over the plays it has drawn so far, a
 *  finished one over all it drew. */
function rateOf(seg: Pick<SegmentRow, 'drawingFrom' | 'drawingSince' | 'atPlay' | 'progressAt' | 'toPlay' | 'finishedAt'>, plan: ScenePlan): number | undefined {
  if (seg.drawingFrom === null || !seg.drawingSince) return undefined;
  const [to, until] = seg.finishedAt ? [seg.toPlay, seg.finishedAt] : [(seg.atPlay ?? seg.drawingFrom) - 1, seg.progressAt];
  if (!until) return undefined;
  return drawingRate(plan.plays, plan.width * plan.height, seg.drawingFrom, to, (until.getTime() - seg.drawingSince.getTime()) / 1000);
}

/** A scout still stepping to its share, `running` seconds after it started: how fast it stepped
 *  through the plays before the one it reached `since` seconds ago, and at most, by now, through
 *  that one too (a slow machine stepping through a scene's updaters falls behind its first rate). */
function steppingRate(seg: Pick<SegmentRow, 'atPlay'>, plan: ScenePlan, running: number | null, since: number | null): Render['rate'] {
  const at = seg.atPlay ?? 0;
  const pixels = plan.width * plan.height;
  const measured = running !== null && since !== null ? startedRate(plan.plays, pixels, { at, seconds: running - since, drawing: false }) : undefined;
  const bound = running !== null ? startedRate(plan.plays, pixels, { at: at + 1, seconds: running, drawing: false }) : undefined;
  return { measured, bound: bound ?? Infinity };
}

/** Nodes' rates from the segment each finished last (none before it finished one it drew): one
 *  query for any number of nodes, since every claim weighs the whole farm. */
async function nodeRates(db: Tx, ids: string[]): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  if (!ids.length) return rates;
  const last = await db
    .selectDistinctOn([segments.nodeId], { seg: segments, plan: scenes.plan })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .where(and(inArray(segments.nodeId, ids), eq(segments.state, 'done'), isNotNull(segments.drawingSince)))
    .orderBy(segments.nodeId, desc(segments.finishedAt));
  for (const { seg, plan } of last) {
    const rate = plan && seg.nodeId ? rateOf(seg, plan) : undefined;
    if (rate !== undefined) rates.set(seg.nodeId!, rate);
  }
  return rates;
}

/** A node's rate from the segment it finished last (undefined before it finished one it drew). */
export async function nodeRate(db: Tx, nodeId: string): Promise<number | undefined> {
  return (await nodeRates(db, [nodeId])).get(nodeId);
}

/** A running render of a scene with a plan and a known range (a lead or scout the plan has not
 *  cut yet has neither). */
export interface Render {
  seg: SegmentRow;
  scene: string;
  plan: ScenePlan;
  /** Its node takes work: not draining, paused or gone. */
  online: boolean;
  /** Its machine's rate as far as measured: this render's drawing so far, or else what the cut
   *  weighed it at (a lead or scout), or else the node's last segment; never above its current
   *  play's cost per second since it began it (rateBound). A scout still stepping to its share:
   *  its stepping so far, and at most through the play it is in by now. */
  rate: { measured: number | undefined; bound: number };
  /** Seconds since it last reported (at its play starts), on the database's clock. */
  since: number | null;
  /** It makes a video, not PNG frames. */
  video: boolean;
}

/** The rate to weigh a render at, counting a machine not measured yet as `fallback`. */
export const rateOr = (r: Render['rate'], fallback: number) => Math.min(r.measured ?? fallback, r.bound);

/** Every running render with a plan and a known range; with `id`, that one only. */
export async function runningRenders(db: Tx, id?: string): Promise<Render[]> {
  const rows = await db
    // seconds since its last report, on the database's clock (the nodes' clocks may differ)
    .select({ seg: segments, scene: scenes.name, plan: scenes.plan, node: nodes.state, format: sql<string | null>`${jobs.options}->>'format'`, since: sql<number | null>`extract(epoch from now() - ${segments.progressAt})::float8`, running: sql<number | null>`extract(epoch from now() - ${segments.startedAt})::float8` })
    .from(segments)
    .innerJoin(scenes, eq(scenes.id, segments.sceneId))
    .innerJoin(jobs, eq(jobs.id, segments.jobId))
    .leftJoin(nodes, eq(nodes.id, segments.nodeId))
    .where(and(eq(segments.state, 'running'), id ? eq(segments.id, id) : undefined));
  const renders: Render[] = [];
  const nodeRate = await nodeRates(db, rows.flatMap((r) => (r.seg.nodeId ? [r.seg.nodeId] : [])));
  for (const { seg, scene, plan, node, format, since, running } of rows) {
    if (!plan || seg.toPlay === OPEN_END || seg.fromPlay === UNKNOWN_START) continue;
    const fallback = seg.cutRate ?? (seg.nodeId ? nodeRate.get(seg.nodeId) : undefined);
    let rate: Render['rate'];
    if (seg.atPlay !== null && seg.atPlay < seg.fromPlay) {
      // a scout still stepping to its start: nothing drawn to measure, and not in a play of its own
      const stepped = steppingRate(seg, plan, running, since);
      rate = { measured: stepped.measured ?? fallback, bound: stepped.bound };
    } else {
      const current = seg.atPlay !== null ? plan.plays.find((p) => p.index === seg.atPlay) : undefined;
      rate = { measured: rateOf(seg, plan) ?? fallback, bound: rateBound(current, plan.width * plan.height, since) };
    }
    renders.push({ seg, scene, plan, online: node === 'online', rate, since, video: format !== 'png-sequence' });
  }
  return renders;
}

/** Nodes taking work with a render slot free. */
async function idleNodes(db: Tx) {
  const running = await db.select({ nodeId: segments.nodeId, count: sql<number>`count(*)::int` }).from(segments).where(eq(segments.state, 'running')).groupBy(segments.nodeId);
  return (await liveNodes(db)).filter(
    (n) => takesRenderWork(n) && (running.find((r) => r.nodeId === n.id)?.count ?? 0) < n.concurrency,
  );
}

/** How many machines have a render slot free. */
export async function idleNodeCount(db: Tx): Promise<number> {
  return (await idleNodes(db)).length;
}

/** A machine with a render slot free: which node, at the rate it showed last. */
export interface IdleSlot extends Slot {
  node: string;
}

/** The machines with a render slot free: candidates for a queued segment (cutting/steal.ts). Not
 *  one that has not shown a rate yet: nothing to weigh it at. */
export async function idleSlots(db: Tx): Promise<IdleSlot[]> {
  const rates = await nodeRates(db, (await idleNodes(db)).map((n) => n.id));
  return [...rates].map(([node, rate]) => ({ node, rate }));
}

/** A node that failed a segment is never offered it: its runner skips the segment (its avoid flag). */
const failedOn = (seg: { failures: { node: string }[] }, node: string) => seg.failures.some((f) => f.node === node);

type Queued = Pick<SegmentRow, 'id' | 'failures'>;

/**
 * The free slots that would fetch `seg`, other than `nodeId`'s: not those of machines that failed
 * it, nor as many of the fastest as the queue has segments to offer before it (each free slot takes
 * the first it is offered). On the lab a slow free slot left a share's first segment to a faster
 * free machine, which fetched another share's first one; the share waited 57 s for a slot.
 */
export async function slotsFor(db: Tx, slots: IdleSlot[], seg: Queued, nodeId?: string): Promise<IdleSlot[]> {
  const others = slots.filter((s) => s.node !== nodeId && !failedOn(seg, s.node)).sort((a, b) => b.rate - a.rate);
  return others.length ? others.slice(await queuedAhead(db, seg)) : others;
}

/** How many queued segments of running jobs the queue offers before `seg` (queue/job-priority.ts). */
async function queuedAhead(db: Tx, seg: Queued): Promise<number> {
  const order = sql`${segments.priority} + ${BAND} * ${jobs.priority}`;
  const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from ${segments} join ${jobs} on ${jobs.id} = ${segments.jobId}
    where ${segments.state} = 'queued' and ${jobs.state} = 'running' and ${segments.id} <> ${seg.id}
      and ${order} < (select ${order} from ${segments} join ${jobs} on ${jobs.id} = ${segments.jobId} where ${segments.id} = ${seg.id})`);
  return row?.n ?? 0;
}

/** Whether a node with a free slot that may take `seg` (with LaTeX for one that starts before its
 *  plan, one that did not fail it)
 *  computed faster than `nodeId` as it started (runtime/speed.ts), by the factor machines alike are
 *  within. */
export async function fasterIdle(db: Tx, nodeId: string, seg: { toPlay: number; failures: { node: string }[] }): Promise<boolean> {
  const [me] = await db.select({ speed: nodes.speed }).from(nodes).where(eq(nodes.id, nodeId));
  if (!me?.speed) return false;
  return (await idleNodes(db)).some(
    (n) => n.id !== nodeId && (n.speed ?? 0) > ALIKE * me.speed! && !(seg.toPlay === OPEN_END && n.versions.latex === false) && !failedOn(seg, n.id),
  );
}
