import { Hono } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import type { Services } from '../runtime/services.ts';
import { jobs, scenes } from '../db/schema.ts';
import { listTriggerRuns } from '../store/trigger-runs.ts';

/** The configured triggers (without their secrets) and what their runs did. */
export function triggerRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;
  app.get('/', async (c) => {
    const { git, crons } = s.config.triggers;
    const limit = Math.min(Number(c.req.query('limit') ?? 100) || 100, 1000);
    return c.json({
      triggers: [
        ...git.map(({ secret: _, ...t }) => ({ kind: 'git' as const, ...t, hook: `/hooks/git/${encodeURIComponent(t.name)}` })),
        ...crons.map((t) => ({ kind: 'cron' as const, ...t })),
      ],
      runs: await listTriggerRuns(db, { trigger: c.req.query('trigger'), limit }),
    });
  });
  return app;
}

/** A stable URL for the latest successful output of a trigger's scene: a redirect to that job's output. */
export function latestRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;
  app.get('/:trigger/:scene/:file{.+}?', async (c) => {
    const { trigger, file } = c.req.param();
    const sceneParam = c.req.param('scene');
    const name = sceneParam.replace(/\.[a-z0-9]+$/i, '');
    const [latest] = await db
      .select({ jobId: scenes.jobId })
      .from(scenes)
      .innerJoin(jobs, eq(jobs.id, scenes.jobId))
      .where(and(eq(jobs.trigger, trigger), eq(scenes.name, name), eq(scenes.state, 'succeeded')))
      .orderBy(desc(jobs.createdAt)) // the newest job with a success, even if an older one finished later
      .limit(1);
    if (!latest) return c.json({ error: `trigger ${trigger} has no successful render of scene ${name} yet` }, 404);
    const rest = file ? `/${file.split('/').map(encodeURIComponent).join('/')}` : '';
    return c.redirect(`/jobs/${latest.jobId}/output/${encodeURIComponent(sceneParam)}${rest}`, 302);
  });
  return app;
}
