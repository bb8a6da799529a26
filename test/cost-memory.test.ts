import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { api, jobFinished, submitJob, testNode, TOKEN } from './helpers/node.ts';
import { frameHashes, manimRender } from './helpers/media.ts';
import type { Play, ScenePlan } from '../src/model/plan.ts';
import { withRememberedCosts } from '../src/store/cost-memory.ts';
import { cutScene } from '../src/cutting/cut.ts';

/**
 * Ten plays. The first nine are three seconds each: frames to draw and nothing to fast-forward (no
 * updaters). The last runs an updater that spends 0.3 s of CPU a frame and changes nothing, which
 * the cost model (one timed step, capped) cannot see: it spends it on a frame's step only, not on
 * the planning pass's one step over the whole run time nor on manim's closing update (dt 0), which
 * the model counts whole. Measured, it costs nearly what the nine others cost together, so a cut by
 * measured costs gives it a segment of its own (or with one play more) and saves seconds, far more
 * than the timing noise of a segment's start, while the model's cut shares it with several others. CPU time, not sleep: on a loaded machine every play slows alike.
 * Last, so that no segment fast-forwards over it. `last` is its run time: the edit below changes it;
 * other edits change the dots' colour, or put the slow play in a section of its own.
 */
interface Version {
  last: number;
  colour?: string;
  section?: boolean;
}
const scene = ({ last, colour = 'BLUE', section = false }: Version) => `import time
from manim import *


def busy(seconds):
    start = time.process_time()
    while time.process_time() - start < seconds:
        pass


class Costs(Scene):
    def construct(self):
        dots = [Dot(RIGHT * (i - 4.5) * 0.8, color=${colour}) for i in range(10)]
        for d in dots[:9]:
            self.play(FadeIn(d), run_time=3)
        slow = dots[9]
        slow.add_updater(lambda m, dt: busy(0.3) if 0 < dt < 0.5 else None)
${section ? '        self.next_section("slow")\n' : ''}        self.play(FadeIn(slow), run_time=${last})
`;
// 720p: the nine plays' frames cost the model enough that it shares the slow play with several of them
const OPTIONS = { resolution: [1280, 720], fps: 10 };

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: Awaited<ReturnType<typeof testNode>>;
let sql: postgres.Sql;
const call = () => api(node.url, TOKEN);

beforeAll(async () => {
  db = await freshDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => {} });
  // Planned in `plan` (no lead), one segment per share, any number of shares worth a start: the cut
  // is the cutter's balance of the plays' costs and nothing else.
  node = await testNode(db.url, { concurrency: 2, segments: { lead: false, minFrames: 1, setupSeconds: 0.01, perWorker: 1, rebalance: false } }, 'memory-node');
}, 120_000);
afterAll(async () => {
  await node?.stop();
  await sql?.end();
  await db?.drop();
});

/** Renders the scene with the cache off: every play is drawn, and none has a content key. */
async function render(version: Version, project?: string) {
  const id = await submitJob(call(), { files: { 'costs.py': scene(version) }, options: { ...OPTIONS, cache: 'off' }, ...(project ? { project } : {}) });
  const job = await jobFinished(call(), id, 600_000);
  expect(job.state, JSON.stringify(job.scenes?.[0]?.error ?? job.error)).toBe('succeeded');
  const history = await (await call()(`/jobs/${id}/events`)).text();
  const planned = [...history.matchAll(/event: scene.planned\ndata: (.*)/g)].map((m) => JSON.parse(m[1]!).data as { costs: string; plan?: string });
  const segments = (job.scenes[0].segments as { plays: [number, number] }[]).map((s) => s.plays).sort((a, b) => a[0] - b[0]);
  const [row] = await sql<{ plan: ScenePlan }[]>`select plan from scenes where job_id = ${id}`;
  return { id, planned, segments, plan: row!.plan, history };
}

