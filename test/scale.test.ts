/**
 * Slow: fifty emulated home machines (the lab's network namespaces, a small CPU quota each) with four
 * render slots apiece against the coordinator's one Postgres. Every segment of many tiny scenes is
 * rendered exactly once, no queue job is left behind, and the farm stays within Postgres's 200
 * connections. Prints what it measured: connections (idle and peak, per node), the queue's claim
 * latency and its throughput. Needs root; skipped with the reason elsewhere. About five minutes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { fetch as pinnedFetch, type Agent } from 'undici';
import { createLab, labUnavailable, type Lab, type LabHost } from '../scripts/lab/lab.ts';
import { cgroupDir, cgroupPids } from '../scripts/lab/cgroup.ts';
import { waitFor, submitJob, jobFinished } from './helpers/node.ts';
import { PROJECT_ROOT } from '../src/driver/python.ts';
import { pinnedAgent } from '../src/cli/client.ts';
import { parseJoinString } from '../src/lib/join-string.ts';
import { postgresFor, type Sql } from '../src/db/client.ts';
import { LOST_REASON } from '../src/store/segments/requeue.ts';
import { pinnedDatabaseUrl } from '../src/db/tls.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'networknodes.js');
const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const why = labUnavailable();
if (why) console.warn(`test/scale.test.ts skipped: ${why}`);
const tmp = mkdtempSync(join(tmpdir(), 'nn-scale-test-'));
const PREFIX = 'nnscale';
/** A /24 of its own: other labs may be up on this machine at the same time. */
const SUBNET = '10.77.53';

const NODES = 50;
const SLOTS = 4;
/** A node's share of the machine's 2 cores: the fifty together may ask for 4, so they compete. */
const NODE_CPU = 0.1;
/** Nodes started at once: each spends a few CPU-seconds starting Node and importing manim. */
const BATCH = 10;
const MAX_CONNECTIONS = 200;
const JOBS = 8;
const SCENE_NAMES = ['TinyCircle', 'TinySquare', 'TinyTriangle', 'TinyDot', 'TinyLine', 'TinyStar'];
const OPTIONS = { resolution: [64, 36], fps: 5, cache: 'off' };

let lab: Lab;
let url = '';
let token = '';
let joinString = '';
let dispatcher: Agent;
let admin: Sql;
const logs = new Map<string, string>();
/** Every warning and error a node logged (its log tail above keeps only the last few KB). */
const warnings = new Map<string, string[]>();

function configFile(name: string, functions: string[]): string {
  const path = join(tmp, `${name}.config.mjs`);
  // One play per segment, no start-up cost in the cutter: each scene is spread as far as it goes.
  writeFileSync(path, `export default ${JSON.stringify({ functions, segments: { perWorker: 2, minFrames: 1, setupSeconds: 0, maxPlays: 1 }, nice: 0 })};\n`);
  return path;
}

