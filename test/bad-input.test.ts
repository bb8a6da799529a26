import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import tar from 'tar-stream';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN, submitJob, jobFinished } from './helpers/node.ts';
import { PROJECT_ROOT } from '../src/driver/python.ts';

/**
 * Bad input of every kind gets a 4xx (or a failed scene) whose message names the problem, and the
 * node goes on: a good job submitted before them all still renders (checked last).
 */

const MAX_UPLOAD = 2 * 1024 * 1024;
const TINY = 'from manim import *\n\nclass Tiny(Scene):\n    def construct(self):\n        self.play(Create(Square()), run_time=0.3)\n';
const GOOD = `${TINY}\n\nclass Größe_円(Scene):\n    def construct(self):\n        self.play(FadeIn(Circle()), run_time=0.3)\n`;
const OPTS = { resolution: [256, 144], fps: 15 };
// What the node was started with that scene code must never see.
const SECRETS = { NN_TOKEN: TOKEN, PGPASSWORD: 'pg-password-7f3a9c', AWS_SECRET_ACCESS_KEY: 'aws-secret-41d2e8', DATABASE_URL: '' };

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: Awaited<ReturnType<typeof testNode>>;
let call: ReturnType<typeof api>;
let goodId: string;

beforeAll(async () => {
  db = await freshDatabase();
  SECRETS.DATABASE_URL = db.url;
  Object.assign(process.env, SECRETS); // the drivers start with the node, with this environment
  node = await testNode(db.url, { maxUploadBytes: MAX_UPLOAD, limits: { segmentSeconds: 20, memoryMB: 2048 } });
  call = api(node.url);
  goodId = await submit({ files: { 'good.py': GOOD }, options: OPTS });
}, 120_000);
afterAll(async () => {
  for (const k of Object.keys(SECRETS)) delete process.env[k];
  await node?.stop();
  await db?.drop();
});

const submit = (body: object) => submitJob(call, body);

const finished = (id: string) => jobFinished(call, id, 300_000);

async function refused(res: Response, status: number, message: RegExp): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(JSON.parse(text).error).toMatch(message);
}

type Entry = { name: string; type?: 'file' | 'symlink' | 'link' | 'character-device' | 'directory'; body?: string; linkname?: string };

async function tarball(entries: Entry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, devmajor: 1, devminor: 3 }, e.body ?? '');
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of gzip ? pack.pipe(createGzip()) : pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A project tarball upload, multipart, as `curl -F archive=@project.tgz -F entry=…` sends it. */
function uploadArchive(archive: Buffer, fields: Record<string, string> = {}) {
  const form = new FormData();
  form.set('archive', new Blob([new Uint8Array(archive)]), 'project.tgz');
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  return call('/jobs', { method: 'POST', body: form });
}

describe('bad archives', () => {
  it('a gzip bomb is refused after inflating no more than the limit, and heartbeats go on meanwhile', async () => {
    // 1 GiB of zeros in one file: about 1 MB gzipped, under the 2 MiB upload limit.
    const pack = tar.pack();
    const size = 1024 ** 3;
    const entry = pack.entry({ name: 'scene.py', size });
    const gz = pack.pipe(createGzip({ level: 9 }));
    const chunks: Buffer[] = [];
    const collect = (async () => { for await (const c of gz) chunks.push(c as Buffer); })();
    const zeros = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < size / zeros.length; i++) if (!entry.write(zeros)) await new Promise<void>((r) => entry.once('drain', () => r()));
    await new Promise<void>((r) => entry.end(() => r()));
    pack.finalize();
    await collect;
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(MAX_UPLOAD);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await refused(await uploadArchive(bomb), 400, /archive unpacks to more than 8388608 bytes/);
    delay.disable();
    // The node (in this process) answered heartbeats and requests all along: the loop never stood still for a heartbeat's 4 s.
    expect(delay.max / 1e6).toBeLessThan(4000);
  }, 120_000);

  it('a corrupt .tar.gz and a file that is no tar at all', async () => {
    const gz = await tarball([{ name: 'a.py', body: TINY }]);
    await refused(await uploadArchive(Buffer.concat([gz.subarray(0, 30), Buffer.alloc(200, 0x55)])), 400, /archive is not a valid \.tar\.gz/);
    await refused(await uploadArchive(Buffer.from('this is not a tar file at all'.repeat(40))), 400, /archive is not a valid tar file/);
  });

  it('entries that leave the project, links, devices', async () => {
    const cases: [Entry, RegExp][] = [
      [{ name: '../evil.py', body: TINY }, /leaves the project directory/],
      [{ name: 'a/../../evil.py', body: TINY }, /leaves the project directory/],
      [{ name: '/etc/evil.py', body: TINY }, /is absolute/],
      [{ name: 'link.py', type: 'symlink', linkname: '/etc/passwd' }, /"link.py" is a symlink; only files and directories/],
      [{ name: 'hard.py', type: 'link', linkname: 'scene.py' }, /"hard.py" is a link; only files and directories/],
      [{ name: 'null', type: 'character-device' }, /"null" is a character-device; only files and directories/],
    ];
    for (const [entry, message] of cases) {
      await refused(await uploadArchive(await tarball([{ name: 'scene.py', body: TINY }, entry]), { entry: 'scene.py' }), 400, message);
    }
  });

  it('a file and a folder of the same name, too many files, an over-long name', async () => {
    await refused(await uploadArchive(await tarball([{ name: 'scene.py', body: TINY }, { name: 'assets', body: 'x' }, { name: 'assets/a.png', body: 'x' }]), { entry: 'scene.py' }), 400, /assets is both a file and the folder of assets\/a.png/);
    const many = Array.from({ length: 2001 }, (_, i) => ({ name: `f/${i}.txt`, body: '' }));
    await refused(await uploadArchive(await tarball([{ name: 'scene.py', body: TINY }, ...many]), { entry: 'scene.py' }), 400, /more than 2000 files/);
    await refused(await uploadArchive(await tarball([{ name: 'scene.py', body: TINY }, { name: `${'n'.repeat(300)}.py`, body: TINY }]), { entry: 'scene.py' }), 400, /is 303 bytes long; the most is 255/);
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { [`${'n'.repeat(256)}.py`]: TINY } }) }), 400, /the most is 255/);
  });
});

