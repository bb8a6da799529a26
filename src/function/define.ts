import { z } from 'zod';
import type { Database } from '../db/client.ts';
import type { Config } from '../config/schema.ts';
import type { DriverPool } from '../driver/pool.ts';
import type { Queue } from '../queue/queue.ts';
import type { EventHub } from '../store/events.ts';
import type { TexShare } from '../store/tex-share.ts';
import { describeIssues } from '../config/load.ts';

/** What a function may use: the services of the node it runs on. */
export interface FunctionEnv {
  database: Database;
  queue: Queue;
  /** Notifications of job events (a job id is emitted when that job has a new event). */
  events: EventHub;
  driver: DriverPool;
  /** This machine's copy of the cluster's TeX and text SVGs. */
  tex: TexShare;
  config: Config;
  nodeId: string;
  /** Scratch space of this node; never shared with another node. */
  workDir: string;
  /** Aborted when the node shuts down or the job is cancelled. */
  signal: AbortSignal;
  /** Which try this is (1-based) and how many the queue allows; 1 of 1 for a direct call. */
  attempt: number;
  maxAttempts: number;
}

/** A serverless-style function: a Request in, a Response out. */
export interface RegisteredFunction {
  name: string;
  fetch(request: Request, env: FunctionEnv): Promise<Response>;
}

export interface FunctionDefinition<S extends z.ZodType> {
  name: string;
  input: S;
  run(input: z.infer<S>, env: FunctionEnv): Promise<unknown>;
}

/** Thrown by a function for an input that will never work: the queue does not retry it. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * Wraps a typed handler as a Request → Response function: the body is JSON checked by `input`
 * (400 with the fields that are wrong), the result is JSON, a PermanentError is 422 and anything
 * else thrown is 500 so that the queue retries it elsewhere.
 */
export function defineFunction<S extends z.ZodType>(def: FunctionDefinition<S>): RegisteredFunction {
  return {
    name: def.name,
    async fetch(request, env) {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return Response.json({ error: 'body must be JSON' }, { status: 400 });
      }
      const parsed = def.input.safeParse(body);
      if (!parsed.success) {
        return Response.json({ error: `invalid input: ${describeIssues(parsed.error)}` }, { status: 400 });
      }
      try {
        const result = await def.run(parsed.data, env);
        return Response.json(result ?? null);
      } catch (err) {
        const status = err instanceof PermanentError ? 422 : 500;
        return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status });
      }
    },
  };
}
