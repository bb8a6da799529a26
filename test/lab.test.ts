/**
 * A home network on one box: each machine is a network namespace with its own address on a bridge
 * (scripts/lab). Needs root; skipped with the reason elsewhere.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, symlinkSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, labUnavailable, type Lab, type LabHost } from '../scripts/lab/lab.ts';
import { cgroupDir, cgroupPids } from '../scripts/lab/cgroup.ts';
import { manimRender, frameHashes } from './helpers/media.ts';
import { waitFor, submitJob, jobFinished } from './helpers/node.ts';
import { startNetworkNodes } from './helpers/lab-farm.ts';
import { PROJECT_ROOT } from '../src/driver/python.ts';
import { fetch as pinnedFetch, type Agent } from 'undici';
import { pinnedAgent } from '../src/cli/client.ts';
import { parseJoinString } from '../src/lib/join-string.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const why = labUnavailable();
// Said where a run shows it, not only in a suite title: a run that lost root says so.
if (why) console.warn(`test/lab.test.ts skipped: ${why}`);
const tmp = mkdtempSync(join(tmpdir(), 'nn-lab-test-'));
const PREFIX = 'nntest';
const SUBNET = '10.77.63'; // each lab test its own /24: a lab one file left up does not take another's

let lab: Lab;
let url = '';
let token = '';
/** What `up` printed: URL, token and the fingerprint of the certificate the coordinator serves. */
let joinString = '';
let dispatcher: Agent;
const procs = new Map<string, ChildProcess>();
const logs = new Map<string, string>();

/** Config files: the coordinator plans and stitches but does not render; segments are small (at
 *  most two plays), so that every node gets work even from these short scenes. */
function configFile(name: string, functions: string[]): string {
  const path = join(tmp, `${name}.config.mjs`);
  writeFileSync(path, `export default ${JSON.stringify({ functions, segments: { perWorker: 3, minFrames: 10, setupSeconds: 0, maxPlays: 2 }, nice: 0 })};\n`);
  return path;
}

const start = (host: LabHost, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess =>
  startNetworkNodes(lab, host, args, { cwd: tmp, logs, procs, env: { NN_LOG_LEVEL: 'warn', ...env } });

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (c) => r(c))));
}

async function call(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  if (typeof init.body === 'string') headers.set('content-type', 'application/json');
  // undici's own fetch takes the Agent that pins the coordinator's self-signed certificate.
  return pinnedFetch(url + path, { ...(init as object), headers: Object.fromEntries(headers), dispatcher }) as unknown as Promise<Response>;
}

const nodes = async () => (await (await call('/nodes')).json()).nodes as { name: string; state: string; reason: string | null; functions: string[] }[];
async function joinNode(host: LabHost, extra: string[] = [], env: NodeJS.ProcessEnv = {}, functions = ['plan', 'render-segment', 'stitch']) {
  start(host, ['-c', configFile(host.name, functions), 'join', joinString, '--workers', '1', '--name', host.name, ...extra], env);
  await waitFor(async () => (await nodes()).some((n) => n.name === host.name), 60_000, `${host.name} to join: ${logs.get(host.name)}`);
}

const submit = (files: Record<string, string>, scenes: string[], options: object) => submitJob(call, { files, scenes, options });

/** The last of a job's events so far: its event stream read for two seconds (it runs until the
 *  job ends). */
async function lastEvents(id: string, count = 80): Promise<string> {
  const signal = AbortSignal.timeout(2000);
  let text = '';
  try {
    const res = await call(`/jobs/${id}/events`, { signal });
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString();
  } catch {
    // cut off at two seconds: what came is what there is
  }
  return text.split('\n').filter((l) => l.startsWith('data:')).slice(-count).join('\n');
}

/** A job's final detail; on a time-out the error carries what a person would look at: the job's
 *  segments and last events, the live nodes and the end of every host's log. */
const finished = (id: string, timeoutMs = 300_000) =>
  jobFinished(call, id, timeoutMs).catch(async (err: Error) => {
    const job = await (await call(`/jobs/${id}`)).json();
    const segments = job.scenes?.flatMap((s: { segments: object[] }) => s.segments);
    const live = (await nodes()).map((n) => `${n.name} ${n.state}`);
    const tails = [...logs].map(([host, text]) => `--- ${host}\n${text.slice(-3000)}`);
    throw new Error(`${err.message}\nsegments: ${JSON.stringify(segments)}\nevents:\n${await lastEvents(id)}\nlive nodes: ${live.join(', ')}\n${tails.join('\n')}`);
  });

