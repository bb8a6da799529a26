import type { Database } from '../db/client.ts';
import type { Config } from '../config/schema.ts';
import type { Queue } from '../queue/queue.ts';
import type { EventHub } from '../store/events.ts';
import type { FunctionEnv, RegisteredFunction } from '../function/define.ts';

/** What a coordinator tells a joining node, which proved it has the cluster token. */
export interface ClusterInfo {
  name: string;
  /** The render stack every node must share (pixels depend on it). */
  stack?: string;
  /** The database URL as seen from a node that reached this coordinator at `host`. */
  databaseUrlFor(host: string): string;
  /** The certificate (PEM) the database serves SSL with, for nodes to pin; none: not ours to say. */
  databaseCertificate?: string;
}

/** What one node's runtime is made of; the HTTP app and the queue runner share it. */
export interface Services {
  database: Database;
  queue: Queue;
  config: Config;
  token: string;
  /** SHA-256 of the certificate this node serves HTTPS with; "" over plain HTTP. */
  fingerprint: string;
  hub: EventHub;
  nodeId: string;
  functions: Map<string, RegisteredFunction>;
  /** Only on the coordinator: what `networknodes join` asks for. */
  cluster?: ClusterInfo;
  /** The environment a function runs with; the runner adds the queue attempt and an abort signal. */
  envFor(call?: Partial<Pick<FunctionEnv, 'attempt' | 'maxAttempts' | 'signal' | 'lease'>>): FunctionEnv;
}
