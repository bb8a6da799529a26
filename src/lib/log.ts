import pino from 'pino';
import { prettyFactory } from 'pino-pretty';

/** `human`: one readable line per record (pino-pretty); `json`: pino's records as they are. */
export type LogFormat = 'human' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['human', 'json'];

let format: LogFormat = process.env.NN_LOG_FORMAT === 'json' ? 'json' : 'human';

/** A record's fields after its message as `key=value`, not as a JSON object. */
function fields(record: Record<string, unknown>, messageKey: string): string {
  const skip = new Set([messageKey, 'level', 'time', 'pid', 'hostname', 'name']);
  const text = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) ? v.join(',') : JSON.stringify(v));
  const rest = Object.entries(record).filter(([k, v]) => !skip.has(k) && v !== undefined && k !== 'err');
  const err = record.err as { message?: string; stack?: string } | undefined;
  const line = [String(record[messageKey] ?? ''), ...rest.map(([k, v]) => `${k}=${text(v)}`)].join(' ');
  return err ? `${line}\n${err.stack ?? err.message}` : line;
}

const human = prettyFactory({
  colorize: !!process.stderr.isTTY,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'pid,hostname',
  hideObject: true,
  messageFormat: (record, messageKey) => fields(record, messageKey),
});

/** Records go to stderr (stdout stays for command output such as `--json`), in the chosen format.
 *  Written synchronously, as pino's own destination(2) does: a crash loses no record. */
const destination = {
  write(line: string): void {
    process.stderr.write(format === 'json' ? line : human(line));
  },
};

/** One logger for the process. NN_LOG_LEVEL picks the level: info by default, silent under tests. */
export const log = pino(
  {
    level: process.env.NN_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info'),
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  destination,
);

/** The CLI picks the format once it has read its options (`--log-format`, NN_LOG_FORMAT). */
export function setLogFormat(f: LogFormat): void {
  format = f;
}
