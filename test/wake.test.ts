/**
 * Wake-on-LAN in the lab: a wakeable node that has nothing to do announces it goes to sleep and
 * runs its sleep command (here: it freezes its own process, as a suspend would); work arrives that
 * no awake node can take; the coordinator sends the magic packet, captured on the sleeping
 * machine's network; `nodes` shows it waking; the machine wakes and renders the job. A node that
 * stops answering while wakeable is asleep (not dead), but is not woken outside its hours; one that
 * does not wake is asleep again after the timeout. Needs root.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labUnavailable, type LabHost } from '../scripts/lab/lab.ts';
import { ipBin } from '../scripts/lab/netns.ts';
import { parseConfig } from '../src/config/load.ts';
import { labFarm, type LabFarm, type NodeView } from './helpers/lab-farm.ts';
import { submitJob, jobFinished, waitFor } from './helpers/node.ts';
import { cli } from './helpers/cli.ts';
import { hoursAhead } from './helpers/hours.ts';

const why = labUnavailable();
if (why) console.warn(`test/wake.test.ts (its lab part) skipped: ${why}`);
const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));

describe('wake settings in the config', () => {
  it('refuses a malformed MAC or broadcast address, naming the field', () => {
    expect(() => parseConfig({ wake: { enabled: true, mac: '3c:7c:3f:1e:52' } }, {})).toThrow(/wake\.mac: a MAC address/);
    expect(() => parseConfig({ wake: { broadcast: '192.168.1' } }, {})).toThrow(/wake\.broadcast: an IPv4 broadcast address/);
    expect(() => parseConfig({ wake: { sleepAfterIdleMinutes: -1 } }, {})).toThrow(/wake\.sleepAfterIdleMinutes/);
    expect(parseConfig({ wake: { enabled: true, mac: '3C-7C-3F-1E-52-A0' } }, {}).wake).toMatchObject({ enabled: true, sleepCommand: 'systemctl suspend', timeoutSeconds: 180 });
  });
});

/** How each node stood and what each host printed last: what a wait that timed out is read by. */
function farmState(farm: LabFarm, nodes: NodeView[]): string {
  const rows = nodes.map((n) => `${n.name}: ${n.state}, ${n.power} (${n.powerNote ?? '-'}), last seen ${n.lastSeen}`);
  const logs = [...farm.logs].map(([host, text]) => `--- ${host}:\n${text.slice(-1500)}`);
  return `at ${new Date().toISOString()}\n${rows.join('\n')}\n${logs.join('\n')}`;
}

/** A UDP socket on the discard port in a host's namespace, printing each datagram it gets. */
const LISTENER = `
const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => console.log('packet ' + m.toString('hex') + ' from ' + r.address));
s.bind(9, '0.0.0.0', () => console.log('listening'));
`;

