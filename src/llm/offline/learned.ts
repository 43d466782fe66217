/**
 * The offline triage, taught by people: before its rules have the last word, the labelled
 * examples nearest to the item (what people chose and corrected on similar items) vote on the
 * route, the category and the priority, each weighted by its similarity.
 *
 * The rule, per decision (route, category, priority; an item people gave a category or priority
 * counts as a support request for the route):
 * - The examples are adopted over the rules when their winning label holds at least 60 % of
 *   the similarity-weighted vote and either its closest example is a near match (similarity
 *   ≥ 0.5) or two examples or more say so.
 * - Confidence stays honest: rules alone claim at most 0.6, adopted examples 0.6; only strong
 *   agreement, three or more near matches (≥ 0.5) with no neighbour disagreeing, claims 0.8.
 *   The triage's confidence is the lowest of the decisions it is made of, so 0.8 takes a strong
 *   agreement on every one of them.
 */
import type { ExampleKind, ExamplesPort, Neighbour } from '../../learning/examples.ts';
import { exampleText } from '../../learning/examples.ts';
import type { Priority, SupportCategory, TriageInput, TriageResult } from '../../workflows/ports.ts';
import type { RouteCatalog } from '../../workflows/routes.ts';

const solvableCategory = (category: SupportCategory) => category === 'technical' || category === 'account' || category === 'billing' || category === 'other';

export const NEIGHBOURS = 5;
const ADOPT_SHARE = 0.6;
const NEAR = 0.5;
const STRONG_VOTES = 3;
export const ADOPTED_CONFIDENCE = 0.6;
export const STRONG_CONFIDENCE = 0.8;

export type LearnedNeighbours = Record<'route' | 'category' | 'priority', Neighbour[]>;

export interface ExampleVote {
  label: string;
  share: number;
  votes: number;
  best: number;
  adopted: boolean;
  strong: boolean;
}

const CATEGORIES: SupportCategory[] = ['billing', 'technical', 'feature_request', 'complaint', 'account', 'other'];
const PRIORITIES: Priority[] = ['urgent', 'high', 'normal', 'low'];

/** The text an item is compared by: the same cut as the examples people labelled. */
export const triageText = (input: TriageInput) => exampleText(input.email?.subject, input.text);

export async function lookupNeighbours(port: ExamplesPort, input: TriageInput, k = NEIGHBOURS): Promise<LearnedNeighbours> {
  const text = triageText(input);
  if (!text) return { route: [], category: [], priority: [] };
  const kinds: ExampleKind[] = ['route', 'category', 'priority'];
  const [route, category, priority] = await Promise.all(kinds.map((kind) => port.nearest(text, kind, k)));
  return { route: route!, category: category!, priority: priority! };
}

/** The similarity-weighted vote of the neighbours on one label; null when none has a valid one. */
export function vote(neighbours: Neighbour[], key: string, allowed?: readonly string[]): ExampleVote | null {
  const valid = neighbours.filter((n) => typeof n.label[key] === 'string' && (!allowed || allowed.includes(n.label[key] as string)));
  if (!valid.length) return null;
  const weights = new Map<string, { weight: number; votes: number; best: number }>();
  for (const n of valid) {
    const label = n.label[key] as string;
    const w = weights.get(label) ?? { weight: 0, votes: 0, best: 0 };
    weights.set(label, { weight: w.weight + n.similarity, votes: w.votes + 1, best: Math.max(w.best, n.similarity) });
  }
  const total = [...weights.values()].reduce((a, w) => a + w.weight, 0);
  const [label, w] = [...weights.entries()].sort((a, b) => b[1].weight - a[1].weight)[0]!;
  const share = total > 0 ? w.weight / total : 0;
  const adopted = share >= ADOPT_SHARE && (w.best >= NEAR || w.votes >= 2);
  const near = valid.filter((n) => n.similarity >= NEAR).length;
  const strong = adopted && weights.size === 1 && near >= STRONG_VOTES;
  return { label, share: Math.round(share * 100) / 100, votes: w.votes, best: w.best, adopted, strong };
}

