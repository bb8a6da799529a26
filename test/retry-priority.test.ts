import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN, submitJob, jobFinished } from './helpers/node.ts';
import { cli } from './helpers/cli.ts';

// Tiny scenes: what is tested is which work runs, and in which order, not the pixels.
const SCENE = `from manim import *\n\nclass Dot1(Scene):\n    def construct(self):\n        self.play(FadeIn(Dot()), run_time=0.2)\n`;
const BROKEN = `from manim import *\n\nclass Fine(Scene):\n    def construct(self):\n        self.play(FadeIn(Square()), run_time=0.2)\n\nclass Broken(Scene):\n    def construct(self):\n        self.play(FadeIn(Circle()), run_time=0.2)\n        raise ValueError("always broken")\n`;
const OPTIONS = { resolution: [128, 72], fps: 5 };

let db: Awaited<ReturnType<typeof freshDatabase>>;
let front: Awaited<ReturnType<typeof testNode>>;
let worker: Awaited<ReturnType<typeof testNode>> | undefined;
let call: ReturnType<typeof api>;
const conn = () => ['--cluster', front.url, '--token', TOKEN];

// The API node registers no function, so nothing runs until the worker (one render slot) joins:
// queued work waits, and the order in which the worker takes it is the queue's.
beforeAll(async () => {
  db = await freshDatabase();
  front = await testNode(db.url, { functions: [], functionModules: [] }, 'front');
  call = api(front.url);
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await front?.stop();
  await db?.drop();
});

const submit = (body: object) => submitJob(call, body);
const detail = async (id: string) => (await call(`/jobs/${id}`)).json();
const finished = (id: string) => jobFinished(call, id, 300_000);
const post = (path: string, body?: object) => call(path, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) });

describe('priority and retry', () => {
  let cancelled: string;

  it('priority decides which queued job a one-slot node takes first; a cancelled job keeps out of the way', async () => {
    const a = await submit({ files: { 'dot.py': SCENE }, options: OPTIONS, priority: 5 });
    const b = await submit({ files: { 'dot.py': SCENE }, options: OPTIONS });
    const c = await submit({ files: { 'dot.py': SCENE }, options: OPTIONS });
    cancelled = await submit({ files: { 'dot.py': SCENE }, options: OPTIONS, priority: -15 });
    expect((await post(`/jobs/${cancelled}/cancel`)).status).toBe(200);
    // c, submitted last of the three, goes first: through the CLI's `priority`
    const moved = await cli(['priority', c, '-5', ...conn()]);
    expect(moved.stderr + moved.stdout).toContain(`${c}: priority 0 -> -5`);
    expect((await detail(c)).priority).toBe(-5);
    expect((await detail(a)).priority).toBe(5);
    // out of range, not a number, a finished job
    expect((await post(`/jobs/${b}/priority`, { priority: 99 })).status).toBe(400);
    expect((await (await post(`/jobs/${b}/priority`, { priority: 'high' })).json()).error).toMatch(/priority/);
    const late = await post(`/jobs/${cancelled}/priority`, { priority: 0 });
    expect(late.status).toBe(409);
    expect((await late.json()).error).toMatch(/already finished/);

    worker = await testNode(db.url, { concurrency: 1, functionModules: [] }, 'worker');
    const jobs = await Promise.all([a, b, c].map(finished));
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const [ja, jb, jc] = jobs;
    // one slot: each job runs whole before the next one starts, in priority order c, b, a
    expect(Date.parse(jc.finishedAt)).toBeLessThanOrEqual(Date.parse(jb.startedAt));
    expect(Date.parse(jb.finishedAt)).toBeLessThanOrEqual(Date.parse(ja.startedAt));
    expect((await detail(cancelled)).state).toBe('cancelled');
  }, 600_000);

  it('a cancelled job, retried (CLI), runs again as a new job from the same bundle and succeeds', async () => {
    const r = await cli(['retry', cancelled, '--json', ...conn()]);
    expect(r.code, r.stderr).toBe(0);
    const { id } = JSON.parse(r.stdout) as { id: string };
    expect(id).not.toBe(cancelled);
    const job = await finished(id);
    expect(job.state).toBe('succeeded');
    expect(job.retryOf).toBe(cancelled);
    expect(job.priority).toBe(-15);
    expect(job.scenes.map((s: { name: string; outputs: unknown[] }) => [s.name, s.outputs.length])).toEqual([['Dot1', 1]]);
    expect((await detail(cancelled)).retriedBy).toEqual([id]);
    // a succeeded job has nothing to retry
    const again = await post(`/jobs/${id}/retry`);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toMatch(/succeeded/);
  }, 300_000);

  it('a failed job retried renders only its failed scene again, which fails again with the same traceback', async () => {
    const first = await finished(await submit({ files: { 'broken.py': BROKEN }, options: OPTIONS }));
    expect(first.state).toBe('failed');
    const broken = first.scenes.find((s: { name: string }) => s.name === 'Broken');
    expect(broken.error.traceback).toMatch(/ValueError: always broken/);

    const res = await post(`/jobs/${first.id}/retry`, {});
    expect(res.status).toBe(201);
    const { id, scenes } = await res.json();
    expect(scenes).toEqual(['Broken']);
    const retry = await finished(id);
    expect(retry.state).toBe('failed');
    expect(retry.retryOf).toBe(first.id);
    expect(retry.scenes.map((s: { name: string }) => s.name)).toEqual(['Broken']);
    const again = retry.scenes[0];
    expect(again.error.line).toBe(broken.error.line);
    expect(again.error.traceback).toBe(broken.error.traceback);
    // a new attempt ran: its own segments, rendered by the worker
    expect(again.segments.length).toBeGreaterThan(0);
    expect(again.segments.every((g: { node: string }) => g.node === 'worker')).toBe(true);

    // "all": both scenes again
    const all = await (await post(`/jobs/${first.id}/retry`, { scenes: 'all' })).json();
    expect(all.scenes).toEqual([]);
    expect((await finished(all.id)).scenes.map((s: { name: string; state: string }) => [s.name, s.state])).toEqual([['Fine', 'succeeded'], ['Broken', 'failed']]);
  }, 300_000);

  it('refuses a retry of a job that is not there, a running one, and a body it does not understand', async () => {
    expect((await post('/jobs/00000000-0000-0000-0000-000000000000/retry')).status).toBe(404);
    const bad = await post(`/jobs/${cancelled}/retry`, { scenes: 'some' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/scenes/);
    await worker!.stop();
    worker = undefined;
    const queued = await submit({ files: { 'dot.py': SCENE }, options: OPTIONS });
    const refused = await post(`/jobs/${queued}/retry`);
    expect(refused.status).toBe(409);
    expect((await refused.json()).error).toMatch(/queued: only a failed or cancelled job/);
  }, 60_000);
});
