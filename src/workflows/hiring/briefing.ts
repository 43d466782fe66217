/**
 * The interviewer briefing, sent when the call is booked: the requirement table with the
 * resume's own words, the unknowns to probe, the red-flag questions, and a scorecard to fill in.
 * Blind like the decision card: a candidate reference, never a protected attribute.
 */
import type { RedFlag } from './red-flags.ts';
import type { RequirementVerdict } from './requirements.ts';

export interface BriefingInput {
  candidateRef: string;
  jobTitle: string;
  interviewerName: string;
  start: Date;
  timezone: string;
  requirements: RequirementVerdict[];
  redFlags: RedFlag[];
}

export function briefingText(b: BriefingInput): { subject: string; text: string } {
  const when = b.start.toLocaleString('en-GB', { timeZone: b.timezone, dateStyle: 'full', timeStyle: 'short' });
  const rows = b.requirements.map((r) => `  - [${r.kind === 'must_have' ? 'must' : 'nice'}] ${r.requirement}: ${r.verdict}${r.evidence ? ` — "${r.evidence}"` : ''}`);
  const unknowns = b.requirements.filter((r) => r.verdict === 'unknown' || r.verdict === 'partial').map((r) => `  - ${r.requirement}: ${r.verdict === 'unknown' ? 'the resume does not say' : 'partly shown'} — ask for an example`);
  const questions = b.redFlags.map((f) => `  - ${f.question}  (seen: ${f.detail})`);
  const scorecard = b.requirements.map((r) => `  - ${r.requirement}: [ ] strong  [ ] adequate  [ ] not shown   notes:`);
  const text = [
    `Hello ${b.interviewerName.split(/\s+/)[0]},`,
    '',
    `you have a screening call for ${b.jobTitle} with candidate ${b.candidateRef} on ${when} (${b.timezone}).`,
    '',
    'Requirements, with the resume\'s own words:',
    ...rows,
    '',
    'To probe:',
    ...(unknowns.length ? unknowns : ['  - nothing open on the requirements']),
    '',
    'Questions (from the dates and titles; open questions, not judgements):',
    ...(questions.length ? questions : ['  - none']),
    '',
    'Scorecard (judge the answers against the requirements only):',
    ...scorecard,
    '',
    'The screening was blind: name, contact, address, age, gender, nationality and family status were not part of it; please keep them out of your notes.',
  ].join('\n');
  return { subject: `Briefing: screening call for ${b.jobTitle} (candidate ${b.candidateRef})`, text };
}
