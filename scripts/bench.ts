/**
 * The benchmark: the bundled benchmark scene with plain `manim render` and with NetworkNodes, the
 * outputs checked identical, the ratios printed.
 *
 *   npm run bench                    # the floor; 1 worker vs manim on one core; 2 workers on two cores,
 *                                    # also against manim --max-inflight-encoders 4 on the same two
 *   npm run bench -- --runs 3        # three rounds, median ratios (a shared machine's speed drifts)
 *   npm run bench -- --lab 4         # 4 emulated machines of 0.45 CPU each vs manim on 0.45 CPU (root)
 *   npm run bench -- --edit-only     # the edit round alone: full render, one play edited, re-render
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { driverEnv, PROJECT_ROOT } from '../src/driver/python.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { connect } from '../src/db/client.ts';
import { migrate } from '../src/db/migrate.ts';
import { homeDir } from '../src/lib/home.ts';
import { frameHashes } from '../test/helpers/media.ts';
import { createLab, labUnavailable, type Lab, type LabHost } from './lab/lab.ts';
import { floorSeconds } from './bench-floor.ts';
import { fetch as pinnedFetch } from 'undici';
import { pinnedAgent } from '../src/cli/client.ts';
import { parseJoinString } from '../src/lib/join-string.ts';

const BIN = join(PROJECT_ROOT, 'bin', 'networknodes.js');
const MANIM = join(PROJECT_ROOT, '.venv', 'bin', 'manim');

const resultSchema = z.object({
  job: z.string(),
  state: z.string(),
  outputs: z.array(z.string()),
  wallMs: z.number(),
  scenes: z.array(z.object({ name: z.string(), segments: z.array(z.object({ plays: z.tuple([z.number(), z.number()]), slice: z.tuple([z.number(), z.number()]).optional(), encodes: z.boolean().optional(), frames: z.number(), node: z.string().nullable(), ms: z.number().nullable() })) })),
});
type Result = z.infer<typeof resultSchema>;

interface Opts {
  file: string;
  scene: string;
  quality: string;
  lab?: number;
  cpu: number;
  runs: number;
  edit?: boolean;
  editOnly?: boolean;
}

/** What starts a kept cluster before the timed render on it: a small scene of another file. */
const WARM = { file: join(PROJECT_ROOT, 'examples', 'showcase.py'), scene: 'Formulas' };

/** The edit round's edit: one play in the middle of the benchmark scene (play 16, the grid's colour). */
const EDIT = { from: 'self.play(grid.animate.set_color(GREEN), run_time=rt(1))', to: 'self.play(grid.animate.set_color(ORANGE), run_time=rt(1))' };

function run(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - t0 })));
}

