/**
 * One candidate's screening against one job: by a model through the decision core's `judge`
 * when the provider has one (screen-model.ts), else, or when it gives no usable answer (the
 * daily budget is spent, the answer was malformed twice), by the offline rules
 * (requirements.ts). Either way the verdicts are checked and totalled by code, and the result is
 * cached by resume hash + job version + prompt version, each path under its own version.
 */
import type { ResumeParse } from '../../documents/resume/types.ts';
import type { DecisionInput, StepApi } from '../../engine/types.ts';
import type { WorkflowServices } from '../ports.ts';
import { blindResume } from './blind.ts';
import type { Job } from './jobs.ts';
import { OFFLINE_RULES_VERSION, screenOffline, type Screening } from './requirements.ts';
import { SCREEN_ACTION, checkModelScreening, modelPromptVersion, screenTask, screeningModel } from './screen-model.ts';
import { cachedScreening, storeScreening, type CacheKey } from './store.ts';

export interface ScreenOutcome {
  screening: Screening;
  /** The screening was read from the cache (no model call, no rules run). */
  cached: boolean;
  /** Which path gave the verdicts, and why that one. */
  path: 'model' | 'offline';
  provider: string;
  model: string | null;
  why: string;
  /** Requirement ids the model answered that the job does not have, or answered twice (ignored). */
  ignored: string[];
  /** Requirements the model left out, and those whose quote was not in the resume: both unknown. */
  omitted: string[];
  dropped: string[];
}

export async function screenCandidate(
  step: StepApi,
  s: Pick<WorkflowServices, 'pool' | 'config' | 'decisions'>,
  c: { resume: ResumeParse; sha256: string; job: Job },
): Promise<ScreenOutcome> {
  const { resume, sha256, job } = c;
  const key = (promptVersion: string): CacheKey => ({ resumeSha256: sha256, jobId: job.id, jobVersion: job.version, promptVersion });
  let why = `no model screens with the ${s.decisions.provider} provider`;

  if (s.decisions.judge) {
    const model = screeningModel(s.config, s.decisions.provider);
    const version = modelPromptVersion(model);
    const hit = await step.run('screen:model-cache', async () => (await cachedScreening(s.pool, key(version))) ?? null);
    if (hit) {
      return { screening: hit, cached: true, path: 'model', provider: hit.provider ?? s.decisions.provider, model: hit.model ?? model, why: `cached screening by ${model} (${version})`, ignored: [], omitted: [], dropped: [] };
    }
    // The judge records why it gave up (`.skipped`: budget; `.fallback`: malformed twice): the trace says so too.
    let gaveUp: string | null = null;
    const watched: StepApi = {
      ...step,
      decide: (d: DecisionInput) => {
        if (d.action === `${SCREEN_ACTION}.skipped` || d.action === `${SCREEN_ACTION}.fallback`) gaveUp = d.reasoning ?? null;
        return step.decide(d);
      },
    };
    const answer = await s.decisions.judge(watched, screenTask(blindResume(resume), job));
    if (answer) {
      const { screening, ignored, omitted, dropped } = checkModelScreening(answer.value, job, resume.visible_text, { prompt_version: version, provider: answer.provider, model: answer.model });
      await step.run('screen:model-store', () => storeScreening(s.pool, key(version), screening));
      const notes = [
        dropped.length ? `${dropped.length} quote(s) not in the resume, verdict unknown` : '',
        omitted.length ? `${omitted.length} requirement(s) left out by the model, unknown` : '',
        ignored.length ? `${ignored.length} answer(s) for no requirement of the job ignored` : '',
      ].filter(Boolean);
      return {
        screening, cached: false, path: 'model', provider: answer.provider, model: answer.model, ignored, omitted, dropped,
        why: `${answer.provider} (${answer.model}) gave the verdicts; code checked the quotes and computed the total${notes.length ? ` (${notes.join('; ')})` : ''}`,
      };
    }
    why = `the model gave no usable answer (${gaveUp ?? 'no reason given'})`;
  }

  const offline = await step.run('screen:offline', async () => {
    const k = key(OFFLINE_RULES_VERSION);
    const cached = await cachedScreening(s.pool, k);
    const screening = cached ?? screenOffline(blindResume(resume), resume.visible_text, job);
    if (!cached) await storeScreening(s.pool, k, screening);
    return { screening, cached: Boolean(cached) };
  });
  return { ...offline, path: 'offline', provider: 'code', model: null, why: `offline rules (${OFFLINE_RULES_VERSION}): ${why}`, ignored: [], omitted: [], dropped: [] };
}

/** The `hiring.screen` decision: the score, the verdicts, which path gave them and why (provider and model when a model did). */
export function screenDecision(outcome: ScreenOutcome, extra: { candidate: string; job: Job; redFlags: string[] }): DecisionInput {
  const { screening } = outcome;
  return {
    action: 'hiring.screen',
    parameters: {
      candidate: extra.candidate, job: extra.job.id, job_version: extra.job.version, score: screening.score, gate_passed: screening.gate_passed,
      verdicts: Object.fromEntries(screening.requirements.map((v) => [v.requirement, v.verdict])), red_flags: extra.redFlags, cached: outcome.cached,
      path: outcome.path, prompt_version: screening.prompt_version, why: outcome.why,
      ...(outcome.path === 'model' ? { omitted: outcome.omitted, dropped: outcome.dropped, ignored: outcome.ignored } : {}),
    },
    reasoning: `blind screening (${screening.prompt_version}): ${outcome.why}; score ${screening.score} by code, ${screening.gate_passed ? 'every must-have met or open' : 'a must-have is missing'}; red flags are questions, not penalties`,
    provider: outcome.provider,
    ...(outcome.model ? { model: outcome.model } : {}),
  };
}
