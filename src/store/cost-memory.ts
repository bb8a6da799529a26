import { and, desc, eq, isNotNull, or, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { jobs, scenes } from '../db/schema.ts';
import { isServed, type Play, type ScenePlan } from '../model/plan.ts';
import type { RenderOptions } from '../model/render-options.ts';
import { storedTex } from './tex-cache.ts';

/**
 * Costs remembered: what drawing each play took in earlier renders of a scene, and fast-forwarding
 * over it, replaces the cost model's estimate when the scene is cut again. A segment records its
 * drawn plays' measured seconds (and their play-cache keys) in its scene's plan (`drawnSeconds`, in
 * `scenes.plan`), and those of the plays it fast-forwarded over (`forwardSeconds`). A later render of
 * the scene (same file name and scene name, same resolution) finds a play's cost by its content key
 * (the play cache's: a play an edit did not change has the key it had, wherever it now stands) or,
 * for a play without one (a job with the cache off keys nothing), by its position and what it looks
 * like to the cost model: the same run time, frames and drawing load (mobjects and points) as the
 * play that stood there in a render of the same project (another project's `Main` in `scene.py`
 * is another scene, however alike its plays look). An unedited scene so remembers every play; an edited one every play that
 * still looks the same, which costs what it cost. A scene whose whole job is the same (files and
 * options), or of the same entry file when its edits can be checked, is cut from its remembered plan
 * before any planning pass runs (rememberedPlan). Memory
 * lasts as long as the jobs that made it (retention).
 */

/** Scenes of the same name and resolution, latest render first, that memory reads. */
const RECENT = 20;

/** What a play took: seconds per frame to draw it, seconds to fast-forward over it. */
interface Measured {
  perFrame?: number;
  forward?: number;
}

/** What each play took, by content key and by position and shape. */
export interface CostMemory {
  byKey: Map<string, Measured>;
  byShape: Map<string, Measured>;
}

export interface SceneOf {
  jobId: string;
  name: string;
}

/** A play as the cost model sees it, at its position. */
const shape = (p: Play) => [p.index, p.frames, p.runTime, p.frozen, p.timeBased, p.mobjects, p.points].join(' ');

/** The job's bundle, entry, project and options: what decides whether an earlier render is the same scene. */
async function jobOf(db: Tx, jobId: string) {
  const [job] = await db.select({ bundleId: jobs.bundleId, entry: jobs.entry, project: jobs.project, options: jobs.options }).from(jobs).where(eq(jobs.id, jobId));
  return job;
}

/** What earlier renders of the scene measured, at this resolution (the latest measure wins). */
export async function rememberCosts(db: Tx, scene: SceneOf, width: number, height: number): Promise<CostMemory> {
  const memory: CostMemory = { byKey: new Map(), byShape: new Map() };
  const job = await jobOf(db, scene.jobId);
  if (!job?.entry) return memory;
  const rows = await db
    .select({ plan: scenes.plan, project: jobs.project, bundleId: jobs.bundleId })
    .from(scenes)
    .innerJoin(jobs, eq(jobs.id, scenes.jobId))
    .where(
      and(
        eq(scenes.name, scene.name),
        eq(jobs.entry, job.entry),
        sql`${scenes.jobId} <> ${scene.jobId}`,
        sql`(${scenes.plan}->>'width')::int = ${width} and (${scenes.plan}->>'height')::int = ${height}`,
        sql`jsonb_path_exists(${scenes.plan}, '$.plays[*].drawnSeconds')`,
      ),
    )
    .orderBy(desc(scenes.startedAt))
    .limit(RECENT);
  // the latest measure of each wins
  const learn = (map: Map<string, Measured>, id: string, p: Play) => {
    const known = map.get(id) ?? {};
    const perFrame = known.perFrame ?? (p.drawnSeconds === undefined ? undefined : p.drawnSeconds / p.frames);
    const forward = known.forward ?? p.forwardSeconds;
    if (perFrame !== undefined || forward !== undefined) map.set(id, { ...(perFrame === undefined ? {} : { perFrame }), ...(forward === undefined ? {} : { forward }) });
  };
  for (const { plan, project, bundleId } of rows) {
    // the same files are the same scene in any project
    const sameScene = bundleId === job.bundleId || project === job.project;
    for (const p of plan?.plays ?? []) {
      if (p.frames === 0) continue;
      if (p.key) learn(memory.byKey, p.key, p);
      if (sameScene) learn(memory.byShape, shape(p), p);
    }
  }
  return memory;
}

/** The plays with their remembered costs where memory has them (a plan that already has one, an
 *  earlier render's plan, keeps it). */
export function withRememberedCosts(plays: Play[], memory: CostMemory): Play[] {
  return plays.map((p) => {
    if (p.skipped) return p;
    const byKey = p.key ? memory.byKey.get(p.key) : undefined;
    const byShape = memory.byShape.get(shape(p));
    const perFrame = byKey?.perFrame ?? byShape?.perFrame;
    const forward = byKey?.forward ?? byShape?.forward;
    return {
      ...p,
      ...(perFrame === undefined || p.rememberedSeconds !== undefined || isServed(p) ? {} : { rememberedSeconds: perFrame * p.frames }),
      ...(forward === undefined || p.forwardSeconds !== undefined ? {} : { forwardSeconds: forward }),
    };
  });
}

/** Whether two jobs' options make the same plan: all but the seed (random numbers may place sounds,
 *  see rememberedPlan) and the cache use. */
const sameRender = (a: RenderOptions, b: RenderOptions) => {
  const strip = ({ seed: _s, cache: _c, ...rest }: RenderOptions): Record<string, unknown> => rest;
  const [x, y] = [strip(a), strip(b)];
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].every((k) => JSON.stringify(x[k]) === JSON.stringify(y[k]));
};

