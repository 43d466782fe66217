/**
 * Section headings and the sections under them. Pure. A heading is a short line that names a
 * known section ("Experience", "Berufserfahrung", "Formation"...), or a short line set apart by
 * layout (bold or all capitals, larger than body text, alone on its line) naming one we do not
 * know ("Honors"), which then ends the previous section as "other".
 */
import type { Line } from './lines.ts';

export type SectionKind = 'header' | 'summary' | 'work' | 'education' | 'skills' | 'projects' | 'certifications' | 'awards' | 'languages' | 'interests' | 'publications' | 'volunteer' | 'references' | 'contact' | 'other';

export interface Section {
  kind: SectionKind;
  heading?: string;
  lines: Line[];
}

const KEYWORDS: Array<[SectionKind, RegExp]> = [
  ['work', /^(?:(?:professional|work|relevant|industry|employment|career|research|teaching|leadership|technical|selected|other|additional)\s+)*(?:experience|experiences|employment|work history|employment history|career history|professional background|work|positions?|internships?)(?:\s+(?:history|highlights))?$|^(?:berufserfahrung|berufliche erfahrung|berufspraxis|erfahrung|praxiserfahrung|werdegang|beruflicher werdegang|expérience professionnelle|expériences professionnelles|expérience|expériences|experiencia(?: laboral| profesional)?|esperienza(?: lavorativa| professionale)?|esperienze|werkervaring|ervaring|doświadczenie(?: zawodowe)?)$/],
  ['education', /^(?:education|academic background|academics|education and training|education & training|qualifications|academic qualifications|studies|ausbildung|bildung|bildungsweg|schulbildung|studium|formation|formations|éducation|educación|formación(?: académica)?|istruzione|formazione|opleiding|opleidingen|wykształcenie)$/],
  ['skills', /^(?:(?:technical|core|key|top|relevant|additional|professional|other|it|computer|hard|soft)\s+)?(?:skills|skill set|skillset|competencies|competences|expertise|technologies|tools|technical proficiencies|proficiencies|strengths)(?:\s+(?:&|and)\s+(?:tools|technologies|interests|abilities|languages|expertise))?$|^(?:programs|software|programs,? skills,? (?:&|and) software|kenntnisse|fähigkeiten|fertigkeiten|kompetenzen|it-kenntnisse|compétences|competencias|habilidades|competenze|vaardigheden|vaardigheden en kennis|umiejętności)$/],
  ['summary', /^(?:summary|professional summary|profile|professional profile|about|about me|objective|career objective|overview|personal statement|profil|kurzprofil|zusammenfassung|über mich|résumé|perfil|sobre mí|profilo|profiel)$/],
  ['projects', /^(?:(?:personal|selected|academic|key|side|open source|technical|relevant)\s+)?projects?$|^(?:projekte|projets|proyectos|progetti|projecten)$/],
  ['certifications', /^(?:certifications?|licenses?(?: (?:&|and) certifications?)?|certificates|courses|training|zertifikate|zertifizierungen|weiterbildung|certificats|certificaciones|certificazioni)$/],
  ['awards', /^(?:awards?|honou?rs?|honou?rs (?:&|and) awards|awards (?:&|and) honou?rs|achievements|key achievements|accomplishments|auszeichnungen|distinctions|premios|premi)$/],
  ['languages', /^(?:languages|language skills|sprachen|sprachkenntnisse|langues|idiomas|lingue|talen)$/],
  ['interests', /^(?:interests|hobbies|hobbies (?:&|and) interests|interessen|centres d'intérêt|intereses|interessi)$/],
  ['publications', /^(?:publications|papers|talks|publications (?:&|and) talks|veröffentlichungen|publicaciones|pubblicazioni)$/],
  ['volunteer', /^(?:volunteer(?:ing| experience| work)?|community|community involvement|activities|extracurricular(?: activities)?|leadership|leadership (?:&|and) activities|ehrenamt|bénévolat|voluntariado|volontariato)$/],
  ['references', /^(?:references|referenzen|références|referencias|referenze)$/],
  ['contact', /^(?:contact|contact information|contact details|personal details|personal information|kontakt|persönliche daten|coordonnées|contacto|contatti)$/],
];

function normalise(text: string): string {
  return text
    .replace(/^[^\p{L}]+/u, '')
    .replace(/[:\s|·•\-–—]+$/u, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

export function sectionKind(text: string): SectionKind | undefined {
  const n = normalise(text);
  if (!n || n.length > 48) return undefined;
  for (const [kind, re] of KEYWORDS) if (re.test(n)) return kind;
  return undefined;
}

interface Style {
  size: number;
  bold: boolean;
  caps: boolean;
}

const isCaps = (t: string) => /\p{L}/u.test(t) && t === t.toUpperCase();
const styleOf = (line: Line): Style => ({ size: line.size, bold: line.bold, caps: isCaps(line.text) });

/**
 * A line we do not know the words of is a heading only when it looks exactly like the headings
 * we do know in this document (same size, weight, capitals, short, alone on its line): a bold
 * company name inside an entry must not end the Experience section.
 */
function looksLikeHeading(line: Line, styles: Style[]): boolean {
  const t = line.text.trim();
  if (!styles.length || line.segments.length > 1 || t.length > 40 || /[.,;@]$|\d{4}|@/.test(t) || /^[•\-–*▪◦‣●]/.test(t)) return false;
  if (t.split(/\s+/).length > 4 || t.replace(/[^\p{L}]/gu, '').length < 3) return false;
  const s = styleOf(line);
  // Without font sizes (DOCX, text) bold alone is too common (every job title): capitals must match too.
  return styles.some((k) => k.bold === s.bold && k.caps === s.caps && (k.size > 0 || k.caps) && Math.abs(k.size - s.size) <= 0.3);
}

export function splitSections(lines: Line[]): Section[] {
  const known = lines.map((l, i) => (i > 0 && l.segments.length === 1 ? sectionKind(l.text) : undefined));
  const styles = lines.filter((_, i) => known[i]).map(styleOf);
  const sections: Section[] = [{ kind: 'header', lines: [] }];
  lines.forEach((line, i) => {
    const kind = known[i];
    // A label rail: "Experience | Staff Engineer, Platform | Aug 2024 - Present" is a heading
    // and the first line of its section. The rest's indentation is unknown (NaN), not the label's.
    const railKind = !kind && i > 0 && line.segments.length > 1 ? sectionKind(line.segments[0]!) : undefined;
    if (railKind) {
      const segments = line.segments.slice(1);
      sections.push({ kind: railKind, heading: line.segments[0]!, lines: [{ ...line, segments, text: segments.join(' | '), x: Number.NaN }] });
    } else if (kind) sections.push({ kind, heading: line.text, lines: [] });
    else if (i > 0 && looksLikeHeading(line, styles)) sections.push({ kind: sectionKind(line.text) ?? 'other', heading: line.text, lines: [] });
    else sections.at(-1)!.lines.push(line);
  });
  return sections;
}
