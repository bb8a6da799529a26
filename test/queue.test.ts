import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, waitFor } from './helpers/node.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('the queue', () => {
  it('never runs one queue job twice when two runtimes share the database', async () => {
    const a = await testNode(db.url, { concurrency: 4 }, 'a');
    const b = await testNode(db.url, { concurrency: 4 }, 'b');
    try {
      const call = api(a.url);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: `m${i}`, delayMs: 20 } }) });
        ids.push((await res.json()).id);
      }
      const sql = postgres(db.url, { max: 1 });
      try {
        await waitFor(async () => {
          const [row] = await sql<{ n: number }[]>`select count(*)::int as n from jobs where state = 'succeeded' and kind = 'function'`;
          return row?.n === 60;
        }, 60_000, 'all 60 jobs');
        const runs = await sql<{ message: string; node: string }[]>`select message, node from echo_runs`;
        expect(runs.length).toBe(60);
        expect(new Set(runs.map((r) => r.message)).size).toBe(60);
        // Both runtimes claimed work.
        expect(new Set(runs.map((r) => r.node))).toEqual(new Set([a.id, b.id]));
      } finally {
        await sql.end();
      }
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('keeps a job queued while no node runs, and a new node picks it up; results survive restarts', async () => {
    const first = await testNode(db.url, {}, 'first');
    const call = api(first.url);
    const done = await (await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'before' } }) })).json();
    await waitFor(async () => (await (await call(`/jobs/${done.id}`)).json()).state === 'succeeded', 30_000);
    // Submitted while its only node takes no work (paused: its runner stops at the next heartbeat),
    // then that node goes down: the job must wait, not vanish.
    expect((await call('/nodes/first/pause', { method: 'POST' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 5000));
    const pending = await (await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'while-down', delayMs: 10 } }) })).json();
    await new Promise((r) => setTimeout(r, 2000));
    expect((await (await call(`/jobs/${pending.id}`)).json()).state).toBe('queued');
    await first.stop();

    const second = await testNode(db.url, {}, 'second');
    try {
      const call2 = api(second.url);
      const job = await waitFor(async () => {
        const j = await (await call2(`/jobs/${pending.id}`)).json();
        return j.state === 'succeeded' ? j : undefined;
      }, 30_000, 'the pending job');
      expect(job.result.echo).toBe('while-down');
      expect(job.result.node, 'the node that ran it').toBe(second.id);
      const old = await (await call2(`/jobs/${done.id}`)).json();
      expect(old.state).toBe('succeeded');
      expect(old.result.echo).toBe('before');
    } finally {
      await second.stop();
    }
  });
});
