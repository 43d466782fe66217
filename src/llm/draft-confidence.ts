/**
 * How sure a reply draft is, which decides whether it may be sent without a person (with the
 * policy's threshold and categories). Neither the model nor code decides alone:
 *
 *   confidence = min(the model's own confidence, the cap of the checks code can make)
 *
 * The model is asked, in the draft tool's schema, for its confidence with a one-sentence reason
 * and whether the articles answer the question. Code checks what it can see: the reply is not
 * empty, cites an article it was given (by title) and claims none it was not given, is written
 * in the language asked for, and has no placeholder left to fill in. Each failed check caps the
 * confidence (the lowest cap wins); a model that gave no assessment (a plain-text answer) is
 * capped at 0.5.
 */
import { z } from 'zod';
import type { DraftInput } from '../workflows/ports.ts';
import { detectLanguage } from './offline/language.ts';

export const draftToolSchema = z.object({
  reply: z.string().describe('the reply to send, plain text, in the language asked for, citing the articles used by title ("See: <title>")'),
  cited_article_ids: z.array(z.string()).describe('ids of the kb_article blocks the reply is based on; empty when none'),
  articles_answer_question: z.boolean().describe('true only when the articles given really answer what the customer asked'),
  confidence: z.number().min(0).max(1).describe('your honest probability that this reply can be sent as it is: correct, complete, answers the question; below 0.7 a person reviews it'),
  confidence_reason: z.string().min(1).describe('one short sentence: why this confidence'),
});
export type DraftTool = z.infer<typeof draftToolSchema>;

export const CAPS = {
  empty: 0,
  placeholder: 0.1,
  inventedCitation: 0.3,
  noArticles: 0.3,
  wrongLanguage: 0.3,
  articlesDoNotAnswer: 0.4,
  noCitation: 0.5,
  unassessed: 0.5,
} as const;

// Left for a person to fill in: "[Customer name]", "{{first_name}}", "<NAME>", "TODO".
const PLACEHOLDER = /\[(?:insert|your|customer|client|name|first name|company|date|link|url|agent|placeholder|x+)\b[^\]]*\]|\{\{[^}]*\}\}|<[A-Z][A-Z_ ]{2,}>|\b(?:TODO|TBD|FIXME|XXX)\b|lorem ipsum/i;
/** The languages the stop-word detector knows; for others it cannot tell, so it does not judge. */
const KNOWN_LANGUAGES = new Set(['en', 'de', 'fr', 'es', 'it', 'nl', 'pt']);
const SEE_LINE = /^\s*(?:see|siehe|voir|ver|vedi|zie|veja)\s*:\s*(.+)$/gim;

export interface DraftAssessment {
  confidence: number;
  /** Articles the reply cites by title. */
  citations: string[];
  cap: number;
  problems: string[];
}

export function assessDraft(
  text: string,
  context: { articles: Array<{ id: string; title: string }>; language: string },
  model: Pick<DraftTool, 'confidence' | 'cited_article_ids' | 'articles_answer_question'> | null,
): DraftAssessment {
  const problems: Array<[string, number]> = [];
  const citations = context.articles.filter((a) => text.includes(a.title)).map((a) => a.id);
  if (!text.trim()) problems.push(['the draft is empty', CAPS.empty]);
  if (!context.articles.length) problems.push(['no knowledge-base article to base it on', CAPS.noArticles]);
  else if (!citations.length) problems.push(['cites none of the articles it was given', CAPS.noCitation]);
  const ids = new Set(context.articles.map((a) => a.id));
  const invented = (model?.cited_article_ids ?? []).filter((id) => !ids.has(id));
  const titles = context.articles.map((a) => a.title.toLowerCase());
  for (const m of text.matchAll(SEE_LINE)) {
    const cited = m[1]!.split(/[,;]/).map((t) => t.trim().replace(/^["“„«']+|["”“»'.]+$/g, '').toLowerCase()).filter(Boolean);
    invented.push(...cited.filter((t) => !titles.some((title) => title === t || t.includes(title))));
  }
  if (invented.length) problems.push([`cites what it was not given: ${invented.join(', ')}`, CAPS.inventedCitation]);
  const detected = detectLanguage(text);
  if (text.trim() && detected.confidence >= 0.6 && detected.language !== context.language && KNOWN_LANGUAGES.has(context.language)) {
    problems.push([`written in ${detected.language}, asked for ${context.language}`, CAPS.wrongLanguage]);
  }
  const placeholder = PLACEHOLDER.exec(text);
  if (placeholder) problems.push([`unresolved placeholder ${placeholder[0]}`, CAPS.placeholder]);
  if (!model) problems.push(['the model gave no assessment of its own', CAPS.unassessed]);
  else if (!model.articles_answer_question) problems.push(['the model says the articles do not answer the question', CAPS.articlesDoNotAnswer]);
  const cap = Math.min(1, ...problems.map(([, c]) => c));
  const own = model?.confidence ?? 1;
  return { confidence: Math.round(Math.min(own, cap) * 100) / 100, citations, cap, problems: problems.map(([p]) => p) };
}

/** What a draft decision records: the model's own view beside the checks' verdict. */
export const draftParameters = (input: DraftInput, a: DraftAssessment, own: DraftTool | null) => ({
  citations: a.citations,
  language: input.language,
  model_confidence: own?.confidence ?? null,
  articles_answer_question: own?.articles_answer_question ?? null,
  checks_cap: a.cap,
  problems: a.problems,
});

export const draftReasoning = (text: string, a: DraftAssessment, own: DraftTool | null) =>
  text
    ? `draft of ${text.length} characters citing ${a.citations.join(', ') || 'no article'}; model: ${own ? `${own.confidence} (${own.confidence_reason})` : 'no assessment'}; checks: ${a.problems.join('; ') || 'all passed'}`
    : 'empty draft';
