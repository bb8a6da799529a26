import type { Database } from '../db/client.ts';
import type { Config } from '../config/schema.ts';
import type { Queue } from '../queue/queue.ts';
import type { EventHub } from '../store/events.ts';
import type { FunctionEnv, RegisteredFunction } from './define-function.ts';

/** What one node's runtime is made of; the HTTP app and the queue runner share it. */
export interface Services {
  database: Database;
  queue: Queue;
  config: Config;
  token: string;
  hub: EventHub;
  nodeId: string;
  functions: Map<string, RegisteredFunction>;
  /** The environment a function runs with; the runner adds the queue attempt and an abort signal. */
  envFor(call?: Partial<Pick<FunctionEnv, 'attempt' | 'maxAttempts' | 'signal'>>): FunctionEnv;
}
