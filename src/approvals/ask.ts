/**
 * The workflow side of an approval: create the request (once per run), post it where people
 * are (Slack, when configured; the CLI always sees it), then wait for the decision with a
 * reminder, an escalation to the second approver group, and an expiry that takes the
 * workflow's timeout path.
 */
import type pg from 'pg';
import { errorMessage } from '../errors.ts';
import { correctionsFrom } from '../learning/corrections.ts';
import { recordExamples } from '../learning/examples.ts';
import type { StepApi, WaitResult } from '../engine/types.ts';
import { closeApproval, createApproval, getApproval, markReminded, recordPost, type NewApproval } from './store.ts';
import type { Approval, ApprovalDecision, VersionChange } from './types.ts';

const plainIdentities: RequesterResolver = async (r) => [r.identity, r.email && `email:${r.email.toLowerCase()}`].filter((x): x is string => Boolean(x));

/** Where approval requests are shown; the Slack app implements it. */
export interface ApprovalNotifier {
  post(approval: Approval): Promise<{ channel?: string; ts?: string }>;
  remind(approval: Approval, escalated: boolean): Promise<void>;
  /** The proposal was edited: show the new version and tell the earlier voters to look again. */
  changed?(approval: Approval, change: VersionChange): Promise<void>;
}

/** Who brought the item in; their identities are resolved when the request is created. */
export interface Requester {
  /** An approver identity as channels name voters: a Slack user id, `api:<name>`, `cli:<user>`. */
  identity?: string | null;
  /** The address of whoever sent or forwarded the mail. */
  email?: string | null;
}

/** Turns a requester into every identity of theirs (policy `people`, Slack's directory). */
export type RequesterResolver = (requester: Requester) => Promise<string[]>;

export interface AskOptions extends Omit<NewApproval, 'runId' | 'workflow' | 'requestedBy' | 'requesters'> {
  /** Who brought the item in: none of their identities may approve it. */
  requester?: Requester | null;
  /** Remind (and escalate) after this long without a decision. */
  remindAfterMs?: number;
  /** Give up after this long: the decision is `expired`. */
  expireAfterMs?: number;
}

export async function askForApproval(
  step: StepApi,
  deps: { pool: pg.Pool; notifier?: ApprovalNotifier; resolveRequester?: RequesterResolver },
  options: AskOptions,
): Promise<ApprovalDecision> {
  const { pool, notifier } = deps;
  const base = `approval:${options.key}`;
  const expiresAt = options.expireAfterMs ? Date.now() + options.expireAfterMs : null;
  const { requester, ...rest } = options;
  const approval = await step.run(`${base}:create`, async () => {
    const requesters = requester ? await (deps.resolveRequester ?? plainIdentities)(requester) : [];
    return createApproval(pool, {
      ...rest, runId: step.runId, workflow: step.workflow, expiresAt: expiresAt ? new Date(expiresAt) : null,
      requestedBy: requester?.identity ?? requester?.email ?? null, requesters,
    });
  });
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

  /**
   * Waits for the decision until `deadline`; an edit that made a new version (`approval.changed`)
   * is shown where people are and the wait goes on, with the same deadline.
   */
  const created = new Date(approval.created_at).getTime();
  const waitUntil = async (phase: string, deadline: number | null): Promise<WaitResult<ApprovalDecision>> => {
    for (let n = 0; ; n++) {
      const answer = await step.waitForAny<ApprovalDecision | VersionChange>(
        [{ name: 'approval.decided', key: approval.id }, { name: 'approval.changed', key: approval.id }],
        { timeoutMs: deadline === null ? undefined : Math.max(1, deadline - Date.now()), id: `${base}:${phase}${n ? `#${n}` : ''}` },
      );
      if (answer.timeout || answer.name === 'approval.decided') return answer as WaitResult<ApprovalDecision>;
      const change = answer.payload as VersionChange;
      if (notifier?.changed) {
        await step.run(`${base}:changed:v${change.version}`, async () => {
          const current = (await getApproval(pool, approval.id))!;
          await notifier.changed!(current, change).catch((err) => recordPost(pool, approval.id, { error: errorMessage(err) }));
          return true;
        });
      }
      await step.decide({
        action: 'approval.changed',
        parameters: { approvalId: approval.id, version: change.version, editedBy: change.editedBy, fields: Object.keys(change.edits), previousVoters: change.previousVoters },
        reasoning: `${change.editedBy} edited the proposal (${Object.keys(change.edits).join(', ')}); earlier votes no longer count`,
      });
    }
  };

  const remindAfter = options.remindAfterMs;
  const firstDeadline = remindAfter ?? options.expireAfterMs;
  let answer = await waitUntil('wait', firstDeadline === undefined ? null : created + firstDeadline);
  if (answer.timeout && remindAfter && (!options.expireAfterMs || options.expireAfterMs > remindAfter)) {
    const escalated = (options.escalation?.length ?? 0) > 0;
    await step.run(`${base}:remind`, async () => {
      await markReminded(pool, approval.id, escalated);
      const current = (await getApproval(pool, approval.id))!;
      if (notifier) await notifier.remind(current, escalated).catch((err) => recordPost(pool, approval.id, { error: errorMessage(err) }));
      return { escalated };
    });
    await step.decide({ action: 'approval.reminded', parameters: { approvalId: approval.id, escalated }, reasoning: `no decision after ${Math.round(remindAfter / 60_000)} min` });
    answer = await waitUntil('wait-escalated', options.expireAfterMs ? created + options.expireAfterMs : null);
  }
  if (!answer.timeout) return learnFrom(answer.payload);

  // Expiry. A vote may have landed just before we closed it: then that decision stands.
  const expired = await step.run(`${base}:expire`, async (): Promise<ApprovalDecision> => {
    const closed = await closeApproval(pool, approval.id, 'expired');
    const current = (await getApproval(pool, approval.id))!;
    if (!closed && current.decision) return current.decision;
    return { approvalId: approval.id, outcome: 'expired', approvers: [], note: null, edits: null, decidedAt: new Date().toISOString() };
  });
  return learnFrom(expired);

  /**
   * A person's decision is a labelled example wherever it corrects the agent (a triage choice,
   * a changed category or priority, a corrected field, an edited draft); learning never fails
   * the run.
   */
  async function learnFrom(decision: ApprovalDecision): Promise<ApprovalDecision> {
    if (decision.outcome !== 'approved' && decision.outcome !== 'rejected') return decision;
    await step.run(`${base}:learn`, async () => {
      const examples = correctionsFrom(approval.request, decision.edits, { outcome: decision.outcome as 'approved' | 'rejected', runId: step.runId, approvalId: approval.id, by: decision.approvers });
      return recordExamples(pool, examples).catch(() => 0);
    });
    return decision;
  }
}
