import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../runtime/services.ts';
import { loggedIn } from '../api/auth.ts';
import { listedNodes } from '../store/nodes.ts';
import { getJobDetail, listJobs } from '../store/jobs.ts';
import { listArtifacts } from '../store/artifacts.ts';
import { jobsProgress, runningSegments } from '../store/overview.ts';
import { Brand, Kpis, page } from './layout.tsx';
import { NodesTable } from './nodes.tsx';
import { JobList } from './jobs.tsx';
import { JobView } from './job.tsx';
import { SubmitForm } from './submit.tsx';
import { loginPage, loginRoutes, logoutRoute } from './login.tsx';
import { clientScript, clientStyle } from './assets.ts';

const PARTS = ['kpis', 'nodes', 'jobs', 'job'] as const;
type Part = (typeof PARTS)[number];
const partsQuery = z.object({
  want: z.string().default(PARTS.join(',')).transform((w) => w.split(',')).pipe(z.array(z.enum(PARTS))),
  job: z.uuid().optional(),
});

/** Everything the page shows, rendered to HTML per region: the whole page uses them, and the client
 *  asks for the regions an event touched and swaps them in. */
async function renderParts(s: Services, want: Part[], jobId?: string): Promise<Partial<Record<Part, string>>> {
  const db = s.database.db;
  const now = Date.now();
  const out: Partial<Record<Part, string>> = {};
  const nodes = want.includes('kpis') || want.includes('nodes') ? await listedNodes(db) : [];
  const jobs = want.includes('kpis') || want.includes('jobs') ? await listJobs(db, 50) : [];
  const running = new Map(nodes.length ? (await runningSegments(db)).map((r) => [r.id, r]) : []);
  if (want.includes('kpis')) out.kpis = String(<Kpis nodes={nodes} jobs={jobs} running={running} />);
  if (want.includes('nodes')) {
    out.nodes = String(<NodesTable nodes={nodes} running={running} now={now} />);
  }
  if (want.includes('jobs')) {
    const progress = await jobsProgress(db, jobs.map((j) => j.id));
    out.jobs = String(<JobList jobs={jobs} progress={progress} selected={jobId} now={now} />);
  }
  if (want.includes('job')) {
    const job = jobId ? await getJobDetail(db, jobId) : undefined;
    const posters = job ? await listArtifacts(db, { jobId: job.id, kind: 'poster' }) : [];
    out.job = job
      ? String(<JobView job={job} posters={posters} now={now} />)
      : String(<p class="empty">{jobId ? 'No such job.' : 'Pick a job on the left to see its scenes, timeline and videos.'}</p>);
  }
  return out;
}

/** The page's routes that need no login: the assets, the login form, and `/` (the login page until
 *  the browser holds the cookie). */
export function openWebRoutes(s: Services): Hono {
  const app = new Hono();
  const cluster = s.config.name;
  app.get('/ui/app.js', async (c) => c.body(await clientScript(), 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/ui/style.css', async (c) => c.body(await clientStyle(), 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));
  app.route('/', loginRoutes(s.token, cluster));
  app.get('/', async (c) => {
    if (!loggedIn(c, s.token)) return c.html(loginPage(cluster));
    const q = partsQuery.safeParse(c.req.query());
    const jobId = q.success ? q.data.job : undefined;
    const parts = await renderParts(s, [...PARTS], jobId);
    const region = (id: Part, extra: Record<string, string> = {}) => <div id={id} {...extra} dangerouslySetInnerHTML={{ __html: parts[id] ?? '' }} />;
    return c.html(page(`NetworkNodes · ${cluster}`, (
      <>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
          <Brand cluster={cluster} />
          {region('kpis')}
          <span class="live" id="live" role="status"><i class="dot stale" aria-hidden="true" /><span>connecting…</span></span>
          <button type="button" class="ghost small" data-post="/logout">Log out</button>
        </header>
        <main id="main" data-job={jobId ?? ''}>
          <section aria-labelledby="nodes-h" class="nodes-section">
            <h2 id="nodes-h">Nodes</h2>
            {region('nodes')}
          </section>
          <div class="work">
            <div class="side">
              <SubmitForm defaults={s.config.render} />
              <section aria-labelledby="jobs-h">
                <h2 id="jobs-h">Jobs</h2>
                {region('jobs')}
              </section>
            </div>
            <section aria-label="Job" class="job-pane">{region('job')}</section>
          </div>
        </main>
      </>
    )));
  });
  return app;
}

/** `GET /ui/parts?want=nodes,jobs&job=ID` (the regions as HTML) and `POST /logout`, behind the token. */
export function webRoutes(s: Services): Hono {
  const app = new Hono();
  app.get('/ui/parts', async (c) => {
    const q = partsQuery.safeParse(c.req.query());
    if (!q.success) return c.json({ error: `want: some of ${PARTS.join(', ')}; job: a job id` }, 400);
    return c.json(await renderParts(s, q.data.want, q.data.job));
  });
  logoutRoute(app);
  return app;
}
