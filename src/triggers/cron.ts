/**
 * Reading schedule expressions the way pg-boss's scheduler reads them (cron, 5 or 6 fields, or an
 * RRULE), without a database: its `previewSchedule` is pure arithmetic, so one instance whose
 * database refuses every statement answers "is this valid", "when next" and "which occurrence".
 */
import { PgBoss } from 'pg-boss';

const reader = new PgBoss({
  db: { executeSql: () => Promise.reject(new Error('the schedule reader has no database')) },
  schedule: false,
  supervise: false,
});

const isRrule = (expression: string) => /(^|;)FREQ=/i.test(expression);

/** Why an expression or time zone cannot be scheduled, or undefined when it can. */
export function scheduleProblem(expression: string, tz: string): string | undefined {
  // cron-parser reads a 4-field expression without complaint; a typo should not become a schedule.
  const fields = expression.trim().split(/\s+/).length;
  if (!isRrule(expression) && fields !== 5 && fields !== 6) return `expected 5 cron fields (minute hour day month weekday), or 6 with seconds first; got ${fields}`;
  try {
    reader.previewSchedule(expression, { tz, from: new Date(), count: 1 });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The next `count` occurrences strictly after `from`. */
export function nextOccurrences(expression: string, tz: string, from = new Date(), count = 1): Date[] {
  return reader.previewSchedule(expression, { tz, from, count });
}

/**
 * The latest occurrence at or before `at`. A scheduled job carries no occurrence time, only when
 * pg-boss created it, which is inside the occurrence's minute-wide due window (plus the forwarding
 * worker's lag), so the search looks back two minutes first, then further up to `maxLookbackMs`
 * (a day): a frequent schedule is found in the first window, a rare one in a later.
 */
export function occurrenceAtOrBefore(expression: string, tz: string, at: Date, maxLookbackMs = 86_400_000): Date | undefined {
  for (const lookbackMs of [120_000, 3_600_000, 86_400_000, maxLookbackMs].filter((l, i, all) => l <= maxLookbackMs && all.indexOf(l) === i)) {
    let from = new Date(at.getTime() - lookbackMs);
    let latest: Date | undefined;
    for (let i = 0; i < 5000; i++) {
      const next = reader.previewSchedule(expression, { tz, from, count: 1 })[0];
      if (!next || next.getTime() > at.getTime()) break;
      latest = next;
      from = next;
    }
    if (latest) return latest;
  }
  return undefined;
}
