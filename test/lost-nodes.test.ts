import { describe, it, expect, beforeAll } from 'vitest';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { databaseWithQueue } from './helpers/database.ts';
import type { Database } from '../src/db/client.ts';
import type { Queue } from '../src/queue/queue.ts';
import { queuePoolOver } from '../src/queue/pool.ts';
import { jobs, nodes, scenes, segments } from '../src/db/schema.ts';
import { enqueueSegment } from '../src/store/segments/create.ts';
import { segmentKey } from '../src/store/queue-keys.ts';
import { appendEvent } from '../src/store/events.ts';
import { REAPER_LOCK, reapDeadNodes, sweepGivenUp, sweepOrphans } from '../src/runtime/recovery.ts';
import { LOST_NODE_BUDGET, requeueOrphans } from '../src/store/segments/requeue.ts';
import { claimSegment, deferSegment, segmentWithJob } from '../src/store/segments/claim.ts';
import { retryOrFail } from '../src/store/segments/retry.ts';
import { settleEnd } from '../src/store/segments/running.ts';
import type { ScenePlan } from '../src/model/plan.ts';
import { waitFor } from './helpers/node.ts';
import { startRunner, type TaskCall } from '../src/queue/runner.ts';

// Node deaths without killing real machines: a node row whose heartbeat is old holds the segment
// and its queue job, as a killed node leaves them, and the reaper of a live node takes them back.
const env = databaseWithQueue();
let database: Database;
let queue: Queue;
beforeAll(() => ({ database, queue } = env));

async function runningSegment() {
  const [job] = await database.db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
  // Planned, as a running job is: its scenes are all open, so it ends when they end.
  await database.db.transaction((tx) => appendEvent(tx, job!.id, 'job.planned'));
  const [scene] = await database.db.insert(scenes).values({ jobId: job!.id, name: 'Killer', position: 0, state: 'rendering' }).returning();
  const [seg] = await database.db.insert(segments).values({ jobId: job!.id, sceneId: scene!.id, position: 0, fromPlay: 0, toPlay: 3, frames: 40, cost: 1 }).returning();
  await database.db.transaction((tx) => enqueueSegment(tx, queue, seg!.id));
  return { jobId: job!.id, segmentId: seg!.id };
}

/** A node row whose heartbeat is old, with its queue pool: taken for dead by the next reaper. */
async function slowNode(prefix = 'slow'): Promise<{ id: string; pool: string }> {
  const id = randomUUID();
  const pool = `pool-${id}`;
  await database.db.insert(nodes).values({
    id, name: `${prefix}-${id.slice(0, 4)}`, hostname: 'h', os: 'linux', cores: 1, memoryBytes: 1, concurrency: 1,
    functions: ['render-segment'], workerIds: [pool], lastSeen: new Date(Date.now() - 60_000),
  });
  return { id, pool };
}

/** The segment's queue job is fetched by this pool (one attempt used); its id. */
async function fetchQueueJob(segmentId: string, pool: string): Promise<string> {
  const [job] = await database.db.execute<{ id: string }>(sql`update graphile_worker._private_jobs set attempts = attempts + 1, locked_by = ${pool}, locked_at = now()
    where key = ${segmentKey(segmentId)} returning id::text`);
  return job!.id;
}

const segmentQueueJobs = (segmentId: string) =>
  database.db.execute<{ id: string; key: string | null; locked_by: string | null }>(sql`select j.id::text, j.key, j.locked_by from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = 'render-segment' and j.payload->>'segmentId' = ${segmentId}`);

/** A node takes the segment (its queue job fetched: one attempt used) and dies; the reaper runs. */
async function dieWhileRendering(segmentId: string): Promise<string[]> {
  const { id, pool } = await slowNode('doomed');
  await database.db.update(segments).set({ state: 'running', nodeId: id }).where(sql`${segments.id} = ${segmentId}`);
  await fetchQueueJob(segmentId, pool);
  return reapDeadNodes(database, queue);
}

const queueJob = async (segmentId: string) =>
  (await database.db.execute<{ attempts: number; locked_by: string | null }>(sql`select attempts, locked_by from graphile_worker._private_jobs where key = ${segmentKey(segmentId)}`))[0];

