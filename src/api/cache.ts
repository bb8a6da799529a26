import { Hono } from 'hono';
import type { Services } from '../runtime/services.ts';
import { cacheStats, clearCache } from '../store/play-cache.ts';

/** `GET /cache`: what the farm's play cache holds; `DELETE /cache`: empty it (every scene's plays). */
export function cacheRoutes(s: Services): Hono {
  const app = new Hono();
  const db = s.database.db;
  app.get('/', async (c) => c.json({ ...(await cacheStats(db)), maxBytes: s.config.cache.maxBytes }));
  app.delete('/', async (c) => c.json({ deleted: await clearCache(db) }));
  return app;
}
