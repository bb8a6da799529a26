import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, PermanentError, type FunctionEnv } from '../src/function/define.ts';

// These functions read nothing from their environment.
const env = {} as FunctionEnv;
const fn = defineFunction({
  name: 'outcomes',
  input: z.object({ do: z.enum(['ok', 'permanent', 'transient']) }),
  async run({ do: what }) {
    if (what === 'permanent') throw new PermanentError('never works');
    if (what === 'transient') throw new Error('works another time');
    return { done: true };
  },
});

describe('a function call', () => {
  it('says whether another try may help: a bad input or a PermanentError never, anything else may', async () => {
    expect(await fn.call({ do: 'ok' }, env)).toEqual({ ok: true, result: { done: true } });
    expect(await fn.call({ do: 'nope' }, env)).toMatchObject({ ok: false, retry: false, status: 400, error: expect.stringMatching(/^invalid input: do/) });
    expect(await fn.call({ do: 'permanent' }, env)).toEqual({ ok: false, retry: false, status: 422, error: 'never works' });
    expect(await fn.call({ do: 'transient' }, env)).toEqual({ ok: false, retry: true, status: 500, error: 'works another time' });
  });

  it('answers HTTP callers with the same outcome', async () => {
    const post = (body: string) => fn.fetch(new Request('http://node/functions/outcomes', { method: 'POST', body }), env);
    expect((await post('{"do":"ok"}')).status).toBe(200);
    expect((await post('{"do":"permanent"}')).status).toBe(422);
    expect((await post('{nope')).status).toBe(400);
  });
});
