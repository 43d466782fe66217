/**
 * Prompt-injection detection for untrusted text (mail bodies, Slack messages, documents).
 *
 * This is a tripwire, not the defence: whatever it says, the policy gate decides what may
 * happen, and the model never receives untrusted text as instructions. What the detector adds is
 * a reason a person can read ("asks the reader to ignore its earlier instructions: …") and a
 * block on auto-sending a reply.
 *
 * An injection is text written to the AI that reads it rather than to the person it was sent to.
 * Single keywords cannot tell the two apart ("our new bank is Barclays" is honest; so is "this
 * is a test"), so the rules (injection-rules.ts) are graded and combined:
 *
 *   any strong signal                                          → flagged
 *   two medium signals of different kinds, one agent-directed  → flagged  (addressed to an AI × an order)
 *   "nobody needs to approve / be told" × a payment, data or
 *   "pay now" demand                                           → flagged  (business-email compromise)
 *   anything else                                              → not flagged
 *
 * Hidden text counts too: base64 runs that decode to instructions, tag characters, zero-width
 * characters inside words, HTML comments, look-alike letters; spaced-out, leetspeak and reversed
 * spellings are checked against the strongest rules. Input is capped (MAX_SCAN_CHARS) and
 * every pattern is linear, so hostile input costs milliseconds.
 */
import { AGENT_DIRECTED, RULES, type Rule, type SignalKind, type Strength } from './injection-rules.ts';
import { decodedBase64, deobfuscate, prepare, reverseText, type PreparedText } from './injection-text.ts';

export { MAX_SCAN_CHARS } from './injection-text.ts';
export type { SignalKind, Strength } from './injection-rules.ts';

export interface InjectionSignal {
  kind: SignalKind;
  strength: Strength;
  description: string;
  /** The words that matched, shortened: enough for a person to find them. */
  excerpt: string;
}

export interface InjectionScan {
  flagged: boolean;
  signals: InjectionSignal[];
}

const MAX_MATCHES_PER_RULE = 8;
const EXCERPT_CHARS = 80;
const BUSINESS_RISK: ReadonlySet<SignalKind> = new Set(['payment', 'exfil', 'action']);

function excerpt(s: string): string {
  const flat = s.replace(/\s+/gu, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS - 1)}…` : flat;
}

function firstMatch(rule: Rule, text: string): { strength: Strength; text: string } | null {
  let best: { strength: Strength; text: string } | null = null;
  let n = 0;
  for (const m of text.matchAll(rule.re)) {
    const strength = rule.grade ? rule.grade(m) : rule.strength;
    if (strength === 'strong') return { strength, text: m[0] };
    if (strength && !best) best = { strength, text: m[0] };
    if (++n >= MAX_MATCHES_PER_RULE) break;
  }
  return best;
}

function hiddenSignals(p: PreparedText, raw: string): InjectionSignal[] {
  const out: InjectionSignal[] = [];
  const h = p.hidden;
  // Tag characters render as nothing; a few form flag emoji, more than that is smuggled text.
  if (h.tagText.replace(/\s/gu, '').length > 8) out.push({ kind: 'hidden', strength: 'strong', description: 'carries invisible text in Unicode tag characters', excerpt: excerpt(h.tagText) });
  if (h.zeroWidthInWords >= 2) out.push({ kind: 'hidden', strength: 'medium', description: 'hides zero-width characters inside words', excerpt: `${h.zeroWidthInWords} zero-width characters` });
  if (h.bidiControls >= 1) out.push({ kind: 'hidden', strength: 'medium', description: 'contains text-direction overrides', excerpt: `${h.bidiControls} direction controls` });
  if (h.mixedScriptWords >= 2) out.push({ kind: 'hidden', strength: 'medium', description: 'mixes look-alike letters from other alphabets inside words', excerpt: `${h.mixedScriptWords} mixed words` });
  const comment = /<!--[^\n]{0,200}/u.exec(raw.slice(0, 200_000));
  if (comment) out.push({ kind: 'hidden', strength: 'medium', description: 'contains an HTML comment (hidden when rendered)', excerpt: excerpt(comment[0]) });
  return out;
}

function ruleSignals(p: PreparedText): InjectionSignal[] {
  const out: InjectionSignal[] = [];
  const variants: Array<[string, string]> = [];
  const deob = deobfuscate(p.text);
  if (deob !== p.text) variants.push(['re-spelt', deob]);
  variants.push(['reversed', reverseText(p.text)]);
  for (const rule of RULES) {
    const hit = firstMatch(rule, rule.cased ? p.cased : p.text);
    if (hit) {
      out.push({ kind: rule.kind, strength: hit.strength, description: rule.description, excerpt: excerpt(hit.text) });
      continue;
    }
    if (!rule.variants) continue;
    for (const [how, text] of variants) {
      const v = firstMatch(rule, text);
      if (v?.strength === 'strong') {
        out.push({ kind: rule.kind, strength: 'strong', description: `${rule.description} (${how})`, excerpt: excerpt(v.text) });
        break;
      }
    }
  }
  return out;
}

function decide(signals: InjectionSignal[]): boolean {
  if (signals.some((s) => s.strength === 'strong')) return true;
  const kinds = new Set(signals.map((s) => s.kind));
  if (kinds.size >= 2 && [...kinds].some((k) => AGENT_DIRECTED.has(k))) return true;
  return kinds.has('bypass') && [...kinds].some((k) => BUSINESS_RISK.has(k));
}

function scan(raw: string, depth: number): InjectionScan {
  const p = prepare(raw);
  const signals = [...hiddenSignals(p, raw), ...ruleSignals(p)];
  if (p.hidden.tagText) {
    const inner = scan(p.hidden.tagText, depth + 1);
    if (inner.flagged) signals.push({ kind: 'hidden', strength: 'strong', description: 'hides instructions in invisible characters', excerpt: excerpt(p.hidden.tagText) });
  }
  if (depth === 0) {
    for (const decoded of decodedBase64(p.cased)) {
      const inner = scan(decoded, depth + 1);
      if (inner.flagged) {
        signals.push({ kind: 'hidden', strength: 'strong', description: 'hides instructions in base64', excerpt: excerpt(decoded) });
        break;
      }
    }
  }
  return { flagged: decide(signals), signals };
}

/** Every signal found, and whether together they amount to an injection. */
export function scanInjection(text: string): InjectionScan {
  return scan(text, 0);
}

/**
 * What a person should know, one line per signal ("asks for the system prompt: "…""), or an empty
 * list when the text does not look like an injection. Callers treat a non-empty list as suspected.
 */
export function detectInjection(text: string): string[] {
  const result = scanInjection(text);
  if (!result.flagged) return [];
  const order = (s: InjectionSignal) => (s.strength === 'strong' ? 0 : 1);
  return [...result.signals].sort((a, b) => order(a) - order(b)).map((s) => `${s.description}: "${s.excerpt}"`);
}