async function must(child: ChildProcess, what: string) {
  const r = await run(child);
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}):\n${r.stderr}`);
  return r;
}

const manimArgs = (o: Opts, media: string) => ['render', o.file, o.scene, `-q${o.quality}`, '--disable_caching', '--encoder-option', 'threads=1', '--progress_bar', 'none', '--media_dir', media];

function findVideo(media: string, scene: string): string {
  const videos = join(media, 'videos');
  for (const mod of readdirSync(videos)) for (const q of readdirSync(join(videos, mod))) {
    if (readdirSync(join(videos, mod, q)).includes(`${scene}.mp4`)) return join(videos, mod, q, `${scene}.mp4`);
  }
  throw new Error(`no ${scene}.mp4 under ${videos}`);
}

async function sameFrames(a: string, b: string): Promise<string> {
  const [x, y] = [await frameHashes(a), await frameHashes(b)];
  const same = x.length === y.length && x.every((h, i) => h === y[i]);
  return `${x.length} frames, ${same ? 'identical to' : 'DIFFERENT from'} plain manim`;
}

function printSegments(r: Result) {
  for (const s of r.scenes) for (const g of s.segments) {
    const what = g.encodes ? `play  ${String(g.plays[0]).padStart(2)} encoding` : g.slice ? `play  ${String(g.plays[0]).padStart(2)} frames ${g.slice[0]}-${g.slice[1] - 1}` : `plays ${String(g.plays[0]).padStart(2)}-${String(g.plays[1]).padEnd(2)}`;
    console.log(`    ${what.padEnd(22)} ${String(g.frames).padStart(5)} frames  ${(g.node ?? '?').padEnd(12)} ${((g.ms ?? 0) / 1000).toFixed(1).padStart(6)} s`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * A cluster home as a user has it after the first run: the embedded Postgres created (initdb, a
 * few seconds once per machine) and migrated. The farm's timing is then what every later render costs.
 */
async function prepareHome(home: string) {
  const pg = await startEmbeddedPostgres(homeDir(home));
  try {
    const db = connect(pg.url, 2); // migrate holds a lock on one connection while it migrates on another
    await migrate(db).finally(() => db.close());
  } finally {
    await pg.stop();
  }
}

/** Plain manim and the farm, one after the other, `runs` times: a shared machine's speed drifts
 *  by tens of percent over minutes, so each ratio is taken within a round and the median kept. */
async function local(o: Opts) {
  const tmp = mkdtempSync(join(tmpdir(), 'nn-bench-'));
  console.log(`benchmark: ${o.file} ${o.scene} -q${o.quality}, ${o.runs} round(s); each farm run uses a cluster home set up beforehand (untimed)`);
  const floor = await floorSeconds(o.file, o.scene, o.quality, join(tmp, 'floor'));
  console.log(`floor (the exact progression, nothing drawn): ${floor.toFixed(1)} s`);
  type Ratios = { one: number; two: number; best: number; bound: number };
  const ratios: Record<'cold' | 'kept', Ratios[]> = { cold: [], kept: [] };
  for (let round = 1; round <= o.runs; round++) {
    const dir = join(tmp, `round${round}`);
    const plain = await must(spawn('taskset', ['-c', '0', MANIM, ...manimArgs(o, join(dir, 'plain'))], { env: driverEnv() }), 'plain manim');
    const plainVideo = findVideo(join(dir, 'plain'), o.scene);
    console.log(`${o.runs > 1 ? `round ${round}: ` : ''}plain manim render, 1 core:        ${(plain.ms / 1000).toFixed(1)} s`);
    // Manim's best on two cores: its encoders overlap drawing, x264 picks its own threads.
    const bestArgs = ['render', o.file, o.scene, `-q${o.quality}`, '--disable_caching', '--max-inflight-encoders', '4', '--progress_bar', 'none', '--media_dir', join(dir, 'best')];
    const best = await must(spawn('taskset', ['-c', '0,1', MANIM, ...bestArgs], { env: driverEnv() }), 'plain manim, best flags');
    console.log(`plain manim --max-inflight-encoders 4, 2 cores: ${(best.ms / 1000).toFixed(1)} s`);
    // Each worker count twice: a cluster started for the render and stopped after it (`--keep 0`),
    // and the cluster a user has running after the first render of the day (kept; started untimed
    // by rendering another scene, so nothing of this one is remembered).
    const ms: Record<'cold' | 'kept', number[]> = { cold: [], kept: [] };
    for (const [workers, cores] of [[1, '0'], [2, '0,1']] as const) {
      for (const mode of ['cold', 'kept'] as const) {
        const out = join(dir, `farm${workers}-${mode}`);
        const home = join(dir, `home${workers}-${mode}`);
        await prepareHome(home);
        const farm = (args: string[], what: string) =>
          must(spawn('taskset', ['-c', cores, process.execPath, BIN, ...args], { env: { ...process.env, NN_HOME: home, NN_LOG_LEVEL: 'warn' } }), what);
        if (mode === 'kept') await farm(['render', WARM.file, WARM.scene, '-ql', '--local', String(workers), '--keep', '10', '--out-dir', join(dir, 'warm')], 'starting a kept cluster');
        const r = await farm(['render', o.file, o.scene, `-q${o.quality}`, '--local', String(workers), ...(mode === 'cold' ? ['--keep', '0'] : []), '--json', '--out-dir', out], `networknodes with ${workers} worker(s)`);
        if (mode === 'kept') await farm(['down'], 'stopping the kept cluster');
        const result = resultSchema.parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
        const how = mode === 'cold' ? 'cluster started and stopped with it' : 'on the running local cluster';
        console.log(`networknodes, ${workers} worker(s) on ${workers} core(s), ${how}: ${(r.ms / 1000).toFixed(1)} s  (${await sameFrames(result.outputs[0]!, plainVideo)})`);
        printSegments(result);
        ms[mode].push(r.ms);
      }
    }
    // What two machines can reach at best: plain's time halved, or the floor when that is longer.
    const bound = Math.max(floor * 1000, plain.ms / 2);
    for (const mode of ['cold', 'kept'] as const) {
      const [one, two] = ms[mode] as [number, number];
      ratios[mode].push({ one: one / plain.ms, two: plain.ms / two, best: best.ms / two, bound: bound / two });
    }
  }
  for (const mode of ['cold', 'kept'] as const) {
    const rs = ratios[mode];
    const m = (k: keyof Ratios) => median(rs.map((r) => r[k]));
    const each = (k: keyof Ratios) => (o.runs > 1 ? ` (rounds: ${rs.map((r) => r[k].toFixed(2)).join(', ')})` : '');
    console.log(`\n${mode === 'cold' ? 'a cluster started and stopped with each render (--keep 0)' : 'on a running local cluster (the kept one, as after the first render)'}:`);
    console.log(`  1 worker vs plain, same core:   ${m('one').toFixed(3)}× the wall time (target ≤ 1.05)${each('one')}`);
    console.log(`  2 workers vs plain on one core: ${m('two').toFixed(2)}× faster (target ≥ 1.8)${each('two')}`);
    console.log(`  2 workers vs plain's best flags on the same two cores: ${m('best').toFixed(2)}× faster (target ≥ 1.1)${each('best')}`);
    console.log(`  2 workers vs their bound max(floor, plain ÷ 2): ${(m('bound') * 100).toFixed(0)} % of it (target ≥ 80 %)${each('bound')}`);
  }
}

