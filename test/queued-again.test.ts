import { describe, it, expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { databaseWithQueue } from './helpers/database.ts';
import { jobs, nodes, scenes, segments } from '../src/db/schema.ts';
import { createCutSegments, createOpenSegments } from '../src/store/segments/create.ts';
import { deferSegment, segmentWithJob } from '../src/store/segments/claim.ts';
import { retryOrFail } from '../src/store/segments/retry.ts';
import { avoidFlag, NEEDS_LATEX, SCOUTS, segmentKey } from '../src/store/queue-keys.ts';

// A segment goes back to the queue when a paused node leaves it, when a running render will reach
// it sooner, and after a failed try: each time it must come back as what it is, in its place.
const env = databaseWithQueue();

async function scene() {
  const [job] = await env.database.db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
  const [row] = await env.database.db.insert(scenes).values({ jobId: job!.id, name: 'Again', position: 0, state: 'rendering' }).returning();
  return { jobId: job!.id, sceneId: row!.id };
}

/** What the queue holds for a segment: its flags (sorted), priority and when it may run. */
async function queued(segmentId: string) {
  const [row] = await env.database.db.execute<{ flags: string[] | null; priority: number; run_at: Date }>(
    sql`select array(select jsonb_object_keys(flags) order by 1) as flags, priority, run_at from graphile_worker._private_jobs where key = ${segmentKey(segmentId)}`,
  );
  return { flags: row!.flags, priority: row!.priority, runAt: new Date(row!.run_at) };
}

async function liveNode(): Promise<string> {
  const id = randomUUID();
  await env.database.db.insert(nodes).values({ id, name: `n-${id.slice(0, 4)}`, hostname: 'h', os: 'linux', cores: 2, memoryBytes: 1, concurrency: 1, functions: ['render-segment'], workerIds: [`pool-${id}`] });
  return id;
}

describe('a segment queued again', () => {
  it('keeps what it was queued as: a lead stays first and needs LaTeX, a scout stays last and stays a scout', async () => {
    const { jobId, sceneId } = await scene();
    await env.database.db.transaction((tx) => createOpenSegments(tx, env.queue, jobId, sceneId, 0, { lead: true, planningScout: true, scouts: 1 }));
    const rows = await env.database.db.select().from(segments).where(eq(segments.sceneId, sceneId)).orderBy(segments.position);
    const before = await Promise.all(rows.map((r) => queued(r.id)));
    expect(before.map((q) => q.flags)).toEqual([[NEEDS_LATEX], [NEEDS_LATEX], [NEEDS_LATEX, SCOUTS].sort()]);
    // a paused node leaves each of them to the others for a while
    const later = new Date(Date.now() + 60_000);
    for (const r of rows) await deferSegment(env.database.db, env.queue, r.id, later);
    const after = await Promise.all(rows.map((r) => queued(r.id)));
    expect(after.map((q) => q.flags)).toEqual(before.map((q) => q.flags));
    expect(after.map((q) => q.priority)).toEqual(before.map((q) => q.priority));
    expect(after.every((q) => Math.abs(q.runAt.getTime() - later.getTime()) < 1000)).toBe(true);
  });

  it('after a failed try keeps its place among its scene\'s segments and avoids the node that failed it', async () => {
    const { jobId, sceneId } = await scene();
    const failing = await liveNode();
    await liveNode();
    const cut = (fromPlay: number, priority: number) => ({ fromPlay, toPlay: fromPlay, frames: 30, cost: 1, priority });
    await env.database.db.transaction((tx) => createCutSegments(tx, env.queue, jobId, sceneId, [cut(0, 0), cut(1, 103)], 0));
    const [, last] = await env.database.db.select().from(segments).where(eq(segments.sceneId, sceneId)).orderBy(segments.position);
    const before = await queued(last!.id);
    await env.database.db.update(segments).set({ state: 'running', nodeId: failing }).where(eq(segments.id, last!.id));
    await retryOrFail(env.database.db, env.queue, (await segmentWithJob(env.database.db, last!.id))!, failing, { message: 'out of memory' }, { permanent: false, maxAttempts: 3 });
    const after = await queued(last!.id);
    expect(after.priority).toBe(before.priority);
    expect(after.flags).toEqual([avoidFlag(failing)]);
  });
});
