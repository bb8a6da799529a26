import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
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

  it('that does not compile, or imports what is not there, is refused naming the file and the line', async () => {
    writeFileSync(join(dir, 'broken.config.ts'), "export default { name: 'home' maxAttempts: 3 };\n");
    const broken = await cli(['-c', join(dir, 'broken.config.ts'), ...nowhere], { cwd: tmpdir() });
    expect(broken.stderr).toMatch(/config file .*broken\.config\.ts: broken\.config\.ts:1:\d+: Expected "}" but found "maxAttempts"/);
    writeFileSync(join(dir, 'lost.config.ts'), "import { extra } from './helpers-that-are-gone';\nexport default { name: extra };\n");
    const lost = await cli(['-c', join(dir, 'lost.config.ts'), ...nowhere], { cwd: tmpdir() });
    expect(lost.stderr).toMatch(/lost\.config\.ts:1:\d+: Could not resolve ".\/helpers-that-are-gone"/);
    for (const r of [broken, lost]) {
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, no stack trace
    }
  });

  it('imports its own helper files and packages, each from its folder', async () => {
    const sub = join(dir, 'farm');
    mkdirSync(join(sub, 'node_modules', 'farm-defaults'), { recursive: true });
    writeFileSync(join(sub, 'node_modules', 'farm-defaults', 'package.json'), JSON.stringify({ name: 'farm-defaults', type: 'module', exports: { import: './index.js' } }));
    writeFileSync(join(sub, 'node_modules', 'farm-defaults', 'index.js'), "export const attempts = 'several';\n");
    writeFileSync(join(sub, 'limits.ts'), "import { attempts } from 'farm-defaults';\nexport const maxAttempts: unknown = attempts;\n");
    writeFileSync(join(sub, 'wrangler-like.config.ts'), "import { maxAttempts } from './limits';\nexport default { maxAttempts };\n");
    // The value came through both imports: the schema refuses it by name.
    const r = await cli(nowhere, { cwd: sub });
    expect(r.stderr).toMatch(/invalid config: maxAttempts: .*expected number, received string/);
  });

  it('given with -c, a valid one lets the command run', async () => {
    writeFileSync(join(dir, 'farm.config.ts'), "const workers: number = 1;\nexport default { concurrency: workers };\n");
    const r = await cli(['-c', join(dir, 'farm.config.ts'), ...nowhere], { cwd: tmpdir() });
    // The command itself ran: it tried the cluster the config did not stop it from reaching.
    expect(r.stderr).toMatch(/cannot reach the cluster at http:\/\/127\.0\.0\.1:1/);
    expect(r.code).not.toBe(0);
  });
});