function start(host: LabHost, args: string[]): ChildProcess {
  const child = lab.spawn(host, [process.execPath, BIN, ...args], { env: { NN_HOME: host.home, NN_LOG_LEVEL: 'warn' }, cwd: tmp });
  logs.set(host.name, '');
  warnings.set(host.name, []);
  const keep = (d: Buffer) => {
    logs.set(host.name, (logs.get(host.name)! + d.toString()).slice(-4000));
    warnings.get(host.name)!.push(...d.toString().split('\n').filter((l) => /\b(WARN|ERROR|FATAL)\b/.test(l)));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return child;
}

async function call(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (typeof init.body === 'string') headers.set('content-type', 'application/json');
  return pinnedFetch(url + path, { ...(init as object), headers: Object.fromEntries(headers), dispatcher }) as unknown as Promise<Response>;
}

const online = async () => ((await (await call('/nodes')).json()).nodes as { name: string; state: string }[]).filter((n) => n.state === 'online').map((n) => n.name);

/** The coordinator's embedded Postgres as its owner, over the bridge (SSL pinned, password), to watch it. */
function adminSql(h0: LabHost): Sql {
  const state = z.object({ port: z.number(), password: z.string() }).parse(JSON.parse(readFileSync(join(h0.home, 'postgres.json'), 'utf8')));
  const raw = `postgres://networknodes:${encodeURIComponent(state.password)}@${h0.ip}:${state.port}/postgres`;
  return postgresFor(pinnedDatabaseUrl(raw, join(h0.home, 'tls.crt')), { max: 1, name: 'scale-test' });
}

type Activity = { addr: string | null; app: string | null; n: number };
const activity = (sql: Sql) =>
  sql<Activity[]>`select client_addr::text as addr, application_name as app, count(*)::int as n from pg_stat_activity where backend_type = 'client backend' group by 1, 2`;
const total = (rows: Activity[]) => rows.reduce((s, r) => s + r.n, 0);
/** Connections per emulated machine (each has its own address), this test's own left out. */
function perHost(rows: Activity[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) if (r.addr && !r.addr.startsWith(`${lab.bridgeIp}/`)) m.set(r.addr, (m.get(r.addr) ?? 0) + r.n);
  return m;
}
const byApp = (rows: Activity[]) => Object.fromEntries([...new Set(rows.map((r) => r.app ?? ''))].map((a) => [a, rows.filter((r) => (r.app ?? '') === a).reduce((s, r) => s + r.n, 0)]));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job's events, a line each, for a failure's printout. */
const eventLines = (events: { type: string; data: unknown; at: Date }[]) => events.map((e) => `${e.at.toISOString()} ${e.type} ${JSON.stringify(e.data)}`).join('\n');

/** CPU seconds the coordinator's Postgres processes have used so far (a backend lives as long as
 *  its connection, so over a window where connections stay this is Postgres's own cost). */
function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const pid of cgroupPids(cgroupDir(PREFIX, 'h0'))) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      // After "pid (comm) ": state is field 3, utime and stime fields 14 and 15, in ticks of 1/100 s.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return ticks / 100;
}

/** Samples connections and the queue every 250 ms until stopped: peak connections, and when each
 *  queue job was queued (run_at) and claimed (locked_at), read before the job is deleted on success. */
function sampler(sql: Sql) {
  let running = true;
  let peak: Activity[] = [];
  const hostPeak = new Map<string, number>();
  const queueJobs = new Map<string, { task: string; runAt: Date; lockedAt?: Date }>();
  // A failed sample (the test ended and closed the connection) ends the sampling.
  const done = (async () => {
    while (running) {
      const rows = await activity(sql);
      if (total(rows) > total(peak)) peak = rows;
      for (const [addr, n] of perHost(rows)) hostPeak.set(addr, Math.max(hostPeak.get(addr) ?? 0, n));
      const jobs = await sql<{ id: string; task: string; runAt: Date; lockedAt: Date | null }[]>`select j.id::text, t.identifier as task, j.run_at as "runAt", j.locked_at as "lockedAt"
        from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id`;
      for (const j of jobs) {
        const seen = queueJobs.get(j.id) ?? { task: j.task, runAt: j.runAt };
        if (j.lockedAt && !seen.lockedAt) seen.lockedAt = j.lockedAt;
        queueJobs.set(j.id, seen);
      }
      await sleep(250);
    }
  })().catch(() => {});
  return {
    async stop() {
      running = false;
      await done;
      return { peak, hostPeak, queueJobs };
    },
  };
}

