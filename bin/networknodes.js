#!/usr/bin/env node
// The CLI built at set-up (bin/cli-build.js) when it is current; otherwise the TypeScript as is,
// through tsx, so a checkout works without a build step and never runs a stale build.
import { currentBuild } from './cli-build.js';

const built = currentBuild();
if (built) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
