import { hostname, platform, release, cpus, totalmem } from 'node:os';
import { externalInterfaces } from '../lib/hosts.ts';
import { and, eq, gt, inArray, lt, ne, or, sql } from 'drizzle-orm';
import { ALIKE } from '../cutting/rate.ts';
import type { Tx } from '../db/tx.ts';
import { nodes } from '../db/schema.ts';
import type { NodePower, NodeState } from '../model/states.ts';
import type { Schedule } from '../config/schedule.ts';

/** A node that has not heart-beaten for this long is taken for gone and its work re-run elsewhere. */
export const NODE_TIMEOUT_MS = 20_000;
export const HEARTBEAT_MS = 4_000;

export interface NodeInfo {
  id: string;
  name: string;
  concurrency: number;
  /** runtime/speed.ts's probe. */
  speed?: number;
  functions: string[];
  versions: Record<string, unknown>;
  coordinator: boolean;
  reason?: string | null;
  /** Why it takes no work as it starts (its schedule, its user active). */
  offWork?: string | null;
  /** Wake-on-LAN: where its magic packets go, and whether it asked to be woken. */
  mac?: string | null;
  broadcast?: string | null;
  wakeable?: boolean;
  /** Its config's schedule: whoever wakes nodes wakes none outside its hours. */
  schedule?: Schedule;
}


export async function registerNode(db: Tx, info: NodeInfo): Promise<void> {
  const row = {
    ...info,
    reason: info.reason ?? null,
    speed: info.speed ?? null,
    offWork: info.offWork ?? null,
    mac: info.mac ?? null,
    broadcast: info.broadcast ?? null,
    wakeable: info.wakeable ?? false,
    schedule: info.schedule ?? null,
    power: 'awake' as NodePower,
    powerSince: new Date(),
    powerNote: null,
    hostname: hostname(),
    addresses: externalInterfaces().map((a) => a.address),
    os: `${platform()} ${release()}`,
    cores: cpus().length,
    memoryBytes: totalmem(),
    state: 'online' as NodeState,
    current: [],
    workerIds: [],
    startedAt: new Date(),
    lastSeen: new Date(),
  };
  await db.insert(nodes).values(row).onConflictDoUpdate({ target: nodes.id, set: row });
  // The same machine started again (a new process, a new id): its old record is no one to wake.
  if (info.mac) await db.update(nodes).set({ wakeable: false }).where(and(eq(nodes.mac, info.mac), eq(nodes.name, info.name), ne(nodes.id, info.id)));
}

/**
 * Records that the node is alive, what it runs and why it takes no work (offWork); returns the
 * state others asked of it. A node that beats is awake, unless it is on its way to sleep (`awake`
 * false: it announced that and runs its sleep command).
 */
export async function heartbeat(db: Tx, id: string, beat: { current: unknown[]; workerIds: string[]; offWork: string | null; awake: boolean }): Promise<NodeState | undefined> {
  const woke = beat.awake ? { power: 'awake' as NodePower, powerSince: sql`case when ${nodes.power} = 'awake' then ${nodes.powerSince} else now() end`, powerNote: sql`case when ${nodes.power} = 'awake' then ${nodes.powerNote} else null end` } : {};
  const [row] = await db
    .update(nodes)
    .set({ lastSeen: sql`now()`, current: beat.current, workerIds: beat.workerIds, offWork: beat.offWork, ...woke })
    .where(eq(nodes.id, id))
    .returning({ state: nodes.state });
  return row?.state;
}

/** Whether a node takes new work: told to pause or drain, it stops at once, not at its next
 *  heartbeat; off its schedule or with its user active (as of its last heartbeat) it takes none either. */
export async function takesWork(db: Tx, id: string): Promise<boolean> {
  const [row] = await db.select({ state: nodes.state, offWork: nodes.offWork }).from(nodes).where(eq(nodes.id, id));
  return row?.state === 'online' && row.offWork === null;
}

