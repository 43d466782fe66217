/**
 * Pure policy decisions: given facts established by code (and the model's classification, which
 * is treated as a claim, never an authority), decide whether an action may happen on its own or
 * needs a person, and who that person is.
 */
import { resolveIdentities } from './load.ts';
import type { Policy, Tier } from './schema.ts';
import { tierFor as tierIn, type TierRule } from '../approvals/versions.ts';

export interface SupportFacts {
  category: string;
  confidence: number;
  sender: string;
  /** DMARC/SPF/DKIM verdict on the From: domain; null when unknown. */
  senderAuthenticated: boolean | null;
  injectionSuspected: boolean;
  solvable: boolean;
}

export interface Route {
  auto: boolean;
  reasons: string[];
}

export function senderFlagged(policy: Policy, sender: string): boolean {
  const s = sender.toLowerCase();
  return policy.support.flagged_senders.some((f) => {
    const rule = f.toLowerCase();
    return rule.startsWith('@') ? s.endsWith(rule) : s === rule;
  });
}

export function routeSupportReply(policy: Policy, f: SupportFacts): Route {
  const reasons: string[] = [];
  if (!(policy.support.auto_send_categories as string[]).includes(f.category)) reasons.push(`category "${f.category}" is not allowed for auto-send`);
  if (f.confidence < policy.confidence_threshold) reasons.push(`confidence ${f.confidence.toFixed(2)} is below the threshold ${policy.confidence_threshold}`);
  if (senderFlagged(policy, f.sender)) reasons.push(`sender ${f.sender} is flagged`);
  if (f.senderAuthenticated === false) reasons.push('the sender failed authentication (SPF/DKIM/DMARC): the From: address may be forged');
  if (f.injectionSuspected) reasons.push('the message contains instructions aimed at the agent (possible prompt injection)');
  if (!f.solvable) reasons.push('no knowledge-base answer: routed to a team');
  return { auto: reasons.length === 0, reasons };
}

export interface InvoiceFacts {
  total: number | null;
  anomalies: string[];
  needsReview: boolean;
  injectionSuspected: boolean;
}

export interface ApprovalRoute {
  tier: string;
  approvers: string[];
  required: number;
  escalation: string[];
  reasons: string[];
}

export function tierFor(policy: Policy, total: number | null): Tier {
  return tierIn(policy.invoice.tiers, total) as Tier;
}

/** The invoice tiers with groups resolved: what an approval keeps to re-tier an edited amount. */
export function resolvedTiers(policy: Policy): TierRule[] {
  return policy.invoice.tiers.map((t) => ({ ...t, approvers: resolveIdentities(policy, t.approvers), escalation: resolveIdentities(policy, t.escalation) }));
}

/** Invoices are always approved by a person; the tier decides who and how many. */
export function routeInvoice(policy: Policy, f: InvoiceFacts): ApprovalRoute {
  const tier = tierFor(policy, f.total);
  const reasons = [`invoice booking and payment always need approval (tier ${tier.name}${tier.up_to ? `, up to ${tier.up_to}` : ''})`];
  if (f.total === null) reasons.push('no reliable total: routed to the highest tier');
  if (f.needsReview) reasons.push('fields need review: the extraction paths disagree, a check failed, or the total was read by one path only');
  for (const a of f.anomalies) reasons.push(`anomaly: ${a}`);
  if (f.injectionSuspected) reasons.push('the message contains instructions aimed at the agent (possible prompt injection)');
  return {
    tier: tier.name,
    approvers: resolveIdentities(policy, tier.approvers),
    required: tier.required,
    escalation: resolveIdentities(policy, tier.escalation),
    reasons,
  };
}

export { detectInjection } from './injection.ts';
