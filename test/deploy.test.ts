/**
 * `networknodes deploy` / `undeploy` against a real SSH server (Debian's openssh-server) in a lab
 * namespace, with a coordinator in another. Needs root and sshd; skipped with the reason elsewhere.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetch as pinnedFetch, type Agent } from 'undici';
import { createLab, labUnavailable, type Lab, type LabHost } from '../scripts/lab/lab.ts';
import { ipBin } from '../scripts/lab/netns.ts';
import { PROJECT_ROOT } from '../src/driver/python.ts';
import { pinnedAgent } from '../src/cli/client.ts';
import { parseJoinString } from '../src/lib/join-string.ts';
import { waitFor, submitJob, jobFinished } from './helpers/node.ts';
import { machineProblems, setupProblems, type Facts } from '../src/cli/deploy/preflight.ts';

const SSHD = '/usr/sbin/sshd';
const BIN = join(PROJECT_ROOT, 'bin', 'networknodes.js');
const why = labUnavailable() ?? (existsSync(SSHD) ? undefined : `no ${SSHD} (Debian openssh-server; .ci/run installs it)`);
if (why) console.warn(`test/deploy.test.ts skipped: ${why}`);
const PREFIX = 'nndep';
const SUBNET = '10.77.64'; // each lab test its own /24: a lab one file left up does not take another's
/** The subnet in a pattern. */
const NET = SUBNET.replaceAll('.', '\\.');
const tmp = mkdtempSync(join(tmpdir(), 'nn-deploy-test-'));
/** The remote's install directory: the lab's hosts share this machine's filesystem. */
const remoteDir = join(tmp, 'remote');
/** Wheels of the pinned render stack, built once: the lab's hosts have no route to PyPI. */
const WHEELS = join(PROJECT_ROOT, 'test', 'artifacts', 'wheelhouse');

let lab: Lab;
let coordinator: LabHost;
let sshHost: LabHost;
let joinString = '';
let url = '';
let token = '';
let dispatcher: Agent;
let coordinatorLog = '';

async function call(path: string, init: RequestInit = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (typeof init.body === 'string') headers['content-type'] = 'application/json';
  // undici's own fetch takes the Agent that pins the coordinator's self-signed certificate.
  return pinnedFetch(url + path, { ...(init as object), headers, dispatcher }) as unknown as Promise<Response>;
}
const nodes = async () => (await (await call('/nodes')).json()).nodes as { id: string; name: string; state: string; reason: string | null }[];

/** What each CLI run printed, kept for a person to read (test/artifacts is not committed). */
const ARTIFACTS = join(PROJECT_ROOT, 'test', 'artifacts', 'deploy');
let runs = 0;

/** Runs the CLI on this machine (the root namespace reaches every lab host) to its end. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const log = join(ARTIFACTS, `${String(++runs).padStart(2, '0')}-${args[0]}.log`);
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, NN_HOME: join(tmp, 'cli-home') } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      writeFileSync(log, `$ networknodes ${args.join(' ').replace(joinString, 'nn1:…')}\n# exit ${code}\n${stdout}${stderr}`);
      resolve({ code, stdout, stderr });
    });
  });
}

const sshOptions = () => ['-o', `IdentityFile=${join(tmp, 'id')}`, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${join(tmp, 'known_hosts')}`, '-o', 'StrictHostKeyChecking=accept-new'];
/** The lab's hosts reach no index: pip installs from the wheelhouse, npm from this machine's cache. */
const SETUP_ENV = ['--setup-env', 'PIP_NO_INDEX=1', '--setup-env', `PIP_FIND_LINKS=${WHEELS}`, '--setup-env', 'npm_config_offline=true'];
const deployArgs = (extra: string[] = []) => ['deploy', `root@${sshHost.ip}`, '--join', joinString, '--dir', remoteDir, '--workers', '1', ...sshOptions(), ...SETUP_ENV, '--timeout', '300', ...extra];

