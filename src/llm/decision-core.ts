/**
 * The decision core as the workflows see it: one place that picks the provider, records every
 * decision with its provider, model, tokens, cost and latency, and keeps model calls inside
 * checkpointed steps (a replay never pays for the same call twice).
 *
 * Providers: offline (rules and templates; the embedded default), Anthropic (ANTHROPIC_API_KEY)
 * and OpenAI-compatible local servers (LLM_BASE_URL), each in its own folder.
 */
import type { Config } from '../config.ts';
import type { StepApi } from '../engine/types.ts';
import type { ExamplesPort } from '../learning/examples.ts';
import type { RouteCatalog } from '../workflows/routes.ts';
import type { DecisionCorePort, DraftInput, DraftResult, TriageInput, TriageResult } from '../workflows/ports.ts';
import { offlineDraft } from './offline/drafts.ts';
import { learnedTriage, lookupNeighbours } from './offline/learned.ts';
import { offlineTriage } from './offline/triage.ts';
import { prefilter } from './prefilter.ts';

export function chooseProvider(config: Pick<Config, 'env'>): 'anthropic' | 'openai' | 'offline' {
  if (config.env.LLM_PROVIDER) return config.env.LLM_PROVIDER;
  if (config.env.ANTHROPIC_API_KEY) return 'anthropic';
  if (config.env.LLM_BASE_URL) return 'openai';
  return 'offline';
}

/** What every offline decision records: its provider and rules version, and no tokens or cost. */
const free = (r: { confidence: number; provider: string; model?: string | null }) => ({ confidence: r.confidence, provider: r.provider, model: r.model ?? undefined, inputTokens: 0, outputTokens: 0, costUsd: 0 });

/** `routes`: the registered workflows' routes and rules. `examples`: the labelled examples people made, which the rules defer to where they agree (offline/learned.ts). */
export function createOfflineDecisionCore(options: { routes: RouteCatalog; examples?: ExamplesPort }): DecisionCorePort {
  const { examples, routes } = options;
  return {
    provider: 'offline',
    prefilter,
    async triage(step: StepApi, input: TriageInput): Promise<TriageResult> {
      const started = Date.now();
      const result = await step.run('triage', async () => {
        const rules = offlineTriage(input, routes);
        return examples ? learnedTriage(input, rules, await lookupNeighbours(examples, input), routes) : rules;
      });
      await step.decide({
        action: 'triage',
        parameters: { route: result.route, category: result.category, priority: result.priority, language: result.language, sentiment: result.sentiment },
        reasoning: result.reasoning,
        ...free(result),
        latencyMs: Date.now() - started,
      });
      return result;
    },
    async draftReply(step: StepApi, input: DraftInput): Promise<DraftResult> {
      const result = await step.run('draft', () => offlineDraft(input));
      await step.decide({
        action: 'draft.reply',
        parameters: { citations: result.citations, language: input.language },
        reasoning: result.citations.length ? `template reply built from ${result.citations.join(', ')}` : 'no article to build a reply from',
        ...free(result),
      });
      return result;
    },
  };
}
