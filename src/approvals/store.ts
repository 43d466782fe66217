/**
 * All SQL over approvals and votes, and the one place a vote is judged.
 *
 *   pending ──approve (enough votes)──► approved ─┐
 *      │    ──reject──────────────────► rejected ─┼─► event `approval.decided` resumes the run
 *      │    ──expiry──────────────────► expired  ─┘
 *      └──run cancelled──► cancelled
 *
 * A vote takes the approval's row lock, so double and concurrent clicks are decided one at a
 * time: the first final vote wins, later ones see `already-decided`. One person counts once.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../engine/run-store.ts';
import { contentHash } from './hash.ts';
import { approvalRequestSchema, type Approval, type ApprovalDecision, type ApprovalRequestInput, type Vote, type VoteOutcome } from './types.ts';

export type EmitInTransaction = (tx: pg.PoolClient, name: string, key: string, payload: unknown, source: string) => Promise<number>;

export interface NewApproval {
  runId: string;
  /** Stable within the run (e.g. the step id), so a replayed request creates nothing new. */
  key: string;
  workflow: string;
  kind: string;
  title: string;
  request: ApprovalRequestInput;
  amount?: number | null;
  currency?: string | null;
  tier?: string | null;
  requiredApprovals?: number;
  approvers: string[];
  escalation?: string[];
  requestedBy?: string | null;
  expiresAt?: Date | null;
}

export function approvalId(runId: string, key: string): string {
  return `ap_${crypto.createHash('sha256').update(`${runId}:${key}`).digest('hex').slice(0, 12)}`;
}

export async function createApproval(db: Queryable, a: NewApproval): Promise<Approval> {
  const id = approvalId(a.runId, a.key);
  const request = approvalRequestSchema.parse(a.request);
  await db.query(
    `INSERT INTO mailroom.approvals (id, run_id, workflow, kind, title, request, shown_hash, amount, currency, tier,
       required_approvals, approvers, escalation, requested_by, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (id) DO NOTHING`,
    [
      id, a.runId, a.workflow, a.kind, a.title, JSON.stringify(request), contentHash({ title: a.title, request }), a.amount ?? null, a.currency ?? null,
      a.tier ?? null, a.requiredApprovals ?? 1, JSON.stringify(a.approvers), JSON.stringify(a.escalation ?? []), a.requestedBy ?? null, a.expiresAt ?? null,
    ],
  );
  return (await getApproval(db, id))!;
}

const normalise = (row: Approval): Approval => ({ ...row, amount: row.amount === null ? null : Number(row.amount) });

export async function getApproval(db: Queryable, id: string): Promise<Approval | undefined> {
  const { rows } = await db.query<Approval>('SELECT * FROM mailroom.approvals WHERE id = $1', [id]);
  return rows[0] && normalise(rows[0]);
}

export async function listApprovals(db: Queryable, filter: { status?: string; approver?: string } = {}): Promise<Approval[]> {
  const { rows } = await db.query<Approval>(
    `SELECT * FROM mailroom.approvals
      WHERE ($1::text IS NULL OR status = $1)
        AND ($2::text IS NULL OR approvers ? $2 OR escalation ? $2)
      ORDER BY created_at`,
    [filter.status ?? null, filter.approver ?? null],
  );
  return rows.map(normalise);
}

export async function votesFor(db: Queryable, id: string): Promise<Array<{ approver: string; decision: string; note: string | null; channel: string; at: Date }>> {
  const { rows } = await db.query('SELECT approver, decision, note, channel, at FROM mailroom.approval_votes WHERE approval_id = $1 ORDER BY at', [id]);
  return rows;
}

/**
 * `cli:*` in a list admits any CLI operator; a `slack-group:S…` entry admits a member of that
 * Slack user group (the Slack channel checks membership and names the entry as `via`);
 * otherwise identities must match exactly.
 */
export function isEligible(approver: string, approval: Pick<Approval, 'approvers' | 'escalation' | 'escalated_at'>, via?: string): boolean {
  const allowed = approval.escalated_at ? [...approval.approvers, ...approval.escalation] : approval.approvers;
  return allowed.some((a) => a === approver || (a === 'cli:*' && approver.startsWith('cli:')) || (via !== undefined && a === via && a.startsWith('slack-group:')));
}

