import { join, basename, relative } from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { defineFunction, PermanentError } from '../src/runtime/define-function.ts';
import { artifacts, jobs, scenes } from '../src/db/schema.ts';
import { TERMINAL, finishRenderJobIfDone } from '../src/store/jobs.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { listArtifacts, putArtifactFile, writeArtifactFile } from '../src/store/artifacts.ts';
import { appendEvent } from '../src/store/events.ts';
import { failScene } from '../src/store/scenes.ts';
import { planSchema, stillResultSchema, stitchResultSchema, SceneError } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { renderOptionsSchema } from '../src/config/schema.ts';
import { contentType } from '../src/video/content-type.ts';
import { playRange, rangeOfPlan, renumberFrames } from '../src/planner/play-range.ts';

/**
 * Stitches a scene from the partial movie files every node stored: manim's own combiner concatenates
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
    const [row] = await db.select({ scene: scenes, job: jobs }).from(scenes).innerJoin(jobs, eq(jobs.id, scenes.jobId)).where(eq(scenes.id, sceneId));
    if (!row) throw new PermanentError(`scene ${sceneId} not found`);
    const { scene, job } = row;
    if (TERMINAL.includes(job.state) || scene.state !== 'stitching') return { skipped: true };
    const options = renderOptionsSchema.parse(job.options);
    const full = planSchema.parse(scene.plan);
    const plan = options.plays ? rangeOfPlan(full, playRange(options, full.plays, scene.name)) : full;
    await db.update(scenes).set({ stitchNode: env.nodeId }).where(eq(scenes.id, sceneId));
    const started = Date.now();

    if (!plan.plays.length) return stillImage();

    if (options.format === 'png-sequence') {
      await db.transaction(async (tx) => {
        // A range of plays (-n) is numbered from 0000, as manim numbers it.
        if (options.plays) await renumberFrames(tx, sceneId, scene.name);
        await tx.update(artifacts).set({ kind: 'output' }).where(and(eq(artifacts.sceneId, sceneId), eq(artifacts.kind, 'frame')));
        await complete(tx);
      });
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
        await writeArtifactFile(db, p.id, p.size, path);
        partials.push({ index: p.position, path });
      }
      const result = await sceneCall(
        'stitch',
        { cwd, scene: scene.name, options, mediaDir: join(dir, 'media'), outDir: join(dir, 'out'), partials, plays: plan.plays, sections: plan.sections, sounds: plan.sounds },
        stitchResultSchema,
        cwd,
      );
      const outDir = join(dir, 'out');
      await db.transaction(async (tx) => {
        for (const o of result.outputs) {
          const name = o.kind === 'movie' ? `${scene.name}${o.path.slice(o.path.lastIndexOf('.'))}` : `${scene.name}/${o.path.startsWith(outDir) ? relative(outDir, o.path) : basename(o.path)}`;
          await putArtifactFile(tx, { jobId: job.id, sceneId, kind: 'output', name, position: o.kind === 'movie' ? 0 : 1, contentType: contentType(o.path) }, o.path);
        }
        await complete(tx);
      });
      return { outputs: result.outputs.length };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    /** A scene without plays: manim's default format saves a PNG of its one frame, and so does this. */
    async function stillImage() {
      const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
      const mediaDir = join(env.workDir, 'stitch', `${sceneId}-${env.attempt}`);
      try {
        const request = { file: join(cwd, job.entry!), cwd, scene: scene.name, options, mediaDir, texCache: env.tex.dir, cacheFiles: await env.tex.cacheFiles(plan.texFiles) };
        const { path } = await sceneCall('still', request, stillResultSchema, cwd);
        await db.transaction(async (tx) => {
          await putArtifactFile(tx, { jobId: job.id, sceneId, kind: 'output', name: `${scene.name}.png`, position: 0, contentType: contentType(path) }, path);
          await complete(tx);
        });
        return { still: true };
      } finally {
        await rm(mediaDir, { recursive: true, force: true });
      }
    }

    /** A driver command on the scene: a scene that raises fails for good (it raises on every node). */
    async function sceneCall<T>(cmd: string, request: object, schema: z.ZodType<T>, cwd: string): Promise<T> {
      try {
        return await env.driver.call(cmd, request, schema, env.signal);
      } catch (err) {
        if (!(err instanceof SceneError)) throw err;
        const error = errorDetail(err, cwd);
        await db.transaction((tx) => failScene(tx, sceneId, error));
        throw new PermanentError(error.message);
      }
    }

    async function complete(tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) {
      await tx.update(scenes).set({ state: 'succeeded', finishedAt: new Date() }).where(eq(scenes.id, sceneId));
      await appendEvent(tx, job.id, 'scene.done', { scene: scene.name, node: env.nodeId, stitchMs: Date.now() - started });
      await finishRenderJobIfDone(tx, job.id);
    }
  },
});
