/**
 * Screening a blind resume against a job: one verdict per requirement (`met | partial |
 * missing | unknown`), each met or partial verdict with a verbatim quote from the visible resume
 * text. A verdict whose quote is not in the text is dropped (it becomes `unknown`, to probe in
 * the interview). Must-haves gate, nice-to-haves weigh; the total is computed here, by code,
 * so the same resume and job version always score the same.
 *
 * The offline rules are term matching with synonyms (synonyms.ts) and years of experience from
 * the merged role intervals. They see only the blind resume (blind.ts). A model, when one screens
 * (screen-model.ts), gives verdicts and quotes too; `scoreScreening` turns either into the
 * screening the same way: quotes checked, then the total.
 */
import { markerFreeSpan, type BlindResume } from './blind.ts';
import { experienceMonths, type Interval } from './intervals.ts';
import { isKnownTerm, variantsOf } from './synonyms.ts';

export type Verdict = 'met' | 'partial' | 'missing' | 'unknown';
export type RequirementKind = 'must_have' | 'nice_to_have';

export interface RequirementVerdict {
  requirement: string;
  kind: RequirementKind;
  verdict: Verdict;
  /** Verbatim resume text for met and partial; null otherwise. */
  evidence: string | null;
  /** Why, in a few words (for the approver and the trace). */
  why: string;
}

export interface Screening {
  requirements: RequirementVerdict[];
  score: number;
  gate_passed: boolean;
  /** What gave the verdicts: OFFLINE_RULES_VERSION, or `model:<model>:<instructions hash>` (screen-model.ts). */
  prompt_version: string;
  /** Who gave the verdicts: `code` (the rules) or the model's provider; absent in screenings cached before the model path. */
  provider?: string;
  model?: string | null;
}

/** Bumped whenever the rules change, so cached screenings of the old rules are not reused. */
export const OFFLINE_RULES_VERSION = 'offline-rules-1';

const FILLER_PREFIX = /^(?:(?:a|an|the|strong|solid|proven|excellent|good|great|deep|hands-on|practical|professional|working|basic|advanced|fluent|demonstrated|extensive|sound)\s+)+/;
const LEAD_IN = /^(?:(?:experience|knowledge|understanding|proficiency|expertise|familiarity|skills?|background|competence|fluency)\s+(?:with|in|of|using|on)\s+)/;
const TRAILER = /\s+(?:experience|skills?|knowledge|proficiency|expertise|background)$/;
const YEARS = /(\d+)\s*\+?\s*(?:years?|yrs?|jahre?n?|ans)(?:\s+of)?(?:\s+(?:professional|commercial|industry|relevant|hands-on|work))?(?:\s+experience)?(?:\s+(?:in|with|as|of|building|using|doing))?\s*/i;
const STOP = new Set(['and', 'or', 'of', 'in', 'with', 'the', 'a', 'an', 'to', 'for', 'on', 'at', 'using', 'based', 'etc', 'e.g', 'such', 'as', 'including', 'plus']);
// The resume text is too thin to judge anything: every verdict is unknown, not missing.
const MIN_TEXT_CHARS = 80;

interface ParsedRequirement {
  years: number | null;
  alternatives: string[];
}

