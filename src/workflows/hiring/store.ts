/**
 * Writes for the hiring tables: candidates, the screening cache, the status-mail ledger.
 * Reads that the CLI, API and dashboard share live in src/queries/candidates.ts.
 */
import type { Queryable } from '../../engine/run-store.ts';
import type { ResumeParse } from '../../documents/resume/types.ts';
import type { RedFlag } from './red-flags.ts';
import type { Screening } from './requirements.ts';

import type { CandidateStage } from '../../queries/candidates.ts';

export { CANDIDATE_STAGES as STAGES } from '../../queries/candidates.ts';
export type Stage = CandidateStage;

export interface NewCandidate {
  runId: string;
  itemId: string | null;
  jobId: string | null;
  email: string | null;
  name: string | null;
  resumeSha256: string | null;
  resume: ResumeParse | null;
  talentPool: boolean;
  retainUntil: Date;
}

/** One candidate per run: a replayed step gets the same row. */
export async function createCandidate(db: Queryable, c: NewCandidate): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO mailroom.candidates (run_id, item_id, job_id, email, name, resume_sha256, resume, talent_pool, retain_until)
     VALUES ($1, $2, $3, lower($4), $5, $6, $7, $8, $9)
     ON CONFLICT (run_id) WHERE run_id IS NOT NULL DO UPDATE SET run_id = EXCLUDED.run_id
     RETURNING id`,
    [c.runId, c.itemId, c.jobId, c.email, c.name, c.resumeSha256, c.resume && JSON.stringify(c.resume), c.talentPool, c.retainUntil],
  );
  return rows[0]!.id;
}

export async function setCandidateJob(db: Queryable, id: string, jobId: string): Promise<void> {
  await db.query('UPDATE mailroom.candidates SET job_id = $2 WHERE id = $1', [id, jobId]);
}

export async function saveScreening(db: Queryable, id: string, s: Screening, flags: RedFlag[]): Promise<void> {
  await db.query(
    `UPDATE mailroom.candidates SET requirements = $2, score = $3, gate_passed = $4, red_flags = $5 WHERE id = $1`,
    [id, JSON.stringify(s.requirements), s.score, s.gate_passed, JSON.stringify(flags)],
  );
}

/** Moves the candidate to `stage`; the decision (who, what, when) is kept with it. */
export async function setStage(db: Queryable, id: string, stage: Stage, decision?: Record<string, unknown>): Promise<void> {
  await db.query(
    `UPDATE mailroom.candidates SET stage = $2, stage_changed_at = now(), decision = COALESCE($3, decision) WHERE id = $1 AND stage IS DISTINCT FROM $2`,
    [id, stage, decision ? JSON.stringify(decision) : null],
  );
}

export interface CacheKey {
  resumeSha256: string;
  jobId: string;
  jobVersion: number;
  promptVersion: string;
}

export async function cachedScreening(db: Queryable, k: CacheKey): Promise<Screening | undefined> {
  const { rows } = await db.query<{ result: Screening }>(
    'SELECT result FROM mailroom.screening_cache WHERE resume_sha256 = $1 AND job_id = $2 AND job_version = $3 AND prompt_version = $4',
    [k.resumeSha256, k.jobId, k.jobVersion, k.promptVersion],
  );
  return rows[0]?.result;
}

export async function storeScreening(db: Queryable, k: CacheKey, result: Screening): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.screening_cache (resume_sha256, job_id, job_version, prompt_version, result) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [k.resumeSha256, k.jobId, k.jobVersion, k.promptVersion, JSON.stringify(result)],
  );
}

/** Whether this candidate was already sent the status mail of this stage (by any run). */
export async function stageMessageSent(db: Queryable, candidateId: string, stage: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM mailroom.candidate_messages WHERE candidate_id = $1 AND stage = $2', [candidateId, stage]);
  return rows.length > 0;
}

/** Recorded after the outbox took the message (its idempotency key makes the send itself once-only). */
export async function recordStageMessage(db: Queryable, candidateId: string, stage: string, outboxId: string): Promise<void> {
  await db.query('INSERT INTO mailroom.candidate_messages (candidate_id, stage, outbox_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [candidateId, stage, outboxId]);
}

export interface BookingRow {
  id: string;
  candidate_id: string;
  interviewer_id: string;
  uid: string;
  sequence: number;
  starts_at: Date;
  ends_at: Date;
  status: string;
}

/** The candidate's booking: one per candidate, the same UID across reschedules (its SEQUENCE goes up). */
export async function upsertBooking(db: Queryable, b: { candidateId: string; interviewerId: string; uid: string; sequence: number; start: Date; end: Date; calendar: string }): Promise<BookingRow> {
  const { rows } = await db.query<BookingRow>(
    `INSERT INTO mailroom.bookings (candidate_id, interviewer_id, uid, sequence, starts_at, ends_at, calendar) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (uid) DO UPDATE SET interviewer_id = EXCLUDED.interviewer_id, sequence = EXCLUDED.sequence, starts_at = EXCLUDED.starts_at,
       ends_at = EXCLUDED.ends_at, status = 'invited', updated_at = now()
     RETURNING id, candidate_id, interviewer_id, uid, sequence, starts_at, ends_at, status`,
    [b.candidateId, b.interviewerId, b.uid, b.sequence, b.start, b.end, b.calendar],
  );
  return rows[0]!;
}

export async function setBookingHref(db: Queryable, uid: string, href: string | null): Promise<void> {
  await db.query('UPDATE mailroom.bookings SET calendar_href = $2 WHERE uid = $1', [uid, href]);
}

export async function setBookingStatus(db: Queryable, uid: string, status: 'accepted' | 'declined' | 'tentative' | 'cancelled' | 'invited'): Promise<void> {
  await db.query('UPDATE mailroom.bookings SET status = $2, updated_at = now() WHERE uid = $1', [uid, status]);
}

/** The booking and the run waiting for its answers, by iCalendar UID (an iMIP reply). */
export async function bookingByUid(db: Queryable, uid: string): Promise<(BookingRow & { run_id: string | null }) | undefined> {
  const { rows } = await db.query<BookingRow & { run_id: string | null }>(
    `SELECT b.id, b.candidate_id, b.interviewer_id, b.uid, b.sequence, b.starts_at, b.ends_at, b.status, c.run_id
       FROM mailroom.bookings b JOIN mailroom.candidates c ON c.id = b.candidate_id WHERE b.uid = $1`,
    [uid],
  );
  return rows[0];
}
