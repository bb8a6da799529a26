import { fastForwardCost, playCost, sliceCost, tailEncodeCost } from './cost.ts';
import { drawnElsewhere, type Play } from '../model/plan.ts';

/** A running render's segment and how far it is, as its node last reported. */
export interface Running {
  fromPlay: number;
  toPlay: number;
  /** The play it is drawing (before `fromPlay`: still fast-forwarding to it); null before its first report. */
  atPlay: number | null;
  /** Frames it has drawn in all (its node reports them at play starts; a lead's, twice a second). */
  framesDone: number;
  /** It starts at this frame of `fromPlay`, and ends before this one of `toPlay` (model/plan.ts segmentPieces). */
  fromFrame?: number | null;
  toFrame?: number | null;
  /** Seconds since its last report. */
  since?: number | null;
}

/** How fast a machine draws: the cost model's seconds of work per second on the wall clock (1 when
 *  not measured yet: every machine alike). */
export interface Rates {
  /** The running render's machine. */
  owner: number;
  /** The free slot's machine. */
  free: number;
}

export interface Split {
  /** The running render ends after this play; a free slot draws the rest. The play before its
   *  first: it has drawn nothing yet (it is still fast-forwarding to its share), and a free slot
   *  takes the whole share over. */
  at: number;
  /** Seconds the split takes off the segment's end, by the cost model. */
  saves: number;
  /** It ends inside play `at`, the one it is drawing, at about this frame (its node picks it, from
   *  where the render is: driver/nn_driver/live_cut.py), and not after `latest`. */
  inside?: { frame: number; latest: number };
}

/** What a cut inside the play a render draws waits for before the render reads it: the ask's trip
 *  to its node, the node's look at the render, the render's next frame. */
const AHEAD_SECONDS = 1.5;
/** The fewest frames of the play a cut inside it leaves to the free slot. */
const LEAST_REST = 2;

/** Frames of play `atPlay` a render had drawn at its last report: its count beyond the plays of its
 *  segment before that one (at most all but one). */
export function framesCounted(plays: Play[], seg: Pick<Running, 'fromPlay' | 'fromFrame' | 'atPlay' | 'framesDone'>): number {
  const p = plays.find((q) => q.index === seg.atPlay);
  if (!p || seg.atPlay === null || seg.atPlay < seg.fromPlay) return 0;
  const head = p.index === seg.fromPlay && seg.fromFrame != null ? seg.fromFrame : 0;
  const before = plays
    .filter((q) => q.index >= seg.fromPlay && q.index < p.index && !q.skipped && !drawnElsewhere(q))
    .reduce((n, q) => n + (q.index === seg.fromPlay && seg.fromFrame != null ? q.frames - seg.fromFrame : q.frames), 0);
  return Math.min(p.frames - 1, head + Math.max(0, seg.framesDone - before));
}

/** Frames of play `atPlay` a render has drawn: what it counted, and what its rate drew since it
 *  last reported (a render reports at play starts); at most all but one. */
function framesInto(plays: Play[], pixels: number, seg: Running, rate: number): number {
  const p = plays.find((q) => q.index === seg.atPlay);
  if (!p) return 0;
  const timed = seg.since ? (seg.since * rate * 1e6 * p.frames) / Math.max(1, playCost(p, pixels)) : 0;
  return Math.min(p.frames - 1, Math.round(framesCounted(plays, seg) + timed));
}

/** What a running render has left to draw, in the model's seconds, up to the end of each play of
 *  its segment: a scout still fast-forwarding to its start, then the plays it draws, less the
 *  frames `into` it drew of the one it is in. */
function leftToEach(plays: Play[], pixels: number, seg: Running, into: number): Map<number, number> {
  const at = Math.max(seg.fromPlay, seg.atPlay ?? seg.fromPlay);
  let left = 0;
  const to = new Map<number, number>();
  for (const p of plays.filter((q) => q.index >= Math.min(at, seg.atPlay ?? at) && q.index <= seg.toPlay).sort((x, y) => x.index - y.index)) {
    if (p.index < at) left += fastForwardCost(p, pixels) / 1e6;
    else left += (playCost(p, pixels) / 1e6) * (p.index === seg.atPlay ? 1 - Math.min(1, into / Math.max(1, p.frames)) : 1);
    to.set(p.index, left);
  }
  return to;
}

/**
 * Where a free slot should take over the end of a running segment: the render stops after play
 * `at`, and the slot draws the plays after it, paying a set-up and a fast-forward over every play
 * before them (with updaters, a step per frame); all of it, while the render has drawn none of it
 * (on the lab a 0.2-CPU scout stepped 40 s through a scene's updaters to a share of its last
 * play while the other machines idled). Or the render stops inside the play it is drawing
 * (`inside`), when that play is the one to share: a slow machine that began the last play of its
 * share cannot hand off anything else. Weighed on the wall clock, each machine at its rate: a
 * desktop that finished its share takes the end of a mini PC's at a fraction of its cost. The split
 * that ends both soonest; undefined when it would not end the segment sooner by a set-up and a
 * fifth of what is left, a margin for the cost model's errors (15-25 % per play on the lab), since
 * a split that gains nothing costs a set-up.
 */
