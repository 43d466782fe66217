/**
 * Resume dates: "Mar 2021", "March 2021", "Sep. 2025", "03/2022", "2021-03", "2017", and ranges
 * between them with "-", "–", "—", "to", "bis", "until"... The open end of a current role
 * ("Present", "Current", "Now", "heute", "aktuell", "actuel", "presente"...) gives no end date.
 * Output is `YYYY-MM` or `YYYY`. Pure.
 */

const MONTHS: Record<string, number> = {};
const names = [
  ['jan', 'january', 'januar', 'janvier', 'enero', 'gennaio', 'januari', 'jän', 'jänner'],
  ['feb', 'february', 'februar', 'février', 'fevrier', 'febrero', 'febbraio', 'februari', 'févr', 'fev'],
  ['mar', 'march', 'märz', 'maerz', 'mrz', 'mars', 'marzo', 'maart'],
  ['apr', 'april', 'avril', 'abril', 'aprile', 'avr'],
  ['may', 'mai', 'mayo', 'maggio', 'mei'],
  ['jun', 'june', 'juni', 'juin', 'junio', 'giugno'],
  ['jul', 'july', 'juli', 'juillet', 'julio', 'luglio', 'juil'],
  ['aug', 'august', 'août', 'aout', 'agosto', 'augustus'],
  ['sep', 'sept', 'september', 'septembre', 'septiembre', 'settembre'],
  ['oct', 'october', 'oktober', 'octobre', 'octubre', 'ottobre', 'okt'],
  ['nov', 'november', 'novembre', 'noviembre'],
  ['dec', 'december', 'dezember', 'décembre', 'decembre', 'diciembre', 'dicembre', 'dez', 'déc'],
];
names.forEach((list, i) => list.forEach((n) => (MONTHS[n] = i + 1)));

const MONTH_RE = Object.keys(MONTHS).sort((a, b) => b.length - a.length).join('|');
const SEASON = '(?:spring|summer|fall|autumn|winter)';
/** One date: month name + year, MM/YYYY, YYYY-MM, YYYY. */
const DATE = `(?:(?:${MONTH_RE}|${SEASON})\\.?,?\\s+\\d{4}|\\d{1,2}\\s*[/.]\\s*\\d{4}|\\d{4}\\s*[-/.]\\s*\\d{1,2}(?!\\d)|(?:19|20)\\d{2})`;
const OPEN = '(?:present|current|currently|now|today|ongoing|date|heute|aktuell|jetzt|bis heute|actuel|aujourd\'hui|présent|presente|actualidad|la fecha|oggi|in corso|heden|nu)';
const SEP = '\\s*(?:[-–—~]|to|until|till|bis|au|à|a|al|–|—)\\s*';

const MONTH_YEAR = `(?:(?:${MONTH_RE})\\.?,?\\s+\\d{4}|\\d{1,2}\\s*[/.]\\s*\\d{4})`;
/** A range; two month-year dates side by side count too (awesome-cv's dash glyph maps to nothing). */
export const RANGE_RE = new RegExp(`(${DATE})${SEP}(${DATE}|${OPEN})(?![\\p{L}])|(${MONTH_YEAR})\\s+(${MONTH_YEAR}|${OPEN})(?![\\p{L}])`, 'iu');
export const SINGLE_RE = new RegExp(`(?<![\\d\\p{L}])(${DATE})(?![\\d\\p{L}])`, 'iu');

export function normaliseDate(raw: string): string | undefined {
  const s = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  let m = s.match(new RegExp(`^(${MONTH_RE})\\.?,? (\\d{4})$`, 'iu'));
  if (m) return `${m[2]}-${String(MONTHS[m[1]!]).padStart(2, '0')}`;
  m = s.match(/^(\d{1,2}) ?[/.] ?(\d{4})$/);
  if (m && +m[1]! >= 1 && +m[1]! <= 12) return `${m[2]}-${m[1]!.padStart(2, '0')}`;
  m = s.match(/^(\d{4}) ?[-/.] ?(\d{1,2})$/);
  if (m && +m[2]! >= 1 && +m[2]! <= 12) return `${m[1]}-${m[2]!.padStart(2, '0')}`;
  m = s.match(/(\d{4})/);
  if (m && +m[1]! >= 1950 && +m[1]! <= 2100) return m[1];
  return undefined;
}

export interface DateRange {
  start?: string;
  end?: string;
  current: boolean;
  /** The text the range was read from, as printed. */
  text: string;
}

/** The first date range in a line, or a lone date (read as the end: "B.S., 2017"). */
export function findDateRange(text: string): DateRange | undefined {
  const r = text.match(RANGE_RE);
  if (r) {
    const from = r[1] ?? r[3]!;
    const to = r[2] ?? r[4]!;
    const start = normaliseDate(from);
    const openEnd = new RegExp(`^${OPEN}$`, 'iu').test(to.trim());
    const end = openEnd ? undefined : normaliseDate(to);
    if (start) return { start, ...(end ? { end } : {}), current: openEnd, text: r[0] };
  }
  const s = text.match(SINGLE_RE);
  if (s) {
    const d = normaliseDate(s[1]!);
    if (d) return { end: d, current: false, text: s[0] };
  }
  return undefined;
}

/** True when the line carries a date range (not a lone year, which prose mentions too). */
export function hasRange(text: string): boolean {
  return RANGE_RE.test(text);
}
