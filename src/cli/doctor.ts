import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { statfsSync } from 'node:fs';
import { databaseProblem } from '../db/problem.ts';
import { driverInfo, runDriverOnce } from '../driver/info.ts';
import { smokeSchema } from '../driver/protocol.ts';
import { pythonPath } from '../driver/python.ts';

interface Check {
  what: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

function version(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return undefined;
  }
}

/** A real render per feature at 128x72: versions that install fine can still not work together
 *  (Pillow 13 breaks manim 0.22's images). */
async function smokeRender(setup: string, latexFix: string): Promise<Check[]> {
  const { features } = smokeSchema.parse(await runDriverOnce('smoke', {}, 180_000));
  return features.map((f) => ({
    what: `render: ${f.feature}`,
    ok: f.ok,
    detail: f.ok ? `rendered (${f.seconds} s)` : f.error ?? 'failed',
    fix: f.feature === 'MathTex' ? `${latexFix}; else ${setup}` : setup,
  }));
}

/** The home's disk (renders, caches and an embedded Postgres live there) and its Postgres's state. */
function homeChecks(home: string): Check[] {
  const { bavail, bsize } = statfsSync(home);
  const free = bavail * bsize;
  const problem = databaseProblem(home);
  return [
    { what: 'disk of the home', ok: free > 2 ** 30, detail: `${(free / 2 ** 30).toFixed(1)} GiB free in ${home}`, fix: 'free space there, or `networknodes gc` to delete old jobs (config `retention`)' },
    ...(problem ? [{ what: 'embedded Postgres', ok: false, detail: `${problem.message} (${problem.at})`, fix: 'free space on its disk; `networknodes gc` once it runs again' }] : []),
  ];
}

/** What this node has for rendering, and for anything missing, the command that fixes it. */
export async function runDoctor(json: boolean, home: string): Promise<number> {
  const checks: Check[] = [];
  const setup = 'npm run setup';
  checks.push({ what: 'node', ok: Number(process.versions.node.split('.')[0]) >= 20, detail: process.version, fix: 'install Node.js 20 or newer' });
  try {
    const info = await driverInfo();
    checks.push({ what: 'python', ok: true, detail: `${info.python} (${pythonPath()})` });
    checks.push({ what: 'manim', ok: info.manim === '0.22.0', detail: info.manim, fix: setup });
    checks.push({ what: 'av', ok: true, detail: info.av });
    checks.push({ what: 'pycairo / cairo', ok: true, detail: `${info.pycairo} / ${info.cairo}` });
    checks.push({ what: 'numpy', ok: true, detail: info.numpy });
    checks.push({ what: 'pillow', ok: true, detail: info.pillow });
    checks.push({ what: 'render stack', ok: true, detail: info.stack });
    const latexFix = 'sudo apt-get install texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm';
    checks.push({ what: 'LaTeX (for Tex/MathTex)', ok: info.latex && info.dvisvgm, detail: `latex ${info.latex ? 'yes' : 'no'}, dvisvgm ${info.dvisvgm ? 'yes' : 'no'}`, fix: latexFix });
    checks.push(...(await smokeRender(setup, latexFix)));
  } catch (err) {
    checks.push({ what: 'python + manim', ok: false, detail: (err as Error).message, fix: setup });
  }
  const ff = version('ffmpeg', ['-version']);
  checks.push({ what: 'ffmpeg', ok: !!ff, detail: ff ?? 'not found', fix: 'sudo apt-get install ffmpeg' });
  checks.push({ what: 'cores', ok: true, detail: `${cpus().length} (${(totalmem() / 2 ** 30).toFixed(1)} GiB)` });
  checks.push(...homeChecks(home));

  if (json) process.stdout.write(JSON.stringify({ ok: checks.every((c) => c.ok), checks }) + '\n');
  else {
    for (const c of checks) {
      process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.what.padEnd(24)} ${c.detail}\n`);
      if (!c.ok && c.fix) process.stdout.write(`    fix: ${c.fix}\n`);
    }
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}
