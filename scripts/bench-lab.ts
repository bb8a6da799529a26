/** The benchmark's lab rounds: plain manim on one emulated machine, then the farm on all of them. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { driverEnv } from '../src/driver/python.ts';
import { planSchema, type Play } from '../src/model/plan.ts';
import { fastForwardCost, playCost } from '../src/cutting/cost.ts';
import { openClusterClient } from '../src/cli/client.ts';
import { nodesSchema } from '../src/cli/job-schemas.ts';
import { parseJoinString } from '../src/lib/join-string.ts';
import { createLab, labUnavailable, type Lab, type LabHost } from './lab/lab.ts';
import { firstRenderBound, floorPlays, plainPlays, planningPlays, steppedBound, sum, type Planning } from './bench-floor.ts';
import { BIN, MANIM, manimArgs, median, must, printEncoders, printSegments, resultSchema, sameFrames, findVideo, sideBySide, type Opts, type Result } from './bench-common.ts';

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

/**
 * Where the cost model erred: per share, the CPU its plays took to draw (what the render recorded
 * in the scene's plan) against the model's estimate, beside its wall time. Read with psql on the
 * coordinator's machine, from its embedded Postgres.
 */
async function printShareCpu(lab: Lab, h0: LabHost, result: Result, planFile: string) {
  const pg = z.object({ port: z.number(), password: z.string() }).parse(JSON.parse(readFileSync(join(h0.home, 'postgres.json'), 'utf8')));
  const url = `postgresql://networknodes:${pg.password}@127.0.0.1:${pg.port}/postgres`;
  const query = `select plan from scenes where job_id = '${z.uuid().parse(result.job)}'`;
  const { stdout } = await must(lab.spawn(h0, ['psql', url, '-Atc', query]), 'reading the scene plan');
  const plan = planSchema.parse(JSON.parse(stdout));
  // every play's planning measures and drawn seconds, to weigh the model play by play
  writeFileSync(planFile, stdout);
  const pixels = plan.width * plan.height;
  for (const g of result.scenes.flatMap((s) => s.segments)) {
    if (g.slice || g.encodes) continue;
    const plays = plan.plays.filter((p) => p.index >= g.plays[0] && p.index <= g.plays[1]);
    const cpu = plays.reduce((t, p) => t + (p.drawnSeconds ?? 0), 0);
    const model = plays.reduce((t, { rememberedSeconds: _, ...p }) => t + playCost(p, pixels), 0) / 1e6;
    console.log(`    plays ${String(g.plays[0]).padStart(2)}-${String(g.plays[1]).padEnd(2)} drawn in ${cpu.toFixed(1)} s of CPU (the model: ${model.toFixed(1)} s), ${((g.ms ?? 0) / 1000).toFixed(1)} s on the wall clock`);
  }
  // what fast-forwarding over each play took (the last measure: a scout's, or a segment's after it)
  const forwarded = plan.plays.filter((p) => p.forwardSeconds !== undefined);
  const model = (p: Play) => fastForwardCost({ ...p, forwardSeconds: undefined }, pixels) / 1e6;
  if (forwarded.length) console.log(`    fast-forward per play, s of CPU (the model's): ${forwarded.map((p) => `${p.index}: ${p.forwardSeconds!.toFixed(2)} (${model(p).toFixed(2)})`).join(', ')}`);
  // and what the scouts had measured when the scene was cut: their fast-forward and their draw of
  // each play's middle frame, which steadied the planning pass's (cutting/draw-samples.ts)
  const measures = z.tuple([z.array(z.number()), z.array(z.number()).nullable()]);
  const scouts = await must(lab.spawn(h0, ['psql', url, '-Atc', `select json_build_array(forwarded, draw_samples) from segments where job_id = '${result.job}' and forwarded is not null`]), 'reading the scouts');
  for (const line of scouts.stdout.split('\n').filter(Boolean)) {
    const [seconds, draws] = measures.parse(JSON.parse(line));
    console.log(`    a scout's fast-forward per play, s of CPU: ${seconds.map((s) => s.toFixed(2)).join(', ')}`);
    if (draws) console.log(`    its middle frame's drawing per play, ms of CPU: ${draws.map((s) => (s * 1000).toFixed(0)).join(', ')}`);
  }
  console.log(`    the cut's drawing per play, ms of CPU: ${plan.plays.map((p) => (p.drawSeconds * 1000).toFixed(0)).join(', ')}`);
}

