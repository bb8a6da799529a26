import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { startNode, type NodeHandle } from '../../src/runtime/node.ts';

export const TOKEN = 'test-token-0123456789abcdef';
export const ECHO = fileURLToPath(new URL('../fixtures/echo-function.ts', import.meta.url));

/** A node on a test database, serving HTTP on a free loopback port. */
export async function testNode(databaseUrl: string, config: ConfigInput = {}, name = 'test-node', opts: { coordinator?: boolean } = {}): Promise<NodeHandle & { url: string }> {
  const cfg = parseConfig({ http: { port: 0 }, functionModules: [ECHO], home: mkdtempSync(join(tmpdir(), 'nn-home-')), concurrency: 2, ...config }, {});
  const node = await startNode({ config: cfg, databaseUrl, token: TOKEN, listen: true, name, nice: 0, ...opts });
  return Object.assign(node, { url: node.url! });
}

export function api(base: string, token = TOKEN) {
  return async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (typeof init.body === 'string') headers.set('content-type', 'application/json');
    return fetch(base + path, { ...init, headers });
  };
}

/** Polls `fn` until it returns something truthy; a failing poll (a dropped connection) is retried.
 *  `what` names the wait in the timeout's message; as a function it is read at the timeout, so it
 *  can say how things stood then. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, what: string | (() => string | Promise<string>) = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const said = typeof what === 'string' ? what : await Promise.resolve(what()).catch((err: unknown) => `(could not say: ${String(err)})`);
      throw new Error(`timed out waiting for ${said}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Call = ReturnType<typeof api>;

/** POSTs a job and returns its id; any answer but 201 fails the test with the API's message. */
export async function submitJob(call: Call, body: object): Promise<string> {
  const res = await call('/jobs', { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()).id;
}

/** A job's detail once it has reached a final state. */
export function jobFinished(call: Call, id: string, timeoutMs: number) {
  return waitFor(async () => {
    const job = await (await call(`/jobs/${id}`)).json();
    return ['succeeded', 'failed', 'cancelled'].includes(job.state) ? job : undefined;
  }, timeoutMs, `job ${id}`);
}

/** Downloads the section videos of `scene` in a finished job into `dir`: each one's file name and
 *  local path, to compare with manim's `--save_sections` output. */
export async function downloadSections(call: Call, jobId: string, scene: { name: string; outputs: { name: string }[] }, dir: string): Promise<{ file: string; path: string }[]> {
  const sections = scene.outputs.filter((o) => o.name.includes('/sections/') && o.name.endsWith('.mp4'));
  return Promise.all(sections.map(async (s) => {
    const file = s.name.split('/').pop()!;
    const path = join(dir, file);
    writeFileSync(path, Buffer.from(await (await call(`/jobs/${jobId}/output/${scene.name}/${s.name.split('/').slice(1).join('/')}`)).arrayBuffer()));
    return { file, path };
  }));
}
