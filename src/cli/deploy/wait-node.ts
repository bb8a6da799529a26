import { z } from 'zod';
import type { ClusterClient } from '../client.ts';
import { nodesSchema } from '../job-schemas.ts';

type NodeView = ReturnType<typeof nodesSchema.parse>['nodes'][number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 2000;
/** How often the remote process is looked at while waiting (an SSH round trip each). */
const PROCESS_CHECK_EVERY = 5;

/** The live nodes of the cluster that carry this name. */
export async function nodesNamed(client: ClusterClient, name: string): Promise<NodeView[]> {
  return (await client.call('/nodes', nodesSchema)).nodes.filter((n) => n.name === name);
}

/**
 * Waits until a node with this name that was not there before (`before`: ids) is online in the
 * cluster's registry. Gives up early when `running` says the remote process ended, and after
 * `timeoutMs`; `why` words either failure.
 */
export async function waitForNode(
  client: ClusterClient,
  name: string,
  o: { before: Set<string>; timeoutMs: number; running: () => Promise<boolean>; why: (what: string) => Promise<Error> },
): Promise<NodeView> {
  const end = Date.now() + o.timeoutMs;
  for (let poll = 1; ; poll++) {
    const fresh = (await nodesNamed(client, name)).find((n) => !o.before.has(n.id) && n.state === 'online');
    if (fresh) return fresh;
    if (poll % PROCESS_CHECK_EVERY === 0 && !(await o.running())) throw await o.why(`the node process on the remote machine exited before "${name}" came online`);
    if (Date.now() > end) throw await o.why(`node "${name}" did not come online within ${Math.round(o.timeoutMs / 1000)} s`);
    await sleep(POLL_MS);
  }
}

/** Waits until no live node carries this name (a stopped node marks itself offline at once). */
export async function waitForNodeGone(client: ClusterClient, name: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if ((await nodesNamed(client, name)).length === 0) return true;
    if (Date.now() > end) return false;
    await sleep(POLL_MS);
  }
}

/** Asks the cluster to drain the live nodes of this name; returns their ids. */
export async function drainNodes(client: ClusterClient, name: string): Promise<Set<string>> {
  const ids = new Set((await nodesNamed(client, name)).map((n) => n.id));
  for (const id of ids) await client.call(`/nodes/${id}/drain`, z.object({ state: z.string() }), { method: 'POST' });
  return ids;
}

/** Waits until each of these nodes has finished its running work after a drain (or is gone). */
export async function waitForDrained(client: ClusterClient, name: string, ids: Set<string>): Promise<void> {
  while ((await nodesNamed(client, name)).some((n) => ids.has(n.id) && n.state !== 'drained')) await sleep(POLL_MS);
}
