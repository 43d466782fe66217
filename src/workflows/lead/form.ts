/**
 * The lead workflow's input: a form submission (webhook, `mailroom process lead.json`) or an
 * email the router judged to be someone interested in buying. Validated at the edge: a bad
 * field answers 422 on the webhook and a clear error on the CLI.
 */
import { z } from 'zod';
import { requesterSchema, type EmailSummary } from '../ports.ts';

export const ACTIVITY_TYPES = ['download', 'page_view', 'pricing_view', 'webinar', 'email_open', 'demo_request'] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export const activitySchema = z.object({
  type: z.enum(ACTIVITY_TYPES),
  at: z.string().datetime({ offset: true }).optional(),
  title: z.string().max(500).optional(),
});
export type Activity = z.infer<typeof activitySchema>;

const text = (max: number) => z.string().trim().max(max);

/** The form input, exactly. */
export const leadFormSchema = z.object({
  email: z.string().trim().email(),
  name: text(200).optional(),
  company: text(200).optional(),
  title: text(200).optional(),
  message: text(20_000).optional(),
  source: text(100).optional(),
  phone: text(50).optional(),
  website: text(500).optional(),
  timezone: z
    .string()
    .trim()
    .refine((tz) => isTimeZone(tz), 'an IANA time zone such as Europe/Berlin')
    .optional(),
  consent: z.boolean().optional(),
  activity: z.array(activitySchema).max(1000).default([]),
});
export type LeadForm = z.infer<typeof leadFormSchema>;

/** The workflow's input: the form, plus the item and the routed email when it came by mail. */
export const leadInputSchema = leadFormSchema.extend({
  itemId: z.string().optional(),
  inbound: z.custom<EmailSummary>().nullable().optional(),
  requester: requesterSchema.nullable().optional(),
  /** The language the router's triage read the email in, and who read it (the drafts' language: language.ts). */
  triageLanguage: z.object({ language: z.string().trim().max(40), provider: z.string().max(100) }).optional(),
});
export type LeadInput = z.infer<typeof leadInputSchema>;

/** One lead per address: lower-cased and trimmed (dots and plus tags are a person's own choice). */
export function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).trim().toLowerCase();
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
