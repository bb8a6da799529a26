import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, waitFor, TOKEN, jobFinished } from './helpers/node.ts';
import { cronJob } from '../src/triggers/registry.ts';

const BIN = fileURLToPath(new URL('../bin/networknodes.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nn-triggers-'));
const remote = join(tmp, 'remote.git');
const work = join(tmp, 'work');
const cronDir = join(tmp, 'cron-scenes');
const SECRET = 'push-secret-123';
// Tiny renders: 192x108 at 10 fps, plays of a few tenths of a second.
const RENDER = { resolution: [192, 108] as [number, number], fps: 10 };

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], { cwd, encoding: 'utf8' }).trim();

function write(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** Commits the files in the working clone and pushes them to the bare remote; returns the commit. */
function push(files: Record<string, string>, message: string): string {
  write(work, files);
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', message);
  git(work, 'push', '-q', 'origin', 'HEAD:main');
  return git(work, 'rev-parse', 'HEAD');
}

const scene = (name: string, body: string, imports = '') => `from manim import *\n${imports}\n\nclass ${name}(Scene):\n    def construct(self):\n        ${body}\n`;

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: Awaited<ReturnType<typeof testNode>>;
let call: ReturnType<typeof api>;
let sql: postgres.Sql;

beforeAll(async () => {
  git(tmp, 'init', '-q', '--bare', '-b', 'main', remote);
  git(tmp, 'init', '-q', '-b', 'main', work);
  git(work, 'remote', 'add', 'origin', `file://${remote}`);
  write(cronDir, { 'c.py': scene('C', 'self.play(FadeIn(Star()), run_time=0.3)') });
  db = await freshDatabase();
  sql = postgres(db.url, { max: 1, onnotice: () => {} });
  node = await testNode(db.url, {
    concurrency: 2,
    triggers: {
      git: [{ name: 'scenes', repo: `file://${remote}`, branch: 'main', path: 'scenes/', secret: SECRET, render: RENDER }],
      crons: [
        { name: 'nightly', schedule: '0 3 * * *', path: cronDir, render: RENDER },
        { name: 'nightly-repo', schedule: '30 3 * * *', repo: `file://${remote}`, branch: 'main', path: 'scenes', render: RENDER },
      ],
    },
  });
  call = api(node.url);
});
afterAll(async () => {
  await node?.stop();
  await sql?.end();
  await db?.drop();
});

type Forge = 'github' | 'gitea' | 'gitlab';

/** A forge's push event for `commit`, signed as that forge signs it (or with another secret). */
function hook(commit: string, opts: { forge?: Forge; ref?: string; secret?: string; trigger?: string } = {}) {
  const { forge = 'github', ref = 'refs/heads/main', secret = SECRET, trigger = 'scenes' } = opts;
  const event = forge === 'gitlab' ? { object_kind: 'push', ref, before: '0'.repeat(40), after: commit, checkout_sha: commit, commits: [] } : { ref, before: '0'.repeat(40), after: commit, commits: [] };
  const body = JSON.stringify(event);
  const sig = createHmac('sha256', secret).update(body).digest('hex');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (forge === 'github') Object.assign(headers, { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sig}` });
  if (forge === 'gitea') Object.assign(headers, { 'x-gitea-event': 'push', 'x-gitea-signature': sig });
  if (forge === 'gitlab') Object.assign(headers, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret });
  return fetch(`${node.url}/hooks/git/${trigger}`, { method: 'POST', headers, body });
}

interface Run { trigger: string; commit: string | null; bundleId: string | null; outcome: string; reason: string | null; jobIds: string[] }
const runs = async (trigger: string): Promise<Run[]> => (await (await call(`/triggers?trigger=${trigger}`)).json()).runs;
const runFor = (trigger: string, commit: string) => waitFor(async () => (await runs(trigger)).find((r) => r.commit === commit), 120_000, `a run of ${trigger} for ${commit}`);
const entries = async (ids: string[]) => (await Promise.all(ids.map(async (id) => (await (await call(`/jobs/${id}`)).json()).entry as string))).sort();
const finished = (id: string) => jobFinished(call, id, 300_000);
/** Queue jobs of a task, waiting or running (graphile-worker's own tables: its view has no payload). */
const queued = async (task: string) =>
  (await sql<{ payload: { commit?: string } }[]>`select j.payload from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id where t.identifier = ${task}`).map((j) => j.payload);
/** No trigger work waiting or running: what a test enqueues after this is all there is. */
const idle = () => waitFor(async () => (await queued('git-trigger')).length === 0, 60_000, 'the git-trigger queue to empty');
const jobCount = async () => (await sql<{ n: number }[]>`select count(*)::int as n from jobs`)[0]!.n;

const A = scene('A', 'self.play(FadeIn(box()), run_time=0.3)', 'from lib.shapes import box');
const B = scene('B', 'self.play(FadeIn(Circle()), run_time=0.3)');

/** The repository as the first push leaves it. */
const TREE = {
  'README.md': 'not a scene\n',
  'scenes/a.py': A,
  'scenes/b.py': B,
  'scenes/lib/__init__.py': '',
  'scenes/lib/shapes.py': 'from manim import Square\n\n\ndef box():\n    return Square()\n',
};

describe('git push triggers', () => {
  let first: string;

  it('renders every scene file under the path on the first push, and serves each scene’s latest video', async () => {
    first = push(TREE, 'first');
    const res = await hook(first);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ queued: true, forge: 'github', commit: first });
    const run = await runFor('scenes', first);
    expect(run.outcome).toBe('rendered');
    expect(await entries(run.jobIds)).toEqual(['a.py', 'b.py']);
    for (const id of run.jobIds) expect((await finished(id)).state).toBe('succeeded');

    const listed = (await (await call(`/jobs?trigger=scenes&commit=${first.slice(0, 10)}`)).json()).jobs as { id: string; trigger: string; commit: string }[];
    expect(listed.map((j) => j.id).sort()).toEqual([...run.jobIds].sort());
    expect(listed.every((j) => j.trigger === 'scenes' && j.commit === first)).toBe(true);
    expect((await (await call('/jobs?commit=0000000')).json()).jobs).toEqual([]);

    const latest = await call('/latest/scenes/A', { redirect: 'manual' });
    expect(latest.status).toBe(302);
    const video = await call(latest.headers.get('location')!);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    expect((await video.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    expect((await call('/latest/scenes/Nope')).status).toBe(404);
    expect((await fetch(`${node.url}/latest/scenes/A`)).status).toBe(401); // token-protected like the rest
  });

  it('renders only the scene file a push edits', async () => {
    const commit = push({ 'scenes/b.py': B.replace('Circle()', 'Triangle()'), 'README.md': 'still not a scene\n' }, 'edit b');
    expect((await hook(commit, { forge: 'gitea' })).status).toBe(202);
    const run = await runFor('scenes', commit);
    expect(run.outcome).toBe('rendered');
    expect(await entries(run.jobIds)).toEqual(['b.py']);
  });

  it('renders the scenes that import a module a push changes', async () => {
    const commit = push({ 'scenes/lib/shapes.py': 'from manim import Square\n\n\ndef box():\n    return Square(side_length=1)\n' }, 'edit lib');
    expect((await hook(commit, { forge: 'gitlab' })).status).toBe(202);
    const run = await runFor('scenes', commit);
    expect(await entries(run.jobIds)).toEqual(['a.py']);
    const [job] = (await (await call(`/jobs?commit=${commit}`)).json()).jobs;
    expect(job).toMatchObject({ trigger: 'scenes', source: 'git', commit });
  });

  it('refuses a wrong or missing signature from every forge with 401, and enqueues nothing', async () => {
    const commit = push({ 'scenes/b.py': B.replace('Circle()', 'Square()') }, 'unsigned');
    await idle();
    const before = await jobCount();
    for (const forge of ['github', 'gitea', 'gitlab'] as const) {
      const res = await hook(commit, { forge, secret: 'not-the-secret' });
      expect(res.status, forge).toBe(401);
      expect((await res.json()).error, forge).toMatch(/does not match|is not this trigger/);
    }
    const unsigned = await fetch(`${node.url}/hooks/git/scenes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'refs/heads/main', after: commit }) });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error).toMatch(/X-Hub-Signature-256.*X-Gitea-Signature.*X-Gitlab-Token/);
    // The cluster token is no way in either: only the trigger's secret is.
    expect((await api(node.url)('/hooks/git/scenes', { method: 'POST', body: JSON.stringify({ ref: 'refs/heads/main', after: commit }) })).status).toBe(401);
    expect(await queued('git-trigger')).toEqual([]);
    expect(await jobCount()).toBe(before);
    expect((await runs('scenes')).some((r) => r.commit === commit)).toBe(false);
  });

  it('answers 404 for a trigger it does not have and 202 for a push to another branch, rendering nothing', async () => {
    await idle();
    expect((await hook(first, { trigger: 'nobody' })).status).toBe(404);
    const commit = git(work, 'rev-parse', 'HEAD');
    const res = await hook(commit, { ref: 'refs/heads/dev' });
    expect(res.status).toBe(202);
    expect((await res.json()).ignored).toMatch(/refs\/heads\/dev/);
    expect(await queued('git-trigger')).toEqual([]);
    const run = (await runs('scenes')).find((r) => r.commit === commit);
    expect(run).toMatchObject({ outcome: 'ignored', jobIds: [] });
  });

  it('renders a burst of pushes once, at the last commit', async () => {
    await idle();
    const one = push({ 'scenes/a.py': A.replace('run_time=0.3', 'run_time=0.2') }, 'burst 1');
    expect((await hook(one)).status).toBe(202);
    const two = push({ 'scenes/a.py': A.replace('run_time=0.3', 'run_time=0.4') }, 'burst 2');
    expect((await hook(two)).status).toBe(202);
    // One waiting job, and it is the last push's.
    expect(await queued('git-trigger')).toEqual([expect.objectContaining({ commit: two })]);
    const run = await runFor('scenes', two);
    expect(await entries(run.jobIds)).toEqual(['a.py', 'b.py']); // b.py changed in the unsigned push, which nothing rendered
    await idle();
    expect((await runs('scenes')).some((r) => r.commit === one)).toBe(false);
    for (const id of run.jobIds) expect((await finished(id)).state).toBe('succeeded');
  });
});

