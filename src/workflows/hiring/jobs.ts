/**
 * Jobs: the jobs file (`mailroom data import jobs <file.yaml|json>`) and how an application
 * finds its job: the address it was sent to (`alias`, e.g. `jobs+backend@…`), the job's id or
 * title in the subject, or `--job`. When none of these tells, the workflow asks a person.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { InputError } from '../../errors.ts';
import type { Queryable } from '../../engine/run-store.ts';

const span = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d\s*-\s*([01]\d|2[0-4]):[0-5]\d$/, 'a span like 09:00-17:00');
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** `"09:00-17:00"` (Monday to Friday) or per weekday (`{ mon: "09:00-12:00", ... }`; a missing day is off). */
const workingHours = z.union([span, z.partialRecord(z.enum(WEEKDAYS), span)]);

export const interviewerSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  email: z.string().email(),
  slack: z.string().optional(),
  working_hours: workingHours.default('09:00-17:00'),
  timezone: z.string().default('UTC'),
  /** Their CalDAV calendar's URL (default: <CALDAV_URL>/<id>/ when CALDAV_URL is set). */
  calendar: z.string().url().optional(),
});

export const jobSchema = z.object({
  id: z.string().min(1).regex(/^[\w.-]+$/, 'letters, digits, dot, dash or underscore'),
  title: z.string().min(1),
  description: z.string().optional(),
  must_have: z.array(z.string().min(1)).default([]),
  nice_to_have: z.array(z.string().min(1)).default([]),
  interviewers: z.array(interviewerSchema).default([]),
  location: z.string().optional(),
  alias: z.string().min(1).optional(),
  /** junior | mid | senior | lead (optional): compared with the candidate's years of experience. */
  level: z.enum(['junior', 'mid', 'senior', 'lead']).optional(),
});

export type JobSpec = z.infer<typeof jobSchema>;
export type Interviewer = z.infer<typeof interviewerSchema>;
export interface Job extends JobSpec {
  version: number;
}

/** Reads a jobs file: a list of jobs, or `{ jobs: [...] }`, YAML or JSON. */
export function readJobsFile(file: string): JobSpec[] {
  let data: unknown;
  try {
    data = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  const list = Array.isArray(data) ? data : (data as { jobs?: unknown } | null)?.jobs;
  const parsed = z.array(jobSchema).min(1).safeParse(list);
  if (!parsed.success) {
    throw new InputError(`${file}: not a jobs file: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

const specHash = (j: JobSpec) => crypto.createHash('sha256').update(JSON.stringify([j.title, j.must_have, j.nice_to_have, j.level ?? null])).digest('hex');

/** Upserts by id; the version goes up only when what screening depends on changed. */
export async function upsertJobs(db: Queryable, jobs: JobSpec[]): Promise<number> {
  for (const j of jobs) {
    await db.query(
      `INSERT INTO mailroom.jobs (id, title, description, must_have, nice_to_have, interviewers, location, alias, level, spec_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, description = EXCLUDED.description, must_have = EXCLUDED.must_have,
         nice_to_have = EXCLUDED.nice_to_have, interviewers = EXCLUDED.interviewers, location = EXCLUDED.location, alias = EXCLUDED.alias,
         level = EXCLUDED.level, spec_hash = EXCLUDED.spec_hash, updated_at = now(),
         version = mailroom.jobs.version + (mailroom.jobs.spec_hash <> EXCLUDED.spec_hash)::int`,
      [j.id, j.title, j.description ?? null, JSON.stringify(j.must_have), JSON.stringify(j.nice_to_have), JSON.stringify(j.interviewers), j.location ?? null, j.alias ?? null, j.level ?? null, specHash(j)],
    );
  }
  return jobs.length;
}

interface JobRow {
  id: string;
  title: string;
  description: string | null;
  must_have: string[];
  nice_to_have: string[];
  interviewers: unknown[];
  location: string | null;
  alias: string | null;
  level: JobSpec['level'] | null;
  version: number;
}

function toJob(r: JobRow): Job {
  return {
    id: r.id, title: r.title, description: r.description ?? undefined, must_have: r.must_have, nice_to_have: r.nice_to_have,
    interviewers: z.array(interviewerSchema).parse(r.interviewers), location: r.location ?? undefined, alias: r.alias ?? undefined,
    level: r.level ?? undefined, version: r.version,
  };
}

export async function listJobs(db: Queryable): Promise<Job[]> {
  const { rows } = await db.query<JobRow>('SELECT * FROM mailroom.jobs ORDER BY id');
  return rows.map(toJob);
}

export async function getJob(db: Queryable, id: string): Promise<Job | undefined> {
  const { rows } = await db.query<JobRow>('SELECT * FROM mailroom.jobs WHERE lower(id) = lower($1)', [id]);
  return rows[0] && toJob(rows[0]);
}

export type JobMatch = { job: Job; how: 'forced' | 'alias' | 'subject-id' | 'subject-title' } | { job: null; reason: string; candidates: string[] };

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether an address was sent to this alias: the whole address, or the `+tag` / local part. */
function aliasMatches(alias: string, address: string): boolean {
  const a = alias.toLowerCase();
  const addr = address.toLowerCase();
  if (a.includes('@')) return a === addr;
  const local = addr.split('@')[0] ?? '';
  const tag = local.includes('+') ? local.slice(local.indexOf('+') + 1) : null;
  return a === tag || a === local;
}

/** Pure: finds the job among `jobs` by --job, then alias, then id in the subject, then title in the subject. */
export function matchJob(jobs: Job[], hints: { forced?: string | null; to?: string[]; subject?: string | null }): JobMatch {
  if (hints.forced) {
    const job = jobs.find((j) => j.id.toLowerCase() === hints.forced!.toLowerCase());
    return job ? { job, how: 'forced' } : { job: null, reason: `no job with id "${hints.forced}"`, candidates: jobs.map((j) => j.id) };
  }
  const byAlias = jobs.filter((j) => j.alias && (hints.to ?? []).some((t) => aliasMatches(j.alias!, t)));
  if (byAlias.length === 1) return { job: byAlias[0]!, how: 'alias' };
  const subject = hints.subject ?? '';
  const byId = jobs.filter((j) => new RegExp(`(^|[^\\w-])${escape(j.id)}($|[^\\w-])`, 'i').test(subject));
  if (byId.length === 1) return { job: byId[0]!, how: 'subject-id' };
  // The longest title found wins ("Senior Backend Engineer" over "Backend Engineer").
  const byTitle = jobs.filter((j) => subject.toLowerCase().includes(j.title.toLowerCase())).sort((a, b) => b.title.length - a.title.length);
  if (byTitle.length && (byTitle.length === 1 || byTitle[0]!.title.length > byTitle[1]!.title.length)) return { job: byTitle[0]!, how: 'subject-title' };
  const ambiguous = [...byAlias, ...byId, ...byTitle].map((j) => j.id);
  return {
    job: null,
    reason: !jobs.length ? 'no jobs are imported (mailroom data import jobs <file>)' : ambiguous.length ? `several jobs fit (${[...new Set(ambiguous)].join(', ')})` : 'neither the address nor the subject names a job',
    candidates: jobs.map((j) => j.id),
  };
}
