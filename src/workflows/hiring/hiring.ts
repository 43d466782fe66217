/**
 * The hiring workflow: an application comes in (an email with a resume, a resume on its own,
 * a form), the agent prepares and a person decides. CV screening is high-risk under the EU AI
 * Act (Annex III 4(a)) and automated rejection is what GDPR Art. 22 guards against, so every
 * candidate goes to a person and nothing here advances or rejects anyone by itself.
 *
 *   received ──screened──► awaiting_decision ──Advance──► screening ──accepted──► scheduled
 *                                   │                         └──declined──► withdrawn
 *                                   ├──Reject──► rejected
 *                                   └──Hold────► hold ──after hiring.hold_review──► a new card (≤ hold_reviews times)
 *
 * Steps: read the resume (resumes port) → the candidate row and an acknowledgement → the job
 * (alias, subject, --job; else a person picks it) → blind screening, by a model when the
 * decision core has one and checked by code (screen.ts, screen-model.ts), else by the offline
 * rules (requirements.ts), cached by resume hash + job version + prompt version, and red flags
 * by code as questions
 * (red-flags.ts) → the decision card (Advance to screening / Reject / Hold; the person may add a
 * line for the applicant) → the stage, its status mail (status-mail.ts), and for Advance the
 * screening call (scheduling.ts).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { askForApproval } from '../../approvals/ask.ts';
import type { ResumeParse } from '../../documents/resume/types.ts';
import { ResumeParseSchema } from '../../documents/resume/types.ts';
import { defineWorkflow } from '../../engine/define.ts';
import { errorMessage } from '../../errors.ts';
import type { StepApi } from '../../engine/types.ts';
import { getBlob } from '../../intake/blobs.ts';
import { getItem } from '../../intake/intake.ts';
import { HIRING_DECISION_KIND, REJECT_CHOICE, hiringChoice } from '../../policy/hiring-gate.ts';
import { resolveIdentities } from '../../policy/load.ts';
import { approvalDeps, requesterSchema, type EmailSummary, type TriageResult, type WorkflowServices } from '../ports.ts';
import { blindResume } from './blind.ts';
import { getJob, listJobs, matchJob, type Job } from './jobs.ts';
import { findRedFlags, type RedFlag } from './red-flags.ts';
import type { Screening } from './requirements.ts';
import { scheduleScreening } from './scheduling.ts';
import { screenCandidate, screenDecision } from './screen.ts';
import { sendStatusMail, type StatusMailContext } from './status-mail.ts';
import { createCandidate, saveScreening, setCandidateJob, setStage } from './store.ts';

export const CHOICES = { advance: 'Advance to screening', reject: REJECT_CHOICE, hold: 'Hold' } as const;

const documentSchema = z.object({ filename: z.string().nullable(), contentType: z.string(), size: z.number(), sha256: z.string() });
const RESUME_TYPE = /^(application\/pdf|application\/vnd\.openxmlformats-officedocument\.wordprocessingml\.document|image\/(png|jpe?g|tiff|webp))$/i;
const RESUME_NAME = /cv|resume|résumé|lebenslauf|curriculum|vita/i;

export interface HiringOutput {
  outcome: 'advanced' | 'rejected' | 'hold' | 'no_job' | 'scheduled' | 'withdrawn';
  candidateId: string;
  job: string | null;
  score: number | null;
  stage: string;
  decidedBy: string[];
}

export const hiringInputSchema = z.object({
  itemId: z.string(),
  email: z.custom<EmailSummary>().nullable().default(null),
  documents: z.array(documentSchema).default([]),
  triage: z.custom<TriageResult>().nullable().default(null),
  requester: requesterSchema.nullable().default(null),
  /** The job's id when the caller knows it (`process --job`). */
  job: z.string().nullable().default(null),
  /** A resume already parsed: used instead of reading a document. */
  resume: ResumeParseSchema.optional(),
  /** A form's resume (`POST /webhook/<source>` bound to hiring): a file as base64, or its text. */
  resume_file: z.object({ filename: z.string().min(1).max(200), content_base64: z.string().min(1).max(14_000_000) }).optional(),
  resume_text: z.string().max(200_000).optional(),
  applicant: z.object({ email: z.string().email(), name: z.string().optional() }).optional(),
  talent_pool: z.boolean().optional(),
});

const CONSENT = /(talent[- ]?pool|talent community|future (vacancies|openings|opportunities)|talentpool|künftige stellen)[^.!?\n]*\b(consent|agree|happy|would like|yes|gladly|einverstanden|zustimm\w*|gerne)\b|\b(consent|agree|happy|einverstanden)\b[^.!?\n]*(talent[- ]?pool|talent community|future (vacancies|openings|opportunities)|talentpool)/i;

