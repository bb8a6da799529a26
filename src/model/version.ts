import { createRequire } from 'node:module';
import { z } from 'zod';

/** This release of NetworkNodes: package.json's version, the one place it is written. */
export const VERSION = z.object({ version: z.string() }).parse(createRequire(import.meta.url)('../../package.json')).version;
