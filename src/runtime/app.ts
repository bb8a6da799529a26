import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { limitBody } from '../api/body-limit.ts';
import type { Services } from './services.ts';
import { requireToken } from '../api/auth.ts';
import { jobRoutes } from '../api/jobs.ts';
import { nodeRoutes } from '../api/nodes.ts';
import { cacheRoutes } from '../api/cache.ts';
import { hookRoutes } from '../api/hooks.ts';
import { latestRoutes, triggerRoutes } from '../api/triggers.ts';
import { clusterProofRoutes, clusterRoutes } from '../api/cluster.ts';
import { openApiDocument } from '../api/openapi.ts';
import { log } from '../lib/log.ts';
import { VERSION } from '../model/version.ts';
import { clusterEventRoutes } from '../api/events.ts';
import { openWebRoutes, webRoutes } from '../web/routes.tsx';

/** A function's input is a small JSON object (ids, names); files go through POST /jobs. */
const FUNCTION_BODY_BYTES = 1024 * 1024;

/** One node's HTTP runtime: the health check, its registered functions and the API. */
export function createApp(s: Services): Hono {
  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true, node: s.nodeId, version: VERSION }));
  // The web page: its assets and login form are open, `/` shows the login form until the cookie is set.
  app.route('/', openWebRoutes(s));
  // Forges cannot send the token: a push is authenticated by its trigger's secret.
  app.route('/hooks', hookRoutes(s));
  app.route('/cluster/proof', clusterProofRoutes(s));
  app.use('*', requireToken(s.token));

  app.post(
    '/functions/:name',
    limitBody(FUNCTION_BODY_BYTES, `function input too large: the limit is ${FUNCTION_BODY_BYTES} bytes`),
    async (c) => {
      const fn = s.functions.get(c.req.param('name'));
      if (!fn) return c.json({ error: `no function named "${c.req.param('name')}" is registered on this node` }, 404);
      return fn.fetch(c.req.raw, s.envFor());
    },
  );
  app.route('/cluster', clusterRoutes(s));
  app.route('/', webRoutes(s));
  app.route('/events', clusterEventRoutes(s));
  app.route('/jobs', jobRoutes(s));
  app.route('/nodes', nodeRoutes(s));
  app.route('/cache', cacheRoutes(s));
  app.route('/triggers', triggerRoutes(s));
  app.route('/latest', latestRoutes(s));
  app.get('/openapi.json', (c) => c.json(openApiDocument(VERSION)));

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    log.error({ err, path: c.req.path }, 'request failed');
    return c.json({ error: `internal error: ${err.message}` }, 500);
  });
  return app;
}
