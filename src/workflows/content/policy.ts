/**
 * The policy file's `content:` section: every threshold the content checks apply, and who
 * approves content. Kept beside the workflow; src/policy/schema.ts embeds it.
 */
import { z } from 'zod';

export const contentPolicySchema = z
  .object({
    /** Who may approve a piece (default: the policy's `approvers`). */
    approvers: z.array(z.string().min(1)).optional(),
    seo: z
      .object({
        title_min: z.number().int().min(1).default(30),
        title_max: z.number().int().min(1).default(60),
        meta_min: z.number().int().min(1).default(120),
        meta_max: z.number().int().min(1).default(156),
        /** Keyphrase occurrences per 100 words. */
        density_min: z.number().min(0).default(0.5),
        density_max: z.number().min(0).default(3),
        min_words: z.number().int().min(0).default(300),
      })
      .prefault({}),
    readability: z
      .object({
        /** Flesch reading ease below this is a failure (0-30 reads like a scientific paper). */
        min_flesch: z.number().default(30),
      })
      .prefault({}),
    platform: z
      .object({
        /** twitter-text's weighted length (URLs count 23). */
        x_max: z.number().int().min(1).default(280),
        linkedin_max: z.number().int().min(1).default(3000),
        email_subject_max: z.number().int().min(1).default(78),
        email_subject_warn: z.number().int().min(1).default(50),
      })
      .prefault({}),
    research: z
      .object({
        /** Snippets kept for one piece. */
        max_snippets: z.number().int().min(1).max(50).default(12),
        /** Distinct source documents a piece needs; fewer and the run abstains. */
        min_sources: z.number().int().min(1).default(1),
        /** Share of the topic's content words a document must contain to count as relevant. */
        min_term_share: z.number().min(0).max(1).default(0.5),
        /** With a web search configured: result pages read per piece. */
        web_results: z.number().int().min(0).max(20).default(3),
      })
      .prefault({}),
    /** A calendar entry's run starts this many days before its publication date, leaving time to approve. */
    calendar_lead_days: z.number().int().min(0).max(60).default(3),
    /** Model review: revision rounds on what failed (0-2). */
    max_revisions: z.number().int().min(0).max(2).default(2),
  })
  .prefault({});

export type ContentPolicy = z.infer<typeof contentPolicySchema>;

/** Defaults, for code that runs without a policy file (unit tests, the CLI's checks). */
export const defaultContentPolicy: ContentPolicy = contentPolicySchema.parse(undefined);
