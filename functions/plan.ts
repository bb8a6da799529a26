import { extname, join } from 'node:path';
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import { defineFunction, type FunctionEnv } from '../src/function/define.ts';
import { getJobRow, markJobRunning, finishRenderJobIfDone, finishJob, enqueuePlan } from '../src/store/jobs.ts';
import { holdPlanLock } from '../src/store/plan-lock.ts';
import { TERMINAL_JOB_STATES } from '../src/model/states.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { addFailedScene, endPlanning, failScene, openScene, sceneWithJob, resumePlanning } from '../src/store/scenes.ts';
import { HEARTBEAT_MS, renderSlots } from '../src/store/nodes.ts';
import { recordPlan } from '../src/store/plans.ts';
import { listSchema } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { isSceneFault } from '../src/model/errors.ts';
import type { RenderOptions } from '../src/model/render-options.ts';
import { renderStill } from '../src/render/still.ts';
import { jobSignal } from '../src/function/job-signal.ts';
import { cachedKeys, clearCache, sceneIsCached, storePlays } from '../src/store/play-cache.ts';
import { servedPlanSchema } from '../src/driver/protocol.ts';
import { putArtifactFile } from '../src/store/artifacts.ts';
import { contentType } from '../src/video/content-type.ts';
import { rememberedPlan } from '../src/store/cost-memory.ts';
import { DEFAULT_PLAN_FRAMES } from '../src/config/schema.ts';

/**
 * Plans a render job: lists the entry file's scenes and opens each. A scene's cheap planning pass
 * (every play recorded, nothing drawn) runs in its planning scout beside its lead, or here when it
 * has no lead (PNG frames, no LaTeX node); the plan is cut into segments that are enqueued. A scene
 * that raises fails alone with its traceback; the job's other scenes still render. With `sceneId`
 * it plans that one scene again, exactly: a render found its cheap plan wrong (store/replan.ts).
 */
export default defineFunction({
  name: 'plan',
  input: z.object({ jobId: z.uuid(), sceneId: z.uuid().optional() }),
  async run({ jobId, sceneId: replanned }, nodeEnv) {
    const { db } = nodeEnv.database;
    const job = await getJobRow(db, jobId);
    if (!job || TERMINAL_JOB_STATES.includes(job.state)) return { skipped: true };
    // One plan of a job at a time: a second one is offered again once the first may have ended.
    // (A scene planned again is guarded by its state: see replan and recordPlan.)
    const lock = replanned ? undefined : await holdPlanLock(nodeEnv.database, jobId);
    if (!replanned && !lock) {
      await db.transaction((tx) => enqueuePlan(tx, nodeEnv.queue, jobId, new Date(Date.now() + HEARTBEAT_MS)));
      return { deferred: 'another node is planning this job' };
    }
    // A cancel stops planning's renders at once; what is left of it is skipped.
    const cancel = jobSignal(nodeEnv, jobId);
    const env = { ...nodeEnv, signal: cancel.signal };
    try {
      if (replanned) return await replan(env, jobId, replanned, job.bundleId!, job.entry!, job.options);
      return await plan(env, job);
    } catch (err) {
      if (cancel.signal.aborted && !nodeEnv.signal.aborted) return { cancelled: true };
      throw err;
    } finally {
      cancel.release();
      await lock?.release();
    }
  },
});

