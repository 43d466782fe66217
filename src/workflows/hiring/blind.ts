/**
 * Blind by construction: the scoring input is built here, by code, from the parsed resume with
 * the personal data taken out — name, email, phone, links to profiles, address, photo, date of
 * birth and age, gender markers and pronouns, nationality and marital status. The offline rules
 * (and a model, when one screens) only ever see this. Every removal is a fixed marker, so two
 * resumes that differ only in those details give the same blind text, word for word.
 *
 * Quotes for evidence are taken from stretches between markers, so a quote is always verbatim
 * resume text (requirements.ts checks that again against the visible text).
 */
import type { ResumeParse } from '../../documents/resume/types.ts';

export const MARK = {
  name: '[name]',
  contact: '[contact]',
  address: '[address]',
  pronoun: '[pronoun]',
  personal: '[personal]',
} as const;
const MARKER = /\[(name|contact|address|pronoun|personal)\]/;

export interface BlindRole {
  position: string;
  company: string;
  startDate?: string;
  endDate?: string;
  highlights: string[];
}

export interface BlindResume {
  /** The visible resume text with personal data replaced by markers, line by line. */
  lines: string[];
  work: BlindRole[];
  education: Array<{ institution: string; area?: string; studyType?: string; startDate?: string; endDate?: string }>;
  skills: string[];
  /** How many of each were removed (for the trace; never the values). */
  removed: Record<keyof typeof MARK, number>;
}

const EMAIL = /[\w.+-]+@[\w-]+(\.[\w-]+)+/g;
const URL = /\b(https?:\/\/|www\.)\S+|\b(linkedin|github|gitlab|twitter|x|xing)\.com\/\S*/gi;
// Phone numbers: runs of digits with separators; isPhone() keeps year ranges and short numbers out.
const PHONE = /(?<![\w-])\+?\(?\d[\d\s()./-]{6,}\d(?![\w-])/g;
const isPhone = (s: string) => s.replace(/\D/g, '').length >= 8 && !/^\(?(19|20)\d{2}\)?\s*[-–/.]?\s*(\(?(19|20)\d{2}\)?|\d{2})?$/.test(s.trim()) && !/(19|20)\d{2}\s*[-–]\s*(19|20)\d{2}/.test(s);
// English pronouns only: German and French ones are also "you", "it" or ordinary words.
const PRONOUNS = /\b(he|she|him|her|his|hers|himself|herself)\b/gi;
// Titles only before a capitalised word ("Ms Smith"), so "20 ms" stays.
const TITLES = /\b(Mr|Mrs|Ms|Mx|Miss|Herr|Frau|Monsieur|Madame|Mme)\b\.?(?=\s+\p{Lu})/gu;
const PRONOUN_TAG = /\(\s*(she|he|they)\s*\/\s*(her|him|them)(\s*\/\s*(hers|his|theirs))?\s*\)/gi;
// Lines that state a protected attribute: the whole line goes (label and value).
const PERSONAL_LINE = new RegExp(
  [
    'date of birth', '\\bdob\\b', '\\bborn\\b', 'birth ?date', 'geburtsdatum', 'geboren', 'n[ée]e? le', 'date de naissance',
    '\\bage\\s*[:\\d]', '\\b\\d{2}\\s*(years old|jahre alt|ans\\b(?!\\s*d))', '\\balter\\s*:',
    'nationality', 'citizenship', 'staatsangeh', 'nationalit[ée]',
    // Not "single" or "children": "single sign-on", "children's hospital" are experience.
    'marital', 'familienstand', '[ée]tat civil', '\\bmarried\\b', 'verheiratet', '\\bledig\\b', '\\bdivorced\\b', '\\bwidowed\\b', 'c[ée]libataire',
    '\\bgender\\b', 'geschlecht', '\\bsexe?\\b', '\\b(male|female)\\b', '\\breligion\\b', 'konfession',
  ].join('|'),
  'i',
);
// Capitalised words before a street suffix ("12 Baker Street"), so "5 years leading the way" stays.
const STREET_EN = /\b\d{1,5}\s+[A-Z][\w.'-]*(\s+[A-Z][\w.'-]*){0,3}\s+(Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Blvd|Boulevard|Way|Court|Ct|Place|Pl)\b\.?/g;
const STREET_DE = /[\p{L}-]+(straße|strasse|str\.|weg|gasse|allee|platz)\s*\d+\w?/giu;
// A postcode before a place name ("10115 Berlin", "SW1A 1AA"), not any five-digit number.
const POSTCODE = /\b\d{4,5}(-\d{4})?(?=\s+\p{Lu}\p{Ll})|\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b/gu;

