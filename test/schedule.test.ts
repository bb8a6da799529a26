/**
 * Per-node schedules: a node outside its hours stays online but takes no work, and `nodes` says
 * why; "only when idle" waits for the machine's user to leave it alone. The farm part runs in the
 * lab (root); the config and the clock arithmetic run everywhere.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import postgres from 'postgres';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUnavailable } from '../scripts/lab/lab.ts';
import { parseConfig } from '../src/config/load.ts';
import { scheduleAt } from '../src/config/schedule.ts';
import { Availability } from '../src/runtime/availability.ts';
import { labFarm, type LabFarm } from './helpers/lab-farm.ts';
import { cli } from './helpers/cli.ts';
import { freshDatabase } from './helpers/database.ts';
import { hoursAhead } from './helpers/hours.ts';
import { api, jobFinished, submitJob, testNode } from './helpers/node.ts';

const why = labUnavailable();
if (why) console.warn(`test/schedule.test.ts (its lab part) skipped: ${why}`);
const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));

describe('a schedule in the config', () => {
  it('refuses hours, days and time zones it cannot read, naming the field', () => {
    expect(() => parseConfig({ schedule: { hours: '22:00-25:00' } }, {})).toThrow(/schedule\.hours: "22:00-25:00" is not a range of hours: HH:MM-HH:MM/);
    expect(() => parseConfig({ schedule: { hours: ['08:00-08:00'] } }, {})).toThrow(/"08:00-08:00" is not a range of hours/);
    expect(() => parseConfig({ schedule: { days: ['monday'] } }, {})).toThrow(/schedule\.days/);
    expect(() => parseConfig({ schedule: { timeZone: 'Mars/Olympus' } }, {})).toThrow(/schedule\.timeZone: not a time zone/);
    expect(() => parseConfig({ schedule: { onlyWhenIdle: { minutes: 0 } } }, {})).toThrow(/schedule\.onlyWhenIdle\.minutes/);
    expect(() => parseConfig({ schedule: { hourz: '22:00-07:00' } }, {})).toThrow(/Unrecognized key: "hourz"/);
  });

  it('takes work at night across midnight, and says when it starts again by day', () => {
    const night = parseConfig({ schedule: { hours: '22:00-07:00', timeZone: 'UTC' } }, {}).schedule;
    expect(scheduleAt(night, new Date('2026-12-03T23:30:00Z'))).toEqual({ inHours: true });
    expect(scheduleAt(night, new Date('2026-12-04T06:59:00Z'))).toEqual({ inHours: true });
    expect(scheduleAt(night, new Date('2026-12-04T07:00:00Z'))).toEqual({ inHours: false, until: '22:00' });
    // In another zone: 22:00 in Berlin (winter) is 21:00 UTC.
    const berlin = parseConfig({ schedule: { hours: '22:00-07:00', timeZone: 'Europe/Berlin' } }, {}).schedule;
    expect(scheduleAt(berlin, new Date('2026-12-03T21:30:00Z'))).toEqual({ inHours: true });
    // Weekends only (2026-12-03 is a Thursday); a night that starts on Sunday runs into Monday.
    const weekend = parseConfig({ schedule: { hours: ['09:00-12:00', '20:00-02:00'], days: ['sat', 'sun'], timeZone: 'UTC' } }, {}).schedule;
    expect(scheduleAt(weekend, new Date('2026-12-03T10:00:00Z'))).toEqual({ inHours: false, until: 'sat 09:00' });
    expect(scheduleAt(weekend, new Date('2026-12-07T01:00:00Z'))).toEqual({ inHours: true });
    expect(scheduleAt(weekend, new Date('2026-12-05T13:00:00Z'))).toEqual({ inHours: false, until: '20:00' });
  });

  it('only when idle: off work while the load says someone uses the machine, and until it has been quiet for the minutes asked', async () => {
    let load = 2;
    const schedule = parseConfig({ schedule: { onlyWhenIdle: { minutes: 10, maxLoad: 0.5 } } }, {}).schedule;
    const idle = new Availability(schedule, { load: () => load, inputIdleMs: async () => undefined });
    const t0 = Date.now();
    const longAgo = t0 - 3_600_000; // the node itself rendered nothing lately
    expect(await idle.offWork(new Date(t0), longAgo)).toBe('user active (load 2.00 above 0.5)');
    load = 0.1;
    expect(await idle.offWork(new Date(t0 + 9 * 60_000), longAgo)).toBe('user active (load 2.00 above 0.5)');
    expect(await idle.offWork(new Date(t0 + 10 * 60_000 + 1000), longAgo)).toBeNull();
    // Its own renders load the machine: that is not its user.
    load = 3;
    expect(await idle.offWork(new Date(t0 + 11 * 60_000), t0 + 11 * 60_000 - 5000)).toBeNull();
    // Input seen a minute ago (xprintidle) counts as the user, whatever the load.
    const typing = new Availability(schedule, { load: () => 0, inputIdleMs: async () => 60_000 });
    expect(await typing.offWork(new Date(Date.now() + 30 * 60_000), longAgo)).toBe('user active (keyboard or mouse input)');
  });
});

describe('a node off its schedule, on this machine', () => {
  it('is listed online, its slots are not counted, and the API and the web page say until when', async () => {
    const db = await freshDatabase();
    const { hours, until } = hoursAhead();
    const off = await testNode(db.url, { schedule: { hours, timeZone: 'UTC' } }, 'night-owl');
    try {
      const call = api(off.url);
      const { nodes } = (await (await call('/nodes')).json()) as { nodes: { name: string; state: string; offWork: string | null; power: string }[] };
      expect(nodes).toEqual([expect.objectContaining({ name: 'night-owl', state: 'online', power: 'awake', offWork: `off schedule until ${until}` })]);
      const parts = (await (await call('/ui/parts?want=nodes,kpis')).json()) as { nodes: string; kpis: string };
      expect(parts.nodes).toContain(`off schedule until ${until}`);
      // Its two slots are not free slots of the farm.
      expect(parts.kpis).toMatch(/<dd class="v">0<\/dd><dt class="l">free slots<\/dt>/);
    } finally {
      await off.stop();
      await db.drop();
    }
  });
});

describe('a node that takes work only when idle, on this machine', () => {
  it('takes nothing until the machine has been quiet for its minutes, saying the user is active meanwhile', async () => {
    const db = await freshDatabase();
    // Any load counts as quiet here (a shared test machine is never idle): what is left is the wait.
    const node = await testNode(db.url, { schedule: { onlyWhenIdle: { minutes: 0.1, maxLoad: 1000 } } }, 'shared-desktop');
    try {
      const call = api(node.url);
      const view = async () => ((await (await call('/nodes')).json()) as { nodes: { offWork: string | null }[] }).nodes[0]!;
      expect((await view()).offWork).toBe('user active (just started: waiting to see the machine idle)');
      const res = await call('/jobs', { method: 'POST', body: JSON.stringify({ function: 'echo', input: { message: 'when idle' } }) });
      expect(res.status, await res.clone().text()).toBe(201);
      const job = await jobFinished(call, (await res.json()).id, 60_000);
      expect(job.state).toBe('succeeded');
      // It started only once the machine had been quiet for 0.1 minutes after the node came up.
      const sql = postgres(db.url, { max: 1 });
      const [row] = await sql<{ waited: number }[]>`select extract(epoch from (select min(started_at) from echo_runs) - started_at)::float as waited from nodes`;
      await sql.end();
      expect(row!.waited).toBeGreaterThanOrEqual(5.9);
      expect((await view()).offWork).toBeNull();
    } finally {
      await node.stop();
      await db.drop();
    }
  });
});

describe.skipIf(!!why)(`a node off its schedule, in the lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let farm: LabFarm;
  const dir = mkdtempSync(join(tmpdir(), 'nn-schedule-'));
  // Planned whole before anything renders (no lead), cut into segments of at most two plays: several
  // for either node to take.
  const segments = { perWorker: 3, minFrames: 10, setupSeconds: 0, maxPlays: 2, lead: false };
  beforeAll(async () => {
    farm = await labFarm({ hosts: 3, prefix: 'nnwakes', subnet: '10.77.62', dir, coordinatorConfig: { functions: ['plan', 'stitch'], segments, nice: 0 } });
  }, 240_000);
  afterAll(async () => {
    await farm?.destroy();
  });

  it('stays online but takes no segment while another node renders the job, and nodes says until when', async () => {
    const { hours, until } = hoursAhead();
    const [, h1, h2] = farm.lab.hosts;
    await farm.join(h1!, { functions: ['render-segment'], schedule: { hours, timeZone: 'UTC' }, nice: 0 });
    // Two slots on h2: the scene is cut into several segments, none of which may go to h1.
    await farm.join(h2!, { functions: ['render-segment'], nice: 0 }, ['--workers', '2']);
    const off = (await farm.nodes()).find((n) => n.name === 'h1')!;
    expect(off).toMatchObject({ state: 'online', power: 'awake', offWork: `off schedule until ${until}` });

    const id = await submitJob(farm.call, { files: { 'long.py': readFileSync(join(SCENES, 'long.py'), 'utf8') }, scenes: ['Long'], options: { resolution: [256, 144], fps: 10, seed: 7, cache: 'off' } });
    const job = await jobFinished(farm.call, id, 400_000);
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    const rendered: string[] = job.scenes[0].segments.map((s: { node: string }) => s.node);
    expect(rendered.length).toBeGreaterThan(1);
    expect(new Set(rendered)).toEqual(new Set(['h2']));
    expect((await farm.nodes()).find((n) => n.name === 'h1')).toMatchObject({ state: 'online', offWork: `off schedule until ${until}` });

    // The CLI from another machine says the same.
    const out = await cli(['nodes', '--join', farm.joinString], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^h1 +online .*\\n {4}takes no work now: off schedule until ${until}$`, 'm'));
    expect(out.stdout).not.toMatch(/^h2 .*\n {4}takes no work now/m);
  });
});