/** The applicant consented to being kept for future roles (explicitly, in their own words or the form). */
export function talentPoolConsent(text: string): boolean {
  return CONSENT.test(text);
}

function pickDocument(docs: Array<z.infer<typeof documentSchema>>) {
  const resumes = docs.filter((d) => RESUME_TYPE.test(d.contentType) || /\.(pdf|docx)$/i.test(d.filename ?? ''));
  return resumes.find((d) => RESUME_NAME.test(d.filename ?? '')) ?? resumes.find((d) => /pdf|docx|wordprocessing/i.test(`${d.contentType} ${d.filename}`)) ?? resumes[0] ?? null;
}

/** A resume from the message text alone, when nothing is attached. */
function textResume(text: string): ResumeParse {
  return { basics: { location: {}, profiles: [] }, work: [], education: [], skills: [], evidence: {}, warnings: ['no resume attached: the message text was read instead'], needs_review: true, hidden_text: { dropped: 0, samples: [] }, visible_text: text, source: 'text' };
}

async function readResume(step: StepApi, s: WorkflowServices, input: z.infer<typeof hiringInputSchema>) {
  // A file the parser cannot read (a legacy .doc, a broken PDF) leaves the message text and a warning: a person still decides.
  const parse = async (bytes: Buffer, name: string): Promise<ResumeParse> => {
    try {
      return await s.resumes!.parse(bytes, name);
    } catch (err) {
      const fallback = textResume(input.email?.text ?? '');
      return { ...fallback, warnings: [`could not read ${name}: ${errorMessage(err)}`, ...fallback.warnings] };
    }
  };
  return step.run('read-resume', async () => {
    if (input.resume) return { resume: input.resume, sha256: crypto.createHash('sha256').update(input.resume.visible_text).digest('hex'), file: null };
    if ((input.resume_file || input.resume_text) && s.resumes) {
      const bytes = input.resume_file ? Buffer.from(input.resume_file.content_base64, 'base64') : Buffer.from(input.resume_text!, 'utf8');
      const name = input.resume_file?.filename ?? 'resume.txt';
      return { resume: await parse(bytes, name), sha256: crypto.createHash('sha256').update(bytes).digest('hex'), file: name };
    }
    const docs = [...input.documents, ...(input.email?.attachments ?? []).filter((a) => !input.documents.some((d) => d.sha256 === a.sha256))];
    const doc = pickDocument(docs);
    if (doc && s.resumes) {
      const blob = await getBlob(s.pool, doc.sha256);
      if (blob) return { resume: await parse(blob.bytes, doc.filename ?? 'resume.pdf'), sha256: doc.sha256, file: doc.filename };
    }
    const text = input.email?.text ?? '';
    return { resume: textResume(text), sha256: crypto.createHash('sha256').update(text).digest('hex'), file: null };
  });
}

/** The requirement table as the decider reads it: verdict, requirement, quote. */
function table(screening: Screening): string {
  const mark = { met: '✔', partial: '◐', missing: '✘', unknown: '?' } as const;
  return screening.requirements
    .map((v) => `${mark[v.verdict as keyof typeof mark]} ${v.kind === 'must_have' ? 'must' : 'nice'} · ${v.requirement}: ${v.verdict}${v.evidence ? ` — "${v.evidence}"` : ''}`)
    .join('\n');
}

