import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { serve, type ServerType } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import type { Config } from '../config/schema.ts';
import { connect } from '../db/client.ts';
import { createQueue } from '../queue/queue.ts';
import { startRunner, type RunnerHandle, type TaskCall } from '../queue/runner.ts';
import { EventHub } from '../store/events.ts';
import { registerNode, heartbeat, setNodeState, HEARTBEAT_MS } from '../store/nodes.ts';
import { finishJob } from '../store/jobs.ts';
import { jobs, nodes } from '../db/schema.ts';
import { DriverPool } from '../driver/pool.ts';
import { loadFunctions } from './load-functions.ts';
import { createApp } from './app.ts';
import type { Services } from './services.ts';
import { log } from '../lib/log.ts';
import { homeDir } from '../lib/home.ts';

export interface NodeOptions {
  config: Config;
  databaseUrl: string;
  token: string;
  /** Serve HTTP on config.http (the coordinator and any node that wants to); tests may skip it. */
  listen?: boolean;
  coordinator?: boolean;
  name?: string;
  /** nice level of the Python renders; 10 keeps a laptop in use responsive. */
  nice?: number;
  versions?: Record<string, unknown>;
}

export interface NodeHandle {
  id: string;
  services: Services;
  app: ReturnType<typeof createApp>;
  url?: string;
  server?: ServerType;
  runner: RunnerHandle;
  stop(): Promise<void>;
}

const functionJobPayload = (p: unknown): p is { nnJob: string; input: unknown } =>
  !!p && typeof p === 'object' && typeof (p as { nnJob?: unknown }).nnJob === 'string';

/** Starts one node: its functions, the queue runner that feeds them, its heartbeat, its HTTP runtime. */
export async function startNode(opts: NodeOptions): Promise<NodeHandle> {
  const { config } = opts;
  const id = randomUUID();
  const concurrency = config.concurrency ?? cpus().length;
  const database = connect(opts.databaseUrl, concurrency + 4);
  const queue = await createQueue(opts.databaseUrl, config.maxAttempts);
  const hub = new EventHub();
  await hub.start(database.sql);
  const functions = await loadFunctions(config.functions, config.functionModules);
  const driver = new DriverPool(concurrency, opts.nice ?? 10);
  const workDir = join(homeDir(config.home), 'work', id);
  mkdirSync(workDir, { recursive: true });
  const shutdown = new AbortController();

  const services: Services = {
    database, queue, config, token: opts.token, hub, nodeId: id, functions,
    envFor: (call = {}) => ({
      database, queue, driver, config, nodeId: id, workDir,
      signal: call.signal ?? shutdown.signal,
      attempt: call.attempt ?? 1,
      maxAttempts: call.maxAttempts ?? 1,
    }),
  };
  const app = createApp(services);
  const current = new Map<string, { task: string; payload: unknown; since: string }>();

  async function dispatch(call: TaskCall): Promise<void> {
    const key = randomUUID();
    current.set(key, { task: call.task, payload: call.payload, since: new Date().toISOString() });
    const fnJob = functionJobPayload(call.payload) ? call.payload : undefined;
    try {
      const env = services.envFor({ attempt: call.attempt, maxAttempts: call.maxAttempts, signal: shutdown.signal });
      const res = await app.request(
        `/functions/${call.task}`,
        {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(fnJob ? fnJob.input : call.payload),
        },
        { nnEnv: env },
      );
      const body = (await res.json().catch(() => null)) as { error?: string } | null;
      const retry = res.status >= 500 && call.attempt < call.maxAttempts && !shutdown.signal.aborted;
      if (fnJob && (res.ok || !retry) && !(shutdown.signal.aborted && !res.ok)) {
        await database.db.update(jobs).set({ startedAt: new Date() }).where(eq(jobs.id, fnJob.nnJob));
        if (res.ok) await finishJob(database.db, fnJob.nnJob, 'succeeded', { result: body });
        else await finishJob(database.db, fnJob.nnJob, 'failed', { error: { message: body?.error ?? `HTTP ${res.status}`, node: opts.name ?? hostname() } });
      }
      // A 5xx is a failure the queue retries (on this or another node); a 4xx never gets better.
      if (res.status >= 500) throw new Error(body?.error ?? `function ${call.task} failed with HTTP ${res.status}`);
    } finally {
      current.delete(key);
    }
  }

  const name = opts.name ?? hostname();
  await registerNode(database.db, {
    id, name, concurrency, functions: [...functions.keys()], versions: opts.versions ?? {},
    coordinator: !!opts.coordinator,
  });
  const runner = await startRunner({ connectionString: opts.databaseUrl, tasks: [...functions.keys()], concurrency, dispatch });
  const beat = setInterval(() => {
    heartbeat(database.db, id, [...current.values()]).catch((err) => log.warn({ err: String(err) }, 'heartbeat failed'));
  }, HEARTBEAT_MS);

  let server: ServerType | undefined;
  let url: string | undefined;
  if (opts.listen) {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port }, () => resolve(s));
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    url = `http://${config.http.host}:${port}`;
    await database.db.update(nodes).set({ url }).where(eq(nodes.id, id));
  }
  log.info({ node: id, name, concurrency, functions: [...functions.keys()], url }, 'node started');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(beat);
      await new Promise<void>((r) => {
        if (!server) return r();
        server.close(() => r());
        // Open SSE streams would hold close() forever.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      // Running renders are killed and their queue jobs fail back to the queue for another node.
      shutdown.abort();
      await driver.close();
      await runner.stop();
      // Whatever is still locked by this node goes back to the queue now, not in graphile-worker's 4 hours.
      if (runner.workerIds.size) await queue.utils.forceUnlockWorkers([...runner.workerIds]).catch(() => {});
      await setNodeState(database.db, id, 'offline').catch(() => {});
      await hub.stop();
      await queue.release();
      await database.close();
      log.info({ node: id }, 'node stopped');
    })());

  return { id, services, app, url, server, runner, stop };
}
