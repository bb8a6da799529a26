import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../runtime/services.ts';
import { describeIssues } from '../lib/zod-issues.ts';
import { retryJob } from '../store/retry.ts';
import { setJobPriority } from '../store/priority.ts';
import { prioritySchema } from '../model/priority.ts';

export const retryBodySchema = z.object({ scenes: z.enum(['failed', 'all']).default('failed') }).strict();
export const priorityBodySchema = z.object({ priority: prioritySchema }).strict();

/** A JSON body checked against `schema`; an empty body counts as `{}`. */
async function body<T>(req: Request, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  const text = await req.text();
  let raw: unknown = {};
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, error: 'body is not valid JSON' };
    }
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeIssues(parsed.error) };
}

/** `POST /jobs/:id/retry` and `POST /jobs/:id/priority` (mounted under /jobs, ids checked there). */
export function jobActionRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;

  app.post('/:id/retry', async (c) => {
    const b = await body(c.req.raw, retryBodySchema);
    if (!b.ok) return c.json({ error: b.error }, 400);
    const r = await retryJob(db, s.queue, c.req.param('id'), b.value.scenes, c.req.header('x-nn-source') ?? 'api');
    if (r.outcome === 'missing') return c.json({ error: 'no such job' }, 404);
    if (r.outcome === 'refused') return c.json({ error: r.message }, 409);
    return c.json({ id: r.id, url: `/jobs/${r.id}`, retryOf: c.req.param('id'), scenes: r.scenes }, 201);
  });

  app.post('/:id/priority', async (c) => {
    const b = await body(c.req.raw, priorityBodySchema);
    if (!b.ok) return c.json({ error: b.error }, 400);
    const r = await setJobPriority(db, c.req.param('id'), b.value.priority);
    if (r.outcome === 'missing') return c.json({ error: 'no such job' }, 404);
    if (r.outcome === 'finished') return c.json({ error: 'the job has already finished: there is no queued work to reorder' }, 409);
    return c.json({ id: c.req.param('id'), priority: b.value.priority, was: r.from });
  });

  return app;
}
