/**
 * Dates as printed on invoices and receipts, normalised to YYYY-MM-DD: numeric (DD/MM/YYYY or
 * MM/DD/YYYY, decided by values, by the invoice's locale, or by the due date coming after the
 * invoice date), ISO, and with month names in English, German, French, Spanish, Italian, Dutch.
 */
const MONTHS: Record<string, number> = {};
const NAMES: string[][] = [
  ['jan', 'january', 'januar', 'janvier', 'enero', 'gennaio', 'januari', 'jän', 'janv', 'ene', 'gen'],
  ['feb', 'february', 'februar', 'février', 'fevrier', 'febrero', 'febbraio', 'februari', 'févr', 'fev'],
  ['mar', 'march', 'märz', 'maerz', 'mars', 'marzo', 'maart', 'mär', 'mrt'],
  ['apr', 'april', 'avril', 'abril', 'aprile', 'avr', 'abr'],
  ['may', 'mai', 'mayo', 'maggio', 'mei', 'mag'],
  ['jun', 'june', 'juni', 'juin', 'junio', 'giugno', 'giu'],
  ['jul', 'july', 'juli', 'juillet', 'julio', 'luglio', 'juil', 'lug'],
  ['aug', 'august', 'août', 'aout', 'agosto', 'augustus', 'ago'],
  ['sep', 'sept', 'september', 'septembre', 'septiembre', 'settembre', 'set'],
  ['oct', 'october', 'oktober', 'octobre', 'octubre', 'ottobre', 'okt', 'ott'],
  ['nov', 'november', 'novembre', 'noviembre'],
  ['dec', 'december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dicembre', 'dez', 'déc', 'dic'],
];
NAMES.forEach((names, i) => names.forEach((n) => (MONTHS[n] = i + 1)));
const MONTH_RE = Object.keys(MONTHS).sort((a, b) => b.length - a.length).join('|');

export type DateOrder = 'dmy' | 'mdy';

const iso = (y: number, m: number, d: number): string | null => {
  if (y < 100) y += 2000;
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1990 || y > 2100) return null;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCMonth() !== m - 1) return null;
  return date.toISOString().slice(0, 10);
};

/** All dates found in `text`, in order, each with both readings when ambiguous. */
export const DATE_PATTERN = new RegExp(
  String.raw`(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})|(\d{1,2})\.?\s*(${MONTH_RE})\.?,?\s+(\d{2,4})|(${MONTH_RE})\.?\s+(\d{1,2}),?\s+(\d{4})`,
  'i',
);

/** Parses one date; `order` decides DD/MM vs MM/DD when both are ≤ 12. Returns both readings for ambiguity checks. */
export function parseDate(raw: string, order: DateOrder = 'dmy'): { value: string; alternative: string | null } | null {
  const m = DATE_PATTERN.exec(raw);
  if (!m) return null;
  if (m[1]) {
    const v = iso(+m[1], +m[2]!, +m[3]!);
    return v ? { value: v, alternative: null } : null;
  }
  if (m[4]) {
    const a = +m[4], b = +m[5]!, y = +m[6]!;
    const dmy = iso(y, b, a);
    const mdy = iso(y, a, b);
    if (dmy && !mdy) return { value: dmy, alternative: null };
    if (mdy && !dmy) return { value: mdy, alternative: null };
    if (!dmy || !mdy) return null;
    return order === 'dmy' ? { value: dmy, alternative: dmy === mdy ? null : mdy } : { value: mdy, alternative: dmy === mdy ? null : dmy };
  }
  if (m[7]) {
    const v = iso(+m[9]!, MONTHS[m[8]!.toLowerCase()]!, +m[7]);
    return v ? { value: v, alternative: null } : null;
  }
  const v = iso(+m[12]!, MONTHS[m[10]!.toLowerCase()]!, +m[11]!);
  return v ? { value: v, alternative: null } : null;
}
