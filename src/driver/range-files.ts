import { readFile, rename, writeFile } from 'node:fs/promises';

/** Written whole, then renamed: the render never reads half a number. */
async function replace(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/**
 * The node's side of the files through which a running render and its node agree on where it ends
 * (driver/nn_driver/range_files.py): the render writes the play it is at, the node writes the last
 * play to draw, "N" while it may still move it on, "N final" when it will not, and "N final tail K"
 * when the render draws only the frames of play N before frame K (cutting/boundary.ts).
 */
export class RangeFiles {
  constructor(
    readonly stopFile: string,
    readonly progressFile: string,
    /** A scouting render's first play (driver/nn_driver/scout.py). */
    readonly startFile: string,
  ) {}

  async setEnd(end: number, final: boolean, tail?: number): Promise<void> {
    await replace(this.stopFile, tail !== undefined ? `${end} final tail ${tail}` : final ? `${end} final` : String(end));
  }

  /** A scout's first play; with `head`, its first frame of that play's `frames` (cutting/boundary.ts). */
  async setStart(start: number, head?: { first: number; frames: number }): Promise<void> {
    await replace(this.startFile, head ? `${start} head ${head.first} of ${head.frames}` : String(start));
  }

  /** The play the render is at and the frames it has counted, once it has started; a scout is
   *  still fast-forwarding to a start it does not know (it draws nothing yet), and says what its
   *  exact fast-forward took over each play so far (CPU seconds, plays 0, 1, …). */
  async progress(): Promise<{ play: number; frames: number; scouting: boolean; forwarded: number[] } | undefined> {
    const [play, frames, mark, seconds] = (await readFile(this.progressFile, 'utf8').catch(() => '')).split(' ');
    const [p, f] = [Number(play), Number(frames)];
    const forwarded = seconds ? seconds.split(',').map(Number) : [];
    if (!Number.isInteger(p) || !Number.isInteger(f)) return undefined;
    return { play: p, frames: f, scouting: mark === 'scouting', forwarded: forwarded.every((s) => Number.isFinite(s) && s >= 0) ? forwarded : [] };
  }
}
