/**
 * `/approvals`, `/approvals/:id` and its vote. A vote goes through `castVote`, the same
 * function as Slack, the CLI and the API (approver lists, separation of duties, two-person
 * tiers, versions), as the signed-in caller (`api:<name>`) through channel `web`, naming the
 * version and the hash of the page it was cast on.
 */
import { castVote, getApproval, isEligible, isRequester, listApprovals, votesFor } from '../../approvals/store.ts';
import type { Approval } from '../../approvals/types.ts';
import type { Context } from 'hono';
import { NOTICES, type DashboardRoutes, type DashEnv } from './context.ts';
import { messagePage, page } from './layout.ts';
import { approvalPage, approvalsList } from './pages/approvals.ts';
import { requireAct } from './routes-auth.ts';

const NUMERIC = ['total', 'subtotal', 'tax'];

/** The edits a form sends (`edit.<field>`), typed as the CLI types them. */
function formEdits(form: Record<string, unknown>, approval: Approval): Record<string, unknown> {
  const edits: Record<string, unknown> = {};
  for (const field of approval.request.editable) {
    const value = form[`edit.${field}`];
    if (typeof value !== 'string') continue;
    // Browsers send textarea line breaks as CRLF; the draft is stored with LF.
    const text = field === 'draft' ? value.replace(/\r\n/g, '\n') : value.trim();
    edits[field] = NUMERIC.includes(field) && text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  }
  return edits;
}

export function registerApprovalPages({ app, deps }: DashboardRoutes): void {
  const { pool, engine, log } = deps;

  app.get('/approvals', async (c) => {
    const session = c.get('session');
    return c.html(page({ title: 'Approvals', session, section: '/approvals', live: 'approvals' }, approvalsList(await listApprovals(pool))));
  });

  const show = async (c: Context<DashEnv, any>, approval: Approval, flash?: { kind: 'ok' | 'error'; text: string }, status: 200 | 409 | 403 | 422 = 200) => {
    const session = c.get('session');
    const votes = await votesFor(pool, approval.id);
    const body = approvalPage(approval, votes, { canAct: session.canAct, eligible: isEligible(session.identity, approval), requester: isRequester(session.identity, approval) });
    return c.html(page({ title: approval.title, session, section: '/approvals', live: `run:${approval.run_id}`, flash }, body), status);
  };

  app.get('/approvals/:id', async (c) => {
    const approval = await getApproval(pool, c.req.param('id'));
    if (!approval) return c.html(messagePage({ title: 'Not found', session: c.get('session'), section: '/approvals' }, 'Not found', `There is no approval ${c.req.param('id')}.`), 404);
    const notice = NOTICES[c.req.query('done') ?? ''];
    return show(c, approval, notice ? { kind: 'ok', text: notice } : undefined);
  });

  app.post('/approvals/:id/vote', requireAct, async (c) => {
    const session = c.get('session');
    const id = c.req.param('id');
    const approval = await getApproval(pool, id);
    if (!approval) return c.html(messagePage({ title: 'Not found', session, section: '/approvals' }, 'Not found', `There is no approval ${id}.`), 404);
    const form = await c.req.parseBody();
    const decision = form.decision === 'reject' ? 'reject' : form.decision === 'approve' ? 'approve' : undefined;
    const version = Number(form.version);
    const shownHash = typeof form.shown_hash === 'string' ? form.shown_hash : undefined;
    if (!decision || !Number.isInteger(version) || !shownHash) return show(c, approval, { kind: 'error', text: 'The form was incomplete; nothing was recorded.' }, 422);
    const edits = decision === 'approve' ? formEdits(form, approval) : {};
    const note = typeof form.note === 'string' && form.note.trim() ? form.note.trim().slice(0, 2000) : undefined;
    const outcome = await castVote(
      pool,
      { approvalId: id, approver: session.identity, decision, note, version, shownHash, channel: 'web', ...(Object.keys(edits).length ? { edits } : {}) },
      (tx, name, key, payload, source) => engine.sendEventInTransaction(tx, name, key, payload, source),
    );
    const now = (await getApproval(pool, id)) ?? approval;
    if (outcome.kind === 'already-decided') return show(c, now, { kind: 'error', text: `This request was already decided: ${outcome.approval.status}.` }, 409);
    if (outcome.kind === 'refused') {
      const status = outcome.code === 'not_eligible' || outcome.code === 'separation_of_duties' ? 403 : outcome.code === 'invalid' ? 422 : 409;
      const text = outcome.code === 'stale' ? `Not recorded: ${outcome.reason}. The page below shows the current version.` : `Not recorded: ${outcome.reason}.`;
      return show(c, now, { kind: 'error', text }, status);
    }
    log.info({ identity: session.identity, approval_id: id, decision, final: outcome.final, version: outcome.approval.version }, 'dashboard vote');
    return c.redirect(`/approvals/${id}?done=${outcome.final ? 'decided' : 'voted'}`, 303);
  });
}
