/**
 * Hiring on the command line:
 * - `mailroom candidates [--job ID] [--stage S] [--json]`: one object per candidate (one JSON
 *   object per line with --json) with `stage` one of received|screening|awaiting_decision|
 *   scheduled|rejected|hold|withdrawn;
 * - `mailroom data import jobs <file.yaml|json>` and `data import busy <file.csv>` (the built-in
 *   calendar's busy times), via importHiringData, called by data.ts;
 * - `mailroom data erase <email>`: the applicant's personal data goes, decisions stay pseudonymous;
 * - `mailroom jobs propose <description.txt>`: must-haves and nice-to-haves read from a job
 *   description, printed as YAML for a person to confirm and put in the jobs file;
 * - `process --json` on an application: the `candidate` key (withCandidate).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import { z } from 'zod';
import { readCsv } from '../data/csv.ts';
import type { Queryable } from '../engine/run-store.ts';
import { InputError } from '../errors.ts';
import { candidateForRun, listCandidates, type CandidateView } from '../queries/candidates.ts';
import { eraseApplicant } from '../workflows/hiring/erase.ts';
import { requirementsFromDescription } from '../workflows/hiring/job-description.ts';
import { readJobsFile, upsertJobs } from '../workflows/hiring/jobs.ts';
import { STAGES } from '../workflows/hiring/store.ts';
import { withApp } from './context.ts';

/** Busy times for the built-in calendar: interviewer (id or email), start, end (ISO 8601), summary. */
const busyCsv = z.object({
  interviewer: z.string().min(1),
  start: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  end: z.iso.datetime({ offset: true }).transform((v) => new Date(v)),
  summary: z.string().optional(),
});

/** `data import jobs <file>` and `data import busy <file.csv>`: null for any other kind. */
export async function importHiringData(pool: Queryable, kind: string, source: string): Promise<{ out: string[]; err: string[] } | null> {
  if (kind === 'busy') {
    const rows = readCsv(source, busyCsv);
    for (const r of rows) {
      if (r.end <= r.start) throw new InputError(`${source}: ${r.interviewer} ends before it starts (${r.start.toISOString()})`);
      await pool.query('INSERT INTO mailroom.calendar_busy (interviewer, starts_at, ends_at, summary) VALUES ($1, $2, $3, $4)', [r.interviewer, r.start, r.end, r.summary ?? null]);
    }
    return { out: [`imported ${rows.length} busy time(s) into the built-in calendar from ${source}`], err: [] };
  }
  if (kind !== 'jobs') return null;
  const jobs = readJobsFile(source);
  const n = await upsertJobs(pool, jobs);
  const err = jobs
    .filter((j) => !j.must_have.length && !j.nice_to_have.length)
    .map((j) => `mailroom: job ${j.id} has no must_have or nice_to_have: every candidate would be "unknown"${j.description ? `; \`mailroom jobs propose\` reads them from its description for you to confirm` : ''}`);
  return { out: [`imported ${n} jobs record(s) from ${source}`], err };
}

/** The `candidate` key of `process --json` for an item the router gave to hiring. */
export async function withCandidate<S extends object>(db: Queryable, summary: S, router: { route?: string; childRunId?: string | null } | null | undefined): Promise<S & { candidate?: ReturnType<typeof processView> }> {
  if (router?.route !== 'job_application' || !router.childRunId) return summary;
  const c = await candidateForRun(db, router.childRunId);
  return c ? { ...summary, candidate: processView(c) } : summary;
}

function processView(c: CandidateView) {
  return { id: c.id, job: c.job, resume: c.resume, requirements: c.requirements, score: c.score, gate_passed: c.gate_passed, red_flags: c.red_flags, stage: c.stage, email: c.email };
}

function human(c: CandidateView): string {
  const must = c.requirements.filter((r) => r.kind === 'must_have');
  return `${c.id}  ${(c.job ?? '-').padEnd(14)} ${c.stage.padEnd(17)} ${String(c.score ?? '-').padStart(3)}  must ${must.filter((r) => r.verdict === 'met').length}/${must.length}  flags ${c.red_flags.length}  ${c.pseudonymised ? '(pseudonymised)' : (c.email ?? '-')}${c.booking ? `  call ${c.booking.starts_at} (${c.booking.status})` : ''}`;
}

export function registerHiring(program: Command): void {
  program
    .command('candidates')
    .description('job applicants: stage, score, must-haves met, red flags (one JSON object per line with --json)')
    .option('--job <id>', 'only this job')
    .option('--stage <stage>', `only this stage (${STAGES.join('|')})`)
    .option('--json', 'one JSON object per candidate, one per line')
    .action(async (opts: { job?: string; stage?: string; json?: boolean }) => {
      await withApp('cli', async (app) => {
        if (opts.stage && !(STAGES as readonly string[]).includes(opts.stage)) throw new InputError(`--stage must be one of ${STAGES.join(', ')}`);
        const rows = await listCandidates(app.db.pool, { job: opts.job, stage: opts.stage });
        if (opts.json) for (const c of rows) console.log(JSON.stringify(c));
        else if (!rows.length) console.log('no candidates');
        else for (const c of rows) console.log(human(c));
      });
    });

  program
    .command('jobs')
    .description('jobs: `jobs propose <description.txt>` reads must-haves and nice-to-haves from a job description for you to confirm')
    .command('propose <file>')
    .description('print must-haves and nice-to-haves read from a job description (YAML for the jobs file), each with its source sentence')
    .action((file: string) => {
      const proposal = requirementsFromDescription(fs.readFileSync(file, 'utf8'));
      console.log('# proposed from the description: confirm, edit, then add to the jobs file');
      console.log(YAML.stringify({ must_have: proposal.must_have, nice_to_have: proposal.nice_to_have }));
      for (const [req, sentence] of Object.entries(proposal.evidence)) console.log(`# ${req}: from "${sentence}"`);
    });
}

/** `data erase <email>` (registered on the `data` command by data.ts). */
export function registerErase(data: Command): void {
  data
    .command('erase <email>')
    .description("erase an applicant's personal data (contact, resume, messages, quotes); decisions stay as pseudonymous records")
    .option('--json', 'the report as one JSON object')
    .action(async (email: string, opts: { json?: boolean }) => {
      await withApp('cli', async (app) => {
        if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new InputError(`"${email}" is not an email address`);
        const report = await eraseApplicant({ pool: app.db.pool, cancelRun: (id, why) => app.engine.cancelRun(id, why) }, email);
        if (opts.json) console.log(JSON.stringify({ email, ...report }));
        else console.log(`erased ${report.candidates} candidate(s), ${report.runs} run payload(s), ${report.blobs} stored file(s), ${report.outbox} outbox message(s) for ${email}; decisions kept pseudonymously`);
      });
    });
}
