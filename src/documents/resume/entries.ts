/**
 * Entries inside sections: jobs, schools, skills. Pure.
 *
 * A section's lines are either header lines (short, not bulleted, not indented: employer, title,
 * dates, place) or body lines (bullets, indented or running prose). An entry is a run of header
 * lines and the body under it; a new header after body text, a second date range, or a clear gap
 * after a dated header starts the next entry. Within the header, the pieces between separators
 * (| · – — , at) are sorted into title, employer, place and dates by what they say, not by their
 * position, because generators disagree on the order.
 */
import { findDateRange, hasRange, type DateRange } from './dates.ts';
import { COUNTRY_CODES, parseLocation } from './contact.ts';
import type { Line } from './lines.ts';
import type { ResumeEducation, ResumeWork } from './types.ts';

const BULLET = /^[•\-–*▪◦‣●■□➢➤►○·]\s*/u;
const TITLE = /\b(?:engineer|engineering manager|developer|manager|intern|internship|analyst|ceo|cto|cfo|coo|cio|founder|co-founder|director|designer|consultant|scientist|lead|head|officer|architect|specialist|associate|assistant|coordinator|administrator|researcher|president|vp|owner|partner|programmer|technician|teacher|instructor|professor|lecturer|tutor|nurse|accountant|representative|advisor|adviser|editor|writer|fellow|trainee|apprentice|werkstudent|praktikant|entwickler|ingenieur|leiter|berater|self[- ]employed|freelancer?|contractor|principal|member of technical staff|tlm|sre|devops|operator|supervisor|counsel(?:l)?or|docent|curator|composer|artist|musician|performer|coach|volunteer|facilitator|mentor|organizer|ambassador|barista|cashier|server|waiter|waitress|driver|guide|strategist|recruiter|marketer|clerk|agent|executive|chef|cook|attorney|lawyer|paralegal|pharmacist|physician|therapist|mechanic|electrician)s?\b/i;
const COMPANY = /\b(?:inc|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|gmbh|ag|se|sa|plc|bv|nv|oy|ab|labs?|systems|analytics|studios?|financial|technologies|technology|solutions|group|bank|partners|consulting|software|networks|media|health|healthcare|capital|ventures|industries|international|global|agency|foundation|institute|university|college|hospital|school|enterprises|holdings|services|games|interactive|digital|robotics|dynamics|logistics|pharma|motors|airlines|energy|insurance|bureau|department|ministry)\b\.?|\.(?:com|io|ai)\b/i;
const INSTITUTION = /\b(?:university|universit[äéà]t?|universidad|università|college|institute|institut|instituto|school|academy|akademie|hochschule|polytechnic|politecnico|école|ecole|gymnasium|conservatory|seminary|iit|mit)\b/i;
const DEGREE = /(?<![\p{L}])(?:B\.?\s?S\.?c?\.?|B\.?\s?A\.?|M\.?\s?S\.?c?\.?|M\.?\s?A\.?|MBA|M\.?\s?Eng\.?|B\.?\s?Eng\.?|Ph\.?\s?D\.?|BSc|MSc|BEng|MEng|BBA|LL\.?[BM]\.?|B\.?Tech|M\.?Tech|Bachelor(?:'s)?(?: of [\p{L}]+(?: [\p{L}]+)?)?|Master(?:'s)?(?: of [\p{L}]+(?: [\p{L}]+)?)?|Doctor(?: of [\p{L}]+)?|Associate(?:'s)? (?:of|in|degree)[^,|]*|Diplom[ae]?|Licence|Licenciatura|Laurea|Abitur|A-Levels|High School Diploma|GED)(?![\p{L}])/u;
const REMOTE = /^(?:remote|hybrid|on-?site|onsite|fully remote|remote \(.*\)|remote, .*|home office)$/i;
const STRONG_SEP = /\s+[|·•⋅∙–—]\s+|\s+-\s+|\s+@\s+/u;
/** "Engineer at Globex" splits; "University of Texas at Austin" does not. */
const AT_SEP = /\s+(?:at|bei|chez)\s+/iu;

export const isBullet = (t: string) => BULLET.test(t.trim());
const stripBullet = (t: string) => t.trim().replace(BULLET, '').trim();

function isProse(t: string): boolean {
  const s = stripBullet(t);
  const words = s.split(/\s+/).length;
  if (s.length > 90) return true;
  return /[.!]$/.test(s) && words >= 5 && !/\b(?:inc|corp|co|ltd|llc|jr|sr)\.$/i.test(s);
}

interface Block {
  header: Line[];
  body: Line[];
}

/** Groups a section's lines into entries (header lines + body lines). */
export function blocks(lines: Line[]): Block[] {
  const xs = lines.filter((l) => l.size > 0 && Number.isFinite(l.x)).map((l) => l.x);
  const base = xs.length ? Math.min(...xs) : 0;
  const out: Block[] = [];
  let cur: Block | undefined;
  let lastWasBullet = false;
  for (const line of lines) {
    const t = line.text.trim();
    const bullet = isBullet(t);
    const indented = line.size > 0 && line.x > base + 4 && !hasRange(t);
    const body: boolean = bullet || indented || isProse(t) || (lastWasBullet && !hasRange(t) && /^\p{Ll}/u.test(t));
    lastWasBullet = bullet || (lastWasBullet && body && !bullet && indented);
    if (body) {
      if (!cur) cur = { header: [], body: [] };
      if (!cur.header.length && !out.length && !cur.body.length) out.push(cur);
      cur.body.push(line);
      continue;
    }
    const dated = cur?.header.some((l) => hasRange(l.text));
    // "FACEBOOK | Engineer / 2015 - Present / COURSERA | Fellow / 2014 - 2014": when the dates end
    // each header, the lines after one date belong with the next date, not with the entry above.
    if (cur && !cur.body.length && dated && hasRange(t)) {
      const k = cur.header.findIndex((l) => hasRange(l.text));
      if (k > 0 && k < cur.header.length - 1) {
        cur = { header: [...cur.header.splice(k + 1), line], body: [] };
        out.push(cur);
        continue;
      }
    }
    const last = cur?.header.at(-1);
    const gapJump = !!last && line.gapAbove >= 0.6 && line.gapAbove > 2.5 * Math.max(0.1, last.gapAbove);
    const startNew = !cur || cur.body.length > 0 || (dated && hasRange(t)) || (dated && cur.header.length >= 2 && (line.gapAbove >= 0.9 || gapJump || line.page !== last?.page));
    if (startNew) {
      cur = { header: [line], body: [] };
      out.push(cur);
    } else cur!.header.push(line);
  }
  return out.filter((b) => b.header.length || b.body.length);
}

/** Pieces of a header: split at separators, with dates and places taken out. */
function headerParts(lines: Line[], range: DateRange | undefined): { parts: string[]; location?: string } {
  let location: string | undefined;
  const parts: string[] = [];
  for (const line of lines) {
    for (const seg of line.segments) {
      let s = range ? seg.replace(range.text, ' ') : seg;
      s = s.replace(/\(\s*\)/g, '').replace(/\s+/g, ' ').trim().replace(/^[|,·•–—-]\s*|\s*[|,·•–—-]$/gu, '').trim();
      if (!s) continue;
      const strong = s
        .split(STRONG_SEP)
        .flatMap((p) => {
          const at = p.split(AT_SEP);
          return at.length === 2 && TITLE.test(at[0]!) && !INSTITUTION.test(p) ? at : [p];
        })
        .map((p) => p.trim())
        .filter(Boolean);
      // Pieces that say something besides a place or a date ("Data Analyst, Acme Co. | Austin, TX" has one).
      const saying = strong.filter((p) => !parseLocation(p) && !REMOTE.test(p) && !(findDateRange(p) && p.replace(findDateRange(p)!.text, '').replace(/[^\p{L}]/gu, '').length < 2)).length;
      for (let p of strong) {
        p = stripBullet(p);
        if (findDateRange(p) && p.replace(findDateRange(p)!.text, '').replace(/[^\p{L}]/gu, '').length < 2) continue;
        const loc = parseLocation(p);
        if (loc || REMOTE.test(p)) {
          location ??= p;
          continue;
        }
        // "Meridian Labs, Chicago, IL": peel a trailing place off an employer.
        const tail = p.match(/^(.*?),\s*(\p{Lu}[\p{L}.' -]+,\s*[\p{L}. ]+)$/u);
        if (tail && parseLocation(tail[2]!)) {
          location ??= tail[2]!;
          p = tail[1]!.trim();
        }
        // "Contoso Solutions, India": a trailing country is a place.
        const country = p.match(/^(.*\S),\s*([\p{L} ]+)$/u);
        if (country && COUNTRY_CODES[country[2]!.toLowerCase()]) {
          location ??= country[2]!;
          p = country[1]!;
        }
        // "Staff Engineer, Globex Systems LLC" / "Intern, Northwind Technology. San Jose, California":
        // a comma separates a title from an employer (and a place) only after a title.
        const comma = p.split(/,\s+|\.\s+(?=\p{Lu})/u);
        // "Staff Engineer, Platform" is a title and its team, not an employer called Platform.
        const restLooksLikeEmployer = comma.length > 2 || COMPANY.test(comma[1] ?? '') || (comma[1] ?? '').trim().split(/\s+/).length >= 2;
        if (saying === 1 && comma.length >= 2 && TITLE.test(comma[0]!) && !comma.slice(1).some((c) => TITLE.test(c)) && restLooksLikeEmployer) {
          let rest = comma.slice(1);
          const place = rest.length >= 2 ? parseLocation(rest.slice(-2).join(', ')) : undefined;
          if (place) {
            location ??= rest.slice(-2).join(', ');
            rest = rest.slice(0, -2);
          }
          parts.push(comma[0]!.trim(), ...(rest.length ? [rest.join(', ').trim()] : []));
          continue;
        }
        // "B.S. Computer Science, State University" (either order).
        const pair = p.split(/,\s+/);
        if (pair.length === 2 && ((DEGREE.test(pair[0]!) && INSTITUTION.test(pair[1]!)) || (INSTITUTION.test(pair[0]!) && DEGREE.test(pair[1]!)))) parts.push(pair[0]!.trim(), pair[1]!.trim());
        else parts.push(p);
      }
    }
  }
  return { parts: parts.filter((p) => /\p{L}/u.test(p) && !/^team$/i.test(p)), ...(location ? { location } : {}) };
}

const titleScore = (p: string) => (TITLE.test(p) ? 2 : 0) - (COMPANY.test(p) ? 1 : 0) - (/\bteam$/i.test(p) && !/\bon the\b/i.test(p) ? 2 : 0);
const companyScore = (p: string) => (COMPANY.test(p) ? 2 : 0) - (TITLE.test(p) ? 1 : 0) - (/\bteam$/i.test(p) ? 2 : 0);

export interface WorkEntry {
  work: ResumeWork;
  evidence: { header: string; dates?: string };
}

export function workEntries(lines: Line[]): WorkEntry[] {
  const out: WorkEntry[] = [];
  for (const b of blocks(lines)) {
    let header = b.header;
    let body = b.body;
    const rangeLine = header.find((l) => hasRange(l.text)) ?? header.find((l) => findDateRange(l.text));
    const range = rangeLine ? findDateRange(rangeLine.text) : undefined;
    let { parts, location } = headerParts(header, range);
    // "Mar 2021 - Present / • Staff Engineer, Globex Systems LLC": the role is the first bullet.
    if (!parts.length && body.length) {
      header = [...header, body[0]!];
      body = body.slice(1);
      ({ parts, location } = headerParts([{ ...b.body[0]!, segments: b.body[0]!.segments.map(stripBullet) }], range));
    }
    if (!parts.length) continue;
    const byTitle = [...parts].sort((a, z) => titleScore(z) - titleScore(a));
    const position = titleScore(byTitle[0]!) > 0 ? byTitle[0]! : parts.length > 1 ? parts[1]! : parts[0]!;
    const others = parts.filter((p) => p !== position);
    const byCompany = [...others].sort((a, z) => companyScore(z) - companyScore(a));
    const name = byCompany.length ? (companyScore(byCompany[0]!) > 0 ? byCompany[0]! : others[0]!) : '';
    if (!range && !(TITLE.test(position) && name)) continue;
    const highlights: string[] = [];
    for (const l of body) {
      const t = l.text.trim();
      if (isBullet(t) || !highlights.length) highlights.push(stripBullet(t));
      else highlights[highlights.length - 1] += ` ${t}`;
    }
    const work: ResumeWork = {
      name,
      position,
      ...(range?.start ? { startDate: range.start } : range?.end ? { startDate: range.end } : {}),
      ...(range?.start && range.end ? { endDate: range.end } : {}),
      ...(location ? { location } : {}),
      highlights,
    };
    out.push({ work, evidence: { header: header.map((l) => l.text).join('\n'), ...(range ? { dates: range.text } : {}) } });
  }
  // Several roles under one employer banner: a role without an employer takes the one above.
  for (let i = 1; i < out.length; i++) if (!out[i]!.work.name && out[i - 1]!.work.name) out[i]!.work.name = out[i - 1]!.work.name;
  return out;
}

function splitDegree(text: string): { studyType?: string; area?: string } {
  const m = text.match(DEGREE);
  if (!m) return {};
  const studyType = m[0].trim().replace(/\s+(?:in|of)$/i, '');
  const rest = text.slice((m.index ?? 0) + m[0].length).replace(/^[\s,.:-]*(?:in|of)?\s+/i, '').replace(/[,;].*$/, '').trim();
  return { studyType, ...(rest && /\p{L}/u.test(rest) ? { area: rest } : {}) };
}

export interface EducationEntry {
  education: ResumeEducation;
  evidence: string;
}

export function educationEntries(lines: Line[]): EducationEntry[] {
  const out: Array<{ lines: Line[]; institution?: string; degree?: string; range?: DateRange }> = [];
  for (const line of lines) {
    const t = line.text.trim();
    if (isBullet(t) || isProse(t)) continue;
    const range = findDateRange(t);
    const { parts } = headerParts([line], range);
    const institution = parts.find((p) => INSTITUTION.test(p));
    const degree = parts.find((p) => DEGREE.test(p) && p !== institution);
    let cur = out.at(-1);
    if (!cur || (institution && cur.institution) || (degree && cur.degree) || (range && cur.range && !institution && !degree)) {
      cur = { lines: [] };
      out.push(cur);
    }
    cur.lines.push(line);
    if (institution) cur.institution = institution;
    if (degree) cur.degree = degree;
    if (range && !cur.range) cur.range = range;
    if (!institution && !degree && parts.length && !cur.institution && !/^(?:gpa|grade|note|relevant|coursework|courses|honou?rs|minor|thesis)\b/i.test(parts[0]!)) cur.institution = parts[0];
  }
  return out
    .filter((e) => e.institution || e.degree)
    .map((e) => ({
      education: {
        institution: e.institution ?? '',
        ...(e.degree ? splitDegree(e.degree) : {}),
        ...(e.range?.start ? { startDate: e.range.start } : {}),
        ...(e.range?.end ? { endDate: e.range.end } : {}),
      },
      evidence: e.lines.map((l) => l.text).join('\n'),
    }));
}

/** Skills: lists split at commas, bars and bullets; "Languages: a, b" labels dropped. */
export function skillList(lines: Line[]): string[] {
  const texts = lines.map((l) => l.text.trim()).filter((t) => t && (!isProse(t) || (t.match(/[,;|]/g)?.length ?? 0) >= 2) && !/^(?:interests|hobbies|hobbys|interessen)\s*:/i.test(t));
  const hasSeparators = texts.some((t) => /[,;|•·]/.test(stripBullet(t)));
  const joined: string[] = [];
  for (const t of texts) {
    const s = stripBullet(t);
    const prev = joined.at(-1);
    // A wrapped list line continues the one above ("..., Distributed" / "Systems").
    if (hasSeparators && prev !== undefined && !isBullet(t) && !/[,;|]$/.test(prev) && !/^[\p{L} ]{1,30}:/u.test(s) && /[,;|]/.test(prev) && !/^\p{Lu}[\p{L} ]*:/u.test(s)) joined[joined.length - 1] = `${prev} ${s}`;
    else joined.push(s);
  }
  const skills: string[] = [];
  for (const line of joined) {
    const body = line.replace(/^[\p{L}&/ ]{2,30}:\s*/u, '');
    for (const piece of body.split(/\s*[,;|•·]\s*|\s{2,}/u)) {
      const p = piece.replace(/[.]$/, '').replace(/^(?:and|und|et|y)\s+/i, '').trim();
      if (p && p.length <= 40 && /\p{L}/u.test(p) && !skills.includes(p)) skills.push(p);
    }
  }
  return skills;
}
