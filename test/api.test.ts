import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN, jobFinished } from './helpers/node.ts';
import type { NodeHandle } from '../src/runtime/node.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: NodeHandle & { url: string };
let call: ReturnType<typeof api>;

beforeAll(async () => {
  db = await freshDatabase();
  node = await testNode(db.url);
  call = api(node.url);
});
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

const finished = (id: string) => jobFinished(call, id, 30_000);

describe('jobs API', () => {
  it('answers the health check without a token', async () => {
    const res = await fetch(`${node.url}/health`);
    expect(res.status).toBe(200);
    expect((await res.json()).ok).toBe(true);
  });

  it('refuses every other call without the token or with a wrong one', async () => {
    for (const path of ['/jobs', '/nodes', '/openapi.json', '/jobs/00000000-0000-0000-0000-000000000000']) {
      const none = await fetch(node.url + path);
      expect(none.status, path).toBe(401);
      expect((await none.json()).error).toMatch(/missing cluster token/);
      const wrong = await api(node.url, 'not-the-token')(path);
      expect(wrong.status, path).toBe(401);
      expect((await wrong.json()).error).toBe('wrong cluster token');
    }
    const post = await api(node.url, 'nope')('/functions/echo', { method: 'POST', body: JSON.stringify({ message: 'x' }) });
    expect(post.status).toBe(401);
  });

  it('runs a function job through its whole life: queued, running, succeeded, with its result', async () => {
    const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'hello' } }) });
    expect(res.status).toBe(201);
    const { id } = await res.json();
    const job = await finished(id);
    expect(job.state).toBe('succeeded');
    expect(job.result).toMatchObject({ echo: 'hello', node: node.id });
    const list = await (await call('/jobs')).json();
    expect(list.jobs.map((j: { id: string }) => j.id)).toContain(id);
  });

  it('records a failing function with its error after its attempts', async () => {
    const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'boom', fail: true } }) });
    const { id } = await res.json();
    const job = await finished(id);
    expect(job.state).toBe('failed');
    expect(job.error.message).toMatch(/echo was asked to fail: boom/);
  });

  it('refuses malformed jobs with messages that say what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ files: {} }, /files: at least one file is needed/],
      [{ files: { 'a.py': 'x' }, options: { quality: 'z' } }, /quality/],
      // what a render would refuse later is refused now, naming the option
      [{ files: { 'a.py': 'x' }, options: { transparent: true, format: 'mp4' } }, /^format: mp4 has no alpha channel/],
      [{ files: { 'a.py': 'x' }, options: { saveSections: true, format: 'png-sequence' } }, /^saveSections: saveSections needs a video format/],
      [{ files: { 'a.py': 'x' }, options: { fps: 0 } }, /^options.fps/],
      [{ files: { 'a.py': 'x' }, options: { frameRate: 30 } }, /frameRate/],
      [{ files: { '../evil.py': 'x' } }, /leaves the project directory/],
      [{ files: { '/etc/passwd.py': 'x' } }, /absolute/],
      [{ files: { 'a.py': 'x', 'b.py': 'y' } }, /name the one with the scenes/],
      [{ files: { 'a.py': 'x' }, entry: 'c.py' }, /c.py is not among the uploaded files/],
      [{ files: { 'a.py': 'x' }, scenes: ['not a name'] }, /scenes/],
      [{ function: 'nobody-has-this', input: {} }, /no live node registers a function named "nobody-has-this"/],
    ];
    for (const [body, message] of cases) {
      const res = await call('/jobs', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error).toMatch(message);
    }
    const notJson = await call('/jobs', { method: 'POST', body: '{nope', headers: { 'content-type': 'application/json' } });
    expect((await notJson.json()).error).toMatch(/not valid JSON/);
    const wrongType = await call('/jobs', { method: 'POST', body: new Blob(['x']), headers: { 'content-type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
  });

  it('refuses an upload over the size limit with 413', async () => {
    const big = 'x'.repeat(70 * 1024 * 1024);
    const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': big } }) });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toMatch(/upload too large/);
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  });

  it('accepts a large asset sent as base64 in JSON, up to the limit', async () => {
    const asset = Buffer.alloc(40 * 1024 * 1024, 7).toString('base64'); // 53 MiB of base64, under 64 MiB
    const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ files: { 'a.py': 'x = 1\n', 'big.bin': { base64: asset } }, entry: 'a.py' }) });
    expect(res.status, await res.clone().text()).toBe(201);
  });

  it('runs a registered function directly, and only registered ones', async () => {
    const ok = await call('/functions/echo', { method: 'POST', body: JSON.stringify({ message: 'direct' }) });
    expect(ok.status).toBe(200);
    expect((await ok.json()).echo).toBe('direct');
    const bad = await call('/functions/echo', { method: 'POST', body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/message/);
    const missing = await call('/functions/rm-rf', { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
  });

  it('lists itself among the live nodes and describes the API in OpenAPI', async () => {
    const { nodes } = await (await call('/nodes')).json();
    expect(nodes.map((n: { id: string }) => n.id)).toContain(node.id);
    const doc = await (await call('/openapi.json')).json();
    // Every route the node serves, as OpenAPI writes it: `:id` is `{id}`, an optional parameter
    // makes two paths, a parameter limited to words (`{drain|pause|resume}`) is one with an enum.
    const served = node.app.routes
      .filter((r) => r.method !== 'ALL')
      .flatMap((r) => {
        const path = r.path.replace(/\/$/, '') || '/';
        const optional = path.match(/^(.*)\/:(\w+)(\{[^}]*\})?\?$/);
        const paths = optional ? [optional[1]!, `${optional[1]}/:${optional[2]}`] : [path];
        return paths.map((p) => `${r.method.toLowerCase()} ${p.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')}`);
      });
    expect(served.length).toBeGreaterThan(15);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m} ${path}`));
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
  });

  it('streams a job’s events in order over SSE', async () => {
    const { id } = await (await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'sse', delayMs: 300 } }) })).json();
    const res = await call(`/jobs/${id}/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text(); // the stream ends when the job does
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(events).toEqual(['job.queued', 'job.succeeded']);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    void TOKEN;
  });
});
