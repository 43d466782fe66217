/**
 * The text layer against OCR of the rendered page, as the invoice cross-check compares paths: a
 * line the file carries but the page does not show (covered by an image, drawn outside a clip)
 * has almost none of its words in the OCR reading. Pure. Only clear cases count: a line of at
 * least four real words of which fewer than one in five is seen, since OCR misreads some words
 * of every honest line. Near-misses ("rnodern" for "modern") count as seen.
 */
import type { Line } from './lines.ts';

const MIN_WORDS = 4;
const MAX_SEEN = 0.2;

const words = (s: string) => (s.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').match(/[\p{L}\p{N}]{3,}/gu) ?? []);

function near(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1 || a.length < 5) return false;
  // One edit apart.
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/** Lines of the text layer that the OCR of their page does not see. */
export function unseenLines(lines: Line[], ocrText: string): Line[] {
  const seen = new Set(words(ocrText));
  const seenList = [...seen];
  return lines.filter((l) => {
    const ws = words(l.text);
    if (ws.length < MIN_WORDS) return false;
    const found = ws.filter((w) => seen.has(w) || seenList.some((s) => near(w, s))).length;
    return found / ws.length < MAX_SEEN;
  });
}
