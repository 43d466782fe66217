/**
 * The lead workflow: a form submission (webhook, CLI) or a sales email becomes one lead per
 * address, enriched, scored 0-100 with every point explained, and routed:
 *
 *   suppressed address ──► status suppressed, not scored, nothing sent (GDPR Art. 21)
 *   a run already owns this lead ──► its `lead.engagement` event (re-score there), this run ends
 *   hot  (> thresholds.hot)  ──► one sales alert: Take it / Nurture instead (→ warm) / Disqualify
 *   warm (>= thresholds.warm) ──► the nurture sequence (sequence.ts)
 *   cold ──► resource email, then wait: new engagement re-scores (→ warm or hot)
 *
 * Every state change and its reason is a CRM note and a decision; so is every scoring factor.
 */
import { defineWorkflow } from '../../engine/define.ts';
import { isSuppressed } from '../../outreach/suppression.ts';
import type { WorkflowServices } from '../ports.ts';
import { alertSales } from './alert.ts';
import { assess, enrich, type Evidence } from './assess.ts';
import { changeStatus, crmNote, type LeadRun } from './context.ts';
import { repReply, type DraftContext } from './drafts.ts';
import { activitySchema, domainOf, leadInputSchema, normaliseAddress, type Activity } from './form.ts';
import { chooseLanguage } from './language.ts';
import { coldPath, warmPath, type PathDeps } from './sequence.ts';
import type { Score } from './score.ts';
import { claimLead, recordLeadEvent, recordSubmission } from './store.ts';
import type { EngagementEvent } from './waits.ts';

export interface LeadOutput {
  leadId: string;
  email: string;
  outcome: string;
  status: string;
  band: string | null;
  score: { total: number; fit: number; intent: number; engagement: number } | null;
  /** The run that owns the lead when this submission was handed to it. */
  leadRunId: string;
}

