/**
 * The policy file (`MAILROOM_POLICY`, YAML): thresholds, approver groups, auto-send rules, invoice
 * tiers, SLAs. Validated once at start-up; defaults are conservative (nothing irreversible
 * happens without a person, replies go only to the original sender).
 */
import { z } from 'zod';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
/** "90s", "15m", "4h", "3d" (or a number of milliseconds). */
export const duration = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|min|h|d)$/, 'a duration like 90s, 15m, 4h or 3d').transform((v) => {
    const [, n, unit] = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(v)!;
    return Math.round(Number(n) * UNITS[unit!]!);
  }),
], { error: 'expected a duration like 90s, 15m, 4h or 3d (or a number of milliseconds)' });

/** Approver identities: Slack user ids (U…), `group:<name>` from `groups`, `cli:*` or `cli:<user>`. */
const identities = z.array(z.string().min(1));

const tierSchema = z.object({
  name: z.string().min(1),
  /** Inclusive upper bound of the invoice total for this tier; the last tier may omit it. */
  up_to: z.number().positive().optional(),
  approvers: identities,
  required: z.number().int().min(1).max(5).default(1),
  escalation: identities.default([]),
});

export const policySchema = z
  .object({
    confidence_threshold: z.number().min(0).max(1).default(0.7),
    groups: z.record(z.string(), identities).default({}),
    approvers: identities.default(['cli:*']),
    approval: z
      .object({ remind_after: duration.prefault('4h'), expire_after: duration.prefault('3d') })
      .prefault({}),
    support: z
      .object({
        auto_send_categories: z.array(z.enum(['billing', 'technical', 'feature_request', 'complaint', 'account', 'other'])).default([]),
        flagged_senders: z.array(z.string()).default([]),
        approvers: identities.optional(),
        sla: z
          .object({ urgent: duration.prefault('1h'), high: duration.prefault('4h'), normal: duration.prefault('1d'), low: duration.prefault('3d') })
          .prefault({}),
        survey: z.boolean().default(true),
        survey_after: duration.prefault('2d'),
        teams: z.record(z.string(), z.string()).default({ billing: 'billing', technical: 'engineering', account: 'support', complaint: 'support-leads', feature_request: 'product', other: 'support' }),
      })
      .prefault({}),
    invoice: z
      .object({
        tiers: z.array(tierSchema).min(1).default([
          { name: 'standard', up_to: 5000, approvers: ['cli:*'], required: 1, escalation: [] },
          { name: 'large', approvers: ['cli:*'], required: 2, escalation: [] },
        ]),
        po_tolerance_pct: z.number().min(0).max(100).default(2),
        history_deviation_factor: z.number().min(1).default(3),
        duplicate_window_days: z.number().int().min(0).default(45),
        acknowledge_sender: z.boolean().default(false),
      })
      .prefault({}),
    actions: z
      .object({
        /** Action kinds that run only with an approved approval whose parameters match. */
        require_approval: z.array(z.string()).default(['ledger.book', 'payment.schedule', 'email.forward', 'kb.save']),
      })
      .prefault({}),
  })
  .strict();

export type Policy = z.infer<typeof policySchema>;
export type Tier = z.infer<typeof tierSchema>;
