/**
 * The outcome of processing one item, as `mailroom process` prints it: the routed run's state,
 * the classification, what was extracted, the draft, whether a person must act, and every
 * decision (router's and workflow's) in order.
 */
import type { Queryable } from '../engine/run-store.ts';
import type { RouterOutput } from './router/router.ts';

export interface ProcessSummary {
  input: string;
  item_id: string;
  duplicate: boolean;
  run_id: string;
  /** The workflow that owns the item (what `--workflow` names: `hiring`, not its route `job_application`). */
  workflow: string;
  /** The router's route: a workflow's route, `unrouted`, or how code handed it over (`reply`, `bounce`, ...). */
  route?: string | null;
  state: string;
  sender: string | null;
  original_sender: string | null;
  classification: { category: string | null; priority: string | null; language: string | null; confidence: number | null; route_reason: string | null };
  extracted: Record<string, unknown> | null;
  needs_review: boolean | null;
  anomalies: string[];
  draft: string | null;
  escalated: boolean;
  approval: { id: string; status: string; reasons: string[] } | null;
  outcome: string | null;
  decisions: Array<{ run: 'router' | 'workflow'; action: string; reasoning: string | null; confidence: number | null; provider: string | null }>;
  error?: string;
}

/** Routes where the item went to an existing run (the one it answers), not to a workflow of its own. */
const HANDED_OVER = new Set(['reply', 'bounce', 'complaint', 'auto_reply', 'unsubscribe']);

export async function summariseItem(db: Queryable, input: string, itemId: string, duplicate: boolean, routerRunId: string): Promise<ProcessSummary> {
  const run = async (id: string) => (await db.query('SELECT id, workflow, state, input, output, error FROM mailroom.runs WHERE id = $1', [id])).rows[0];
  const decisions = async (id: string) =>
    (await db.query('SELECT action, parameters, reasoning, confidence, provider FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [id])).rows;
  const router = await run(routerRunId);
  const routed = router.output as RouterOutput | null;
  const child = routed?.childRunId ? await run(routed.childRunId) : undefined;
  const target = child ?? router;
  const routerDecisions = await decisions(router.id);
  const childDecisions = child ? await decisions(child.id) : [];
  // The workflow's approval if it has one, else the router's triage approval (an item no workflow claimed).
  const approval = (
    await db.query(
      `SELECT id, status, request FROM mailroom.approvals WHERE run_id = ANY($1::uuid[]) ORDER BY (run_id = $2) DESC, created_at DESC LIMIT 1`,
      [[router.id, ...(child ? [child.id] : [])], child?.id ?? router.id],
    )
  ).rows[0];
  const extract = childDecisions.find((d) => d.action === 'invoice.extract');
  const validate = childDecisions.find((d) => d.action === 'invoice.validate');
  const out = (child?.output ?? {}) as Record<string, unknown>;
  const triage = routed?.triage ?? null;
  const draft = (out.draft as string | undefined) ?? approval?.request?.proposal?.draft ?? null;
  const error = target.error?.message ?? router.error?.message;
  const summary: ProcessSummary = {
    input,
    item_id: itemId,
    duplicate,
    run_id: target.id,
    workflow: child && routed && !HANDED_OVER.has(routed.route) ? child.workflow : (routed?.route ?? (router.state === 'failed' ? 'router' : 'unrouted')),
    route: routed?.route ?? null,
    sender: (child?.input?.email?.from?.address as string | undefined) ?? null,
    original_sender: (child?.input?.email?.forwarded?.original?.from?.address as string | undefined) ?? null,
    state: target.state,
    classification: {
      category: triage?.category ?? null,
      priority: triage?.priority ?? null,
      language: triage?.language ?? null,
      confidence: triage?.confidence ?? null,
      route_reason: routed?.reason ?? null,
    },
    extracted: (extract?.parameters?.fields as Record<string, unknown> | undefined) ?? null,
    needs_review: extract ? Boolean(extract.parameters?.needs_review) : null,
    anomalies: (validate?.parameters?.anomalies as string[] | undefined) ?? [],
    draft: draft || null,
    // Handed to a person means a person was really asked: an approval exists for this item.
    escalated: Boolean(approval),
    approval: approval ? { id: approval.id, status: approval.status, reasons: approval.request?.reasons ?? [] } : null,
    outcome: (out.outcome as string | undefined) ?? null,
    decisions: [
      ...routerDecisions.map((d) => ({ run: 'router' as const, action: d.action, reasoning: d.reasoning, confidence: d.confidence, provider: d.provider })),
      ...childDecisions.map((d) => ({ run: 'workflow' as const, action: d.action, reasoning: d.reasoning, confidence: d.confidence, provider: d.provider })),
    ],
  };
  if (error) summary.error = error;
  return summary;
}
