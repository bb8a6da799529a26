import { basename, join } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { FunctionEnv } from '../runtime/define-function.ts';
import type { RenderOptions } from '../config/schema.ts';
import { scenes } from '../db/schema.ts';
import { putArtifact } from '../store/artifacts.ts';
import { appendEvent } from '../store/events.ts';
import { failScene } from '../store/scenes.ts';
import { finishRenderJobIfDone } from '../store/jobs.ts';
import { SceneError, stillSchema } from '../driver/protocol.ts';
import { errorDetail } from '../driver/errors.ts';
import { contentType } from '../video/content-type.ts';

/**
 * A still (`--format png`, `-s`): manim skips every play and draws the last frame, a cheap render
 * that is not worth cutting, so it runs right here, where the scene is planned. Its PNG keeps
 * manim's name for it (`<Scene>_ManimCE_v<version>.png`).
 */
export async function renderStill(
  env: FunctionEnv,
  job: { id: string; cwd: string; file: string; options: RenderOptions },
  scene: { id: string; name: string },
): Promise<void> {
  const { db } = env.database;
  const mediaDir = join(env.workDir, 'still', job.id, scene.name);
  try {
    const started = Date.now();
    const { path } = await env.driver.call(
      'still',
      { file: job.file, cwd: job.cwd, options: job.options, scene: scene.name, mediaDir, texCache: env.tex.dir },
      stillSchema,
      env.signal,
    );
    const bytes = await readFile(path);
    await db.transaction(async (tx) => {
      await putArtifact(tx, { jobId: job.id, sceneId: scene.id, kind: 'output', name: basename(path), position: 0, contentType: contentType(path), bytes });
      await tx.update(scenes).set({ state: 'succeeded', totalFrames: 1, finishedAt: new Date() }).where(eq(scenes.id, scene.id));
      await appendEvent(tx, job.id, 'scene.done', { scene: scene.name, node: env.nodeId, stillMs: Date.now() - started });
      await finishRenderJobIfDone(tx, job.id);
    });
  } catch (err) {
    if (!(err instanceof SceneError)) throw err;
    await db.transaction((tx) => failScene(tx, scene.id, errorDetail(err, job.cwd)));
  } finally {
    await rm(mediaDir, { recursive: true, force: true });
  }
}
