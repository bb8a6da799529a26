import pino from 'pino';

/** One logger for the process, on stderr so stdout stays for command output (`--json`).
 *  NN_LOG_LEVEL picks the level: info by default, silent under tests. */
export const log = pino(
  {
    level: process.env.NN_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination(2),
);