describe('a node that dies is not its work\'s failure', () => {
  it('gives back the queue try with the lock, so a segment is never left with no tries and nobody to run it', async () => {
    const { segmentId } = await runningSegment();
    for (let i = 0; i < 4; i++) expect(await dieWhileRendering(segmentId)).toHaveLength(1);
    // Four deaths with a queue of three attempts: the job is still there, unlocked, with its tries.
    expect(await queueJob(segmentId)).toEqual({ attempts: 0, locked_by: null });
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('queued');
    expect(seg!.failures.map((f) => f.error)).toEqual(Array(4).fill('the node stopped responding'));
  });

  it('fails the scene, and the job, when a segment has been lost with more nodes than the budget', async () => {
    const { jobId, segmentId } = await runningSegment();
    for (let i = 0; i <= LOST_NODE_BUDGET; i++) await dieWhileRendering(segmentId);
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('failed');
    const [job] = await database.db.select().from(jobs).where(sql`${jobs.id} = ${jobId}`);
    expect(job!.state).toBe('failed');
    expect(job!.error?.message).toMatch(/Killer: segment 0 \(plays 0-3\) was lost with 6 nodes that stopped responding while rendering it/);
  });

  it('does not revive a queue job of the segment that a newer one replaced while the dead node held it', async () => {
    const { segmentId } = await runningSegment();
    const { pool } = await slowNode('doomed');
    await fetchQueueJob(segmentId, pool);
    // The node deferred the segment before it died: graphile-worker made a newer queue job for the
    // key and retired the held one (no key, no tries). Given its try back, two nodes would render it.
    await database.db.transaction((tx) => enqueueSegment(tx, queue, segmentId));
    await reapDeadNodes(database, queue);
    expect((await segmentQueueJobs(segmentId)).map((j) => j.key)).toEqual([segmentKey(segmentId)]);
  });
});

describe('a node taken for dead while it claims a segment', () => {
  it('has the segment taken back with its queue job: no second node renders it beside the first', async () => {
    const { jobId, segmentId } = await runningSegment();
    const { id, pool } = await slowNode();
    const held = await fetchQueueJob(segmentId, pool);
    // The slow node's claim has checked its lease and marked the segment running, and has not
    // committed yet when another node's reaper takes the slow node for dead.
    const row = (await segmentWithJob(database.db, segmentId))!;
    let commit!: () => void;
    let checked!: () => void;
    const claimChecked = new Promise<void>((r) => (checked = r));
    const claim = database.db.transaction(async (tx) => {
      const ok = await claimSegment(tx, queue, row, id, new Date(), { jobId: held, lockedBy: pool });
      checked();
      await new Promise<void>((r) => (commit = r));
      return ok;
    });
    await claimChecked;
    const reaper = reapDeadNodes(database, queue);
    await new Promise((r) => setTimeout(r, 500));
    commit();
    expect(await claim).toBe(true);
    expect(await reaper).toContain(`slow-${id.slice(0, 4)}`);
    // The claim counts as the dead node's: the segment is queued again, said so, and its queue job
    // is free for the next node.
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('queued');
    expect(seg!.failures.map((f) => f.node)).toEqual([id]);
    const requeued = await database.db.execute(sql`select 1 from events where job_id = ${jobId} and type = 'segment.requeued'`);
    expect(requeued).toHaveLength(1);
    expect((await queueJob(segmentId))?.locked_by).toBeNull();
  });
});

