import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, waitFor, TOKEN, submitJob, jobFinished } from './helpers/node.ts';
import { manimRender, frameHashes, audioHash, pngHashes } from './helpers/media.ts';
import { runRender } from '../src/cli/render.ts';
import { parseConfig } from '../src/config/load.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const FILE = join(SCENES, 'fidelity.py');
const NAMES = ['RotatingTrace', 'RedrawTracker', 'Randomness', 'TexFormula', 'SoundAndSections', 'MovingCamera3D', 'FollowCamera', 'OnePlay', 'ShorterThanAFrame'];
// Heights that are a multiple of 8: at 108 rows plain `manim render` itself gives different
// decoded mp4 frames from run to run, so nothing could match it.
const ARGS = ['-r', '256,144', '--fps', '15'];
const SEED = 7;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let nodes: Awaited<ReturnType<typeof testNode>>[];
let call: ReturnType<typeof api>;
const tmp = mkdtempSync(join(tmpdir(), 'nn-render-'));

// Two nodes, one slot each, and segments as small as one play: every scene with more than one
// play is split across both nodes.
beforeAll(async () => {
  db = await freshDatabase();
  // One play per segment, no lead segment, and no render going on into the next segment: these
  // scenes are so short that the cutter would otherwise (rightly) render them whole, and every
  // cut is a place where fidelity could break.
  const config = { concurrency: 1, segments: { perWorker: 4, minFrames: 1, maxPlays: 1, lead: false, rebalance: false } };
  nodes = [await testNode(db.url, config, 'node-a'), await testNode(db.url, config, 'node-b')];
  call = api(nodes[0]!.url);
}, 180_000);
afterAll(async () => {
  for (const n of nodes ?? []) await n.stop();
  await db?.drop();
});

const submit = (body: object) => submitJob(call, body);

const finished = (id: string) => jobFinished(call, id, 600_000);

const files = (names: string[]) =>
  Object.fromEntries(names.map((n) => [n, n.endsWith('.py') ? readFileSync(join(SCENES, n), 'utf8') : { base64: readFileSync(join(SCENES, n)).toString('base64') }]));

