import { ConfigError } from '../config/load.ts';
import { LOG_FORMATS, type LogFormat } from '../lib/log.ts';

/** Long-running services whose logs usually go to a file or a supervisor when not on a terminal. */
const SERVICES = new Set(['up', 'join']);

/**
 * The log format: `--log-format`, else NN_LOG_FORMAT, else human lines, except for `up` and `join`
 * whose stdout is not a terminal (a service's log collector wants records).
 */
export function chooseLogFormat(option: string | undefined, command: string, env = process.env, stdoutIsTTY = !!process.stdout.isTTY): LogFormat {
  const chosen = option ?? env.NN_LOG_FORMAT;
  if (chosen !== undefined && chosen !== '') {
    if (!(LOG_FORMATS as readonly string[]).includes(chosen)) throw new ConfigError(`NN_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, not "${chosen}"`);
    return chosen as LogFormat;
  }
  return SERVICES.has(command) && !stdoutIsTTY ? 'json' : 'human';
}