/** Waits for a line matching `re` on the child's stdout. */
function waitLine(child: ChildProcess, re: RegExp, ms = 120_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${err}`)), ms);
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited (${code}) before ${re}: ${err}`)));
  });
}

/** One lab round on lab machines of its own (fresh homes, so the farm plans the scene as a first
 *  render does): plain manim on one machine, then the farm on all. Returns the two wall times. */
async function labRound(o: Opts, n: number, floor: number, tmp: string) {
  const lab: Lab = await createLab({ hosts: n, cpu: o.cpu, prefix: 'nnbench' });
  try {
    const [h0] = lab.hosts as [LabHost, ...LabHost[]];
    const plain = await must(lab.spawn(h0, [MANIM, ...manimArgs(o, join(tmp, 'plain'))], { env: driverEnv() }), 'plain manim');
    const plainVideo = findVideo(join(tmp, 'plain'), o.scene);
    console.log(`plain manim render on ${o.cpu} CPU: ${(plain.ms / 1000).toFixed(1)} s`);

    const coordinator = lab.spawn(h0, [process.execPath, BIN, 'up', '--host', h0.ip, '--port', '8787', '--workers', '1'], { env: { NN_HOME: h0.home, NN_LOG_LEVEL: 'warn' } });
    // The join string carries the URL, the token and the certificate's fingerprint (the API is HTTPS).
    const joinString = (await waitLine(coordinator, /networknodes join (nn1:\S+)/))[1]!;
    const { url, token, fingerprint } = parseJoinString(joinString);
    for (const h of lab.hosts.slice(1)) {
      const j = lab.spawn(h, [process.execPath, BIN, 'join', joinString, '--workers', '1', '--name', h.name], { env: { NN_HOME: h.home, NN_LOG_LEVEL: 'warn' } });
      await waitLine(j, /joined/);
    }
    const r = await must(
      spawn(process.execPath, [BIN, 'render', o.file, o.scene, `-q${o.quality}`, '--join', joinString, '--json', '--out-dir', join(tmp, 'farm')], { env: { ...process.env, NN_LOG_LEVEL: 'warn' } }),
      'networknodes render',
    );
    const result = resultSchema.parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
    const detail = z.object({ createdAt: z.string(), finishedAt: z.string(), scenes: z.array(z.object({ segments: z.array(z.object({ node: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable() })) })) })
      .parse(await (await pinnedFetch(`${url}/jobs/${result.job}`, { headers: { authorization: `Bearer ${token}` }, dispatcher: pinnedAgent(fingerprint!, url) })).json());
    console.log(`networknodes, ${n} machines: ${(r.ms / 1000).toFixed(1)} s  (${await sameFrames(result.outputs[0]!, plainVideo)})`);
    printSegments(result);
    // The job's events (the cut, each start, extension and steal), kept to read how the time went.
    const events = join(tmp, 'events.txt');
    writeFileSync(events, await (await pinnedFetch(`${url}/jobs/${result.job}/events`, { headers: { authorization: `Bearer ${token}` }, dispatcher: pinnedAgent(fingerprint!, url) })).text());
    console.log(`  the job's events: ${events}`);
    const t0 = Date.parse(detail.createdAt);
    const t1 = Date.parse(detail.finishedAt);
    const byNode = new Map<string, { start: number; end: number }[]>();
    for (const s of detail.scenes) for (const g of s.segments) {
      if (!g.node || !g.startedAt || !g.finishedAt) continue;
      byNode.set(g.node, [...(byNode.get(g.node) ?? []), { start: Date.parse(g.startedAt), end: Date.parse(g.finishedAt) }]);
    }
    console.log(`  per machine (job ${((t1 - t0) / 1000).toFixed(1)} s from submission to stitched):`);
    for (const [node, spans] of [...byNode].sort()) {
      spans.sort((a, b) => a.start - b.start);
      const busy = spans.reduce((ms, s) => ms + s.end - s.start, 0);
      const gaps = spans.map((s, i) => (i ? s.start - spans[i - 1]!.end : s.start - t0));
      console.log(`  ${node.padEnd(12)} busy ${(busy / 1000).toFixed(1)} s in ${spans.length} segment(s); idle before first ${(gaps[0]! / 1000).toFixed(1)} s, between ${(gaps.slice(1).reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s, after last ${((t1 - spans.at(-1)!.end) / 1000).toFixed(1)} s`);
    }
    const bound = Math.max(floor * 1000, plain.ms / n);
    console.log(`  ${(plain.ms / r.ms).toFixed(2)}× faster; ${((bound / r.ms) * 100).toFixed(0)} % of the bound ${(bound / 1000).toFixed(1)} s`);
    return { speedup: plain.ms / r.ms, bound: bound / r.ms };
  } finally {
    await lab.destroy();
  }
}

