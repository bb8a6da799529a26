/** How long ago, as a person says it: "3 s", "4 min", "2 h". */
export function age(from: Date | string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(from).getTime()) / 1000));
  return s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

/** A duration in ms as "850 ms", "12.3 s", "4 min 05 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) (n /= 1024), i++;
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}

/** A segment's plays as "2–5"; a scout's start is unknown ("?") and an open end runs on ("…"). */
export const playsLabel = ([from, to]: [number, number]) => `${from < 0 ? '?' : from}–${to < 0 ? '…' : to}`;

/** What a segment renders, as the API describes it (store/jobs.ts). */
export interface SegmentShape {
  plays: [number, number];
  slice?: [number, number] | null;
  encodes?: boolean;
  head?: number | null;
  tail?: number | null;
}

/** What a segment renders: "plays 2–5"; a slice of a play: "play 7, frames 0–59"; the encoder of a
 *  sliced play: "play 7, encoding"; a share cut inside the plays at its ends: "play 7 from frame 60,
 *  plays 8–9" and "plays 2–6, play 7 to frame 59". */
export function segmentLabel({ plays: [from, to], slice, encodes, head, tail }: SegmentShape): string {
  if (encodes) return `play ${from}, encoding`;
  if (slice) return `play ${from}, frames ${slice[0]}–${slice[1] - 1}`;
  const [first, last] = [head != null ? from + 1 : from, tail != null ? to - 1 : to];
  return [
    ...(head != null ? [`play ${from} from frame ${head}`] : []),
    ...(last >= first || last < 0 ? [`plays ${playsLabel([first, last])}`] : []),
    ...(tail != null ? [`play ${to} to frame ${tail - 1}`] : []),
  ].join(', ');
}

/** Percent of `done` over `total`, 0 when nothing is planned yet. */
export const percent = (done: number, total: number) => (total > 0 ? Math.min(100, Math.round((100 * done) / total)) : 0);
