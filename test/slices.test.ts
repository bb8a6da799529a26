import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished, waitFor, downloadSections } from './helpers/node.ts';
import { manimRender, frameHashes, audioHash, pngHashes } from './helpers/media.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const FILE = join(SCENES, 'sliced.py');
const NAMES = ['LongUpdater', 'LongPure'];
const ARGS = ['-r', '256,144', '--fps', '15'];
const tmp = mkdtempSync(join(tmpdir(), 'nn-slices-'));

let db: Awaited<ReturnType<typeof freshDatabase>>;
let nodes: Awaited<ReturnType<typeof testNode>>[];
let call: ReturnType<typeof api>;

// Two nodes, one slot each, and plays cut into slices of 40 frames (a farm's frames per task): the
// cutter's own choice depends on how fast this machine draws and encodes at the moment. The first
// is the coordinator, as when a farm is started on one machine and joined from another.
beforeAll(async () => {
  db = await freshDatabase();
  const config = { concurrency: 1, segments: { setupSeconds: 0.2, lead: false, sliceFrames: 40 } };
  nodes = [await testNode(db.url, config, 'node-a', { coordinator: true }), await testNode(db.url, config, 'node-b')];
  call = api(nodes[0]!.url);
}, 180_000);
afterAll(async () => {
  for (const n of nodes ?? []) await n.stop();
  await db?.drop();
});

interface SceneDetail {
  name: string;
  plays: { index: number; sliced?: number }[];
  segments: { plays: [number, number]; slice: [number, number] | null; encodes: boolean; state: string; node: string }[];
}

const body = (options: object) => ({
  scenes: NAMES,
  files: { 'sliced.py': readFileSync(FILE, 'utf8'), 'click.wav': { base64: readFileSync(join(SCENES, 'click.wav')).toString('base64') } },
  options: { resolution: [256, 144], fps: 15, saveSections: true, ...options },
});

/** The long play's slices: contiguous, from its first frame to its last, each rendered; a video's
 *  play also encoded by one encoder segment. */
function expectSliced(scene: SceneDetail, play: number, video = true): void {
  expect(scene.plays.find((p) => p.index === play)?.sliced, scene.name).toBeGreaterThanOrEqual(2);
  const encoders = scene.segments.filter((s) => s.encodes);
  expect(encoders.map((s) => [s.plays[0], s.state]), scene.name).toEqual(video ? [[play, 'done']] : []);
  const slices = scene.segments.filter((s) => s.slice && !s.encodes).sort((a, b) => a.slice![0] - b.slice![0]);
  expect(slices.length, scene.name).toBeGreaterThanOrEqual(2);
  expect(slices.every((s) => s.plays[0] === play && s.plays[1] === play && s.state === 'done'), JSON.stringify(slices)).toBe(true);
  expect(slices[0]!.slice![0]).toBe(0);
  for (let i = 1; i < slices.length; i++) expect(slices[i]!.slice![0]).toBe(slices[i - 1]!.slice![1]);
  // no segment of whole plays holds the sliced play
  expect(scene.segments.filter((s) => !s.slice && s.plays[0] === play && s.plays[1] === play)).toEqual([]);
}

