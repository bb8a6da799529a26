import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from './helpers/cli.ts';
import { freshDatabase } from './helpers/database.ts';
import { frameHashes, manimRender } from './helpers/media.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILT = join(ROOT, 'dist', 'cli');
const STAMP = join(BUILT, 'sources.json');
const SCENES = join(ROOT, 'test', 'scenes');
const FILE = join(SCENES, 'flags.py');
const SIZE = ['-r', '256,144', '--fps', '10', '--seed', '3'];
const build = () => promisify(execFile)(process.execPath, [join(ROOT, 'bin', 'cli-build.js')], { cwd: ROOT });

/** A line the built CLI prints when it runs, so a run shows which CLI it was; a rebuild removes it. */
const MARK = 'the built cli ran';
const markBuild = () => {
  const entry = join(BUILT, 'cli.js');
  writeFileSync(entry, `process.stderr.write(${JSON.stringify(MARK + '\n')});\n${readFileSync(entry, 'utf8')}`);
};

let db: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  db = await freshDatabase();
  await build();
}, 120_000);
afterAll(async () => {
  await build(); // what the tests above marked or made stale, built afresh
  await db?.drop();
});

describe('the built CLI', () => {
  it('runs when it was built from the sources as they are, and is not run once a source changed', async () => {
    markBuild();
    const current = await cli(['nodes', '--help']);
    expect(current.code, current.stderr).toBe(0);
    expect(current.stderr).toContain(MARK);
    expect(current.stdout).toMatch(/the live nodes/);

    // A source touched but not changed (a checkout does that) leaves the build current.
    const client = join(ROOT, 'src', 'cli', 'client.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(client, later, later);
    expect((await cli(['nodes', '--help'])).stderr).toContain(MARK);

    // A source that differs from the one it was built from: as after an edit since the build.
    const sources = JSON.parse(readFileSync(STAMP, 'utf8')) as Record<string, { size: number; mtimeMs: number; sha256: string }>;
    expect(Object.keys(sources)).toContain('src/cli/render.ts');
    expect(Object.keys(sources)).toContain('functions/render-segment.ts');
    sources['src/cli/render.ts'] = { ...sources['src/cli/render.ts']!, size: 1, sha256: '0'.repeat(64) };
    writeFileSync(STAMP, JSON.stringify(sources));
    const stale = await cli(['nodes', '--help']);
    expect(stale.code, stale.stderr).toBe(0);
    expect(stale.stderr).not.toContain(MARK);
    expect(stale.stdout).toMatch(/the live nodes/); // the TypeScript ran instead, through tsx

    await build();
    markBuild();
    expect((await cli(['nodes', '--help'])).stderr).toContain(MARK);
  }, 120_000);

  it('renders on a local cluster with the functions built beside it: the frames of manim render', async () => {
    await build();
    markBuild();
    const out = mkdtempSync(join(tmpdir(), 'nn-built-'));
    const r = await cli(['render', FILE, 'Steps', 'Other', ...SIZE, '--local', '2', '--out-dir', out], {
      cwd: SCENES,
      env: { DATABASE_URL: db.url, NN_HOME: mkdtempSync(join(tmpdir(), 'nn-home-')) },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(MARK);
    expect(r.stderr).toMatch(/node started .*functions=plan,render-segment,stitch/);
    // Following the job off a terminal leaves nothing pending behind it (Node warned of a leak).
    expect(r.stderr).not.toMatch(/Warning/);
    const ref = mkdtempSync(join(tmpdir(), 'nn-built-ref-'));
    await manimRender(FILE, ['Steps'], SIZE, ref);
    expect(await frameHashes(join(out, 'Steps.mp4'))).toEqual(await frameHashes(join(ref, 'videos', 'flags', '144p10', 'Steps.mp4')));
  }, 300_000);
});
