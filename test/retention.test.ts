import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN } from './helpers/node.ts';
import { connect, type Database } from '../src/db/client.ts';
import { jobs } from '../src/db/schema.ts';
import { putArtifact } from '../src/store/artifacts.ts';
import { appendEvent } from '../src/store/events.ts';
import { collectGarbage } from '../src/store/retention.ts';
import { retentionSchema } from '../src/config/retention.ts';
import { startCoordinator } from '../src/runtime/coordinator.ts';
import { runRender } from '../src/cli/render.ts';
import { parseConfig } from '../src/config/load.ts';
import { clearDatabaseProblem, DISK_FULL, recordDatabaseProblem } from '../src/db/problem.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let database: Database;
let sql: postgres.Sql;

beforeAll(async () => {
  db = await freshDatabase();
  database = connect(db.url, 2);
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await database?.close();
  await db?.drop();
});

const DAY = 86_400_000;
/** A job that ended `daysAgo` days ago with an output of `bytes` bytes and an event. */
async function finishedJob(daysAgo: number, bytes: number, state: 'succeeded' | 'running' = 'succeeded'): Promise<string> {
  return database.db.transaction(async (tx) => {
    const at = new Date(Date.now() - daysAgo * DAY);
    const [job] = await tx.insert(jobs).values({ kind: 'function', functionName: 'echo', state, createdAt: at, finishedAt: state === 'running' ? null : at }).returning();
    await putArtifact(tx, { jobId: job!.id, kind: 'output', name: 'out.bin', contentType: 'application/octet-stream', bytes: Buffer.alloc(bytes, 1) });
    await appendEvent(tx, job!.id, `job.${state}`);
    return job!.id;
  });
}
const remaining = async () => (await sql<{ id: string }[]>`select id from jobs`).map((r) => r.id).sort();

describe('retention', () => {
  it('deletes finished jobs past the age or count rule with their files and events; running jobs stay', async () => {
    const old = await finishedJob(40, 1000);
    const recent = await Promise.all([5, 4, 3, 2].map((d) => finishedJob(d, 1000)));
    const running = await finishedJob(60, 1000, 'running');
    const freed = await collectGarbage(database.db, retentionSchema.parse({ maxAgeDays: 30, maxJobs: 3 }));
    // The 40-day-old one by age, the oldest of the four recent ones by count.
    expect(freed).toEqual({ jobs: 2, bundles: 0, bytes: 2000 });
    expect(await remaining()).toEqual([...recent.slice(1), running].sort());
    expect(await sql`select 1 from events where job_id = ${old}`).toHaveLength(0);
    expect(await sql`select 1 from artifact_chunks c join artifacts a on a.id = c.artifact_id where a.job_id = ${recent[0]!}`).toHaveLength(0);
    await sql`delete from jobs`;
  });

  it('keeps the newest jobs\' files under maxBytes; `gc` over HTTP says what it freed', async () => {
    const jobsBySize = [await finishedJob(3, 4000), await finishedJob(2, 4000), await finishedJob(1, 4000)];
    const node = await testNode(db.url, { functions: [], functionModules: [], retention: { maxBytes: 9000 } });
    try {
      const res = await api(node.url, TOKEN)('/functions/gc', { method: 'POST', body: '{}' });
      expect(await res.json()).toEqual({ jobs: 1, bundles: 0, bytes: 4000 });
      expect(await remaining()).toEqual(jobsBySize.slice(1).sort());
      // Every node has the task, and the crontab that runs it once for the farm.
      expect((await sql`select identifier from graphile_worker._private_known_crontabs`).map((r) => r.identifier)).toContain('gc');
    } finally {
      await node.stop();
    }
  });

  it('a node starting on a home deletes the work folders of nodes whose process is gone', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nn-stale-'));
    const deadPid = spawnSync('true').pid!;
    const folder = (name: string, owner?: number) => {
      mkdirSync(join(home, 'work', name, 'segments', 'x'), { recursive: true });
      writeFileSync(join(home, 'work', name, 'segments', 'x', 'partial.mp4'), 'bytes');
      if (owner) writeFileSync(join(home, 'work', name, 'owner.pid'), String(owner));
      return join(home, 'work', name);
    };
    const dead = folder('dead-node', deadPid);
    const unowned = folder('unowned-node');
    const live = folder('live-node', process.pid);
    const node = await testNode(db.url, { functions: [], functionModules: [], home });
    try {
      expect([existsSync(dead), existsSync(unowned), existsSync(live), existsSync(join(home, 'work', node.id, 'owner.pid'))]).toEqual([false, false, true, true]);
    } finally {
      await node.stop();
    }
  });
});

describe('a Postgres whose disk is full', () => {
  it('is reported by `nodes` from what the coordinator recorded, until it runs again', async () => {
    const node = await testNode(db.url, { functions: [], functionModules: [] });
    try {
      const home = node.services.config.home!;
      expect(DISK_FULL.test('PANIC:  could not write to file "pg_wal/xlogtemp.123": No space left on device')).toBe(true);
      recordDatabaseProblem(home, 'the embedded Postgres stopped because its disk is full (/x/postgres): …');
      const nodes = await (await api(node.url)('/nodes')).json();
      expect(nodes.database.problem).toMatch(/disk is full/);
      clearDatabaseProblem(home);
      expect((await (await api(node.url)('/nodes')).json()).database.problem).toBeNull();
    } finally {
      await node.stop();
    }
  });
});

describe('render on a machine where `up` runs', () => {
  it('uses the running coordinator instead of starting a second one on its home', async () => {
    const home = mkdtempSync(join(tmpdir(), 'nn-up-'));
    await sql`delete from nodes`;
    const config = parseConfig({ home, http: { port: 0 }, concurrency: 1, database: { url: db.url }, token: TOKEN }, {});
    const up = await startCoordinator(config, { announce: true });
    try {
      expect(existsSync(join(home, 'coordinator.json'))).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'nn-up-scene-'));
      writeFileSync(join(dir, 'scene.py'), 'from manim import *\n\nclass C(Scene):\n    def construct(self):\n        self.play(Create(Circle()), run_time=0.3)\n');
      const code = await runRender({ file: join(dir, 'scene.py'), scenes: [], options: { resolution: [192, 108], fps: 15 }, outDir: join(dir, 'out'), json: true, config: parseConfig({ home, database: { url: db.url } }, {}) });
      expect(code).toBe(0);
      expect(existsSync(join(dir, 'out', 'C.mp4'))).toBe(true);
      // One node ever: the coordinator's (a local cluster of the render's own, on the same
      // database here so that it shows, would have added a second).
      expect((await sql`select id from nodes`).map((r) => r.id)).toEqual([up.node.id]);
    } finally {
      await up.stop();
    }
    expect(existsSync(join(home, 'coordinator.json'))).toBe(false);
  }, 120_000);
});
