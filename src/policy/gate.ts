/**
 * The action gate: the last check before any side effect, installed in the engine's action
 * path so no workflow can send, book or pay around it, whatever the model proposed.
 *
 * - Kinds in `actions.require_approval` (booking, payment, forwarding...) run only when an
 *   approval of this run was approved and every parameter of the action equals what the
 *   approver saw (or corrected in the edit modal). A changed IBAN or amount is refused.
 * - `email.send` goes only to the run's original correspondents (read by code from the stored
 *   raw message) unless an approved approval named that recipient. Anything else is refused.
 */
import type pg from 'pg';
import type { ActionGate } from '../engine/types.ts';
import type { Policy } from './schema.ts';

export interface GateDeps {
  pool: pg.Pool;
  policy: Policy;
  /** Addresses this run may reply to without approval (from the raw item, parsed by code). */
  correspondents(runId: string): Promise<string[]>;
}

const norm = (v: unknown): unknown => (typeof v === 'string' ? v.replace(/\s+/g, '').toLowerCase() : v);

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}

export function createPolicyGate(deps: GateDeps): ActionGate {
  const approvedParams = async (runId: string): Promise<Array<Record<string, unknown>>> => {
    const { rows } = await deps.pool.query<{ request: { proposal: { parameters?: Record<string, unknown>; to?: string } }; decision: { edits?: Record<string, unknown> | null } | null }>(
      `SELECT request, decision FROM mailroom.approvals WHERE run_id = $1 AND status = 'approved'`,
      [runId],
    );
    return rows.map((r) => ({ ...(r.request.proposal.parameters ?? {}), ...(r.request.proposal.to ? { to: r.request.proposal.to } : {}), ...(r.decision?.edits ?? {}) }));
  };

  return {
    async check({ runId, kind, parameters }) {
      const params = (parameters ?? {}) as Record<string, unknown>;
      if (kind === 'email.send') {
        const to = String(params.to ?? '').toLowerCase();
        if (!to) return { allow: false, reason: 'email.send without a recipient' };
        const allowed = (await deps.correspondents(runId)).map((a) => a.toLowerCase());
        if (allowed.includes(to)) return { allow: true };
        const approved = await approvedParams(runId);
        if (approved.some((p) => sameValue(p.to, to))) return { allow: true };
        return { allow: false, reason: `${to} is not a correspondent of this run and no approver approved mailing it` };
      }
      if (deps.policy.actions.require_approval.includes(kind)) {
        const approved = await approvedParams(runId);
        if (!approved.length) return { allow: false, reason: `${kind} needs an approved approval and this run has none` };
        const match = approved.find((p) => Object.entries(params).every(([k, v]) => k in p && sameValue(p[k], v)));
        if (!match) {
          return { allow: false, reason: `${kind} parameters differ from what the approver approved (${Object.keys(params).join(', ')})` };
        }
        return { allow: true };
      }
      return { allow: true };
    },
  };
}
