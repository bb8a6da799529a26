import { join, basename, relative } from 'node:path';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { defineFunction, PermanentError } from '../src/function/define.ts';
import { TERMINAL_JOB_STATES } from '../src/model/states.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { listArtifacts, putArtifact, readArtifact } from '../src/store/artifacts.ts';
import { completeScene, failScene, recordStitchNode, sceneWithJob } from '../src/store/scenes.ts';
import { stitchResultSchema } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { contentType } from '../src/video/content-type.ts';
import { SceneError } from '../src/model/errors.ts';

/**
 * Stitches a scene from the partial movie files every node stored: manim's own combiner concatenates
 * them without re-encoding, mixes the scene's sounds at their times, writes sections and builds a GIF
 * once from the whole video. PNG frames are already numbered for the whole scene: they become the
 * output as they are.
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
    const { plan } = scene;
    if (!plan) throw new PermanentError(`scene ${sceneId} has no plan`);
    await recordStitchNode(db, sceneId, env.nodeId);
    const started = Date.now();

    if (options.format === 'png') {
      await db.transaction((tx) => completeScene(tx, scene, { node: env.nodeId, ms: Date.now() - started, framesAreOutputs: true }));
      return { frames: plan.totalFrames };
    }

    const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
    const dir = join(env.workDir, 'stitch', `${sceneId}-${env.attempt}`);
    const partialDir = join(dir, 'partials');
    await mkdir(partialDir, { recursive: true });
    try {
      const partials = [];
      for (const p of await listArtifacts(db, { sceneId, kind: 'partial' })) {
        const path = join(partialDir, p.name);
        await writeFile(path, await readArtifact(db, p.id));
        partials.push({ index: p.position, path });
      }
      let result;
      try {
        result = await env.driver.call(
          'stitch',
          { cwd, scene: scene.name, options, mediaDir: join(dir, 'media'), outDir: join(dir, 'out'), partials, plays: plan.plays, sections: plan.sections, sounds: plan.sounds },
          stitchResultSchema,
          env.signal,
        );
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        const error = errorDetail(err, cwd);
        await db.transaction((tx) => failScene(tx, env.queue, sceneId, error));
        throw new PermanentError(error.message);
      }
      const outDir = join(dir, 'out');
      await db.transaction(async (tx) => {
        for (const o of result.outputs) {
          const name = o.kind === 'movie' ? `${scene.name}${o.path.slice(o.path.lastIndexOf('.'))}` : `${scene.name}/${o.path.startsWith(outDir) ? relative(outDir, o.path) : basename(o.path)}`;
          await putArtifact(tx, { jobId: job.id, sceneId, kind: 'output', name, position: o.kind === 'movie' ? 0 : 1, contentType: contentType(o.path), bytes: await readFile(o.path) });
        }
        await completeScene(tx, scene, { node: env.nodeId, ms: Date.now() - started });
      });
      return { outputs: result.outputs.length };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});
