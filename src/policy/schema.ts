/**
 * The policy file (`MAILROOM_POLICY`, YAML): thresholds, approver groups, auto-send rules, invoice
 * tiers, SLAs. Validated once at start-up; defaults are conservative (nothing irreversible
 * happens without a person, replies go only to the original sender).
 */
import { z } from 'zod';
import { contentPolicySchema } from '../workflows/content/policy.ts';
import { hiringPolicySchema } from '../workflows/hiring/policy.ts';

import { duration } from './duration.ts';

export { duration };

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
    /**
     * The people behind identities: a forwarded mail from one of `emails` was brought in by that
     * person, so none of their `identities` may approve it (separation of duties).
     */
    people: z
      .array(z.object({ name: z.string().optional(), emails: z.array(z.string().email()).default([]), identities: identities.default([]) }).strict())
      .default([]),
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
        /** How long a sent survey waits for its answer. */
        survey_window: duration.prefault('14d'),
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
        /** Time of day (UTC) on the due date at which an approved invoice's payment is released. */
        pay_at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'a time of day like 09:00 (UTC)').default('09:00'),
      })
      .prefault({}),
    /** The lead workflow (src/workflows/lead): the ideal customer profile, bands, the nurture sequence. */
    lead: z
      .object({
        /** The ideal customer profile the fit score (0-40) is measured against. */
        icp: z
          .object({
            employees: z.object({ min: z.number().int().nonnegative().default(50), max: z.number().int().positive().default(500) }).prefault({}),
            industries: z.array(z.string().min(1)).default(['SaaS', 'E-commerce', 'Professional Services']),
            /** A modern stack: any of these tools in the company's tech. */
            tech: z.array(z.string().min(1)).default(['Slack', 'HubSpot']),
            /** Funding stages that count (Series A and later), or revenue of at least `min_revenue_usd`. */
            funding_stages: z.array(z.string().min(1)).default(['Series A', 'Series B', 'Series C', 'Series D', 'Series E', 'Series F', 'Growth', 'Public']),
            min_revenue_usd: z.number().nonnegative().default(5_000_000),
            /** Pain the product solves, as words a lead uses (matched on word stems). */
            pain_signals: z.array(z.string().min(1)).default(['scaling', 'growth', 'automation', 'efficiency', 'manual', 'drowning', 'hours every day', 'time-consuming']),
          })
          .prefault({}),
        /** Bands: score > hot is hot, score >= warm is warm, else cold. */
        thresholds: z.object({ hot: z.number().min(0).max(100).default(80), warm: z.number().min(0).max(100).default(50) }).prefault({}),
        /** Waits between the first email and each follow-up (one follow-up per entry). */
        sequence: z.array(duration).default([3 * 86_400_000, 7 * 86_400_000]),
        /** After the sequence, a "last touch?" task for sales instead of another email, this long after the first email. */
        last_touch_after: duration.prefault('14d'),
        /** How long a cold lead (or a finished sequence) waits for new engagement before the run ends. */
        engagement_window: duration.prefault('30d'),
        /** What a cold lead is sent (and warm emails may point to). */
        resources: z.array(z.object({ title: z.string().min(1), url: z.string().url() })).default([]),
        /** The Slack channel for hot-lead alerts (default: SLACK_APPROVAL_CHANNEL). */
        sales_channel: z.string().min(1).optional(),
        /** Who may act on lead approvals (default: `approvers`). */
        approvers: identities.optional(),
        /** The sender's postal address, required in every automated email. */
        postal_address: z.string().min(1).optional(),
        /** A recipient's time zone when neither the form nor their domain says (IANA name). */
        default_timezone: z.string().min(1).default('UTC'),
        /** The language of lead emails when the lead's words do not tell one (en, de, fr or es). */
        default_language: z.enum(['en', 'de', 'fr', 'es']).default('en'),
        /** Automated lead mail goes out in the recipient's business hours (their time zone), with jitter. */
        send_window: z
          .object({
            enabled: z.boolean().default(true),
            start_hour: z.number().int().min(0).max(23).default(9),
            end_hour: z.number().int().min(1).max(23).default(17),
            /** ISO weekdays: 1 = Monday ... 7 = Sunday. */
            days: z.array(z.number().int().min(1).max(7)).default([1, 2, 3, 4, 5]),
            jitter: duration.prefault('45m'),
          })
          .prefault({}),
        /** Which lead emails go out without a person: nothing by default. */
        auto_send: z.array(z.enum(['first_email', 'follow_up', 'resource_email', 'answer'])).default([]),
        /** Never more automated emails to one person without an answer from them. */
        max_unanswered: z.number().int().min(1).max(10).default(3),
        /** Who is writing, for drafts' signatures. */
        sender_name: z.string().min(1).default('The Mailroom team'),
        product_name: z.string().min(1).default('Mailroom'),
      })
      .prefault({}),
    /** The content workflow's check thresholds and approvers (src/workflows/content/policy.ts). */
    content: contentPolicySchema,
    /** The hiring workflow: retention, who decides, scheduling (src/workflows/hiring/policy.ts). */
    hiring: hiringPolicySchema,
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
