import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setPriority } from 'node:os';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { driverEnv, pythonPath } from './python.ts';
import { driverLimits } from './limits.ts';
import { limitsSchema, type Limits } from '../config/limits.ts';
import { log } from '../lib/log.ts';
import { driverErrorSchema, SceneError } from '../model/errors.ts';

const replySchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true) }).passthrough(),
  z.object({ id: z.string(), ok: z.literal(false), error: driverErrorSchema }),
]);

/** One warm `python -m nn_driver serve`: manim imported once, a forked child per request. */
class WarmDriver {
  readonly child: ChildProcess;
  private pending?: { id: string; resolve: (v: unknown) => void; reject: (e: Error) => void };
  private stderr = '';
  exited = false;

  constructor(nice: number) {
    this.child = spawn(pythonPath(), ['-m', 'nn_driver', 'serve'], {
      env: driverEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so a cancelled render's forked child dies with it
    });
    if (nice && this.child.pid) setPriority(this.child.pid, nice);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-8000);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      this.pending?.reject(new Error(`the Python driver exited (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-5).join('\n')}`));
      this.pending = undefined;
    });
  }

  private onLine(line: string): void {
    let msg: z.infer<typeof replySchema>;
    try {
      msg = replySchema.parse(JSON.parse(line));
    } catch {
      log.debug({ line }, 'driver output that is not a reply');
      return;
    }
    const p = this.pending;
    if (!p || p.id !== msg.id) return;
    this.pending = undefined;
    if (msg.ok) p.resolve(msg);
    else p.reject(new SceneError(msg.error));
  }

  call(cmd: string, request: object): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('the Python driver is not running'));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject };
      this.child.stdin!.write(JSON.stringify({ ...request, id, cmd }) + '\n');
    });
  }

  /** SIGTERM first: the driver kills its render child's process group (LaTeX, ffmpeg, whatever the
   *  scene started), then exits; a driver that does not is killed with its own group. */
  kill(): void {
    if (this.exited || !this.child.pid) return;
    const pid = this.child.pid;
    this.child.kill('SIGTERM');
    const hard = setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        this.child.kill('SIGKILL');
      }
    }, 2000);
    hard.unref();
    this.child.once('exit', () => clearTimeout(hard));
  }
}

/** As many warm drivers as the node renders at once; a request waits for a free one. */
export class DriverPool {
  private idle: WarmDriver[] = [];
  private waiters: ((d: WarmDriver) => void)[] = [];
  private all = new Set<WarmDriver>();
  private closed = false;

  constructor(
    readonly size: number,
    private readonly nice = 0,
    private readonly limits: Limits = limitsSchema.parse(undefined),
  ) {}

  private spawnOne(): WarmDriver {
    const d = new WarmDriver(this.nice);
    this.all.add(d);
    d.child.on('exit', () => this.all.delete(d));
    return d;
  }

  /**
   * Starts one driver now and keeps one spare from then on, so a render rarely waits for Python to
   * import manim, yet a node holds only its busy drivers and one more: each is about 120 MB, and
   * fifty nodes of four slots warming every driver at boot would hold 24 GB doing nothing.
   */
  warm(): void {
    if (!this.closed && this.idle.length === 0 && this.all.size < this.size) this.idle.push(this.spawnOne());
  }

  private async acquire(): Promise<WarmDriver> {
    const d = this.idle.pop();
    const got = d && !d.exited ? d : this.all.size < this.size ? this.spawnOne() : undefined;
    if (got) {
      this.warm();
      return got;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private releaseDriver(d: WarmDriver): void {
    if (d.exited || this.closed) return;
    const w = this.waiters.shift();
    if (w) w(d);
    else this.idle.push(d);
  }

  /** Runs one driver command; `signal` kills the render (and its driver, replaced on demand). Scene
   *  code runs under the node's limits; `wallSeconds` raises its wall-time floor for this call. */
  async call<T>(cmd: string, request: object, schema: z.ZodType<T>, signal?: AbortSignal, wallSeconds?: number): Promise<T> {
    if (this.closed) throw new Error('driver pool is closed');
    signal?.throwIfAborted();
    const d = await this.acquire();
    const onAbort = () => d.kill();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await d.call(cmd, { ...request, limits: driverLimits(cmd, this.limits, wallSeconds) });
      return schema.parse(reply);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (d.exited && this.waiters.length && !this.closed) this.waiters.shift()!(this.spawnOne());
      else this.releaseDriver(d);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const exits = [...this.all].map((d) => new Promise<void>((r) => (d.exited ? r() : d.child.once('exit', () => r()))));
    for (const d of this.all) d.child.stdin?.end();
    const timer = setTimeout(() => this.all.forEach((d) => d.kill()), 3000);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