export async function castVote(pool: pg.Pool, vote: Vote, emit: EmitInTransaction): Promise<VoteOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<Approval>('SELECT * FROM mailroom.approvals WHERE id = $1 FOR UPDATE', [vote.approvalId]);
    const approval = rows[0] && normalise(rows[0]);
    const refuse = async (reason: string): Promise<VoteOutcome> => {
      await client.query('ROLLBACK');
      return { kind: 'refused', reason, approval };
    };
    if (!approval) return await refuse(`no approval ${vote.approvalId}`);
    if (approval.status !== 'pending') {
      await client.query('ROLLBACK');
      return { kind: 'already-decided', approval };
    }
    if (!isEligible(vote.approver, approval, vote.via)) return await refuse(`${vote.approver} is not an approver for this request`);
    if (approval.requested_by && approval.requested_by === vote.approver) {
      return await refuse('separation of duties: the person who started this request may not approve it');
    }
    if (vote.shownHash && vote.shownHash !== approval.shown_hash) {
      return await refuse('the request changed since it was shown to you; reload it and decide again');
    }
    const inserted = await client.query(
      `INSERT INTO mailroom.approval_votes (approval_id, approver, decision, note, edits, shown_hash, channel)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING approver`,
      [approval.id, vote.approver, vote.decision, vote.note ?? null, vote.edits ? JSON.stringify(vote.edits) : null, approval.shown_hash, vote.channel],
    );
    if (!inserted.rowCount) return await refuse(`${vote.approver} has already voted on this request; a second approver is needed`);
    const votes = await client.query<{ approver: string; decision: string; note: string | null; edits: Record<string, unknown> | null }>(
      'SELECT approver, decision, note, edits FROM mailroom.approval_votes WHERE approval_id = $1 ORDER BY at',
      [approval.id],
    );
    const approves = votes.rows.filter((v) => v.decision === 'approve');
    const outcome = vote.decision === 'reject' ? 'rejected' : approves.length >= approval.required_approvals ? 'approved' : undefined;
    if (!outcome) {
      await client.query('COMMIT');
      return { kind: 'recorded', approval, final: false, votesNeeded: approval.required_approvals - approves.length };
    }
    const decision: ApprovalDecision = {
      approvalId: approval.id,
      outcome,
      approvers: (outcome === 'rejected' ? [vote] : approves).map((v) => v.approver),
      note: vote.note ?? null,
      // The last approver's edits win: they saw (and approved) the final text.
      edits: outcome === 'approved' ? (approves.map((v) => v.edits).filter(Boolean).pop() ?? null) : null,
      decidedAt: new Date().toISOString(),
    };
    await client.query(`UPDATE mailroom.approvals SET status = $2, decision = $3, decided_at = now() WHERE id = $1`, [approval.id, outcome, JSON.stringify(decision)]);
    await emit(client, 'approval.decided', approval.id, decision, vote.channel);
    await client.query('COMMIT');
    return { kind: 'recorded', approval: { ...approval, status: outcome, decision }, final: true, votesNeeded: 0 };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Ends a pending approval without a decision (expiry, or its run was cancelled). */
export async function closeApproval(db: Queryable, id: string, status: 'expired' | 'cancelled'): Promise<boolean> {
  const { rowCount } = await db.query(`UPDATE mailroom.approvals SET status = $2, decided_at = now() WHERE id = $1 AND status = 'pending'`, [id, status]);
  return (rowCount ?? 0) > 0;
}

export async function markReminded(db: Queryable, id: string, escalated: boolean): Promise<void> {
  await db.query(
    `UPDATE mailroom.approvals SET reminded_at = now(), escalated_at = CASE WHEN $2 THEN now() ELSE escalated_at END WHERE id = $1`,
    [id, escalated],
  );
}

export async function recordPost(db: Queryable, id: string, post: { channel?: string; ts?: string; error?: string }): Promise<void> {
  await db.query(
    `UPDATE mailroom.approvals SET slack_channel = COALESCE($2, slack_channel), slack_ts = COALESCE($3, slack_ts), post_error = $4 WHERE id = $1`,
    [id, post.channel ?? null, post.ts ?? null, post.error ?? null],
  );
}
