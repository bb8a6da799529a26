import { describe, it, expect } from 'vitest';
import { sql } from 'drizzle-orm';
import { databaseWithQueue } from './helpers/database.ts';
import { events, jobs, nodes, scenes, segments } from '../src/db/schema.ts';
import { extendSegment } from '../src/store/segments/running.ts';
import { deferSegment, MACHINE_OFFERS, stealable } from '../src/store/segments/claim.ts';
import { askSplit } from '../src/store/segments/split.ts';
import { recordPlan } from '../src/store/plans.ts';
import { OPEN_END, UNKNOWN_START } from '../src/store/segments/range.ts';
import { parseConfig } from '../src/config/load.ts';
import { segmentKey } from '../src/store/queue-keys.ts';
import { playCost } from '../src/cutting/cost.ts';
import type { Play, ScenePlan } from '../src/model/plan.ts';

// A desktop and a mini PC: each node's rate is what its last finished segment showed.
describe('a queued segment between a slow machine and a fast one', () => {
  const env = databaseWithQueue();
  const SETUP = 2.5;
  // eight plays of two seconds, drawn at 0.1 s a frame: about 6 s of work each
  const plays = Array.from({ length: 8 }, (_, index): Play => ({
    index, frames: 60, runTime: 2, frozen: false, section: 0, skipped: false, timeBased: false, pure: true, mobjects: 1, points: 16, stepSeconds: 0, drawSeconds: 0.1, motion: 0, encodeSeconds: 0, codeSeconds: 0, seconds: 0,
  }));
  const plan = { plays, width: 640, height: 360 } as unknown as ScenePlan;
  const work = (from: number, to: number) => plays.slice(from, to + 1).reduce((t, p) => t + playCost(p, 640 * 360), 0) / 1e6;

  /** A node that drew plays 0..1 of an earlier job at `rate` of the model's seconds per second. */
  async function machine(name: string, rate: number) {
    const { db } = env.database;
    const id = `${name}-${Math.random().toString(36).slice(2, 8)}`;
    await db.insert(nodes).values({ id, name: id, hostname: 'h', os: 'linux', cores: 1, memoryBytes: 1, concurrency: 1, functions: ['render-segment'], workerIds: [], lastSeen: new Date() });
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'succeeded' }).returning();
    const [scene] = await db.insert(scenes).values({ jobId: job!.id, name: 'Earlier', position: 0, state: 'succeeded', plan }).returning();
    const finished = new Date();
    await db.insert(segments).values({ jobId: job!.id, sceneId: scene!.id, position: 0, fromPlay: 0, toPlay: 1, frames: 120, cost: 1, state: 'done', nodeId: id, drawingFrom: 0, drawingSince: new Date(finished.getTime() - (work(0, 1) / rate) * 1000), finishedAt: finished });
    return id;
  }

  /** The slow machine draws plays 0..2 (in its last play), plays 3..4 are queued, the fast one is
   *  near the end of plays 5..7. */
  async function scene(slowRate: number, fastRate: number) {
    const { db } = env.database;
    // the machines and jobs of earlier tests are gone
    await db.update(nodes).set({ lastSeen: new Date(0) });
    await db.update(jobs).set({ state: 'succeeded' }).where(sql`${jobs.state} = 'running'`);
    const [slow, fast] = [await machine('slow', slowRate), await machine('fast', fastRate)];
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    const [row] = await db.insert(scenes).values({ jobId: job!.id, name: 'Unlike', position: 0, state: 'rendering', plan }).returning();
    const base = { jobId: job!.id, sceneId: row!.id, cost: 1 };
    const [own] = await db.insert(segments).values({ ...base, position: 0, fromPlay: 0, toPlay: 2, frames: 180, state: 'running', nodeId: slow, atPlay: 2 }).returning();
    const [queued] = await db.insert(segments).values({ ...base, position: 1, fromPlay: 3, toPlay: 4, frames: 120 }).returning();
    const [other] = await db.insert(segments).values({ ...base, position: 2, fromPlay: 5, toPlay: 7, frames: 180, state: 'running', nodeId: fast, atPlay: 7, framesDone: 50 }).returning();
    return { jobId: job!.id, slow, fast, own: own!.id, queued: queued!, other: other!.id };
  }
  const eventTypes = async (jobId: string) => (await env.database.db.select({ type: events.type }).from(events).where(sql`${events.jobId} = ${jobId}`)).map((e) => e.type);

  it('while the fast machine is busy, the slow one goes on into it: a busy machine is not waited for', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 1);
    expect((await stealable(db, s.queued, plan, SETUP, s.slow)).take).toBe(true);
    expect(await extendSegment(db, env.queue, s.own, s.slow, SETUP)).toEqual({ toPlay: 4 });
  });

  it('a slow free slot leaves it to a fast machine that frees, and that machine\'s slot has it offered at once', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 1);
    // in the queue, left for the render before it
    await deferSegment(db, env.queue, s.queued.id, new Date(Date.now() + 60_000));
    await db.update(segments).set({ state: 'done', finishedAt: new Date() }).where(sql`${segments.id} = ${s.other}`);
    expect(await stealable(db, s.queued, plan, SETUP, s.slow)).toEqual({ take: false, retryInSeconds: 1, waitsFor: 'machine' });
    expect((await stealable(db, s.queued, plan, SETUP, s.fast)).take).toBe(true);
    expect(await askSplit(db, env.queue, s.fast, SETUP)).toBe(false);
    const [job] = await db.execute<{ due: boolean }>(sql`select run_at <= now() as due from graphile_worker._private_jobs where key = ${segmentKey(s.queued.id)}`);
    expect(job?.due).toBe(true);
  });

  it('a slow free slot takes it when the queue offers the fast free machine another segment first', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 1);
    await db.update(segments).set({ state: 'done', finishedAt: new Date() }).where(sql`${segments.id} = ${s.other}`);
    // another share's first segment, before this one in the queue: the fast machine fetches that one
    await db.insert(segments).values({ jobId: s.jobId, sceneId: s.queued.sceneId, position: 3, fromPlay: 5, toPlay: 7, frames: 180, cost: 1, priority: -1 });
    expect(await stealable(db, s.queued, plan, SETUP, s.slow)).toEqual({ take: true });
    // the fast machine itself takes the one it is offered first
    expect(await stealable(db, s.queued, plan, SETUP, s.fast)).toEqual({ take: true });
  });

  it('a fast free machine that does not fetch it holds it up for a few offers only, and one that failed it not at all', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 1);
    await db.update(segments).set({ state: 'done', finishedAt: new Date() }).where(sql`${segments.id} = ${s.other}`);
    // left to the fast machine: each offer a second apart, counted in its queue job
    await deferSegment(db, env.queue, s.queued.id, new Date(Date.now() + 1000), undefined, 3);
    const [job] = await db.execute<{ payload: { offers?: number } }>(sql`select payload from graphile_worker._private_jobs where key = ${segmentKey(s.queued.id)}`);
    expect(job?.payload.offers).toBe(3);
    expect((await stealable(db, s.queued, plan, SETUP, s.slow, { offers: MACHINE_OFFERS - 1 })).take).toBe(false);
    expect(await stealable(db, s.queued, plan, SETUP, s.slow, { offers: MACHINE_OFFERS })).toEqual({ take: true });
    // the fast machine failed it: its runner skips it, so the slow slot takes it at once
    const failures = [{ node: s.fast, error: 'lost', at: new Date().toISOString() }];
    await db.update(segments).set({ failures }).where(sql`${segments.id} = ${s.queued.id}`);
    expect(await stealable(db, { ...s.queued, failures }, plan, SETUP, s.slow)).toEqual({ take: true });
  });

  it('the slow render at its end leaves it to a fast machine with a free slot, which has it offered at once', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 1);
    await db.update(segments).set({ state: 'done', finishedAt: new Date() }).where(sql`${segments.id} = ${s.other}`);
    await deferSegment(db, env.queue, s.queued.id, new Date(Date.now() + 60_000));
    expect(await extendSegment(db, env.queue, s.own, s.slow, SETUP)).toBeNull();
    const [job] = await db.execute<{ due: boolean }>(sql`select run_at <= now() as due from graphile_worker._private_jobs where key = ${segmentKey(s.queued.id)}`);
    expect(job?.due).toBe(true);
    // a slow free slot leaves it too, and looks again in a moment
    const steal = await stealable(db, s.queued, plan, SETUP, s.slow);
    expect(steal).toEqual({ take: false, retryInSeconds: 1, waitsFor: 'machine' });
  });

  it('machines alike: the render goes on into it, with no set-up and no fast-forward', async () => {
    const { db } = env.database;
    const s = await scene(0.2, 0.25);
    expect(await extendSegment(db, env.queue, s.own, s.slow, SETUP)).toEqual({ toPlay: 4 });
    expect(await eventTypes(s.jobId)).toContain('segment.extended');
  });

  it('a new scene\'s planning pass waits for a faster machine with a free slot, for the job\'s first seconds', async () => {
    const { db } = env.database;
    await db.update(nodes).set({ lastSeen: new Date(0) });
    const [slow, fast] = [await machine('slow', 0.2), await machine('fast', 1)];
    await db.update(nodes).set({ speed: 10 }).where(sql`${nodes.id} = ${slow}`);
    await db.update(nodes).set({ speed: 40 }).where(sql`${nodes.id} = ${fast}`);
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'running', startedAt: new Date() }).returning();
    const [row] = await db.insert(scenes).values({ jobId: job!.id, name: 'New', position: 0, state: 'planning' }).returning();
    const [planning] = await db.insert(segments).values({ jobId: job!.id, sceneId: row!.id, position: 1, fromPlay: -1, toPlay: -1, frames: 0, cost: 0, plans: true }).returning();
    expect(await stealable(db, planning!, undefined, SETUP, slow)).toEqual({ take: false, retryInSeconds: 1, waitsFor: 'machine' });
    expect(await stealable(db, planning!, undefined, SETUP, fast)).toEqual({ take: true });
    // the fast machine busy: the slow one plans
    const [busy] = await db.insert(segments).values({ jobId: job!.id, sceneId: row!.id, position: 0, fromPlay: 0, toPlay: -1, frames: 0, cost: 0, state: 'running', nodeId: fast }).returning();
    expect(await stealable(db, planning!, undefined, SETUP, slow)).toEqual({ take: true });
    // free again, but the job is past its first seconds: nothing waits any more
    await db.update(segments).set({ state: 'done' }).where(sql`${segments.id} = ${busy!.id}`);
    await db.update(jobs).set({ startedAt: new Date(Date.now() - 60_000) }).where(sql`${jobs.id} = ${job!.id}`);
    expect(await stealable(db, planning!, undefined, SETUP, slow)).toEqual({ take: true });
  });

  it('a slow scout still stepping through updaters to its share is taken over whole by a fast free machine', async () => {
    const { db } = env.database;
    // the machines, jobs and renders of earlier tests are gone
    await db.update(nodes).set({ lastSeen: new Date(0) });
    await db.update(jobs).set({ state: 'succeeded' });
    await db.update(segments).set({ state: 'done' }).where(sql`${segments.state} <> 'done'`);
    const [slow, fast] = [await machine('slow', 0.2), await machine('fast', 1)];
    // plays with updaters: a scout steps every frame (3 s of work a play)
    const stepped = { ...plan, plays: plays.map((p) => ({ ...p, pure: false, stepSeconds: 0.05 })) } as ScenePlan;
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    const [row] = await db.insert(scenes).values({ jobId: job!.id, name: 'Stepping', position: 0, state: 'rendering', plan: stepped }).returning();
    const ago = (s: number) => new Date(Date.now() - s * 1000);
    // 40 s in, it reached play 1 20 s ago: one play of stepping in 20 s; the cut weighed it at a
    // rate it no longer shows (its first seconds)
    const [scout] = await db.insert(segments).values({ jobId: job!.id, sceneId: row!.id, cost: 1, position: 0, fromPlay: 5, toPlay: 7, frames: 180, state: 'running', nodeId: slow, atPlay: 1, startedAt: ago(40), progressAt: ago(20), attempts: 1, cutRate: 0.9 }).returning();
    expect(await askSplit(db, env.queue, fast, SETUP)).toBe(true);
    expect((await db.select().from(segments).where(sql`${segments.id} = ${scout!.id}`))[0]!.splitAt).toBe(4);
    expect(await eventTypes(job!.id)).toContain('segment.split-asked');
  });

  /** A new scene of eight 4-second plays cut as its plan lands: a lead 20 s into drawing it (at
   *  play 1, half of it drawn), and scouts stepping through its updaters (6 s of work a play), on machines new to the farm
   *  with these start-up probes; `at` null: a scout that has not reported yet. Returns each
   *  render's share (frames) and the rate the cut weighed it at. */
  async function firstCut(renders: { probe: number; at?: number | null }[]) {
    const { db } = env.database;
    await db.update(nodes).set({ lastSeen: new Date(0) });
    await db.update(jobs).set({ state: 'succeeded' });
    await db.update(segments).set({ state: 'done' }).where(sql`${segments.state} <> 'done'`);
    const stepped = { ...plan, plays: plays.map((p) => ({ ...p, frames: 120, runTime: 4, pure: false, stepSeconds: 0.05 })), fps: 30, sections: [], sounds: [], totalFrames: 960, texFiles: [], exact: true, keySeconds: 0 } as ScenePlan;
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    const [row] = await db.insert(scenes).values({ jobId: job!.id, name: 'New', position: 0, state: 'planning' }).returning();
    const ago = (s: number) => new Date(Date.now() - s * 1000);
    const ids: string[] = [];
    for (const [i, r] of renders.entries()) {
      const id = `m${i}-${Math.random().toString(36).slice(2, 8)}`;
      await db.insert(nodes).values({ id, name: id, hostname: 'h', os: 'linux', cores: 1, memoryBytes: 1, concurrency: 1, speed: r.probe, functions: ['render-segment'], workerIds: [], lastSeen: new Date() });
      const lead = i === 0;
      const [seg] = await db
        .insert(segments)
        .values({ jobId: job!.id, sceneId: row!.id, cost: 0, frames: 0, state: 'running', nodeId: id, position: i, fromPlay: lead ? 0 : UNKNOWN_START, toPlay: OPEN_END, startedAt: ago(20), progressAt: ago(0), atPlay: lead ? 1 : (r.at ?? null), framesDone: lead ? 180 : 0 })
        .returning();
      ids.push(seg!.id);
    }
    await recordPlan(db, env.queue, parseConfig({}).segments, job!.id, row!.id, 'New', stepped);
    const rows = await db.select().from(segments).where(sql`${segments.jobId} = ${job!.id}`);
    // a render given no share stops: its row goes
    return ids.map((id) => rows.find((r) => r.id === id)).map((r) => ({ frames: r?.frames ?? 0, rate: r?.cutRate ?? null }));
  }

  it('weighs like machines alike at the first cut, though a lead drawing and a scout stepping measure apart in their first seconds', async () => {
    // the lead's drawing comes to 0.45 of the model's seconds a second, the scouts' stepping to 0.3
    const [lead, ...scouts] = await firstCut([{ probe: 10 }, { probe: 10, at: 2 }, { probe: 10, at: 2 }]);
    expect(scouts.map((s) => s.rate)).toEqual([lead!.rate, lead!.rate]);
    expect(lead!.rate).toBeGreaterThan(0);
  });

  it('weighs a scout that has not reported by the cut by its machine\'s start-up probe: one five times slower is left out of the cut rather than hold the others back', async () => {
    const [, fast, slow] = await firstCut([{ probe: 10 }, { probe: 10, at: 2 }, { probe: 2, at: null }]);
    expect(fast!.frames).toBeGreaterThan(0);
    // five times slower, stepping from the start: any share of its would end last, so it has none
    expect(slow!.frames).toBe(0);
  });
});