/** Lists the job's scenes and opens (and plans) each. */
async function plan(env: FunctionEnv, job: NonNullable<Awaited<ReturnType<typeof getJobRow>>>) {
  const { db } = env.database;
  const jobId = job.id;
  // A retried plan after a crash must not plan the same scenes twice.
  const opened = await resumePlanning(db, jobId);
  if (!opened) return { skipped: true };
  await markJobRunning(db, jobId);

  const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
  const file = join(cwd, job.entry!);
  const options = job.options;
  const base = { file, cwd, options };

  let available: string[];
  try {
    available = (await env.driver.call('list', base, listSchema, env.signal)).scenes;
  } catch (err) {
    if (!isSceneFault(err)) throw err;
    await finishJob(db, jobId, 'failed', { error: errorDetail(err, cwd) });
    return { failed: err.message };
  }
  const wanted = job.sceneNames?.length ? job.sceneNames : available;
  if (!wanted.length) {
    await finishJob(db, jobId, 'failed', { error: { message: `${job.entry} defines no Scene subclass` } });
    return { failed: 'no scenes' };
  }
  const { slots, latexSlots } = await renderSlots(db);
  for (const [position, name] of wanted.entries()) {
    if (opened.has(name)) continue;
    if (!available.includes(name)) {
      await db.transaction((tx) =>
        addFailedScene(tx, jobId, position, name, { message: `no scene named ${name} in ${job.entry}; it defines: ${available.join(', ') || 'none'}` }),
      );
      continue;
    }
    // A lead segment renders while the scene is planned; PNG frames are numbered by the plan, so
    // a png-sequence job waits for it, and so does a range of plays (-n), cut from the plan. A
    // lead needs a slot with LaTeX (no TeX cache exists yet). The plan comes from a planning
    // scout, which goes on to render a share itself. With a single render slot the lead renders
    // the whole scene and its render is the plan: planning would only add to the wall time.
    // A still (format png) is manim's own last-frame render, made here (renderStill).
    const still = options.format === 'png';
    if (options.cache === 'flush') await clearCache(db, name);
    // Whole videos only: not a range of plays (-n), which the cases below would draw outside of.
    const whole = !still && options.format !== 'png-sequence' && !options.plays;
    // A scene with plays in the cache may be re-rendered warm: by its planning pass, which draws only
    // the plays whose keys are missing (planScene).
    const cachedScene = whole && options.cache !== 'off' && (await sceneIsCached(db, name));
    // The same scene rendered before (from the same files, or from others when every slot can compile
    // the TeX an edit added): cut at once from that render's plan and measured costs
    // (store/cost-memory.ts), with no lead and no planning pass. Its renders serve the plays the play
    // cache holds (render-segment). With one render slot a warm pass is that slot's render; with
    // more it would leave the others idle until it ends (a one-colour edit of a 27 s scene whose
    // every play changed: 97 s on the lab, against 60 s for its first render).
    const remembered = whole && (slots > 1 || !cachedScene) ? await rememberedPlan(db, { jobId, name }, { editable: latexSlots >= slots }) : undefined;
    const warm = !remembered && cachedScene;
    const lead = !remembered && env.config.segments.lead && !warm && whole && latexSlots > 0;
    const planningScout = lead && (slots > 1 || !!env.config.segments.maxPlays);
    // Slots with LaTeX that no scene's lead or planning scout takes scout while they wait for the plan:
    // a scout holds its slot until the plan is cut, so it must not keep another scene waiting.
    const scouts = planningScout ? Math.min(env.config.segments.scouts, Math.max(0, latexSlots - 2 * wanted.length)) : 0;
    const sceneId = await db.transaction((tx) => openScene(tx, env.queue, jobId, position, name, { lead, planningScout, scouts }));
    if (lead) continue;
    if (remembered) {
      await recordPlan(db, env.queue, env.config.segments, jobId, sceneId, name, remembered, undefined, true);
      continue;
    }
    if (still) {
      await renderStill(env, { id: jobId, cwd, file, options }, { id: sceneId, name });
      continue;
    }
    await planScene(env, jobId, sceneId, name, base, false, warm ? (env.config.cache.planFrames ?? (slots > 1 ? DEFAULT_PLAN_FRAMES : Infinity)) : undefined);
  }
  await db.transaction(async (tx) => {
    await endPlanning(tx, jobId, wanted);
    await finishRenderJobIfDone(tx, jobId);
  });
  return { scenes: wanted };
}

interface SceneSource {
  file: string;
  cwd: string;
  options: RenderOptions;
}

/**
 * Plans one scene here and cuts it; `exact` runs the exact pass at once (a cheap plan was wrong).
 * With `drawFrames` (a scene with plays in the cache) the pass is a one-pass re-render: it keys every
 * play on a render's exact state, fast-forwards over the cached ones and draws the missing ones up
 * to that many frames, which are stored here; segments draw what it left.
 */
async function planScene(env: FunctionEnv, jobId: string, sceneId: string, name: string, base: SceneSource, exact: boolean, drawFrames?: number): Promise<void> {
  const mediaDir = join(env.workDir, 'plan', jobId, name);
  const { db } = env.database;
  try {
    const serve = drawFrames === undefined ? {} : { serve: await cachedKeys(db, name), ...(drawFrames < Infinity ? { drawFrames } : {}) };
    const { partials, ...plan } = await env.driver.call('plan', { ...base, scene: name, mediaDir, texCache: env.tex.dir, exact, ...serve }, servedPlanSchema, env.signal);
    await env.tex.shareFromPlan(plan.texFiles, mediaDir);
    if (partials.length) {
      await db.transaction(async (tx) => {
        for (const p of partials) {
          await putArtifactFile(tx, { jobId, sceneId, kind: 'partial', name: `${p.index}${extname(p.path)}`, position: p.index, contentType: contentType(p.path) }, p.path);
        }
      });
      await storePlays(db, name, partials, env.config.cache.maxBytes);
      // what drawing them took, for later renders (store/cost-memory.ts)
      const seconds = new Map(partials.map((p) => [p.index, p.seconds]));
      plan.plays = plan.plays.map((p) => (seconds.get(p.index) ? { ...p, drawnSeconds: seconds.get(p.index) } : p));
    }
    await recordPlan(env.database.db, env.queue, env.config.segments, jobId, sceneId, name, plan);
  } catch (err) {
    if (!isSceneFault(err)) throw err;
    await env.database.db.transaction((tx) => failScene(tx, env.queue, sceneId, errorDetail(err, base.cwd)));
  } finally {
    await rm(mediaDir, { recursive: true, force: true });
  }
}

/** A scene whose cheap plan a render found wrong (store/replan.ts): planned again, exactly, and cut. */
async function replan(env: FunctionEnv, jobId: string, sceneId: string, bundleId: string, entry: string, options: RenderOptions) {
  const scene = (await sceneWithJob(env.database.db, sceneId))?.scene;
  if (!scene || scene.state !== 'planning' || scene.plan) return { skipped: true };
  const cwd = await materializeBundle(env.database.db, bundleId, join(env.workDir, 'bundles'));
  await planScene(env, jobId, sceneId, scene.name, { file: join(cwd, entry), cwd, options }, true);
  return { replanned: scene.name };
}
