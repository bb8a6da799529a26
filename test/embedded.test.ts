import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCoordinator } from '../src/runtime/coordinator.ts';
import { parseConfig } from '../src/config/load.ts';
import { api, waitFor } from './helpers/node.ts';
import { postgresUnder } from './helpers/postgres-under.ts';

const BIN = fileURLToPath(new URL('../bin/networknodes.js', import.meta.url));
const SCENE = `from manim import *\n\nclass Tiny(Scene):\n    def construct(self):\n        self.play(Create(Square()), run_time=0.3)\n        self.wait(0.2)\n`;

describe('the embedded default', () => {
  it('starts Postgres under NN_HOME, keeps jobs and videos across restarts, leaves no process behind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nn-embedded-'));
    const config = parseConfig({ home, http: { port: 0 }, concurrency: 1 }, {});
    const first = await startCoordinator(config);
    let id: string;
    let video: ArrayBuffer;
    try {
      expect(first.embedded).toBeDefined();
      expect(statSync(join(home, 'token')).mode & 0o777).toBe(0o600);
      expect(statSync(join(home, 'postgres.json')).mode & 0o777).toBe(0o600);
      const call = api(first.url, first.token);
      const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'tiny.py': SCENE }, options: { resolution: [192, 108], fps: 15 } }) });
      id = (await res.json()).id;
      await waitFor(async () => (await (await call(`/jobs/${id}`)).json()).state === 'succeeded', 120_000, 'render');
      video = await (await call(`/jobs/${id}/output/Tiny`)).arrayBuffer();
      expect(video.byteLength).toBeGreaterThan(1000);
    } finally {
      await first.stop();
    }
    expect(postgresUnder(home)).toEqual([]);

    const second = await startCoordinator(config);
    try {
      expect(second.token).toBe(first.token);
      const call = api(second.url, second.token);
      expect((await (await call(`/jobs/${id}`)).json()).state).toBe('succeeded');
      const again = await (await call(`/jobs/${id}/output/Tiny`)).arrayBuffer();
      expect(Buffer.from(again).equals(Buffer.from(video))).toBe(true);
      // A browser seeking the video asks for a byte range.
      const part = await call(`/jobs/${id}/output/Tiny`, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${video.byteLength}`);
      expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(video).subarray(100, 200))).toBe(true);
    } finally {
      await second.stop();
    }
    expect(postgresUnder(home)).toEqual([]);
  });

  it('`networknodes up` stops cleanly on SIGTERM: exit 0, no Postgres left', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nn-up-'));
    const child = spawn(process.execPath, [BIN, 'up', '--port', '0', '--workers', '1'], { env: { ...process.env, NN_HOME: home, NN_LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(async () => out.includes('token:'), 60_000, 'up to print its token');
    expect(out).toMatch(/url: {3}http:\/\/127\.0\.0\.1:\d+/);
    expect(postgresUnder(home).length).toBe(1);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(postgresUnder(home)).toEqual([]);
  });
});
