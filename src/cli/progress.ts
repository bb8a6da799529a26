import cliProgress from 'cli-progress';
import type { JobDetailView } from './job-schemas.ts';
import { segmentLabel } from '../web/format.ts';

type Segment = JobDetailView['scenes'][number]['segments'][number];

/** What the job is doing when no segment renders: the words a user reads beside the bar. */
function phase(job: JobDetailView): string {
  if (job.state === 'queued') return 'queued';
  if (job.scenes.some((s) => s.state === 'planning')) return 'planning';
  if (job.scenes.some((s) => s.state === 'stitching')) return 'stitching';
  return job.state;
}

const bar = (fraction: number, width: number) => {
  const full = Math.round(Math.max(0, Math.min(1, fraction)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
};

/**
 * Live progress of a job on stderr: one bar for the job (frames, segments done of all, nodes at
 * work, ETA) and under it a line per running segment saying which node renders which plays of
 * which scene and how far it is.
 */
export class JobProgress {
  private multi?: cliProgress.MultiBar;
  private main?: cliProgress.SingleBar;
  private readonly lanes = new Map<string, cliProgress.SingleBar>();
  /** When frames first came in, and how many: the ETA is the rate since then (planning excluded). */
  private first?: { at: number; done: number };

  /** `shown`: whether it draws (only then do frame counts need reading between events). */
  constructor(readonly shown: boolean) {}

  update(job: JobDetailView): void {
    if (!this.shown) return;
    const segs = job.scenes.flatMap((s) => s.segments.map((g) => ({ ...g, scene: s.name })));
    // A scene still being planned has no frame count yet: what its lead drew counts as its total
    // so far, and the total says it will grow ("+").
    const unplanned = job.state !== 'succeeded' && (!job.scenes.length || job.scenes.some((s) => s.totalFrames === null && s.state !== 'failed'));
    const total = job.scenes.reduce((n, s) => n + (s.totalFrames ?? s.framesDone), 0);
    // a finished scene is all done, segments or not (a still has none)
    const done = job.scenes.reduce((n, s) => n + (s.state === 'succeeded' ? (s.totalFrames ?? s.framesDone) : s.framesDone), 0);
    const running = segs.filter((s) => s.state === 'running');
    const slots = new Map<string, number>();
    for (const s of running) slots.set(s.node ?? '?', (slots.get(s.node ?? '?') ?? 0) + 1);
    const eta = this.eta(done, total); // measured all along, shown once every frame count is known
    const plays = job.scenes.flatMap((s) => s.plays);
    const cached = plays.filter((p) => p.cached).length;
    const payload = {
      // plays the play cache served: drawn by nobody this time
      cache: cached ? ` · ${cached}/${plays.length} plays from cache` : '',
      segs: `${segs.filter((s) => s.state === 'done').length}/${segs.length}`,
      // several scenes: how many are finished; one: nothing to say beyond the frames
      scenes: job.scenes.length > 1 ? ` · scenes ${job.scenes.filter((s) => s.state === 'succeeded').length}/${job.scenes.length}` : '',
      // who works: each node at work, with how many of its slots render (vm×2)
      nodes: slots.size ? `${slots.size} node(s) at work: ${[...slots].map(([n, k]) => (k > 1 ? `${n}×${k}` : n)).join(' ')}` : phase(job),
      remaining: unplanned ? '?' : eta,
      pct: unplanned ? '  …' : `${Math.floor((100 * done) / Math.max(total, 1))}%`.padStart(4),
      frames: `${done}/${total}${unplanned ? '+' : ''}`,
    };
    if (!this.multi) {
      this.multi = new cliProgress.MultiBar(
        { hideCursor: true, clearOnComplete: false, stream: process.stderr, forceRedraw: true },
        cliProgress.Presets.shades_classic,
      );
      this.main = this.multi.create(Math.max(total, 1), done, payload, {
        format: ' {bar} {pct} {frames} frames · segments {segs}{scenes}{cache} · ETA {remaining} · {nodes}',
        barsize: 24,
      });
    }
    this.main!.setTotal(Math.max(total, 1));
    this.main!.update(done, payload);
    this.showLanes(running);
  }

  private eta(done: number, total: number): string {
    if (done > 0 && !this.first) this.first = { at: Date.now(), done };
    if (!this.first || !total) return '?';
    if (done >= total) return '0s';
    const rate = (done - this.first.done) / ((Date.now() - this.first.at) / 1000);
    if (!(rate > 0)) return '?';
    const s = Math.ceil((total - done) / rate);
    return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
  }

  /** A line per running segment; finished ones go. */
  private showLanes(running: (Segment & { scene: string })[]): void {
    // a lead or a scout has no end (or start) until the scene's plan cuts it
    const what = (s: Segment & { scene: string }) =>
      s.plays[0] < 0 ? `${s.scene} planning` : `${s.scene} ${segmentLabel(s)}`;
    const width = Math.max(...running.map((s) => (s.node ?? '?').length));
    const whatWidth = Math.max(...running.map((s) => what(s).length));
    const live = new Set<string>();
    for (const s of running) {
      const key = s.id;
      live.add(key);
      const payload = {
        who: (s.node ?? '?').padEnd(width),
        what: what(s).padEnd(whatWidth),
        // a planning scout records the scene's plays: no frames to count yet
        lane: s.plays[0] < 0 ? ' '.repeat(12) : bar(s.frames ? s.framesDone / s.frames : 0, 12),
        count: s.plays[0] < 0 ? '' : s.frames ? `${s.framesDone}/${s.frames} frames` : `${s.framesDone} frames`,
      };
      const lane = this.lanes.get(key);
      if (lane) lane.update(s.framesDone, payload);
      else this.lanes.set(key, this.multi!.create(Math.max(s.frames, 1), s.framesDone, payload, { format: '   {who}  {what} {lane} {count}' }));
    }
    for (const [key, lane] of this.lanes) {
      if (live.has(key)) continue;
      this.multi!.remove(lane);
      this.lanes.delete(key);
    }
  }

  stop(): void {
    for (const lane of this.lanes.values()) this.multi?.remove(lane);
    this.lanes.clear();
    this.multi?.stop();
    this.multi = undefined;
  }
}
