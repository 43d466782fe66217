/**
 * The triage approval: what the router does with an item no workflow claimed. A person sees
 * what came in and what the router thought and why, and chooses a workflow (or `ignore`); a
 * category or priority they set is passed on to the workflow. There is no expiry: the item
 * waits, with reminders and escalation, until somebody decides, because a dropped customer
 * mail is the failure this exists to prevent.
 */
import { askForApproval } from '../../approvals/ask.ts';
import type { StepApi } from '../../engine/types.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, type Priority, type RequesterInput, type SupportCategory, type TriageInput, type TriageResult, type WorkflowServices } from '../ports.ts';

export interface TriageChoice<R extends string> {
  route: R | 'ignore';
  reason: string;
  by: string[];
  /** The router's triage with the person's corrections, for the chosen workflow. */
  triage: TriageResult | null;
}

const CATEGORIES: SupportCategory[] = ['billing', 'technical', 'feature_request', 'complaint', 'account', 'other'];
const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];

export async function askForTriage<R extends string>(
  step: StepApi,
  services: WorkflowServices,
  ctx: { routes: readonly R[]; triageInput: TriageInput; triage: TriageResult | null; reason: string; requester: RequesterInput | null; receivedAt: string },
): Promise<TriageChoice<R>> {
  const { policy } = services;
  const { triageInput: item, triage } = ctx;
  const email = item.email;
  const choices = [...ctx.routes, 'ignore'];
  // A guess a person can accept with one click: the triage's own route when it is installed, else
  // documents are usually invoices and words usually support.
  const offered = ctx.routes as readonly string[];
  const hasDocument = item.attachments.some((a) => /pdf|image|xml/i.test(a.contentType));
  const fallback = hasDocument ? 'invoice' : 'support';
  const suggestion = triage && offered.includes(triage.route) ? triage.route : offered.includes(fallback) ? fallback : 'ignore';
  const excerpt = (email?.text ?? item.text).slice(0, 500);
  const decision = await askForApproval(step, approvalDeps(services), {
    key: 'triage',
    kind: 'triage',
    title: `Which workflow? ${email?.subject || excerpt.slice(0, 60) || 'an item'}`,
    request: {
      summary: { from: email?.from?.address, subject: email?.subject, receivedAt: email?.date ?? ctx.receivedAt, channel: item.kind, excerpt },
      proposal: {
        type: 'routing',
        description: `no workflow claimed this item; choose one of ${choices.join(', ')} (approving as shown starts ${suggestion})`,
        parameters: { workflow: suggestion },
      },
      reasoning: triage?.reasoning ? `${ctx.reason} — ${triage.reasoning}` : ctx.reason,
      confidence: triage?.confidence ?? null,
      reasons: [`no workflow claimed this item: ${ctx.reason}`],
      fields: {
        category: triage?.category ?? null,
        priority: triage?.priority ?? null,
        language: triage?.language ?? null,
        attachments: item.attachments.map((a) => a.filename ?? a.contentType).join(', ') || null,
      },
      editable: ['workflow', 'category', 'priority'],
      options: { workflow: choices, category: CATEGORIES, priority: PRIORITIES },
    },
    approvers: resolveIdentities(policy, policy.approvers),
    escalation: resolveIdentities(policy, policy.groups['support-leads'] ? ['group:support-leads'] : []),
    requester: ctx.requester,
    remindAfterMs: policy.approval.remind_after,
  });
  const edits = decision.edits ?? {};
  const chosen = decision.outcome === 'approved' ? String(edits.workflow ?? suggestion) : 'ignore';
  const route = (choices.includes(chosen) ? chosen : 'ignore') as R | 'ignore';
  const category = CATEGORIES.includes(edits.category as SupportCategory) ? (edits.category as SupportCategory) : triage?.category ?? null;
  const priority = PRIORITIES.includes(edits.priority as Priority) ? (edits.priority as Priority) : triage?.priority ?? null;
  const who = decision.approvers.join(', ') || 'nobody';
  const reason = decision.outcome === 'approved' ? `a person (${who}) chose ${route}` : `a person (${who}) ${decision.outcome === 'rejected' ? 'chose to ignore it' : `did not decide (${decision.outcome})`}`;
  await step.decide({ action: 'triage.chosen', parameters: { route, category, priority, by: decision.approvers }, reasoning: reason, confidence: 1, provider: 'person' });
  const corrected: TriageResult | null = route === 'ignore' ? triage : {
    ...(triage ?? { routeReason: '', language: 'en', sentiment: null, solvable: null, reasoning: '', model: null }),
    route: route as TriageResult['route'],
    routeReason: reason,
    category,
    priority,
    confidence: 1,
    provider: 'person',
  };
  return { route, reason, by: decision.approvers, triage: corrected };
}
