/**
 * From visible lines in reading order to the JSON Resume result. Pure: the same steps for PDF,
 * OCR, DOCX and plain text (and for the pdftotext baseline in the benchmark).
 */
import { contactParts, findEmail, findName, findPhones, findProfiles, parseLocation, phoneDigits, EMAIL_RE } from './contact.ts';
import { educationEntries, skillList, workEntries } from './entries.ts';
import type { Line } from './lines.ts';
import { sectionKind, splitSections, type Section } from './sections.ts';
import type { ResumeParse } from './types.ts';

export interface BuildOptions {
  source: ResumeParse['source'];
  warnings?: string[];
  /** Link targets from the file (mailto:, tel:, https:): a second reading of the contact fields. */
  links?: string[];
}

export function buildResume(lines: Line[], options: BuildOptions): ResumeParse {
  const warnings = [...(options.warnings ?? [])];
  const evidence: Record<string, string> = {};
  let review = false;
  const sections = splitSections(lines);
  const of = (kind: Section['kind']) => sections.filter((s) => s.kind === kind);
  const header = of('header')[0]!.lines;
  const contactLines = [...header, ...of('contact').flatMap((s) => s.lines)];
  const allText = lines.map((l) => l.text);

  // Contact: the header and any Contact section first, then anywhere (a sidebar lower down).
  const lineWith = (test: (t: string) => boolean, pool: Line[]) => pool.find((l) => test(l.text)) ?? lines.find((l) => test(l.text));
  const emailLine = lineWith((t) => EMAIL_RE.test(t), contactLines);
  const email = emailLine ? findEmail(emailLine.text) : undefined;
  const phoneLine = lineWith((t) => findPhones(t).length > 0, contactLines);
  const phone = phoneLine ? findPhones(phoneLine.text)[0] : undefined;
  const nameLine = findName(lines, (t) => sectionKind(t) !== undefined);
  const name = nameLine?.text.trim();
  let location: ResumeParse['basics']['location'] = {};
  for (const part of contactParts(contactLines)) {
    const loc = parseLocation(part);
    if (loc && !EMAIL_RE.test(part)) {
      location = loc;
      evidence['basics.location'] = part;
      break;
    }
  }
  if (name) evidence['basics.name'] = nameLine!.text;
  if (email) evidence['basics.email'] = emailLine!.text;
  if (phone) evidence['basics.phone'] = phoneLine!.text;
  const profiles = findProfiles([...allText, ...(options.links ?? []).filter((u) => /^https?:/i.test(u))]);
  profiles.forEach((p, i) => (evidence[`basics.profiles[${i}]`] = allText.find((t) => t.toLowerCase().includes(p.url.replace(/^https?:\/\/(?:www\.)?/i, '').toLowerCase())) ?? p.url));

  // The file's own link targets must agree with what the page shows.
  const mailto = (options.links ?? []).filter((u) => /^mailto:/i.test(u)).map((u) => decodeURIComponent(u.slice(7).split('?')[0]!).trim().toLowerCase());
  const tel = (options.links ?? []).filter((u) => /^tel:/i.test(u)).map((u) => phoneDigits(decodeURIComponent(u.slice(4))));
  if (email && mailto.length && !mailto.includes(email.toLowerCase())) {
    warnings.push(`the email shown (${email}) differs from the email the link points to (${mailto[0]})`);
    review = true;
  }
  if (phone && tel.length && !tel.includes(phoneDigits(phone))) {
    warnings.push('the phone number shown differs from the number its link dials');
    review = true;
  }
  const emails = new Set(lines.flatMap((l) => [...l.text.matchAll(new RegExp(EMAIL_RE, 'giu'))].map((m) => m[0].toLowerCase())));
  if (emails.size > 1) warnings.push(`${emails.size} different email addresses in the resume; the first in the contact area was taken`);
  if (!name) warnings.push('no name found');
  if (!email) warnings.push('no email address found');
  if (!phone) warnings.push('no phone number found');

  const work = of('work').flatMap((s) => workEntries(s.lines));
  work.forEach((w, i) => {
    evidence[`work[${i}]`] = w.evidence.header;
    if (w.evidence.dates !== undefined) evidence[`work[${i}].startDate`] = w.evidence.dates;
  });
  if (!of('work').length) warnings.push('no experience section found');
  else if (!work.length) warnings.push('an experience section was found but no entries could be read from it');
  for (const [i, w] of work.entries()) {
    if (!w.work.name) warnings.push(`work[${i}] (${w.work.position}): no employer found`);
    if (!w.work.startDate) warnings.push(`work[${i}] (${w.work.position}): no dates found`);
  }

  const education = of('education').flatMap((s) => educationEntries(s.lines));
  education.forEach((e, i) => (evidence[`education[${i}]`] = e.evidence));
  const skills = of('skills').flatMap((s) => skillList(s.lines));
  const unique = [...new Set(skills)].map((name) => ({ name }));
  of('skills').forEach((s, i) => (evidence[`skills.section[${i}]`] = s.lines.map((l) => l.text).join('\n')));

  // No work read at all is a parse to doubt, not a candidate without experience.
  if (!name || !email || !work.length) review = true;
  if (options.source === 'ocr') {
    warnings.push('read by OCR (no text layer): characters may be misread');
    review = true;
  }
  return {
    basics: {
      ...(name ? { name } : {}),
      ...(email ? { email } : {}),
      ...(phone ? { phone } : {}),
      location,
      profiles,
    },
    work: work.map((w) => w.work),
    education: education.map((e) => e.education),
    skills: unique,
    evidence,
    warnings,
    needs_review: review,
    hidden_text: { dropped: 0, samples: [] },
    visible_text: lines.map((l) => l.text).join('\n'),
    source: options.source,
  };
}
