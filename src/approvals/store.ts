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
 *
 * Every vote names the version of the proposal it decides (`version` or the shown hash). An
 * approve with edits that change the proposal creates the next version (new request, new hash,
 * an `approval.changed` event so the run can tell the earlier voters); votes for older versions
 * no longer count, so in a two-person tier both people approve the same, final text.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../engine/run-store.ts';
import { approvalRequestSchema, type Approval, type ApprovalDecision, type ApprovalRequestInput, type RefusalCode, type VersionChange, type Vote, type VoteOutcome } from './types.ts';
import { applyEdits, editedAmount, effectiveEdits, requestHash, tierFor, type TierRule } from './versions.ts';

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
  /** Who brought the item in, for display; `requesters` holds every identity of theirs. */
  requestedBy?: string | null;
  requesters?: string[];
  /** The tier table the amount was tiered by, so an edited amount is tiered again. */
  tierRules?: TierRule[] | null;
  expiresAt?: Date | null;
}

export function approvalId(runId: string, key: string): string {
  return `ap_${crypto.createHash('sha256').update(`${runId}:${key}`).digest('hex').slice(0, 12)}`;
}

export async function createApproval(db: Queryable, a: NewApproval): Promise<Approval> {
  const id = approvalId(a.runId, a.key);
  const request = approvalRequestSchema.parse(a.request);
  const { rowCount } = await db.query(
    `INSERT INTO mailroom.approvals (id, run_id, workflow, kind, title, request, shown_hash, amount, currency, tier,
       required_approvals, approvers, escalation, requested_by, expires_at, requesters, tier_rules)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (id) DO NOTHING`,
    [
      id, a.runId, a.workflow, a.kind, a.title, JSON.stringify(request), requestHash(a.title, request), a.amount ?? null, a.currency ?? null,
      a.tier ?? null, a.requiredApprovals ?? 1, JSON.stringify(a.approvers), JSON.stringify(a.escalation ?? []), a.requestedBy ?? null, a.expiresAt ?? null,
      JSON.stringify(a.requesters ?? (a.requestedBy ? [a.requestedBy] : [])), a.tierRules ? JSON.stringify(a.tierRules) : null,
    ],
  );
  const approval = (await getApproval(db, id))!;
  if (rowCount) await insertVersion(db, approval, null, null);
  return approval;
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

export async function votesFor(db: Queryable, id: string): Promise<Array<{ approver: string; decision: string; note: string | null; channel: string; version: number; shown_hash: string; at: Date }>> {
  const { rows } = await db.query('SELECT approver, decision, note, channel, version, shown_hash, at FROM mailroom.approval_votes WHERE approval_id = $1 ORDER BY at', [id]);
  return rows;
}

/**
 * `cli:*` in a list admits any CLI operator and `api:*` any API caller; a `slack-group:S…` entry admits a member of that
 * Slack user group (the Slack channel checks membership and names the entry as `via`);
 * otherwise identities must match exactly.
 */
export function isEligible(approver: string, approval: Pick<Approval, 'approvers' | 'escalation' | 'escalated_at'>, via?: string): boolean {
  const allowed = approval.escalated_at ? [...approval.approvers, ...approval.escalation] : approval.approvers;
  return allowed.some((a) =>
    a === approver
    || (a === 'cli:*' && approver.startsWith('cli:'))
    || (a === 'api:*' && approver.startsWith('api:'))
    || (via !== undefined && a === via && a.startsWith('slack-group:')));
}

/** Whether this identity brought the item in (separation of duties). */
export function isRequester(approver: string, approval: Pick<Approval, 'requested_by' | 'requesters'>): boolean {
  return approval.requested_by === approver || (approval.requesters ?? []).includes(approver);
}

/**
 * The version a vote names: explicitly, or by the hash of what was shown. Undefined when it
 * names none (refused: nobody decides a proposal without saying which one they saw).
 */
function namedVersion(vote: Vote, approval: Approval): number | undefined {
  if (vote.shownHash !== undefined && vote.shownHash !== approval.shown_hash) return -1;
  if (vote.version !== undefined) return vote.version;
  return vote.shownHash !== undefined ? approval.version : undefined;
}

type VoteRow = { approver: string; decision: string; note: string | null; edits: Record<string, unknown> | null; version: number };

export async function castVote(pool: pg.Pool, vote: Vote, emit: EmitInTransaction): Promise<VoteOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<Approval>('SELECT * FROM mailroom.approvals WHERE id = $1 FOR UPDATE', [vote.approvalId]);
    const approval = rows[0] && normalise(rows[0]);
    const refuse = async (code: RefusalCode, reason: string): Promise<VoteOutcome> => {
      await client.query('ROLLBACK');
      return { kind: 'refused', code, reason, approval };
    };
    if (!approval) return await refuse('not_found', `no approval ${vote.approvalId}`);
    if (approval.status !== 'pending') {
      await client.query('ROLLBACK');
      return { kind: 'already-decided', approval };
    }
    if (!isEligible(vote.approver, approval, vote.via)) return await refuse('not_eligible', `${vote.approver} is not an approver for this request`);
    if (isRequester(vote.approver, approval)) {
      return await refuse('separation_of_duties', 'separation of duties: the person who brought this request in may not approve it');
    }
    const named = namedVersion(vote, approval);
    if (named === undefined) return await refuse('invalid', 'a vote must name the version of the proposal it decides');
    if (named !== approval.version) {
      return await refuse('stale', `the proposal changed since it was shown to you (it is now version ${approval.version}); review it again and decide on that version`);
    }

    // Every channel's edits obey the request: only editable fields, only offered values.
    const badEdit = vote.edits ? invalidEdit(approval.request, vote.edits) : undefined;
    if (badEdit) return await refuse('invalid', badEdit);

    const prior = await client.query<VoteRow>('SELECT approver, decision, note, edits, version FROM mailroom.approval_votes WHERE approval_id = $1 ORDER BY at', [approval.id]);
    let current = approval;
    let changed: VersionChange | undefined;
    const changes = vote.decision === 'approve' && vote.edits ? effectiveEdits(approval.request, vote.edits) : {};
    const edits = Object.keys(changes).length ? changes : undefined;
    if (edits) {
      const request = applyEdits(approval.request, edits);
      const hash = requestHash(approval.title, request);
      if (hash !== approval.shown_hash) {
        current = reviseApproval(approval, request, hash, edits);
        await client.query(
          `UPDATE mailroom.approvals SET version = $2, request = $3, shown_hash = $4, edits = $5, amount = $6, tier = $7,
             required_approvals = $8, approvers = $9, escalation = $10 WHERE id = $1`,
          [current.id, current.version, JSON.stringify(current.request), current.shown_hash, JSON.stringify(current.edits), current.amount, current.tier,
            current.required_approvals, JSON.stringify(current.approvers), JSON.stringify(current.escalation)],
        );
        await insertVersion(client, current, edits, vote.approver);
        const previousVoters = [...new Set(prior.rows.filter((v) => v.approver !== vote.approver).map((v) => v.approver))];
        changed = { version: current.version, editedBy: vote.approver, edits, previousVoters };
        await emit(client, 'approval.changed', current.id, changed, vote.channel);
      }
    }

    const inserted = await client.query(
      `INSERT INTO mailroom.approval_votes (approval_id, approver, decision, note, edits, shown_hash, channel, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING approver`,
      [current.id, vote.approver, vote.decision, vote.note ?? null, edits ? JSON.stringify(edits) : null, current.shown_hash, vote.channel, current.version],
    );
    if (!inserted.rowCount) return await refuse('already_voted', `${vote.approver} has already voted on this version; a second approver is needed`);
    // Only votes for the version now proposed count. The editor's own vote counts only if the
    // (possibly re-tiered) approver list still admits them.
    const approves = [...prior.rows, { approver: vote.approver, decision: vote.decision, note: vote.note ?? null, edits: edits ?? null, version: current.version }]
      .filter((v) => v.decision === 'approve' && v.version === current.version)
      .filter((v) => v.approver !== vote.approver || isEligible(vote.approver, current, vote.via));
    const outcome = vote.decision === 'reject' ? 'rejected' : approves.length >= current.required_approvals ? 'approved' : undefined;
    if (!outcome) {
      await client.query('COMMIT');
      return { kind: 'recorded', approval: current, final: false, votesNeeded: current.required_approvals - approves.length, ...(changed ? { changed } : {}) };
    }
    const decision: ApprovalDecision = {
      approvalId: current.id,
      outcome,
      approvers: (outcome === 'rejected' ? [vote] : approves).map((v) => v.approver),
      note: vote.note ?? null,
      // Everything the approved version changed from the original: what every approver saw.
      edits: outcome === 'approved' ? current.edits : null,
      version: current.version,
      decidedAt: new Date().toISOString(),
    };
    await client.query(`UPDATE mailroom.approvals SET status = $2, decision = $3, decided_at = now() WHERE id = $1`, [current.id, outcome, JSON.stringify(decision)]);
    await emit(client, 'approval.decided', current.id, decision, vote.channel);
    await client.query('COMMIT');
    return { kind: 'recorded', approval: { ...current, status: outcome, decision }, final: true, votesNeeded: 0, ...(changed ? { changed } : {}) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Why these edits may not be applied to this request, if they may not. */
function invalidEdit(request: Approval['request'], edits: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(edits)) {
    if (!request.editable.includes(field)) return `${field} is not editable here (editable: ${request.editable.join(', ') || 'none'})`;
    const allowed = request.options?.[field];
    if (allowed && !allowed.includes(String(value))) return `${field} is one of ${allowed.join(', ')}`;
  }
  return undefined;
}

/** The next version of an approval after an edit: new request and hash, the amount tiered again. */
function reviseApproval(approval: Approval, request: Approval['request'], hash: string, edits: Record<string, unknown>): Approval {
  const amount = editedAmount(edits);
  const next: Approval = { ...approval, version: approval.version + 1, request, shown_hash: hash, edits: { ...(approval.edits ?? {}), ...edits } };
  if (amount === undefined || amount === approval.amount) return next;
  next.amount = amount;
  const tier = approval.tier_rules ? tierFor(approval.tier_rules, amount) : undefined;
  // Never fewer approvers than the original tier asked for: lowering an amount must not turn a
  // two-person rule into a one-person one (with a changed IBAN beside it, that would be theft).
  if (tier) {
    next.tier = tier.name;
    next.required_approvals = Math.max(approval.required_approvals, tier.required);
    if (tier.required >= approval.required_approvals) {
      next.approvers = tier.approvers;
      next.escalation = tier.escalation;
    }
  }
  return next;
}

async function insertVersion(db: Queryable, a: Approval, edits: Record<string, unknown> | null, editedBy: string | null): Promise<void> {
  await db.query(
    `INSERT INTO mailroom.approval_versions (approval_id, version, request, shown_hash, edits, edited_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [a.id, a.version, JSON.stringify(a.request), a.shown_hash, edits ? JSON.stringify(edits) : null, editedBy],
  );
}

/** Every version of a request, oldest first: what each approver was shown. */
export async function approvalVersions(db: Queryable, id: string): Promise<Array<{ version: number; request: Approval['request']; shown_hash: string; edits: Record<string, unknown> | null; edited_by: string | null; created_at: Date }>> {
  const { rows } = await db.query('SELECT version, request, shown_hash, edits, edited_by, created_at FROM mailroom.approval_versions WHERE approval_id = $1 ORDER BY version', [id]);
  return rows;
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
