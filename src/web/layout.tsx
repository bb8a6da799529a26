import type { Child } from 'hono/jsx';
import type { listedNodes } from '../store/nodes.ts';
import type { listJobs } from '../store/jobs.ts';
import type { RunningSegment } from '../store/overview.ts';
import { heldWork } from './nodes.tsx';

/** The page around every view: head, top bar, the client module. */
export function page(title: string, body: Child): string {
  return '<!doctype html>' + String(
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{title}</title>
        <link rel="stylesheet" href="/ui/style.css" />
        <script type="module" src="/ui/app.js" />
      </head>
      <body>{body}</body>
    </html>,
  );
}

export function Brand({ cluster }: { cluster: string }) {
  return (
    <div class="brand">
      <span class="logo" aria-hidden="true">{Array.from({ length: 9 }, () => <i />)}</span>
      <span><b>NetworkNodes</b><span class="sub">{cluster}</span></span>
    </div>
  );
}

/** The numbers in the top bar. A node counts as rendering only while it holds a segment. */
export function Kpis({ nodes: listed, jobs, running }: { nodes: Awaited<ReturnType<typeof listedNodes>>; jobs: Awaited<ReturnType<typeof listJobs>>; running: Map<string, RunningSegment> }) {
  // Sleeping machines are listed, but count only once awake.
  const nodes = listed.filter((n) => n.power === 'awake');
  const segments = (n: (typeof nodes)[number]) => heldWork(n, running).filter((w) => w.seg).length;
  const rendering = nodes.filter((n) => segments(n) > 0).length;
  const free = nodes.filter((n) => n.state === 'online' && !n.offWork).reduce((s, n) => s + Math.max(0, n.concurrency - segments(n)), 0);
  const kpis: [string, string | number][] = [
    ['nodes', nodes.length],
    ['rendering', `${rendering}/${nodes.length}`],
    ['free slots', free],
    ['jobs running', jobs.filter((j) => j.state === 'running').length],
    ['queued', jobs.filter((j) => j.state === 'queued').length],
  ];
  return (
    <dl class="kpis">
      {kpis.map(([l, v]) => <div class="kpi"><dd class="v">{v}</dd><dt class="l">{l}</dt></div>)}
    </dl>
  );
}