describe('a node taken for dead that goes on running its queue job', () => {
  it('defers nothing: the queue job the next node fetched stays the segment\'s only one, and that node claims it', async () => {
    const { segmentId } = await runningSegment();
    const slow = await slowNode();
    const held = await fetchQueueJob(segmentId, slow.pool);
    expect(await reapDeadNodes(database, queue)).toContain(`slow-${slow.id.slice(0, 4)}`);
    const live = `pool-${randomUUID()}`;
    // handed back under a new id: no lease on the old one holds any more
    const next = await fetchQueueJob(segmentId, live);
    expect(next).not.toBe(held);
    // The slow node's render wakes up and leaves the segment to a render that reaches it sooner.
    const row = (await segmentWithJob(database.db, segmentId))!;
    await deferSegment(database.db, queue, segmentId, new Date(Date.now() + 5000), { jobId: held, lockedBy: slow.pool });
    expect(await segmentQueueJobs(segmentId)).toEqual([{ id: next, key: segmentKey(segmentId), locked_by: live }]);
    expect(await claimSegment(database.db, queue, row, randomUUID(), new Date(), { jobId: next, lockedBy: live })).toBe(true);
  });

  it('claims nothing with a queue job whose key a newer one took: the newer one renders the segment', async () => {
    const { segmentId } = await runningSegment();
    const pool = `pool-${randomUUID()}`;
    const held = await fetchQueueJob(segmentId, pool);
    await database.db.transaction((tx) => enqueueSegment(tx, queue, segmentId));
    const row = (await segmentWithJob(database.db, segmentId))!;
    expect(await claimSegment(database.db, queue, row, randomUUID(), new Date(), { jobId: held, lockedBy: pool })).toBe(false);
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('queued');
    const newer = (await segmentQueueJobs(segmentId)).find((j) => j.key === segmentKey(segmentId))!;
    expect(newer.id).not.toBe(held);
    expect(await claimSegment(database.db, queue, row, randomUUID(), new Date(), { jobId: newer.id, lockedBy: pool })).toBe(false);
    await database.db.execute(sql`update graphile_worker._private_jobs set locked_by = ${pool}, locked_at = now() where id = ${newer.id}`);
    expect(await claimSegment(database.db, queue, row, randomUUID(), new Date(), { jobId: newer.id, lockedBy: pool })).toBe(true);
  });

  it('records no failed try when its render fails after the segment went to another node: that node keeps it', async () => {
    const { jobId, segmentId } = await runningSegment();
    const slow = await slowNode();
    const first = await fetchQueueJob(segmentId, slow.pool);
    const row = (await segmentWithJob(database.db, segmentId))!;
    expect(await claimSegment(database.db, queue, row, slow.id, new Date(), { jobId: first, lockedBy: slow.pool })).toBe(true);
    await reapDeadNodes(database, queue);
    const live = `pool-${randomUUID()}`;
    const liveNode = randomUUID();
    const held = await fetchQueueJob(segmentId, live);
    expect(await claimSegment(database.db, queue, (await segmentWithJob(database.db, segmentId))!, liveNode, new Date(), { jobId: held, lockedBy: live })).toBe(true);
    await retryOrFail(database.db, queue, (await segmentWithJob(database.db, segmentId))!, slow.id, { message: 'the driver was killed' }, { permanent: false, maxAttempts: 3 });
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('running');
    expect(seg!.nodeId).toBe(liveNode);
    expect(await segmentQueueJobs(segmentId)).toEqual([{ id: held, key: segmentKey(segmentId), locked_by: live }]);
    const retries = await database.db.execute(sql`select 1 from events where job_id = ${jobId} and type = 'segment.retry'`);
    expect(retries).toHaveLength(0);
  });
});

describe('a node stopped inside a transaction (its machine suspended)', () => {
  it('does not hold up the cluster: Postgres ends its transaction, and the reaper takes back a dead node’s work', async () => {
    const { segmentId } = await runningSegment();
    const { id, pool } = await slowNode('doomed');
    await database.db.update(segments).set({ state: 'running', nodeId: id }).where(sql`${segments.id} = ${segmentId}`);
    await fetchQueueJob(segmentId, pool);
    // Another node, stopped while it held the reaper's lock.
    const helper = fileURLToPath(new URL('./helpers/hold-lock.ts', import.meta.url));
    const sleeper = spawn(process.execPath, ['--import', 'tsx', helper, env.url, String(REAPER_LOCK)], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      sleeper.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor(async () => out.includes('held'), 30_000, 'the sleeper to hold the lock');
      sleeper.kill('SIGSTOP');
      expect(await reapDeadNodes(database, queue)).toEqual([]);
      const reaped = await waitFor(async () => { const r = await reapDeadNodes(database, queue); return r.length > 0 && r; }, 60_000, 'the reaper to get its lock back');
      expect(reaped).toContain(`doomed-${id.slice(0, 4)}`);
      const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
      expect(seg!.state).toBe('queued');
      expect(await queueJob(segmentId)).toMatchObject({ locked_by: null });
    } finally {
      sleeper.kill('SIGKILL');
    }
  }, 90_000);
});

describe('a lead that stopped short of the share it was given', () => {
  it('keeps the plays it drew and hands the rest back as a queued segment, though it started before the plan', async () => {
    const { segmentId } = await runningSegment();
    const { id } = await slowNode('lead');
    const [seg] = await database.db.update(segments).set({ state: 'running', nodeId: id, fromPlay: 0, toPlay: 1 }).where(sql`${segments.id} = ${segmentId}`).returning();
    // The plan came after the lead started (its render has none); only the plays' frames matter here.
    const plan = { plays: [{ index: 0, frames: 20 }, { index: 1, frames: 20 }] } as unknown as ScenePlan;
    await database.db.update(scenes).set({ plan }).where(sql`${scenes.id} = ${seg!.sceneId}`);
    // Its node's go-on decision came too late: the render drew play 0 only.
    expect(await settleEnd(database.db, queue, segmentId, id, 0)).toBe(0);
    const rows = await database.db.select().from(segments).where(sql`${segments.sceneId} = ${seg!.sceneId}`).orderBy(segments.position);
    expect(rows.map((r) => [r.fromPlay, r.toPlay, r.state])).toEqual([[0, 0, 'running'], [1, 1, 'queued']]);
    expect((await segmentQueueJobs(rows[1]!.id)).map((j) => j.key)).toEqual([segmentKey(rows[1]!.id)]);
  });
});

