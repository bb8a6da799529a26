import { z } from 'zod';
import type { Database } from '../db/client.ts';
import type { Config } from '../config/schema.ts';
import type { NodeDriver } from '../driver/node-driver.ts';
import type { Queue, QueueLease } from '../queue/queue.ts';
import type { EventHub } from '../store/events.ts';
import type { TexShare } from '../store/tex-share.ts';
import { describeIssues } from '../lib/zod-issues.ts';

/** What a function may use: the services of the node it runs on. */
export interface FunctionEnv {
  database: Database;
  queue: Queue;
  /** Notifications of job events (a job id is emitted when that job has a new event). */
  events: EventHub;
  driver: NodeDriver;
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
  /** The queue job this call runs as; absent for a direct call over HTTP. */
  lease?: QueueLease;
}

/** How a call of a function ended: its result, or an error and whether trying again may help. */
export type FunctionOutcome =
  | { ok: true; result: unknown }
  | { ok: false; error: string; /** a failure another try may not have (not a bad input, not a PermanentError) */ retry: boolean; status: 400 | 422 | 500 };

/** A serverless-style function: called in-process by its node's queue runner, or over HTTP. */
export interface RegisteredFunction {
  name: string;
  /** Runs it on an input checked against its schema. */
  call(input: unknown, env: FunctionEnv): Promise<FunctionOutcome>;
  /** The same for a Request with a JSON body: the outcome as a Response. */
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
 * Wraps a typed handler as a function: the input is checked by `input` (a 400 outcome naming the
 * fields that are wrong), a PermanentError is a 422 that is not retried, and anything else thrown
 * is a 500 that the queue retries elsewhere.
 */
export function defineFunction<S extends z.ZodType>(def: FunctionDefinition<S>): RegisteredFunction {
  const call = async (input: unknown, env: FunctionEnv): Promise<FunctionOutcome> => {
    const parsed = def.input.safeParse(input);
    if (!parsed.success) return { ok: false, error: `invalid input: ${describeIssues(parsed.error)}`, retry: false, status: 400 };
    try {
      return { ok: true, result: (await def.run(parsed.data, env)) ?? null };
    } catch (err) {
      const permanent = err instanceof PermanentError;
      return { ok: false, error: err instanceof Error ? err.message : String(err), retry: !permanent, status: permanent ? 422 : 500 };
    }
  };
  return {
    name: def.name,
    call,
    async fetch(request, env) {
      let body: unknown;
      try {
        body = await request.json();
      } catch {
        return Response.json({ error: 'body must be JSON' }, { status: 400 });
      }
      const outcome = await call(body, env);
      return outcome.ok ? Response.json(outcome.result) : Response.json({ error: outcome.error }, { status: outcome.status });
    },
  };
}