describe('a play that alone would bound the wall time is drawn in slices on several nodes', () => {
  it('mp4: the stitched video, sound and sections are manim’s, frame for frame', async () => {
    const id = await submitJob(call, body({}));
    // a slice's frames reach the store while it is drawn, for its encoder: a part of it stored
    // while its segment still runs (the parts go with the slice once the scene is stitched)
    const sql = postgres(db.url, { max: 1 });
    const streamed = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const rows = await sql<{ id: string }[]>`select s.id from artifacts a join segments s on s.id = a.segment_id
          where s.job_id = ${id} and s.state = 'running' and s.from_frame is not null and a.kind = 'slice' and a.name ~ '[.]bin[.][0-9]+[.][0-9]+$'`;
        for (const r of rows) streamed.add(r.id);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const job = await jobFinished(call, id, 600_000).finally(() => (watching = false));
    await watch;
    await sql.end();
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    expect(streamed.size, 'slices streamed in parts while drawn').toBeGreaterThan(0);
    const ref = join(tmp, 'ref');
    await manimRender(FILE, NAMES, [...ARGS, '--save_sections'], ref);
    for (const scene of job.scenes as SceneDetail[]) {
      expectSliced(scene, 1);
      // the play's one serial step goes to the machine that does not also serve the store
      expect(scene.segments.find((s) => s.encodes)?.node, scene.name).toBe('node-b');
      const out = join(tmp, `${scene.name}.mp4`);
      writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/${scene.name}`)).arrayBuffer()));
      const want = join(ref, 'videos', 'sliced', '144p15', `${scene.name}.mp4`);
      expect(await frameHashes(out), scene.name).toEqual(await frameHashes(want));
      expect(await audioHash(out), scene.name).toEqual(await audioHash(want));
    }
    // the sections of the scene whose long play is between two of them
    const sections = await downloadSections(call, id, (job.scenes as { name: string; outputs: { name: string }[] }[]).find((s) => s.name === 'LongUpdater')!, tmp);
    expect(sections.length).toBe(3);
    for (const s of sections) expect(await frameHashes(s.path), s.file).toEqual(await frameHashes(join(ref, 'videos', 'sliced', '144p15', 'sections', s.file)));
  });

  it('png-sequence: every frame of the sliced play pixel-identical, numbered as manim numbers it', async () => {
    const id = await submitJob(call, { ...body({ format: 'png-sequence', saveSections: false }) });
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    const ref = join(tmp, 'ref-png');
    await manimRender(FILE, ['LongUpdater'], [...ARGS, '--format', 'png-sequence'], ref);
    const scene = (job.scenes as SceneDetail[]).find((s) => s.name === 'LongUpdater')!;
    expectSliced(scene, 1, false);
    const dir = join(tmp, 'png');
    mkdirSync(dir, { recursive: true });
    const outputs = (job.scenes as { name: string; outputs: { name: string }[] }[]).find((s) => s.name === 'LongUpdater')!.outputs;
    for (const o of outputs) writeFileSync(join(dir, o.name.split('/').pop()!), Buffer.from(await (await call(`/jobs/${id}/output/LongUpdater/${o.name.split('/').slice(1).join('/')}`)).arrayBuffer()));
    const refDir = join(ref, 'images', 'sliced', 'LongUpdater');
    expect(outputs.map((o) => o.name.split('/').pop()).sort()).toEqual(readdirSync(refDir).filter((f) => f.endsWith('.png')).sort());
    expect(await pngHashes(dir)).toEqual(await pngHashes(refDir));
  });
});

/** Two nodes of one slot each with these segment settings, on a database of their own (set up
 *  before the describe's tests, stopped after them). */
function ownPair(segments: object, names: [string, string]) {
  const pair = { url: '', nodes: [] as Awaited<ReturnType<typeof testNode>>[] };
  let own: Awaited<ReturnType<typeof freshDatabase>> | undefined;
  beforeAll(async () => {
    own = await freshDatabase();
    pair.url = own.url;
    const config = { concurrency: 1, segments: { setupSeconds: 0.2, ...segments } };
    for (const name of names) pair.nodes.push(await testNode(own.url, config, name));
  }, 180_000);
  afterAll(async () => {
    for (const n of pair.nodes) await n.stop();
    await own?.drop();
  });
  return pair;
}

describe('a scene that is one long play, with a lead drawing it from the start', () => {
  const own = ownPair({ lead: true, sliceFrames: 150 }, ['lead-a', 'lead-b']);

  it('the lead makes way for slices of the play, and the video is manim’s', async () => {
    const lead = api(own.nodes[0]!.url);
    const id = await submitJob(lead, { ...body({ saveSections: false }), scenes: ['OnePlay'] });
    const job = await jobFinished(lead, id, 600_000);
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    const [scene] = job.scenes as SceneDetail[];
    expectSliced(scene!, 0);
    // a segment of whole plays (the lead) started on the play before the plan, and made way
    const sql = postgres(own.url, { max: 1 });
    const history = await sql<{ type: string; data: unknown }[]>`select type, data from events where job_id = ${id} order by seq`;
    const starts = history.filter((e) => e.type === 'segment.started').map((e) => e.data as { plays: [number, number]; frames?: unknown });
    await sql.end();
    expect(starts.filter((e) => e.plays[0] === 0 && !e.frames).length, JSON.stringify(history)).toBe(1);
    const out = join(tmp, 'OnePlay.mp4');
    writeFileSync(out, Buffer.from(await (await lead(`/jobs/${id}/output/OnePlay`)).arrayBuffer()));
    const ref = join(tmp, 'ref-one');
    await manimRender(FILE, ['OnePlay'], ARGS, ref);
    expect(await frameHashes(out)).toEqual(await frameHashes(join(ref, 'videos', 'sliced', '144p15', 'OnePlay.mp4')));
  });
});

describe('an encoder waiting for a slice that no slot is free to draw', () => {
  const own = ownPair({ lead: false, sliceFrames: 10 }, ['pair-a', 'pair-b']);

  it('gives its slot up for the slices, encodes after them, and the video is manim’s', async () => {
    const call = api(own.nodes[0]!.url);
    const id = await submitJob(call, { ...body({ saveSections: false }), scenes: ['LongPure'] });
    // once the encoder runs, the other node is paused: it takes no more slices, the encoder's slot must
    const encoder = await waitFor(async () => {
      const job = (await (await call(`/jobs/${id}`)).json()) as { scenes: SceneDetail[] };
      return job.scenes[0]?.segments.find((s) => s.encodes && s.state === 'running');
    }, 120_000, 'the encoder to start');
    const other = own.nodes.find((n) => n.name !== encoder.node) ?? own.nodes[1]!;
    expect((await call(`/nodes/${other.name}/pause`, { method: 'POST' })).status).toBe(200);
    const job = await jobFinished(call, id, 600_000);
    await call(`/nodes/${other.name}/resume`, { method: 'POST' });
    expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
    const [scene] = job.scenes as SceneDetail[];
    expectSliced(scene!, 1);
    const sql = postgres(own.url, { max: 1 });
    const starts = await sql<{ n: number }[]>`select count(*)::int as n from events e join segments s on s.job_id = e.job_id and s.position = (e.data->>'segment')::int
      where e.job_id = ${id} and e.type = 'segment.started' and s.encodes`;
    await sql.end();
    expect(starts[0]!.n, 'the encoder started again after giving its slot up').toBeGreaterThanOrEqual(2);
    const out = join(tmp, 'LongPure-yield.mp4');
    writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/LongPure`)).arrayBuffer()));
    const ref = join(tmp, 'ref-yield');
    await manimRender(FILE, ['LongPure'], ARGS, ref);
    expect(await frameHashes(out)).toEqual(await frameHashes(join(ref, 'videos', 'sliced', '144p15', 'LongPure.mp4')));
  });
});
