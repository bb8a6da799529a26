import { availableParallelism } from 'node:os';
import type { Tx } from '../db/tx.ts';
import { likeWorkerOnline } from '../store/nodes.ts';
import { avoidFlag, ENCODES, NEEDS_LATEX, SCOUTS } from '../store/queue-keys.ts';

/**
 * The queue flags a node's runner skips, read before each fetch: a segment that failed on this node
 * is re-queued with its avoid flag, so it goes elsewhere; a node without LaTeX takes no work that
 * needs it; one with more slots than cores no scout; and the coordinator no play's encoder while
 * another machine alike or faster takes work (queue-keys.ts ENCODES). Read each time, so that the
 * coordinator takes the encoder again when that machine pauses or goes.
 */
export function forbiddenFlags(db: Tx, node: { id: string; concurrency: number; latex: boolean; coordinator: boolean }): () => Promise<string[]> {
  const always = [avoidFlag(node.id), ...(node.latex ? [] : [NEEDS_LATEX]), ...(node.concurrency > availableParallelism() ? [SCOUTS] : [])];
  return async () => (node.coordinator && (await likeWorkerOnline(db, node.id)) ? [...always, ENCODES] : always);
}
