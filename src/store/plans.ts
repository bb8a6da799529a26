import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { jobs, scenes } from '../db/schema.ts';
import type { Queue } from '../queue/queue.ts';
import { cutScene, type CutOptions } from '../cutting/cut.ts';
import { OPEN_SEGMENT_STATES, TERMINAL_JOB_STATES, TERMINAL_SCENE_STATES, type SegmentState } from '../model/states.ts';
import { addPlan, failScene, stitchIfComplete } from './scenes.ts';
import { nodeProbes, renderSlots } from './nodes.ts';
import { openSegments } from './segments/create.ts';
import { dropSegment } from './segments/drop.ts';
import { OPEN_END } from './segments/range.ts';
import { assignShare } from './segments/running.ts';
import type { ScenePlan } from '../model/plan.ts';
import { inRange, playRange, PlayRangeError, rangeOfPlan } from '../cutting/play-range.ts';
import { markCached, serveCached } from './play-cache.ts';
import { drawnElsewhere, isServed, type Play } from '../model/plan.ts';
import { endBeforeSlices, slicePlays, type LeadAt, type SliceOptions } from '../cutting/slice.ts';
import type { Cut } from '../cutting/cut.ts';
import { rememberCosts, withRememberedCosts } from './cost-memory.ts';
import { withForwardSeconds } from '../cutting/forwarded.ts';
import { withDrawSamples } from '../cutting/draw-samples.ts';
import { framesCounted } from '../cutting/split.ts';
import { cutRates, slowProbes, startedRate } from '../cutting/rate.ts';

/** The planning scout that made the plan: its paused copies reach play `reach` at most. */
export interface PlanningScout {
  segmentId: string;
  reach: number;
}

/**
 * Cuts a planned scene into segments. A lead segment already rendering from play 0 gets the first
 * share from where it is now, running scouts the next ones (each from its paused copy nearest the
 * share's start; a planning scout's copies go no further than `planningScout.reach`); each goes on into
 * the rest of its share while nobody else has taken it. Segments that have not started yet make
 * way for the plan's. `cut` is how the cluster's config says to cut. A scene without plays gets no
 * segments: its stitch renders its one image. With a range of plays (-n A,B) only those are cut.
 * Plays that earlier renders measured are cut by what they took (store/cost-memory.ts);
 * `rememberedPlan` says the plan itself is an earlier render's.
 */
