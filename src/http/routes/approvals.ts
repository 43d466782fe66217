/**
 * Approvals over HTTP. A decision is a vote through the same `castVote` as Slack and the CLI
 * (approver lists, separation of duties, two-person tiers, versions), cast as the caller's
 * `api:<name>` through channel `http`; how a refused vote is answered:
 *
 *   not found 404 · not an approver / brought the item in 403 · no version named, an older
 *   version, already voted, already decided 409 · edits the request does not allow 422.
 */
import { createRoute } from '@hono/zod-openapi';
import { castVote, getApproval, listApprovals } from '../../approvals/store.ts';
import type { RefusalCode } from '../../approvals/types.ts';
import type { ApiApp, ApiDeps } from '../context.ts';
import { bearer, errors, json } from '../responses.ts';
import { ApprovalIdParam, ApprovalList, ApprovalsQuery, DecisionBody, DecisionResult } from '../schemas.ts';

const REFUSED: Record<RefusalCode, 403 | 404 | 409 | 422> = {
  not_found: 404,
  not_eligible: 403,
  separation_of_duties: 403,
  stale: 409,
  already_voted: 409,
  invalid: 422,
};

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/approvals',
  tags: ['approvals'],
  summary: 'approval requests (all, or those in one status)',
  security: bearer,
  request: { query: ApprovalsQuery },
  responses: { 200: json(ApprovalList, 'approval requests, oldest first'), ...errors(401, 422) },
});

const decideRoute = createRoute({
  method: 'post',
  path: '/api/v1/approvals/{id}/decision',
  tags: ['approvals'],
  summary: 'approve or reject a request as the caller (the same rules as Slack and the CLI)',
  security: bearer,
  request: { params: ApprovalIdParam, body: { content: { 'application/json': { schema: DecisionBody } }, required: true } },
  responses: { 200: json(DecisionResult, 'the vote was recorded (final says whether it decided the request)'), ...errors(401, 403, 404, 409, 413, 415, 422) },
});

export function registerApprovalRoutes(app: ApiApp, deps: ApiDeps): void {
  app.openapi(listRoute, async (c) => {
    const { status } = c.req.valid('query');
    // The stores' rows (Dates and all) are what goes out; the schema describes them loosely.
    return c.json({ approvals: await listApprovals(deps.pool, { status }) } as never, 200);
  });

  app.openapi(decideRoute, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const approval = await getApproval(deps.pool, id);
    if (!approval) return c.json({ error: `no approval ${id}` }, 404);
    if (body.version === undefined) {
      return c.json({ error: `name the version you decide: this request is at version ${approval.version} (send "version": ${approval.version} after reviewing it)` }, 409);
    }
    const edits = body.decision === 'approve' && body.edits && Object.keys(body.edits).length ? body.edits : undefined;
    if (body.decision === 'reject' && body.edits && Object.keys(body.edits).length) return c.json({ error: 'edits go with approve, not reject' }, 422);
    const outcome = await castVote(
      deps.pool,
      { approvalId: id, approver: c.get('caller'), decision: body.decision, note: body.note, version: body.version, channel: 'http', ...(edits ? { edits } : {}) },
      (tx, name, key, payload, source) => deps.engine.sendEventInTransaction(tx, name, key, payload, source),
    );
    if (outcome.kind === 'already-decided') return c.json({ error: `${id} was already decided: ${outcome.approval.status}` }, 409);
    if (outcome.kind === 'refused') return c.json({ error: outcome.reason }, REFUSED[outcome.code]);
    const a = outcome.approval;
    return c.json({ approval_id: a.id, status: a.status, final: outcome.final, votes_needed: outcome.votesNeeded, version: a.version }, 200);
  });
}
