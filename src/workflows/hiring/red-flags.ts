/**
 * Red flags become interview questions, never score penalties: nothing here feeds the score
 * (requirements.ts does not import it). Each flag says what it saw in the dates and titles and
 * suggests a neutral, open question; a gap may be study, care, illness or a sabbatical, and the
 * candidate is asked, not judged.
 *
 * - gap: months without a role between merged intervals (jobs held at the same time overlap,
 *   they are not gaps), longer than `gapMonths`;
 * - short_tenure: a finished role shorter than `shortTenureMonths` (internships, contracts,
 *   freelance and seasonal roles are short by design and are left out);
 * - date_conflict: a role ending before it starts or starting in the future, or a claimed
 *   number of years the dated roles do not reach;
 * - level_mismatch: a senior or lead job and fewer years than such a role usually has. Only
 *   that direction: "too much experience" for a junior role is an age proxy, so it is never raised.
 */
import type { BlindResume } from './blind.ts';
import { experienceMonths, gapsBetween, monthIndex, monthLabel, nowMonth } from './intervals.ts';

export type RedFlagKind = 'gap' | 'short_tenure' | 'date_conflict' | 'level_mismatch';

export interface RedFlag {
  kind: RedFlagKind;
  detail: string;
  question: string;
}

export interface RedFlagOptions {
  gapMonths?: number;
  shortTenureMonths?: number;
  now?: Date;
}

const SHORT_BY_DESIGN = /\b(intern(ship)?|trainee|werkstudent|praktik|stage|stagiaire|contract(or)?|freelance|freiberuf|temporary|temp|seasonal|volunteer|part[- ]time|fellow(ship)?)\b/i;
const LEVEL_YEARS: Record<string, number> = { senior: 5, lead: 7 };
const CLAIM = /(\d+)\s*\+?\s*(?:years?|yrs?|jahre?n?)\s+(?:of\s+)?(?:professional\s+|industry\s+|work\s+|relevant\s+)?(?:experience|erfahrung|berufserfahrung)/i;

/** The job's level: as set, else read from its title. */
export function jobLevel(job: { level?: string; title: string }): string | null {
  if (job.level) return job.level;
  if (/\b(lead|principal|staff|head of)\b/i.test(job.title)) return 'lead';
  if (/\bsenior|sr\.?\b/i.test(job.title)) return 'senior';
  if (/\bjunior|jr\.?|entry\b/i.test(job.title)) return 'junior';
  return null;
}

export function findRedFlags(resume: BlindResume, job: { level?: string; title: string }, options: RedFlagOptions = {}): RedFlag[] {
  const now = options.now ?? new Date();
  const gapMonths = options.gapMonths ?? 6;
  const shortMonths = options.shortTenureMonths ?? 12;
  const flags: RedFlag[] = [];
  const dated = resume.work.filter((w) => w.startDate);

  for (const w of resume.work) {
    const from = w.startDate ? monthIndex(w.startDate, 'start') : null;
    const to = w.endDate ? monthIndex(w.endDate, 'end') : null;
    const role = `${w.position || 'a role'}${w.company ? ` at ${w.company}` : ''}`;
    if (from !== null && to !== null && to < from) {
      flags.push({ kind: 'date_conflict', detail: `${role} ends (${w.endDate}) before it starts (${w.startDate})`, question: `Could you walk us through the dates of your time at ${w.company || 'that role'}?` });
      continue;
    }
    if (from !== null && from > nowMonth(now)) {
      flags.push({ kind: 'date_conflict', detail: `${role} starts in the future (${w.startDate})`, question: `The resume lists ${role} from ${w.startDate}; is that a role you are about to start?` });
      continue;
    }
    // Bare years say too little to call a tenure short.
    if (from !== null && to !== null && /-\d{2}$/.test(w.startDate!) && /-\d{2}$/.test(w.endDate!) && to - from + 1 < shortMonths && !SHORT_BY_DESIGN.test(`${w.position} ${w.highlights.join(' ')}`)) {
      const months = to - from + 1;
      flags.push({ kind: 'short_tenure', detail: `${role} lasted ${months} month${months === 1 ? '' : 's'} (${w.startDate} to ${w.endDate})`, question: `What did you work on at ${w.company || 'that role'}, and what led to the next step after ${months} months?` });
    }
  }

  for (const [a, b] of gapsBetween(dated, now)) {
    const months = b - a + 1;
    if (months > gapMonths) {
      flags.push({ kind: 'gap', detail: `no role listed from ${monthLabel(a)} to ${monthLabel(b)} (${months} months, overlapping roles merged)`, question: `What would you like to tell us about the time between ${monthLabel(a)} and ${monthLabel(b)}?` });
    }
  }

  const years = experienceMonths(dated, now) / 12;
  const claim = resume.lines.map((l) => CLAIM.exec(l)).find((m) => m);
  if (claim && dated.length && Number(claim[1]) - years >= 2) {
    flags.push({
      kind: 'date_conflict',
      detail: `the resume says "${claim[0]}" and its dated roles add up to about ${years.toFixed(1)} years`,
      question: `Which experience does the "${claim[0]}" include beyond the roles listed?`,
    });
  }

  const level = jobLevel(job);
  const expected = level ? LEVEL_YEARS[level] : undefined;
  if (expected && dated.length && years < expected) {
    flags.push({
      kind: 'level_mismatch',
      detail: `a ${level} role; the dated roles add up to about ${years.toFixed(1)} years (a ${level} role usually has ${expected}+)`,
      question: `Which responsibilities in your past roles were closest to what a ${level} ${job.title} carries here?`,
    });
  }
  return flags;
}