/** "5+ years of experience with TypeScript or JavaScript" → years 5, alternatives [typescript, javascript]. */
export function parseRequirement(text: string): ParsedRequirement {
  let t = text.toLowerCase().replace(/[()]/g, ' ').replace(/\s+/g, ' ').trim();
  const y = YEARS.exec(t);
  const years = y ? Number(y[1]) : null;
  if (y) t = (t.slice(0, y.index) + ' ' + t.slice(y.index + y[0].length)).trim();
  const clean = (s: string) => s.replace(FILLER_PREFIX, '').replace(LEAD_IN, '').replace(FILLER_PREFIX, '').replace(TRAILER, '').replace(/[.;:]+$/, '').trim();
  t = clean(t);
  const parts = isKnownTerm(t) ? [t] : t.split(/\s+or\s+|\s*,\s*|\s+\/\s+|\s+and\/or\s+/);
  const alternatives = parts
    .flatMap((p) => (isKnownTerm(p) || !p.includes('/') ? [p] : p.split('/')))
    .map(clean)
    .filter((p) => p.length > 0);
  return { years, alternatives };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern for one way of writing a term; short ones ("Go", "ML") only capitalised, as names. */
function termPattern(variant: string): RegExp {
  const body = escape(variant).replace(/\\?\s+/g, '[\\s-]+');
  if (variant.replace(/[^\p{L}]/gu, '').length <= 3 && !/[^\p{L}\s]/u.test(variant)) {
    return new RegExp(`(?<![\\p{L}\\p{N}])(?:${variant.toUpperCase()}|${variant[0]!.toUpperCase()}${variant.slice(1)})(?![\\p{L}\\p{N}+#-])`, 'u');
  }
  return new RegExp(`(?<![\\p{L}\\p{N}])${body}(?![\\p{L}\\p{N}+#])`, 'iu');
}

/** A quote of at most `max` characters around the match, cut at word boundaries. */
function quoteAround(span: string, at: number, length: number, max = 180): string {
  if (span.length <= max) return span;
  const from = Math.max(0, at - Math.floor((max - length) / 2));
  let q = span.slice(from, from + max);
  if (from > 0) q = q.replace(/^\S*\s/, '');
  if (from + max < span.length) q = q.replace(/\s\S*$/, '');
  return q.trim();
}

function findTerm(lines: string[], term: string): { line: number; quote: string } | null {
  for (const variant of variantsOf(term)) {
    const re = termPattern(variant);
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]!);
      if (!m) continue;
      const span = markerFreeSpan(lines[i]!, m.index);
      const at = span.indexOf(m[0]);
      if (at >= 0) return { line: i, quote: quoteAround(span, at, m[0].length) };
    }
  }
  return null;
}

const stem = (w: string) => w.replace(/(ing|ed|es|s)$/, '');