export const hiringWorkflow = defineWorkflow({
  name: 'hiring',
  version: 1,
  input: hiringInputSchema,
  maxSteps: 120,
  // A decision and an interview may take weeks.
  maxDurationMs: 120 * 86_400_000,
  async run(input, step, ctx): Promise<HiringOutput> {
    const s = ctx.services as WorkflowServices;
    const { pool, policy } = s;
    const hp = policy.hiring;

    // `process --job` and a form's talent-pool box travel on the stored item.
    const source = await step.run('item-source', async () => (await getItem(pool, input.itemId))?.source ?? {});
    const forcedJob = input.job ?? (typeof source.job === 'string' ? source.job : null);
    const { resume, sha256, file } = await readResume(step, s, input);
    const from = input.email?.forwarded?.original.from ?? input.email?.replyTo ?? input.email?.from ?? null;
    const applicantEmail = (input.applicant?.email ?? from?.address ?? resume.basics.email ?? null)?.toLowerCase() ?? null;
    const applicantName = input.applicant?.name ?? resume.basics.name ?? from?.name ?? null;
    const consent = input.talent_pool ?? (source.talent_pool === true || talentPoolConsent(`${input.email?.subject ?? ''}\n${input.email?.text ?? ''}`));

    const candidateId = await step.run('candidate', async () => createCandidate(pool, {
      runId: ctx.runId, itemId: input.itemId, jobId: null, email: applicantEmail, name: applicantName, resumeSha256: sha256, resume,
      talentPool: consent, retainUntil: new Date(Date.now() + hp.retention),
    }));
    await step.decide({
      action: 'hiring.received',
      parameters: { candidate: candidateId, file, source: resume.source, work: resume.work.length, hidden_text: resume.hidden_text.dropped, needs_review: resume.needs_review, talent_pool: consent },
      reasoning: `resume read (${resume.source}): ${resume.work.length} role(s), ${resume.skills.length} skill(s)${resume.hidden_text.dropped ? `; ${resume.hidden_text.dropped} hidden text item(s) dropped` : ''}${resume.warnings.length ? `; ${resume.warnings.slice(0, 3).join('; ')}` : ''}`,
      provider: 'code',
    });

    const language: 'en' | 'de' = input.triage?.language === 'de' || /\b(bewerbung|sehr geehrte|lebenslauf)\b/i.test(`${input.email?.subject ?? ''} ${input.email?.text ?? ''}`) ? 'de' : 'en';
    let job: Job | null = null;
    const mailCtx = (): StatusMailContext => ({ candidateId, to: applicantEmail!, name: applicantName, jobTitle: job?.title ?? null, language, inReplyTo: input.email?.messageId ?? null });
    // The acknowledgement answers the sender (naming the job when code found it), before a person may
    // be asked which job it is; an application that came with no mail is acknowledged by nobody.
    // Only the sender may be written to before a person decided (the gate's rule): a Reply-To or a
    // resume address that differs (a job board's forward) hears back after the decision.
    const sender = (input.email?.forwarded?.original.from ?? input.email?.from)?.address?.toLowerCase() ?? null;
    job = await findJob(step, s, candidateId, forcedJob, input, async (matched) => {
      job = matched;
      if (applicantEmail && input.email && applicantEmail === sender) await sendStatusMail(step, s, 'received', mailCtx());
      else if (input.email) await step.decide({ action: 'hiring.ack_skipped', parameters: { candidate: candidateId }, reasoning: 'the applicant\'s address is not the sender\'s: they hear back once a person decided' });
    });
    if (!job) return { outcome: 'no_job', candidateId, job: null, score: null, stage: 'received', decidedBy: [] };

    // Verdicts by the model (checked by code) or the rules; red flags always by code, never in the score.
    const screened = await screenCandidate(step, s, { resume, sha256, job });
    const screening = await step.run('screen', async () => {
      const flags: RedFlag[] = findRedFlags(blindResume(resume), job!, { gapMonths: hp.gap_months, shortTenureMonths: hp.short_tenure_months });
      await saveScreening(pool, candidateId, screened.screening, flags);
      await setStage(pool, candidateId, 'awaiting_decision');
      return { ...screened.screening, red_flags: flags, cached: screened.cached };
    });
    await step.decide(screenDecision(screened, { candidate: candidateId, job, redFlags: screening.red_flags.map((f) => f.kind) }));

    const suggested = screening.gate_passed ? CHOICES.advance : CHOICES.hold;
    const must = screening.requirements.filter((v) => v.kind === 'must_have');
    // Hold is not the end: after `hold_review` the candidate comes back to a person, a few times.
    const theJob: Job = job;
    const ask = (round: number, heldSince: string | null) => askForApproval(step, approvalDeps(s), {
      key: round ? `decision#${round}` : 'decision',
      kind: HIRING_DECISION_KIND,
      // Blind card: the person decides on the requirements, not the name (the reference is the candidate id).
      title: `Candidate ${candidateId.slice(0, 8)} for ${theJob.title}: score ${screening.score}${screening.gate_passed ? '' : ' (a must-have is missing)'}${heldSince ? ` — on hold since ${heldSince.slice(0, 10)}, decide again` : ''}`,
      request: {
        summary: { subject: input.email?.subject, receivedAt: input.email?.date ?? undefined, channel: input.email ? 'email' : 'document' },
        proposal: {
          type: 'other',
          description: `${CHOICES.advance}: book a screening call with ${theJob.interviewers.map((i) => i.name).join(' or ') || 'an interviewer'} and invite the candidate; ${CHOICES.reject}: the candidate is told, without reasons; ${CHOICES.hold}: the candidate is told it takes longer. Add a line for the candidate with Edit (note).`,
          to: applicantEmail ?? undefined,
          parameters: { workflow: suggested, candidate: candidateId, job: theJob.id },
        },
        reasoning: `${table(screening)}\nScore ${screening.score}/100 (by code: 70% must-haves, 30% nice-to-haves; a missing must-have caps it below 50).`,
        confidence: null,
        reasons: [
          'every hiring decision is a person\'s (EU AI Act Annex III 4(a), GDPR Art. 22): nobody is advanced or rejected automatically',
          screened.path === 'model' ? `verdicts by ${screened.model ?? screened.provider} on the blind resume; every quote checked against the resume by code` : `verdicts by the offline rules: ${screened.why.replace(/^offline rules \([^)]*\): /, '')}`,
          ...(resume.hidden_text.dropped ? [`hidden text in the resume (${resume.hidden_text.dropped} item(s)) was dropped: scored on the visible text only`] : []),
          ...(resume.needs_review ? ['the resume parser asks for a look (see warnings)'] : []),
          ...screening.red_flags.map((f) => `to ask: ${f.question} (${f.detail})`),
        ],
        fields: {
          job: theJob.id, score: screening.score, must_haves_met: `${must.filter((v) => v.verdict === 'met').length}/${must.length}`,
          gate: screening.gate_passed ? 'passed' : 'a must-have is missing', unknowns: screening.requirements.filter((v) => v.verdict === 'unknown').length,
          red_flags: screening.red_flags.length, resume_warnings: resume.warnings.slice(0, 3).join('; ') || null,
        },
        editable: ['workflow', 'note'],
        // `workflow` is the field Slack renders as one button per choice.
        options: { workflow: [CHOICES.advance, CHOICES.reject, CHOICES.hold] },
      },
      approvers: resolveIdentities(policy, hp.approvers ?? policy.approvers),
      requester: input.requester,
      remindAfterMs: policy.approval.remind_after,
    });
    let decided: { choice: string; by: string[]; note: string | null; record: Record<string, unknown> } | undefined;
    let heldSince: string | null = null;
    for (let round = 0; ; round++) {
      const decision = await ask(round, heldSince);
      const choice = hiringChoice({ status: decision.outcome, request: { proposal: { parameters: { workflow: suggested } } }, decision }) ?? CHOICES.hold;
      const by = decision.approvers;
      const note = typeof decision.edits?.note === 'string' ? decision.edits.note : null;
      const record = { choice, by, at: decision.decidedAt, approval: decision.approvalId, note: note ? 'added' : null };
      await step.decide({ action: 'hiring.decision', parameters: { candidate: candidateId, choice, outcome: decision.outcome, by, round }, reasoning: `${by.join(', ') || 'nobody'} chose ${choice}${round ? ` (review ${round} of a hold)` : ''}`, provider: 'person' });
      decided = { choice, by, note, record };
      if (choice === CHOICES.reject || choice === CHOICES.advance) break;
      // Hold: the stage and its mail once (the mail is ledgered per stage), then a new card later.
      await step.run(round ? `stage:hold#${round}` : 'stage:hold', () => setStage(pool, candidateId, 'hold', record));
      if (applicantEmail) await sendStatusMail(step, s, 'hold', { ...mailCtx(), note });
      heldSince ??= decision.decidedAt;
      if (round >= hp.hold_reviews) {
        await step.decide({ action: 'hiring.hold', parameters: { candidate: candidateId, reviews: round }, reasoning: `on hold after ${round} review(s) (hiring.hold_reviews): the candidate stays on hold; a person may still reject or advance from the run`, provider: 'code' });
        return { candidateId, job: job.id, score: screening.score, decidedBy: by, outcome: 'hold', stage: 'hold' };
      }
      const days = hp.hold_review / 86_400_000;
      await step.decide({ action: 'hiring.hold', parameters: { candidate: candidateId, review_in_ms: hp.hold_review }, reasoning: `on hold: the candidate comes back to a person in ${days >= 1 ? `${Math.round(days)} day(s)` : `${Math.round(hp.hold_review / 1000)} s`} (hiring.hold_review)`, provider: 'code' });
      await step.sleep(hp.hold_review, `hold-review#${round + 1}`);
    }
    const { choice, by, note, record } = decided;
    const base = { candidateId, job: job.id, score: screening.score, decidedBy: by };

    if (choice === CHOICES.reject) {
      await step.run('stage:rejected', () => setStage(pool, candidateId, 'rejected', record));
      if (applicantEmail) await sendStatusMail(step, s, 'rejected', { ...mailCtx(), note });
      return { ...base, outcome: 'rejected', stage: 'rejected' };
    }
    await step.run('stage:screening', () => setStage(pool, candidateId, 'screening', record));
    if (!applicantEmail || !job.interviewers.length) {
      // Nobody to invite or no interviewer to book: the candidate hears of the next step, a person arranges it.
      await step.decide({ action: 'hiring.no_booking', parameters: { candidate: candidateId }, reasoning: !applicantEmail ? 'no address to invite' : `job ${job.id} names no interviewers` });
      if (applicantEmail) await sendStatusMail(step, s, 'screening', { ...mailCtx(), note });
      return { ...base, outcome: 'advanced', stage: 'screening' };
    }
    const organizer = organizerOf(s.config.env.MAIL_FROM, hp.sender_name);
    const scheduled = await scheduleScreening(step, s, {
      candidateId, job, applicant: { email: applicantEmail, name: applicantName }, mail: { ...mailCtx(), note },
      requirements: screening.requirements, redFlags: screening.red_flags, organizer,
    });
    return { ...base, outcome: scheduled === 'scheduled' ? 'scheduled' : scheduled, stage: scheduled };
  },
});