describe('cron triggers', () => {
  const fire = async (name = 'nightly') => {
    // What graphile-worker's crontab enqueues when the schedule comes due.
    const trigger = node.services.config.triggers.crons.find((c) => c.name === name)!;
    const job = cronJob(trigger);
    await node.services.queue.add(node.services.database.db, job.task, { ...job.payload, _cron: { ts: new Date().toISOString(), backfilled: false } }, { queueName: job.queueName });
  };
  const runCount = async (name = 'nightly') => (await runs(name)).length;

  it('is registered in graphile-worker’s crontab', async () => {
    const known = await sql<{ identifier: string }[]>`select identifier from graphile_worker._private_known_crontabs`;
    expect(known.map((k) => k.identifier)).toEqual(expect.arrayContaining(['cron-trigger:nightly', 'cron-trigger:nightly-repo']));
  });

  it('renders every scene file of its directory, then renders nothing while nothing changed, then again after a change', async () => {
    await fire();
    const [run] = await waitFor(async () => ((await runCount()) === 1 ? runs('nightly') : undefined), 120_000, 'the first cron run');
    expect(run).toMatchObject({ outcome: 'rendered' });
    expect(await entries(run!.jobIds)).toEqual(['c.py']);
    expect((await finished(run!.jobIds[0]!)).state).toBe('succeeded');

    const before = await jobCount();
    await fire();
    const [again] = await waitFor(async () => ((await runCount()) === 2 ? runs('nightly') : undefined), 120_000, 'the second cron run');
    expect(again).toMatchObject({ outcome: 'unchanged', bundleId: run!.bundleId, jobIds: [] });
    expect(again!.reason).toMatch(/nothing changed/);
    expect(await jobCount()).toBe(before);

    write(cronDir, { 'c.py': scene('C', 'self.play(FadeIn(Star(color=RED)), run_time=0.3)') });
    await fire();
    const [third] = await waitFor(async () => ((await runCount()) === 3 ? runs('nightly') : undefined), 120_000, 'the third cron run');
    expect(third).toMatchObject({ outcome: 'rendered' });
    expect(third!.bundleId).not.toBe(run!.bundleId);
  });

  it('renders a folder of a repository’s branch, and nothing while the branch does not change', async () => {
    const head = push(TREE, 'for the repository cron'); // no hook: only the cron reads it
    await fire('nightly-repo');
    const [run] = await waitFor(async () => ((await runCount('nightly-repo')) === 1 ? runs('nightly-repo') : undefined), 120_000, 'the first repo cron run');
    expect(run).toMatchObject({ outcome: 'rendered', commit: head });
    expect(await entries(run!.jobIds)).toEqual(['a.py', 'b.py']);
    await fire('nightly-repo');
    const [again] = await waitFor(async () => ((await runCount('nightly-repo')) === 2 ? runs('nightly-repo') : undefined), 120_000, 'the second repo cron run');
    expect(again).toMatchObject({ outcome: 'unchanged', bundleId: run!.bundleId, jobIds: [] });
    for (const id of run!.jobIds) expect((await finished(id)).state).toBe('succeeded');
  });

  it('lists the triggers without their secrets', async () => {
    const { triggers } = await (await call('/triggers')).json();
    expect(triggers.map((t: { name: string; kind: string }) => `${t.kind}:${t.name}`)).toEqual(['git:scenes', 'cron:nightly', 'cron:nightly-repo']);
    expect(JSON.stringify(triggers)).not.toContain(SECRET);
  });
});

