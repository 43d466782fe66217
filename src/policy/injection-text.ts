/**
 * Text preparation for the injection detector: what the patterns see.
 *
 * Inputs are hostile, so everything here is one pass (or a bounded number of passes) over a
 * capped string. Hiding tricks are measured before they are undone: a zero-width character
 * between two letters, Unicode tag characters (invisible ASCII), bidi overrides and words that
 * mix Latin with Cyrillic/Greek look-alikes are evidence in themselves, and the patterns then run
 * on the text with those tricks removed.
 */

/** Longer inputs keep their head and tail: padding a message cannot push an instruction out of both. */
export const MAX_SCAN_CHARS = 100_000;
const HEAD_CHARS = 75_000;

const ZERO_WIDTH = /[\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u180e]/gu;
const ZERO_WIDTH_IN_WORD = /\p{L}[\u200b-\u200d\u2060-\u2064\ufeff\u00ad\u180e]+\p{L}/gu;
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/gu;
/** Tag characters U+E0020–E007E mirror printable ASCII and render as nothing. */
const TAG_RUN = /[\u{e0020}-\u{e007e}]+/gu;
const MIXED_SCRIPT_WORD = /(?:[a-z][\u0400-\u04ff\u0370-\u03ff]|[\u0400-\u04ff\u0370-\u03ff][a-z])/giu;
const COMBINING = /\p{M}+/gu;

/** Cyrillic and Greek letters that look like Latin ones, as used to dodge keyword filters. */
const CONFUSABLES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x', і: 'i', ј: 'j', ѕ: 's', ԁ: 'd', ɡ: 'g',
  α: 'a', ε: 'e', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLES).join('')}]`, 'gu');
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '@': 'a', $: 's', '!': 'i', '|': 'l' };

export interface HiddenMarks {
  zeroWidthInWords: number;
  bidiControls: number;
  /** ASCII smuggled in tag characters (England's flag emoji uses a few; instructions need more). */
  tagText: string;
  mixedScriptWords: number;
}

export interface PreparedText {
  /** Tricks undone, NFKC, accents stripped, lower case: what most patterns run on. */
  text: string;
  /** The same before lower-casing, for patterns where shouting is the signal. */
  cased: string;
  hidden: HiddenMarks;
}

export function capInput(raw: string): string {
  if (raw.length <= MAX_SCAN_CHARS) return raw;
  return `${raw.slice(0, HEAD_CHARS)}\n${raw.slice(raw.length - (MAX_SCAN_CHARS - HEAD_CHARS))}`;
}

function count(text: string, re: RegExp): number {
  let n = 0;
  for (const _ of text.matchAll(re)) n += 1;
  return n;
}

export function prepare(raw: string): PreparedText {
  const capped = capInput(raw);
  let tagText = '';
  for (const m of capped.matchAll(TAG_RUN)) {
    // Tag characters are astral: each is two UTF-16 units; U+E00xx maps back to ASCII xx.
    for (const ch of m[0]) tagText += String.fromCharCode(ch.codePointAt(0)! - 0xe0000);
    tagText += '\n';
  }
  const hidden: HiddenMarks = {
    zeroWidthInWords: count(capped, ZERO_WIDTH_IN_WORD),
    bidiControls: count(capped, BIDI_CONTROL),
    tagText: tagText.trim(),
    mixedScriptWords: count(capped, MIXED_SCRIPT_WORD),
  };
  const cleaned = capped.replace(TAG_RUN, ' ').replace(ZERO_WIDTH, '').replace(BIDI_CONTROL, '');
  const cased = cleaned.normalize('NFKC').normalize('NFD').replace(COMBINING, '').replace(/[\u2018\u2019\u02bc]/gu, "'").replace(/[\u201c\u201d]/gu, '"');
  return { text: cased.toLowerCase(), cased, hidden };
}

/**
 * Spellings that defeat keyword matching but not a reader: look-alike letters, leetspeak inside
 * words ("1gn0re"), and words spelled out letter by letter ("i g n o r e"). Only the strongest
 * patterns run on this; a phrase like "ignore all previous instructions" does not appear here
 * by accident.
 */
export function deobfuscate(text: string): string {
  return text
    .replace(CONFUSABLE_RE, (c) => CONFUSABLES[c] ?? c)
    .replace(/[a-z0-9@$!|]+/gu, (w) => (/[a-z]/u.test(w) && /[0-9@$!|]/u.test(w) ? w.replace(/[0-9@$!|]/gu, (c) => LEET[c] ?? c) : w))
    // The look-behind lets a run start only at its first letter, so each run is scanned once
    // (a bare (?<![a-z]) would rescan it from every letter: quadratic).
    .replace(/(?<![a-z][ .\-_*]|[a-z])(?:[a-z][ .\-_*]){2,}[a-z](?![a-z])/gu, (run) => run.replace(/[ .\-_*]/gu, ''));
}

export function reverseText(text: string): string {
  return Array.from(text).reverse().join('');
}

const BASE64_RUN = /[A-Za-z0-9+/]{24,4096}={0,2}/gu;
const MAX_BASE64_RUNS = 16;

/** Base64 runs that decode to readable text (not images, keys or hashes), for a second look. */
export function decodedBase64(cased: string): string[] {
  const out: string[] = [];
  for (const m of cased.matchAll(BASE64_RUN)) {
    if (out.length >= MAX_BASE64_RUNS) break;
    const run = m[0];
    // Identifiers and words are not base64 blobs: a blob mixes cases and digits.
    if (!/[a-z]/u.test(run) || !/[A-Z]/u.test(run)) continue;
    const decoded = Buffer.from(run, 'base64').toString('utf8');
    if (decoded.length < 12) continue;
    const printable = decoded.replace(/[^\x20-\x7e\n\r\t\u00a0-\u024f]/gu, '').length / decoded.length;
    const letters = decoded.replace(/[^\p{L}]/gu, '').length / decoded.length;
    if (printable > 0.95 && letters > 0.5 && decoded.includes(' ')) out.push(decoded);
  }
  return out;
}
