/**
 * A receipt or invoice states its total more than once, in different ways: the labelled total
 * (often several: before and after rounding, incl. tax), what was paid minus the change, and
 * subtotal plus tax. OCR garbles some of them. Each reading is a vote; a value that two
 * independent statements agree on beats a single labelled reading. Only a value with at least two
 * votes may overrule the label-based pick, so a clean invoice keeps its labelled total.
 */
import { parseAmount } from './numbers.ts';

const TOTALISH = /\b(total|totaal|gesamt|summe|montant|amount due|balance due|net ?t total|payable|rounded)\b/i;
const NOT_TOTAL = /\b(sub-?\s?total|subtotaal|zwischensumme|total ht|excl|exclusive|quantity|qty|items?|discount|disc|saving|gst summary|tax ?code|total gst|total tax|total vat|includes)\b/i;
const PAID = /\b(cash(?: tendered)?|tendered|payment|paid|tunai|visa|master(?:card)?|credit card|debit card|card)\b/i;
const CHANGE = /\b(change(?: due| amt)?|baki)\b/i;
const SUBTOTAL = /\b(sub-?\s?total|excl(?:uding)?\.?(?: of)? (?:gst|tax|vat))\b/i;
const TAX = /\b(total gst|total tax|total vat|gst(?: @ ?\d+%)?|sst|vat|tax)\b/i;
const CHARGE = /\b(service charge|svc charge|service fee|delivery fee|shipping)\b/i;
const ROUNDING = /\bround(?:ing)?(?: adj(?:ustment)?)?\b/i;
/** Labels that name the final amount to pay: they count twice. */
const FINAL = /\b(total payable|amount payable|amount due|balance due|total due|grand total|nett? total|total rounded|rounded total|total after (?:rounding|adj)|zahlbetrag|gesamtbetrag|net à payer|total ttc)\b/i;

/** The last amount on a line, reading OCR's "8 60" (a space for the decimal point) as 8.60. */
export function lastAmount(line: string): number | null {
  const tail = /(-?\s?(?:RM|[$€£])?\s?-?\d[\d,. ]*\d|\d)\s*\)?\s*$/i.exec(line.replace(/[\s|\]:;,.]+$/, '').trim());
  if (!tail) return null;
  let raw = tail[1]!.replace(/\b(RM)\b/i, '').replace(/[$€£]/g, '').trim();
  if (/^-?\d{1,4} \d{2}$/.test(raw)) raw = raw.replace(' ', '.');
  else if (/\s/.test(raw)) raw = raw.split(/\s+/).at(-1)!;
  if (!/[.,]\d{2}$/.test(raw)) return null;
  const v = parseAmount(raw);
  return v === null ? null : Math.round(v * 100) / 100;
}

const cents = (v: number) => Math.round(v * 100);

export interface TotalVotes {
  value: number;
  votes: number;
  reasons: string[];
}

/** Tallies the independent statements of the total found in the lines. */
export function tallyTotals(lines: string[]): TotalVotes[] {
  const tally = new Map<number, Set<string>>();
  const vote = (value: number | null, reason: string) => {
    if (value === null || value <= 0) return;
    const key = cents(value);
    if (!tally.has(key)) tally.set(key, new Set());
    tally.get(key)!.add(reason);
  };
  let paid: number | null = null, change: number | null = null, subtotal: number | null = null, tax: number | null = null, rounding = 0;
  let roundedAt = -1, afterRounding = false, charges = 0;
  lines.forEach((line, i) => {
    const amount = lastAmount(line);
    const totalLine = TOTALISH.test(line) && !NOT_TOTAL.test(line) && !CHANGE.test(line) && !SUBTOTAL.test(line);
    // Only the first total line after the rounding is the rounded total, even if OCR garbled its amount.
    const firstAfterRounding = totalLine && roundedAt >= 0 && !afterRounding;
    if (firstAfterRounding) afterRounding = true;
    if (amount === null) return;
    if (CHANGE.test(line)) change ??= amount;
    // The amount handed over is the last one before the change (cash 8.60, tendered 9.00, change 0.40).
    else if (PAID.test(line) && !TOTALISH.test(line)) paid = change === null ? amount : paid;
    else if (SUBTOTAL.test(line)) subtotal ??= amount;
    else if (CHARGE.test(line) && !TOTALISH.test(line)) charges += amount;
    else if (ROUNDING.test(line) && !TOTALISH.test(line)) {
      rounding = amount < 0 || !/-\s?(RM)?\s?\d/.test(line) ? amount : -amount;
      roundedAt = i;
    } else if (TAX.test(line) && !TOTALISH.test(line.replace(TAX, ''))) tax ??= amount;
    else if (TOTALISH.test(line) && !NOT_TOTAL.test(line)) {
      vote(amount, `labelled total (line ${i + 1})`);
      if (FINAL.test(line)) vote(amount, `final-amount label (line ${i + 1})`);
      if (firstAfterRounding) vote(amount, 'the total after rounding');
    }
  });
  if (paid !== null && change !== null) vote(paid - change, 'paid minus change');
  if (subtotal !== null && tax !== null) {
    vote(subtotal + charges + tax + rounding, rounding ? 'subtotal plus charges and tax, rounded' : 'subtotal plus charges and tax');
  }
  return [...tally.entries()]
    .map(([c, reasons]) => ({ value: c / 100, votes: reasons.size, reasons: [...reasons] }))
    .sort((a, b) => b.votes - a.votes);
}

/**
 * The pick, or a value that more independent statements agree on (at least two). With no
 * labelled total at all, the best-supported statement is better than nothing (it goes to review).
 */
export function reconcileTotal(lines: string[], pick: number | null): { total: number | null; votes: TotalVotes | null } {
  const tally = tallyTotals(lines);
  const best = tally[0];
  const support = pick === null ? 0 : (tally.find((t) => cents(t.value) === cents(pick))?.votes ?? 0);
  if (best && (best.votes >= 2 || pick === null) && best.votes > support) return { total: best.value, votes: best };
  return { total: pick, votes: tally.find((t) => pick !== null && cents(t.value) === cents(pick)) ?? null };
}
