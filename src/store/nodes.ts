import { hostname, networkInterfaces, platform, release, cpus, totalmem } from 'node:os';
import { and, eq, gt, lt, ne, or, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { nodes } from '../db/schema.ts';
import type { NodeState } from '../model/states.ts';

/** A node that has not heart-beaten for this long is taken for gone and its work re-run elsewhere. */
export const NODE_TIMEOUT_MS = 20_000;
export const HEARTBEAT_MS = 4_000;

export interface NodeInfo {
  id: string;
  name: string;
  concurrency: number;
  functions: string[];
  versions: Record<string, unknown>;
  coordinator: boolean;
  reason?: string | null;
}

function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
}

export async function registerNode(db: Tx, info: NodeInfo): Promise<void> {
  const row = {
    ...info,
    reason: info.reason ?? null,
    hostname: hostname(),
    addresses: lanAddresses(),
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
}

/** Records that the node is alive and what it runs; returns the state others asked of it. */
export async function heartbeat(db: Tx, id: string, current: unknown[], workerIds: string[]): Promise<NodeState | undefined> {
  const [row] = await db
    .update(nodes)
    .set({ lastSeen: sql`now()`, current, workerIds })
    .where(eq(nodes.id, id))
    .returning({ state: nodes.state });
  return row?.state;
}

/** Whether a node takes new work: told to pause or drain, it stops at once, not at its next heartbeat. */
export async function takesWork(db: Tx, id: string): Promise<boolean> {
  const [row] = await db.select({ state: nodes.state }).from(nodes).where(eq(nodes.id, id));
  return row?.state === 'online';
}

/** `from`: only a node still in that state (a drain that ends after a resume must not undo it). */
export async function setNodeState(db: Tx, id: string, state: NodeState, from?: NodeState): Promise<void> {
  const which = from ? and(eq(nodes.id, id), eq(nodes.state, from)) : eq(nodes.id, id);
  await db.update(nodes).set({ state, ...(state === 'offline' ? { current: [] } : {}) }).where(which);
}

export async function liveNodes(db: Tx) {
  return db
    .select()
    .from(nodes)
    .where(and(gt(nodes.lastSeen, sql`now() - make_interval(secs => ${NODE_TIMEOUT_MS / 1000})`), ne(nodes.state, 'offline')))
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
  const live = (await liveNodes(db)).filter((n) => n.functions.includes('render-segment') && n.state === 'online');
  const sum = (rows: typeof live) => rows.reduce((n, r) => n + r.concurrency, 0);
  return { slots: sum(live), latexSlots: sum(live.filter((n) => n.versions.latex !== false)) };
}

/** Nodes that stopped heart-beating but still hold queue locks or count as present. */
export async function staleNodes(db: Tx) {
  return db
    .select()
    .from(nodes)
    .where(or(
      and(ne(nodes.state, 'offline'), lt(nodes.lastSeen, sql`now() - make_interval(secs => ${NODE_TIMEOUT_MS / 1000})`)),
      and(eq(nodes.state, 'offline'), sql`jsonb_array_length(${nodes.workerIds}) > 0`),
    ));
}

/** Where a node serves HTTP, once it listens. */
export async function recordNodeUrl(db: Tx, id: string, url: string): Promise<void> {
  await db.update(nodes).set({ url }).where(eq(nodes.id, id));
}

/** A node whose queue locks were released: it holds none any more. */
export async function clearWorkerIds(db: Tx, id: string): Promise<void> {
  await db.update(nodes).set({ workerIds: [] }).where(eq(nodes.id, id));
}
