/**
 * Free slots for a screening call: each interviewer's working hours in their own time zone,
 * minus their busy times, from `from` (now plus the policy's notice) to `to` (the horizon), in
 * steps of `stepMinutes`. Pure: the calendars are read by calendar.ts.
 */
import { DateTime } from 'luxon';
import { WEEKDAYS, type Interviewer } from './jobs.ts';

export interface Busy {
  start: Date;
  end: Date;
}

export interface Slot {
  interviewer: string;
  start: Date;
  end: Date;
}

/** The working spans of one weekday, as [start, end] "HH:MM" (empty: a day off). */
function spansFor(hours: Interviewer['working_hours'], weekday: number): Array<[string, string]> {
  const day = WEEKDAYS[weekday - 1]!;
  const span = typeof hours === 'string' ? (weekday <= 5 ? hours : undefined) : hours[day];
  if (!span) return [];
  const [a, b] = span.split('-').map((s) => s.trim());
  return [[a!, b!]];
}

export function freeSlots(options: {
  interviewers: Interviewer[];
  busy: Record<string, Busy[]>;
  from: Date;
  to: Date;
  minutes: number;
  stepMinutes?: number;
  /** At most this many slots per interviewer (the earliest). */
  limit?: number;
}): Slot[] {
  const step = options.stepMinutes ?? 30;
  const out: Slot[] = [];
  for (const iv of options.interviewers) {
    const busy = options.busy[iv.id] ?? [];
    const zone = iv.timezone || 'UTC';
    let day = DateTime.fromJSDate(options.from, { zone }).startOf('day');
    const last = DateTime.fromJSDate(options.to, { zone });
    let found = 0;
    while (day <= last && found < (options.limit ?? 20)) {
      for (const [a, b] of spansFor(iv.working_hours, day.weekday)) {
        const [ah, am] = a.split(':').map(Number);
        const [bh, bm] = b.split(':').map(Number);
        const open = day.set({ hour: ah!, minute: am! });
        const close = bh === 24 ? day.plus({ days: 1 }) : day.set({ hour: bh!, minute: bm! });
        for (let t = open; t.plus({ minutes: options.minutes }) <= close; t = t.plus({ minutes: step })) {
          const start = t.toJSDate();
          const end = t.plus({ minutes: options.minutes }).toJSDate();
          if (start < options.from || end > options.to) continue;
          if (busy.some((x) => x.start < end && x.end > start)) continue;
          out.push({ interviewer: iv.id, start, end });
          if (++found >= (options.limit ?? 20)) break;
        }
      }
      day = day.plus({ days: 1 });
    }
  }
  return out.sort((x, y) => x.start.getTime() - y.start.getTime() || x.interviewer.localeCompare(y.interviewer));
}