/** Word-boundary pattern for a literal (names with accents and hyphens included). */
const literal = (s: string) => new RegExp(`(?<![\\p{L}\\p{N}])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'giu');

/** Removes personal data from one line; counts go into `removed`. */
function scrubLine(line: string, known: { names: RegExp[]; places: RegExp[]; contacts: RegExp[] }, removed: BlindResume['removed']): string {
  if (PERSONAL_LINE.test(line)) {
    removed.personal++;
    return MARK.personal;
  }
  const sub = (re: RegExp, mark: keyof typeof MARK, when: (m: string) => boolean = () => true) => {
    line = line.replace(re, (m) => {
      if (!when(m)) return m;
      removed[mark]++;
      return MARK[mark];
    });
  };
  for (const re of known.contacts) sub(re, 'contact');
  sub(EMAIL, 'contact');
  sub(URL, 'contact');
  sub(PHONE, 'contact', isPhone);
  for (const re of known.names) sub(re, 'name');
  sub(STREET_EN, 'address');
  sub(STREET_DE, 'address');
  sub(POSTCODE, 'address');
  for (const re of known.places) sub(re, 'address');
  sub(PRONOUN_TAG, 'pronoun');
  sub(TITLES, 'pronoun');
  sub(PRONOUNS, 'pronoun');
  return line.replace(/\s+/g, ' ').trim();
}

/** The name's parts (each at least two letters) and the whole name. */
function namePatterns(name: string | undefined): RegExp[] {
  if (!name?.trim()) return [];
  const parts = name.split(/[\s,]+/).filter((p) => p.replace(/\W/g, '').length >= 2);
  return [name.trim(), ...parts].sort((a, b) => b.length - a.length).map(literal);
}

export function blindResume(resume: ResumeParse): BlindResume {
  const removed: BlindResume['removed'] = { name: 0, contact: 0, address: 0, pronoun: 0, personal: 0 };
  const names = namePatterns(resume.basics.name);
  const loc = resume.basics.location;
  const places = [loc.city, loc.region].filter((p): p is string => Boolean(p && p.trim().length >= 2)).map(literal);
  const contacts = [resume.basics.email, resume.basics.phone].filter((c): c is string => Boolean(c && c.trim().length >= 5)).map((c) => literal(c.trim()));
  const scrub = (s: string) => scrubLine(s, { names, places, contacts }, removed);
  const lines = resume.visible_text
    .split(/\r?\n/)
    .map(scrub)
    .filter((l) => l.length > 0)
    // A run of markers alone says nothing; it is kept once so line positions stay comparable.
    .filter((l, i, all) => !(MARKER.test(l) && l.replace(new RegExp(MARKER.source, 'g'), '').trim() === '' && i > 0 && all[i - 1] === l));
  return {
    lines,
    work: resume.work.map((w) => ({ position: scrub(w.position), company: w.name, startDate: w.startDate, endDate: w.endDate, highlights: w.highlights.map(scrub) })),
    education: resume.education.map((e) => ({ institution: e.institution, area: e.area, studyType: e.studyType, startDate: e.startDate, endDate: e.endDate })),
    skills: resume.skills.map((s) => scrub(s.name)).filter((s) => s && !MARKER.test(s)),
    removed,
  };
}

/** The stretch of a blind line around `index` that holds no marker: always verbatim resume text. */
export function markerFreeSpan(line: string, index: number): string {
  const re = new RegExp(MARKER.source, 'g');
  let start = 0;
  let end = line.length;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index + m[0].length <= index) start = m.index + m[0].length;
    else if (m.index >= index) {
      end = m.index;
      break;
    }
  }
  return line.slice(start, end).trim();
}