/** Processes that run from the remote install directory (the node, its Python drivers). */
function processesOfRemote(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (cmdline.includes(remoteDir) || cwd.startsWith(remoteDir)) found.push(`${pid}: ${cmdline}`);
    } catch {
      // gone, or a kernel thread
    }
  }
  return found;
}

/** Every process's command line: the token must be in none. */
const allCommandLines = () =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })
    .join('\n');

const SCENE = `from manim import *

class Deployed(Scene):
    def construct(self):
        s = Square()
        self.play(Create(s))
        self.play(s.animate.shift(RIGHT))
        self.wait(0.5)
`;

describe.skipIf(!!why)(`deploy over SSH to a lab host${why ? ` (skipped: ${why})` : ''}`, () => {
  beforeAll(async () => {
    // Built again when the lock changes: the marker holds the lock the wheels were built from.
    const lockFile = join(PROJECT_ROOT, 'driver', 'requirements.lock');
    const marker = join(WHEELS, '.built-from.lock');
    if (!existsSync(marker) || readFileSync(marker, 'utf8') !== readFileSync(lockFile, 'utf8')) {
      mkdirSync(WHEELS, { recursive: true });
      execFileSync(join(PROJECT_ROOT, '.venv', 'bin', 'python'), ['-m', 'pip', 'wheel', '-q', '--disable-pip-version-check', '-r', lockFile, '-w', WHEELS], { stdio: 'pipe' });
      writeFileSync(marker, readFileSync(lockFile, 'utf8'));
    }
    lab = await createLab({ hosts: 2, cpu: null, prefix: PREFIX, subnet: SUBNET });
    [coordinator, sshHost] = lab.hosts as [LabHost, LabHost];

    // The coordinator plans and stitches; segments can only render on the deployed node.
    const config = join(tmp, 'coordinator.config.mjs');
    writeFileSync(config, `export default ${JSON.stringify({ functions: ['plan', 'stitch'], nice: 0 })};\n`);
    const up = lab.spawn(coordinator, [process.execPath, BIN, '-c', config, 'up', '--host', coordinator.ip, '--port', '8787', '--workers', '1'], { env: { NN_HOME: coordinator.home, NN_LOG_LEVEL: 'warn' }, cwd: tmp });
    const keep = (d: Buffer) => (coordinatorLog = (coordinatorLog + d.toString()).slice(-20_000));
    up.stdout!.on('data', keep);
    up.stderr!.on('data', keep);
    joinString = (await waitFor(async () => coordinatorLog.match(/networknodes join (nn1:\S+)/)?.[1], 180_000, `the coordinator: ${coordinatorLog}`)) as string;
    const info = parseJoinString(joinString);
    ({ url, token } = info);
    dispatcher = pinnedAgent(info.fingerprint!, url);

    // An SSH server on the lab host's address: a throwaway host key, one authorized key, root login by key only.
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(tmp, 'id')]);
    writeFileSync(join(tmp, 'authorized_keys'), readFileSync(join(tmp, 'id.pub')));
    const sshdConfig = join(tmp, 'sshd_config');
    writeFileSync(sshdConfig, [
      `ListenAddress ${sshHost.ip}`, 'Port 22', `HostKey ${join(tmp, 'host_key')}`, `AuthorizedKeysFile ${join(tmp, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
      'StrictModes no', `PidFile ${join(tmp, 'sshd.pid')}`, '',
    ].join('\n'));
    // sshd's privilege separation directory.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const sshd = lab.spawn(sshHost, [SSHD, '-D', '-e', '-f', sshdConfig]);
    let sshdLog = '';
    sshd.stderr!.on('data', (d: Buffer) => (sshdLog += d.toString()));
    await waitFor(async () => /Server listening/.test(sshdLog), 30_000, `sshd to listen: ${sshdLog}`);
  }, 300_000);

  afterAll(async () => {
    await lab?.destroy();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('fails its pre-flight with a clear message and exit code for a wrong user or an unreachable host', async () => {
    const wrongUser = await cli(['deploy', `nosuchuser@${sshHost.ip}`, '--join', joinString, '--dir', remoteDir, ...sshOptions()]);
    expect(wrongUser.code).toBe(1);
    expect(wrongUser.stderr).toMatch(new RegExp(`cannot log in to nosuchuser@${NET}\\.\\d+ over SSH: .*Permission denied`));

    // An address on the lab's bridge where no machine answers.
    const unreachable = await cli(['deploy', `root@${SUBNET}.99`, '--join', joinString, '--dir', remoteDir, ...sshOptions(), '-o', 'ConnectTimeout=5']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(new RegExp(`cannot log in to root@${NET}\\.99 over SSH: .*(No route to host|timed out|unreachable)`));
    expect(existsSync(remoteDir)).toBe(false);
  });

  let firstId = '';
  it('installs a node that comes online and renders, without the token in a command line or a readable file', async () => {
    const r = await cli(deployArgs());
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const name = sshHost.ip;
    expect(r.stdout).toMatch(new RegExp(`node "${name.replaceAll('.', '\\.')}" is online on ${url.replaceAll('.', '\\.')}: 1 worker`));
    expect(r.stderr).toMatch(/started in the background \(no systemd user session there\)/);
    expect(r.stdout + r.stderr).not.toContain(token);

    const live = (await nodes()).filter((n) => n.name === name);
    expect(live).toHaveLength(1);
    expect(live[0]!.state).toBe('online');
    expect(live[0]!.reason).toBeNull();
    firstId = live[0]!.id;

    // The join string is on the remote only in an owner-only file, in no process's arguments.
    expect(statSync(join(remoteDir, 'node.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(remoteDir, 'node.env'), 'utf8')).toContain(joinString);
    expect(allCommandLines()).not.toContain(token);
    expect(processesOfRemote().some((p) => p.includes('networknodes.js join'))).toBe(true);

    // The coordinator renders nothing itself: the segments ran on the deployed node.
    const id = await submitJob(call, { files: { 'deployed.py': SCENE }, scenes: ['Deployed'], options: { resolution: [256, 144], fps: 10, cache: 'off' } });
    const job = await jobFinished(call, id, 600_000);
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    const ranOn = new Set(job.scenes[0].segments.map((s: { node: string }) => s.node));
    expect([...ranOn]).toEqual([name]);
  });

  it('upgrades in place when run again: the node comes back', async () => {
    const r = await cli(deployArgs());
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(/upgrading in place: stopping the running node/);
    // Set-up found the environments in place and built neither again.
    expect(r.stderr).not.toMatch(/creating \.venv|installing npm packages/);
    expect(r.stdout).toMatch(/is online/);
    const live = (await nodes()).filter((n) => n.name === sshHost.ip);
    expect(live).toHaveLength(1);
    expect(live[0]!.id).not.toBe(firstId);
    // One node process, the new one.
    expect(processesOfRemote().filter((p) => p.includes('networknodes.js join'))).toHaveLength(1);
  });

  it('fails with the end of the node\'s log when the node cannot reach the coordinator from its machine, and works again once it can', async () => {
    // Only the lab host loses its route to the coordinator; this machine still reaches both.
    const route = (action: string) => execFileSync(ipBin(), ['-n', sshHost.ns, 'route', action, 'prohibit', `${coordinator.ip}/32`]);
    route('add');
    try {
      const r = await cli(deployArgs());
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`the node process on the remote machine exited before "${NET}\\.\\d+" came online; the end of its log:\\n(  \\| .*\\n)*  \\| networknodes: cannot reach the cluster at https:\\/\\/${NET}\\.\\d+:8787`));
      expect((await nodes()).some((n) => n.name === sshHost.ip)).toBe(false);
    } finally {
      route('del');
    }
    const again = await cli(deployArgs());
    expect(again.code, `${again.stdout}\n${again.stderr}`).toBe(0);
    expect(again.stdout).toMatch(/is online/);
  });

  it('undeploy --drain lets the node finish its segment, stops it, removes what deploy installed, and the node leaves the cluster', async () => {
    // The only render node takes the scene whole (one slot: the lead renders it all).
    const id = await submitJob(call, { files: { 'long.py': readFileSync(join(PROJECT_ROOT, 'test', 'scenes', 'long.py'), 'utf8') }, scenes: ['Long'], options: { resolution: [854, 480], fps: 30, cache: 'off' } });
    await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      return j.scenes[0]?.segments.some((g: { state: string; node: string }) => g.state === 'running' && g.node === sshHost.ip);
    }, 120_000, 'the deployed node to be rendering');

    const r = await cli(['undeploy', `root@${sshHost.ip}`, '--drain', '--join', joinString, '--dir', remoteDir, ...sshOptions()]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`draining node "${NET}\\.\\d+": it finishes its running segments`));
    expect(r.stdout).toMatch(/no longer in the cluster's nodes/);
    // Handed back instead, the segment would wait for a render node that no longer exists.
    const job = await (await call(`/jobs/${id}`)).json();
    expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
    expect(job.scenes[0].segments.map((g: { node: string; attempts: number }) => [g.node, g.attempts])).toEqual([[sshHost.ip, 1]]);
    expect(processesOfRemote()).toEqual([]);
    expect(existsSync(remoteDir)).toBe(false);
    expect((await nodes()).some((n) => n.name === sshHost.ip)).toBe(false);

    // Nothing is left to remove: said, and not a success.
    const again = await cli(['undeploy', `root@${sshHost.ip}`, '--join', joinString, '--dir', remoteDir, ...sshOptions()]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`nothing deployed in .*remote on ${NET}\\.\\d+`));
  });
});

describe('deploy pre-flight verdicts', () => {
  const ok: Facts = { os: 'Linux', arch: 'x86_64', hostname: 'desk', node: '20.20.2', npm: '/usr/bin/npm', tar: '/usr/bin/tar', free_kb: 50 * 1024 ** 2, root: false, sudo: false, systemd: true, deployed: false, name: '', dir: '/home/me/.local/share/networknodes' };

  it('passes a machine that has what a node needs', () => {
    expect(machineProblems(ok, 'desk')).toEqual([]);
    expect(setupProblems({ missing: [], python: '/usr/bin/python3.11' }, ok, 'desk')).toEqual([]);
  });

  it('names each thing a machine lacks, and what to do', () => {
    expect(machineProblems({ ...ok, os: 'Darwin' }, 'mac')).toEqual(['mac runs Darwin: deploy installs on Linux only']);
    expect(machineProblems({ ...ok, node: '18.19.0' }, 'desk')).toEqual(['desk has Node.js 18.19.0: 20 or newer is needed']);
    expect(machineProblems({ ...ok, node: '' }, 'desk')[0]).toMatch(/no Node\.js on the PATH of an SSH login: install Node\.js 20 or newer/);
    expect(machineProblems({ ...ok, free_kb: 512 * 1024 }, 'desk')).toEqual(['desk has 0.5 GB free for /home/me/.local/share/networknodes: at least 2 GB are needed (or choose another --dir)']);
    expect(setupProblems({ missing: [], python: '' }, ok, 'desk')[0]).toMatch(/no Python 3\.11 or newer/);
    // Packages to install: root or password-less sudo can, a plain login cannot.
    expect(setupProblems({ missing: ['ffmpeg', 'dvisvgm'], python: '/usr/bin/python3' }, ok, 'desk')).toEqual([
      'desk lacks Debian packages (ffmpeg dvisvgm) and this login can neither install them (not root) nor use sudo without a password: install them there with sudo apt-get install ffmpeg dvisvgm, then deploy again',
    ]);
    expect(setupProblems({ missing: ['ffmpeg'], python: '/usr/bin/python3' }, { ...ok, sudo: true }, 'desk')).toEqual([]);
    expect(setupProblems({ missing: ['ffmpeg'], python: '/usr/bin/python3' }, { ...ok, root: true }, 'desk')).toEqual([]);
  });
});
