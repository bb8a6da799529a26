import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Progress } from '../model/progress.ts';

/** How long a node waits for its render to answer a cut inside a play: it answers before its next frame. */
const CUT_ANSWER_MS = 5_000;

/** Written whole, then renamed: the render never reads half a number. */
async function replace(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** A scout's comma-separated CPU seconds per play; none when any is not a number of seconds. */
function secondsList(words: string | undefined): number[] {
  const list = words ? words.split(',').map(Number) : [];
  return list.every((s) => Number.isFinite(s) && s >= 0) ? list : [];
}

/**
 * The node's side of the files through which a running render and its node agree on where it ends
 * (driver/nn_driver/range_files.py): the render writes the play it is at, the node writes the last
 * play to draw, "N" while it may still move it on, "N final" when it will not, and "N final tail K"
 * when the render draws only the frames of play N before frame K (cutting/boundary.ts). A cut inside
 * the play the render is drawing goes through two more files (driver/nn_driver/live_cut.py).
 */
export class RangeFiles {
  constructor(
    readonly stopFile: string,
    readonly progressFile: string,
    /** A scouting render's first play (driver/nn_driver/scout.py). */
    readonly startFile: string,
    /** A cut inside the play it draws: asked there, answered beside it (+ ".ack"), and where the
     *  rest of the play lands for its encoder. */
    readonly cutFile: string,
    readonly joinFile: string,
  ) {}

  private cuts = 0;

  /** Asks the render to stop drawing play `play` at frame `frame` (or where it is, up to `latest`):
   *  the frame it will stop at, or undefined when it cannot (or did not answer in time: the ask is
   *  then taken back, and a late yes is void, since the render draws on once the cut file is gone). */
  async askCut(play: number, frame: number, latest: number): Promise<number | undefined> {
    const id = String(++this.cuts);
    await rm(`${this.cutFile}.ack`, { force: true });
    await replace(this.cutFile, `${id} ${play} ${frame} ${latest}`);
    for (const until = Date.now() + CUT_ANSWER_MS; Date.now() < until; await sleep(20)) {
      const [said, at] = (await readFile(`${this.cutFile}.ack`, 'utf8').catch(() => '')).split(' ');
      if (said !== id) continue;
      if (at !== 'no' && Number.isInteger(Number(at))) return Number(at);
      break;
    }
    await this.takeCutBack();
    return undefined;
  }

  /** The render draws on past the cut: the rest of the play did not come. */
  async takeCutBack(): Promise<void> {
    await rm(this.cutFile, { force: true });
  }

  /** The rest of a cut play is here (a video's frames, written to `joinFile` whole first; for PNG
   *  frames nothing): the render goes on past the cut. */
  async join(): Promise<void> {
    await writeFile(this.joinFile, '', { flag: 'a' });
  }

  async setEnd(end: number, final: boolean, tail?: number): Promise<void> {
    await replace(this.stopFile, tail !== undefined ? `${end} final tail ${tail}` : final ? `${end} final` : String(end));
  }

  /** A scout's first play; with `head`, its first frame of that play's `frames` (cutting/boundary.ts). */
  async setStart(start: number, head?: { first: number; frames: number }): Promise<void> {
    await replace(this.startFile, head ? `${start} head ${head.first} of ${head.frames}` : String(start));
  }

  /** The play the render is at and the frames it has counted, once it has started; a scout is
   *  still fast-forwarding to a start it does not know (it draws nothing yet), and says what its
   *  exact fast-forward took over each play so far and what a frame in each play's middle took to
   *  draw (CPU seconds, plays 0, 1, …). */
  async progress(): Promise<Progress | undefined> {
    const [play, frames, mark, seconds, draws] = (await readFile(this.progressFile, 'utf8').catch(() => '')).split(' ');
    const [p, f] = [Number(play), Number(frames)];
    if (!Number.isInteger(p) || !Number.isInteger(f)) return undefined;
    return { play: p, frames: f, scouting: mark === 'scouting', forwarded: secondsList(seconds), drawSamples: secondsList(draws) };
  }
}
