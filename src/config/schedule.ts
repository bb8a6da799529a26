import { z } from 'zod';

/** Days a range may start on, as written in the config. */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Weekday = (typeof WEEKDAYS)[number];

/** One range of hours, in minutes since midnight; a range whose end is before its start runs past midnight. */
export interface HourRange {
  start: number;
  end: number;
}

const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;

/** "22:00-07:00" → minutes; undefined when it is not a range of hours. */
export function parseHourRange(text: string): HourRange | undefined {
  const m = RANGE.exec(text.trim());
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (end > 24 * 60 || start === end) return undefined;
  return { start, end };
}

const hoursSchema = z
  .union([z.string(), z.array(z.string()).min(1)])
  .transform((h) => (Array.isArray(h) ? h : h.split(',')).map((r) => r.trim()))
  .superRefine((ranges, ctx) => {
    for (const r of ranges) {
      if (!parseHourRange(r)) ctx.addIssue({ code: 'custom', message: `"${r}" is not a range of hours: HH:MM-HH:MM (24-hour, local time, e.g. "22:00-07:00"; start and end differ)` });
    }
  });

const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not a time zone: an IANA name such as "Europe/Berlin" or "UTC"');

/**
 * When a node takes work: `hours` (ranges in the node's local time, or `timeZone`'s), on `days` (the
 * days a range starts on; default every day), and `onlyWhenIdle`: only after its user has left it
 * alone for `minutes` (no keyboard or mouse input where that can be read, and a load average at
 * most `maxLoad` while it renders nothing) — Deadline's idle detection, OpenCue's NIMBY.
 */
export const scheduleSchema = z.strictObject({
  hours: hoursSchema.optional(),
  days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  timeZone: timeZoneSchema.optional(),
  onlyWhenIdle: z
    .strictObject({
      minutes: z.number().positive(),
      maxLoad: z.number().min(0).default(0.5),
    })
    .optional(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** The weekday and minute of the day at `now` in a time zone (the machine's own when none). */
function localTime(now: Date, timeZone?: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: WEEKDAYS.indexOf(part('weekday').toLowerCase() as Weekday), minute: Number(part('hour')) * 60 + Number(part('minute')) };
}

const clock = (minute: number) => `${String(Math.floor(minute / 60) % 24).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Whether `now` is within the schedule's hours, and if not, the wall-clock time its next range
 * starts ("22:00", or "sat 22:00" when that is not today).
 */
export function scheduleAt(schedule: Schedule, now: Date): { inHours: true } | { inHours: false; until: string } {
  if (!schedule.hours) return { inHours: true };
  const ranges = schedule.hours.map((r) => parseHourRange(r)!);
  const days = new Set((schedule.days ?? WEEKDAYS).map((d) => WEEKDAYS.indexOf(d)));
  const { day, minute } = localTime(now, schedule.timeZone);
  const yesterday = (day + 6) % 7;
  for (const { start, end } of ranges) {
    if (start < end && days.has(day) && minute >= start && minute < end) return { inHours: true };
    if (start > end && ((days.has(day) && minute >= start) || (days.has(yesterday) && minute < end))) return { inHours: true };
  }
  let next: { in: number; day: number; start: number } | undefined;
  for (let ahead = 0; ahead <= 7; ahead++) {
    const d = (day + ahead) % 7;
    if (!days.has(d)) continue;
    for (const { start } of ranges) {
      const wait = ahead * 24 * 60 + start - minute;
      if (wait > 0 && (!next || wait < next.in)) next = { in: wait, day: d, start };
    }
  }
  // days is never empty (zod), so some range starts within a week.
  const at = next!;
  return { inHours: false, until: at.in < 24 * 60 && at.day === day ? clock(at.start) : `${WEEKDAYS[at.day]} ${clock(at.start)}` };
}
