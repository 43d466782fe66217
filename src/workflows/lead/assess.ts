/**
 * Enrich and score, as steps: enrichment once per run (the companies table, the service, the
 * address), the score again whenever something new is known (a second submission, a reply).
 * Every factor becomes a decision in the trace, so the trace reads as the reasoning.
 */
import type { LeadRun } from './context.ts';
import { crmNote } from './context.ts';
import { enrichmentFor } from './adapters.ts';
import { enrichLead, type Enrichment } from './enrich/enrich.ts';
import { statedFacts } from './enrich/message-facts.ts';
import type { Activity } from './form.ts';
import { judgeSignals, type JudgedSignals } from './model-judgements.ts';
import { scoreLead, type Score } from './score.ts';
import { updateLead } from './store.ts';

export interface Evidence {
  texts: string[];
  activity: Activity[];
  submissions: number;
  inboundMails: number;
  source: string | null;
}

export async function enrich(run: LeadRun, evidence: Evidence): Promise<Enrichment> {
  const enrichment = await run.step.run('enrich', ({ signal }) =>
    enrichLead(run.s.pool, run.lp, { email: run.email, company: run.company, title: run.title, text: evidence.texts.join('\n'), activity: evidence.activity }, enrichmentFor(run.s), signal),
  );
  await run.step.decide({
    action: 'lead.enrich',
    parameters: { facts: enrichment.facts, outsideData: enrichment.outsideData, problems: enrichment.problems },
    reasoning: [
      enrichment.company ? `company ${enrichment.company.name ?? enrichment.company.domain} from the ${enrichment.company.source}` : 'no company found',
      ...enrichment.facts.filter((f) => f.field !== 'domain').map((f) => `${f.field}=${JSON.stringify(f.value)} (${f.source}, ${f.confidence})`),
      ...enrichment.problems.map((p) => `enrichment problem (scored without it): ${p}`),
    ].join('; '),
    provider: 'code',
  });
  return enrichment;
}

/** The words last judged in a run, so a re-score on activity alone does not ask the model again. */
const lastJudged = new WeakMap<LeadRun, { text: string; judged: JudgedSignals }>();

/**
 * The signals in everything the lead has said so far: judged by the model where there is one
 * (its quotes checked by code), else by the rules (model-judgements.ts). Unchanged words keep
 * their judgement (deterministic on replay: the same rounds run in the same order).
 */
async function wordsOf(run: LeadRun, text: string, round: number): Promise<JudgedSignals> {
  const last = lastJudged.get(run);
  if (last && last.text === text) {
    await run.step.decide({ action: 'lead.signals.checked', parameters: { round, by: last.judged.by, reused: true }, reasoning: `the lead's words are unchanged since the last score: the signals judged then (by the ${last.judged.by === 'model' ? 'model' : 'rules'}) stand`, provider: 'code' });
    return last.judged;
  }
  const judged = await judgeSignals(run.step, run.s.decisions, { id: round ? `lead.signals#${round}` : 'lead.signals', text, painWords: run.lp.icp.pain_signals });
  lastJudged.set(run, { text, judged });
  return judged;
}

/** Scores what is known now; `round` names the steps (0 for the first score, then one per re-score). */
export async function assess(run: LeadRun, enrichment: Enrichment, evidence: Evidence, round: number, why: string): Promise<Score> {
  const text = evidence.texts.join('\n');
  // Words judged again with everything the lead has said so far; company facts stay as enriched.
  const words = await wordsOf(run, text, round);
  const current: Enrichment = { ...enrichment, signals: words.signals, stated: statedFacts(text) };
  const score = scoreLead(
    { address: current.address, company: current.company, title: run.title, signals: current.signals, stated: current.stated, activity: evidence.activity, submissions: evidence.submissions, inboundMails: evidence.inboundMails, source: evidence.source },
    run.lp,
  );
  const tag = round ? `#${round}` : '';
  for (const f of score.factors) {
    await run.step.decide({
      action: 'score.factor',
      parameters: { round, ...f },
      reasoning: `${f.category} ${f.points >= 0 ? '+' : ''}${f.points}: ${f.factor} — ${f.evidence} (${f.source})`,
      provider: 'code',
    });
  }
  const t = run.lp.thresholds;
  await run.step.decide({
    action: 'score',
    parameters: { round, total: score.total, fit: score.fit, intent: score.intent, engagement: score.engagement, band: score.band, words: words.by },
    reasoning: `${why}: ${score.total}/100 = fit ${score.fit}/40 + intent ${score.intent}/30 + engagement ${score.engagement}/30 → ${score.band} (hot > ${t.hot}, warm ${t.warm}-${t.hot}, cold < ${t.warm}); the lead's words judged by ${words.by === 'model' ? `the model (${words.provider}), its quotes checked by code` : 'the offline rules'}`,
    confidence: 1,
    provider: 'code',
  });
  await run.step.run(`score${tag}:save`, async () => {
    await updateLead(run.s.pool, run.leadId, { score: { ...score, factors: score.factors }, activity: evidence.activity });
    return true;
  });
  run.band = score.band;
  await crmNote(run, `score${tag}`, scoreNote(score, why));
  return score;
}

export function scoreNote(score: Score, why: string): string {
  const lines = score.factors.map((f) => `- ${f.category} ${f.points >= 0 ? '+' : ''}${f.points} ${f.factor}: ${f.evidence} [${f.source}]`);
  return `Lead score ${score.total} (${score.band}) — ${why}. Fit ${score.fit}/40, intent ${score.intent}/30, engagement ${score.engagement}/30.\n${lines.join('\n')}`;
}

export function breakdown(score: Score): string {
  return `${score.total}/100 (fit ${score.fit}, intent ${score.intent}, engagement ${score.engagement}): ${score.factors.filter((f) => f.points !== 0).map((f) => `${f.factor} ${f.points > 0 ? '+' : ''}${f.points}`).join(', ')}`;
}
