/**
 * The hiring rule of the action gate: no automatic rejection, ever. A status mail of stage
 * `rejected` goes only when a person decided to reject this candidate on this run: the hiring
 * decision approval was approved with the *Reject* choice, or a person voted reject on it.
 * Whatever the workflow code or a model proposes, without that record the mail is refused.
 * (Status mails are also held to the recipient rules of `email.send` in gate.ts.)
 */
import type { Queryable } from '../engine/run-store.ts';

export const HIRING_DECISION_KIND = 'hiring.decision';
export const REJECT_CHOICE = 'Reject';

interface DecisionRow {
  status: string;
  request: { proposal?: { parameters?: Record<string, unknown> } };
  decision: { edits?: Record<string, unknown> | null } | null;
}

/** The choice a decided hiring approval carries: the clicked button (edits) over the proposal. */
export function hiringChoice(row: DecisionRow): string | null {
  if (row.status === 'rejected') return REJECT_CHOICE;
  if (row.status !== 'approved') return null;
  const chosen = row.decision?.edits?.workflow ?? row.request.proposal?.parameters?.workflow;
  return typeof chosen === 'string' ? chosen : null;
}

/** Why this status mail is refused, or null when it may go. */
export async function hiringMailRefusal(db: Queryable, runId: string, params: Record<string, unknown>): Promise<string | null> {
  if (params.stage !== 'rejected') return null;
  const { rows } = await db.query<DecisionRow & { candidate: unknown }>(
    `SELECT status, request, decision, request->'proposal'->'parameters'->>'candidate' AS candidate
       FROM mailroom.approvals WHERE run_id = $1 AND kind = $2 AND status IN ('approved', 'rejected')`,
    [runId, HIRING_DECISION_KIND],
  );
  const decided = rows.some((r) => hiringChoice(r) === REJECT_CHOICE && (params.candidate === undefined || r.candidate === params.candidate));
  return decided ? null : 'a rejection mail needs a person\'s decision to reject this candidate, and this run has none';
}

/**
 * Invitations and briefings for interviewers go only to an interviewer of the job named in the
 * action, as the jobs file lists them: never to an address a resume or a model came up with.
 */
export async function interviewerMailRefusal(db: Queryable, params: Record<string, unknown>): Promise<string | null> {
  const to = String(params.to ?? '').trim().toLowerCase();
  if (!to || typeof params.job !== 'string') return 'an interviewer mail needs a recipient and a job';
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM mailroom.jobs j, jsonb_array_elements(j.interviewers) i WHERE j.id = $1 AND lower(i->>'email') = $2) AS ok`,
    [params.job, to],
  );
  return rows[0]?.ok ? null : `${to} is not an interviewer of job ${params.job}`;
}