export const leadWorkflow = defineWorkflow({
  name: 'lead',
  version: 1,
  input: leadInputSchema,
  // A sequence lives for weeks, with a wait, a decision and notes per step.
  maxSteps: 1000,
  maxDurationMs: 400 * 86_400_000,
  async run(input, step, ctx): Promise<LeadOutput> {
    const s = ctx.services as WorkflowServices;
    const lp = s.policy.lead;
    const email = normaliseAddress(input.email);
    const message = [input.inbound?.subject, input.message ?? input.inbound?.text].filter(Boolean).join('\n').trim();

    const { lead, created } = await step.run('lead.record', () =>
      recordSubmission(s.pool, {
        email, domain: domainOf(email), name: input.name ?? null, company: input.company ?? null, title: input.title ?? null,
        form: { ...(input.message ? { message: input.message } : {}), ...(input.source ? { source: input.source } : {}), ...(input.phone ? { phone: input.phone } : {}), ...(input.website ? { website: input.website } : {}), ...(input.timezone ? { timezone: input.timezone } : {}), ...(input.consent !== undefined ? { consent: input.consent } : {}) },
        activity: input.activity,
      }),
    );
    // The language of every email to this lead: from the words this run started with (pure, so a
    // replay chooses the same), fixed for the sequence whatever the lead writes later.
    const language = chooseLanguage(message, input.triageLanguage, lp.default_language);
    const run: LeadRun = {
      step, s, runId: ctx.runId, leadId: lead.id, email, name: lead.name, company: lead.company, title: lead.title, timezone: input.timezone ?? (typeof lead.form.timezone === 'string' ? lead.form.timezone : null), lp, language: language.language, sent: [], band: lead.band, status: lead.status,
    };
    const out = (outcome: string, score: Score | null, leadRunId = ctx.runId): LeadOutput => ({
      leadId: lead.id, email, outcome, status: run.status, band: score?.band ?? run.band, leadRunId,
      score: score ? { total: score.total, fit: score.fit, intent: score.intent, engagement: score.engagement } : null,
    });
    await step.decide({ action: 'lead.received', parameters: { leadId: lead.id, created, submissions: lead.submissions, via: input.inbound ? 'email' : 'form' }, reasoning: created ? `new lead ${email}` : `submission ${lead.submissions} from ${email}: the same lead` });

    // A suppressed person is not scored and gets nothing, whatever they submit (GDPR Art. 21).
    if (await step.run('suppression', () => isSuppressed(s.pool, email))) {
      await changeStatus(run, 'suppressed', 'suppressed', 'the address is on the suppression list (unsubscribed, bounced or complained): not scored, nothing sent');
      return out('suppressed', null);
    }

    const owner = await step.run('lead.claim', () => claimLead(s.pool, lead.id, ctx.runId));
    if (owner !== ctx.runId && s.events) {
      const events = s.events;
      const payload: EngagementEvent = { via: input.inbound ? 'email' : 'form', itemId: input.itemId ?? null, message: message || null, activity: input.activity, ...(input.inbound ? {} : { submissions: lead.submissions }) };
      await step.run('lead.engagement', () => events.send('lead.engagement', email, payload).then(() => true));
      await step.decide({ action: 'lead.merged', parameters: { leadRunId: owner }, reasoning: `this lead already has a running sequence (run ${owner}): the submission counts as engagement there; no second sequence` });
      return out('merged', null, owner);
    }

    await step.decide({ action: 'lead.language', parameters: { language: language.language, source: language.source, ...(language.detected ? { detected: language.detected } : {}) }, reasoning: `emails to this lead are written in ${language.language}: ${language.reason}`, provider: 'code' });
    const evidence: Evidence = { texts: message ? [message] : [], activity: lead.activity, submissions: lead.submissions, inboundMails: input.inbound ? 1 : 0, source: input.source ?? (input.inbound ? 'email' : null) };
    const enrichment = await enrich(run, evidence);
    let round = 0;
    let score = await assess(run, enrichment, evidence, round, created ? 'first score' : `submission ${lead.submissions}`);
    const draft = (): DraftContext => ({ name: run.name, company: run.company, message: evidence.texts.join('\n'), enrichment, score, lead: lp, language: run.language });
    const deps: PathDeps = {
      draft,
      async rescore(e) {
        const more = (e.activity ?? []).flatMap((a) => { const p = activitySchema.safeParse(a); return p.success ? [p.data] : []; }) as Activity[];
        evidence.activity = [...evidence.activity, ...more];
        if (e.message) evidence.texts.push(e.message);
        if (e.submissions) evidence.submissions = Math.max(evidence.submissions + 1, e.submissions);
        else evidence.inboundMails += 1;
        round += 1;
        await step.run(`engagement#${round}:record`, async () => {
          await recordLeadEvent(s.pool, { leadId: lead.id, runId: ctx.runId, key: `engagement:${ctx.runId}:${round}`, kind: 'engagement', detail: { itemId: e.itemId ?? null, activity: more.length } });
          return true;
        });
        score = await assess(run, enrichment, evidence, round, e.submissions ? `re-scored after submission ${e.submissions}` : 're-scored after the lead wrote');
        return score;
      },
    };
    await step.decide({ action: 'route', parameters: { band: score.band }, reasoning: routeReason(score, lp.thresholds), provider: 'code' });
    await crmNote(run, 'received', `Lead received via ${input.inbound ? 'email' : (input.source ?? 'form')}${message ? `: "${message.slice(0, 500)}"` : ''}. Emails to the lead are in ${run.language} (${language.reason}).`);

    for (let pass = 0; pass < 5; pass++) {
      if (score.band === 'hot') {
        const outcome = await alertSales(run, pass ? `hot:${pass}` : 'hot', score, message, repReply(draft()), `hot lead (score ${score.total})`);
        if (outcome === 'taken') return out('taken_by_sales', score);
        if (outcome === 'disqualified') return out('disqualified', score);
        if (outcome === 'expired') {
          await crmNote(run, 'alert:expired', 'Nobody took the hot lead in time; it stays with sales (status alerted).');
          return out('alert_expired', score);
        }
        // Nurture instead, or an earlier alert: the sequence.
        const end = await warmPath(run, deps);
        return out(end.outcome, score);
      }
      if (score.band === 'warm') {
        const end = await warmPath(run, deps);
        return out(end.outcome, score);
      }
      const cold = await coldPath(run, deps);
      if (!('rescored' in cold)) return out(cold.outcome, score);
      score = cold.rescored;
      await step.decide({ action: 'route', parameters: { band: score.band, pass: pass + 1 }, reasoning: `new engagement: ${routeReason(score, lp.thresholds)}`, provider: 'code' });
    }
    return out('done', score);
  },
});

function routeReason(score: Score, t: { hot: number; warm: number }): string {
  if (score.band === 'hot') return `score ${score.total} > ${t.hot}: hot — alert sales`;
  if (score.band === 'warm') return `score ${score.total} in ${t.warm}-${t.hot}: warm — nurture sequence`;
  return `score ${score.total} < ${t.warm}: cold — resources, then wait for engagement`;
}