/** `runs` lab rounds, each plain manim then the farm, so the two alternate; the medians are kept. */
async function lab(o: Opts, n: number) {
  const why = labUnavailable();
  if (why) throw new Error(`--lab needs the lab: ${why}`);
  const tmp = mkdtempSync(join(tmpdir(), 'nn-bench-lab-'));
  console.log(`benchmark in the lab: ${n} machines of ${o.cpu} CPU each; ${o.file} ${o.scene} -q${o.quality}, ${o.runs} round(s)`);
  // The floor measured on a whole core here, scaled to a lab machine's share of one.
  const floor = (await floorSeconds(o.file, o.scene, o.quality, join(tmp, 'floor'))) / o.cpu;
  console.log(`floor (the exact progression, nothing drawn) ${floor.toFixed(1)} s on ${o.cpu} CPU`);
  const rounds: { speedup: number; bound: number }[] = [];
  for (let round = 1; round <= o.runs; round++) {
    if (o.runs > 1) console.log(`round ${round}:`);
    rounds.push(await labRound(o, n, floor, join(tmp, `round${round}`)));
  }
  const each = (k: 'speedup' | 'bound') => (o.runs > 1 ? ` (rounds: ${rounds.map((r) => (k === 'bound' ? `${(r[k] * 100).toFixed(0)} %` : r[k].toFixed(2))).join(', ')})` : '');
  console.log(`\n${n} machines vs plain manim, ${o.cpu} CPU each: ${median(rounds.map((r) => r.speedup)).toFixed(2)}× faster (target ≥ 3.4 for the benchmark scene, ≥ 2.5 for a single play; limit ${n})${each('speedup')}`);
  console.log(`vs the bound max(floor, plain ÷ ${n}): ${(median(rounds.map((r) => r.bound)) * 100).toFixed(0)} % of it (target ≥ 80 %)${each('bound')}`);
}

