import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished } from './helpers/node.ts';
import { manimRender, frameHashes } from './helpers/media.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const SOURCE = readFileSync(join(SCENES, 'cache.py'), 'utf8');
const EDITED = SOURCE.replace('FLASH = YELLOW', 'FLASH = PURPLE');
const EDITED_TWICE = EDITED.replace('FLASH = PURPLE', 'FLASH = RED').replace('FLASH2 = TEAL', 'FLASH2 = PINK');
const SIZE = { resolution: [256, 144], fps: 15 };
const ARGS = ['-r', '256,144', '--fps', '15'];

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: Awaited<ReturnType<typeof testNode>>;
let call: ReturnType<typeof api>;
const tmp = mkdtempSync(join(tmpdir(), 'nn-cache-'));

beforeAll(async () => {
  db = await freshDatabase();
  node = await testNode(db.url, { concurrency: 1 });
  call = api(node.url);
}, 180_000);
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

interface SceneDetail {
  name: string;
  segments: { plays: [number, number] }[];
  plays: { index: number; cached: boolean; uncachable?: string }[];
}

/** Renders `source`'s scene on the farm; its detail and the video's decoded frames. */
async function farm(source: string, scene: string, options: object): Promise<{ id: string; detail: SceneDetail; frames: string[] }> {
  const id = await submitJob(call, { files: { 'cache.py': source }, scenes: [scene], options: { ...SIZE, ...options } });
  const job = await jobFinished(call, id, 600_000);
  expect(job.state, JSON.stringify(job.error ?? job.scenes)).toBe('succeeded');
  const out = join(tmp, `${id}.mp4`);
  writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/${scene}`)).arrayBuffer()));
  return { id, detail: job.scenes[0], frames: await frameHashes(out) };
}

/** Plain `manim render` of `source`'s scene: the decoded frames the farm's output must equal. */
async function manim(source: string, scene: string, seed: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmp, 'ref-'));
  writeFileSync(join(dir, 'cache.py'), source);
  await manimRender(join(dir, 'cache.py'), [scene], [...ARGS, '--seed', String(seed)], join(dir, 'media'));
  return frameHashes(join(dir, 'media', 'videos', 'cache', '144p15', `${scene}.mp4`));
}

const cached = (d: SceneDetail) => d.plays.map((p) => p.cached);
const stats = async () => (await call('/cache')).json();

describe('the play cache', () => {
  it('serves every play of an unchanged scene, renders only an edited play, and stays equal to manim', async () => {
    const first = await farm(SOURCE, 'Edits', { seed: 7 });
    expect(cached(first.detail)).toEqual([false, false, false, false, false, false]);
    expect((await stats()).plays).toBe(6);
    const reference = await manim(SOURCE, 'Edits', 7);
    expect(first.frames).toEqual(reference);

    // The same scene again: nothing renders, the video is the same frame for frame.
    const again = await farm(SOURCE, 'Edits', { seed: 7 });
    expect(again.detail.segments).toEqual([]);
    expect(cached(again.detail)).toEqual([true, true, true, true, true, true]);
    expect(again.frames).toEqual(reference);

    // One play edited (a flash that leaves no trace): only it renders, drawn by the planning pass
    // itself (one render slot); the spinner and the traced path go on exactly, where manim's own
    // cache would make them jump.
    const edited = await farm(EDITED, 'Edits', { seed: 7 });
    expect(edited.detail.segments).toEqual([]);
    expect(cached(edited.detail)).toEqual([true, true, false, true, true, true]);
    const editedReference = await manim(EDITED, 'Edits', 7);
    expect(edited.frames).not.toEqual(reference);
    expect(edited.frames).toEqual(editedReference);
    // The job's page marks the plays the cache served.
    const page = (await (await call(`/ui/parts?want=job&job=${edited.id}`)).json()) as { job: string };
    expect(page.job).toContain('plays 0–1 from cache');
    expect(page.job).toContain('plays 3–5 from cache');


    // cache: off renders every play and stores none.
    const before = await stats();
    const off = await farm(EDITED, 'Edits', { seed: 7, cache: 'off' });
    expect(cached(off.detail).some(Boolean)).toBe(false);
    expect(off.detail.segments.length).toBeGreaterThan(0);
    expect(off.frames).toEqual(editedReference);
    expect((await stats()).plays).toBe(before.plays);

    // cache: flush drops the scene's plays first: every play renders again.
    const flushed = await farm(EDITED, 'Edits', { seed: 7, cache: 'flush' });
    expect(cached(flushed.detail).some(Boolean)).toBe(false);
    expect(flushed.frames).toEqual(editedReference);
    expect((await stats()).plays).toBe(6);

    // DELETE /cache empties it.
    expect((await (await call('/cache', { method: 'DELETE' })).json()).deleted).toBe(6);
    expect(await stats()).toMatchObject({ plays: 0, bytes: 0 });
  }, 900_000);

  it('with a planning pass that draws nothing, segments draw the missing plays and fast-forward over cached ones between them', async () => {
    // a node whose re-render plans draw no frame: what a busy farm's big edit leaves to segments
    await node.stop();
    node = await testNode(db.url, { concurrency: 1, cache: { planFrames: 0 } });
    call = api(node.url);
    await farm(EDITED, 'Edits', { seed: 7 });
    const twice = await farm(EDITED_TWICE, 'Edits', { seed: 7 });
    expect(twice.detail.segments.map((s) => s.plays)).toEqual([[2, 4]]);
    expect(cached(twice.detail)).toEqual([true, true, false, true, false, true]);
    expect(twice.frames).toEqual(await manim(EDITED_TWICE, 'Edits', 7));
  }, 900_000);

  it('keys random updaters on the seed and never caches an updater that reads the scene clock', async () => {
    const first = await farm(SOURCE, 'Jitter', { seed: 7 });
    const again = await farm(SOURCE, 'Jitter', { seed: 7 });
    // the last play's updater reads self.time: it renders every time, and says why
    expect(cached(again.detail)).toEqual([true, true, true, false]);
    expect(again.detail.plays[3]!.uncachable).toMatch(/reads the scene/);
    expect(again.detail.segments.map((s) => s.plays)).toEqual([[3, 3]]);
    const reference = await manim(SOURCE, 'Jitter', 7);
    expect(first.frames).toEqual(reference);
    expect(again.frames).toEqual(reference);

    // Another seed: the plays that draw random numbers are not served; the rest of the scene's
    // state differs too, so nothing is.
    const reseeded = await farm(SOURCE, 'Jitter', { seed: 8 });
    expect(cached(reseeded.detail)).toEqual([false, false, false, false]);
    expect(reseeded.frames).toEqual(await manim(SOURCE, 'Jitter', 8));
    expect(reseeded.frames).not.toEqual(reference);
  }, 900_000);

  it('with several render slots, cuts an edited scene at once and its segments serve the plays the cache holds', async () => {
    await node.stop();
    node = await testNode(db.url, { concurrency: 2 });
    call = api(node.url);
    await call('/cache', { method: 'DELETE' });
    await farm(SOURCE, 'Edits', { seed: 7 });
    const edited = await farm(EDITED, 'Edits', { seed: 7 });
    // No planning pass first (which would leave the other slot idle until it ended): the plan of the
    // version before, and the renders found plays 0-1 and 3-5 in the cache as they keyed them.
    const events = await (await call(`/jobs/${edited.id}/events`)).text();
    const planned = [...events.matchAll(/event: scene.planned\ndata: (.*)/g)].map((m) => (JSON.parse(m[1]!) as { data: object }).data);
    expect(planned).toEqual([expect.objectContaining({ plan: 'earlier version' })]);
    expect(events).not.toContain('scene.replanning');
    expect(edited.detail.segments.length).toBeGreaterThan(0);
    expect(cached(edited.detail)).toEqual([true, true, false, true, true, true]);
    expect(edited.frames).toEqual(await manim(EDITED, 'Edits', 7));
  }, 900_000);
});