describe('bad uploads and fields', () => {
  it('a chunked upload past the limit (no Content-Length) gets 413', async () => {
    // node:http on a connection of its own: the node closes it after refusing the rest of the body.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${node.url}/jobs`, { method: 'POST', agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      for (let i = 0; i < 3; i++) req.write(`{"files":{"a.py":"${'x'.repeat(MAX_UPLOAD / 2)}`);
      req.end();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error).toMatch(/upload too large: the limit is 2097152 bytes \(config maxUploadBytes\)/);
  });

  it('bad multipart fields and a body that is not multipart', async () => {
    const form = (fields: Record<string, string>) => {
      const f = new FormData();
      f.set('file', new Blob([TINY]), 'scene.py');
      for (const [k, v] of Object.entries(fields)) f.set(k, v);
      return f;
    };
    await refused(await call('/jobs', { method: 'POST', body: form({ qualty: 'l' }) }), 400, /unknown form field "qualty"/);
    await refused(await call('/jobs', { method: 'POST', body: form({ transparent: 'maybe' }) }), 400, /transparent: expected true or false, got "maybe"/);
    await refused(await call('/jobs', { method: 'POST', body: form({ fps: 'fast' }) }), 400, /fps/);
    await refused(await call('/jobs', { method: 'POST', body: form({ resolution: '1920x1080' }) }), 400, /resolution/);
    await refused(await call('/jobs', { method: 'POST', body: form({ options: '{not json' }) }), 400, /options: not valid JSON/);
    const text = new FormData();
    text.set('file', 'just text, no file');
    await refused(await call('/jobs', { method: 'POST', body: text }), 400, /file: expected an uploaded file/);
    const garbled = await fetch(`${node.url}/jobs`, { method: 'POST', body: '--nope\r\ngarbage', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'multipart/form-data; boundary=xyz' } });
    await refused(garbled, 400, /body is not valid multipart\/form-data/);
  });

  it('bad base64, unknown keys, option combinations the renderer refuses, seeds out of range', async () => {
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY, 'b.wav': { base64: 'not*base64!' } }, entry: 'a.py' }) }), 400, /files\.b\.wav\.base64: not valid base64/);
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY }, options: { qualty: 'l' } }) }), 400, /options: Unrecognized key: "qualty"/);
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY }, scene: ['Tiny'] }) }), 400, /Unrecognized key: "scene"/);
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY }, options: { transparent: true, format: 'mp4' } }) }), 400, /format: mp4 has no alpha channel/);
    await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY }, options: { saveSections: true, format: 'png-sequence' } }) }), 400, /saveSections needs a video format/);
    for (const seed of [-1, 2 ** 32, 1.5, '7']) {
      await refused(await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': TINY }, options: { seed } }) }), 400, /seed/);
    }
  });

  it('a function input past its limit gets 413', async () => {
    const res = await call('/functions/echo', { method: 'POST', body: JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }) });
    await refused(res, 413, /function input too large: the limit is 1048576 bytes/);
    // Refused before the body was read: the client is told not to send another request on it.
    expect(res.headers.get('connection')).toBe('close');
  });

  it('an unknown config key is refused by name, not dropped (CLI)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-config-'));
    writeFileSync(join(dir, 'config.mjs'), `export default { render: { quality: 'l' }, segmnets: { perWorker: 2 }, limits: { memoryMb: 100 } };\n`);
    const run = promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/networknodes.js'), 'status', '-c', join(dir, 'config.mjs')], { cwd: dir, env: { ...process.env, NN_URL: node.url } });
    const err = await run.then(() => undefined, (e: { code: number; stderr: string }) => e);
    expect(err?.code).not.toBe(0);
    expect(err?.stderr).toMatch(/Unrecognized key: "segmnets"/);
    expect(err?.stderr).toMatch(/limits: Unrecognized key: "memoryMb"/);
  });
});

