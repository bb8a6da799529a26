import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished } from './helpers/node.ts';
import { manimRender, frameHashes } from './helpers/media.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nn-defaults-'));

let db: Awaited<ReturnType<typeof freshDatabase>>;
let nodes: Awaited<ReturnType<typeof testNode>>[];

// Two nodes of one slot each with the default segment settings: a lead renders from play 0 while
// a planning scout plans, and renders go on into the next queued segment.
beforeAll(async () => {
  db = await freshDatabase();
  nodes = [await testNode(db.url, { concurrency: 1 }, 'node-a'), await testNode(db.url, { concurrency: 1 }, 'node-b')];
});
afterAll(async () => {
  for (const n of nodes ?? []) await n.stop();
  await db?.drop();
});

describe('a render with the default settings', () => {
  it('splits a scene across both nodes from a lead and a planning scout, and equals one manim render', async () => {
    const call = api(nodes[0]!.url);
    // large enough frames that a second share pays for its start (at 256x144 the lead draws it all in 2 s)
    const options = { resolution: [854, 480], fps: 30, seed: 11 };
    const id = await submitJob(call, { files: { 'long.py': readFileSync(join(SCENES, 'long.py'), 'utf8') }, options });
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    const history = await (await call(`/jobs/${id}/events`)).text();
    // The lead and the planning scout both rendered (each was given a share when the plan was cut).
    expect([...history.matchAll(/event: segment\.cut/g)].length, history).toBeGreaterThanOrEqual(1);
    const segments = job.scenes[0].segments as { plays: [number, number]; node: string }[];
    expect(segments[0]!.plays[0]).toBe(0);
    expect(new Set(segments.map((s) => s.node)), JSON.stringify(segments) + history).toEqual(new Set(['node-a', 'node-b']));

    const ref = join(tmp, 'ref');
    await manimRender(join(SCENES, 'long.py'), ['Long'], ['-r', '854,480', '--fps', '30', '--seed', '11'], ref);
    const out = join(tmp, 'Long.mp4');
    writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/Long`)).arrayBuffer()));
    const [ours, theirs] = [await frameHashes(out), await frameHashes(join(ref, 'videos', 'long', '480p30', 'Long.mp4'))];
    expect(ours.length).toBeGreaterThan(100);
    expect(ours).toEqual(theirs);
  });
});

describe('a node with more render slots than cores', () => {
  let own: Awaited<ReturnType<typeof freshDatabase>>;
  let node: Awaited<ReturnType<typeof testNode>>;
  beforeAll(async () => {
    own = await freshDatabase();
    node = await testNode(own.url, { concurrency: availableParallelism() + 1 }, 'crowded');
  });
  afterAll(async () => {
    await node?.stop();
    await own?.drop();
  });

  it('takes no scout: its slots beyond the lead and the planning scout would take CPU from them', async () => {
    const call = api(node.url);
    const id = await submitJob(call, { files: { 'long.py': readFileSync(join(SCENES, 'long.py'), 'utf8') }, options: { resolution: [256, 144], fps: 15 } });
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    const history = await (await call(`/jobs/${id}/events`)).text();
    const starts = [...history.matchAll(/^data: (.*"type":"segment\.started".*)$/gm)].map((m) => JSON.parse(m[1]!).data as { segment: number; plays: [number, number] });
    // the lead (0) and the planning scout (1) started; a scout (2 on) would start from an unknown play
    expect(starts.map((s) => s.segment), history).toContain(0);
    expect(starts.filter((s) => s.segment >= 2 && s.plays[0] === -1), history).toEqual([]);
  });
});