/** The plays of the segment that draws the slow play. */
const slowSegment = (segments: [number, number][]) => segments.find(([a, b]) => a <= 9 && 9 <= b)!;

async function sameAsManim(jobId: string, version: Version): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nn-memory-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'costs.py'), scene(version));
  const seed = (await (await call()(`/jobs/${jobId}`)).json()).options.seed as number;
  await manimRender(join(dir, 'src', 'costs.py'), ['Costs'], ['-r', '1280,720', '--fps', '10', '--seed', String(seed)], join(dir, 'ref'));
  const ours = join(dir, 'Costs.mp4');
  writeFileSync(ours, Buffer.from(await (await call()(`/jobs/${jobId}/output/Costs`)).arrayBuffer()));
  expect(await frameHashes(ours)).toEqual(await frameHashes(join(dir, 'ref', 'videos', 'costs', '720p10', 'Costs.mp4')));
}

describe('costs remembered', () => {
  it('cuts a second render of an unchanged scene from what the first measured, before any planning pass', async () => {
    const first = await render({ last: 1 });
    expect(first.planned.map((p) => p.costs)).toEqual(['model']);
    // Every drawn play's time is remembered; the slow one took far longer than any other (play 0's
    // time holds the scene's set-up too).
    const drawn = first.plan.plays.map((p) => p.drawnSeconds ?? 0);
    expect(drawn.every((s) => s > 0), JSON.stringify(drawn)).toBe(true);
    expect(drawn[9], JSON.stringify(drawn)).toBeGreaterThan(3 * Math.max(...drawn.slice(1, 9)));
    // So is what fast-forwarding over the plays before the last segment took it.
    const last = Math.max(...first.segments.map(([a]) => a));
    const forwarded = first.plan.plays.map((p) => p.forwardSeconds);
    expect(forwarded.slice(0, last).every((s) => s !== undefined && s > 0), `${JSON.stringify(forwarded)} before play ${last}`).toBe(true);

    const second = await render({ last: 1 });
    // The earlier render's plan and costs: no planning pass ran, nothing rendered before the cut.
    expect(second.planned).toEqual([expect.objectContaining({ costs: 'remembered', plan: 'remembered' })]);
    // The model shares the slow play with several others; remembered costs leave it nearly alone.
    const costs = JSON.stringify(second.plan.plays.map((p) => [p.codeSeconds, p.seconds, p.rememberedSeconds]));
    const [a, b] = slowSegment(second.segments);
    expect(b - a + 1, `${JSON.stringify(second.segments)} cut from ${costs}`).toBeLessThanOrEqual(2);
    const [fa, fb] = slowSegment(first.segments);
    expect(fb - fa + 1, JSON.stringify(first.segments)).toBeGreaterThan(2);
    expect(second.segments).not.toEqual(first.segments);
    await sameAsManim(second.id, { last: 1 });
  }, 900_000);

  it('keeps the costs of the plays an edit did not change, and estimates the changed one', async () => {
    // No play has a content key (the cache is off): plays are known by position and shape.
    const before = await render({ last: 1 });
    const edited = await render({ last: 2 }); // the last play now runs 2 s
    // Cut at once from the earlier version's plan, which the render of play 9 found wrong (its
    // frames): the edited file was planned then, with what the earlier render measured.
    expect(edited.planned).toEqual([expect.objectContaining({ plan: 'earlier version' }), expect.objectContaining({ costs: 'mixed' })]);
    expect(edited.planned[1]!.plan).toBeUndefined();
    expect(edited.history).toMatch(/event: scene.replanning\ndata: .*play 9 drew 20 frames, the plan said 10/);
    const plays = edited.plan.plays;
    // Plays 0-8 cost what they took before (per frame, and they have the same frames).
    for (const p of plays.slice(0, 9)) expect(p.rememberedSeconds, `play ${p.index}`).toBeCloseTo(before.plan.plays[p.index]!.drawnSeconds!, 6);
    expect(plays[9]!.rememberedSeconds).toBeUndefined();
    await sameAsManim(edited.id, { last: 2 });
  }, 900_000);

  it('cuts an edited scene at once from the plan of its earlier version, and plans it again when the edit moved its sections', async () => {
    // Another colour: the same plays and frames, and sections and sounds, so the earlier plan holds.
    const recoloured = await render({ last: 2, colour: 'RED' });
    expect(recoloured.planned, /scene.replanning\n.*/.exec(recoloured.history)?.[0]).toEqual([expect.objectContaining({ costs: 'remembered', plan: 'earlier version' })]);
    expect(recoloured.history).not.toContain('scene.replanning');
    await sameAsManim(recoloured.id, { last: 2, colour: 'RED' });

    // The same file and scene names in another project: not a version of this one, so planned,
    // and weighed by the model: no play of this project's renders counts as one of its plays.
    const elsewhere = await render({ last: 2, colour: 'GREEN' }, 'another project');
    expect(elsewhere.planned).toEqual([expect.not.objectContaining({ plan: expect.anything() })]);
    expect(elsewhere.planned).toEqual([expect.objectContaining({ costs: 'model' })]);
    expect((await (await call()(`/jobs/${elsewhere.id}`)).json()).project).toBe('another project');

    // A section before the slow play changes no frame count; the render that ran the scene to its
    // end saw it, and the stitch takes the sections of the plan made again.
    const sectioned = await render({ last: 2, colour: 'RED', section: true });
    expect(sectioned.planned[0]).toEqual(expect.objectContaining({ plan: 'earlier version' }));
    expect(sectioned.history).toMatch(/event: scene.replanning\ndata: .*sections are autocreated, slow over its plays \[0,0,0,0,0,0,0,0,0,1\]/);
    expect(sectioned.plan.sections.map((s) => s.name)).toEqual(['autocreated', 'slow']);
    await sameAsManim(sectioned.id, { last: 2, colour: 'RED', section: true });
  }, 900_000);
});

