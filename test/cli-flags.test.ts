import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { freshDatabase } from './helpers/database.ts';
import { testNode, api, TOKEN } from './helpers/node.ts';
import { manimRender, frameHashes, pngHashes } from './helpers/media.ts';
import { cli } from './helpers/cli.ts';

const SCENES = fileURLToPath(new URL('./scenes/', import.meta.url));
const FILE = join(SCENES, 'flags.py');
// Tiny, and 144 rows: at 108 rows plain manim's own decoded mp4 frames differ from run to run.
const SIZE = ['-r', '256,144', '--fps', '10'];
const SEED = ['--seed', '3'];

let db: Awaited<ReturnType<typeof freshDatabase>>;
let node: Awaited<ReturnType<typeof testNode>>;
const tmp = mkdtempSync(join(tmpdir(), 'nn-flags-'));
let n = 0;
const out = () => join(tmp, `out-${n++}`);
const ref = () => join(tmp, `ref-${n++}`);

beforeAll(async () => {
  db = await freshDatabase();
  // Plays as small as one per segment, so a range is cut across both slots.
  node = await testNode(db.url, { concurrency: 2, segments: { minFrames: 1, maxPlays: 1, lead: false, rebalance: false } }, 'flags-node');
}, 120_000);
afterAll(async () => {
  await node?.stop();
  await db?.drop();
});

/** `networknodes render flags.py …` against the test node. */
const render = (args: string[], env: Record<string, string | undefined> = {}) =>
  cli(['render', FILE, ...args, '--cluster', node.url, '--token', TOKEN], { cwd: SCENES, env });

const pixels = async (file: string) => createHash('md5').update(await sharp(file).raw().toBuffer()).digest('hex');

