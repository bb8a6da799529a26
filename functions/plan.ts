import { isAbsolute, join, relative } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { eq, isNotNull, and } from 'drizzle-orm';
import { z } from 'zod';
import { defineFunction, type FunctionEnv } from '../src/runtime/define-function.ts';
import { jobs, scenes } from '../src/db/schema.ts';
import { getJobRow, markJobRunning, finishRenderJobIfDone, finishJob, TERMINAL } from '../src/store/jobs.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { addFailedScene, addPlan, assignShare, dropSegment, failScene, OPEN_END, openScene, openSegments, stitchIfComplete } from '../src/store/scenes.ts';
import { renderSlots } from '../src/store/nodes.ts';
import { planSegments } from '../src/planner/segments.ts';
import { listSchema, planSchema, SceneError, type ScenePlan } from '../src/driver/protocol.ts';
import { renderOptionsSchema } from '../src/config/schema.ts';
import { errorDetail } from '../src/driver/errors.ts';

/** TeX and text SVGs made while planning go to the cluster's cache, so render nodes need no LaTeX
 *  (and Pango texts look the same whatever fonts a node has). */
async function shareSvgs(env: FunctionEnv, plan: ScenePlan, mediaDir: string): Promise<void> {
  for (const f of plan.texFiles) {
    const abs = isAbsolute(f) ? f : join(mediaDir, f);
    await env.tex.add(relative(mediaDir, abs), await readFile(abs));
  }
}

/**
 * Cuts a planned scene into segments. A lead segment already rendering from play 0 gets the first
 * share from where it is now, running scouts the next ones (each from its paused copy nearest the
 * share's start); each goes on into the rest of its share while nobody else has taken it. Segments
 * that have not started yet make way for the plan's.
 */
async function recordPlan(env: FunctionEnv, jobId: string, sceneId: string, name: string, plan: ScenePlan, mediaDir: string, workers: number) {
  const { db } = env.database;
  await shareSvgs(env, plan, mediaDir);
  const pixels = plan.width * plan.height;
  await db.transaction(async (tx) => {
    const [job] = await tx.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, jobId)).for('update');
    if (!job || TERMINAL.includes(job.state)) return;
    const open = await openSegments(tx, sceneId);
    for (const s of [open.lead, ...open.scouts]) if (s?.state === 'queued') await dropSegment(tx, s.id);
    const running = (s?: { state: string }) => s?.state === 'running';
    const lead = running(open.lead) && open.lead!.toPlay === OPEN_END ? open.lead : undefined;
    const scouts = open.scouts.filter(running);
    // A lead that finished the whole scene before the plan was ready keeps it (one that failed fails its scene).
    const done = open.lead && !['queued', 'running'].includes(open.lead.state) ? open.lead.toPlay : -1;
    const rest = plan.plays.filter((p) => p.index > done);
    // Where each is, among the plays left to cut (progress is recorded every half second or so).
    const at = (s: { atPlay: number | null }) => (s.atPlay ?? 0) - (done + 1);
    const cut = planSegments(rest, pixels, { ...env.config.segments, workers }, {
      before: plan.plays.filter((p) => p.index <= done),
      lead: lead ? { at: at(lead) } : undefined,
      scouts: scouts.map((s) => ({ at: at(s) })),
    });
    if (lead && cut.lead) await assignShare(tx, jobId, lead.id, cut.lead);
    for (const [i, s] of scouts.entries()) {
      const share = cut.scouts[i];
      await (share ? assignShare(tx, jobId, s.id, share) : dropSegment(tx, s.id));
    }
    await addPlan(tx, env.queue, jobId, sceneId, name, plan, cut.queued, open.count);
    await stitchIfComplete(tx, env.queue, sceneId);
  });
}

/**
 * Plans a render job: lists the entry file's scenes, runs each scene's cheap planning pass (every
 * play recorded, nothing drawn), cuts it into segments and enqueues them. A scene that raises fails
 * alone with its traceback; the job's other scenes still render.
 */
export default defineFunction({
  name: 'plan',
  input: z.object({ jobId: z.uuid() }),
  async run({ jobId }, env) {
    const { db } = env.database;
    const job = await getJobRow(db, jobId);
    if (!job || TERMINAL.includes(job.state)) return { skipped: true };
    // A retried plan after a crash must not plan the same scenes twice.
    const planned = await db.select({ id: scenes.id }).from(scenes).where(and(eq(scenes.jobId, jobId), isNotNull(scenes.plan))).limit(1);
    if (planned.length) return { skipped: true };
    await db.delete(scenes).where(eq(scenes.jobId, jobId));
    await markJobRunning(db, jobId);

    const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
    const file = join(cwd, job.entry!);
    const options = renderOptionsSchema.parse(job.options);
    const base = { file, cwd, options };

    let available: string[];
    try {
      available = (await env.driver.call('list', base, listSchema, env.signal)).scenes;
    } catch (err) {
      if (!(err instanceof SceneError)) throw err;
      await finishJob(db, jobId, 'failed', { error: errorDetail(err, cwd) });
      return { failed: err.message };
    }
    const wanted = job.sceneNames?.length ? job.sceneNames : available;
    if (!wanted.length) {
      await finishJob(db, jobId, 'failed', { error: { message: `${job.entry} defines no Scene subclass` } });
      return { failed: 'no scenes' };
    }
    const { slots, latexSlots } = await renderSlots(db);
    const workers = Math.max(1, slots);
    for (const [position, name] of wanted.entries()) {
      if (!available.includes(name)) {
        await db.transaction((tx) =>
          addFailedScene(tx, jobId, position, name, { message: `no scene named ${name} in ${job.entry}; it defines: ${available.join(', ') || 'none'}` }),
        );
        continue;
      }
      // A lead segment renders while the scene is planned; PNG frames are numbered by the plan, so
      // a PNG job waits for it, and it needs a slot with LaTeX (no TeX cache exists yet). With a
      // single render slot the lead renders the whole scene and its render is the plan: planning
      // first would only add to the wall time.
      const lead = env.config.segments.lead && options.format !== 'png' && latexSlots > 0;
      // Slots with LaTeX beyond the lead's and this planner's scout while they wait for the plan.
      const scouts = lead && env.config.segments.scouts ? Math.max(0, latexSlots - 2) : 0;
      const sceneId = await db.transaction((tx) => openScene(tx, env.queue, jobId, position, name, lead, scouts));
      if (lead && workers === 1 && !env.config.segments.maxPlays) continue;
      const mediaDir = join(env.workDir, 'plan', jobId, name);
      try {
        const plan = await env.driver.call('plan', { ...base, scene: name, mediaDir, texCache: env.tex.dir }, planSchema, env.signal);
        if (!plan.plays.length) {
          await db.transaction((tx) => failScene(tx, sceneId, { message: `${name} has no animations: nothing to render (manim would save one still image)` }));
          continue;
        }
        await recordPlan(env, jobId, sceneId, name, plan, mediaDir, workers);
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        await db.transaction((tx) => failScene(tx, sceneId, errorDetail(err, cwd)));
      } finally {
        await rm(mediaDir, { recursive: true, force: true });
      }
    }
    await db.transaction((tx) => finishRenderJobIfDone(tx, jobId));
    return { scenes: wanted };
  },
});