describe('plays found by their content key', () => {
  const play = (index: number, key: string, extra: Partial<Play> = {}): Play => ({
    index, key, frames: 30, runTime: 1, frozen: false, section: 0, skipped: false, timeBased: false, pure: true, mobjects: 1, points: 16, stepSeconds: 0, drawSeconds: 0, motion: 0, encodeSeconds: 0, codeSeconds: 0, seconds: 0, ...extra,
  });

  it('keep their costs where an edit moved them, and a new play is estimated', () => {
    // Measured: play "b" took 3 s a frame, the others 0.1 s; fast-forwarding over "b" took 2 s.
    const memory = { byKey: new Map(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, k === 'b' ? { perFrame: 3, forward: 2 } : { perFrame: 0.1 }])), byShape: new Map() };
    // The edit put a new play "n" first: every other play stands one later.
    const edited = ['n', 'a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k, i) => play(i, k));
    const plays = withRememberedCosts(edited, memory);
    expect(plays.map((p) => p.rememberedSeconds)).toEqual([undefined, 3, 90, 3, 3, 3, 3, 3]);
    expect(plays.map((p) => p.forwardSeconds)).toEqual([undefined, undefined, 2, undefined, undefined, undefined, undefined, undefined]);
    // The cut follows: the dear play's share takes as few others as it can; by the model's
    // estimate (eight alike plays) it would take half of them.
    const shares = (ps: Play[]) => [...cutScene(ps, 256 * 144, { workers: 2, perWorker: 1, minFrames: 1, setupSeconds: 0 }).queued].sort((x, y) => x.fromPlay - y.fromPlay).map((c) => [c.fromPlay, c.toPlay]);
    expect(shares(plays)).toEqual([[0, 2], [3, 7]]);
    // (a little over half: the second share fast-forwards over the first's plays)
    const [first, second] = shares(edited);
    expect(first![1]).toBeGreaterThanOrEqual(3);
    expect(second).toEqual([first![1]! + 1, 7]);
  });
});
