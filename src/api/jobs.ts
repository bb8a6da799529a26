import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { limitBody } from './body-limit.ts';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Services } from '../runtime/services.ts';
import { parseJobRequest } from './job-request.ts';
import { RequestError } from '../model/render-request.ts';
import { createJob, getJobDetail, listJobs, cancelJob, getJobRow } from '../store/jobs.ts';
import { TERMINAL_JOB_STATES } from '../model/states.ts';
import { eventsSince } from '../store/events.ts';
import { listArtifacts } from '../store/artifacts.ts';
import { liveNodes } from '../store/nodes.ts';
import { scenes } from '../db/schema.ts';
import { serveArtifact, serveTar } from './output.ts';
import { jobActionRoutes } from './retry.ts';

const idParam = z.uuid();
const limitParam = z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(1000));
/** An SSE event id (Last-Event-ID). */
export const seqParam = z.string().regex(/^\d{1,15}$/).transform(Number);

export function jobRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;

  app.post(
    '/',
    limitBody(s.config.maxUploadBytes, `upload too large: the limit is ${s.config.maxUploadBytes} bytes (config maxUploadBytes)`),
    async (c) => {
      try {
        const req = await parseJobRequest(c.req.raw, s.config.render, 4 * s.config.maxUploadBytes);
        if (req.kind === 'function') {
          const live = await liveNodes(db);
          if (!live.some((n) => n.functions.includes(req.function))) {
            return c.json({ error: `function: no live node registers a function named "${req.function}"` }, 400);
          }
        }
        const id = await createJob(db, s.queue, req, c.req.header('x-nn-source') ?? 'api');
        return c.json({ id, url: `/jobs/${id}` }, 201);
      } catch (err) {
        if (err instanceof RequestError) return c.json({ error: err.message }, err.status);
        throw err;
      }
    },
  );

  app.get('/', async (c) => {
    const { trigger, commit } = c.req.query();
    if (commit !== undefined && !/^[0-9a-f]{4,64}$/.test(commit)) return c.json({ error: 'commit: a commit id or its first digits (at least 4, lower-case hex)' }, 400);
    const limit = limitParam.safeParse(c.req.query('limit') ?? '50');
    if (!limit.success) return c.json({ error: `limit must be a whole number from 1 to 1000, got ${JSON.stringify(c.req.query('limit')?.slice(0, 50))}` }, 400);
    return c.json({ jobs: await listJobs(db, limit.data, { trigger, commit }) });
  });

  app.use('/:id/*', async (c, next) => {
    if (!idParam.safeParse(c.req.param('id')).success) return c.json({ error: 'job id must be a UUID' }, 400);
    await next();
  });
  app.get('/:id', async (c) => {
    if (!idParam.safeParse(c.req.param('id')).success) return c.json({ error: 'job id must be a UUID' }, 400);
    const job = await getJobDetail(db, c.req.param('id'));
    return job ? c.json(job) : c.json({ error: 'no such job' }, 404);
  });

  app.route('/', jobActionRoutes(s));

  app.post('/:id/cancel', async (c) => {
    const outcome = await cancelJob(db, s.queue, c.req.param('id'));
    if (outcome === 'missing') return c.json({ error: 'no such job' }, 404);
    if (outcome === 'finished') return c.json({ error: 'the job has already finished' }, 409);
    return c.json({ id: c.req.param('id'), state: 'cancelled' });
  });

  /** Server-Sent Events: the job's history from Last-Event-ID on, then live, until it ends. */
  app.get('/:id/events', async (c) => {
    const id = c.req.param('id');
    if (!(await getJobRow(db, id))) return c.json({ error: 'no such job' }, 404);
    const after = c.req.header('last-event-id') ?? c.req.query('after');
    const from = seqParam.safeParse(after ?? '0');
    if (!from.success) return c.json({ error: `Last-Event-ID (or after) must be an event id, a whole number, got ${JSON.stringify(after?.slice(0, 50))}` }, 400);
    let last = from.data;
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const onNotify = () => wake();
      s.hub.on(id, onNotify);
      stream.onAbort(() => wake());
      try {
        while (!stream.aborted) {
          const pending = new Promise<void>((r) => (wake = r));
          for (const e of await eventsSince(db, id, last)) {
            await stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify({ ...e, jobId: id }) });
            last = e.seq;
          }
          const job = await getJobRow(db, id);
          if (!job || TERMINAL_JOB_STATES.includes(job.state)) {
            if (!(await eventsSince(db, id, last)).length) break;
            continue;
          }
          await Promise.race([pending, new Promise((r) => setTimeout(r, 15_000))]);
        }
      } finally {
        s.hub.off(id, onNotify);
      }
    });
  });

  /** The scene's video (Range-capable), or a tar of its PNG frames; `/:scene/:file` for one file. */
  app.get('/:id/output/:scene/:file{.+}?', async (c) => {
    const id = c.req.param('id');
    const sceneParam = decodeURIComponent(c.req.param('scene'));
    const sceneName = sceneParam.replace(/\.[a-z0-9]+$/i, '');
    const [scene] = await db.select().from(scenes).where(and(eq(scenes.jobId, id), eq(scenes.name, sceneName)));
    if (!scene) return c.json({ error: `job ${id} has no scene named ${sceneName}` }, 404);
    const outputs = await listArtifacts(db, { sceneId: scene.id, kind: 'output' });
    if (!outputs.length) return c.json({ error: `scene ${sceneName} has no output yet (state: ${scene.state})` }, 409);
    const file = c.req.param('file');
    if (file) {
      const one = outputs.find((o) => o.name === `${sceneName}/${file}` || o.name === file);
      return one ? serveArtifact(c, db, one) : c.json({ error: `scene ${sceneName} has no output file ${file}` }, 404);
    }
    const movie = outputs.find((o) => o.name.startsWith(`${sceneName}.`));
    if (movie) return serveArtifact(c, db, movie);
    return serveTar(c, db, outputs, sceneName);
  });

  /** Poster frames of a job's finished segments (small WebP), for the dashboard. */
  app.get('/:id/posters', async (c) => {
    const rows = await listArtifacts(db, { jobId: c.req.param('id'), kind: 'poster' });
    return c.json({ posters: rows.map((p) => ({ id: p.id, sceneId: p.sceneId, segment: p.position, url: `/jobs/${c.req.param('id')}/posters/${p.id}` })) });
  });
  app.get('/:id/posters/:artifact', async (c) => {
    const rows = await listArtifacts(db, { jobId: c.req.param('id'), kind: 'poster' });
    const one = rows.find((p) => p.id === c.req.param('artifact'));
    return one ? serveArtifact(c, db, one) : c.json({ error: 'no such poster' }, 404);
  });

  app.get('/:id/outputs', async (c) => c.json({ outputs: await listArtifacts(db, { jobId: c.req.param('id'), kind: 'output' }) }));

  return app;
}
