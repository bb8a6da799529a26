import cliProgress from 'cli-progress';
import type { JobDetailView } from './job-schemas.ts';

/** Live progress of a job: frames and segments done, ETA, which nodes are working. */
export class JobProgress {
  private bar?: cliProgress.SingleBar;

  constructor(private readonly enabled: boolean) {}

  update(job: JobDetailView): void {
    if (!this.enabled) return;
    const segs = job.scenes.flatMap((s) => s.segments);
    const total = job.scenes.reduce((n, s) => n + (s.totalFrames ?? 0), 0);
    const done = job.scenes.reduce((n, s) => n + s.framesDone, 0);
    const working = [...new Set(segs.filter((s) => s.state === 'running').map((s) => s.node).filter(Boolean))];
    const payload = {
      segs: `${segs.filter((s) => s.state === 'done').length}/${segs.length}`,
      scenes: `${job.scenes.filter((s) => s.state === 'succeeded').length}/${job.scenes.length}`,
      nodes: working.length ? working.join(', ') : job.state === 'queued' || !segs.length ? 'planning' : 'stitching',
    };
    if (!this.bar) {
      this.bar = new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | {value}/{total} frames | segments {segs} | scenes {scenes} | ETA {eta_formatted} | {nodes}',
          hideCursor: true,
          etaBuffer: 20,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), done, payload);
    }
    this.bar.setTotal(Math.max(total, 1));
    this.bar.update(done, payload);
  }

  stop(): void {
    this.bar?.stop();
  }
}