/** Output of every scene equals plain `manim render` with the same options, frame for frame. */
async function expectSameAsManim(id: string, file: string, scenes: string[], args: string[]) {
  const ref = join(tmp, `ref-${id}`);
  await manimRender(join(SCENES, file), scenes, args, ref);
  for (const scene of scenes) {
    const out = join(tmp, `${id}-${scene}.mp4`);
    writeFileSync(out, Buffer.from(await (await call(`/jobs/${id}/output/${scene}`)).arrayBuffer()));
    const refVideo = execFileSync('find', [ref, '-name', `${scene}.mp4`, '-not', '-path', '*partial*'], { encoding: 'utf8' }).trim().split('\n')[0]!;
    expect(await frameHashes(out), scene).toEqual(await frameHashes(refVideo));
  }
}

const read = (name: string) => readFileSync(join(SCENES, name), 'utf8');
const OPTS = { resolution: [384, 216], fps: 15, seed: 3 };
const ARGS = ['-r', '384,216', '--fps', '15', '--seed', '3'];
// Long enough that a machine can be killed, or join, while the job runs.
// The same scene again and again with other seeds: without `cache: 'off'` its seed-free plays would
// come from the play cache and the faults below would hit a job with little left to render.
const LONG = { resolution: [854, 480], fps: 30, cache: 'off' };
const LONG_ARGS = ['-r', '854,480', '--fps', '30'];

