/**
 * A lead run as `mailroom process --json` prints it: the common ProcessSummary keys, with the
 * score, its factors and the band as `extracted`, and `band` / `score` at the top level too.
 */
import type { Queryable } from '../../engine/run-store.ts';
import type { ProcessSummary } from '../summary.ts';
import type { LeadOutput } from './lead.ts';

export type LeadSummary = ProcessSummary & { band: string | null; score: number | null; lead_id: string | null; status: string | null };

export async function summariseLead(db: Queryable, input: string, itemId: string, duplicate: boolean, runId: string): Promise<LeadSummary> {
  const run = (await db.query('SELECT id, workflow, state, input, output, error FROM mailroom.runs WHERE id = $1', [runId])).rows[0];
  const decisions = (await db.query('SELECT action, parameters, reasoning, confidence, provider FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId])).rows;
  const out = run.output as LeadOutput | null;
  const email = String(run.input?.email ?? '').trim().toLowerCase();
  const lead = (await db.query('SELECT id, email, company, score, fit, intent, engagement, band, status, factors, run_id FROM mailroom.leads WHERE email = $1', [email])).rows[0];
  const approval = (await db.query(`SELECT id, status, request FROM mailroom.approvals WHERE run_id = $1 ORDER BY created_at DESC LIMIT 1`, [lead?.run_id ?? runId])).rows[0];
  const summary: LeadSummary = {
    input,
    item_id: itemId,
    duplicate,
    run_id: runId,
    workflow: 'lead',
    route: null,
    state: run.state,
    sender: email || null,
    original_sender: null,
    classification: { category: null, priority: null, language: decisions.find((d) => d.action === 'lead.language')?.parameters?.language ?? null, confidence: null, route_reason: decisions.find((d) => d.action === 'route')?.reasoning ?? null },
    extracted: lead
      ? { lead_id: lead.id, email: lead.email, company: lead.company, score: lead.score, fit: lead.fit, intent: lead.intent, engagement: lead.engagement, band: lead.band, status: lead.status, factors: lead.factors }
      : null,
    needs_review: null,
    anomalies: [],
    draft: approval?.request?.proposal?.draft ?? null,
    escalated: Boolean(approval),
    approval: approval ? { id: approval.id, status: approval.status, reasons: approval.request?.reasons ?? [] } : null,
    outcome: out?.outcome ?? null,
    decisions: decisions.map((d) => ({ run: 'workflow' as const, action: d.action, reasoning: d.reasoning, confidence: d.confidence, provider: d.provider })),
    band: lead?.band ?? null,
    score: lead?.score ?? null,
    lead_id: lead?.id ?? null,
    status: lead?.status ?? null,
  };
  const error = run.error?.message;
  if (error) summary.error = error;
  return summary;
}
