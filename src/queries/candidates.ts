/**
 * Candidates as the CLI (`mailroom candidates`, `process --json`), the API and the dashboard
 * show them: one object per application, with its stage, verdicts, score and red flags.
 * Pseudonymised candidates keep their pseudonym, stage, verdicts (without quotes), score and
 * decision; their contact and resume are gone.
 */
import type { Queryable } from '../engine/run-store.ts';

/** The stages a candidate can be in (migration 0017's CHECK): the hiring store writes them, the CLI, API and dashboard filter by them. */
export const CANDIDATE_STAGES = ['received', 'screening', 'awaiting_decision', 'scheduled', 'rejected', 'hold', 'withdrawn'] as const;
export type CandidateStage = (typeof CANDIDATE_STAGES)[number];

export interface CandidateView {
  id: string;
  job: string | null;
  email: string | null;
  name: string | null;
  resume: unknown;
  requirements: Array<{ requirement: string; kind: string; verdict: string; evidence: string | null }>;
  score: number | null;
  gate_passed: boolean | null;
  red_flags: Array<{ kind: string; detail: string; question: string }>;
  stage: string;
  decision: unknown;
  talent_pool: boolean;
  run_id: string | null;
  received_at: string;
  stage_changed_at: string;
  retain_until: string | null;
  pseudonymised: boolean;
  booking: { starts_at: string; ends_at: string; status: string; interviewer: string; uid: string; sequence: number } | null;
}

const SELECT = `
  SELECT c.*, b.booking FROM mailroom.candidates c
  LEFT JOIN LATERAL (
    SELECT json_build_object('starts_at', starts_at, 'ends_at', ends_at, 'status', status, 'interviewer', interviewer_id, 'uid', uid, 'sequence', sequence) AS booking
      FROM mailroom.bookings WHERE candidate_id = c.id AND status <> 'cancelled' ORDER BY created_at DESC LIMIT 1
  ) b ON true`;

interface Row {
  id: string;
  job_id: string | null;
  email: string | null;
  name: string | null;
  resume: unknown;
  requirements: CandidateView['requirements'];
  score: string | null;
  gate_passed: boolean | null;
  red_flags: CandidateView['red_flags'];
  stage: string;
  decision: unknown;
  talent_pool: boolean;
  run_id: string | null;
  received_at: Date;
  stage_changed_at: Date;
  retain_until: Date | null;
  pseudonym: string | null;
  pseudonymised_at: Date | null;
  booking: CandidateView['booking'];
}

function view(r: Row): CandidateView {
  return {
    id: r.id,
    job: r.job_id,
    email: r.pseudonymised_at ? r.pseudonym : r.email,
    name: r.name,
    resume: r.resume,
    requirements: (r.requirements ?? []).map((v) => ({ requirement: v.requirement, kind: v.kind, verdict: v.verdict, evidence: v.evidence ?? null })),
    score: r.score === null ? null : Number(r.score),
    gate_passed: r.gate_passed,
    red_flags: (r.red_flags ?? []).map((f) => ({ kind: f.kind, detail: f.detail, question: f.question })),
    stage: r.stage,
    decision: r.decision,
    talent_pool: r.talent_pool,
    run_id: r.run_id,
    received_at: r.received_at.toISOString(),
    stage_changed_at: r.stage_changed_at.toISOString(),
    retain_until: r.retain_until?.toISOString() ?? null,
    pseudonymised: Boolean(r.pseudonymised_at),
    booking: r.booking,
  };
}

export async function listCandidates(db: Queryable, filter: { job?: string; stage?: string } = {}): Promise<CandidateView[]> {
  const { rows } = await db.query<Row>(
    `${SELECT} WHERE ($1::text IS NULL OR lower(c.job_id) = lower($1)) AND ($2::text IS NULL OR c.stage = $2) ORDER BY c.received_at, c.id`,
    [filter.job ?? null, filter.stage ?? null],
  );
  return rows.map(view);
}

export async function getCandidate(db: Queryable, id: string): Promise<CandidateView | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.id = $1`, [id]);
  return rows[0] && view(rows[0]);
}

/** The candidate a hiring run created (`process --json`). */
export async function candidateForRun(db: Queryable, runId: string): Promise<CandidateView | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE c.run_id = $1`, [runId]);
  return rows[0] && view(rows[0]);
}
