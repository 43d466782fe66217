/**
 * The workflow side of an approval: create the request (once per run), post it where people
 * are (Slack, when configured; the CLI always sees it), then wait for the decision with a
 * reminder, an escalation to the second approver group, and an expiry that takes the
 * workflow's timeout path.
 */
import type pg from 'pg';
import { errorMessage } from '../errors.ts';
import type { StepApi } from '../engine/types.ts';
import { closeApproval, createApproval, getApproval, markReminded, recordPost, type NewApproval } from './store.ts';
import type { Approval, ApprovalDecision } from './types.ts';

/** Where approval requests are shown; the Slack app implements it. */
export interface ApprovalNotifier {
  post(approval: Approval): Promise<{ channel?: string; ts?: string }>;
  remind(approval: Approval, escalated: boolean): Promise<void>;
}

export interface AskOptions extends Omit<NewApproval, 'runId' | 'workflow'> {
  /** Remind (and escalate) after this long without a decision. */
  remindAfterMs?: number;
  /** Give up after this long: the decision is `expired`. */
  expireAfterMs?: number;
}

export async function askForApproval(
  step: StepApi,
  deps: { pool: pg.Pool; notifier?: ApprovalNotifier },
  options: AskOptions,
): Promise<ApprovalDecision> {
  const { pool, notifier } = deps;
  const base = `approval:${options.key}`;
  const expiresAt = options.expireAfterMs ? Date.now() + options.expireAfterMs : null;
  const approval = await step.run(`${base}:create`, () =>
    createApproval(pool, { ...options, runId: step.runId, workflow: step.workflow, expiresAt: expiresAt ? new Date(expiresAt) : null }),
  );
  await step.decide({
    action: 'approval.requested',
    parameters: { approvalId: approval.id, kind: approval.kind, tier: approval.tier, approvers: approval.approvers, required: approval.required_approvals },
    reasoning: approval.request.reasons.join('; ') || 'policy requires a human decision',
    confidence: approval.request.confidence ?? undefined,
  });
  if (notifier) {
    // A failed post is recorded, not fatal: the request stays visible in `mailroom approvals`.
    await step.run(`${base}:post`, async () => {
      try {
        const posted = await notifier.post(approval);
        await recordPost(pool, approval.id, posted);
        return { posted: true, ...posted };
      } catch (err) {
        await recordPost(pool, approval.id, { error: errorMessage(err) });
        return { posted: false, error: errorMessage(err) };
      }
    });
  }

  const remindAfter = options.remindAfterMs;
  let answer = await step.waitForEvent<ApprovalDecision>('approval.decided', {
    key: approval.id,
    timeoutMs: remindAfter ?? options.expireAfterMs,
    id: `${base}:wait`,
  });
  if (answer.timeout && remindAfter && (!options.expireAfterMs || options.expireAfterMs > remindAfter)) {
    const escalated = (options.escalation?.length ?? 0) > 0;
    await step.run(`${base}:remind`, async () => {
      await markReminded(pool, approval.id, escalated);
      const current = (await getApproval(pool, approval.id))!;
      if (notifier) await notifier.remind(current, escalated).catch((err) => recordPost(pool, approval.id, { error: errorMessage(err) }));
      return { escalated };
    });
    await step.decide({ action: 'approval.reminded', parameters: { approvalId: approval.id, escalated }, reasoning: `no decision after ${Math.round(remindAfter / 60_000)} min` });
    answer = await step.waitForEvent<ApprovalDecision>('approval.decided', {
      key: approval.id,
      timeoutMs: options.expireAfterMs ? options.expireAfterMs - remindAfter : undefined,
      id: `${base}:wait-escalated`,
    });
  }
  if (!answer.timeout) return answer.payload;

  // Expiry. A vote may have landed just before we closed it: then that decision stands.
  return step.run(`${base}:expire`, async (): Promise<ApprovalDecision> => {
    const closed = await closeApproval(pool, approval.id, 'expired');
    const current = (await getApproval(pool, approval.id))!;
    if (!closed && current.decision) return current.decision;
    return { approvalId: approval.id, outcome: 'expired', approvers: [], note: null, edits: null, decidedAt: new Date().toISOString() };
  });
}
