import { isDeepStrictEqual } from 'node:util';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { Tx } from '../../db/tx.ts';
import { scenes, segments } from '../../db/schema.ts';
import type { Queue } from '../../queue/queue.ts';
import type { SceneEnding, ScenePlan, SegmentCut } from '../../model/plan.ts';
import { SceneError } from '../../model/errors.ts';
import { putArtifact, putArtifactFile, type NewArtifact } from '../artifacts.ts';
import { appendEvent } from '../events.ts';
import { stitchIfComplete } from '../scenes.ts';
import { recordSeconds } from '../cost-memory.ts';
import { serveRendered } from '../play-cache.ts';
import type { SegmentWithJob } from './claim.ts';
import { createCutSegments, nextPosition, openSegments } from './create.ts';
import { dropSegment } from './drop.ts';
import { OPEN_SEGMENT_STATES } from '../../model/states.ts';
import { lockOwnSegment } from './running.ts';
import { storeSliceRest } from '../slices.ts';

const mismatch = (message: string, why = "this scene's timing depends on state the planning pass can't see") =>
  new SceneError({ type: 'PlanMismatch', message: `${message}: ${why}`, traceback: '', file: null, line: null });

/** A lead or scout started before the plan existed: its plays and frame counts must be the plan's,
 *  or the scene's timing depends on state the planning pass cannot see (then it is planned again). */
async function checkAgainstPlan(tx: Tx, sceneId: string, done: RenderedSegment): Promise<void> {
  const [row] = await tx.select({ plan: scenes.plan }).from(scenes).where(eq(scenes.id, sceneId));
  if (!row?.plan) return;
  const planned = new Map(row.plan.plays.map((p) => [p.index, p.frames]));
  const off = done.partials.find((p) => planned.get(p.index) !== p.frames);
  if (off) throw mismatch(`play ${off.index} drew ${off.frames} frames, the plan said ${planned.get(off.index)}`);
  // It may have drawn past its segment (kept only up to it), or stopped before a play the plan lacks.
  const extra = [done.lastPlay, ...(done.stopped ? [done.lastPlay + 1] : [])].find((i) => i >= 0 && !planned.has(i));
  if (extra !== undefined) throw mismatch(`the scene has a play ${extra}, the plan has not`);
  if (done.plan && done.plan.plays.length !== planned.size) throw mismatch(`the scene has ${done.plan.plays.length} plays, the plan ${planned.size}`);
}

/**
 * A scene cut from the plan of an earlier version of its files: frame counts are checked by every
 * render, but sections and sounds (what the stitch takes besides partials) only by the render that
 * ran the scene's code to its end. Different ones have the scene planned again.
 */
function checkEnding(plan: ScenePlan | null, ending: SceneEnding): void {
  if (!plan?.earlierVersion) return;
  const { sections, sounds, plays } = plan;
  // (isDeepStrictEqual: the plan comes back from jsonb, which orders an object's keys its own way)
  const same = (a: unknown, b: unknown) => isDeepStrictEqual(a, b);
  const why = 'the plan was an earlier version of the scene\'s';
  if (!same(sounds, ending.sounds)) throw mismatch(`the scene adds ${ending.sounds.length} sound(s) ${JSON.stringify(ending.sounds)}`, `${why} (${JSON.stringify(sounds)})`);
  if (!same(sections, ending.sections) || !same(plays.map((p) => p.section), ending.playSections)) {
    throw mismatch(`the scene's sections are ${ending.sections.map((s) => s.name).join(', ')} over its plays ${JSON.stringify(ending.playSections)}`, `${why} (${sections.map((s) => s.name).join(', ')})`);
  }
}

/**
 * A lead that drew every play of a scene nobody planned yet (a lone render slot, or a short scene
 * that it drew before the planning pass ended) gives it its plan. The planning scouts have nothing
 * left to plan or render: they go now, so the scene is stitched at once, not when their pass ends.
 */
