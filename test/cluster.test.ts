import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDatabase } from './helpers/database.ts';
import { api, waitFor, ECHO, TOKEN } from './helpers/node.ts';
import { startCoordinator, type Coordinator } from '../src/runtime/coordinator.ts';
import { joinCluster } from '../src/cli/join.ts';
import { parseConfig } from '../src/config/load.ts';
import { startNode } from '../src/runtime/node.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let coordinator: Coordinator;
let call: ReturnType<typeof api>;
const config = (extra: object = {}) =>
  parseConfig({ http: { port: 0 }, home: mkdtempSync(join(tmpdir(), 'nn-cluster-')), concurrency: 1, functionModules: [ECHO], ...extra }, {});

beforeAll(async () => {
  db = await freshDatabase();
  coordinator = await startCoordinator(config({ database: { url: db.url }, token: TOKEN }));
  call = api(coordinator.url);
});
afterAll(async () => {
  await coordinator?.stop();
  await db?.drop();
});

const nodesNow = async () => (await (await call('/nodes')).json()).nodes as { name: string; state: string; reason: string | null; functions: string[] }[];

describe('joining and controlling nodes', () => {
  it('joins with the token alone and refuses a wrong token with a clear message', async () => {
    await expect(joinCluster({ config: config(), target: { url: coordinator.url, token: 'wrong-token-wrong-token' } })).rejects.toThrow(/the cluster refused the token: wrong cluster token/);
    const node = await joinCluster({ config: config(), target: { url: coordinator.url, token: TOKEN }, name: 'laptop' });
    try {
      const laptop = (await nodesNow()).find((n) => n.name === 'laptop');
      expect(laptop?.functions).toEqual(expect.arrayContaining(['plan', 'render-segment', 'stitch']));
      expect(laptop?.reason).toBeNull();
    } finally {
      await node.stop();
    }
    expect((await nodesNow()).some((n) => n.name === 'laptop')).toBe(false);
  });

  it('gives no render work to a node whose render stack differs, and says why', async () => {
    const node = await startNode({
      config: config(), databaseUrl: db.url, token: TOKEN, name: 'old-manim', nice: 0,
      versions: { manim: '0.19.0', av: '13.1.0', cairo: '1.16.0', numpy: '1.26.4', stack: 'differs' },
      clusterStack: (coordinator.node.services.cluster?.stack ?? 'x'),
    });
    try {
      const old = (await nodesNow()).find((n) => n.name === 'old-manim');
      expect(old?.functions).not.toContain('render-segment');
      expect(old?.reason).toMatch(/render stack \(manim 0\.19\.0.*differs from the cluster's/);
      // Not registered at all: even a direct call is refused.
      const res = await node.app.request('/functions/render-segment', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      await node.stop();
    }
  });

  it('pauses a node (it takes no new work) and resumes it', async () => {
    const coordName = coordinator.node.name;
    const paused = await call(`/nodes/${coordName}/pause`, { method: 'POST' });
    expect((await paused.json()).state).toBe('paused');
    await waitFor(async () => (await nodesNow()).find((n) => n.name === coordName)?.state === 'paused', 15_000);
    await new Promise((r) => setTimeout(r, 5000)); // a heartbeat: the runner stops
    const { id } = await (await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'later' } }) })).json();
    await new Promise((r) => setTimeout(r, 3000));
    expect((await (await call(`/jobs/${id}`)).json()).state).toBe('queued');
    await call(`/nodes/${coordName}/resume`, { method: 'POST' });
    const job = await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      return j.state === 'succeeded' ? j : undefined;
    }, 20_000, 'the job after resume');
    expect(job.result.echo).toBe('later');
    expect((await call('/nodes/nobody/pause', { method: 'POST' })).status).toBe(404);
  });
});
