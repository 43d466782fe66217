/**
 * What the router sends to the hiring workflow: someone applying for a job with us. The offline
 * rule wants application words (application, CV, resume, Bewerbung, candidature, "apply for the
 * position"...) together with a PDF or DOCX attached, or an explicit "I would like to apply"
 * sentence on its own. Rank 20: after invoices (10), before leads (30) and support (40).
 */
import type { RouteSpec } from '../routes.ts';
import { readItem } from '../routes.ts';

const APPLICATION_WORDS = /\b(application|applying|apply|job application|cv|c\.v\.|resume|résumé|curriculum vitae|cover letter|bewerbung|bewerbe|lebenslauf|anschreiben|candidature|candidat(e|ure)|postuler|postulation|lettre de motivation|solicitud|candidatura|currículum|vacancy|stellenanzeige)\b/i;
const APPLY_SENTENCE = /\b(i (would like|wish|want|am writing) to apply|apply(ing)? for the (position|role|job|vacancy)|my application for|hiermit bewerbe ich mich|bewerbe mich (hiermit )?(um|als|auf)|je (souhaite|voudrais) postuler|je vous adresse ma candidature|me gustaría (aplicar|postular))\b/i;
const RESUME_FILE = /\.(pdf|docx?)$/i;
const RESUME_TYPE = /^(application\/pdf|application\/vnd\.openxmlformats-officedocument\.wordprocessingml\.document|application\/msword)$/i;
const RESUME_NAME = /\b(cv|resume|résumé|lebenslauf|curriculum)\b|_cv\b|cv[_-]/i;

export const hiringRoute: RouteSpec = {
  route: 'job_application',
  workflow: 'hiring',
  installed: true,
  summary: 'someone applies for a job with us (a CV or resume, a cover letter, "I would like to apply for the position")',
  offline: {
    rank: 20,
    match(input) {
      const { all } = readItem(input);
      const docs = input.attachments.filter((a) => RESUME_TYPE.test(a.contentType) || RESUME_FILE.test(a.filename ?? ''));
      const namedResume = docs.some((d) => RESUME_NAME.test(d.filename ?? ''));
      const sentence = APPLY_SENTENCE.exec(all);
      const words = APPLICATION_WORDS.exec(all);
      if (sentence || (docs.length && (words || namedResume))) {
        const why = sentence ? `says "${sentence[0]}"` : `${words ? `mentions "${words[0]}"` : 'a resume-named file'} with ${docs.length} document(s) attached`;
        return { why: `job application: ${why}`, confidence: 0.6, fields: { reasoning: why } };
      }
      return null;
    },
  },
  input: (item) => ({
    itemId: item.itemId,
    email: item.email,
    documents: item.documents,
    triage: item.triage,
    requester: item.requester,
  }),
};
