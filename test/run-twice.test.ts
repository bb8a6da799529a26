import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, submitJob, jobFinished, waitFor, TOKEN } from './helpers/node.ts';
import { audioHash } from './helpers/media.ts';

// Plan, render and stitch each on a node of its own, each with its own home and work folder, as
// on three machines; the planner's home is deleted before anything is stitched.
const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const options = { resolution: [192, 108], fps: 15 };
const scene = [
  'from manim import *',
  '',
  'class Sounds(Scene):',
  '    def construct(self):',
  '        # a file of the project, read by every node that runs the scene',
  '        n = int(open("data/count.txt").read())',
  '        self.add_sound("sounds/click.wav")',
  '        for i in range(n):',
  '            self.play(Create(Square().shift(RIGHT * i)), run_time=0.3)',
  '        self.add_sound("sounds/click.wav", time_offset=0.1)',
  '',
  'class Plain(Scene):',
  '    def construct(self):',
  '        self.play(Create(Circle()), run_time=0.3)',
  '',
].join('\n');
const files = {
  'scene.py': scene,
  'data/count.txt': '3',
  'sounds/click.wav': { base64: readFileSync(join(SCENES, 'click.wav')).toString('base64') },
};

let db: Awaited<ReturnType<typeof freshDatabase>>;
let sql: postgres.Sql;
const started: Awaited<ReturnType<typeof testNode>>[] = [];
const homes: string[] = [];
const node = async (name: string, functions: string[], concurrency = 1) => {
  const home = mkdtempSync(join(tmpdir(), `nn-${name}-`));
  homes.push(home);
  const n = await testNode(db.url, { functions, home, concurrency, segments: { lead: false, maxPlays: 1, minFrames: 1 } }, name);
  started.push(n);
  return Object.assign(n, { home });
};

beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 4, onnotice: () => {} });
});
afterAll(async () => {
  for (const n of started) await n.stop();
  await sql?.end();
  await db?.drop();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

const sceneState = async (jobId: string) => (await sql<{ id: string; state: string }[]>`select id, state from scenes where job_id = ${jobId}`)[0];
const outputs = async (jobId: string) => (await sql<{ name: string }[]>`select name from artifacts where job_id = ${jobId} and kind = 'output' order by name`).map((r) => r.name);
const partials = async (jobId: string) => Number((await sql`select count(*) as n from artifacts where job_id = ${jobId} and kind = 'partial'`)[0]!.n);

describe('nothing is lost between machines, and a stitch is safe to run twice', () => {
  it('stitches on a third machine with sounds and files of the project, once, and a stitch that ends after a cancel leaves the job cancelled', async () => {
    const planner = await node('planner', ['plan']);
    const renderer = await node('renderer', ['render-segment']);
    const call = api(planner.url);
    const sounds = await submitJob(call, { files, scenes: ['Sounds'], options });
    const plain = await submitJob(call, { files, scenes: ['Plain'], options });
    // Rendered, nobody to stitch: both scenes wait in `stitching`.
    for (const id of [sounds, plain]) await waitFor(async () => (await sceneState(id))?.state === 'stitching', 120_000, `job ${id} to wait for its stitch`);
    expect(await partials(sounds)).toBe(3);
    await planner.stop();
    rmSync(planner.home, { recursive: true, force: true });

    const plainScene = (await sceneState(plain))!.id;
    const soundsScene = (await sceneState(sounds))!.id;
    let stitcher!: Awaited<ReturnType<typeof node>>;
    let direct: Promise<Response[]> | undefined;
    // The cancel holds the plain job's row while the stitches run: theirs end after it.
    await sql.begin(async (tx) => {
      await tx`select id from jobs where id = ${plain} for update`;
      stitcher = await node('stitcher', ['stitch'], 3);
      // The queue's stitch and two more, as a redelivery or a direct call would make.
      const post = (sceneId: string) => api(stitcher.url, TOKEN)('/functions/stitch', { method: 'POST', body: JSON.stringify({ sceneId }) });
      direct = Promise.all([post(soundsScene), post(soundsScene), post(plainScene)]);
      await waitFor(async () => (await sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`).length > 0, 120_000, 'a stitch waiting on the cancel');
      await tx`update jobs set state = 'cancelled', finished_at = now() where id = ${plain}`;
      await tx`update scenes set state = 'cancelled' where job_id = ${plain}`;
    });
    for (const res of await direct!) expect(res.status, await res.clone().text()).toBe(200);

    const job = await jobFinished(api(stitcher.url), sounds, 120_000);
    expect(job.state, JSON.stringify(job.scenes[0]?.error)).toBe('succeeded');
    // One set of outputs, however many stitches ran; the pieces went once it was stitched.
    expect(await outputs(sounds)).toEqual(['Sounds.mp4']);
    expect(await partials(sounds)).toBe(0);
    const movie = join(stitcher.home, 'Sounds.mp4');
    writeFileSync(movie, Buffer.from(await (await api(stitcher.url)(new URL(job.scenes[0].outputs[0].url, stitcher.url).pathname)).arrayBuffer()));
    expect(await audioHash(movie)).toBeTruthy();

    expect((await sceneState(plain))?.state).toBe('cancelled');
    expect(await outputs(plain)).toEqual([]);
    expect((await (await api(stitcher.url)(`/jobs/${plain}`)).json()).state).toBe('cancelled');
    await renderer.stop();
  }, 400_000);

  it('plans a job once however many plans of it run at once', async () => {
    const whole = await node('whole', ['plan', 'render-segment', 'stitch'], 2);
    const call = api(whole.url);
    const id = await submitJob(call, { files, options });
    // The queue's plan and two more, as a redelivery or a direct call would make.
    const direct = await Promise.all([1, 2].map(() => call('/functions/plan', { method: 'POST', body: JSON.stringify({ jobId: id }) })));
    for (const res of direct) expect(res.status, await res.clone().text()).toBe(200);
    const job = await jobFinished(call, id, 180_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.scenes.map((s: { name: string }) => s.name)).toEqual(['Sounds', 'Plain']);
    expect(await sql`select 1 from events where job_id = ${id} and type = 'scene.planned'`).toHaveLength(2);
    expect(await outputs(id)).toEqual(['Plain.mp4', 'Sounds.mp4']);
    await whole.stop();
  }, 300_000);

  it('a plan that runs again after its node died mid-job plans only the scenes left and the job ends', async () => {
    // No node of the tests before may render this job's segments before its plan is cut short.
    for (const n of started) await n.stop();
    const planner = await node('planner', ['plan']);
    const call = api(planner.url);
    const id = await submitJob(call, { files, options });
    await waitFor(async () => (await sql`select 1 from events where job_id = ${id} and type = 'job.planned'`).length > 0, 120_000, 'the first plan');
    await planner.stop();
    // What the first run leaves when its node dies while planning the second scene itself:
    // the first scene planned and cut, the second opened with no plan and no segments, no job.planned.
    await sql.begin(async (tx) => {
      const [plain] = await tx<{ id: string }[]>`update scenes set state = 'planning', plan = null where job_id = ${id} and name = 'Plain' returning id`;
      await tx`delete from segments where scene_id = ${plain!.id}`;
      await tx`delete from events where job_id = ${id} and type = 'job.planned'`;
    });
    const whole = await node('whole-again', ['plan', 'render-segment', 'stitch'], 2);
    const res = await api(whole.url)('/functions/plan', { method: 'POST', body: JSON.stringify({ jobId: id }) });
    expect(res.status, await res.clone().text()).toBe(200);
    const job = await jobFinished(api(whole.url), id, 180_000);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    // Sounds was planned once (by the first run), Plain again by the second.
    expect(await sql`select 1 from events where job_id = ${id} and type = 'scene.planned' and data->>'scene' = 'Sounds'`).toHaveLength(1);
    expect(await sql`select 1 from events where job_id = ${id} and type = 'scene.planned' and data->>'scene' = 'Plain'`).toHaveLength(2);
    expect(await outputs(id)).toEqual(['Plain.mp4', 'Sounds.mp4']);
    await whole.stop();
  }, 300_000);
});