export async function recordPlan(db: Db, queue: Queue, cut: Omit<CutOptions, 'workers'> & Pick<SliceOptions, 'sliceFrames'> & { slices?: boolean }, jobId: string, sceneId: string, name: string, planned: ScenePlan, planningScout?: PlanningScout, rememberedPlan = false): Promise<void> {
  const workers = Math.max(1, (await renderSlots(db)).slots);
  const pixels = planned.width * planned.height;
  const memory = await rememberCosts(db, { jobId, name }, planned.width, planned.height);
  await db.transaction(async (tx) => {
    const [job] = await tx.select({ state: jobs.state, options: jobs.options }).from(jobs).where(eq(jobs.id, jobId)).for('update');
    if (!job || TERMINAL_JOB_STATES.includes(job.state)) return;
    let range;
    try {
      range = playRange(job.options ?? {}, planned.plays, name);
    } catch (err) {
      if (!(err instanceof PlayRangeError)) throw err;
      return failScene(tx, queue, sceneId, { message: err.message });
    }
    // A lead that drew the whole scene first gave it its exact plan: a cheap plan may have missed plays.
    const [scene] = await tx.select({ plan: scenes.plan, state: scenes.state }).from(scenes).where(eq(scenes.id, sceneId)).for('update');
    if (!scene || TERMINAL_SCENE_STATES.includes(scene.state)) return;
    const open = await openSegments(tx, sceneId);
    // Planned already (a redelivered plan, a scout and a plan both done): nothing waits for a plan
    // any more, so one plan, one set of segments. A plan a lead adopted still has scouts to end.
    const waiting = (s?: { state: SegmentState }) => !!s && OPEN_SEGMENT_STATES.includes(s.state);
    const unplanned = open.scouts.some(waiting) || (waiting(open.lead) && open.lead!.toPlay === OPEN_END);
    if (scene.state !== 'planning' && !unplanned) return;
    const plan = scene.plan?.exact ? scene.plan : planned;
    // What earlier renders measured replaces the model's estimate, play by play.
    plan.plays = withRememberedCosts(plan.plays, memory);
    // What fast-forwarding over the first plays took the scouts replaces its estimate too.
    plan.plays = withForwardSeconds(plan.plays, open.scouts.map((s) => s.forwarded));
    // and what drawing a frame of each took them steadies the pass's own sample
    plan.plays = withDrawSamples(plan.plays, open.scouts.map((s) => s.drawSamples));
    for (const s of [open.lead, ...open.scouts]) if (s?.state === 'queued') await dropSegment(tx, queue, s.id);
    const running = (s?: { state: string }) => s?.state === 'running';
    const lead = running(open.lead) && open.lead!.toPlay === OPEN_END ? open.lead : undefined;
    const scouts = open.scouts.filter(running);
    // A lead that finished the whole scene before the plan was ready keeps it (one that failed fails its scene).
    const done = open.lead && !OPEN_SEGMENT_STATES.includes(open.lead.state) ? open.lead.toPlay : -1;
    // Nothing draws yet (a warm re-render, planned first): plays found in the play cache are served.
    if (done < 0 && !lead && !scouts.length && job.options.cache !== 'off' && job.options.format !== 'png-sequence') {
      // a one-pass re-render's plan says itself which plays it served and drew
      if (!plan.plays.some(isServed)) plan.plays = await markCached(tx, plan.plays);
      await serveCached(tx, { jobId, sceneId }, plan.plays.filter(inRange(range)));
    }
    // Only the plays of a range (-n A,B) are drawn; every segment fast-forwards over those before it.
    const before = plan.plays.filter((p) => p.index <= done || p.index < range.first);
    // Plays that alone would bound the wall time are drawn in slices (not the play a lead is
    // drawing). A lead's or scout's render started without a plan and would draw a sliced play
    // whole: their shares end before it (a lead that already went on into it keeps none of it,
    // settleEnd keeps what is in its share).
    const sliced = cut.slices === false
      ? { plays: plan.plays, slices: [] }
      : slicePlays(plan.plays.filter((p) => p.index > done && inRange(range)(p)), pixels, { ...cut, workers, video: job.options.format !== 'png-sequence' }, before, lead && leadAt(lead));
    const marked = new Map(sliced.plays.map((p) => [p.index, p]));
    plan.plays = plan.plays.map((p) => marked.get(p.index) ?? p);
    const rest = plan.plays.filter((p) => p.index > done && inRange(range)(p));
    // Where each is, among the plays left to cut (progress is recorded every half second or so).
    const at = (s: { id: string; atPlay: number | null }) => {
      const play = s.atPlay ?? 0;
      return (s.id === planningScout?.segmentId ? Math.min(play, planningScout.reach) : play) - (done + 1);
    };
    const video = job.options.format !== 'png-sequence';
    // the renders running already, the lead first; a planning scout's pass takes shortcuts: how
    // fast it went says little of its machine
    const started = [...(lead ? [lead] : []), ...scouts];
    const probes = await nodeProbes(tx, started.flatMap((s) => (s.nodeId ? [s.nodeId] : [])));
    const measured = started.map((s) => (s === lead ? rateSoFar(s, plan.plays, pixels, true) : s.plans ? undefined : rateSoFar(s, plan.plays, pixels, false)));
    const probed = started.map((s) => (s.nodeId ? probes.get(s.nodeId) : undefined));
    const rates = cutRates(measured, probed);
    const slow = slowProbes(probed).slice(lead ? 1 : 0);
    const [leadRate, scoutRates] = lead ? [rates[0], rates.slice(1)] : [undefined, rates];
    const cuts = plan.plays.some(isServed)
      ? cutUncached(plan.plays, rest, pixels, { ...cut, workers, video })
      : cutScene(rest, pixels, { ...cut, workers, video }, {
          before,
          lead: lead ? { at: at(lead), frames: framesCounted(plan.plays, lead), rate: leadRate } : undefined,
          scouts: scouts.map((s, i) => ({ at: at(s), rate: scoutRates[i], slow: slow[i] })),
        });
    // a play cut between two shares is drawn in two pieces: no whole-play segment draws it
    plan.plays = plan.plays.map((p) => (cuts.inside.includes(p.index) ? { ...p, sliced: 2 } : p));
    if (cuts.lead) {
      cuts.lead = endBeforeSlices(cuts.lead, rest, cuts.queued);
      // a lead whose first play is sliced keeps nothing: it makes way (its render stops at its next check)
      if (!cuts.lead && lead) await dropSegment(tx, queue, lead.id);
    }
    cuts.scouts = cuts.scouts.map((share) => share && endBeforeSlices(share, rest, cuts.queued));
    cuts.queued.unshift(...sliced.slices);
    if (lead && cuts.lead) await assignShare(tx, jobId, lead, cuts.lead, leadRate);
    for (const [i, s] of scouts.entries()) {
      const share = cuts.scouts[i];
      await (share ? assignShare(tx, jobId, s, share, scoutRates[i]) : dropSegment(tx, queue, s.id));
    }
    await addPlan(tx, queue, jobId, sceneId, name, { ...plan, totalFrames: rangeOfPlan(plan, range).totalFrames }, cuts.queued, open.count, { slots: workers, rememberedPlan });
    await stitchIfComplete(tx, queue, sceneId);
  });
}

/** How fast a lead (drawing) or a scout (fast-forwarding) has gone since it started (cutting/rate.ts). */
function rateSoFar(seg: { fromPlay: number; fromFrame: number | null; atPlay: number | null; framesDone: number; startedAt: Date | null; progressAt: Date | null }, plays: Play[], pixels: number, drawing: boolean): number | undefined {
  if (seg.atPlay === null || !seg.startedAt || !seg.progressAt) return undefined;
  const seconds = (seg.progressAt.getTime() - seg.startedAt.getTime()) / 1000;
  return startedRate(plays, pixels, { at: seg.atPlay, frames: drawing ? framesCounted(plays, seg) : 0, seconds, drawing });
}

/** Where a running lead is: still in its first play, it may give that play up to slices. */
function leadAt(lead: { fromPlay: number; atPlay: number | null; framesDone: number }): LeadAt {
  const play = lead.atPlay ?? lead.fromPlay;
  return play === lead.fromPlay ? { play, frames: lead.framesDone } : { play };
}

/**
 * Cuts the plays from the first the cache does not hold to the last: a segment fast-forwards over
 * the cached plays inside it (render-segment asks the driver to skip them), which costs less than a
 * set-up and a fast-forward from the start for each run of missing plays.
 */
function cutUncached(all: Play[], rest: Play[], pixels: number, opts: CutOptions): Cut {
  const missing = rest.filter((p) => !drawnElsewhere(p) && !p.skipped);
  if (!missing.length) return { scouts: [], queued: [], inside: [] };
  const [first, last] = [missing[0]!.index, missing.at(-1)!.index];
  const span = rest.filter((p) => p.index >= first && p.index <= last);
  return cutScene(span, pixels, opts, { before: all.filter((p) => p.index < first) });
}