/** One lab round on lab machines of its own (fresh homes, so the farm plans the scene as a first
 *  render does): plain manim on one machine, then the farm on all. Returns the two wall times. */
async function labRound(o: Opts, cpus: number[], floorByPlay: number[], planning: Planning, tmp: string) {
  const n = cpus.length;
  const lab: Lab = await createLab({ hosts: n, cpu: cpus, prefix: 'nnbench' });
  try {
    const [h0] = lab.hosts as [LabHost, ...LabHost[]];
    const alone = await must(lab.spawn(h0, [MANIM, ...manimArgs(o, join(tmp, 'plain'))], { env: driverEnv() }), 'plain manim');
    const plainVideo = findVideo(join(tmp, 'plain'), o.scene);
    console.log(`plain manim render on ${cpus[0]} CPU: ${(alone.ms / 1000).toFixed(1)} s`);
    // The farm's machines all work at once, and a CPU quota alone on an idle box ran slower than beside
    // busy ones (the single play: 90.5 s alone, 73.6-75.3 s four at once). So plain manim runs on
    // every machine at once too, and the first machine's faster time is the baseline: never a
    // handicapped manim.
    const { runs: beside } = await sideBySide(lab.hosts.map((h) => must(lab.spawn(h, [MANIM, ...manimArgs(o, join(tmp, `beside-${h.name}`))], { env: driverEnv() }), `plain manim on ${h.name}`)), alone.ms, `all ${n} machines`);
    const [plain, plainMedia] = beside[0]!.ms < alone.ms ? [beside[0]!, `beside-${h0.name}`] : [alone, 'plain'];
    console.log(`plain manim's time, the faster on the first machine (${plain === alone ? 'alone' : 'beside the others'}): ${(plain.ms / 1000).toFixed(1)} s`);

    const coordinator = lab.spawn(h0, [process.execPath, BIN, 'up', '--host', h0.ip, '--port', '8787', '--workers', '1'], { env: { NN_HOME: h0.home, NN_LOG_LEVEL: 'warn' } });
    // The join string carries the URL, the token and the certificate's fingerprint (the API is HTTPS).
    const joinString = (await waitLine(coordinator, /networknodes join (nn1:\S+)/))[1]!;
    const client = await openClusterClient(parseJoinString(joinString));
    for (const h of lab.hosts.slice(1)) {
      const j = lab.spawn(h, [process.execPath, BIN, 'join', joinString, '--workers', '1', '--name', h.name], { env: { NN_HOME: h.home, NN_LOG_LEVEL: 'warn' } });
      await waitLine(j, /joined/);
    }
    // A node that printed "joined" may not be an online render slot yet: a plan cut before all are
    // would cut the scene for fewer machines than the lab has.
    for (let tries = 0; ; tries++) {
      const { nodes } = await client.call('/nodes', nodesSchema);
      const slots = nodes.filter((x) => x.state === 'online' && x.power === 'awake' && x.offWork === null).reduce((t, x) => t + x.concurrency, 0);
      if (slots >= n) break;
      if (tries > 600) throw new Error(`only ${slots} of ${n} render slots came online`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const render = (out: string, flags: string[] = [], file = o.file) =>
      must(
        spawn(process.execPath, [BIN, 'render', file, o.scene, `-q${o.quality}`, ...flags, '--join', joinString, '--json', '--out-dir', join(tmp, out)], { env: { ...process.env, NN_LOG_LEVEL: 'warn' } }),
        'networknodes render',
      );
    // Plain manim's work spread over every machine by its share of a core; the floor on the fastest.
    // (The stepped bounds assume machines alike: NaN on a mixed lab.)
    const bound = Math.max((sum(floorByPlay) * 1000 * cpus[0]!) / Math.max(...cpus), (plain.ms * cpus[0]!) / sum(cpus));
    const alike = cpus.every((c) => c === cpus[0]);
    const plainByPlay = plainPlays(join(tmp, plainMedia), o.scene, plain.startedMs);
    const stepped = alike ? steppedBound(floorByPlay, plainByPlay, n) * 1000 : NaN;
    const first = alike ? firstRenderBound(floorByPlay, plainByPlay, n, planning) * 1000 : NaN;
    /** A farm render's time and output, where each machine's time went, and the job's events (the
     *  cut, each start, extension and steal) kept in a file to read how the time went. */
    const report = async (what: string, out: string, r: { ms: number; stdout: string }, own = { ms: stepped, what: 'the bound with each machine stepping to its share' }, truth = plainVideo) => {
      const result = resultSchema.parse(JSON.parse(r.stdout.trim().split('\n').at(-1)!));
      const detail = await client.call(`/jobs/${result.job}`, z.object({ createdAt: z.string(), finishedAt: z.string(), scenes: z.array(z.object({ segments: z.array(z.object({ node: z.string().nullable(), startedAt: z.string().nullable(), finishedAt: z.string().nullable() })) })) }));
      console.log(`networknodes, ${n} machines${what}: ${(r.ms / 1000).toFixed(1)} s  (${await sameFrames(result.outputs[0]!, truth)})`);
      printSegments(result);
      printEncoders(result, plain.ms);
      const plan = join(tmp, `${out}-plan.json`);
      await printShareCpu(lab, h0, result, plan);
      const events = join(tmp, `${out}-events.txt`);
      await client.download(`/jobs/${result.job}/events`, events);
      // the cut: each running render's share, where it was and the rate the cut weighed it at
      const cuts = readFileSync(events, 'utf8').split('\n').filter((l) => l.includes('"type":"segment.cut"')).map((l) => z.object({ data: z.object({ plays: z.tuple([z.number(), z.number()]), at: z.number().nullish(), rate: z.number().nullish() }), at: z.string() }).parse(JSON.parse(l.slice('data: '.length))));
      if (cuts.length) console.log(`  the cut, ${((Date.parse(cuts[0]!.at) - Date.parse(detail.createdAt)) / 1000).toFixed(1)} s in: ${cuts.map((c) => `plays ${c.data.plays.join('-')} to a render at play ${c.data.at ?? '?'} weighed at ${c.data.rate ?? '?'}`).join('; ')}`);
      console.log(`  the job's events: ${events}; its scene's plan: ${plan}`);
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
      console.log(`  ${(plain.ms / r.ms).toFixed(2)}× faster; ${((bound / r.ms) * 100).toFixed(0)} % of the bound ${(bound / 1000).toFixed(1)} s${alike ? `; ${((own.ms / r.ms) * 100).toFixed(0)} % of ${(own.ms / 1000).toFixed(1)} s, ${own.what}` : ''}`);
      return own.ms / r.ms;
    };
    const r = await render('farm');
    const own = await report('', 'farm', r, { ms: first, what: `the bound of a first render (its cut waits for the planning pass, at least ${(sum(planning.plays)).toFixed(1)} s)` });
    // As an author renders again: cut at once from the first render's plan and play times, every play drawn.
    if (o.again) await report(', rendered again (--disable_caching: plan and play times remembered, nothing served from the play cache)', 'again', await render('again', ['--disable_caching']));
    // As an author renders after an edit: cut at once from the earlier version's plan where it holds.
    if (o.againEdited) {
      const [from, to] = o.againEdited.split('=>');
      const source = readFileSync(o.file, 'utf8');
      if (!from || to === undefined || !source.includes(from)) throw new Error(`--again-edited: ${o.file} has no \`${from}\` to replace ('FROM=>TO')`);
      const edited = join(tmp, 'edited', basename(o.file));
      mkdirSync(dirname(edited), { recursive: true });
      writeFileSync(edited, source.replace(from, to));
      const plainEdited = await must(lab.spawn(h0, [MANIM, ...manimArgs({ ...o, file: edited }, join(tmp, 'plain-edited'))], { env: driverEnv() }), 'plain manim of the edited file');
      console.log(`plain manim render of the edited file on ${cpus[0]} CPU: ${(plainEdited.ms / 1000).toFixed(1)} s`);
      const cache = o.editedCached ? 'the play cache on' : '--disable_caching';
      await report(`, after the edit (${cache}; against plain of the edited file, ${(plainEdited.ms / 1000).toFixed(1)} s)`, 'edited', await render('edited', o.editedCached ? [] : ['--disable_caching'], edited), undefined, findVideo(join(tmp, 'plain-edited'), o.scene));
    }
    return { speedup: plain.ms / r.ms, bound: bound / r.ms, own };
  } finally {
    await lab.destroy();
  }
}

/** `runs` lab rounds, each plain manim then the farm, so the two alternate; the medians are kept. */
export async function lab(o: Opts, n: number) {
  const why = labUnavailable();
  if (why) throw new Error(`--lab needs the lab: ${why}`);
  const cpus = o.cpu.length === 1 ? Array<number>(n).fill(o.cpu[0]!) : o.cpu;
  if (cpus.length !== n || !cpus.every((c) => c >= 0.01)) throw new Error(`--cpu: one share of a core (at least 0.01) for all ${n} machines, or one for each; got ${o.cpu.join(',')}`);
  const machines = o.cpu.length === 1 ? `${n} machines of ${cpus[0]} CPU each` : `${n} machines of ${cpus.join(', ')} CPU`;
  const tmp = mkdtempSync(join(tmpdir(), 'nn-bench-lab-'));
  console.log(`benchmark in the lab: ${machines}; ${o.file} ${o.scene} -q${o.quality}, ${o.runs} round(s)`);
  // The floor measured on a whole core here, scaled to the first lab machine's share of one (plain manim's).
  const floorByPlay = (await floorPlays(o.file, o.scene, o.quality, join(tmp, 'floor'))).map((s) => s / cpus[0]!);
  console.log(`floor (the exact progression, nothing drawn) ${sum(floorByPlay).toFixed(1)} s on ${cpus[0]} CPU`);
  // The planning pass's own work, measured the same way.
  const planned = await planningPlays(o.file, o.scene, o.quality, join(tmp, 'planning'));
  const planning = { ...planned, plays: planned.plays.map((s) => s / cpus[0]!) };
  console.log(`the planning pass's own work (the scene's code, a step a play) ${sum(planning.plays).toFixed(1)} s on ${cpus[0]} CPU; its paused copies reach play ${planning.exactUntil}`);
  const rounds: { speedup: number; bound: number; own: number }[] = [];
  for (let round = 1; round <= o.runs; round++) {
    if (o.runs > 1) console.log(`round ${round}:`);
    rounds.push(await labRound(o, cpus, floorByPlay, planning, join(tmp, `round${round}`)));
  }
  const each = (k: 'speedup' | 'bound' | 'own') => (o.runs > 1 ? ` (rounds: ${rounds.map((r) => (k === 'speedup' ? r[k].toFixed(2) : `${(r[k] * 100).toFixed(0)} %`)).join(', ')})` : '');
  console.log(`\n${machines} vs plain manim on the first: ${median(rounds.map((r) => r.speedup)).toFixed(2)}× faster (target ≥ 3.4 for the benchmark scene, ≥ 2.5 for a single play; limit ${n})${each('speedup')}`);
  console.log(`vs the bound max(floor, plain ÷ ${n}): ${(median(rounds.map((r) => r.bound)) * 100).toFixed(0)} % of it (target ≥ 80 %)${each('bound')}`);
  console.log(`vs the bound of a first render (each machine stepping the exact progression to its share, the cut waiting for the planning pass): ${(median(rounds.map((r) => r.own)) * 100).toFixed(0)} % of it${each('own')}`);
}
