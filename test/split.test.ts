import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { freshDatabase, databaseWithQueue } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished } from './helpers/node.ts';
import { manimRender, frameHashes } from './helpers/media.ts';
import { jobs, nodes, scenes, segments } from '../src/db/schema.ts';
import { answerSplit, takeCutBack } from '../src/store/segments/split.ts';
import { extendSegment } from '../src/store/segments/running.ts';
import { segmentKey } from '../src/store/queue-keys.ts';
import type { ScenePlan } from '../src/model/plan.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nn-split-'));

describe('a slot with nothing left to take', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let node: Awaited<ReturnType<typeof testNode>>;
  beforeAll(async () => {
    db = await freshDatabase();
    // Every scene one segment (no lead, a floor of frames no scene reaches), so that nothing is
    // queued once both scenes run: the slot that ends the brief scene can only split the long one.
    node = await testNode(db.url, { concurrency: 2, segments: { lead: false, minFrames: 100_000, perWorker: 1, setupSeconds: 0.01, slices: false, insidePlays: false } }, 'split-node');
  }, 180_000);
  afterAll(async () => {
    await node?.stop();
    await db?.drop();
  });

  /** Renders `scene` beside Brief (which ends first); its job and events, once its video is checked
   *  frame for frame against manim's. */
  async function renderedAsManim(scene: string) {
    const call = api(node.url);
    const id = await submitJob(call, { files: { 'uneven.py': readFileSync(join(SCENES, 'uneven.py'), 'utf8') }, scenes: [scene, 'Brief'], options: { resolution: [640, 360], fps: 30 } });
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const ref = join(tmp, `ref-${scene}`);
    await manimRender(join(SCENES, 'uneven.py'), [scene], ['-r', '640,360', '--fps', '30'], ref);
    const out = join(tmp, `${scene}.mp4`);
    writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/${scene}`)).arrayBuffer()));
    expect(await frameHashes(out)).toEqual(await frameHashes(join(ref, 'videos', 'uneven', '360p30', `${scene}.mp4`)));
    return { job, history: await (await call(`/jobs/${id}/events`)).text() };
  }

  it('takes over the end of the segment that ends last: the scene in two segments, the same frames as manim', async () => {
    const { job, history } = await renderedAsManim('Lengthy');
    expect(history).toMatch(/event: segment.split-asked/);
    expect(history).toMatch(/event: segment.split\n/);
    const lengthy = job.scenes.find((s: { name: string }) => s.name === 'Lengthy') as { segments: { plays: [number, number]; head: number | null }[] };
    // cut as one segment, ended early: the plays after the split are a segment of their own (which
    // the slot freed by the first part may split again, after a play or inside one: a set-up costs
    // next to nothing here)
    const segs = lengthy.segments.sort((a, b) => a.plays[0] - b.plays[0] || (a.head ?? 0) - (b.head ?? 0));
    expect(segs.length, JSON.stringify(segs)).toBeGreaterThanOrEqual(2);
    expect(segs[0]!.plays[0]).toBe(0);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.plays[0], JSON.stringify(segs)).toBe(segs[i - 1]!.plays[1] + (segs[i]!.head === null ? 1 : 0));
    expect(segs.at(-1)!.plays[1]).toBe(19);
  }, 900_000);

  it('takes over the last frames of the play it draws: the play encoded once, the same frames as manim', async () => {
    const { history } = await renderedAsManim('OneLong');
    const split = history.split('\n').find((l) => l.includes('"frame"') && l.includes('"rest"'));
    expect(split, history).toBeDefined();
    const { plays, rest, frame } = (JSON.parse(split!.replace(/^data: /, '')) as { data: { plays: number[]; rest: number[]; frame: number } }).data;
    expect([plays, rest]).toEqual([[0, 1], [1, 1]]);
    expect(frame).toBeGreaterThan(0);
    expect(frame).toBeLessThan(360);
  }, 900_000);
});

describe('a split asked of a running render', () => {
  const env = databaseWithQueue();

  async function runningSegment(tail?: number) {
    const { db } = env.database;
    const [job] = await db.insert(jobs).values({ kind: 'render', state: 'running' }).returning();
    const plan = { plays: [0, 1, 2, 3].map((index) => ({ index, frames: 10 })) } as unknown as ScenePlan;
    const [scene] = await db.insert(scenes).values({ jobId: job!.id, name: 'Asked', position: 0, state: 'rendering', plan }).returning();
    const nodeId = `node-${scene!.id.slice(0, 8)}`;
    await db.insert(nodes).values({ id: nodeId, name: nodeId, hostname: 'h', os: 'linux', cores: 1, memoryBytes: 1, concurrency: 1, functions: ['render-segment'], workerIds: [], lastSeen: new Date() });
    const frames = 30 + (tail ?? 10);
    const [seg] = await db.insert(segments).values({ jobId: job!.id, sceneId: scene!.id, position: 0, fromPlay: 0, toPlay: 3, toFrame: tail ?? null, frames, cost: 1, state: 'running', nodeId, splitAt: 1 }).returning();
    return { segmentId: seg!.id, sceneId: scene!.id, nodeId };
  }
  const rowsOf = (sceneId: string) => env.database.db.select().from(segments).where(sql`${segments.sceneId} = ${sceneId}`).orderBy(segments.position);

  it('is declined when the render has started a play after it: the segment keeps its plays', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, past: true })).toBe(false);
    expect((await rowsOf(sceneId)).map((r) => [r.fromPlay, r.toPlay, r.state, r.splitAt])).toEqual([[0, 3, 'running', null]]);
  });

  it('ends the segment after the play when the render is not past it; the rest is queued for a free slot', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    // asked by another node than the one rendering it: that node's answer counts, not another's
    expect(await answerSplit(env.database.db, env.queue, segmentId, 'another-node', { at: 1, past: false })).toBe(false);
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, past: false })).toBe(true);
    const rows = await rowsOf(sceneId);
    expect(rows.map((r) => [r.fromPlay, r.toPlay, r.state, r.frames, r.splitAt])).toEqual([[0, 1, 'running', 20, null], [2, 3, 'queued', 20, null]]);
    const queued = await env.database.db.execute<{ key: string }>(sql`select key from graphile_worker._private_jobs where key = ${segmentKey(rows[1]!.id)}`);
    expect(queued.length).toBe(1);
  });

  it('does not let the render go on into the plays split off it: that would undo the split', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, past: false })).toBe(true);
    expect(await extendSegment(env.database.db, env.queue, segmentId, nodeId, 2.5)).toBeNull();
    expect((await rowsOf(sceneId)).map((r) => [r.fromPlay, r.toPlay, r.state])).toEqual([[0, 1, 'running'], [2, 3, 'queued']]);
  });

  it('gives the whole segment back to the queue for the free slot when the render has not reached its first play', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    await env.database.db.update(segments).set({ fromPlay: 2, splitAt: 1, attempts: 1 }).where(sql`${segments.id} = ${segmentId}`);
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, past: false })).toBe(true);
    const rows = await rowsOf(sceneId);
    expect(rows.map((r) => [r.fromPlay, r.toPlay, r.state, r.nodeId, r.attempts, r.splitAt])).toEqual([[2, 3, 'queued', null, 0, null]]);
    const queued = await env.database.db.execute<{ key: string }>(sql`select key from graphile_worker._private_jobs where key = ${segmentKey(segmentId)}`);
    expect(queued.length).toBe(1);
  });

  it('ends the render inside the play it draws at the frame the render answered; the rest of the play and the plays after it are queued first', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, frame: 6, past: false })).toBe(true);
    const rows = await rowsOf(sceneId);
    expect(rows.map((r) => [r.fromPlay, r.fromFrame, r.toPlay, r.toFrame, r.state, r.frames, r.priority])).toEqual([[0, null, 1, 6, 'running', 16, 0], [1, 6, 3, null, 'queued', 24, -1]]);
  });

  it('takes a cut back while its rest is queued: the render draws on, and the rest leaves the queue', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, frame: 6, past: false })).toBe(true);
    const rest = (await rowsOf(sceneId))[1]!;
    expect(await takeCutBack(env.database.db, env.queue, segmentId, 'another-node', { at: 1, frame: 6 })).toBe(false);
    expect(await takeCutBack(env.database.db, env.queue, segmentId, nodeId, { at: 1, frame: 6 })).toBe(true);
    expect((await rowsOf(sceneId)).map((r) => [r.fromPlay, r.toPlay, r.toFrame, r.state, r.frames])).toEqual([[0, 3, null, 'running', 40]]);
    const queued = await env.database.db.execute<{ key: string }>(sql`select key from graphile_worker._private_jobs where key = ${segmentKey(rest.id)}`);
    expect(queued.length).toBe(0);
  });

  it('keeps a cut whose rest a slot has taken: the render waits for those frames', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment();
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, frame: 6, past: false })).toBe(true);
    const rest = (await rowsOf(sceneId))[1]!;
    await env.database.db.update(segments).set({ state: 'running', nodeId: 'another-node' }).where(sql`${segments.id} = ${rest.id}`);
    expect(await takeCutBack(env.database.db, env.queue, segmentId, nodeId, { at: 1, frame: 6 })).toBe(false);
    expect((await rowsOf(sceneId)).map((r) => [r.toPlay, r.toFrame])).toEqual([[1, 6], [3, null]]);
  });

  it('gives the rest the tail of a segment that ends inside its last play: the free slot draws those frames and encodes the play', async () => {
    const { segmentId, sceneId, nodeId } = await runningSegment(4);
    expect(await answerSplit(env.database.db, env.queue, segmentId, nodeId, { at: 1, past: false })).toBe(true);
    const rows = await rowsOf(sceneId);
    expect(rows.map((r) => [r.fromPlay, r.toPlay, r.toFrame, r.frames])).toEqual([[0, 1, null, 20], [2, 3, 4, 14]]);
  });
});
