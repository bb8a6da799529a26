import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerAuth } from 'hono/bearer-auth';
import { getCookie } from 'hono/cookie';
import type { Context, MiddlewareHandler } from 'hono';

/** The web page's login: the cluster token in an HttpOnly cookie (src/web/login.tsx sets it). */
export const TOKEN_COOKIE = 'nn_token';
/** Double-submit CSRF guard: a random value in a cookie the page reads and echoes in CSRF_HEADER. */
export const CSRF_COOKIE = 'nn_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Compares secrets in constant time (over their digests, so lengths may differ). */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** Whether the request carries the login cookie with the right token. */
export function loggedIn(c: Context, token: string): boolean {
  const cookie = getCookie(c, TOKEN_COOKIE);
  return cookie !== undefined && sameSecret(cookie, token);
}

/**
 * Every route but the health check needs the cluster token: as "Authorization: Bearer" (CLI, curl)
 * or as the page's login cookie. A cookie is sent by the browser whoever asks, so a state-changing
 * request with it must also echo the CSRF cookie in a header, which another site cannot read.
 */
export function requireToken(token: string): MiddlewareHandler {
  const bearer = bearerAuth({
    token,
    noAuthenticationHeaderMessage: { error: 'missing cluster token: send "Authorization: Bearer <token>" (networknodes up prints it)' },
    invalidAuthenticationHeaderMessage: { error: 'malformed Authorization header: expected "Bearer <token>"' },
    invalidTokenMessage: { error: 'wrong cluster token' },
  });
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined || getCookie(c, TOKEN_COOKIE) === undefined) return bearer(c, next);
    if (!loggedIn(c, token)) return c.json({ error: 'wrong cluster token in the login cookie: log in again' }, 401);
    if (!SAFE_METHODS.has(c.req.method)) {
      const csrf = getCookie(c, CSRF_COOKIE);
      if (!csrf || !sameSecret(c.req.header(CSRF_HEADER) ?? '', csrf)) {
        return c.json({ error: `cross-site request refused: with the login cookie, send the ${CSRF_COOKIE} cookie's value in the ${CSRF_HEADER} header` }, 403);
      }
    }
    await next();
  };
}