describe.skipIf(!!why)(`Wake-on-LAN in the lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let farm: LabFarm;
  const dir = mkdtempSync(join(tmpdir(), 'nn-wake-'));
  beforeAll(async () => {
    // The coordinator plans (whole, before anything renders) and stitches, but renders nothing: a
    // job's segments need a render node, and the only one sleeps.
    // A woken machine has 10 s to heart-beat (wake.timeoutSeconds, read on the coordinator).
    farm = await labFarm({ hosts: 4, prefix: 'nnwake', subnet: '10.77.61', dir, coordinatorConfig: { functions: ['plan', 'stitch'], segments: { lead: false, maxPlays: 4 }, wake: { timeoutSeconds: 10 }, nice: 0 } });
  }, 240_000);
  afterAll(async () => {
    await farm?.destroy();
  });

  it('wakes sleeping nodes with magic packets when work waits, shows them waking; one wakes and renders the job, the other is asleep again with the reason', async () => {
    const [, h1, h2, h3] = farm.lab.hosts as [LabHost, LabHost, LabHost, LabHost];
    const listener = farm.lab.spawn(h1, [process.execPath, '-e', LISTENER]);
    let heard = '';
    listener.stdout!.on('data', (d: Buffer) => (heard += d.toString()));
    await waitFor(async () => heard.includes('listening'), 20_000, 'the UDP listener in h1');

    // Idle for 6 s, each announces sleep and freezes itself: no more heartbeats, as a suspended machine.
    const sleepy = { functions: ['render-segment'], nice: 0, wake: { sleepAfterIdleMinutes: 0.1, sleepCommand: 'kill -STOP $PPID' } };
    const node: ChildProcess = await farm.join(h1, sleepy, ['--wakeable']);
    const other: ChildProcess = await farm.join(h2, sleepy, ['--wakeable']);
    const macOf = (ns: string) => /link\/ether (\S+)/.exec(execFileSync(ipBin(), ['-n', ns, 'link', 'show', 'eth0'], { encoding: 'utf8' }))![1]!;
    const [mac, mac2, mac3] = [macOf(h1.ns), macOf(h2.ns), macOf(h3.ns)];
    // h3 takes work only in hours that exclude now; it stops answering (frozen from outside, as a
    // machine suspended by its user): the reaper finds it gone and, wakeable, it counts as asleep.
    const offNode = await farm.join(h3, { functions: ['render-segment'], nice: 0, schedule: { hours: hoursAhead().hours, timeZone: 'UTC' } }, ['--wakeable']);
    process.kill(offNode.pid!, 'SIGSTOP');
    await waitFor(async () => (await farm.nodes()).filter((n) => n.power === 'asleep').length === 3, 90_000, async () => `h1, h2 and h3 asleep: ${farmState(farm, await farm.nodes())}`);
    expect((await farm.nodes()).find((n) => n.name === 'h3')).toMatchObject({ state: 'offline', power: 'asleep', powerNote: 'stopped heart-beating', mac: mac3 });
    const asleep = (await farm.nodes()).find((n) => n.name === 'h1');
    expect(asleep).toMatchObject({ wakeable: true, mac, broadcast: '10.77.61.255', powerNote: 'went to sleep after 0.1 idle minutes' });
    for (const p of [node, other]) expect(readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(' ')[2]).toBe('T'); // stopped: they really sleep
    expect(heard).not.toContain('packet'); // nothing to do yet: nobody wakes them

    // Work that no awake node can take.
    const id = await submitJob(farm.call, { files: { 'long.py': readFileSync(join(SCENES, 'long.py'), 'utf8') }, scenes: ['Long'], options: { resolution: [256, 144], fps: 10, seed: 5, cache: 'off' } });
    // Several segments for one slot each: both are woken. Broadcast, so h1's network hears both packets.
    const magic = (m: string) => 'ff'.repeat(6) + m.replace(/:/g, '').repeat(16);
    const packets = await waitFor(async () => {
      const got = [...heard.matchAll(/^packet ([0-9a-f]+) from (\S+)$/gm)];
      return got.some((p) => p[1] === magic(mac)) && got.some((p) => p[1] === magic(mac2)) && got;
    }, 90_000, async () => `magic packets for h1 and h2 in h1's network: ${heard} ${farmState(farm, await farm.nodes())}`);
    expect(new Set(packets.map((p) => p[2]))).toEqual(new Set([farm.lab.hosts[0]!.ip])); // sent by the coordinator
    // None for h3: woken outside its hours it would take nothing.
    expect(packets.every((p) => p[1] === magic(mac) || p[1] === magic(mac2))).toBe(true);

    const waking = (await farm.nodes()).find((n) => n.name === 'h1');
    expect(waking).toMatchObject({ power: 'waking', powerNote: `magic packets sent to ${mac} at 10.77.61.255` });
    const out = await cli(['nodes', '--join', farm.joinString], { cwd: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^h1 +waking .*\(wakeable\)/m);
    expect(out.stdout).toMatch(/^h2 +waking .*\(wakeable\)/m);
    expect(out.stdout).toMatch(/^h3 +asleep .*\(wakeable\).*\n {4}asleep since .*: stopped heart-beating$/m);

    // The machine wakes (as a resumed suspend: the same process goes on) and takes the work.
    process.kill(node.pid!, 'SIGCONT');
    await waitFor(async () => (await farm.nodes()).some((n) => n.name === 'h1' && n.power === 'awake' && n.state === 'online'), 30_000, 'h1 to heart-beat again, awake');
    const job = await jobFinished(farm.call, id, 400_000);
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    expect(new Set(job.scenes[0].segments.map((s: { node: string }) => s.node))).toEqual(new Set(['h1']));

    // h2 never woke: past the timeout it is asleep again, and says why.
    await waitFor(async () => (await farm.nodes()).some((n) => n.name === 'h2' && n.power === 'asleep' && n.powerNote === 'did not wake within 10 s of its magic packets'), 30_000, 'h2 to be given up on');
    const later = await cli(['nodes', '--join', farm.joinString], { cwd: dir });
    expect(later.stdout).toMatch(/^h2 +asleep .*\n {4}asleep since .*: did not wake within 10 s of its magic packets$/m);
    expect(heard).not.toContain(magic(mac3));
  });
});
