/**
 * What an edit does to a proposal, as plain functions over data. An approver's edit is not a
 * private amendment to their own vote: it becomes the proposal everyone else must approve
 * (a new version with a new hash), and an edited amount is placed in its tier again, so raising
 * a total cannot slip past a two-person rule.
 */
import { contentHash } from './hash.ts';
import type { ApprovalRequest } from './types.ts';

export interface TierRule {
  name: string;
  up_to?: number;
  approvers: string[];
  required: number;
  escalation: string[];
}

/** The request as it reads with these edits applied where the approver saw each value. */
export function applyEdits(request: ApprovalRequest, edits: Record<string, unknown>): ApprovalRequest {
  const next: ApprovalRequest = structuredClone(request);
  const parameters: Record<string, unknown> = { ...(next.proposal.parameters ?? {}) };
  for (const [field, value] of Object.entries(edits)) {
    if (field === 'draft') {
      next.proposal.draft = String(value);
      continue;
    }
    if (field === 'to') next.proposal.to = String(value);
    if (next.fields && field in next.fields) next.fields[field] = value;
    // Choices that are not shown as a field (save_to_kb, a triage's workflow) still belong to
    // what is approved: they change the hash and reach the gate through the parameters.
    if (field in parameters || !(next.fields && field in next.fields)) parameters[field] = value;
  }
  next.proposal.parameters = parameters;
  return next;
}

/** The value a person was shown for an editable field. */
export function shownValue(request: ApprovalRequest, field: string): unknown {
  if (field === 'draft') return request.proposal.draft ?? '';
  if (field === 'to' && request.proposal.to !== undefined) return request.proposal.to;
  return request.proposal.parameters?.[field] ?? request.fields?.[field] ?? null;
}

/**
 * The edits that really change something. Edit forms send every field back prefilled; an
 * unchanged one is not an edit (and must not make a new version).
 */
export function effectiveEdits(request: ApprovalRequest, edits: Record<string, unknown>): Record<string, unknown> {
  const same = (a: unknown, b: unknown) =>
    typeof a === 'number' || typeof b === 'number' ? Number(a) === Number(b) : String(a ?? '').trim() === String(b ?? '').trim();
  return Object.fromEntries(Object.entries(edits).filter(([field, value]) => !same(shownValue(request, field), value)));
}

export function requestHash(title: string, request: ApprovalRequest): string {
  return contentHash({ title, request });
}

/** The tier an amount falls in; without a reliable amount, the highest. */
export function tierFor(rules: TierRule[], amount: number | null): TierRule | undefined {
  if (!rules.length) return undefined;
  if (amount === null || !Number.isFinite(amount)) return rules[rules.length - 1];
  return rules.find((t) => t.up_to === undefined || amount <= t.up_to) ?? rules[rules.length - 1];
}

/** The amount an edit names, when it names one (`total`). */
export function editedAmount(edits: Record<string, unknown>): number | null | undefined {
  if (!('total' in edits)) return undefined;
  const n = Number(edits.total);
  return Number.isFinite(n) ? n : null;
}
