import { Hono } from 'hono';
import { setCookie, deleteCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { CSRF_COOKIE, sameSecret, TOKEN_COOKIE } from '../api/auth.ts';
import { Brand, page } from './layout.tsx';

const loginForm = z.object({ token: z.string().min(1).max(500) });
const COOKIE = { path: '/', sameSite: 'Strict', maxAge: 30 * 24 * 3600 } as const;

export function loginPage(cluster: string, error?: string): string {
  return page('Log in · NetworkNodes', (
    <main class="gate">
      <form method="post" action="/login" class="card" id="login">
        <Brand cluster={cluster} />
        <h1>Log in</h1>
        <p class="muted">Paste the cluster token that <code>networknodes up</code> printed (or run <code>networknodes open</code>).</p>
        <label for="token">Cluster token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus aria-describedby={error ? 'login-error' : undefined} />
        {error ? <p id="login-error" class="error-text" role="alert">{error}</p> : ''}
        <button type="submit" class="primary">Log in</button>
      </form>
    </main>
  ));
}

/** `POST /login` (the token, from the form) sets the HttpOnly login cookie and a CSRF cookie;
 *  hono's csrf() refuses a form posted from another origin (no logging a browser into another farm). */
export function loginRoutes(token: string, cluster: string): Hono {
  const app = new Hono();
  app.post('/login', csrf(), async (c) => {
    const form = loginForm.safeParse(await c.req.parseBody());
    if (!form.success || !sameSecret(form.data.token, token)) return c.html(loginPage(cluster, 'That is not the cluster token.'), 401);
    setCookie(c, TOKEN_COOKIE, token, { ...COOKIE, httpOnly: true });
    setCookie(c, CSRF_COOKIE, randomBytes(18).toString('base64url'), COOKIE);
    return c.redirect('/', 303);
  });
  return app;
}

/** `POST /logout` (behind the token check, so the CSRF header is needed): forgets both cookies. */
export function logoutRoute(app: Hono): void {
  app.post('/logout', (c) => {
    deleteCookie(c, TOKEN_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
}
