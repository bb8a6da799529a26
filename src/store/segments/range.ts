/** A lead segment's toPlay while nobody knows yet where it ends. */
export const OPEN_END = -1;
/** A scouting segment's fromPlay while nobody knows yet where it starts. */
export const UNKNOWN_START = -1;
