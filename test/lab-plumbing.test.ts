// The lab's plumbing (scripts/lab): hosts with their own addresses that reach each other over
// the bridge and nowhere else, CPU quotas that hold, multicast (mDNS) across namespaces, and a
// teardown that leaves nothing behind. Needs root; skipped elsewhere.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createLab, labUnavailable, type Lab, type LabHost } from '../scripts/lab/lab.ts';
import { CPU_ROOT } from '../scripts/lab/cgroup.ts';
import { ipBin } from '../scripts/lab/netns.ts';

const reason = labUnavailable();
const PREFIX = 'nnlabt'; // not the CLI's default, so a test run never tears down a lab in use
const SUBNET = '10.77.65'; // each lab test its own /24: a lab one file left up does not take another's

/** Resolves with the first stdout line matching `re`, rejects when the child exits first. */
function waitLine(child: ChildProcess, re: RegExp, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms; stdout: ${out} stderr: ${err}`)), ms);
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m !== undefined) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${re}; stdout: ${out} stderr: ${err}`));
    });
  });
}

const node = (lab: Lab, host: LabHost, code: string) => lab.spawn(host, [process.execPath, '-e', code]);
const ipIn = (ns: string, ...args: string[]) => execFileSync(ipBin(), ['-n', ns, ...args], { encoding: 'utf8', stdio: 'pipe' });

// Said where a run shows it, not only in a suite title: a run that lost root says so.
if (reason) console.warn(`test/lab-plumbing.test.ts skipped: ${reason}`);

describe.skipIf(reason)(`lab plumbing${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let lab: Lab | undefined;
  const get = () => {
    if (!lab) throw new Error('no lab');
    return lab;
  };
  afterAll(async () => {
    await lab?.destroy();
  });

  it('creates hosts with their own addresses, no default route, reaching each other over the bridge', async () => {
    lab = await createLab({ hosts: 2, cpu: 0.45, prefix: PREFIX, subnet: SUBNET });
    const [h0, h1] = lab.hosts as [LabHost, LabHost];
    expect([h0.ip, h1.ip]).toEqual([`${SUBNET}.10`, `${SUBNET}.11`]);
    for (const h of lab.hosts) {
      expect(ipIn(h.ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0')).toContain(`inet ${h.ip}/24`);
      const routes = ipIn(h.ns, 'route', 'show');
      expect(routes).not.toContain('default');
      expect(routes).toContain('224.0.0.0/4 dev eth0');
      // Nothing outside the lab's /24 is routable (asks the routing table; sends nothing).
      expect(() => ipIn(h.ns, 'route', 'get', '192.0.2.1')).toThrow();
    }
    const server = node(
      lab,
      h1,
      `require('http').createServer((q, s) => s.end('hello from ' + q.socket.localAddress + ' to ' + q.socket.remoteAddress))` +
        `.listen(8080, '${h1.ip}', () => console.log('listening'))`,
    );
    await waitLine(server, /listening/);
    const client = node(lab, h0, `fetch('http://${h1.ip}:8080/').then((r) => r.text()).then((t) => console.log('got ' + t), (e) => { console.error(e); process.exit(1); })`);
    expect(await waitLine(client, /^got /)).toBe(`got hello from ${h1.ip} to ${h0.ip}`);
    server.kill();
  });

  it('caps a busy loop in a 0.45-CPU host at 0.35-0.55 of a core', async () => {
    const lab = get();
    const h1 = lab.hosts[1]!;
    const busy = node(lab, h1, `console.log('spinning'); for (;;) {}`);
    await waitLine(busy, /spinning/);
    const pid = busy.pid!;
    // It really is in the host's cgroup.
    expect(readFileSync(`${CPU_ROOT}/${PREFIX}/h1/cgroup.procs`, 'utf8').split('\n')).toContain(String(pid));
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
    const ticks = () => {
      // Fields after ") ": state is [0], utime [11], stime [12].
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(f[11]) + Number(f[12]);
    };
    await new Promise((r) => setTimeout(r, 300));
    const t0 = ticks();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const share = (ticks() - t0) / hz / ((performance.now() - w0) / 1000);
    console.log(`busy loop in a 0.45-CPU host: ${share.toFixed(3)} of a core`);
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.55);
    busy.kill('SIGKILL');
  });

  it('carries mDNS multicast (224.0.0.251:5353) from one namespace to another', async () => {
    const lab = get();
    const [h0, h1] = lab.hosts as [LabHost, LabHost];
    const receiver = node(
      lab,
      h1,
      `const s = require('dgram').createSocket({ type: 'udp4', reuseAddr: true });` +
        `s.on('message', (m, r) => { console.log('received ' + m + ' from ' + r.address); process.exit(0); });` +
        `s.bind(5353, () => { s.addMembership('224.0.0.251', '${h1.ip}'); console.log('joined'); });`,
    );
    await waitLine(receiver, /joined/);
    const got = waitLine(receiver, /^received /);
    // A few sends: the first may race the membership reaching the bridge.
    const sender = node(
      lab,
      h0,
      `const s = require('dgram').createSocket('udp4');` +
        `s.bind(() => { s.setMulticastInterface('${h0.ip}'); let n = 0;` +
        `const t = setInterval(() => { s.send('mdns-probe', 5353, '224.0.0.251'); if (++n === 20) { clearInterval(t); s.close(); } }, 100); });`,
    );
    expect(await got).toBe(`received mdns-probe from ${h0.ip}`);
    sender.kill();
  });

  it('destroy() leaves no namespace, veth, bridge, cgroup or home behind', async () => {
    const lab = get();
    const homes = lab.hosts.map((h) => h.home);
    // Something still running must not stop the teardown.
    node(lab, lab.hosts[0]!, `setInterval(() => {}, 1000)`);
    await lab.destroy();
    expect(execFileSync(ipBin(), ['netns', 'list'], { encoding: 'utf8' })).not.toMatch(new RegExp(`^${PREFIX}-`, 'm'));
    expect(execFileSync(ipBin(), ['-o', 'link', 'show'], { encoding: 'utf8' })).not.toContain(PREFIX);
    expect(existsSync(`${CPU_ROOT}/${PREFIX}`)).toBe(false);
    for (const h of homes) expect(existsSync(h)).toBe(false);
  });
});