const explain = (what: string, v: ExampleVote, of: number) =>
  `${what} ${v.label} from ${v.votes} of ${of} similar item(s) people labelled (share ${v.share}, closest ${v.best})`;

/**
 * Evidence on the route: the route choices people made, and every item they gave a category or
 * priority, which only support requests have. One vote per item, its own route choice first.
 */
function routeEvidence(neighbours: LearnedNeighbours, routes: RouteCatalog): Neighbour[] {
  const classifying = routes.specs.find((s) => s.classifies)?.route;
  const implied = classifying ? [...neighbours.category, ...neighbours.priority].map((n) => ({ ...n, label: { route: classifying } })) : [];
  const seen = new Set<string>();
  return [...neighbours.route, ...implied].filter((n) => !seen.has(n.text) && Boolean(seen.add(n.text)));
}

/** The rules' triage with the examples' adopted votes applied; pure. */
export function learnedTriage(input: TriageInput, rules: TriageResult, neighbours: LearnedNeighbours, routes: RouteCatalog): TriageResult {
  const evidence = routeEvidence(neighbours, routes);
  const routeVote = vote(evidence, 'route');
  const learned: string[] = [];
  const confidences: number[] = [];
  let route = rules.route;
  let routeReason = rules.routeReason;
  if (routeVote?.adopted) {
    // Only installed workflows take items from the router; any other choice (ignore, a workflow
    // not installed) means a person looks at it again.
    route = routes.find(routeVote.label)?.installed ? routeVote.label : 'unrouted';
    routeReason = `${route}: people routed similar items to ${routeVote.label} (${routeVote.votes} of ${evidence.length})`;
    learned.push(explain('route', routeVote, evidence.length));
  }
  confidences.push(routeVote?.adopted ? (routeVote.strong ? STRONG_CONFIDENCE : ADOPTED_CONFIDENCE) : rules.confidence);
  const spec = routes.find(route);
  if (!spec?.classifies) {
    if (!learned.length) return rules;
    return { ...rules, route, routeReason, category: null, priority: null, solvable: null, confidence: Math.min(...confidences), reasoning: `${learned.join('; ')}; rules: ${rules.reasoning}`, model: 'rules-v1+examples' };
  }

  // The rules' view of the request, also when only the examples said it is one.
  const guess = rules.route === route ? null : spec.offline?.match(input, { force: true });
  const base = guess
    ? { category: (guess.fields?.category ?? 'other') as SupportCategory, priority: (guess.fields?.priority ?? 'normal') as Priority, confidence: guess.confidence, reasoning: guess.fields?.reasoning ?? guess.why, sentiment: guess.fields?.sentiment ?? null }
    : { category: rules.category ?? 'other', priority: rules.priority ?? 'normal', confidence: rules.confidence, reasoning: rules.reasoning, sentiment: rules.sentiment };
  const categoryVote = vote(neighbours.category, 'category', CATEGORIES);
  const priorityVote = vote(neighbours.priority, 'priority', PRIORITIES);
  const category = categoryVote?.adopted ? (categoryVote.label as SupportCategory) : base.category;
  const priority = priorityVote?.adopted ? (priorityVote.label as Priority) : base.priority;
  for (const [what, v, of] of [['category', categoryVote, neighbours.category.length], ['priority', priorityVote, neighbours.priority.length]] as const) {
    if (v?.adopted) learned.push(explain(what, v, of));
    confidences.push(v?.adopted ? (v.strong ? STRONG_CONFIDENCE : ADOPTED_CONFIDENCE) : base.confidence);
  }
  if (!learned.length) return rules;
  return {
    ...rules,
    route,
    routeReason,
    category,
    priority,
    sentiment: base.sentiment,
    solvable: solvableCategory(category),
    confidence: Math.min(...confidences),
    reasoning: `${learned.join('; ')}; rules: ${base.reasoning}`,
    model: 'rules-v1+examples',
  };
}