describe('a queue job with no tries left', () => {
  it('ends its scene as failed, with the last error, and leaves the queue', async () => {
    const { jobId, segmentId } = await runningSegment();
    // The last try failed while its node could not record it (the database was away).
    await database.db.execute(sql`update graphile_worker._private_jobs set attempts = max_attempts, last_error = 'Error: connect ECONNREFUSED'
      where key = ${segmentKey(segmentId)}`);
    expect(await sweepGivenUp(database, queue)).toBe(1);
    expect(await queueJob(segmentId)).toBeUndefined();
    const [job] = await database.db.select().from(jobs).where(sql`${jobs.id} = ${jobId}`);
    expect(job!.state).toBe('failed');
    expect(job!.error?.message).toMatch(/Killer: rendering the segment failed on all 3 tries: Error: connect ECONNREFUSED/);
    expect(await sweepGivenUp(database, queue)).toBe(0);
  });

  it('is not taken for given up when a newer queue job took its key: the segment it was for goes on', async () => {
    const { jobId, segmentId } = await runningSegment();
    // A node fetched it and deferred the segment (graphile-worker retired the held job: no key, no
    // tries); the node's record of its end was lost, and releaseStale unlocked it.
    await fetchQueueJob(segmentId, 'pool-x');
    await database.db.transaction((tx) => enqueueSegment(tx, queue, segmentId));
    await database.db.execute(sql`update graphile_worker._private_jobs set locked_by = null, locked_at = null where key is null`);
    expect(await sweepGivenUp(database, queue)).toBe(0);
    const [seg] = await database.db.select().from(segments).where(sql`${segments.id} = ${segmentId}`);
    expect(seg!.state).toBe('queued');
    const [job] = await database.db.select().from(jobs).where(sql`${jobs.id} = ${jobId}`);
    expect(job!.state).toBe('running');
    expect((await segmentQueueJobs(segmentId)).map((j) => j.key)).toEqual([segmentKey(segmentId)]);
  });
});

describe('a queue job whose end was lost', () => {
  it('goes back to the queue under a new id with its tries, and one its pool still runs stays', async () => {
    const { segmentId } = await runningSegment();
    const pool = `pool-${randomUUID()}`;
    const lost = await fetchQueueJob(segmentId, pool);
    const other = await runningSegment();
    const running = await fetchQueueJob(other.segmentId, pool);
    // Both fetched a minute ago; the pool ended the first (its completion lost) and runs the second.
    await database.db.execute(sql`update graphile_worker._private_jobs set locked_at = now() - interval '1 minute' where locked_by = ${pool}`);
    await database.db.transaction((tx) => queue.releaseStale(tx, [pool], [running]));
    const [back] = await segmentQueueJobs(segmentId);
    expect(back).toMatchObject({ key: segmentKey(segmentId), locked_by: null });
    // Its completion, by the old id and the pool, can no longer take the job away.
    expect(back!.id).not.toBe(lost);
    expect((await queueJob(segmentId))!.attempts).toBe(1);
    expect(await segmentQueueJobs(other.segmentId)).toEqual([{ id: running, key: segmentKey(other.segmentId), locked_by: pool }]);
  });
});