describe('render --watch', () => {
  it('cancels a render when the file is saved mid-render, and renders again after an edit of a module it imports', async () => {
    const project = join(tmp, 'watch');
    // Round 1 is slow on purpose (an updater that sleeps each frame), so the save lands while it renders.
    const slow = scene('W', 'sq = shape().add_updater(lambda m, dt: time.sleep(0.1))\n        self.add(sq)\n        self.wait(10)', 'import time\nfrom helper import shape');
    write(project, { 'w.py': slow, 'helper.py': 'from manim import Square\n\n\ndef shape():\n    return Square()\n' });
    const child = spawn(process.execPath, [BIN, 'render', 'w.py', '--watch', '--cluster', node.url, '--token', TOKEN, '-r', '192,108', '--fps', '10', '--out-dir', join(project, 'out')], {
      cwd: project,
      env: { ...process.env, NN_LOG_LEVEL: 'silent' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Saved as editors save: a new file renamed over the old one.
    const save = (name: string, text: string) => {
      writeFileSync(join(project, `${name}.tmp`), text);
      renameSync(join(project, `${name}.tmp`), join(project, name));
    };
    const cliJobs = () => sql<{ id: string; state: string }[]>`select id, state from jobs where source = 'cli' order by created_at`;
    try {
      const [first] = await waitFor(async () => {
        const rows = await cliJobs();
        return rows[0]?.state === 'running' ? rows : undefined;
      }, 120_000, `round 1 to render (stderr: ${err})`);
      save('w.py', scene('W', 'self.play(FadeIn(shape()), run_time=0.3)', 'from helper import shape'));
      await waitFor(async () => /round 2: succeeded/.test(out), 180_000, `round 2 (stderr: ${err})`);
      expect(err).toMatch(/w\.py changed during the render: cancelled it/);
      expect((await finished(first!.id)).state).toBe('cancelled');
      expect(out).toContain(join(project, 'out', 'W.mp4'));

      save('helper.py', 'from manim import Circle\n\n\ndef shape():\n    return Circle()\n');
      await waitFor(async () => /round 3: succeeded/.test(out), 180_000, `round 3 (stderr: ${err})`);
      expect(err).toMatch(/helper\.py changed\n/);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect((await cliJobs()).map((j) => j.state)).toEqual(['cancelled', 'succeeded', 'succeeded']);
  });
});
