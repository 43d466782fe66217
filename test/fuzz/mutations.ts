/**
 * Hostile variants of real inputs. A plan names a corpus file and a few mutations; the plan (not
 * the bytes) is what fast-check generates, shrinks and prints, so a failure reads as "file 3,
 * truncated at 812, then nested 4,000 deep" and can be kept as a regression example.
 *
 *   flip       one bit flipped at a position
 *   truncate   cut at a position
 *   splice     this file up to a position, then another corpus file from a position
 *   repeat     one line (a header line where the format has a header block) repeated many times
 *   huge       a line of hundreds of kilobytes inserted at a position
 *   insert     a token the format gives meaning to (a boundary, an encoded word, a tag) inserted
 *   nest       the format's own structure nested thousands deep (MIME parts, XML elements, JSON, PDF arrays)
 *
 * Positions are taken modulo the current length, so every plan applies to every file.
 */
import fc from 'fast-check';

export type Mutation =
  | { flip: number; bit: number }
  | { truncate: number }
  | { splice: number; other: number; from: number }
  | { repeat: number; times: number }
  | { huge: number; length: number; char: string }
  | { insert: number; token: string }
  | { nest: number };

export interface Plan {
  file: number;
  mutations: Mutation[];
}

export interface Format {
  /** Tokens with a meaning in the format, for `insert`. */
  tokens: string[];
  /** Wraps the input in `depth` levels of the format's own nesting. */
  nest(bytes: Buffer, depth: number): Buffer;
  /** The header block ends at the first empty line (mail): `repeat` then duplicates header lines. */
  headerBlock?: boolean;
}

export function planArbitrary(corpusSize: number, format: Format, options: { maxHuge?: number; maxDepth?: number; maxMutations?: number } = {}): fc.Arbitrary<Plan> {
  const position = fc.nat({ max: 1 << 30 });
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ flip: position, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 2, arbitrary: fc.record({ truncate: position }) },
    { weight: 2, arbitrary: fc.record({ splice: position, other: fc.nat({ max: corpusSize - 1 }), from: position }) },
    { weight: 2, arbitrary: fc.record({ repeat: position, times: fc.integer({ min: 2, max: 2000 }) }) },
    { weight: 1, arbitrary: fc.record({ huge: position, length: fc.integer({ min: 1000, max: options.maxHuge ?? 400_000 }), char: fc.constantFrom('A', ' ', '=', '<', '"', '\t', 'é') }) },
    { weight: 3, arbitrary: fc.record({ insert: position, token: fc.constantFrom(...format.tokens) }) },
    { weight: 1, arbitrary: fc.record({ nest: fc.integer({ min: 2, max: options.maxDepth ?? 5000 }) }) },
  );
  return fc.record({ file: fc.nat({ max: corpusSize - 1 }), mutations: fc.array(mutation, { minLength: 1, maxLength: options.maxMutations ?? 3 }) });
}

const at = (n: number, length: number) => (length ? n % (length + 1) : 0);

function repeatLine(bytes: Buffer, n: number, times: number, headerBlock: boolean): Buffer {
  const text = bytes.toString('latin1');
  const end = headerBlock ? text.search(/\r?\n\r?\n/) : -1;
  const region = end > 0 ? text.slice(0, end) : text;
  const lines = region.split('\n');
  const i = n % lines.length;
  // Repeating a huge line is capped at a few megabytes: the point is many lines, not an input no string can hold.
  const copies = Math.max(1, Math.min(times - 1, Math.floor(8_000_000 / (lines[i]!.length + 1))));
  lines.splice(i, 0, ...Array<string>(copies).fill(lines[i]!));
  return Buffer.from(lines.join('\n') + text.slice(region.length), 'latin1');
}

export function applyPlan(corpus: Buffer[], plan: Plan, format: Format): Buffer {
  let b = corpus[plan.file % corpus.length]!;
  for (const m of plan.mutations) {
    if ('flip' in m) {
      if (!b.length) continue;
      b = Buffer.from(b);
      const i = m.flip % b.length;
      b[i] = b[i]! ^ (1 << m.bit);
    } else if ('truncate' in m) b = b.subarray(0, at(m.truncate, b.length));
    else if ('splice' in m) {
      const other = corpus[m.other % corpus.length]!;
      b = Buffer.concat([b.subarray(0, at(m.splice, b.length)), other.subarray(at(m.from, other.length))]);
    } else if ('repeat' in m) b = repeatLine(b, m.repeat, m.times, format.headerBlock ?? false);
    else if ('huge' in m) {
      const i = at(m.huge, b.length);
      b = Buffer.concat([b.subarray(0, i), Buffer.from(`\r\n${m.char.repeat(m.length)}\r\n`), b.subarray(i)]);
    } else if ('insert' in m) {
      const i = at(m.insert, b.length);
      b = Buffer.concat([b.subarray(0, i), Buffer.from(m.token), b.subarray(i)]);
    } else b = format.nest(b, m.nest);
  }
  return b;
}

/** Describes a plan for a failure message (the file's name, not its bytes). */
export const describePlan = (names: string[], plan: Plan) => `${names[plan.file % names.length]} with ${JSON.stringify(plan.mutations).slice(0, 300)}`;
