import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * The node's side of the files through which a running render and its node agree on where it ends
 * (driver/nn_driver/range_files.py): the render writes the play it is at, the node writes the last
 * play to draw, "N" while it may still move it on, "N final" when it will not.
 */
export class RangeFiles {
  constructor(
    readonly stopFile: string,
    readonly progressFile: string,
  ) {}

  async setEnd(end: number, final: boolean): Promise<void> {
    // Written whole, then renamed: the render never reads half a number.
    await writeFile(`${this.stopFile}.tmp`, final ? `${end} final` : String(end));
    await rename(`${this.stopFile}.tmp`, this.stopFile);
  }

  /** The play the render is at and the frames it has written, once it has started. */
  async progress(): Promise<{ play: number; frames: number } | undefined> {
    const text = await readFile(this.progressFile, 'utf8').catch(() => '');
    const [play, frames] = text.split(' ').map(Number);
    return Number.isInteger(play) && Number.isInteger(frames) ? { play: play!, frames: frames! } : undefined;
  }
}
