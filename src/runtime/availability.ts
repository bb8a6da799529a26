import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { scheduleAt, type Schedule } from '../config/schedule.ts';

/** What says whether someone uses this machine. */
export interface ActivityProbe {
  /** The one-minute load average. */
  load(): number;
  /** Milliseconds since the last keyboard or mouse input, where that can be read. */
  inputIdleMs(): Promise<number | undefined>;
}

let noXprintidle = false;
/** `xprintidle` (X11) when it is installed and there is a display; elsewhere nothing can be read. */
function xprintidle(): Promise<number | undefined> {
  if (noXprintidle || !process.env.DISPLAY) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile('xprintidle', { timeout: 2000 }, (err, stdout) => {
      if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT') noXprintidle = true;
      const ms = Number(stdout.trim());
      resolve(err || !Number.isFinite(ms) ? undefined : ms);
    });
  });
}

export const systemProbe: ActivityProbe = { load: () => loadavg()[0] ?? 0, inputIdleMs: xprintidle };

/** A load average still counts this node's own renders for a while after they end. */
const OWN_LOAD_MS = 120_000;

/**
 * Why this node takes no work now by its own config, or null: outside its schedule's hours ("off
 * schedule until 22:00"), or, with `onlyWhenIdle`, its user was active in the last N minutes (input
 * seen by xprintidle, or a load average above maxLoad while the node itself rendered nothing for
 * two minutes). Not knowing its history, a node counts its user as active when it starts.
 */
export class Availability {
  private lastActive = Date.now();
  private cause = 'just started: waiting to see the machine idle';

  constructor(private readonly schedule: Schedule, private readonly probe: ActivityProbe = systemProbe) {}

  /** Called at each heartbeat; `lastBusy`: when this node last had work of its own (ms). */
  async offWork(now: Date, lastBusy: number): Promise<string | null> {
    const idle = this.schedule.onlyWhenIdle;
    const t = now.getTime();
    if (idle) {
      const input = await this.probe.inputIdleMs();
      if (input !== undefined && t - input > this.lastActive) {
        this.lastActive = t - input;
        this.cause = 'keyboard or mouse input';
      }
      const load = this.probe.load();
      if (t - lastBusy > OWN_LOAD_MS && load > idle.maxLoad) {
        this.lastActive = t;
        this.cause = `load ${load.toFixed(2)} above ${idle.maxLoad}`;
      }
    }
    const hours = scheduleAt(this.schedule, now);
    if (!hours.inHours) return `off schedule until ${hours.until}`;
    if (idle && t - this.lastActive < idle.minutes * 60_000) return `user active (${this.cause})`;
    return null;
  }
}
