/**
 * The offline decision provider's triage: the registered workflows' own rules (each route's
 * `offline.match`, in rank order), the first that matches wins. Its confidence is honest: rules
 * guess, so they never claim more than 0.6, and the policy sends their decisions to a person.
 */
import type { RouteCatalog } from '../../workflows/routes.ts';
import { readItem } from '../../workflows/routes.ts';
import type { TriageInput, TriageResult } from '../../workflows/ports.ts';
import { detectLanguage } from './language.ts';

const EMPTY = { category: null, priority: null, sentiment: null, solvable: null } as const;

export function offlineTriage(input: TriageInput, routes: RouteCatalog): TriageResult {
  const lang = detectLanguage(readItem(input).body);
  const base = { provider: 'offline', model: 'rules-v1', language: lang.language };
  const ranked = routes.specs.filter((s) => s.offline).sort((a, b) => a.offline!.rank - b.offline!.rank);
  for (const spec of ranked) {
    const hit = spec.offline!.match(input);
    if (!hit) continue;
    return { ...base, ...EMPTY, route: spec.route, routeReason: hit.why, confidence: hit.confidence, reasoning: hit.why, ...hit.fields };
  }
  const names = routes.specs.map((s) => s.route).join(', ');
  return { ...base, ...EMPTY, route: 'unrouted', routeReason: `none of the routes (${names}) was recognised`, confidence: 0.4, reasoning: 'no rule matched' };
}
