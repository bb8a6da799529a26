import { isAbsolute, join, relative } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { defineFunction } from '../src/runtime/define-function.ts';
import { jobs, scenes } from '../src/db/schema.ts';
import { getJobRow, markJobRunning, finishRenderJobIfDone, finishJob, TERMINAL } from '../src/store/jobs.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { addPlannedScene, addFailedScene } from '../src/store/scenes.ts';
import { renderSlots } from '../src/store/nodes.ts';
import { planSegments } from '../src/planner/segments.ts';
import { listSchema, planSchema, SceneError } from '../src/driver/protocol.ts';
import { renderOptionsSchema } from '../src/config/schema.ts';
import { errorDetail } from '../src/driver/errors.ts';

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
    const planned = await db.select({ id: scenes.id }).from(scenes).where(eq(scenes.jobId, jobId)).limit(1);
    if (planned.length) return { skipped: true };
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
      await finishJob(db, jobId, 'failed', { error: err.detail });
      return { failed: err.message };
    }
    const wanted = job.sceneNames?.length ? job.sceneNames : available;
    if (!wanted.length) {
      await finishJob(db, jobId, 'failed', { error: { message: `${job.entry} defines no Scene subclass` } });
      return { failed: 'no scenes' };
    }
    const workers = Math.max(1, await renderSlots(db));
    for (const [position, name] of wanted.entries()) {
      if (!available.includes(name)) {
        await db.transaction((tx) =>
          addFailedScene(tx, jobId, position, name, { message: `no scene named ${name} in ${job.entry}; it defines: ${available.join(', ') || 'none'}` }),
        );
        continue;
      }
      const mediaDir = join(env.workDir, 'plan', jobId, name);
      try {
        const plan = await env.driver.call('plan', { ...base, scene: name, mediaDir }, planSchema, env.signal);
        const cuts = planSegments(plan.plays, plan.width * plan.height, { workers, ...env.config.segments });
        if (!cuts.length) {
          await db.transaction((tx) => addFailedScene(tx, jobId, position, name, { message: `${name} has no animations: nothing to render (manim would save one still image)` }));
          continue;
        }
        // TeX and text SVGs travel with the job, so render nodes need no LaTeX.
        const cache = await Promise.all(
          plan.texFiles.map(async (f) => {
            const abs = isAbsolute(f) ? f : join(mediaDir, f);
            return { name: relative(mediaDir, abs), bytes: await readFile(abs) };
          }),
        );
        await db.transaction(async (tx) => {
          const [open] = await tx.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, jobId)).for('update');
          if (open && !TERMINAL.includes(open.state)) await addPlannedScene(tx, env.queue, jobId, position, name, plan, cuts, cache);
        });
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        await db.transaction((tx) => addFailedScene(tx, jobId, position, name, errorDetail(err, cwd)));
      } finally {
        await rm(mediaDir, { recursive: true, force: true });
      }
    }
    await db.transaction((tx) => finishRenderJobIfDone(tx, jobId));
    return { scenes: wanted };
  },
});
