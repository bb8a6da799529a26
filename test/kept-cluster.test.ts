import { describe, it, expect, afterAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers/cli.ts';
import { frameHashes, manimRender } from './helpers/media.ts';
import { waitFor } from './helpers/node.ts';
import { postgresUnder } from './helpers/postgres-under.ts';
import { processAlive } from '../src/lib/process.ts';

const SCENES = fileURLToPath(new URL('scenes', import.meta.url));
const FILE = join(SCENES, 'flags.py');
const SIZE = ['-r', '256,144', '--fps', '10', '--seed', '3'];

// Each on its own embedded database (no DATABASE_URL), as a user's first `render` is.
const homes: string[] = [];
const newHome = () => {
  const home = mkdtempSync(join(tmpdir(), 'nn-kept-'));
  homes.push(home);
  return { home, env: { NN_HOME: home, DATABASE_URL: undefined } };
};
const render = (env: Record<string, string | undefined>, extra: string[]) => {
  const out = mkdtempSync(join(tmpdir(), 'nn-kept-out-'));
  return cli(['render', FILE, 'Steps', ...SIZE, '--out-dir', out, ...extra], { cwd: SCENES, env }).then((r) => ({ ...r, video: join(out, 'Steps.mp4') }));
};
const announced = (home: string) => JSON.parse(readFileSync(join(home, 'coordinator.json'), 'utf8')) as { pid: number; workers: number };

afterAll(async () => {
  for (const home of homes) await cli(['down'], { env: { NN_HOME: home, DATABASE_URL: undefined } });
});

describe('a render without --cluster', () => {
  it('keeps its local cluster for the next render, which starts none; a different --local replaces it; `down` stops it', async () => {
    const { home, env } = newHome();
    const first = await render(env, ['--local', '1']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/starting a local cluster with 1 worker\(s\), kept for later renders until idle 10 min/);
    const kept = announced(home);
    expect(kept.workers).toBe(1);
    expect(processAlive(kept.pid)).toBe(true); // it outlived the command

    const second = await render(env, []);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/using the local cluster kept from an earlier render \(1 worker\(s\)/);
    expect(postgresUnder(home).length).toBe(1);
    expect(announced(home).pid).toBe(kept.pid);
    const ref = mkdtempSync(join(tmpdir(), 'nn-kept-ref-'));
    await manimRender(FILE, ['Steps'], SIZE, ref);
    const manim = await frameHashes(join(ref, 'videos', 'flags', '144p10', 'Steps.mp4'));
    expect(await frameHashes(first.video)).toEqual(manim);
    expect(await frameHashes(second.video)).toEqual(manim);
    // The other commands find it too, though it serves on a port of its own choosing.
    const status = await cli(['status'], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.match(/ succeeded /g)?.length).toBe(2);

    const wider = await render(env, ['--local', '2']);
    expect(wider.code, wider.stderr).toBe(0);
    expect(wider.stderr).toMatch(/stopping the kept local cluster of 1 worker\(s\) for one of 2/);
    expect(processAlive(kept.pid)).toBe(false);
    const replaced = announced(home);
    expect(replaced.workers).toBe(2);
    expect(await frameHashes(wider.video)).toEqual(manim);

    const down = await cli(['down'], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/stopped the coordinator at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\)/);
    expect(processAlive(replaced.pid)).toBe(false);
    expect(existsSync(join(home, 'coordinator.json'))).toBe(false);
    expect(postgresUnder(home)).toEqual([]);
    expect((await cli(['down'], { env })).stdout).toContain('no coordinator runs on this machine');
  }, 600_000);

  it('stops the kept cluster by itself once idle, and with --keep 0 keeps none', async () => {
    const { home, env } = newHome();
    const r = await render(env, ['--local', '1', '--keep', '0.05']);
    expect(r.code, r.stderr).toBe(0);
    const { pid } = announced(home);
    await waitFor(async () => !processAlive(pid), 60_000, 'the idle cluster to stop');
    expect(readFileSync(join(home, 'local-cluster.log'), 'utf8')).toMatch(/no work for the idle time: stopping/);
    expect(postgresUnder(home)).toEqual([]);
    expect(existsSync(join(home, 'coordinator.json'))).toBe(false);

    const once = await render(env, ['--local', '1', '--keep', '0']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stderr).toMatch(/starting a local cluster with 1 worker\(s\)\n/);
    expect(existsSync(join(home, 'coordinator.json'))).toBe(false);
    expect(postgresUnder(home)).toEqual([]);
  }, 600_000);

  it('a second `up` on a home whose `up` runs is refused; a kept local cluster makes way for one', async () => {
    const { home, env } = newHome();
    expect((await render(env, ['--local', '1'])).code).toBe(0);
    const kept = announced(home);
    const up = cli(['up', '--port', '0', '--workers', '1'], { env });
    await waitFor(async () => existsSync(join(home, 'coordinator.json')) && announced(home).pid !== kept.pid, 120_000, 'up to take over');
    expect(processAlive(kept.pid)).toBe(false);
    const again = await cli(['up', '--port', '0'], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/a coordinator already runs on this machine at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\); `networknodes down` stops it/);
    expect((await cli(['down'], { env })).code).toBe(0);
    const ended = await up;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stderr).toContain('stopping the local cluster kept from an earlier render');
  }, 600_000);
});
