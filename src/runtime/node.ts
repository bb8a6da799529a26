import { join } from 'node:path';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import { serve, type ServerType } from '@hono/node-server';
import { renderConcurrency, servesTls, type Config } from '../config/schema.ts';
import { connect } from '../db/client.ts';
import { createQueue } from '../queue/queue.ts';
import { queuePoolOver, jobsInserted, JOBS_INSERT_CHANNEL } from '../queue/pool.ts';
import { startRunner, type RunnerHandle, type TaskCall } from '../queue/runner.ts';
import { EventHub } from '../store/events.ts';
import { TexShare } from '../store/tex-share.ts';
import { probeSpeed } from './speed.ts';
import { forbiddenFlags } from './forbidden-flags.ts';
import { registerNode, heartbeat, recordNodeUrl, setNodeState, HEARTBEAT_MS } from '../store/nodes.ts';
import { askAgain } from '../store/segments/split.ts';
import { announceAsleep } from '../store/power.ts';
import { finishJob, markFunctionJobStarted } from '../store/jobs.ts';
import { handBackOnStop } from '../store/segments/requeue.ts';
import { failGivenUpWork } from '../store/given-up.ts';
import { NodeDriver } from '../driver/node-driver.ts';
import { loadFunctions } from './load-functions.ts';
import { createApp } from './app.ts';
import { recover } from './recovery.ts';
import { prepareWorkDir } from './work-dir.ts';
import { Availability } from './availability.ts';
import { wakeSleepers } from './waker.ts';
import { runSleepCommand } from './sleep.ts';
import { lanInterface } from '../lib/lan-interface.ts';
import { cronItems, GC_TASK, triggerFunctions } from '../triggers/registry.ts';
import type { ClusterInfo, Services } from './services.ts';
import { log } from '../lib/log.ts';
import { homeDir } from '../lib/home.ts';
import { loadOrCreateCertificate, type Certificate } from '../lib/cert.ts';

/** A node's query connections, whatever its render slots: each query is short. */
const STORE_CONNECTIONS = 2;

/** Functions that need this node's render stack to equal the cluster's (pixels depend on it). */
export const RENDER_FUNCTIONS = ['plan', 'render-segment', 'stitch'];

export interface NodeOptions {
  config: Config;
  databaseUrl: string;
  token: string;
  /** Serve HTTP on config.http; tests may skip it. */
  listen?: boolean;
  coordinator?: boolean;
  name?: string;
  /** nice level of the Python renders; 10 keeps a laptop in use responsive. */
  nice?: number;
  versions?: Record<string, unknown>;
  /** A driver started (and warming) before the node: see startDriver. */
  driver?: NodeDriver;
  /** The cluster's render stack: a node whose stack differs takes no render work. */
  clusterStack?: string;
  /** Given on the coordinator: served to joining nodes at GET /cluster. */
  cluster?: ClusterInfo;
  /** The certificate to serve HTTPS with when config.http.tls says so (default: the home's). */
  certificate?: Certificate;
  /** The coordinator's address: the interface that reaches it is the one a magic packet must name. */
  peerHost?: string;
}

export interface NodeHandle {
  id: string;
  name: string;
  services: Services;
  app: ReturnType<typeof createApp>;
  url?: string;
  /** SHA-256 of the certificate served over HTTPS; absent over plain HTTP. */
  fingerprint?: string;
  server?: ServerType;
  stop(): Promise<void>;
}

const functionJobPayload = (p: unknown): p is { nnJob: string; input: unknown } =>
  !!p && typeof p === 'object' && typeof (p as { nnJob?: unknown }).nnJob === 'string';

