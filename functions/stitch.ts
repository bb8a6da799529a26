import { join, basename, relative } from 'node:path';
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { z } from 'zod';
import { defineFunction, PermanentError } from '../src/function/define.ts';
import { TERMINAL_JOB_STATES } from '../src/model/states.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { listArtifacts, putArtifactFile, renumberFrames, writeArtifactFile } from '../src/store/artifacts.ts';
import { completeScene, failScene, recordStitchNode, sceneStillOpen, sceneWithJob } from '../src/store/scenes.ts';
import { jobSignal } from '../src/function/job-signal.ts';
import { stitchResultSchema } from '../src/driver/protocol.ts';
import { renderStill } from '../src/render/still.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { contentType } from '../src/video/content-type.ts';
import { playRange, rangeOfPlan } from '../src/cutting/play-range.ts';
import { isSceneFault } from '../src/model/errors.ts';

/**
 * Stitches a scene from the partial movie files every node stored (a play drawn in slices was
 * encoded by its encoder segment): manim's own combiner concatenates
 * them without re-encoding, mixes the scene's sounds at their times, writes sections and builds a GIF
 * once from the whole video. PNG frames are already numbered for the whole scene: they become the
 * output as they are (renumbered from 0 for a range of plays). A scene without plays gets the PNG
 * of its one frame, as from manim.
 */
export default defineFunction({
  name: 'stitch',
  input: z.object({ sceneId: z.uuid() }),
  async run({ sceneId }, env) {
    const { db } = env.database;
    const row = await sceneWithJob(db, sceneId);
    if (!row) throw new PermanentError(`scene ${sceneId} not found`);
    const { scene, job } = row;
    if (TERMINAL_JOB_STATES.includes(job.state) || scene.state !== 'stitching') return { skipped: true };
    const { options } = job;
    if (!scene.plan) throw new PermanentError(`scene ${sceneId} has no plan`);
    const plan = options.plays ? rangeOfPlan(scene.plan, playRange(options, scene.plan.plays, scene.name)) : scene.plan;
    await recordStitchNode(db, sceneId, env.nodeId);
    const started = Date.now();

    if (options.format === 'png-sequence') {
      await db.transaction(async (tx) => {
        if (!(await sceneStillOpen(tx, scene))) return;
        // A range of plays (-n) is numbered from 0000, as manim numbers it.
        if (options.plays) await renumberFrames(tx, sceneId, scene.name);
        await completeScene(tx, scene, { node: env.nodeId, ms: Date.now() - started, framesAreOutputs: true });
      });
      return { frames: plan.totalFrames };
    }

    const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
    // Per run, not per try: a redelivered stitch may run beside this one on the same node.
    const dir = join(env.workDir, 'stitch', `${sceneId}-${randomUUID()}`);
    // A cancel stops the stitch's renders at once, as it stops a segment's.
    const cancel = jobSignal(env, job.id);
    const cancellable = { ...env, signal: cancel.signal };
    /** A driver command on the scene: a scene that raises fails for good (it raises on every node). */
    const sceneCall = async <T>(cmd: string, request: object, schema: z.ZodType<T>): Promise<T> => {
      try {
        return await env.driver.call(cmd, request, schema, cancel.signal);
      } catch (err) {
        if (!isSceneFault(err)) throw err;
        const error = errorDetail(err, cwd);
        await db.transaction((tx) => failScene(tx, env.queue, sceneId, error));
        throw new PermanentError(error.message);
      }
    };
    try {
      if (!plan.plays.length) {
        // A scene without plays: manim's default format saves a PNG of its one frame, and so does this.
        await renderStill(cancellable, { id: job.id, cwd, file: join(cwd, job.entry!), options }, scene, { name: `${scene.name}.png`, texFiles: plan.texFiles });
        return { still: true };
      }
      const partialDir = join(dir, 'partials');
      await mkdir(partialDir, { recursive: true });
      const partials = [];
      for (const p of await listArtifacts(db, { sceneId, kind: 'partial' })) {
        const path = join(partialDir, p.name);
        await writeArtifactFile(db, p.id, p.size, path);
        partials.push({ index: p.position, path });
      }
      const outDir = join(dir, 'out');
      const result = await sceneCall(
        'stitch',
        { cwd, scene: scene.name, options, mediaDir: join(dir, 'media'), outDir, partials, plays: plan.plays, sections: plan.sections, sounds: plan.sounds },
        stitchResultSchema,
      );
      await db.transaction(async (tx) => {
        if (!(await sceneStillOpen(tx, scene))) return;
        for (const o of result.outputs) {
          const name = o.kind === 'movie' ? `${scene.name}${o.path.slice(o.path.lastIndexOf('.'))}` : `${scene.name}/${o.path.startsWith(outDir) ? relative(outDir, o.path) : basename(o.path)}`;
          await putArtifactFile(tx, { jobId: job.id, sceneId, kind: 'output', name, position: o.kind === 'movie' ? 0 : 1, contentType: contentType(o.path) }, o.path);
        }
        await completeScene(tx, scene, { node: env.nodeId, ms: Date.now() - started });
      });
      return { outputs: result.outputs.length };
    } catch (err) {
      if (cancel.signal.aborted && !env.signal.aborted) return { cancelled: true };
      throw err;
    } finally {
      cancel.release();
      await rm(dir, { recursive: true, force: true });
    }
  },
});