describe('a queued segment the queue lost', () => {
  // A database restart can lose a queue job's end or lock while its node lives on: no reaper sees it.
  const segmentState = async (id: string) => (await database.db.select().from(segments).where(sql`${segments.id} = ${id}`))[0]!.state;

  it('is queued again when its queue job is gone, and said so in the job’s events', async () => {
    const { jobId, segmentId } = await runningSegment();
    await database.db.execute(sql`delete from graphile_worker._private_jobs where key = ${segmentKey(segmentId)}`);
    await sweepOrphans(database, queue);
    expect(await queueJob(segmentId)).toMatchObject({ attempts: 0, locked_by: null });
    expect(await segmentState(segmentId)).toBe('queued');
    const events = await database.db.execute<{ data: { reason: string } }>(sql`select data from events where job_id = ${jobId} and type = 'segment.requeued'`);
    expect(events.map((e) => e.data.reason)).toEqual(['the queue lost its job']);
  });

  it('is looked for without locking the queued segments that have their queue job: a render going on into one is not kept from it', async () => {
    const { segmentId } = await runningSegment();
    await database.db.transaction(async (tx) => {
      await requeueOrphans(tx, queue);
      // what extendSegment does from another connection while the sweep's transaction is open
      const next = await database.sql`select id from segments where id = ${segmentId} for update skip locked`;
      expect(next.map((r) => r.id)).toEqual([segmentId]);
    });
  });

  it('is queued again when a pool no live node runs has held its queue job for over 30 s; one a live pool holds stays', async () => {
    const lost = await runningSegment();
    const held = await runningSegment();
    const fresh = await runningSegment();
    const live = await slowNode('alive');
    await database.db.update(nodes).set({ lastSeen: new Date() }).where(sql`${nodes.id} = ${live.id}`);
    const gone = await fetchQueueJob(lost.segmentId, `pool-${randomUUID()}`);
    const kept = await fetchQueueJob(held.segmentId, live.pool);
    // just fetched by a pool whose node has not said so in a heartbeat yet
    const young = await fetchQueueJob(fresh.segmentId, `pool-${randomUUID()}`);
    await database.db.execute(sql`update graphile_worker._private_jobs set locked_at = now() - interval '1 minute' where id = any(${`{${gone},${kept}}`}::bigint[])`);
    await sweepOrphans(database, queue);
    // a new job under the key, free to run; the old one keeps no key, so it can never run beside it
    const jobsOfLost = await segmentQueueJobs(lost.segmentId);
    expect(jobsOfLost.find((j) => j.key === segmentKey(lost.segmentId))).toMatchObject({ locked_by: null });
    expect(jobsOfLost.find((j) => j.id === gone)?.key ?? null).toBeNull();
    expect(await segmentQueueJobs(held.segmentId)).toEqual([{ id: kept, key: segmentKey(held.segmentId), locked_by: live.pool }]);
    expect((await segmentQueueJobs(fresh.segmentId)).map((j) => j.id)).toEqual([young]);
  });
});

/** A real graphile-worker runner of render-segment jobs with `slots` slots; `dispatch` sees only the
 *  calls for this segment. */
const runnerFor = (segmentId: string, slots: number, dispatch: (call: TaskCall) => Promise<void>) =>
  startRunner({
    pgPool: queuePoolOver(database.sql, slots + 1),
    nudges: async () => async () => {},
    tasks: ['render-segment'],
    concurrency: slots,
    dispatch: async (call) => {
      if ((call.payload as { segmentId?: string }).segmentId === segmentId) await dispatch(call);
    },
  });

describe('a node taken for dead that finishes its queue job', () => {
  it('keeps the job its own other slot fetched again: the first slot ending does not take it from the second', async () => {
    const { segmentId } = await runningSegment();
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let runs = 0;
    let firstEnded = false;
    let secondSaw: number | undefined;
    const runner = await runnerFor(segmentId, 2, async (call) => {
      if (++runs === 1) {
        // Taken for dead while it renders: its queue job goes back, and this node's other slot,
        // idle, fetches it again while this one still runs.
        await database.db.transaction((tx) => queue.handBack(tx, [call.lease!.lockedBy]));
        await waitFor(async () => runs >= 2, 30_000, 'the other slot to fetch the handed-back job');
        firstEnded = true;
        return;
      }
      // The first slot's end is recorded by graphile-worker just after it returns.
      await waitFor(async () => firstEnded, 30_000, 'the first slot to end');
      await sleep(2000);
      secondSaw = (await segmentQueueJobs(segmentId)).length;
    });
    try {
      await waitFor(async () => secondSaw !== undefined, 60_000, 'the second slot to look at the queue');
    } finally {
      await runner.stop();
    }
    // The job the second slot runs is still the segment's: if it ends without rendering it (a
    // pause, a deferral) or its node is lost again, the segment is queued with a job to run it.
    expect(secondSaw).toBe(1);
  });

  it('leaves the job to the next node: graphile-worker would delete it by its id, leaving its segment queued with no job', async () => {
    const { segmentId } = await runningSegment();
    let runs = 0;
    const runner = await runnerFor(segmentId, 1, async (call) => {
      if (++runs > 1) return;
      // While it renders, the reaper takes the node for dead and hands its queue jobs back.
      await database.db.transaction((tx) => queue.handBack(tx, [call.lease!.lockedBy]));
    });
    try {
      await waitFor(async () => runs >= 2, 30_000, 'the handed-back job to be fetched again');
      await waitFor(async () => (await segmentQueueJobs(segmentId)).length === 0, 10_000, 'the second run to complete it');
    } finally {
      await runner.stop();
    }
  });
});
