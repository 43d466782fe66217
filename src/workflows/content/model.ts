/**
 * The model's part in a piece, behind a port: draft from the stored snippets, review the draft
 * (tone, accuracy against the sources) with reasons, revise what failed. Code keeps what code can
 * decide: the slug, the citations' footnotes, the checks. The sources and the brief are data to
 * the model, never instructions. With no model configured none of this runs (extractive draft).
 */
import { z } from 'zod';
import type { StepApi } from '../../engine/types.ts';
import type { Brand } from './brand.ts';
import type { Brief } from './brief.ts';
import type { Piece } from './checks/index.ts';
import type { StoredSnippet } from './sources.ts';
import { slugify } from './text.ts';

export const draftSchema = z.object({
  title: z.string().min(5).max(120).describe('the post title; contains the keyphrase'),
  meta_description: z.string().min(50).max(200).describe('120-156 characters; contains the keyphrase'),
  outline: z.array(z.string().min(1)).min(2).max(12).describe('the H2 section headings, in order'),
  body_markdown: z.string().min(100).describe('Markdown starting with "# <title>"; every factual sentence ends with footnote markers like [^S1] naming the sources it rests on; no footnote definitions'),
  x: z.string().min(1).describe('an X post, at most 280 characters, ending with {url}'),
  linkedin: z.string().min(1).describe('a LinkedIn post, at most 3000 characters, ending with {url}'),
  email_subject: z.string().min(1).describe('at most 50 characters'),
  email_body: z.string().min(1).describe('a short email pointing to {url}'),
});
export type ModelDraft = z.infer<typeof draftSchema>;

export const reviewSchema = z.object({
  issues: z.array(z.object({
    kind: z.enum(['accuracy', 'tone', 'clarity', 'seo', 'brand']),
    sentence: z.string().describe('the sentence, quoted from the draft'),
    problem: z.string().describe('what is wrong, against which source or brand rule'),
  })).describe('empty when the draft is accurate to its sources and in the brand voice'),
  reasoning: z.string().min(1).describe('one short paragraph: what you compared and what you found'),
});
export type ModelReview = z.infer<typeof reviewSchema>;

export interface DraftContext {
  brief: Brief;
  keyphrase: string;
  brand: Brand;
  snippets: readonly StoredSnippet[];
}

/**
 * Each call is a recorded decision of the run (model-judge.ts binds them to the decision core);
 * null when the model could not answer (budget spent, malformed twice): the workflow carries on
 * without it, saying so.
 */
export interface ContentModel {
  draft(step: StepApi, context: DraftContext): Promise<ModelDraft | null>;
  review(step: StepApi, context: DraftContext & { piece: Piece }, round: number): Promise<ModelReview | null>;
  revise(step: StepApi, context: DraftContext & { piece: Piece; problems: string[] }, round: number): Promise<ModelDraft | null>;
}

/** Footnote definitions for the markers the body uses, added by code from the stored snippets. */
export function withSources(body: string, snippets: readonly StoredSnippet[]): string {
  const clean = body.replace(/\n\[\^[^\]]+\]:.*$/gm, '').replace(/\n## Sources[\s\S]*$/, '').trimEnd();
  const used = snippets.filter((s) => clean.includes(`[^${s.id}]`));
  return used.length ? `${clean}\n\n## Sources\n\n${used.map((s) => `[^${s.id}]: ${s.title}: "${s.quote.replace(/\s+/g, ' ').trim()}"`).join('\n')}\n` : `${clean}\n`;
}

/** A model's draft as a piece: slug by code, an H1 if it left one out, footnotes from the snippets. */
export function pieceFromModel(d: ModelDraft, context: DraftContext): Piece {
  const body = /^#\s/m.test(d.body_markdown) ? d.body_markdown : `# ${d.title}\n\n${d.body_markdown}`;
  const channels = context.brief.channels;
  return {
    title: d.title.trim(),
    slug: slugify(context.keyphrase),
    meta_description: d.meta_description.trim(),
    outline: d.outline,
    body_markdown: withSources(body, context.snippets),
    variants: {
      ...(channels.includes('x') ? { x: d.x } : {}),
      ...(channels.includes('linkedin') ? { linkedin: d.linkedin } : {}),
      ...(channels.includes('email') ? { email: { subject: d.email_subject, body: d.email_body } } : {}),
    },
  };
}
