import { availableParallelism } from 'node:os';
import type { Tx } from '../db/tx.ts';
import { HEARTBEAT_MS, likeWorkerOnline } from '../store/nodes.ts';
import { avoidFlag, ENCODES, NEEDS_LATEX, SCOUTS } from '../store/queue-keys.ts';

/**
 * The queue flags a node's runner skips, read before each fetch: a segment that failed on this node
 * is re-queued with its avoid flag, so it goes elsewhere; a node without LaTeX takes no work that
 * needs it; one with more slots than cores no scout; and the coordinator no play's encoder while
 * another machine alike or faster takes work (queue-keys.ts ENCODES). Looked up again every
 * heartbeat, so that the coordinator takes the encoder again when that machine pauses or goes.
 */
export function forbiddenFlags(db: Tx, node: { id: string; concurrency: number; latex: boolean; coordinator: boolean }): () => Promise<string[]> {
  const always = [avoidFlag(node.id), ...(node.latex ? [] : [NEEDS_LATEX]), ...(node.concurrency > availableParallelism() ? [SCOUTS] : [])];
  // A machine alike found is trusted for a heartbeat (each slot fetches about once a second when
  // idle, on the machine that serves the store); none found is looked up again at the next fetch, so
  // a machine that just joined is seen at once.
  let likeSince: number | undefined;
  return async () => {
    if (!node.coordinator) return always;
    if (likeSince === undefined || Date.now() - likeSince > HEARTBEAT_MS) {
      // the store away: the coordinator may take the encoder, as with no other machine
      likeSince = (await likeWorkerOnline(db, node.id).catch(() => false)) ? Date.now() : undefined;
    }
    return likeSince !== undefined ? [...always, ENCODES] : always;
  };
}
