/**
 * The closest labelled examples as a model sees them: data in the user turn, after the cached
 * prefix (so the cache still hits), delimited like the item itself. Their text came from outside
 * too, so it is framed as untrusted; the labels are ours and are given as attributes.
 */
import { untrusted } from '../llm/prompts.ts';
import type { ExamplesPort, Neighbour } from './examples.ts';

/** How many examples a model is shown: a few close ones help, many only cost tokens. */
export const PROMPT_EXAMPLES = 3;

// The examples' own delimiters are neutralised inside their text, like the item's (prompts.ts).
const neutralise = (text: string) => text.replace(/<\/?\s*labelled_examples?[^>]*>/gi, (t) => t.replace(/</g, '‹').replace(/>/g, '›'));

const block = (examples: string[], note: string) =>
  examples.length ? `<labelled_examples note="${note}">\n${examples.join('\n')}\n</labelled_examples>` : '';

/**
 * Triage: the nearest route, category and priority corrections, merged per item (one item
 * may have taught all three), best first.
 */
export async function triageExamples(port: ExamplesPort, text: string, k = PROMPT_EXAMPLES): Promise<string> {
  if (!text.trim()) return '';
  const found = (await Promise.all((['route', 'category', 'priority'] as const).map((kind) => port.nearest(text, kind, k)))).flat();
  const byText = new Map<string, { labels: Record<string, string>; similarity: number }>();
  for (const n of found.sort((a, b) => b.similarity - a.similarity)) {
    const e = byText.get(n.text) ?? { labels: {}, similarity: n.similarity };
    const value = n.label[n.kind];
    if (typeof value === 'string') e.labels[n.kind] = value;
    byText.set(n.text, e);
  }
  const items = [...byText.entries()].filter(([, e]) => Object.keys(e.labels).length).slice(0, k);
  return block(
    items.map(([t, e]) => untrusted('labelled_example', { ...e.labels, similarity: e.similarity.toFixed(2) }, neutralise(t))),
    'earlier items like this one, with the route, category or priority a person gave them',
  );
}

/** Drafts: replies people wrote or corrected for the nearest earlier messages. */
export async function draftExamples(port: ExamplesPort, text: string, k = 2): Promise<string> {
  if (!text.trim()) return '';
  const found: Neighbour[] = await port.nearest(text, 'draft', k);
  return block(
    found
      .filter((n) => typeof n.label.draft === 'string')
      .map((n) => untrusted('labelled_example', { kind: 'draft', similarity: n.similarity.toFixed(2) }, neutralise(`Message:\n${n.text}\n\nReply a person approved:\n${String(n.label.draft)}`))),
    'replies a person approved for earlier messages like this one',
  );
}
