/**
 * The policy file's `hiring:` section, kept beside the workflow; src/policy/schema.ts embeds it.
 * Durations are written like the rest of the policy ("180d", "3d", "30m").
 */
import { z } from 'zod';
import { duration } from '../../policy/duration.ts';

export const hiringPolicySchema = z
  .object({
    /** Applicant data is pseudonymised this long after the application, unless they joined the talent pool. */
    retention: duration.prefault('180d'),
    /** Who decides on candidates (default: the policy's `approvers`). */
    approvers: z.array(z.string().min(1)).optional(),
    /** Length of a screening call. */
    call_minutes: z.number().int().min(10).max(240).default(30),
    /** How far ahead slots are offered, and the earliest a call may start from now. */
    slot_horizon: duration.prefault('14d'),
    min_notice: duration.prefault('1d'),
    /** Waiting for the candidate's answer to an invitation: a reminder after this, then a person after as long again. */
    reply_wait: duration.prefault('3d'),
    /** The interviewer briefing goes this long before the call. */
    briefing_before: duration.prefault('1h'),
    /** Red flags: a gap longer than this many months, a finished role shorter than this many. */
    gap_months: z.number().int().min(1).default(6),
    short_tenure_months: z.number().int().min(1).default(12),
    /** A candidate on hold comes back to a person after this long (a new decision card), at most `hold_reviews` times. */
    hold_review: duration.prefault('14d'),
    hold_reviews: z.number().int().min(0).max(12).default(3),
    /** Who signs the status mails. */
    sender_name: z.string().min(1).default('The hiring team'),
    company_name: z.string().min(1).default('our company'),
  })
  .prefault({});

export type HiringPolicy = z.infer<typeof hiringPolicySchema>;