/**
 * The plan of an earlier render of the same scene with the same options, every drawn play of it
 * measured: this job's scene can be cut from it at once, with no planning pass. Its plays and frame
 * counts are checked by every render as a planning pass's are (a mismatch has the scene planned again
 * exactly). From the same files, with another seed it is taken only when it has no sounds, whose
 * times and files random numbers could choose without changing a frame count.
 *
 * With `editable` (every render slot has LaTeX) the scene's files may have changed since, as they do
 * between an author's renders, a push's and a night's: the latest render of the same entry file in
 * the same project (the CLI's folder, the trigger; jobs that name none are one project) is taken
 * (`earlierVersion`, not exact, so a mismatch replans). What no frame count shows, its sections and
 * sounds, is checked by the render that runs the scene's code to its end (finish.ts), and TeX an
 * edit added is compiled by the renders that meet it.
 */
export async function rememberedPlan(db: Tx, scene: SceneOf, { editable }: { editable: boolean }): Promise<ScenePlan | undefined> {
  const job = await jobOf(db, scene.jobId);
  if (!job?.bundleId) return undefined;
  const rows = await db
    .select({ plan: scenes.plan, options: jobs.options, bundleId: jobs.bundleId })
    .from(scenes)
    .innerJoin(jobs, eq(jobs.id, scenes.jobId))
    .where(
      and(
        eq(scenes.name, scene.name),
        eq(scenes.state, 'succeeded'),
        eq(jobs.entry, job.entry ?? ''),
        isNotNull(scenes.plan),
        // another version of the files only from the same project: one that renders a scene of the
        // same name from a file of the same name would be checked and replanned, its work lost
        editable ? or(eq(jobs.bundleId, job.bundleId), sql`${jobs.project} is not distinct from ${job.project}`) : eq(jobs.bundleId, job.bundleId),
      ),
    )
    .orderBy(desc(scenes.startedAt))
    .limit(RECENT);
  for (const { plan, options, bundleId } of rows) {
    if (!plan || !sameRender(options, job.options)) continue;
    const earlierVersion = bundleId !== job.bundleId || !!plan.earlierVersion;
    // A plan taken from another version whose sections and sounds are checked anyway may have any seed.
    if (!earlierVersion && options.seed !== job.options.seed && plan.sounds.length) continue;
    // A scene without drawn plays (a still diagram) is its stitch's one image, made by a planning pass.
    // Every drawn play measured, but one drawn in pieces (slices, or the ends of two shares): no
    // piece measures all of it, and the model weighs it again.
    // A play served from the play cache keeps what the plan it was cut from remembered of it.
    const measured = (p: Play) => p.drawnSeconds ?? (p.cached ? p.rememberedSeconds : undefined);
    const drawn = plan.plays.filter((p) => !p.skipped && p.frames > 0);
    if (!drawn.length || !drawn.every((p) => measured(p) !== undefined || p.sliced !== undefined)) continue;
    // renders take the plan's TeX and text SVGs from the cluster's store (a planning pass put them
    // there); where an edit may have added some, the renders compile what the store lacks
    const stored = await storedTex(db, plan.texFiles);
    if (!earlierVersion && stored.length !== plan.texFiles.length) continue;
    // Nothing served, drawn, sliced or measured in this job yet, and no keys: a key taken with another seed
    // may not be this job's. Its renders key the plays and serve those the play cache holds.
    const plays = plan.plays.map((play) => {
      const { cached: _c, drawn: _d, sliced: _s, key: _k, uncachable: _u, drawnSeconds: _m, rememberedSeconds: _r, ...p } = play;
      return { ...p, rememberedSeconds: measured(play) };
    });
    return { ...plan, plays, ...(earlierVersion ? { exact: false, earlierVersion, texFiles: plan.texFiles.filter((f) => stored.includes(f)) } : {}) };
  }
  return undefined;
}

/** A segment's drawn plays' measured seconds go into its scene's plan, with the key the render took
 *  where a cheap plan had none, and so do those of the plays it fast-forwarded over (the scene row
 *  locked by the caller). */
export async function recordSeconds(tx: Tx, sceneId: string, partials: { index: number; seconds: number; key: string | null }[], forwarded: { index: number; seconds: number }[]): Promise<void> {
  const measured = new Map(partials.filter((p) => p.seconds > 0).map((p) => [p.index, p]));
  const passed = new Map(forwarded.map((p) => [p.index, p.seconds]));
  if (!measured.size && !passed.size) return;
  const [row] = await tx.select({ plan: scenes.plan }).from(scenes).where(eq(scenes.id, sceneId));
  if (!row?.plan) return;
  const plays = row.plan.plays.map((p) => {
    const drawn = measured.get(p.index);
    const forward = passed.get(p.index);
    return { ...p, ...(drawn ? { drawnSeconds: drawn.seconds, key: p.key ?? drawn.key } : {}), ...(forward === undefined ? {} : { forwardSeconds: forward }) };
  });
  await tx.update(scenes).set({ plan: { ...row.plan, plays } }).where(eq(scenes.id, sceneId));
}
