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

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

/** Longest a cancelled call waits for the driver to say the request's child is gone. */
const CANCEL_MS = 5000;

/** The warm `python -m nn_driver serve`: manim imported once, a forked child per request, several
 *  at once, each answered by its id. */
class WarmDriver {
  readonly child: ChildProcess;
  private pending = new Map<string, Pending>();
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
    // A closed pipe to a driver that died is reported by its exit below, not as a crash of the node.
    this.child.stdin!.on('error', () => {});
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`the Python driver exited (${signal ?? code}): ${this.stderr.trim().split('\n').slice(-5).join('\n')}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
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
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg);
    else p.reject(new SceneError(msg.error));
  }

  /** A request's reply; `signal` cancels it: its child is killed with what it started, and the
   *  call rejects with the signal's reason once the driver says the child is gone. Until then it
   *  may still write into the request's folders, which a caller deletes next (a stitch cancelled
   *  mid-way failed with ENOTEMPTY). A driver that does not answer within CANCEL_MS is not waited for. */
  call(cmd: string, request: object, signal?: AbortSignal): Promise<unknown> {
    if (this.exited) return Promise.reject(new Error('the Python driver is not running'));
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const cancelled = () => {
          clearTimeout(late);
          this.pending.delete(id);
          reject(signal!.reason instanceof Error ? signal!.reason : new Error('the render was cancelled'));
        };
        // whatever answers first, the request's own reply or the cancel's, ends it as cancelled
        this.pending.set(id, { resolve: cancelled, reject: cancelled });
        const late = setTimeout(cancelled, CANCEL_MS);
        if (this.exited) cancelled();
        else this.child.stdin!.write(JSON.stringify({ cancel: id }) + '\n');
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      this.child.stdin!.write(JSON.stringify({ ...request, id, cmd }) + '\n');
    });
  }

  /** SIGTERM first: the driver kills its render children's process groups (LaTeX, ffmpeg, whatever
   *  the scenes started), then exits; a driver that does not is killed with its own group. */
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

/**
 * A node's driver: one warm server that runs as many requests at once as the node renders
 * (`size`); a request past that waits for a free slot. One server, not one per slot: Python imports
 * manim once per node (a second or two of CPU each, which a node's start waits for), and the
 * children share that import copy-on-write. A server that dies is started again by the next call.
 */
export class NodeDriver {
  private server?: WarmDriver;
  private busy = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly size: number,
    private readonly nice = 0,
    private readonly limits: Limits = limitsSchema.parse(undefined),
  ) {}

  /** The server, started now if it is not running, so a render rarely waits for Python to import manim. */
  warm(): WarmDriver | undefined {
    if (this.closed) return undefined;
    if (!this.server || this.server.exited) this.server = new WarmDriver(this.nice);
    return this.server;
  }

  private async slot(): Promise<void> {
    if (this.busy < this.size) {
      this.busy++;
      return;
    }
    // The slot is handed over as it is freed (busy stays as it is).
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private free(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.busy--;
  }

  /** Runs one driver command; `signal` kills its render. Scene code runs under the node's limits;
   *  `wallSeconds` raises its wall-time floor for this call. */
  async call<T>(cmd: string, request: object, schema: z.ZodType<T>, signal?: AbortSignal, wallSeconds?: number): Promise<T> {
    if (this.closed) throw new Error('driver pool is closed');
    signal?.throwIfAborted();
    await this.slot();
    try {
      signal?.throwIfAborted();
      const server = this.warm();
      if (!server) throw new Error('driver pool is closed');
      const reply = await server.call(cmd, { ...request, limits: driverLimits(cmd, this.limits, wallSeconds) }, signal);
      return schema.parse(reply);
    } finally {
      this.free();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const d = this.server;
    if (!d || d.exited) return;
    const exited = new Promise<void>((r) => d.child.once('exit', () => r()));
    // Its running requests end first; then it exits (stdin closed), or is killed after 3 s.
    d.child.stdin?.end();
    const timer = setTimeout(() => d.kill(), 3000);
    await exited;
    clearTimeout(timer);
  }
}