describe('bad ids, queries and ranges', () => {
  it('non-UUID job ids', async () => {
    for (const [path, method] of [['/jobs/42', 'GET'], ['/jobs/x%27%3Bdrop/events', 'GET'], ['/jobs/abc/output/Tiny', 'GET'], ['/jobs/abc/cancel', 'POST']] as const) {
      await refused(await call(path, { method }), 400, /job id must be a UUID/);
    }
  });

  it('garbage limit and Last-Event-ID', async () => {
    for (const limit of ['abc', '0', '-5', '1e9', '100000']) await refused(await call(`/jobs?limit=${limit}`), 400, /limit must be a whole number from 1 to 1000/);
    expect((await call('/jobs?limit=2')).status).toBe(200);
    for (const last of ['abc', '-1', '1.5']) {
      await refused(await call(`/jobs/${goodId}/events`, { headers: { 'last-event-id': last } }), 400, /Last-Event-ID \(or after\) must be an event id/);
    }
  });
});

describe('scenes that misbehave fail alone, with the limit named', () => {
  it('an infinite loop in construct, in an updater and at import time, and a memory hog', async () => {
    const loop = `${TINY}\n\nclass Loop(Scene):\n    def construct(self):\n        self.add(Square())\n        while True:\n            pass\n\n\nclass UpdaterLoop(Scene):\n    def construct(self):\n        def stuck(m, dt):\n            while True:\n                pass\n\n        self.add(Dot().add_updater(stuck))\n        self.wait(0.5)\n`;
    const hog = `${TINY}\n\nclass Hog(Scene):\n    def construct(self):\n        hog = []\n        while True:\n            hog.append(bytearray(256 * 1024 * 1024))\n`;
    const [loopJob, hogJob, importJob] = await Promise.all([
      submit({ files: { 'loop.py': loop }, options: OPTS }),
      submit({ files: { 'hog.py': hog }, options: OPTS }),
      submit({ files: { 'stuck.py': `${TINY}\nwhile True:\n    pass\n` }, options: OPTS }),
    ].map((p) => p.then(finished)));
    const wall = /LimitExceeded: the segment exceeded its wall-time limit of 20 s \(limits.segmentSeconds\)/;
    for (const [job, scene, message] of [[loopJob, 'Loop', wall], [loopJob, 'UpdaterLoop', wall], [hogJob, 'Hog', /LimitExceeded: the scene used more than 2048 MB of memory/]] as const) {
      expect(job.state).toBe('failed');
      const bad = job.scenes.find((s: { name: string }) => s.name === scene);
      expect(bad.error.message).toMatch(message);
      expect(job.scenes.find((s: { name: string }) => s.name === 'Tiny').state).toBe('succeeded');
    }
    expect(importJob.state).toBe('failed');
    expect(importJob.error.message).toMatch(/loading the scene file exceeded its wall-time limit of 20 s/);
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  }, 300_000);

  it('scene code does not see the token, the database URL or any other secret of the node', async () => {
    const dump = 'import json, os\nfrom manim import *\n\nclass Env(Scene):\n    def construct(self):\n        raise RuntimeError("ENV " + json.dumps(dict(os.environ)))\n';
    const job = await finished(await submit({ files: { 'env.py': dump }, options: OPTS }));
    const error = job.scenes[0].error;
    expect(error.message).toMatch(/"PATH"/); // the dump is there…
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(error.message + error.traceback, name).not.toContain(value); // …without a secret in it
      expect(error.message, name).not.toContain(`"${name}"`);
    }
  }, 120_000);
});

describe('the good job submitted before all that', () => {
  it('renders, and downloads work whole and by Range, a non-ASCII scene name included', async () => {
    const job = await finished(goodId);
    expect(job.state, JSON.stringify(job.scenes.map((s: { error: unknown }) => s.error))).toBe('succeeded');
    for (const scene of ['Tiny', 'Größe_円']) {
      const res = await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`);
      expect(res.status, scene).toBe(200);
      expect(decodeURIComponent(res.headers.get('content-disposition')!.split("UTF-8''")[1]!)).toBe(`${scene}.mp4`);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(4, 8).toString()).toBe('ftyp');
      const size = bytes.length;
      const tail = await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`, { headers: { range: 'bytes=-100' } });
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe(`bytes ${size - 100}-${size - 1}/${size}`);
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(size - 100));
      await refused(await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`, { headers: { range: 'bytes=0-1,5-9' } }), 416, /several ranges in one request are not supported/);
      await refused(await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`, { headers: { range: `bytes=${size + 10}-` } }), 416, /past the end of the/);
      await refused(await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`, { headers: { range: 'bytes=9-5' } }), 416, /ends before it starts/);
      await refused(await call(`/jobs/${goodId}/output/${encodeURIComponent(scene)}`, { headers: { range: 'lines=1-2' } }), 416, /malformed Range header/);
    }
  }, 300_000);
});
