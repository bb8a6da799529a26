import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished, downloadSections } from './helpers/node.ts';
import { manimRender, frameHashes, audioHash, pngHashes } from './helpers/media.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const FILE = join(SCENES, 'boundary.py');
const ARGS = ['-r', '256,144', '--fps', '15'];
const tmp = mkdtempSync(join(tmpdir(), 'nn-boundary-'));

/** Two nodes of one slot each, on a database of their own (its own remembered costs: what an earlier
 *  render measured would cut the scene by the measured times), set up before the describe's tests.
 *  No slices of whole plays: they would take the long plays instead. */
function ownPair(names: [string, string]) {
  const pair = { call: undefined as unknown as ReturnType<typeof api> };
  let db: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  const nodes: Awaited<ReturnType<typeof testNode>>[] = [];
  beforeAll(async () => {
    db = await freshDatabase();
    const config = { concurrency: 1, segments: { setupSeconds: 0.2, lead: false, slices: false } };
    for (const name of names) nodes.push(await testNode(db.url, config, name));
    pair.call = api(nodes[0]!.url);
  }, 180_000);
  afterAll(async () => {
    for (const n of nodes) await n.stop();
    await db?.drop();
  });
  return pair;
}

interface SceneDetail {
  name: string;
  plays: { index: number; sliced?: number }[];
  segments: { plays: [number, number]; head: number | null; tail: number | null; state: string; node: string }[];
}

const body = (scenes: string[], options: object = {}) => ({
  scenes,
  files: { 'boundary.py': readFileSync(FILE, 'utf8'), 'click.wav': { base64: readFileSync(join(SCENES, 'click.wav')).toString('base64') } },
  options: { resolution: [256, 144], fps: 15, ...options },
});

/** One play drawn in two pieces: a share that ends before frame f of it, one that starts there. */
function expectCutInside(scene: SceneDetail): void {
  const cut = scene.plays.filter((p) => p.sliced);
  expect(cut.map((p) => p.sliced), JSON.stringify(scene.segments)).toEqual([2]);
  const play = cut[0]!.index;
  const tail = scene.segments.find((s) => s.tail !== null);
  const head = scene.segments.find((s) => s.head !== null);
  expect(tail?.plays[1], JSON.stringify(scene.segments)).toBe(play);
  expect(head?.plays[0]).toBe(play);
  expect(head!.head).toBe(tail!.tail);
  expect(tail!.tail).toBeGreaterThan(0);
  expect(scene.segments.every((s) => s.state === 'done')).toBe(true);
}

describe('two nodes’ shares cut inside the play at their boundary: mp4', () => {
  const own = ownPair(['edge-a', 'edge-b']);

  it('a dt-updater play cut between two nodes, with sound and sections, is manim’s video frame for frame', async () => {
    const call = own.call;
    const id = await submitJob(call, body(['ThreeUpdater', 'ThreePure'], { saveSections: true }));
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    const ref = join(tmp, 'ref');
    await manimRender(FILE, ['ThreeUpdater', 'ThreePure'], [...ARGS, '--save_sections'], ref);
    for (const scene of job.scenes as SceneDetail[]) {
      expectCutInside(scene);
      const out = join(tmp, `${scene.name}.mp4`);
      writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/${scene.name}`)).arrayBuffer()));
      const want = join(ref, 'videos', 'boundary', '144p15', `${scene.name}.mp4`);
      expect(await frameHashes(out), scene.name).toEqual(await frameHashes(want));
      expect(await audioHash(out), scene.name).toEqual(await audioHash(want));
    }
    // The later share's piece of the cut play is stored as soon as its render is past that play,
    // while it draws the rest of its share: the earlier share encodes the play without waiting for
    // the later one to end.
    const events = [...(await (await call(`/jobs/${id}/events`)).text()).matchAll(/event: (\S+)\ndata: (.*)/g)].map((m) => ({ type: m[1]!, data: JSON.parse(m[2]!).data as { scene?: string; segment?: number; play?: number } }));
    for (const scene of job.scenes as SceneDetail[]) {
      const stored = events.findIndex((e) => e.type === 'segment.head' && e.data.scene === scene.name);
      expect(stored, scene.name).toBeGreaterThan(-1);
      expect(events[stored]!.data.play).toBe(scene.plays.find((p) => p.sliced)!.index);
      const done = events.findIndex((e) => e.type === 'segment.done' && e.data.scene === scene.name && e.data.segment === events[stored]!.data.segment);
      expect(stored, scene.name).toBeLessThan(done);
    }
    const sections = await downloadSections(call, id, (job.scenes as { name: string; outputs: { name: string }[] }[]).find((s) => s.name === 'ThreeUpdater')!, tmp);
    expect(sections.length).toBe(3);
    for (const s of sections) expect(await frameHashes(s.path), s.file).toEqual(await frameHashes(join(ref, 'videos', 'boundary', '144p15', 'sections', s.file)));

    // Rendered again (same files, options and seed; the play cache off, which would serve every
    // play): cut at once from this render's plan, though no segment measured the play drawn in two
    // pieces, and still manim's video.
    const seed = (await (await call(`/jobs/${id}`)).json()).options.seed as number;
    const again = await submitJob(call, body(['ThreeUpdater', 'ThreePure'], { saveSections: true, seed, cache: 'off' }));
    expect((await jobFinished(call, again, 600_000)).state).toBe('succeeded');
    const history = await (await call(`/jobs/${again}/events`)).text();
    const planned = [...history.matchAll(/event: scene.planned\ndata: (.*)/g)].map((m) => JSON.parse(m[1]!).data as { scene: string; plan?: string });
    expect(planned.map((p) => [p.scene, p.plan]).sort()).toEqual([['ThreePure', 'remembered'], ['ThreeUpdater', 'remembered']]);
    for (const scene of ['ThreeUpdater', 'ThreePure']) {
      const out = join(tmp, `${scene}-again.mp4`);
      writeFileSync(out, Buffer.from(await (await call(`/jobs/${again}/output/${scene}`)).arrayBuffer()));
      expect(await frameHashes(out), scene).toEqual(await frameHashes(join(ref, 'videos', 'boundary', '144p15', `${scene}.mp4`)));
    }
  });

});

describe('two nodes’ shares cut inside the play at their boundary: png-sequence', () => {
  const own = ownPair(['edge-c', 'edge-d']);

  it('the cut play’s frames are manim’s pixels, numbered as manim numbers them', async () => {
    const call = own.call;
    const id = await submitJob(call, body(['ThreePure'], { format: 'png-sequence' }));
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    expectCutInside((job.scenes as SceneDetail[])[0]!);
    const outputs = (job.scenes as { outputs: { name: string }[] }[])[0]!.outputs;
    const dir = join(tmp, 'png');
    mkdirSync(dir, { recursive: true });
    for (const o of outputs) writeFileSync(join(dir, o.name.split('/').pop()!), Buffer.from(await (await call(`/jobs/${id}/output/ThreePure/${o.name.split('/').slice(1).join('/')}`)).arrayBuffer()));
    const ref = join(tmp, 'ref-png');
    await manimRender(FILE, ['ThreePure'], [...ARGS, '--format', 'png-sequence'], ref);
    const refDir = join(ref, 'images', 'boundary', 'ThreePure');
    expect(outputs.map((o) => o.name.split('/').pop()).sort()).toEqual(readdirSync(refDir).filter((f) => f.endsWith('.png')).sort());
    expect(await pngHashes(dir)).toEqual(await pngHashes(refDir));
  });
});