/** MAIL_FROM ("Jobs <jobs@acme.example>") as the invitation's organizer: replies come back there. */
function organizerOf(from: string, fallbackName: string): { name: string; email: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1]!.trim() || fallbackName, email: m[2]!.trim() } : { name: fallbackName, email: from.trim() };
}

/** The job by --job, alias or subject; else a person picks it (one button per job). */
async function findJob(step: StepApi, s: WorkflowServices, candidateId: string, forced: string | null, input: z.infer<typeof hiringInputSchema>, matched: (job: Job | null) => Promise<void>): Promise<Job | null> {
  const found = await step.run('find-job', async () => {
    const jobs = await listJobs(s.pool);
    const to = [...(input.email?.to ?? []).map((a) => a.address), ...['delivered-to', 'x-original-to'].map((h) => input.email?.headers?.[h]).filter((h): h is string => Boolean(h))];
    const m = matchJob(jobs, { forced, to, subject: input.email?.subject });
    if (m.job) await setCandidateJob(s.pool, candidateId, m.job.id);
    return m.job ? { job: m.job, how: m.how, ids: [] as string[], reason: null } : { job: null, how: null, ids: m.candidates, reason: m.reason };
  });
  await matched(found.job);
  if (found.job) {
    await step.decide({ action: 'hiring.job', parameters: { job: found.job.id, how: found.how }, reasoning: `the application names job ${found.job.id} (${found.how})`, provider: 'code' });
    return found.job;
  }
  if (!found.ids.length) {
    await step.decide({ action: 'hiring.job', parameters: { job: null }, reasoning: `${found.reason}: the candidate waits as received` });
    return null;
  }
  const picked = await askForApproval(step, approvalDeps(s), {
    key: 'job',
    kind: 'hiring.job',
    title: `Which job is this application for? ${input.email?.subject ?? ''}`.trim(),
    request: {
      summary: { subject: input.email?.subject, channel: input.email ? 'email' : 'document', excerpt: input.email?.text.slice(0, 300) },
      proposal: { type: 'routing', description: `${found.reason}; choose the job`, parameters: { workflow: found.ids[0]!, candidate: candidateId } },
      reasoning: found.reason ?? 'no job named',
      confidence: null,
      reasons: [found.reason ?? 'no job named'],
      editable: ['workflow'],
      options: { workflow: found.ids },
    },
    approvers: resolveIdentities(s.policy, s.policy.hiring.approvers ?? s.policy.approvers),
    requester: input.requester,
    remindAfterMs: s.policy.approval.remind_after,
  });
  const id = picked.outcome === 'approved' ? String(picked.edits?.workflow ?? found.ids[0]) : null;
  const job = id ? await step.run('picked-job', async () => {
    const j = await getJob(s.pool, id);
    if (j) await setCandidateJob(s.pool, candidateId, j.id);
    return j ?? null;
  }) : null;
  await step.decide({ action: 'hiring.job', parameters: { job: job?.id ?? null, how: 'person', by: picked.approvers }, reasoning: job ? `${picked.approvers.join(', ')} chose ${job.id}` : 'nobody chose a job', provider: 'person' });
  return job;
}
