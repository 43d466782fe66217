/**
 * Locale-aware amounts: "1,234.56", "1.234,56", "1 234,56", "1'234.56", "$11,704.07", "282,21 EUR".
 * The last separator followed by exactly two digits is the decimal mark; other separators group.
 */
export function parseAmount(raw: string): number | null {
  const s = raw.replace(/[\s\u00a0\u202f']/g, (m) => (m === "'" ? '' : ' ')).replace(/[^\d.,\s-]/g, '').trim();
  if (!/\d/.test(s)) return null;
  const compact = s.replace(/\s+/g, ' ');
  // "1 234,56" → spaces group thousands.
  const noSpaces = /^\d{1,3}( \d{3})+([.,]\d{1,2})?$/.test(compact) ? compact.replace(/ /g, '') : compact.replace(/ /g, '');
  const m = /^(-)?([\d.,]*?)([.,](\d{1,2}))?$/.exec(noSpaces);
  if (!m) return null;
  const [, sign, intPart = '', , decimals] = m;
  // A single separator followed by three digits ("1.234" / "1,234") groups thousands.
  const integer = intPart.replace(/[.,]/g, '');
  if (!integer && !decimals) return null;
  const value = Number(`${integer || '0'}.${decimals ?? '0'}`);
  return Number.isFinite(value) ? (sign ? -value : value) : null;
}

const SYMBOLS: Array<[RegExp, string]> = [
  [/US\$|\$/, 'USD'],
  [/€/, 'EUR'],
  [/£/, 'GBP'],
  [/¥/, 'JPY'],
  [/₹/, 'INR'],
  [/\bRM\b/, 'MYR'],
  [/\bCHF\b|\bFr\.\s/, 'CHF'],
];
const CODES = /\b(USD|EUR|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|CZK|INR|MYR|SGD|CNY|HKD|NZD|ZAR|BRL|MXN)\b/;

export function detectCurrency(text: string): string | null {
  const code = CODES.exec(text);
  if (code) return code[1]!;
  for (const [re, cur] of SYMBOLS) if (re.test(text)) return cur;
  return null;
}

/** The amount pattern used by the field extractor: optional currency around a number with separators. */
export const AMOUNT = String.raw`(?:[A-Z]{3}\s?|[$€£¥₹]\s?|RM\s?)?-?\d{1,3}(?:[.,\s'\u00a0]\d{3})*(?:[.,]\d{1,2})?(?:\s?(?:[A-Z]{3}|[$€£]))?|(?:[A-Z]{3}\s?|[$€£¥₹]\s?|RM\s?)?-?\d+(?:[.,]\d{1,2})?(?:\s?(?:[A-Z]{3}|[$€£]))?`;
