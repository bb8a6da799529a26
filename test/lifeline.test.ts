import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from './helpers/database.ts';
import { waitFor, TOKEN } from './helpers/node.ts';

/**
 * A render's processes die with the node that runs them, however it ends. Each case starts a node in
 * a process of its own on a scene stuck in a loop, notes every Python process under it once the
 * render runs, ends the node, and checks that each of those processes is gone.
 */

const BIN = fileURLToPath(new URL('../bin/networknodes.js', import.meta.url));
const LOOP = 'from manim import *\n\nclass Stuck(Scene):\n    def construct(self):\n        self.add(Square())\n        while True:\n            pass\n';

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

/** Every process under `root`, by parent pid. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    const s = Number.isInteger(pid) ? stat(pid) : undefined;
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(root);
  return out;
}

const isDriver = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('nn_driver');
  } catch {
    return false;
  }
};
const alive = (pid: number) => {
  const s = stat(pid);
  return !!s && s.state !== 'Z'; // a zombie has ended; only its exit status waits for a reaper
};

function start(args: string[], env: Record<string, string>): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, NN_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

/** Every Python driver process under `child`, once a forked render child (a driver's child) runs. */
function renderRunning(child: ChildProcess): Promise<number[]> {
  return waitFor(async () => {
    const all = descendants(child.pid!).filter(isDriver);
    return all.some((p) => all.includes(stat(p)?.ppid ?? -1)) ? all : undefined;
  }, 120_000, 'a render to start');
}

async function gone(pythons: number[]): Promise<void> {
  expect(pythons.length).toBeGreaterThanOrEqual(2);
  await waitFor(async () => !pythons.some(alive), 20_000, `Python processes ${pythons.filter(alive).join(', ')} to end`);
}

const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.once('exit', (code) => r(code))));

describe('a render’s processes die with the node', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    it(`\`up\` ended by ${signal} mid-render leaves no Python process`, async () => {
      const db = await freshDatabase();
      const { child, log } = start(['up', '--port', '0', '--workers', '1'], { DATABASE_URL: db.url, NN_HOME: mkdtempSync(join(tmpdir(), 'nn-lifeline-')), NN_TOKEN: TOKEN });
      try {
        const url = await waitFor(async () => /url: +(http:\/\/\S+)/.exec(log())?.[1], 60_000, '`up` to print its URL');
        const res = await fetch(`${url}/jobs`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ files: { 'stuck.py': LOOP }, options: { resolution: [192, 108], fps: 15 } }) });
        expect(res.status).toBe(201);
        const pythons = await renderRunning(child);
        child.kill(signal);
        await exited(child);
        await gone(pythons);
      } finally {
        child.kill('SIGKILL');
        await db.drop();
      }
    }, 180_000);
  }

  it('`render --local` interrupted (SIGINT) mid-render stops its local cluster and leaves no Python process', async () => {
    const db = await freshDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'nn-lifeline-'));
    writeFileSync(join(dir, 'stuck.py'), LOOP);
    const { child, log } = start(['render', join(dir, 'stuck.py'), '--local', '1', '-r', '192,108', '--fps', '15', '--out-dir', join(dir, 'out')], { DATABASE_URL: db.url, NN_HOME: join(dir, 'home') });
    try {
      const pythons = await renderRunning(child);
      child.kill('SIGINT');
      expect(await exited(child), log()).toBe(130);
      expect(log()).toMatch(/SIGINT: stopping the local cluster/);
      await gone(pythons);
    } finally {
      child.kill('SIGKILL');
      await db.drop();
    }
  }, 180_000);
});
