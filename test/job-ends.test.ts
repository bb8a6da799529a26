import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished, waitFor } from './helpers/node.ts';

// Two nodes, one slot each; scenes planned apart from their renders (no lead), so a fault in a
// render is the render's own.
let db: Awaited<ReturnType<typeof freshDatabase>>;
let nodes: Awaited<ReturnType<typeof testNode>>[];
let call: ReturnType<typeof api>;
let sql: postgres.Sql;
const config = { concurrency: 1, segments: { lead: false } };
const options = { resolution: [192, 108], fps: 15 };

beforeAll(async () => {
  db = await freshDatabase();
  nodes = [await testNode(db.url, config, 'node-a'), await testNode(db.url, config, 'node-b')];
  call = api(nodes[0]!.url);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  await sql?.end();
  for (const n of nodes ?? []) await n.stop();
  await db?.drop();
});

describe('every job ends', () => {
  it('a plan that fails on every try for a reason not the scene\'s fails the job, saying why', async () => {
    const scene = 'import nn_package_not_installed_here\nfrom manim import *\n\nclass A(Scene):\n    def construct(self):\n        self.wait(0.2)\n';
    const id = await submitJob(call, { files: { 'scene.py': scene }, options });
    const job = await jobFinished(call, id, 120_000);
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(/planning the job failed on all 3 tries: MachineFault: ModuleNotFoundError: No module named 'nn_package_not_installed_here'/);
  }, 150_000);

  it('a machine fault (a full disk) in a render is retried on another node, and the job succeeds', async () => {
    // The plan constructs the scene once; the render's first construct finds the disk full.
    const counter = join(mkdtempSync(join(tmpdir(), 'nn-fault-')), 'runs');
    const scene = [
      'import errno, os',
      'from manim import *',
      '',
      'class Full(Scene):',
      '    def construct(self):',
      `        with open(${JSON.stringify(counter)}, "a") as f:`,
      '            f.write("x")',
      `        if os.path.getsize(${JSON.stringify(counter)}) == 2:`,
      '            raise OSError(errno.ENOSPC, "No space left on device")',
      '        self.play(Create(Circle()), run_time=0.5)',
      '',
    ].join('\n');
    const id = await submitJob(call, { files: { 'scene.py': scene }, options });
    const job = await jobFinished(call, id, 180_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(readFileSync(counter, 'utf8')).toBe('xxx');
    const [seg] = await sql<{ nodeId: string; failures: { node: string; error: string }[] }[]>`
      select node_id as "nodeId", failures from segments where job_id = ${id}`;
    expect(seg!.failures).toHaveLength(1);
    expect(seg!.failures[0]!.error).toMatch(/MachineFault: OSError: \[Errno 28\] No space left on device/);
    expect(seg!.failures[0]!.node).not.toBe(seg!.nodeId);
  }, 200_000);

  it('a cancel stops a plan at once', async () => {
    const scene = 'import time\ntime.sleep(600)\nfrom manim import *\n\nclass Slow(Scene):\n    def construct(self):\n        self.wait(0.2)\n';
    const id = await submitJob(call, { files: { 'scene.py': scene }, options });
    const planning = async () => ((await (await call('/nodes')).json()).nodes as { current: { task: string }[] }[]).some((n) => n.current.some((c) => c.task === 'plan'));
    await waitFor(planning, 60_000, 'the plan to start');
    expect((await call(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(200);
    // Long before the scene's 600 s import is over, no node is planning any more.
    await waitFor(async () => !(await planning()), 60_000, 'the plan to stop');
    expect((await (await call(`/jobs/${id}`)).json()).state).toBe('cancelled');
  }, 150_000);

  it('the scene\'s own exception still fails it at once, with its traceback', async () => {
    const scene = 'from manim import *\n\nclass Bad(Scene):\n    def construct(self):\n        raise ValueError("my own bug")\n';
    const id = await submitJob(call, { files: { 'scene.py': scene }, options });
    const job = await jobFinished(call, id, 120_000);
    expect(job.state).toBe('failed');
    expect(job.scenes[0].error.message).toBe('ValueError: my own bug (scene.py:5)');
    expect(job.scenes[0].error.traceback).toMatch(/raise ValueError/);
  }, 150_000);
});
