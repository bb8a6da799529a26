import { z } from 'zod';
import { defineFunction } from '../src/function/define.ts';
import { collectGarbage } from '../src/store/retention.ts';

/**
 * Applies the config's retention rule (src/config/retention.ts): finished jobs it no longer keeps go,
 * with their outputs, pieces and events. The crontab runs it on `retention.schedule`;
 * `networknodes gc` calls it at once. Its input is what the crontab adds (ignored).
 */
export default defineFunction({
  name: 'gc',
  input: z.looseObject({}),
  run: async (_input, env) => collectGarbage(env.database.db, env.config.retention),
});
