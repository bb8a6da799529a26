import { Hono } from 'hono';
import type { Services } from '../runtime/services.ts';
import { liveNodes } from '../store/nodes.ts';

export function nodeRoutes(s: Services): Hono {
  const app = new Hono();
  app.get('/', async (c) => {
    const rows = await liveNodes(s.database.db);
    return c.json({
      nodes: rows.map((n) => ({
        id: n.id,
        name: n.name,
        hostname: n.hostname,
        addresses: n.addresses,
        os: n.os,
        cores: n.cores,
        memoryBytes: n.memoryBytes,
        versions: n.versions,
        functions: n.functions,
        concurrency: n.concurrency,
        state: n.state,
        coordinator: n.coordinator,
        current: n.current,
        lastSeen: n.lastSeen,
      })),
    });
  });
  return app;
}
