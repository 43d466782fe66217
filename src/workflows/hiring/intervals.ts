/**
 * Role dates as month intervals. `YYYY-MM` is that month; a bare `YYYY` starts in January and
 * ends in December (the resume does not say more, and reading it generously never invents a
 * gap); no end date is a current role, running to `now`. Overlapping roles merge: two jobs
 * held at once are one stretch of experience, and never a gap.
 */
export interface Interval {
  startDate?: string;
  endDate?: string;
}

/** Months since year 0 (so differences are month counts). */
export function monthIndex(date: string, edge: 'start' | 'end'): number | null {
  const m = /^(\d{4})(?:-(\d{2}))?$/.exec(date);
  if (!m) return null;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) - 1 : edge === 'start' ? 0 : 11;
  return year * 12 + month;
}

export const nowMonth = (now: Date) => now.getUTCFullYear() * 12 + now.getUTCMonth();
export const monthLabel = (i: number) => `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;

/** Inclusive month spans [from, to], merged where they overlap or touch; sorted. */
export function mergedSpans(roles: Interval[], now = new Date()): Array<[number, number]> {
  const spans = roles
    .map((r) => {
      const from = r.startDate ? monthIndex(r.startDate, 'start') : null;
      const to = r.endDate ? monthIndex(r.endDate, 'end') : nowMonth(now);
      return from === null || to === null || to < from ? null : ([from, to] as [number, number]);
    })
    .filter((s): s is [number, number] => s !== null)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] <= last[1] + 1) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/** Months of experience: the merged spans' lengths (overlaps counted once). */
export function experienceMonths(roles: Interval[], now = new Date()): number {
  return mergedSpans(roles, now).reduce((n, [a, b]) => n + (b - a + 1), 0);
}

/** The months between merged spans: [first month without a role, last month without one]. */
export function gapsBetween(roles: Interval[], now = new Date()): Array<[number, number]> {
  const spans = mergedSpans(roles, now);
  const gaps: Array<[number, number]> = [];
  for (let i = 1; i < spans.length; i++) gaps.push([spans[i - 1]![1] + 1, spans[i]![0] - 1]);
  return gaps;
}
