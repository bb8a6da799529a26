import { Hono } from 'hono';
import { z } from 'zod';
import type { Services } from '../runtime/services.ts';
import { clusterProof, NONCE_PATTERN } from '../lib/cert.ts';
import { VERSION } from '../model/version.ts';

const proofRequest = z.strictObject({ nonce: z.string().regex(NONCE_PATTERN, 'nonce: 64 lower-case hex characters (32 random bytes)') });
const NOT_COORDINATOR = 'this node is not a coordinator: join the URL `networknodes up` printed';

/**
 * Open to all: a node that found this coordinator over mDNS sends a nonce, and checks the answer
 * before it sends the token. The answer reveals nothing of the token (an HMAC of a fresh nonce).
 */
export function clusterProofRoutes(s: Services): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    if (!s.cluster) return c.json({ error: NOT_COORDINATOR }, 404);
    const parsed = proofRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]!.message }, 400);
    return c.json({ proof: clusterProof(s.token, parsed.data.nonce, s.fingerprint), fingerprint: s.fingerprint });
  });
  return app;
}

/** For a node that sent the token: where the database is and how to trust it. */
export function clusterRoutes(s: Services): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    if (!s.cluster) return c.json({ error: NOT_COORDINATOR }, 404);
    const host = new URL(c.req.url).hostname.replace(/^\[|\]$/g, '');
    return c.json({
      name: s.cluster.name, version: VERSION, stack: s.cluster.stack ?? null,
      databaseUrl: s.cluster.databaseUrlFor(host), databaseCertificate: s.cluster.databaseCertificate ?? null,
    });
  });
  return app;
}
