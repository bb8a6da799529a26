import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { nodes, scenes, segments } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { appendEvent } from './events.ts';
import { segmentKey } from './jobs.ts';
import { dropSegment, OPEN_END } from './scenes.ts';
import type { Play } from '../model/plan.ts';

/**
 * A running segment takes the next segment of its scene when it is still queued: its render goes
 * on into those plays with no new set-up and no fast-forward. The next segment's row and queue job
 * go; this one grows. Returns the new last play, or null when there is nothing to take (the next
 * segment is running elsewhere, is done, failed on this node before, or does not exist, or this
 * node is draining or paused).
 */
export async function extendSegment(tx: Tx, segmentId: string, nodeId: string): Promise<number | null> {
  const [seg] = await tx.select().from(segments).where(eq(segments.id, segmentId)).for('update');
  if (!seg || seg.state !== 'running' || seg.nodeId !== nodeId || seg.toPlay === OPEN_END) return null;
  // A node told to drain or pause finishes what it has and takes no more.
  const [node] = await tx.select({ state: nodes.state }).from(nodes).where(eq(nodes.id, nodeId));
  if (node && node.state !== 'online') return null;
  // skip locked: a node claiming it right now keeps it.
  const [next] = await tx
    .select()
    .from(segments)
    .where(and(eq(segments.sceneId, seg.sceneId), eq(segments.fromPlay, seg.toPlay + 1), eq(segments.state, 'queued')))
    .for('update', { skipLocked: true });
  if (!next || next.failures.some((f) => f.node === nodeId)) return null;
  // A node that already fetched its queue job finds no segment and lets it go.
  await dropSegment(tx, next.id);
  await tx.update(segments).set({ toPlay: next.toPlay, frames: seg.frames + next.frames, cost: seg.cost + next.cost }).where(eq(segments.id, seg.id));
  const [scene] = await tx.select({ name: scenes.name }).from(scenes).where(eq(scenes.id, seg.sceneId));
  await appendEvent(tx, seg.jobId, 'segment.extended', { scene: scene?.name, segment: seg.position, plays: [seg.fromPlay, next.toPlay], node: nodeId });
  return next.toPlay;
}

/**
 * A render that stopped before its segment's last play (it waited too long for its node's answer)
 * keeps what it drew; the rest becomes a queued segment of its own.
 */
export async function handBack(tx: Tx, queue: Queue, segmentId: string, drawn: number, plays: Play[]): Promise<void> {
  const [seg] = await tx.select().from(segments).where(eq(segments.id, segmentId)).for('update');
  if (!seg || seg.toPlay === OPEN_END || drawn >= seg.toPlay) return;
  const rest = plays.filter((p) => p.index > drawn && p.index <= seg.toPlay);
  const frames = rest.reduce((n, p) => n + p.frames, 0);
  const [{ position } = { position: 0 }] = await tx
    .select({ position: sql<number>`coalesce(max(${segments.position}), 0)::int + 1` })
    .from(segments)
    .where(eq(segments.sceneId, seg.sceneId));
  const [row] = await tx
    .insert(segments)
    .values({ jobId: seg.jobId, sceneId: seg.sceneId, position, fromPlay: drawn + 1, toPlay: seg.toPlay, frames, cost: 0 })
    .returning({ id: segments.id });
  await tx.update(segments).set({ toPlay: drawn, frames: seg.frames - frames }).where(eq(segments.id, seg.id));
  await queue.add(tx, 'render-segment', { segmentId: row!.id }, { jobKey: segmentKey(row!.id) });
}

/** Where a running segment is and the frames it has drawn, for the planner and the dashboard. */
export async function recordProgress(db: Tx, segmentId: string, atPlay: number, framesDone: number): Promise<void> {
  await db.update(segments).set({ atPlay, framesDone }).where(and(eq(segments.id, segmentId), eq(segments.state, 'running')));
}

