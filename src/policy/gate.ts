/**
 * The action gate: the last check before any side effect, installed in the engine's action
 * path so no workflow can send, book or pay around it, whatever the model proposed.
 *
 * - Kinds in `actions.require_approval` (booking, payment, forwarding...) run only when an
 *   approval of this run was approved and every parameter of the action equals what the
 *   approver saw (or corrected in the edit modal). A changed IBAN or amount is refused.
 * - `email.send` goes only to the run's original correspondents (read by code from the stored
 *   raw message; for a lead run, the address it was started for) unless an approved approval
 *   named that recipient. Anything else is refused.
 * - `email.send` never goes to a suppressed address, and automated mail (parameters
 *   `automated: true`) keeps to the outreach rules: postal address set, at most
 *   `lead.max_unanswered` without a response (outreach-gate.ts).
 * - `hiring.status_mail` keeps to the same recipient rules, and a rejection goes only after a
 *   person decided it; `hiring.invite` / `hiring.briefing` go only to the job's interviewers
 *   (hiring-gate.ts).
 */
import type pg from 'pg';
import type { ActionGate } from '../engine/types.ts';
import { decideOutreach, leadAddressOf, outreachFacts } from './outreach-gate.ts';
import type { Policy } from './schema.ts';
import { hiringMailRefusal, interviewerMailRefusal } from './hiring-gate.ts';
import { approvedContent, contentHash } from '../workflows/content/hash.ts';

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
      // Content goes public only as approved: the hash of an approved request plus its edits must be the published content's.
      if (kind === 'content.publish' || kind === 'social.post') {
        const hashes = (await approvedParams(runId)).map((p) => contentHash(approvedContent(p)));
        if (typeof params.content_hash === 'string' && hashes.includes(params.content_hash)) return { allow: true };
        return { allow: false, reason: hashes.length ? `${kind}: the content differs from what the approver approved` : `${kind} needs an approved approval and this run has none` };
      }
      // No automatic rejection: a rejection mail needs a person's decision on the run (hiring-gate.ts).
      if (kind === 'hiring.status_mail') {
        const refused = await hiringMailRefusal(deps.pool, runId, params);
        if (refused) return { allow: false, reason: refused };
      }
      if (kind === 'hiring.invite' || kind === 'hiring.briefing') {
        const refused = await interviewerMailRefusal(deps.pool, params);
        return refused ? { allow: false, reason: refused } : { allow: true };
      }
      // Status mails to applicants keep to the recipient rules of any mail.
      if (kind === 'email.send' || kind === 'hiring.status_mail') {
        const to = String(params.to ?? '').toLowerCase();
        if (!to) return { allow: false, reason: 'email.send without a recipient' };
        const outreach = decideOutreach(await outreachFacts(deps.pool, deps.policy, to, params.automated === true));
        if (!outreach.allow) return outreach;
        const allowed = (await deps.correspondents(runId)).map((a) => a.toLowerCase());
        if (params.automated === true && (await leadAddressOf(deps.pool, runId)) === to.trim()) return { allow: true };
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
