import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers/cli.ts';

// A user's config lives in their scene folder, which is no ESM package ("type": "module"): Node
// would take the TypeScript file for CommonJS and refuse its `export default`.
describe('a TypeScript config file in a folder of the user\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nn-config-'));
  const nowhere = ['nodes', '--cluster', 'http://127.0.0.1:1', '--token', 'x'];

  it('is read from the folder the command runs in, and a bad value is refused by name', async () => {
    writeFileSync(join(dir, 'wrangler-like.config.ts'), "export default { concurrency: 'many' };\n");
    const r = await cli(nowhere, { cwd: dir });
    expect(r.stderr).toMatch(/invalid config: concurrency: .*expected number/);
    expect(r.stderr).not.toMatch(/ERR_|require\(\)/);
  });

  it('given with -c, a valid one lets the command run', async () => {
    writeFileSync(join(dir, 'farm.config.ts'), "const workers: number = 1;\nexport default { concurrency: workers };\n");
    const r = await cli(['-c', join(dir, 'farm.config.ts'), ...nowhere], { cwd: tmpdir() });
    // The command itself ran: it tried the cluster the config did not stop it from reaching.
    expect(r.stderr).toMatch(/cannot reach the cluster at http:\/\/127\.0\.0\.1:1/);
    expect(r.code).not.toBe(0);
  });
});