/** `from`: only a node still in that state (a drain that ends after a resume must not undo it). */
export async function setNodeState(db: Tx, id: string, state: NodeState, from?: NodeState): Promise<void> {
  const which = from ? and(eq(nodes.id, id), eq(nodes.state, from)) : eq(nodes.id, id);
  await db.update(nodes).set({ state, ...(state === 'offline' ? { current: [] } : {}) }).where(which);
}

/** Heart-beating and not stopped. */
const isLive = () => and(gt(nodes.lastSeen, sql`now() - make_interval(secs => ${NODE_TIMEOUT_MS / 1000})`), ne(nodes.state, 'offline'));

export async function liveNodes(db: Tx) {
  return db.select().from(nodes).where(isLive()).orderBy(nodes.name);
}

/** Whether a live node takes render work now: it renders, and is online, on its schedule and awake. */
export const takesRenderWork = (n: typeof nodes.$inferSelect) => n.functions.includes('render-segment') && n.state === 'online' && n.offWork === null && n.power === 'awake';

/** Whether another live machine takes render work now whose start-up probe is alike with `nodeId`'s
 *  or faster (a machine not probed counts as alike). */
export async function likeWorkerOnline(db: Tx, nodeId: string): Promise<boolean> {
  const live = await liveNodes(db);
  const mine = live.find((n) => n.id === nodeId)?.speed;
  return live.some((n) => n.id !== nodeId && takesRenderWork(n) && (!mine || (n.speed ?? mine) * ALIKE >= mine));
}

/** What `nodes` lists: the live nodes and the wakeable ones that sleep or are being woken. */
export async function listedNodes(db: Tx) {
  return db
    .select()
    .from(nodes)
    .where(or(isLive(), and(eq(nodes.wakeable, true), ne(nodes.power, 'awake'))))
    .orderBy(nodes.name);
}

/** A node by id, id prefix or name, among the live ones. */
export async function findLiveNode(db: Tx, ref: string) {
  const live = await liveNodes(db);
  const hits = live.filter((n) => n.id === ref || n.name === ref || n.id.startsWith(ref));
  return hits.length === 1 ? hits[0] : hits.length ? 'ambiguous' : undefined;
}

/** How many segments the live nodes can render at once (the cutter cuts for this many), and how
 *  many of those slots have LaTeX (work that needs it goes only there). */
export async function renderSlots(db: Tx): Promise<{ slots: number; latexSlots: number }> {
  const live = (await liveNodes(db)).filter((n) => n.functions.includes('render-segment') && n.state === 'online' && n.offWork === null && n.power === 'awake');
  const sum = (rows: typeof live) => rows.reduce((n, r) => n + r.concurrency, 0);
  return { slots: sum(live), latexSlots: sum(live.filter((n) => n.versions.latex !== false)) };
}

/** Nodes that stopped heart-beating and still count as present or hold queue locks. Not a node
 *  taken for dead that beats again: it is coming back with the locks of the work it now runs
 *  (its beat writes them before it sets itself online), and handing those back would give its
 *  running segments to a second node. */
export async function staleNodes(db: Tx) {
  const stale = lt(nodes.lastSeen, sql`now() - make_interval(secs => ${NODE_TIMEOUT_MS / 1000})`);
  return db
    .select()
    .from(nodes)
    .where(and(stale, or(ne(nodes.state, 'offline'), sql`jsonb_array_length(${nodes.workerIds}) > 0`)));
}

/** Where a node serves HTTP, once it listens. */
export async function recordNodeUrl(db: Tx, id: string, url: string): Promise<void> {
  await db.update(nodes).set({ url }).where(eq(nodes.id, id));
}

/** A node whose queue locks were released: it holds none any more. */
export async function clearWorkerIds(db: Tx, id: string): Promise<void> {
  await db.update(nodes).set({ workerIds: [] }).where(eq(nodes.id, id));
}

/** Each node's start-up probe (runtime/speed.ts), by id. */
export async function nodeProbes(db: Tx, ids: string[]): Promise<Map<string, number>> {
  if (!ids.length) return new Map();
  const rows = await db.select({ id: nodes.id, speed: nodes.speed }).from(nodes).where(inArray(nodes.id, ids));
  return new Map(rows.flatMap((r) => (r.speed ? [[r.id, r.speed] as const] : [])));
}
