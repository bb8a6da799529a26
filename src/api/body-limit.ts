import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * Hono's body limit with a 413 that names what is too large. The answer comes before the rest of
 * the body is read, so the connection cannot carry another request: `Connection: close` tells the
 * client, or its pool would send the next request on a socket the server is closing.
 */
export function limitBody(maxSize: number, tooLarge: string): MiddlewareHandler {
  return bodyLimit({ maxSize, onError: (c) => c.json({ error: tooLarge }, 413, { connection: 'close' }) });
}
