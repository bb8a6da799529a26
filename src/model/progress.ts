/** Where a running render is, as it last wrote to its progress file (driver/nn_driver/range_files.py). */
export interface Progress {
  /** The play it is at. */
  play: number;
  /** The frames it has counted. */
  frames: number;
  /** A scout still fast-forwarding to a start it does not know (it draws nothing yet). */
  scouting: boolean;
  /** A scout's exact fast-forward over plays 0, 1, … so far: the CPU seconds each took. */
  forwarded: number[];
  /** What a scout's frame in the middle of each of those plays took to draw (0: none drawn). */
  drawSamples: number[];
}
