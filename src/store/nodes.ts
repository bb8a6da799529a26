import { hostname, networkInterfaces, platform, release, cpus, totalmem } from 'node:os';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Tx } from '../db/tx.ts';
import { nodes, type NodeState } from '../db/schema.ts';

/** A node that has not heart-beaten for this long is taken for gone. */
export const NODE_TIMEOUT_MS = 30_000;
export const HEARTBEAT_MS = 5_000;

export interface NodeInfo {
  id: string;
  name: string;
  concurrency: number;
  functions: string[];
  versions: Record<string, unknown>;
  coordinator: boolean;
  url?: string;
}

function addresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal)
    .map((a) => a!.address);
}

export async function registerNode(db: Tx, info: NodeInfo): Promise<void> {
  const row = {
    ...info,
    hostname: hostname(),
    addresses: addresses(),
    os: `${platform()} ${release()}`,
    cores: cpus().length,
    memoryBytes: totalmem(),
    state: 'online' as NodeState,
    current: [],
    startedAt: new Date(),
    lastSeen: new Date(),
  };
  await db.insert(nodes).values(row).onConflictDoUpdate({ target: nodes.id, set: row });
}

export async function heartbeat(db: Tx, id: string, current: unknown[]): Promise<void> {
  await db.update(nodes).set({ lastSeen: sql`now()`, current }).where(eq(nodes.id, id));
}

export async function setNodeState(db: Tx, id: string, state: NodeState): Promise<void> {
  await db.update(nodes).set({ state, current: state === 'offline' ? [] : undefined }).where(eq(nodes.id, id));
}

export async function liveNodes(db: Tx) {
  return db
    .select()
    .from(nodes)
    .where(and(gt(nodes.lastSeen, sql`now() - make_interval(secs => ${NODE_TIMEOUT_MS / 1000})`), sql`${nodes.state} <> 'offline'`))
    .orderBy(nodes.name);
}

/** How many segments the live nodes can render at once; the planner cuts for this many. */
export async function renderSlots(db: Tx): Promise<number> {
  const live = await liveNodes(db);
  return live.filter((n) => n.functions.includes('render-segment') && n.state === 'online').reduce((n, r) => n + r.concurrency, 0);
}
