import { join, basename, extname } from 'node:path';
import { readFile, rm } from 'node:fs/promises';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { defineFunction, PermanentError } from '../src/runtime/define-function.ts';
import { jobs, scenes, segments } from '../src/db/schema.ts';
import { TERMINAL } from '../src/store/jobs.ts';
import { materializeBundle } from '../src/store/bundles.ts';
import { putArtifact } from '../src/store/artifacts.ts';
import { appendEvent } from '../src/store/events.ts';
import { failScene, stitchIfComplete } from '../src/store/scenes.ts';
import { renderResultSchema, SceneError } from '../src/driver/protocol.ts';
import { errorDetail } from '../src/driver/errors.ts';
import { renderOptionsSchema } from '../src/config/schema.ts';
import { posterFrom } from '../src/media/poster.ts';
import { contentType } from '../src/media/content-type.ts';

/**
 * Renders one segment (plays A..B of a scene) after an exact fast-forward over the plays before A,
 * and stores its partial movie files (or numbered PNG frames) and a poster frame in Postgres.
 */
export default defineFunction({
  name: 'render-segment',
  input: z.object({ segmentId: z.uuid() }),
  async run({ segmentId }, env) {
    const { db } = env.database;
    const [row] = await db
      .select({ seg: segments, scene: scenes, job: jobs })
      .from(segments)
      .innerJoin(scenes, eq(scenes.id, segments.sceneId))
      .innerJoin(jobs, eq(jobs.id, segments.jobId))
      .where(eq(segments.id, segmentId));
    if (!row) throw new PermanentError(`segment ${segmentId} not found`);
    const { seg, scene, job } = row;
    if (TERMINAL.includes(job.state) || ['done', 'cancelled', 'failed'].includes(seg.state)) return { skipped: true };

    const started = new Date();
    await db.transaction(async (tx) => {
      await tx.update(segments).set({ state: 'running', nodeId: env.nodeId, attempts: sql`${segments.attempts} + 1`, startedAt: started, error: null }).where(eq(segments.id, segmentId));
      await appendEvent(tx, job.id, 'segment.started', { scene: scene.name, segment: seg.position, plays: [seg.fromPlay, seg.toPlay], node: env.nodeId });
    });

    const cwd = await materializeBundle(db, job.bundleId!, join(env.workDir, 'bundles'));
    const mediaDir = join(env.workDir, 'segments', `${segmentId}-${env.attempt}`);
    try {
      const result = await env.driver.call(
        'render',
        { file: join(cwd, job.entry!), cwd, scene: scene.name, options: renderOptionsSchema.parse(job.options), mediaDir, from: seg.fromPlay, to: seg.toPlay },
        renderResultSchema,
        env.signal,
      );
      const files = [
        ...result.partials.map((p) => ({ kind: 'partial' as const, name: `${p.index}${extname(p.path)}`, position: p.index, path: p.path })),
        ...result.frames.map((f) => ({ kind: 'frame' as const, name: `${scene.name}/${basename(f.path)}`, position: f.index, path: f.path })),
      ];
      const last = files.at(-1);
      const poster = last ? await posterFrom(last.path) : undefined;
      await db.transaction(async (tx) => {
        const [current] = await tx.select({ state: segments.state }).from(segments).where(eq(segments.id, segmentId)).for('update');
        // Cancelled, or finished by another node while this one was presumed dead: keep theirs.
        if (current?.state !== 'running') return;
        for (const f of files) {
          await putArtifact(tx, { jobId: job.id, sceneId: scene.id, segmentId, kind: f.kind, name: f.name, position: f.position, contentType: contentType(f.path), bytes: await readFile(f.path) });
        }
        if (poster) await putArtifact(tx, { jobId: job.id, sceneId: scene.id, segmentId, kind: 'poster', name: `poster-${seg.position}.webp`, position: seg.position, contentType: 'image/webp', bytes: poster });
        await tx.update(segments).set({ state: 'done', finishedAt: new Date(), framesDone: seg.frames }).where(and(eq(segments.id, segmentId), eq(segments.state, 'running')));
        await appendEvent(tx, job.id, 'segment.done', { scene: scene.name, segment: seg.position, frames: seg.frames, node: env.nodeId, ms: Date.now() - started.getTime() });
        await stitchIfComplete(tx, env.queue, scene.id);
      });
      return { partials: result.partials.length, frames: result.frames.length };
    } catch (err) {
      // A scene that raises raises on every node: fail it now instead of retrying.
      const final = err instanceof SceneError || env.attempt >= env.maxAttempts;
      const error = err instanceof SceneError ? errorDetail(err, cwd) : { message: err instanceof Error ? err.message : String(err) };
      await db.transaction(async (tx) => {
        await tx.update(segments).set({ state: final ? 'failed' : 'queued', error: { ...error, node: env.nodeId } }).where(eq(segments.id, segmentId));
        await appendEvent(tx, job.id, final ? 'segment.failed' : 'segment.retry', { scene: scene.name, segment: seg.position, node: env.nodeId, error: error.message, attempt: env.attempt });
        if (final) await failScene(tx, scene.id, error);
      });
      if (final) throw new PermanentError(error.message);
      throw err;
    } finally {
      await rm(mediaDir, { recursive: true, force: true });
    }
  },
});