/**
 * The edit round (issue 12): the farm renders the scene, then the scene with one play edited, from
 * the same cluster home (its play cache); plain manim does the same with its own cache. Printed: each
 * wall time, the re-render's share of the full render (target ≤ 0.15), and whether each re-render
 * equals a fresh plain manim render of the edited file.
 */
async function editRound(o: Opts) {
  const tmp = mkdtempSync(join(tmpdir(), 'nn-bench-edit-'));
  const source = readFileSync(o.file, 'utf8');
  if (!source.includes(EDIT.from)) throw new Error(`--edit: ${o.file} has no \`${EDIT.from}\` to edit`);
  const [original, edited] = ['original', 'edited'].map((d) => join(tmp, d, basename(o.file)));
  for (const [file, text] of [[original!, source], [edited!, source.replace(EDIT.from, EDIT.to)]] as const) {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
  }
  const fresh = join(tmp, 'fresh');
  await must(spawn(MANIM, manimArgs({ ...o, file: edited! }, fresh), { env: driverEnv() }), 'plain manim of the edited file');
  const truth = findVideo(fresh, o.scene);

  const home = join(tmp, 'home');
  await prepareHome(home);
  const farm = async (file: string, out: string) => {
    const r = await must(
      spawn('taskset', ['-c', '0', process.execPath, BIN, 'render', file, o.scene, `-q${o.quality}`, '--local', '1', '--keep', '0', '--json', '--out-dir', join(tmp, out)], { env: { ...process.env, NN_HOME: home, NN_LOG_LEVEL: 'warn' } }),
      `networknodes render ${out}`,
    );
    return { ms: r.ms, result: resultSchema.parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!)) };
  };
  const full = await farm(original!, 'full');
  const again = await farm(edited!, 'edit');
  console.log(`networknodes, 1 worker: full render ${(full.ms / 1000).toFixed(1)} s; after the edit ${(again.ms / 1000).toFixed(1)} s (${await sameFrames(again.result.outputs[0]!, truth)})`);
  printSegments(again.result);

  // plain manim with its own cache (no --disable_caching): the same media folder for both renders
  const media = join(tmp, 'manim-cache');
  const cached = (file: string) => ['render', file, o.scene, `-q${o.quality}`, '--encoder-option', 'threads=1', '--progress_bar', 'none', '--media_dir', media];
  const plainFull = await must(spawn('taskset', ['-c', '0', MANIM, ...cached(original!)], { env: driverEnv() }), 'plain manim');
  const plainEdit = await must(spawn('taskset', ['-c', '0', MANIM, ...cached(edited!)], { env: driverEnv() }), 'plain manim after the edit');
  console.log(`plain manim with its cache: full ${(plainFull.ms / 1000).toFixed(1)} s; after the edit ${(plainEdit.ms / 1000).toFixed(1)} s (${await sameFrames(findVideo(media, o.scene), truth)})`);
  console.log(`\nre-render after a one-play edit: ${(again.ms / full.ms).toFixed(2)} of the full render (target ≤ 0.15); manim's own cache: ${(plainEdit.ms / plainFull.ms).toFixed(2)}`);
}

const program = new Command('bench')
  .option('--file <file>', 'scene file', (f: string) => resolve(f), join(PROJECT_ROOT, 'examples', 'bench.py'))
  .option('--scene <name>', 'scene', 'Benchmark')
  .option('-q, --quality <q>', 'quality', 'm')
  .option('--lab <n>', 'emulated machines (root only)', Number)
  .option('--cpu <share>', 'CPU share of each lab machine', Number, 0.45)
  .option('--runs <n>', 'rounds of plain manim and the farm; the median ratio is kept', Number, 1)
  .option('--edit', 'then the edit round: one play edited and rendered again, from the play cache')
  .option('--edit-only', 'only the edit round')
  .parse();
const o = program.opts<Opts>();
if (!o.editOnly) await (o.lab ? lab(o, o.lab) : local(o));
if (o.edit || o.editOnly) await editRound(o);
