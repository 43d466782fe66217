/**
 * A free-text job description → must-haves and nice-to-haves, for a person to confirm before
 * they go into the jobs file. Offline rules: a requirement is the phrase after a cue ("ability
 * to", "experience with", "knowledge of", "degree in", ...), a gerund that opens a bullet
 * ("Managing the kitchen"), or a named qualification ("Bachelor's degree", "NVQ Level 3");
 * it ends at punctuation or a clause word. A sentence that says "desirable", "a plus",
 * "preferred" or sits under such a heading is a nice-to-have; everything else is a must-have.
 *
 * Measured against people's labels (skills, qualifications, experience) in
 * ../shared/data/jobs/ by test/unit/hiring-job-description.test.ts.
 */

const CUES = [
  'ability to', 'able to', 'capable of', 'experience of', 'experience in', 'experience with', 'experience as', 'experienced in', 'knowledge of',
  'understanding of', 'proficient in', 'proficient with', 'proficiency in', 'skills in', 'skilled in', 'familiar with', 'familiarity with',
  'background in', 'expertise in', 'track record of', 'track record in', 'degree in', 'qualification in', 'qualified in', 'responsible for',
  'include', 'includes', 'including', 'such as', 'you will', 'will be', 'must have', 'must be', 'should have', 'need to', 'needs to', 'required to',
  'excellent', 'strong', 'good', 'proven', 'demonstrable', 'demonstrated', 'sound',
].map((c) => c.split(' '));

/** Words that end a requirement phrase: a new clause starts. */
const STOPS = new Set(['to', 'which', 'that', 'who', 'where', 'when', 'while', 'as', 'so', 'because', 'if', 'in', 'within', 'across', 'for', 'from', 'at', 'during', 'by', 'is', 'are', 'will', 'would', 'you', 'we', 'our', 'your', 'their', 'this', 'these', 'including', 'such', 'e.g.', 'etc', 'etc.']);
const PUNCT = /^[.,;:!?()[\]{}"“”'‘’•·|/]$|^[-–—]$/;
const QUALIFICATION = /^(bachelor'?s?|master'?s?|degree|diploma|bsc|msc|ba|ma|mba|phd|nvq|gcse|a-levels?|cscs|acca|cima|aca|cpa|cfa|level)$/i;
const NICE = /\b(desirable|desired|preferred|preferable|advantage(ous)?|a plus|is a bonus|nice to have|ideally|would be beneficial|beneficial|not essential|optional|wünschenswert|von vorteil)\b/i;
const NICE_HEADING = /^(nice to have|desirable|bonus|preferred( qualifications)?|plus|wünschenswert)\b/i;
const MAX_TOKENS = 8;
// Words ending in -ing that are no activity a job asks for.
const NOT_ACTIVITIES = new Set(['including', 'during', 'exciting', 'following', 'according', 'looking', 'being', 'having', 'bring', 'something', 'anything', 'everything', 'nothing', 'thing', 'things', 'ongoing', 'morning', 'evening', 'string', 'ceiling', 'outstanding', 'interesting', 'amazing', 'rewarding', 'challenging', 'leading', 'growing', 'existing', 'upcoming', 'remaining', 'king', 'spring', 'building', 'funding', 'training', 'meeting', 'setting', 'wellbeing', 'booking', 'pricing', 'recruiting', 'hiring', 'starting', 'seeking', 'applying', 'wishing', 'willing', 'working']);

/** Splits text into tokens the way the labelled data is tokenised (punctuation apart). */
export function tokenize(sentence: string): string[] {
  return sentence.match(/[\p{L}\p{N}][\p{L}\p{N}'’+#&.-]*[\p{L}\p{N}+#]|[\p{L}\p{N}]|[^\s\p{L}\p{N}]/gu) ?? [];
}

/** Token spans [start, end) of requirement phrases in one tokenised sentence. */
export function requirementSpans(tokens: string[]): Array<[number, number]> {
  const lower = tokens.map((t) => t.toLowerCase());
  const spans: Array<[number, number]> = [];
  const take = (from: number) => {
    let end = from;
    while (end < tokens.length && end - from < MAX_TOKENS && !PUNCT.test(tokens[end]!) && !(end > from && STOPS.has(lower[end]!))) end++;
    // A phrase does not end on "and"/"or"/"of"/"the".
    while (end > from && /^(and|or|of|the|a|an|with)$/.test(lower[end - 1]!)) end--;
    if (end > from && !spans.some(([a, b]) => from < b && end > a)) spans.push([from, end]);
    // Always past the token it started at, so the scan moves on.
    return Math.max(end, from + 1);
  };
  for (let i = 0; i < tokens.length; i++) {
    const cue = CUES.find((c) => c.every((w, k) => lower[i + k] === w));
    if (cue) {
      const from = i + cue.length;
      if (from < tokens.length && !PUNCT.test(tokens[from]!)) i = take(from) - 1;
      continue;
    }
    // A gerund names an activity: "Managing all aspects of the kitchen", "; training new staff".
    if (/^[A-Za-z]{3,}ing$/.test(tokens[i]!) && !NOT_ACTIVITIES.has(lower[i]!) && !/^(be|is|are|been)$/.test(lower[i - 1] ?? '')) {
      i = take(i) - 1;
      continue;
    }
    // Items of a slash list: "Selenium / Web Testing / HTML / JavaScript".
    if (tokens[i - 1] === '/' || tokens[i + 1] === '/') {
      if (!PUNCT.test(tokens[i]!)) i = take(i) - 1;
      continue;
    }
    if (QUALIFICATION.test(tokens[i]!) && !spans.some(([a, b]) => i >= a && i < b)) i = take(i) - 1;
  }
  return spans.sort((a, b) => a[0] - b[0]);
}

export interface ProposedRequirements {
  must_have: string[];
  nice_to_have: string[];
  /** Each proposal's source sentence, for the person confirming it. */
  evidence: Record<string, string>;
  needs_confirmation: true;
}

/** The whole description → proposed lists (deduplicated, in order of appearance). */
export function requirementsFromDescription(description: string): ProposedRequirements {
  const out: ProposedRequirements = { must_have: [], nice_to_have: [], evidence: {}, needs_confirmation: true };
  let niceSection = false;
  for (const raw of description.split(/\r?\n|(?<=[.!?])\s+(?=[A-Z])/)) {
    const line = raw.replace(/^\s*[-*•·]\s*/, '').trim();
    if (!line) continue;
    if (/:$/.test(line) || line.split(/\s+/).length <= 4) {
      if (NICE_HEADING.test(line)) niceSection = true;
      else if (/^(requirements|required|must have|essential|what you bring|you have|qualifications|anforderungen|profil)\b/i.test(line)) niceSection = false;
      if (/:$/.test(line)) continue;
    }
    const tokens = tokenize(line);
    const nice = niceSection || NICE.test(line);
    for (const [a, b] of requirementSpans(tokens)) {
      const phrase = tokens.slice(a, b).join(' ').replace(/\s+([’'])\s*/g, '$1');
      const key = phrase.toLowerCase();
      if (out.must_have.some((p) => p.toLowerCase() === key) || out.nice_to_have.some((p) => p.toLowerCase() === key)) continue;
      (nice ? out.nice_to_have : out.must_have).push(phrase);
      out.evidence[phrase] = line;
    }
  }
  return out;
}