export function splitPoint(plays: Play[], pixels: number, seg: Running, setupSeconds: number, rates: Rates = { owner: 1, free: 1 }, video = true): Split | undefined {
  const at = Math.max(seg.fromPlay, seg.atPlay ?? seg.fromPlay);
  // the fast-forward to the play it is at, which every split's slot pays first
  const reach = plays.filter((p) => p.index < at).reduce((t, p) => t + fastForwardCost(p, pixels), 0) / 1e6;
  const draw = (p: Play) => playCost(p, pixels) / 1e6;
  const into = framesInto(plays, pixels, seg, rates.owner);
  const ownerTo = leftToEach(plays, pixels, seg, into);
  const whole = (ownerTo.get(seg.toPlay) ?? 0) / rates.owner;
  const enough = (saves: number) => saves >= setupSeconds / rates.free + whole / 5;
  // The slot's part after each play: a set-up, the fast-forward to the play after it, its drawing.
  let best: Split | undefined;
  let forward = reach;
  const range = plays.filter((p) => p.index >= at && p.index <= seg.toPlay).sort((x, y) => x.index - y.index);
  let rest = range.reduce((t, p) => t + draw(p), 0);
  // Still fast-forwarding to its share (a slow scout given a late one steps through every play
  // before it): a free slot may start over and take it all.
  if (seg.atPlay === null || seg.atPlay < seg.fromPlay) best = { at: seg.fromPlay - 1, saves: whole - (setupSeconds + forward + rest) / rates.free };
  for (const p of range.filter((q) => q.index < seg.toPlay)) {
    forward += fastForwardCost(p, pixels) / 1e6;
    rest -= draw(p);
    const end = Math.max(ownerTo.get(p.index)! / rates.owner, (setupSeconds + forward + rest) / rates.free);
    if (!best || whole - end > best.saves) best = { at: p.index, saves: whole - end };
  }
  const cut = insideSplit(plays, pixels, seg, { setupSeconds, rates, video, into, whole, forward: reach, enough });
  if (cut && (!best || cut.saves > best.saves)) best = cut;
  return best && enough(best.saves) ? best : undefined;
}

/** The best cut inside the play the render is drawing (see splitPoint), with the latest frame that
 *  still gains enough; undefined where there is none. The render draws on to the frame, then
 *  encodes the slot's frames of the play after its own once they land: the slot sets up,
 *  fast-forwards to the play, steps to the frame (a play with updaters, frame by frame) and draws
 *  the rest of the play first, then the plays after it. */
function insideSplit(plays: Play[], pixels: number, seg: Running, o: { setupSeconds: number; rates: Rates; video: boolean; into: number; whole: number; forward: number; enough: (saves: number) => boolean }): Split | undefined {
  const p = plays.find((q) => q.index === seg.atPlay);
  // a play it draws whole and encodes itself: not a piece of one, nor one it does not draw
  if (!p || seg.atPlay === null || seg.atPlay < seg.fromPlay || seg.atPlay > seg.toPlay || p.skipped || p.frozen || drawnElsewhere(p)) return undefined;
  if ((p.index === seg.fromPlay && seg.fromFrame != null) || (p.index === seg.toPlay && seg.toFrame != null)) return undefined;
  const { rates } = o;
  const perFrame = playCost(p, pixels) / 1e6 / Math.max(1, p.frames);
  const first = o.into + Math.ceil((AHEAD_SECONDS * rates.owner) / perFrame);
  const last = p.frames - LEAST_REST;
  if (first > last) return undefined;
  const after = plays.filter((q) => q.index > p.index && q.index <= seg.toPlay).reduce((t, q) => t + (playCost(q, pixels) * (q.index === seg.toPlay && seg.toFrame != null ? seg.toFrame / Math.max(1, q.frames) : 1)) / 1e6, 0);
  const encode = o.video ? tailEncodeCost(p, pixels) / 1e6 : 0;
  const saves = (frame: number) => {
    const own = ((frame - o.into) * perFrame) / rates.owner;
    const head = (o.setupSeconds + o.forward + sliceCost(p, pixels, frame, p.frames, o.video) / 1e6) / rates.free;
    const play = Math.max(own, head) + ((p.frames - frame) * encode) / rates.owner;
    return o.whole - Math.max(play, head + after / rates.free);
  };
  const step = Math.max(1, Math.ceil((last - first) / 64));
  let best: Split | undefined;
  let latest = -1;
  for (let frame = first; frame <= last; frame = frame < last ? Math.min(last, frame + step) : last + 1) {
    const gain = saves(frame);
    if (o.enough(gain)) latest = frame;
    if (!best || gain > best.saves) best = { at: p.index, saves: gain, inside: { frame, latest: frame } };
  }
  return best && { ...best, inside: { frame: best.inside!.frame, latest: Math.max(latest, best.inside!.frame) } };
}