describe.skipIf(!!why)(`a home cluster in network namespaces${why ? ` (skipped: ${why})` : ''}`, () => {
  beforeAll(async () => {
    lab = await createLab({ hosts: 7, cpu: null, prefix: PREFIX, subnet: SUBNET });
    const h0 = lab.hosts[0]!;
    const up = start(h0, ['-c', configFile('h0', ['plan', 'stitch']), 'up', '--host', h0.ip, '--port', '8787', '--workers', '1']);
    joinString = (await waitFor(async () => logs.get('h0')!.match(/networknodes join (nn1:\S+)/)?.[1], 120_000, `the coordinator: ${logs.get('h0')}`)) as string;
    const info = parseJoinString(joinString);
    ({ url, token } = info);
    expect(url).toBe(`https://${h0.ip}:8787`);
    dispatcher = pinnedAgent(info.fingerprint!, url);
    void up;
  }, 180_000);
  afterAll(async () => {
    await lab?.destroy();
  });

  it('finds the coordinator over mDNS and joins with the token alone', async () => {
    const h1 = lab.hosts[1]!;
    start(h1, ['-c', configFile('h1', ['plan', 'render-segment', 'stitch']), 'join', '--workers', '1', '--name', 'h1'], { NN_TOKEN: token });
    // Registered, and the command has said so (it prints once the node runs).
    await waitFor(async () => /joined/.test(logs.get('h1')!) && (await nodes()).some((n) => n.name === 'h1'), 60_000, `h1 to join over mDNS: ${logs.get('h1')}`);
    expect(logs.get('h1')).toMatch(new RegExp(`joined "home" at https://${SUBNET.replaceAll('.', '\\.')}\\.10:8787 as h1`));
  });

  it('refuses a wrong token with a clear message', async () => {
    const h2 = lab.hosts[2]!;
    const child = start(h2, ['join', url, '--token', 'this-is-not-the-token', '--name', 'h2']);
    expect(await exited(child)).toBe(2);
    // With a URL and no join string, the coordinator must first prove it holds the token: it cannot.
    expect(logs.get('h2')).toMatch(/could not prove it holds this cluster token: the token is wrong/);
    expect((await nodes()).some((n) => n.name === 'h2')).toBe(false);
  });

  it('renders MathTex on a node without LaTeX, from the SVGs made while planning', async () => {
    const h3 = lab.hosts[3]!;
    // PATH with node and ffmpeg but no latex or dvisvgm.
    const bin = join(tmp, 'bin-no-tex');
    mkdirSync(bin, { recursive: true });
    for (const tool of ['node', 'ffmpeg', 'ffprobe', 'sh']) {
      const target = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
      if (!existsSync(join(bin, tool))) symlinkSync(target, join(bin, tool));
    }
    await joinNode(h3, [], { PATH: bin }, ['render-segment']);
    await call('/nodes/h1/pause', { method: 'POST' });
    await waitFor(async () => (await nodes()).find((n) => n.name === 'h1')?.state === 'paused', 20_000);
    await new Promise((r) => setTimeout(r, 5000));
    try {
      const id = await submit({ 'fidelity.py': read('fidelity.py') }, ['TexFormula'], OPTS);
      const job = await finished(id);
      expect(job.state, JSON.stringify(job.scenes)).toBe('succeeded');
      expect(new Set(job.scenes[0].segments.map((s: { node: string }) => s.node))).toEqual(new Set(['h3']));
      await expectSameAsManim(id, 'fidelity.py', ['TexFormula'], ARGS);
    } finally {
      await call('/nodes/h1/resume', { method: 'POST' });
    }
  });

  it('three nodes render a long scene that equals one manim render, each of them taking work', async () => {
    await joinNode(lab.hosts[2]!);
    // Every render node free and claiming before the job comes: h1 was resumed a moment ago and its
    // runner starts again at its next heartbeat (4 s).
    const renderNodes = ['h1', 'h2', 'h3'];
    await waitFor(async () => {
      const live = (await nodes()).filter((n) => renderNodes.includes(n.name));
      return live.length === renderNodes.length && live.every((n) => n.state === 'online');
    }, 20_000, 'h1, h2 and h3 online');
    await new Promise((r) => setTimeout(r, 6000));
    const id = await submit({ 'long.py': read('long.py') }, ['Long'], { ...LONG, seed: 2 });
    const job = await finished(id);
    expect(job.state).toBe('succeeded');
    const used = new Set<string>(job.scenes.flatMap((s: { segments: { node: string }[] }) => s.segments.map((g) => g.node)));
    // Every free node took work: h1 and h2 (the only ones with LaTeX) the lead and the planning
    // scout, h3 the cut segments (twelve of two plays each for three nodes). A job of several small
    // scenes is not enough: a lead renders a small scene whole before a plan could share it.
    expect([...used].sort(), JSON.stringify(job.scenes)).toEqual(renderNodes);
    await expectSameAsManim(id, 'long.py', ['Long'], [...LONG_ARGS, '--seed', '2']);
  });

  it('re-runs the segment of a machine killed mid-render within 60 s, with identical output', async () => {
    const id = await submit({ 'long.py': read('long.py') }, ['Long'], { ...LONG, seed: 3 });
    const victim = await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      return j.scenes[0]?.segments.find((s: { state: string; node: string }) => s.state === 'running' && s.node === 'h2')?.node as string | undefined;
    }, 120_000, 'h2 to be rendering');
    const killedAt = Date.now();
    // The machine dies: every process in its cgroup, Node and Python alike.
    for (const pid of cgroupPids(cgroupDir(PREFIX, lab.hosts[2]!.name))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    const job = await finished(id);
    expect(job.state).toBe('succeeded');
    const events = await (await call(`/jobs/${id}/events`)).text();
    const requeued = [...events.matchAll(/event: segment\.requeued\ndata: (.+)/g)].map((m) => JSON.parse(m[1]!));
    // Its own segment's requeue, not any other's.
    const victims = requeued.filter((e) => e.data.node === victim);
    expect(victims.length, JSON.stringify(requeued)).toBeGreaterThan(0);
    expect(Date.parse(victims[0].at) - killedAt).toBeLessThan(60_000);
    await expectSameAsManim(id, 'long.py', ['Long'], [...LONG_ARGS, '--seed', '3']);
    // The machine comes back and joins again: the tests that follow need a second node with LaTeX
    // for a planning scout beside the lead.
    await joinNode(lab.hosts[2]!);
  });

  it('finishes the job when the coordinator’s Postgres restarts mid-render', async () => {
    const id = await submit({ 'long.py': read('long.py') }, ['Long'], { ...LONG, seed: 4 });
    const before = await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      return j.scenes[0]?.segments.some((s: { state: string }) => s.state === 'done') ? j : undefined;
    }, 120_000, 'a segment to finish');
    // Mid-render: work is still to do when the database goes away.
    expect(before.scenes[0].segments.some((s: { state: string }) => s.state !== 'done')).toBe(true);
    const pidFile = join(lab.hosts[0]!.home, 'postgres', 'postmaster.pid');
    process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
    const job = await finished(id);
    // What the restart left for the sweeps to mend, in the run's output
    const mended = (await lastEvents(id, 400)).split('\n').filter((l) => l.includes('the queue lost its job'));
    if (mended.length) console.log(`segments queued again after the restart:\n${mended.join('\n')}`);
    expect(job.state).toBe('succeeded');
    await expectSameAsManim(id, 'long.py', ['Long'], [...LONG_ARGS, '--seed', '4']);
  });

  it('a node that joins mid-job takes segments; paused nodes finish theirs and take no more', async () => {
    const id = await submit({ 'long.py': read('long.py') }, ['Long'], { ...LONG, seed: 5 });
    // Rendering, with cut segments still queued: the rest that the newcomer is to take.
    await waitFor(async () => {
      const j = await (await call(`/jobs/${id}`)).json();
      const segments: { state: string; plays: [number, number] }[] = j.scenes[0]?.segments ?? [];
      // A cut segment (not the planning scout, whose plays are [-1, -1]) waiting in the queue.
      return segments.some((s) => s.state === 'running') && segments.some((s) => s.state === 'queued' && s.plays[0] >= 0);
    }, 120_000, 'rendering to start with cut segments queued');
    // The machines already in take no more (their renders stop at their segments' ends), so the
    // rest waits in the queue for the newcomer.
    const busy = (await nodes()).filter((n) => n.functions.includes('render-segment')).map((n) => n.name);
    expect(busy.length).toBeGreaterThan(0);
    for (const n of busy) expect((await call(`/nodes/${n}/pause`, { method: 'POST' })).status).toBe(200);
    // A paused node's runner stops at its next heartbeat (4 s): from then on it starts nothing.
    await new Promise((r) => setTimeout(r, 5000));
    const pausedAt = Date.now();
    await joinNode(lab.hosts[5]!);
    const job = await finished(id);
    for (const n of busy) await call(`/nodes/${n}/resume`, { method: 'POST' });
    expect(job.state).toBe('succeeded');
    const segments = job.scenes[0].segments as { node: string; startedAt: string }[];
    expect(segments.some((s) => s.node === 'h5'), JSON.stringify({ pausedAt: new Date(pausedAt), segments })).toBe(true);
    const lateStarts = segments.filter((s) => busy.includes(s.node) && Date.parse(s.startedAt) > pausedAt);
    expect(lateStarts, 'segments a paused node started').toEqual([]);
    await expectSameAsManim(id, 'long.py', ['Long'], [...LONG_ARGS, '--seed', '5']);
  });

  it('gives no work to a node with a different Manim, and says why', async () => {
    // A second environment: the project's packages, but manim 0.21.0 in front of them.
    const venv = join(tmp, 'venv-old');
    execFileSync('python3.11', ['-m', 'venv', venv]);
    const site = execFileSync(join(PROJECT_ROOT, '.venv/bin/python'), ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).trim();
    const ownSite = execFileSync(join(venv, 'bin/python'), ['-c', 'import site; print(site.getsitepackages()[0])'], { encoding: 'utf8' }).trim();
    writeFileSync(join(ownSite, 'project.pth'), site + '\n');
    execFileSync(join(venv, 'bin/python'), ['-m', 'pip', 'install', '-q', '--no-deps', 'manim==0.21.0'], { stdio: 'ignore' });
    await joinNode(lab.hosts[6]!, [], { NN_PYTHON: join(venv, 'bin/python') });
    const old = (await nodes()).find((n) => n.name === 'h6')!;
    expect(old.functions).not.toContain('render-segment');
    expect(old.reason).toMatch(/differs from the cluster's|driver does not run/);
    const id = await submit({ 'fidelity.py': read('fidelity.py') }, ['OnePlay', 'RotatingTrace'], OPTS);
    const job = await finished(id);
    expect(job.scenes.flatMap((s: { segments: { node: string }[] }) => s.segments.map((g) => g.node))).not.toContain('h6');
  });
});
