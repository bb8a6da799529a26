import { isAbsolute, join, relative } from 'node:path';
import { readFile } from 'node:fs/promises';
import { eq } from 'drizzle-orm';
import type { FunctionEnv } from '../function/define.ts';
import { jobs } from '../db/schema.ts';
import { OPEN_SEGMENT_STATES, TERMINAL_JOB_STATES } from '../model/states.ts';
import { addPlan, assignShare, dropSegment, failScene, OPEN_END, openSegments, stitchIfComplete } from '../store/scenes.ts';
import { renderSlots } from '../store/nodes.ts';
import { planSegments } from './segments.ts';
import type { ScenePlan } from '../model/plan.ts';

/** TeX and text SVGs made while planning go to the cluster's cache, so render nodes need no LaTeX
 *  (and Pango texts look the same whatever fonts a node has). */
async function shareSvgs(env: FunctionEnv, plan: ScenePlan, mediaDir: string): Promise<void> {
  for (const f of plan.texFiles) {
    const abs = isAbsolute(f) ? f : join(mediaDir, f);
    await env.tex.add(relative(mediaDir, abs), await readFile(abs));
  }
}

/** The planning scout that made the plan: its paused copies reach play `reach` at most. */
export interface Planner {
  segmentId: string;
  reach: number;
}

/**
 * Cuts a planned scene into segments. A lead segment already rendering from play 0 gets the first
 * share from where it is now, running scouts the next ones (each from its paused copy nearest the
 * share's start; a planning scout's copies go no further than `planner.reach`); each goes on into
 * the rest of its share while nobody else has taken it. Segments that have not started yet make
 * way for the plan's. `mediaDir` is where the planning pass put its SVGs.
 */
export async function recordPlan(env: FunctionEnv, jobId: string, sceneId: string, name: string, plan: ScenePlan, mediaDir: string, planner?: Planner): Promise<void> {
  const { db } = env.database;
  if (!plan.plays.length) {
    await db.transaction((tx) => failScene(tx, sceneId, { message: `${name} has no animations: nothing to render (manim would save one still image)` }));
    return;
  }
  await shareSvgs(env, plan, mediaDir);
  const workers = Math.max(1, (await renderSlots(db)).slots);
  const pixels = plan.width * plan.height;
  await db.transaction(async (tx) => {
    const [job] = await tx.select({ state: jobs.state }).from(jobs).where(eq(jobs.id, jobId)).for('update');
    if (!job || TERMINAL_JOB_STATES.includes(job.state)) return;
    const open = await openSegments(tx, sceneId);
    for (const s of [open.lead, ...open.scouts]) if (s?.state === 'queued') await dropSegment(tx, s.id);
    const running = (s?: { state: string }) => s?.state === 'running';
    const lead = running(open.lead) && open.lead!.toPlay === OPEN_END ? open.lead : undefined;
    const scouts = open.scouts.filter(running);
    // A lead that finished the whole scene before the plan was ready keeps it (one that failed fails its scene).
    const done = open.lead && !OPEN_SEGMENT_STATES.includes(open.lead.state) ? open.lead.toPlay : -1;
    const rest = plan.plays.filter((p) => p.index > done);
    // Where each is, among the plays left to cut (progress is recorded every half second or so).
    const at = (s: { id: string; atPlay: number | null }) => {
      const play = s.atPlay ?? 0;
      return (s.id === planner?.segmentId ? Math.min(play, planner.reach) : play) - (done + 1);
    };
    const cut = planSegments(rest, pixels, { ...env.config.segments, workers }, {
      before: plan.plays.filter((p) => p.index <= done),
      lead: lead ? { at: at(lead) } : undefined,
      scouts: scouts.map((s) => ({ at: at(s) })),
    });
    if (lead && cut.lead) await assignShare(tx, jobId, lead.id, cut.lead);
    for (const [i, s] of scouts.entries()) {
      const share = cut.scouts[i];
      await (share ? assignShare(tx, jobId, s.id, share) : dropSegment(tx, s.id));
    }
    await addPlan(tx, env.queue, jobId, sceneId, name, plan, cut.queued, open.count);
    await stitchIfComplete(tx, env.queue, sceneId);
  });
}