describe('a scene split across two nodes equals one manim render', () => {
  it('mp4: same frame count and identical decoded frames, sounds and sections, for every trap scene', async () => {
    const id = await submit({ files: files(['fidelity.py', 'click.wav']), options: { resolution: [256, 144], fps: 15, seed: SEED, saveSections: true } });
    const job = await finished(id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.scenes.map((s: { name: string }) => s.name)).toEqual(NAMES);
    const usedNodes = new Set(job.scenes.flatMap((s: { segments: { node: string }[] }) => s.segments.map((g) => g.node)));
    expect(usedNodes).toEqual(new Set(['node-a', 'node-b']));

    const ref = join(tmp, 'ref-mp4');
    await manimRender(FILE, NAMES, [...ARGS, '--seed', String(SEED), '--save_sections'], ref);
    const refDir = join(ref, 'videos', 'fidelity', '144p15');
    for (const scene of job.scenes as { name: string; segments: unknown[] }[]) {
      if (scene.name !== 'OnePlay') expect(scene.segments.length, scene.name).toBeGreaterThan(1);
      const res = await call(`/jobs/${id}/output/${scene.name}`);
      expect(res.status).toBe(200);
      const out = join(tmp, `${scene.name}.mp4`);
      writeFileSync(out, Buffer.from(await res.arrayBuffer()));
      const [ours, theirs] = [await frameHashes(out), await frameHashes(join(refDir, `${scene.name}.mp4`))];
      expect(ours.length, scene.name).toBe(theirs.length);
      expect(ours, scene.name).toEqual(theirs);
    }
    // The sounds are mixed at their scene times, as manim mixes them.
    const sound = join(tmp, 'SoundAndSections.mp4');
    expect(await audioHash(sound)).toBeDefined();
    expect(await audioHash(sound)).toBe(await audioHash(join(refDir, 'SoundAndSections.mp4')));
    // Sections: one video per section with the same frames.
    const refSections = readdirSync(join(refDir, 'sections')).filter((f) => f.startsWith('SoundAndSections') && f.endsWith('.mp4')).sort();
    expect(refSections.length).toBe(3);
    const { outputs } = await (await call(`/jobs/${id}/outputs`)).json();
    const ourSections = outputs.map((o: { name: string }) => o.name).filter((n: string) => n.startsWith('SoundAndSections/') && n.endsWith('.mp4')).sort();
    expect(ourSections.map((n: string) => n.split('/').pop())).toEqual(refSections);
    for (const name of ourSections) {
      const res = await call(`/jobs/${id}/output/SoundAndSections/${name.split('/').slice(1).join('/')}`);
      const out = join(tmp, name.replace(/\//g, '_'));
      writeFileSync(out, Buffer.from(await res.arrayBuffer()));
      expect(await frameHashes(out)).toEqual(await frameHashes(join(refDir, 'sections', name.split('/').pop()!)));
    }
  });

  it('png-sequence through the CLI: every frame pixel-identical, numbered PNGs in <out>/<Scene>/ and nothing else', async () => {
    const outDir = join(tmp, 'png-out');
    const scenes = ['RotatingTrace', 'Randomness', 'ShorterThanAFrame'];
    const code = await runRender({
      file: FILE, scenes, options: { format: 'png-sequence', resolution: [256, 144], fps: 15, seed: SEED }, outDir, json: true,
      cluster: nodes[1]!.url, token: TOKEN, config: parseConfig({}, {}),
    });
    expect(code).toBe(0);
    expect(readdirSync(outDir).sort()).toEqual([...scenes].sort());
    const ref = join(tmp, 'ref-png');
    await manimRender(FILE, scenes, [...ARGS, '--seed', String(SEED), '--format', 'png-sequence'], ref);
    for (const scene of scenes) {
      const refFrames = join(ref, 'images', 'fidelity', scene);
      const ours = readdirSync(join(outDir, scene));
      expect(ours.every((f) => /^\d{4,}\.png$/.test(f)), ours.join(",")).toBe(true);
      expect(ours.sort()).toEqual(readdirSync(refFrames).filter((f) => f.endsWith('.png')).sort());
      expect(await pngHashes(join(outDir, scene))).toEqual(await pngHashes(refFrames));
    }
  });

  it('a scene that raises fails with its traceback and line; the other scenes still render', async () => {
    const broken = `from manim import *\n\nclass Fine(Scene):\n    def construct(self):\n        self.play(Create(Square()), run_time=0.3)\n        self.wait(0.2)\n\nclass Broken(Scene):\n    def construct(self):\n        self.play(Create(Circle()), run_time=0.3)\n        self.play(Write(udefined_name), run_time=0.3)\n`;
    const id = await submit({ files: { 'scenes/broken.py': broken }, options: { resolution: [256, 144], fps: 15 } });
    const job = await finished(id);
    expect(job.state).toBe('failed');
    const fine = job.scenes.find((s: { name: string }) => s.name === 'Fine');
    const bad = job.scenes.find((s: { name: string }) => s.name === 'Broken');
    expect(fine.state).toBe('succeeded');
    expect(bad.state).toBe('failed');
    expect(bad.error.message).toMatch(/NameError.*udefined_name/);
    expect(bad.error.file).toBe('scenes/broken.py');
    expect(bad.error.line).toBe(11);
    expect(bad.error.traceback).toMatch(/scenes\/broken.py", line 11/);
    expect(job.options.seed).toEqual(expect.any(Number));
    expect((await call(`/jobs/${id}/output/Fine`)).status).toBe(200);
    // The nodes are still there and working.
    for (const n of nodes) expect((await fetch(`${n.url}/health`)).status).toBe(200);
  });

  it('cancels a running job: queued work is dropped, running renders stop, the nodes go idle', async () => {
    const id = await submit({ files: { 'long.py': readFileSync(join(SCENES, 'long.py'), 'utf8') }, options: { resolution: [854, 480], fps: 30 } });
    await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      return j.scenes[0]?.segments.some((s: { state: string }) => s.state === 'running');
    }, 120_000, 'a running segment');
    const res = await call(`/jobs/${id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    const job = await (await call(`/jobs/${id}`)).json();
    expect(job.state).toBe('cancelled');
    expect(job.scenes[0].segments.length).toBeGreaterThan(0);
    expect(job.scenes[0].segments.every((s: { state: string }) => ['cancelled', 'done'].includes(s.state))).toBe(true);
    expect((await call(`/jobs/${id}/cancel`, { method: 'POST' })).status).toBe(409);
    // The renders in progress are killed, not finished for nothing.
    await waitFor(async () => {
      const { nodes: live } = await (await call('/nodes')).json();
      return live.length > 0 && live.every((n: { current: unknown[] }) => n.current.length === 0);
    }, 15_000, 'the nodes to go idle');
  });

  it('a missing scene name fails that scene with the names the file has', async () => {
    const id = await submit({ files: files(['fidelity.py', 'click.wav']), scenes: ['OnePlay', 'NoSuchScene'], options: { resolution: [256, 144], fps: 15 } });
    const job = await finished(id);
    const missing = job.scenes.find((s: { name: string }) => s.name === 'NoSuchScene');
    expect(missing.error.message).toMatch(/no scene named NoSuchScene in fidelity.py; it defines: RotatingTrace, /);
    expect(job.scenes.find((s: { name: string }) => s.name === 'OnePlay').state).toBe('succeeded');
    expect(existsSync(FILE)).toBe(true);
  });
});

describe('a render that reaches the end of its segment', () => {
  let solo: Awaited<ReturnType<typeof testNode>>;
  let soloDb: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => {
    soloDb = await freshDatabase();
    solo = await testNode(soloDb.url, { concurrency: 1, segments: { minFrames: 1, maxPlays: 1, lead: false } }, 'solo');
  }, 180_000);
  afterAll(async () => {
    await solo?.stop();
    await soloDb?.drop();
  });

  it('goes on into the next queued segment: one set-up for the scene, the same frames as manim', async () => {
    const soloCall = api(solo.url);
    const scenes = ['RotatingTrace', 'FollowCamera'];
    const res = await soloCall('/jobs', { method: 'POST', body: JSON.stringify({ files: files(['fidelity.py']), scenes, options: { resolution: [256, 144], fps: 15 } }) });
    const { id } = await res.json();
    const job = await waitFor(async () => {
      const j = await (await soloCall(`/jobs/${id}`)).json();
      return ['succeeded', 'failed'].includes(j.state) ? j : undefined;
    }, 600_000, 'the job');
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const history = await (await soloCall(`/jobs/${id}/events`)).text();
    const cut = [...history.matchAll(/"type":"scene.planned".*?"segments":(\d+)/g)].map((m) => Number(m[1]));
    expect(cut.length, history).toBe(scenes.length);
    expect(cut.every((n) => n > 1), history).toBe(true);
    expect(history).toMatch(/event: segment.extended/);
    const ref = join(tmp, 'ref-extend');
    await manimRender(FILE, scenes, ARGS, ref);
    for (const scene of job.scenes as { name: string; segments: { plays: [number, number] }[] }[]) {
      // Cut into one-play segments, rendered by one render that went on through all of them.
      expect(scene.segments.length, scene.name).toBe(1);
      const out = join(tmp, `extend-${scene.name}.mp4`);
      writeFileSync(out, Buffer.from(await (await soloCall(`/jobs/${id}/output/${scene.name}`)).arrayBuffer()));
      expect(await frameHashes(out), scene.name).toEqual(await frameHashes(join(ref, 'videos', 'fidelity', '144p15', `${scene.name}.mp4`)));
    }
  });
});