describe("render's Manim flags give what manim render gives", () => {
  it('--format png and -s: the last frame only, one PNG under manim’s name with manim’s pixels', async () => {
    const theirs = ref();
    await manimRender(FILE, ['Steps'], [...SIZE, ...SEED, '--format', 'png'], theirs);
    const [refName] = readdirSync(join(theirs, 'images', 'flags'));
    expect(refName).toMatch(/^Steps_ManimCE_v0\.22\.0\.png$/);
    for (const flag of [['--format', 'png'], ['-s']]) {
      const dir = out();
      const r = await render(['Steps', ...flag, ...SIZE, ...SEED, '--out-dir', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(readdirSync(dir), flag.join(' ')).toEqual([refName]);
      expect(await pixels(join(dir, refName!)), flag.join(' ')).toBe(await pixels(join(theirs, 'images', 'flags', refName!)));
    }
  }, 300_000);

  it('-o names the one output as manim does: a bare name beside the others with the format’s extension, an absolute path as it is', async () => {
    const dir = out();
    const named = await render(['Steps', '-s', ...SIZE, ...SEED, '--out-dir', dir, '-o', 'shot']);
    expect(named.code, named.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(['shot.png']);
    const elsewhere = join(out(), 'deep', 'shot.png');
    const absolute = await render(['Steps', '-s', ...SIZE, ...SEED, '--out-dir', dir, '-o', elsewhere]);
    expect(absolute.code, absolute.stderr).toBe(0);
    expect(await pixels(elsewhere)).toBe(await pixels(join(dir, 'shot.png')));
    expect(readdirSync(dir)).toEqual(['shot.png']);
  }, 300_000);

  it('--format png-sequence -n 1,3: every frame of plays 1..3, numbered from 0000 as manim numbers them, same pixels', async () => {
    const theirs = ref();
    await manimRender(FILE, ['Steps'], [...SIZE, ...SEED, '--format', 'png-sequence', '-n', '1,3'], theirs);
    const refDir = join(theirs, 'images', 'flags', 'Steps');
    const dir = out();
    const r = await render(['Steps', '--format', 'png-sequence', '-n', '1,3', ...SIZE, ...SEED, '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(join(dir, 'Steps')).sort();
    expect(names).toEqual(readdirSync(refDir).filter((f) => f.endsWith('.png')).sort());
    expect(names.length).toBeGreaterThan(3);
    expect(await pngHashes(join(dir, 'Steps'))).toEqual(await pngHashes(refDir));
  }, 300_000);

  it('-n A,B and -n A on a video: the frames of those plays only, as manim renders them', async () => {
    for (const range of ['1,3', '2']) {
      const theirs = ref();
      await manimRender(FILE, ['Steps'], [...SIZE, ...SEED, '-n', range], theirs);
      const dir = out();
      const r = await render(['Steps', '-n', range, ...SIZE, ...SEED, '--out-dir', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const result = JSON.parse(r.stdout) as { scenes: { segments: unknown[] }[] };
      expect(result.scenes[0]!.segments.length, range).toBeGreaterThan(1); // cut across the node's slots
      expect(readdirSync(dir)).toEqual(['Steps.mp4']);
      const [ours, expected] = [await frameHashes(join(dir, 'Steps.mp4')), await frameHashes(join(theirs, 'videos', 'flags', '144p10', 'Steps.mp4'))];
      expect(ours.length, range).toBe(expected.length);
      expect(ours, range).toEqual(expected);
    }
  }, 300_000);

  it('-n past the last play fails the scene naming how many plays it has', async () => {
    const r = await render(['Steps', '-n', '9', ...SIZE, '--out-dir', out()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/-n 9: Steps has 5 play\(s\), numbered 0-4/);
    const bad = await render(['Steps', '-n', '3,1', '--out-dir', out()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/n_0 must not come after n_1/);
  }, 120_000);

  it('-a renders every scene of the file whatever is named, as manim -a does; --disable_caching wins over --flush_cache, and says so', async () => {
    const theirs = ref();
    await manimRender(FILE, [], [...SIZE, '-a', '-s'], theirs);
    const dir = out();
    const r = await render(['Steps', '-a', '-s', '--disable_caching', '--flush_cache', ...SIZE, '--out-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(readdirSync(join(theirs, 'images', 'flags')).sort());
    expect(readdirSync(dir)).toHaveLength(2);
    expect(r.stderr).toMatch(/--flush_cache with --disable_caching: the cache is not used, so nothing is flushed/);
  }, 300_000);

  it('packs the project without what earlier renders wrote into it, and with every file of the user’s', async () => {
    const project = mkdtempSync(join(tmp, 'project-'));
    const entry = join(project, 'flags.py');
    copyFileSync(FILE, entry);
    const env = { NN_HOME: mkdtempSync(join(tmp, 'home-')) };
    const inProject = (args: string[]) => cli(['render', entry, 'Steps', '-s', ...SIZE, ...SEED, ...args, '--cluster', node.url, '--token', TOKEN], { cwd: project, env });
    const first = await inProject(['--out-dir', join(project, 'first')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/flags\.py \(1 file\(s\)\)/);
    writeFileSync(join(project, 'notes.txt'), 'an asset the scene could read');
    const second = await inProject(['--out-dir', join(project, 'second'), '-o', join(project, 'beside.png')]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/flags\.py \(2 file\(s\)\)/);
    const third = await inProject(['--out-dir', join(project, 'third')]);
    expect(third.stderr).toMatch(/flags\.py \(2 file\(s\)\)/);
    expect(third.code, third.stderr).toBe(0);
    expect(readdirSync(join(project, 'third'))).toEqual(['Steps_ManimCE_v0.22.0.png']);
  }, 120_000);

  it('-p opens each output with the desktop opener (or --preview_command), and says where it is when there is none', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nn-opener-'));
    const opened = join(bin, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "xdg-open $1" >> ${opened}\n`);
    writeFileSync(join(bin, 'viewer'), `#!/bin/sh\necho "viewer $1" >> ${opened}\n`);
    for (const f of ['xdg-open', 'viewer']) chmodSync(join(bin, f), 0o755);
    const dir = out();
    const r = await render(['Steps', '-s', '-p', ...SIZE, '--out-dir', dir], { PATH: bin });
    expect(r.code, r.stderr).toBe(0);
    const image = join(dir, readdirSync(dir)[0]!);
    await expect.poll(() => existsSync(opened) && readFileSync(opened, 'utf8')).toBe(`xdg-open ${image}\n`);
    const withCommand = await render(['Steps', '-s', '-p', '--preview_command', 'viewer', ...SIZE, '--out-dir', dir], { PATH: bin });
    expect(withCommand.code).toBe(0);
    await expect.poll(() => readFileSync(opened, 'utf8')).toContain(`viewer ${image}\n`);
    const none = await render(['Steps', '-s', '-p', '--priority', '3', '--json', ...SIZE, '--out-dir', dir], { PATH: '/nonexistent' });
    expect(none.code).toBe(0);
    expect(none.stderr).toContain(`-p: no xdg-open or open on this machine to preview with; the output is at ${image}`);
    // --priority reaches the job
    const job = await (await api(node.url)(`/jobs/${(JSON.parse(none.stdout) as { job: string }).job}`)).json();
    expect(job.priority).toBe(3);
  }, 300_000);

  it('open opens the page logged in with the token, and prints that URL where nothing can open it', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'nn-opener-'));
    const opened = join(bin, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" >> ${opened}\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const url = `${node.url}/#token=${TOKEN}`;
    const r = await cli(['open', '--cluster', node.url, '--token', TOKEN], { env: { PATH: bin } });
    expect(r.code, r.stderr).toBe(0);
    await expect.poll(() => existsSync(opened) && readFileSync(opened, 'utf8')).toBe(`${url}\n`);
    const none = await cli(['open'], { env: { PATH: '/nonexistent', NN_URL: node.url, NN_TOKEN: TOKEN } });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(`open this in a browser:\n${url}\n`);
  });

  it('render --help lists the Manim flags under manim’s headings, with manim’s names and short forms', async () => {
    const { stdout } = await cli(['render', '--help']);
    for (const heading of ['Global options:', 'Output options:', 'Render Options:', 'Ease of access options:']) expect(stdout).toContain(heading);
    for (const flag of [
      '-n, --from_animation_number <n_0[,n_1]>', '-a, --write_all', '-s, --save_last_frame', '-p, --preview', '--disable_caching', '--flush_cache',
      '-q, --quality <q>', '-r, --resolution <W,H>', '--fps, --frame_rate <fps>', '-o, --output_file <name>', '-t, --transparent', '--save_sections', '--preview_command <command>',
    ]) expect(stdout).toContain(flag);
    expect(stdout).toMatch(/PNG renders only the last frame; png-sequence writes every rendered frame/);
    expect(stdout).toMatch(/"png", "png-sequence"/);
  });
});

describe('logs', () => {
  // A local cluster (on the test database) logs as it starts and stops: what a user sees.
  const local = (extra: string[], env: Record<string, string> = {}) =>
    cli(['render', FILE, 'Other', '-s', ...SIZE, '--local', '1', '--out-dir', out(), ...extra], {
      cwd: SCENES, env: { DATABASE_URL: db.url, NN_HOME: mkdtempSync(join(tmpdir(), 'nn-home-')), ...env },
    });

  it('are human lines by default, never JSON records', async () => {
    const r = await local([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).not.toContain('{"level"');
    expect(r.stderr).toMatch(/^\[\d\d:\d\d:\d\d\] INFO.*: node started node=\S+ concurrency=1 functions=plan,render-segment,stitch/m);
  }, 300_000);

  it('are JSON records with --log-format json or NN_LOG_FORMAT=json, and a wrong format is refused', async () => {
    for (const r of [await local(['--log-format', 'json']), await local([], { NN_LOG_FORMAT: 'json' })]) {
      expect(r.code, r.stderr).toBe(0);
      const records = r.stderr.split('\n').filter((l) => l.startsWith('{'));
      expect(records.map((l) => JSON.parse(l).msg)).toContain('node started');
      expect(JSON.parse(records[0]!).level).toBe(30);
    }
    const wrong = await cli(['render', FILE, '--log-format', 'xml']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/--log-format.*Allowed choices are human, json/);
    const wrongEnv = await cli(['nodes'], { env: { NN_LOG_FORMAT: 'xml' } });
    expect(wrongEnv.stderr).toContain('NN_LOG_FORMAT must be one of human, json, not "xml"');
  }, 300_000);
});