async function adoptPlan(tx: Tx, queue: Queue, jobId: string, sceneId: string, name: string, plan: ScenePlan): Promise<void> {
  const adopted = await tx
    .update(scenes)
    .set({ state: 'rendering', plan, totalFrames: plan.totalFrames })
    .where(and(eq(scenes.id, sceneId), eq(scenes.state, 'planning'), isNull(scenes.plan)))
    .returning({ id: scenes.id });
  if (!adopted.length) return;
  await appendEvent(tx, jobId, 'scene.planned', { scene: name, plays: plan.plays.length, frames: plan.totalFrames, segments: 1 });
  for (const scout of (await openSegments(tx, sceneId)).scouts) if (OPEN_SEGMENT_STATES.includes(scout.state)) await dropSegment(tx, queue, scout.id);
}

export interface RenderedSegment {
  /** Started before the plan (a lead or a scout): checked against the plan, or gives the scene its own. */
  open: boolean;
  /** Its drawn plays, with the seconds each took (remembered by later renders). */
  partials: { index: number; frames: number; seconds: number; key: string | null }[];
  /** Plays of its range it found in the play cache: their partials are the cache's. */
  served?: { index: number; key: string }[];
  /** The plays it fast-forwarded over before its first, with the seconds each took (remembered too). */
  forwarded?: { index: number; seconds: number }[];
  /** The last play it drew, and whether it stopped at the start of the next one (the scene has it). */
  lastPlay: number;
  stopped: boolean;
  /** The scene's plan, from a render of every play. */
  plan?: ScenePlan;
  /** It ran the scene's code to its end: the sections and sounds it met. */
  ending?: SceneEnding;
  frames: number;
  /** What it made: partial files or frames (stored from disk, a chunk at a time) and a poster. */
  artifacts: (Omit<NewArtifact, 'jobId' | 'sceneId' | 'segmentId'> & ({ path: string } | { bytes: Buffer }))[];
  started: Date;
  /** Work it leaves to other segments: the encoder of a play it drew the first frames of. */
  handOff?: SegmentCut[];
}

/**
 * A segment's render ends: its files go into Postgres and it is done, in one transaction; the last
 * segment of a scene enqueues the stitch. Nothing is stored when the segment was cancelled or given
 * to another node while this one was presumed dead (theirs is kept).
 */
export async function finishSegment(db: Db, queue: Queue, { seg, scene, job }: SegmentWithJob, nodeId: string, done: RenderedSegment): Promise<void> {
  await db.transaction(async (tx) => {
    // The scene first: two segments finishing together would each hold a key-share lock on it
    // (their artifacts reference it) and deadlock upgrading to stitchIfComplete's update lock.
    await tx.select({ id: scenes.id }).from(scenes).where(eq(scenes.id, scene.id)).for('update');
    const own = await lockOwnSegment(tx, seg.id, nodeId);
    if (!own) return;
    if (done.open) await checkAgainstPlan(tx, scene.id, done);
    // (the plan the segment was claimed with: a plan is replaced only by replanning, which deletes the segment)
    if (done.ending) checkEnding(scene.plan, done.ending);
    if (done.open && done.plan) await adoptPlan(tx, queue, job.id, scene.id, scene.name, done.plan);
    await recordSeconds(tx, scene.id, done.partials, done.forwarded ?? []);
    if (done.served?.length) await serveRendered(tx, { jobId: job.id, sceneId: scene.id }, done.served);
    for (const a of done.artifacts) {
      const meta = { kind: a.kind, name: a.name, position: a.position, contentType: a.contentType, jobId: job.id, sceneId: scene.id, segmentId: seg.id };
      // a slice's parts stored while it was drawn are its first bytes (store/slices.ts)
      if ('path' in a) await (a.kind === 'slice' ? storeSliceRest(tx, meta, own.attempts, a.path) : putArtifactFile(tx, meta, a.path));
      else await putArtifact(tx, { ...meta, bytes: a.bytes });
    }
    const frames = done.frames;
    await tx.update(segments).set({ state: 'done', finishedAt: new Date(), framesDone: frames, ...(done.open ? { frames } : {}) }).where(and(eq(segments.id, seg.id), eq(segments.state, 'running')));
    await appendEvent(tx, job.id, 'segment.done', { scene: scene.name, segment: seg.position, frames, node: nodeId, ms: Date.now() - done.started.getTime() });
    if (done.handOff?.length) await createCutSegments(tx, queue, job.id, scene.id, done.handOff, await nextPosition(tx, scene.id));
    await stitchIfComplete(tx, queue, scene.id);
  });
}
