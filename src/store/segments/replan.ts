import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import { appendEvent } from '../events.ts';
import { NEEDS_LATEX, segmentKey } from '../queue-keys.ts';

export const replanKey = (sceneId: string) => `replan:${sceneId}`;

/**
 * A render found the scene's cheap plan wrong: a play drew other frames than planned, because its
 * run time (or whether it plays at all) comes from state that updaters built frame by frame, which
 * the cheap pass steps over in one go. The scene starts over from an exact plan (`plan` with
 * `sceneId`): its segments and everything they stored go, running ones find their row gone and
 * keep nothing. Returns false when the plan was already exact (then the mismatch is a real fault)
 * and true when the segment's failure is taken care of (also when another render found it first).
 */
export async function replanScene(db: Db, queue: Queue, sceneId: string, segmentId: string, reason: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [scene] = await tx.select().from(scenes).where(eq(scenes.id, sceneId)).for('update');
    if (!scene || !['planning', 'rendering'].includes(scene.state)) return false;
    const [seg] = await tx.select({ id: segments.id }).from(segments).where(eq(segments.id, segmentId));
    if (!seg) return true; // dropped by a repair under way
    if (!scene.plan || scene.plan.exact) return false;
    // Deleting a segment deletes its partial files and frames (artifacts cascade).
    const gone = await tx.delete(segments).where(eq(segments.sceneId, sceneId)).returning({ id: segments.id });
    for (const s of gone) await queue.remove(tx, segmentKey(s.id));
    await tx.update(scenes).set({ state: 'planning', plan: null, totalFrames: null }).where(eq(scenes.id, sceneId));
    await queue.add(tx, 'plan', { jobId: scene.jobId, sceneId }, { jobKey: replanKey(sceneId), priority: -10, flags: [NEEDS_LATEX] });
    await appendEvent(tx, scene.jobId, 'scene.replanning', { scene: scene.name, reason });
    return true;
  });
}
