import { basename, join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { FunctionEnv } from '../function/define.ts';
import type { RenderOptions } from '../model/render-options.ts';
import { isSceneFault } from '../model/errors.ts';
import { putArtifactFile } from '../store/artifacts.ts';
import { completeScene, failScene, sceneStillOpen } from '../store/scenes.ts';
import { stillResultSchema } from '../driver/protocol.ts';
import { errorDetail } from '../driver/errors.ts';
import { contentType } from '../video/content-type.ts';

/**
 * Manim's last-frame PNG of a scene, as the scene's one output. A still (`--format png`, `-s`):
 * manim skips every play and draws the last frame, a cheap render that is not worth cutting, so it
 * runs where the scene is planned and keeps manim's name for it (`<Scene>_ManimCE_v<version>.png`).
 * A scene without plays under a video format gets the same image from its stitch, named `name`,
 * with the plan's TeX and text SVGs (`texFiles`) put where manim looks for them.
 */
export async function renderStill(
  env: FunctionEnv,
  job: { id: string; cwd: string; file: string; options: RenderOptions },
  scene: { id: string; name: string },
  output: { name?: string; texFiles?: string[] } = {},
): Promise<void> {
  const { db } = env.database;
  const mediaDir = join(env.workDir, 'still', job.id, scene.name);
  try {
    const started = Date.now();
    const cacheFiles = output.texFiles ? await env.tex.cacheFiles(output.texFiles) : [];
    const { path } = await env.driver.call(
      'still',
      { file: job.file, cwd: job.cwd, options: job.options, scene: scene.name, mediaDir, texCache: env.tex.dir, cacheFiles },
      stillResultSchema,
      env.signal,
    );
    await db.transaction(async (tx) => {
      if (!(await sceneStillOpen(tx, { id: scene.id, jobId: job.id }))) return;
      await putArtifactFile(tx, { jobId: job.id, sceneId: scene.id, kind: 'output', name: output.name ?? basename(path), position: 0, contentType: contentType(path) }, path);
      await completeScene(tx, { id: scene.id, jobId: job.id, name: scene.name }, { node: env.nodeId, ms: Date.now() - started, frames: 1 });
    });
  } catch (err) {
    if (!isSceneFault(err)) throw err;
    await db.transaction((tx) => failScene(tx, env.queue, scene.id, errorDetail(err, job.cwd)));
  } finally {
    await rm(mediaDir, { recursive: true, force: true });
  }
}
