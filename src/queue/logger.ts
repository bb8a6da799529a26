import { Logger } from 'graphile-worker';
import { log } from '../lib/log.ts';

/** graphile-worker's own logging, routed to ours: errors as warnings (a lost connection is retried),
 *  the rest at debug level — job outcomes are our own events. Only the error's message is kept:
 *  its meta can hold a whole database client. Its advice to size the pool to the concurrency is
 *  not for us: a node's few connections serve every slot on purpose (pool.ts). */
export const workerLogger = new Logger(() => (level, message, meta) => {
  const error = meta && typeof meta === 'object' && 'error' in meta ? String((meta as { error: unknown }).error) : undefined;
  if ((level === 'error' || level === 'warning') && !message.includes('smaller than concurrency')) log.warn({ error }, message);
  else log.debug({ error }, message);
});