/** Why a node with these versions must not render for a cluster whose stack is `clusterStack`. */
export function stackMismatch(versions: Record<string, unknown>, clusterStack?: string): string | undefined {
  if (!clusterStack || versions.stack === clusterStack) return undefined;
  if (versions.driverError) return `its Manim driver does not run: ${String(versions.driverError)}`;
  return `its render stack (manim ${String(versions.manim)}, av ${String(versions.av)}, cairo ${String(versions.cairo)}, numpy ${String(versions.numpy)}; ${String(versions.stack)}) differs from the cluster's (${clusterStack}): its pixels would differ`;
}

/** Starts one node: its functions, the queue runner that feeds them, its heartbeat, its HTTP runtime. */
export async function startNode(opts: NodeOptions): Promise<NodeHandle> {
  const { config } = opts;
  const id = randomUUID();
  const name = opts.name ?? hostname();
  const concurrency = renderConcurrency(config);
  // Few connections whatever the concurrency (50 nodes share one Postgres): two for every query,
  // the store's and the queue's, and one LISTEN for every channel (events, TeX, new queue jobs).
  const database = connect(opts.databaseUrl, STORE_CONNECTIONS);
  const queuePool = queuePoolOver(database.sql, STORE_CONNECTIONS);
  const queue = await createQueue(queuePool, config.maxAttempts);
  const hub = new EventHub();
  await hub.start(database);
  const versions = opts.versions ?? {};
  const reason = stackMismatch(versions, opts.clusterStack);
  const loaded = await loadFunctions([...new Set([...config.functions, ...triggerFunctions(config), GC_TASK])], config.functionModules);
  const functions = new Map([...loaded].filter(([n]) => !reason || !RENDER_FUNCTIONS.includes(n)));
  const driver = opts.driver ?? new NodeDriver(concurrency, opts.nice ?? config.nice, config.limits);
  if (RENDER_FUNCTIONS.some((f) => functions.has(f))) driver.warm();
  else await driver.close();
  const workDir = prepareWorkDir(homeDir(config.home), id);
  // One folder per machine, kept across restarts: every node on it shares the SVGs.
  const tex = new TexShare(join(homeDir(config.home), 'tex-cache'), database);
  await tex.start();
  const shutdown = new AbortController();
  const tls = opts.listen && servesTls(config) ? (opts.certificate ?? (await loadOrCreateCertificate(homeDir(config.home)))) : undefined;

  const services: Services = {
    database, queue, config, token: opts.token, fingerprint: tls?.fingerprint ?? '', hub, nodeId: id, functions, cluster: opts.cluster,
    envFor: (call = {}) => ({
      database, queue, driver, config, nodeId: id, workDir, events: hub, tex,
      signal: call.signal ?? shutdown.signal,
      attempt: call.attempt ?? 1,
      maxAttempts: call.maxAttempts ?? 1,
      ...(call.lease ? { lease: call.lease } : {}),
    }),
  };
  const app = createApp(services);
  const current = new Map<string, { task: string; payload: unknown; since: string }>();
  const interruptedKeys = new Set<string>();

  /** Runs a claimed queue job's function in-process; throwing makes the queue try it again. */
  async function dispatch(call: TaskCall): Promise<void> {
    const fn = functions.get(call.task);
    if (!fn) throw new Error(`no function named "${call.task}" is registered on this node`);
    const key = randomUUID();
    current.set(key, { task: call.task, payload: call.payload, since: new Date().toISOString() });
    const fnJob = functionJobPayload(call.payload) ? call.payload : undefined;
    try {
      // A function job started when its function starts, not when it ends.
      if (fnJob) await markFunctionJobStarted(database.db, fnJob.nnJob);
      const env = services.envFor({ attempt: call.attempt, maxAttempts: call.maxAttempts, signal: shutdown.signal, ...(call.lease ? { lease: call.lease } : {}) });
      const outcome = await fn.call(fnJob ? fnJob.input : call.payload, env);
      // Cut short by this node's shutdown: not the work's failure, its queue try is given back at stop.
      const interrupted = !outcome.ok && shutdown.signal.aborted;
      if (interrupted && call.jobKey) interruptedKeys.add(call.jobKey);
      const retry = !outcome.ok && outcome.retry && call.attempt < call.maxAttempts && !interrupted;
      if (fnJob && (outcome.ok || !retry) && !interrupted) {
        if (outcome.ok) await finishJob(database.db, fnJob.nnJob, 'succeeded', { result: outcome.result });
        else await finishJob(database.db, fnJob.nnJob, 'failed', { error: { message: outcome.error, node: name } });
      } else if (!outcome.ok && !retry && !interrupted) {
        await failGivenUpWork(database.db, queue, call.task, call.payload, call.attempt, outcome.error);
      }
      // A failure another try may not have goes back to the queue (this or another node); a bad input never gets better.
      if (!outcome.ok && outcome.retry) throw new Error(outcome.error);
    } finally {
      current.delete(key);
    }
  }

  // Wake-on-LAN: the MAC and broadcast address of the interface the coordinator is reached on.
  const lan = lanInterface(opts.peerHost, config.http.host);
  const mac = config.wake.mac ?? lan?.mac;
  const broadcast = config.wake.broadcast ?? lan?.broadcast;
  if (config.wake.enabled && (!mac || !broadcast)) log.warn('wake.enabled, but no IPv4 interface with a MAC address was found: give wake.mac and wake.broadcast');
  // Its schedule and its user decide whether it takes work; its own work (lastBusy) is not its user's.
  const availability = new Availability(config.schedule);
  let lastBusy = Date.now();
  let offWork = await availability.offWork(new Date(), lastBusy);
  await registerNode(database.db, {
    id, name, concurrency, speed: probeSpeed(), functions: [...functions.keys()], versions, coordinator: !!opts.coordinator, reason, offWork,
    mac, broadcast, wakeable: config.wake.enabled && !!mac && !!broadcast, schedule: config.schedule,
  });
  if (reason) log.warn({ reason }, 'this node takes no render work');
  if (offWork) log.info({ offWork }, 'this node takes no work for now');

  // The runner is stopped while the node is paused or draining, off its schedule or with its user
  // active, or asleep, and started again when it takes work again.
  let runner: RunnerHandle | undefined;
  let switching: Promise<void> | undefined;
  const startWork = async () => {
    runner = await startRunner({
      pgPool: queuePool,
      nudges: async (onInsert) => (await database.listen(JOBS_INSERT_CHANNEL, (p) => onInsert(jobsInserted(p)))).unlisten,
      tasks: [...functions.keys()],
      concurrency,
      dispatch,
      forbiddenFlags: forbiddenFlags(database.db, { id, concurrency, latex: versions.latex !== false, coordinator: !!opts.coordinator }),
      cronItems: cronItems(config),
    });
  };
  const stopWork = async () => {
    const r = runner;
    runner = undefined;
    if (!r) return;
    await r.stop();
    const keys = [...interruptedKeys];
    interruptedKeys.clear();
    await queue.refund(database.db, keys).catch((err) => log.warn({ err: String(err) }, 'could not give back the tries of interrupted work'));
    // Whatever is still locked by this node goes back to the queue now, not in graphile-worker's 4 hours.
    if (r.workerIds.size) await queue.utils.forceUnlockWorkers([...r.workerIds]).catch(() => {});
  };
  if (!offWork) await startWork();

  /** Idle for wake.sleepAfterIdleMinutes: it stops claiming, says it goes to sleep, and runs the sleep command. */
  let sleeping = false;
  const goToSleep = async (minutes: number) => {
    sleeping = true;
    try {
      await stopWork();
      await announceAsleep(database.db, id, `went to sleep after ${minutes} idle minutes`);
      log.info({ minutes, command: config.wake.sleepCommand }, 'idle: going to sleep');
      await runSleepCommand(config.wake.sleepCommand);
    } catch (err) {
      log.warn({ err: String(err) }, 'could not go to sleep');
    } finally {
      // Awake again (or never asleep): the idle clock starts over, the next heartbeat says awake.
      lastBusy = Date.now();
      sleeping = false;
    }
  };

  /**
   * Heartbeat and control: the database says whether to pause, drain or resume; the node's schedule
   * and its user say whether it takes work now. Either stops the runner as a pause does: running
   * work finishes, nothing new is claimed.
   */
  const beat = async () => {
    const now = new Date();
    if (current.size || runner?.running.size) lastBusy = now.getTime();
    offWork = await availability.offWork(now, lastBusy);
    const state = await heartbeat(database.db, id, { current: [...current.values()], workerIds: runner ? [...runner.workerIds] : [], offWork, awake: !sleeping });
    if (runner) await queue.releaseStale(database.db, [...runner.workerIds], [...runner.running]);
    if (switching || sleeping) return;
    const idleFor = config.wake.sleepAfterIdleMinutes;
    if (runner?.ended()) {
      // its runner stopped on its own: its locks go back, and the next beat starts a new one
      switching = stopWork().then(() => log.error('the queue runner stopped on its own; a new one starts')).finally(() => (switching = undefined));
    } else if (state === 'offline') {
      // Taken for dead while unreachable (asleep, cut off): back, with a fresh lease on work.
      await setNodeState(database.db, id, 'online');
    } else if ((state !== 'online' || offWork) && runner) {
      switching = stopWork().then(() => (state === 'draining' ? setNodeState(database.db, id, 'drained', 'draining') : undefined)).finally(() => (switching = undefined));
    } else if (state === 'draining' && !runner) {
      await setNodeState(database.db, id, 'drained', 'draining');
    } else if (state === 'online' && !offWork && !runner && !shutdown.signal.aborted) {
      switching = startWork().finally(() => (switching = undefined));
    } else if (state === 'online' && !offWork && idleFor && !opts.coordinator && now.getTime() - lastBusy > idleFor * 60_000) {
      // Only a node that would take work sleeps: outside its hours or with its user active, someone
      // may be using the machine. The coordinator never does: it keeps the database and wakes the others.
      void goToSleep(idleFor);
      // Nothing more this beat: the sleep command may stop this process inside a transaction.
      return;
    }
    if (runner && state === 'online' && !offWork && config.segments.rebalance && functions.has('render-segment') && runner.running.size < concurrency) await askAgain(database.db, queue, id, config.segments.setupSeconds);
    await recover(database, queue);
    if (opts.coordinator) await wakeSleepers(database, queue, config.wake.timeoutSeconds);
  };
  const beater = setInterval(() => {
    beat().catch((err) => log.warn({ err: String(err) }, 'heartbeat failed'));
  }, HEARTBEAT_MS);

  let server: ServerType | undefined;
  let url: string | undefined;
  if (opts.listen) {
    server = await new Promise<ServerType>((resolve) => {
      const https = tls && { createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert } };
      const s = serve({ fetch: app.fetch, hostname: config.http.host, port: config.http.port, ...https }, () => resolve(s));
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
    url = `${tls ? 'https' : 'http'}://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${port}`;
    await recordNodeUrl(database.db, id, url);
  }
  log.info({ node: id, name, concurrency, functions: [...functions.keys()], url }, 'node started');
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(beater);
      await new Promise<void>((r) => {
        if (!server) return r();
        server.close(() => r());
        // Open SSE streams would hold close() forever.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
      // Running renders are killed and their queue jobs go back to the queue for another node.
      shutdown.abort();
      await driver.close();
      await switching;
      await stopWork();
      // Segments this node was rendering are queued again (their queue jobs were just unlocked).
      await handBackOnStop(database.db, id).catch(() => {});
      await setNodeState(database.db, id, 'offline').catch(() => {});
      await hub.stop();
      await tex.stop();
      await queue.release();
      await database.close();
      log.info({ node: id }, 'node stopped');
    })());

  return { id, name, services, app, url, fingerprint: tls?.fingerprint, server, stop };
}
