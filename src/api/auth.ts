import { bearerAuth } from 'hono/bearer-auth';
import type { MiddlewareHandler } from 'hono';

/** Every route but the health check needs the cluster token. */
export function requireToken(token: string): MiddlewareHandler {
  return bearerAuth({
    token,
    noAuthenticationHeaderMessage: { error: 'missing cluster token: send "Authorization: Bearer <token>" (networknodes up prints it)' },
    invalidAuthenticationHeaderMessage: { error: 'malformed Authorization header: expected "Bearer <token>"' },
    invalidTokenMessage: { error: 'wrong cluster token' },
  });
}