/** Multi-word requirement not found as a phrase: the line that holds most of its words. */
function findWords(lines: string[], term: string): { quote: string; share: number } | null {
  const words = term.split(/[\s-]+/).filter((w) => w.length > 2 && !STOP.has(w)).map(stem);
  if (words.length < 2) return null;
  let best: { quote: string; share: number } | null = null;
  for (const line of lines) {
    const lineWords = new Set(line.toLowerCase().split(/[^\p{L}\p{N}+#.]+/u).map(stem));
    const hits = words.filter((w) => lineWords.has(w));
    const share = hits.length / words.length;
    if (share >= 0.5 && (!best || share > best.share)) {
      const first = line.toLowerCase().search(new RegExp(escape(hits[0]!), 'i'));
      const span = markerFreeSpan(line, Math.max(0, first));
      if (span.toLowerCase().includes(hits[0]!)) best = { quote: quoteAround(span, Math.max(0, span.toLowerCase().indexOf(hits[0]!)), hits[0]!.length), share };
    }
  }
  return best;
}

function judge(resume: BlindResume, requirement: string, kind: RequirementKind): RequirementVerdict {
  const base = { requirement, kind };
  if (resume.lines.join(' ').length < MIN_TEXT_CHARS) return { ...base, verdict: 'unknown', evidence: null, why: 'too little readable resume text to judge' };
  const { years, alternatives } = parseRequirement(requirement);
  const found = alternatives.map((a) => ({ a, hit: findTerm(resume.lines, a) })).find((f) => f.hit);

  if (years !== null) {
    const mentioning = alternatives.length
      ? resume.work.filter((w) => alternatives.some((a) => variantsOf(a).some((v) => termPattern(v).test([w.position, ...w.highlights].join(' ')))))
      : resume.work;
    // The term only in the summary ("Backend engineer with 8 years..."): it describes every role.
    const relevant = mentioning.length || !found ? mentioning : resume.work;
    const roles = relevant.filter((w) => w.startDate);
    if (!roles.length) {
      if (found) return { ...base, verdict: 'partial', evidence: found.hit!.quote, why: `${found.a} appears, but no dated role shows ${years} years of it` };
      return { ...base, verdict: resume.work.length ? 'missing' : 'unknown', evidence: null, why: resume.work.length ? `no role mentions ${alternatives.join(' or ') || 'relevant work'}` : 'no dated roles found in the resume' };
    }
    const months = experienceMonths(roles as Interval[]);
    const had = Math.floor(months / 12 * 10) / 10;
    const longest = [...roles].sort((a, b) => experienceMonths([b as Interval]) - experienceMonths([a as Interval]))[0]!;
    const quoteLine = resume.lines.find((l) => longest.position && l.includes(longest.position));
    const evidence = quoteLine ? markerFreeSpan(quoteLine, quoteLine.indexOf(longest.position)) : (found?.hit?.quote ?? null);
    if (!evidence) return { ...base, verdict: 'unknown', evidence: null, why: `about ${had} years by the dates, but no role line to quote` };
    const verdict: Verdict = months >= years * 12 ? 'met' : months >= years * 12 * 0.6 ? 'partial' : 'missing';
    return { ...base, verdict, evidence: verdict === 'missing' ? null : quoteAround(evidence, 0, 0), why: `about ${had} years in ${roles.length} dated role(s) (merged, overlaps counted once) against ${years} asked` };
  }

  if (found) return { ...base, verdict: 'met', evidence: found.hit!.quote, why: `"${found.a}" found` };
  const partial = alternatives.map((a) => findWords(resume.lines, a)).filter((p) => p !== null).sort((a, b) => b.share - a.share)[0];
  if (partial) return { ...base, verdict: 'partial', evidence: partial.quote, why: `${Math.round(partial.share * 100)}% of its words on one line` };
  return { ...base, verdict: 'missing', evidence: null, why: `none of ${alternatives.map((a) => `"${a}"`).join(', ')} found (synonyms included)` };
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * A met or partial verdict must quote the visible text (whitespace collapsed, case ignored); one
 * that does not is dropped to `unknown`, a question for the interview.
 */
export function keepQuoted(verdicts: RequirementVerdict[], visibleText: string): RequirementVerdict[] {
  const text = norm(visibleText);
  return verdicts.map((v) => {
    if (v.verdict !== 'met' && v.verdict !== 'partial') return { ...v, evidence: null };
    const quote = v.evidence ? norm(v.evidence) : '';
    if (quote.length >= 2 && text.includes(quote)) return v;
    return { ...v, verdict: 'unknown', evidence: null, why: `dropped: ${v.evidence?.trim() ? 'the quote given' : 'no quote was given'} for "${v.verdict}"${v.evidence?.trim() ? ' is not in the resume text' : ''}; to probe in the interview` };
  });
}

const WEIGHT: Record<Verdict, number> = { met: 1, partial: 0.5, unknown: 0, missing: 0 };

/**
 * The total, by code: 70 % must-haves, 30 % nice-to-haves (all of it on whichever list is not
 * empty). A missing must-have fails the gate, and a failed gate caps the score below 50, under
 * every candidate who passed it. Unknowns weigh nothing and do not fail the gate: they are
 * questions for the interview.
 */
export function totalScore(verdicts: RequirementVerdict[]): { score: number; gate_passed: boolean } {
  const avg = (vs: RequirementVerdict[]) => vs.reduce((n, v) => n + WEIGHT[v.verdict], 0) / vs.length;
  const must = verdicts.filter((v) => v.kind === 'must_have');
  const nice = verdicts.filter((v) => v.kind === 'nice_to_have');
  const raw = must.length && nice.length ? 0.7 * avg(must) + 0.3 * avg(nice) : must.length ? avg(must) : nice.length ? avg(nice) : 0;
  const gate = !must.some((v) => v.verdict === 'missing');
  const score = Math.round(raw * 100);
  return { score: gate ? score : Math.min(score, 49), gate_passed: gate };
}

/**
 * Verdicts to a screening, by code, for the rules and a model alike: every quote checked against
 * the visible text (keepQuoted), then the total (totalScore). The same verdicts always give the
 * same screening, whoever gave them.
 */
export function scoreScreening(verdicts: RequirementVerdict[], visibleText: string, by: { prompt_version: string; provider?: string; model?: string | null }): Screening {
  const checked = keepQuoted(verdicts, visibleText);
  return { requirements: checked, ...totalScore(checked), prompt_version: by.prompt_version, provider: by.provider ?? 'code', model: by.model ?? null };
}

/** The offline screening: rules over the blind resume, quotes checked against the visible text. */
export function screenOffline(resume: BlindResume, visibleText: string, job: { must_have: string[]; nice_to_have: string[] }): Screening {
  const verdicts = [...job.must_have.map((r) => judge(resume, r, 'must_have')), ...job.nice_to_have.map((r) => judge(resume, r, 'nice_to_have'))];
  return scoreScreening(verdicts, visibleText, { prompt_version: OFFLINE_RULES_VERSION });
}