describe.skipIf(!!why)(`slow: ${NODES} nodes × ${SLOTS} slots against one Postgres${why ? ` (skipped: ${why})` : ''}`, () => {
  beforeAll(async () => {
    // h0 (the coordinator and its Postgres) is not capped: it serves every node.
    lab = await createLab({ hosts: NODES + 1, cpu: [null, ...Array<number>(NODES).fill(NODE_CPU)], prefix: PREFIX, subnet: SUBNET });
    const h0 = lab.hosts[0]!;
    start(h0, ['-c', configFile('h0', ['plan', 'stitch']), 'up', '--host', h0.ip, '--port', '8787', '--workers', '2']);
    joinString = (await waitFor(async () => logs.get('h0')!.match(/networknodes join (nn1:\S+)/)?.[1], 180_000, `the coordinator: ${logs.get('h0')}`)) as string;
    const info = parseJoinString(joinString);
    ({ url, token } = info);
    dispatcher = pinnedAgent(info.fingerprint!, url);
    admin = adminSql(h0);
  }, 240_000);
  afterAll(async () => {
    await admin?.end({ timeout: 5 });
    await lab?.destroy();
  });

  it(`renders every segment exactly once on ${NODES} nodes within ${MAX_CONNECTIONS} connections (slow)`, async () => {
    const workers = lab.hosts.slice(1);
    const nodeConfig = configFile('node', ['plan', 'render-segment', 'stitch']);
    for (let i = 0; i < workers.length; i += BATCH) {
      const batch = workers.slice(i, i + BATCH);
      for (const h of batch) start(h, ['-c', nodeConfig, 'join', joinString, '--workers', String(SLOTS), '--name', h.name]);
      const names = batch.map((h) => h.name);
      await waitFor(async () => names.every((n) => logs.get(n)!.includes('joined')) && (await online()).filter((n) => names.includes(n)).length === names.length, 300_000, `nodes ${names.join(', ')} to join: ${names.map((n) => `${n}: ${logs.get(n)}`).join('\n')}`);
    }
    expect((await online()).filter((n) => n !== 'h0' && /^h\d+$/.test(n))).toHaveLength(NODES);

    // Idle: every node joined and claiming, nothing queued.
    await sleep(8000);
    const [before] = await admin<{ xacts: string }[]>`select xact_commit::text as xacts from pg_stat_database where datname = current_database()`;
    const idleStart = Date.now();
    const idleCpu = postgresCpuSeconds();
    let idlePeak: Activity[] = [];
    while (Date.now() - idleStart < 10_000) {
      const rows = await activity(admin);
      if (total(rows) > total(idlePeak)) idlePeak = rows;
      await sleep(500);
    }
    const [after] = await admin<{ xacts: string }[]>`select xact_commit::text as xacts from pg_stat_database where datname = current_database()`;
    const idleSeconds = (Date.now() - idleStart) / 1000;
    const idleXactsPerSecond = (Number(after!.xacts) - Number(before!.xacts)) / idleSeconds;
    const idleCpuShare = (postgresCpuSeconds() - idleCpu) / idleSeconds;
    const idleHosts = [...perHost(idlePeak).values()];
    console.log(`idle: ${total(idlePeak)} connections for ${NODES} nodes + the coordinator (${JSON.stringify(byApp(idlePeak))}); per node at most ${Math.max(...idleHosts)}; ${idleXactsPerSecond.toFixed(0)} transactions/s; Postgres at ${(idleCpuShare * 100).toFixed(0)} % of a core`);

    const watch = sampler(admin);
    const renderCpu = postgresCpuSeconds();
    const submittedAt = Date.now();
    const files = { 'tiny.py': readFileSync(join(SCENES, 'tiny.py'), 'utf8') };
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) ids.push(await submitJob(call, { files, scenes: SCENE_NAMES, options: { ...OPTIONS, seed: i + 1 } }));
    // A job that never ends is a failure below, after the figures: its logs are printed here.
    const finished: { state: string; error?: { message?: string } | null }[] = [];
    for (const id of ids) {
      finished.push(
        await jobFinished(call, id, 300_000).catch((err: Error) => {
          console.log(`${err.message}\n${[...logs].map(([h, t]) => `--- ${h}\n${t.slice(-1500)}`).join('\n')}`);
          return { state: 'stuck' };
        }),
      );
    }
    const wallSeconds = (Date.now() - submittedAt) / 1000;
    // Where a job that did not succeed stands: its scenes, their segments and its events, kept for
    // the check below (a CI log keeps only its end, so the failure itself must say why).
    const unfinished = [];
    for (const [i, id] of ids.entries()) {
      if (finished[i]!.state === 'succeeded') continue;
      // With each segment's queue job as it stands (none: nothing will ever run it).
      const rows = await admin<{ scene: string; sceneState: string; error: unknown; position: number; fromPlay: number; toPlay: number; fromFrame: number | null; toFrame: number | null; state: string; failures: unknown; node: string | null; queueJob: unknown }[]>`select sc.name as scene,
        sc.state as "sceneState", sc.error, s.position, s.from_play as "fromPlay", s.to_play as "toPlay", s.from_frame as "fromFrame", s.to_frame as "toFrame", s.state, s.failures, s.node_id as node,
        (select json_build_object('runAt', j.run_at, 'attempts', j.attempts, 'lockedBy', j.locked_by, 'lockedAt', j.locked_at, 'flags', j.flags, 'lastError', j.last_error)
          from graphile_worker._private_jobs j where j.key = 'segment:' || s.id::text) as "queueJob"
        from scenes sc left join segments s on s.scene_id = sc.id where sc.job_id = ${id} and sc.state <> 'done' order by sc.name, s.position`;
      const history = eventLines(await admin<{ type: string; data: unknown; at: Date }[]>`select type, data, created_at as at from events where job_id = ${id} order by seq`);
      console.log(`job ${id} ${finished[i]!.state}\n${rows.map((r) => JSON.stringify(r)).join('\n')}\n${history}`);
      unfinished.push({
        id,
        state: finished[i]!.state,
        error: finished[i]!.error?.message,
        segments: rows.map((r) => JSON.stringify(r)),
        lastEvents: history.split('\n').slice(-25),
        nodeErrors: [...warnings].flatMap(([h, ws]) => ws.filter((w) => /\b(ERROR|FATAL)\b/.test(w)).slice(-3).map((w) => `${h}: ${w.slice(0, 300)}`)).slice(-15),
      });
    }
    const renderCpuSeconds = postgresCpuSeconds() - renderCpu;
    const { peak, hostPeak, queueJobs } = await watch.stop();
    const [stats] = await admin<{ deadlocks: number }[]>`select deadlocks::int from pg_stat_database where datname = current_database()`;

    // What was measured, printed before the checks so that a failing run shows it too.
    const peakTotal = total(peak);
    const claims = [...queueJobs.values()].filter((j) => j.lockedAt).map((j) => j.lockedAt!.getTime() - j.runAt.getTime());
    const hostPeaks = [...hostPeak.values()];
    console.log(
      [
        `rendered ${JOBS} jobs × ${SCENE_NAMES.length} scenes in ${wallSeconds.toFixed(1)} s: ${finished.map((j) => j.state).join(', ')}`,
        ...finished.filter((j) => j.error).map((j) => `  ${j.state}: ${j.error?.message}`),
        `queue: ${queueJobs.size} jobs seen (${claims.length} claimed while watched), ${((queueJobs.size / wallSeconds) * 60).toFixed(0)} queue jobs/min, ${((JOBS / wallSeconds) * 60).toFixed(1)} render jobs/min`,
        `Postgres: about ${renderCpuSeconds.toFixed(1)} CPU-seconds (${((renderCpuSeconds / wallSeconds) * 100).toFixed(0)} % of a core); ${stats!.deadlocks} deadlocks broken (their transactions ran again)`,
        `claim latency (queued → claimed): p50 ${percentile(claims, 50)} ms, p90 ${percentile(claims, 90)} ms, max ${Math.max(...claims)} ms`,
        `peak connections: ${peakTotal} of ${MAX_CONNECTIONS} (${JSON.stringify(byApp(peak))}); per node at most ${Math.max(...hostPeaks)}, median ${percentile(hostPeaks, 50)}`,
      ].join('\n'),
    );
    // Every job succeeded, and the queue holds nothing of theirs.
    expect(unfinished, 'render jobs that did not succeed').toEqual([]);
    // A job ends inside its last queue job (the stitch), and that node records the queue job's
    // completion a moment later: at 0.1 CPU a node, seconds. A queue job handed back from a node
    // taken for dead also runs once more, finding its work done. So the queue is given a minute.
    type Left = { id: string; task: string; attempts: number; runAt: Date; lockedAt: Date | null; lockedBy: string | null; lastError: string | null; payload: unknown };
    let left: Left[] = [];
    for (const until = Date.now() + 60_000; ; await sleep(1000)) {
      left = await admin<Left[]>`select j.id::text, t.identifier as task, j.attempts, j.run_at as "runAt", j.locked_at as "lockedAt",
        j.locked_by as "lockedBy", j.last_error as "lastError", j.payload from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier in ('plan', 'render-segment', 'stitch')`;
      if (!left.length || Date.now() > until) break;
    }
    expect(left, 'queue jobs of finished render jobs still in the queue a minute after the last one ended').toEqual([]);

    // Every segment finished once, and was started once, or at most once more for each time its
    // node was taken for dead (no heartbeat for 20 s: fifty nodes share two cores here) and it went
    // back to the queue, or it yielded its slot (a sliced play's encoder waiting for a slice no slot
    // draws); nothing failed otherwise.
    const segments = await admin<{ job: string; scene: string; position: number; state: string; failures: { error: string }[]; node: string | null }[]>`select s.job_id::text as job,
      sc.name as scene, s.position, s.state, s.failures, n.name as node
      from segments s join scenes sc on sc.id = s.scene_id left join nodes n on n.id = s.node_id where s.job_id = any(${ids}::uuid[])`;
    const counts = await admin<{ type: string; job: string; scene: string; segment: string; n: number }[]>`select type, job_id::text as job, data->>'scene' as scene, data->>'segment' as segment, count(*)::int as n
      from events where job_id = any(${ids}::uuid[]) and type in ('segment.started', 'segment.done', 'segment.requeued', 'segment.yielded') group by 1, 2, 3, 4`;
    // Counted from the events: a scout that went back to the queue may be dropped later, row and all.
    const lost = new Map<string, number>();
    for (const c of counts.filter((c) => c.type === 'segment.requeued' || c.type === 'segment.yielded')) lost.set(`${c.job} ${c.scene} ${c.segment}`, (lost.get(`${c.job} ${c.scene} ${c.segment}`) ?? 0) + c.n);
    const expected = (c: (typeof counts)[number]) => (c.type === 'segment.started' ? 1 + (lost.get(`${c.job} ${c.scene} ${c.segment}`) ?? 0) : 1);
    // Fewer starts is fine: a segment taken back may be dropped, its plays cut into others.
    const twice = [];
    for (const t of counts.filter((c) => (c.type === 'segment.started' || c.type === 'segment.done') && c.n > expected(c))) {
      const history = await admin<{ type: string; data: unknown; at: Date }[]>`select type, data, created_at as at from events
        where job_id = ${t.job} and (data->>'scene' = ${t.scene} or data->>'scene' is null) order by seq`;
      // What the nodes that started it logged (warnings and up: a failed try, a lost database connection).
      const starters = history.filter((e) => e.type === 'segment.started' && (e.data as { segment?: number }).segment === Number(t.segment)).map((e) => (e.data as { node: string }).node);
      const names = await admin<{ name: string }[]>`select name from nodes where id = any(${starters}::text[])`;
      console.log(`twice: ${t.scene} segment ${t.segment}\n${eventLines(history)}\n${names.map(({ name }) => `--- ${name}\n${logs.get(name)?.slice(-2000)}`).join('\n')}`);
      // In the failure itself too: a CI log keeps only its end.
      const mine = history.filter((e) => (e.data as { segment?: number } | null)?.segment === Number(t.segment) || e.type.startsWith('scene.'));
      twice.push({ ...t, history: eventLines(mine).split('\n'), warnings: names.flatMap(({ name }) => (warnings.get(name) ?? []).slice(-8).map((w) => `${name}: ${w.slice(0, 300)}`)) });
    }
    const requeued = [...lost.values()].reduce((n, k) => n + k, 0);
    console.log(`${requeued} time(s) a segment went back to the queue: its node taken for dead, or an encoder yielding its slot`);
    expect(twice, 'segments started more often than their nodes were lost, or finished more than once').toEqual([]);
    const done = segments.filter((s) => s.state === 'done');
    expect(counts.filter((c) => c.type === 'segment.done')).toHaveLength(done.length);
    expect(segments.filter((s) => s.failures.some((f) => f.error !== LOST_REASON) || !['done', 'cancelled'].includes(s.state))).toEqual([]);
    const renderers = new Set(done.map((s) => s.node));
    console.log(`${done.length} segments rendered on ${renderers.size} nodes`);

    // Within Postgres's connections.
    expect(peakTotal).toBeLessThanOrEqual(MAX_CONNECTIONS);
    // Many machines took work, not a few fast ones.
    expect(renderers.size).toBeGreaterThan(10);
  }, 840_000);
});
