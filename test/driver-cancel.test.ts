import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeDriver } from '../src/driver/node-driver.ts';
import { listSchema } from '../src/driver/protocol.ts';
import { renderOptionsSchema } from '../src/model/render-options.ts';

const driver = new NodeDriver(1);
afterAll(() => driver.close());

describe('a cancelled driver call', () => {
  it('ends once the request’s child is gone, so the caller can delete what it was writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nn-cancel-'));
    const out = join(dir, 'out');
    mkdirSync(out);
    // Importing it writes files into out/ until it is killed, as a stitch's or a render's child
    // writes into the folders its node deletes once the call has ended.
    writeFileSync(join(dir, 'writer.py'), `import itertools\nfor i in itertools.count():\n    open(f"out/{i}", "w").close()\n`);
    const cancel = new AbortController();
    const call = driver.call('list', { file: join(dir, 'writer.py'), cwd: dir, options: renderOptionsSchema.parse({}) }, listSchema, cancel.signal);
    const outcome = call.then(() => 'answered', (err: Error) => err.message);
    while (readdirSync(out).length < 100) await sleep(50);
    cancel.abort(new Error('stopped by the test'));
    expect(await outcome).toBe('stopped by the test');
    // nothing writes there any more: the folder's count stays, and it is deleted whole
    const left = readdirSync(out).length;
    await sleep(500);
    expect(readdirSync(out).length).toBe(left);
    await rm(dir, { recursive: true });
  }, 120_000);
});
