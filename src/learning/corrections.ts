/**
 * What a person's decision on an approval teaches: the labelled examples its edits imply.
 * Pure, so the flows that decide approvals (the router's triage, support replies, invoices) can
 * call it and record the result with `recordExamples` in a step of their own.
 *
 * - A triage choice (a routing proposal naming a workflow) is always a label: the router could
 *   not decide, a person did. Rejecting it means `ignore`.
 * - A category or priority is a label only when the person changed it: an unchanged value
 *   repeats the machine's guess and would teach it its own mistakes.
 * - A corrected field (invoice number, total, IBAN, ...) and an edited draft likewise.
 * A rejected reply or booking teaches nothing about the right answer, so it yields nothing.
 */
import type { ApprovalRequest } from '../approvals/types.ts';
import { exampleText, type ExampleInput } from './examples.ts';

const CATEGORIES = ['billing', 'technical', 'feature_request', 'complaint', 'account', 'other'];
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
/** Edit keys that are not fields of the item (choices, instructions to the workflow). */
const NOT_FIELDS = new Set(['workflow', 'category', 'priority', 'draft', 'save_to_kb', 'note', 'to']);

export interface CorrectionContext {
  outcome?: 'approved' | 'rejected';
  /** The item's text; by default the subject and excerpt the person was shown. */
  text?: string;
  runId?: string | null;
  approvalId?: string | null;
  /** Who decided. */
  by?: string[];
  /** Where it came from; by default `approval:<proposal type>`. */
  source?: string;
}

const normalise = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v).replace(/\s+/g, ' ').trim());
const differs = (a: unknown, b: unknown) => {
  const [x, y] = [normalise(a), normalise(b)];
  // 1200 and "1200.00" are the same amount.
  if (x && y && !Number.isNaN(Number(x)) && !Number.isNaN(Number(y))) return Number(x) !== Number(y);
  return x !== y;
};

export function correctionsFrom(request: ApprovalRequest, edits: Record<string, unknown> | null | undefined, context: CorrectionContext = {}): ExampleInput[] {
  const text = context.text ?? exampleText(request.summary.subject, request.summary.excerpt);
  if (!text.trim()) return [];
  const changes = edits ?? {};
  const fields = request.fields ?? {};
  const approved = (context.outcome ?? 'approved') === 'approved';
  const base = { text, source: context.source ?? `approval:${request.proposal.type}`, runId: context.runId ?? null, approvalId: context.approvalId ?? null, by: context.by ?? [] };
  const out: ExampleInput[] = [];

  const suggested = request.proposal.parameters?.workflow;
  if (request.proposal.type === 'routing' && typeof suggested === 'string') {
    const chosen = approved ? String(changes.workflow ?? suggested) : 'ignore';
    out.push({ ...base, kind: 'route', label: { route: chosen, suggested } });
  }
  if (!approved) return out;

  if (typeof changes.category === 'string' && CATEGORIES.includes(changes.category) && differs(changes.category, fields.category)) {
    out.push({ ...base, kind: 'category', label: { category: changes.category, was: fields.category ?? null } });
  }
  if (typeof changes.priority === 'string' && PRIORITIES.includes(changes.priority) && differs(changes.priority, fields.priority)) {
    out.push({ ...base, kind: 'priority', label: { priority: changes.priority, was: fields.priority ?? null } });
  }
  for (const [field, value] of Object.entries(changes)) {
    if (NOT_FIELDS.has(field) || !(field in fields || request.editable.includes(field))) continue;
    if (differs(value, fields[field])) out.push({ ...base, kind: 'field', label: { field, value, was: fields[field] ?? null } });
  }
  if (typeof changes.draft === 'string' && changes.draft.trim() && differs(changes.draft, request.proposal.draft)) {
    out.push({
      ...base,
      kind: 'draft',
      label: { draft: changes.draft.trim(), was: request.proposal.draft ?? null, language: fields.language ?? null, category: changes.category ?? fields.category ?? null },
    });
  }
  return out;
}
