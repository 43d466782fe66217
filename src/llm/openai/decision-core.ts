/**
 * The OpenAI-compatible provider (`LLM_PROVIDER=openai`, `LLM_BASE_URL`): Ollama, vLLM, LM Studio
 * and other local servers that speak `chat/completions`, for users who keep mail and invoices on
 * their own machines. Same contract as the Anthropic provider: one forced function call per
 * triage validated with zod, one corrective retry then a person, untrusted content as delimited
 * data after the stable instructions, every call checkpointed and recorded with its usage.
 * Local models cost nothing by default (LLM_PRICES can say otherwise).
 */
import OpenAI from 'openai';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { StepApi } from '../../engine/types.ts';
import type { Logger } from '../../logger.ts';
import type { DecisionCorePort, DraftInput, DraftResult, JudgeResult, JudgeTask, TriageResult } from '../../workflows/ports.ts';
import { exampleText, type ExamplesPort } from '../../learning/examples.ts';
import { draftExamples, triageExamples } from '../../learning/prompt-examples.ts';
import { describeItem, draftContent, triageSchemaFor } from '../anthropic/decision-core.ts';
import type { RouteCatalog } from '../../workflows/routes.ts';
import { assessDraft, draftParameters, draftReasoning, draftToolSchema } from '../draft-confidence.ts';
import { triageText } from '../offline/learned.ts';
import { offlineTriage } from '../offline/triage.ts';
import { prefilter } from '../prefilter.ts';
import { costUsd, priceTable } from '../pricing.ts';
import { loadPrompts, untrusted, type PromptFile } from '../prompts.ts';
import { estimateTokens, sharedModelCallLimiter, type ModelCallLimiter } from '../call-limiter.ts';
import { stepBudgetSpent } from '../budget.ts';
import type { Queryable } from '../../engine/run-store.ts';

interface Call {
  message: OpenAI.Chat.Completions.ChatCompletionMessage;
  model: string;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  latencyMs: number;
}

/** `examples`: labelled examples people made; the closest few follow the item as data. */
export function createOpenAICompatibleDecisionCore(options: { config: Config; log: Logger; examples?: ExamplesPort; limiter?: ModelCallLimiter; routes: RouteCatalog; pool?: Queryable }): DecisionCorePort {
  const { routes } = options;
  const triageSchema = triageSchemaFor(routes);
  const env = options.config.env;
  const client = new OpenAI({ baseURL: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY ?? 'local', timeout: env.LLM_TIMEOUT_MS, maxRetries: env.LLM_MAX_RETRIES });
  // A local server answers few requests at once: LLM_MAX_CONCURRENCY (shared with the invoice readers) keeps the rest queued here.
  const limiter = options.limiter ?? sharedModelCallLimiter(options.config, 'openai');
  const prompts = loadPrompts(undefined, { routes: routes.promptText() });
  const house = prompts.get('house')?.body ?? '';
  const prices = priceTable(process.env.LLM_PRICES);
  const models = { fast: env.LLM_MODEL_FAST ?? 'llama3.1', strong: env.LLM_MODEL_STRONG ?? env.LLM_MODEL_FAST ?? 'llama3.1' };
  const fn = (name: string, description: string, schema: z.ZodType): OpenAI.Chat.Completions.ChatCompletionFunctionTool => ({
    type: 'function',
    function: { name, description, parameters: z.toJSONSchema(schema) as Record<string, unknown> },
  });
  const triageTool = fn('triage_decision', 'Record the routing and classification of the item.', triageSchema);
  const draftTool = fn('draft_reply', 'Record the reply draft and your own assessment of it.', draftToolSchema);
  const closest = (step: StepApi, task: 'triage' | 'draft', find: (port: ExamplesPort) => Promise<string>) =>
    options.examples ? step.run(`${task}:examples`, () => find(options.examples!)) : Promise.resolve('');

  const call = async (task: 'triage' | 'draft_reply' | Pick<PromptFile, 'tier' | 'max_tokens' | 'body'>, messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], tool?: OpenAI.Chat.Completions.ChatCompletionFunctionTool): Promise<Call> => {
    const p = typeof task === 'string' ? prompts.get(task)! : task;
    const started = Date.now();
    const body = {
      model: models[p.tier],
      max_tokens: p.max_tokens,
      messages: [{ role: 'system' as const, content: `${house}\n\n${p.body}` }, ...messages],
      ...(tool ? { tools: [tool], tool_choice: { type: 'function' as const, function: { name: tool.function.name } } } : {}),
    };
    const res = await limiter.schedule(estimateTokens(body), () => client.chat.completions.create(body));
    const cached = res.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    return {
      message: res.choices[0]!.message,
      model: res.model,
      latencyMs: Date.now() - started,
      usage: { inputTokens: (res.usage?.prompt_tokens ?? 0) - cached, outputTokens: res.usage?.completion_tokens ?? 0, cacheReadTokens: cached, cacheWriteTokens: 0 },
    };
  };
  const record = (step: StepApi, action: string, r: Call, extra: { parameters?: unknown; reasoning: string; confidence?: number }) =>
    step.decide({ action, ...extra, provider: 'openai', model: r.model, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, cacheReadTokens: r.usage.cacheReadTokens, costUsd: costUsd(r.model, r.usage, prices), latencyMs: r.latencyMs });

  // Local models cost nothing by default; with LLM_PRICES set, the daily budget applies as for Claude.
  const overBudget = (step: StepApi, task: string) => stepBudgetSpent(step, task, options.pool, env.LLM_DAILY_BUDGET_USD);

  return {
    provider: 'openai',
    prefilter,
    async triage(step, input): Promise<TriageResult> {
      const budget = await overBudget(step, 'triage');
      if (budget) {
        await step.decide({ action: 'triage.skipped', reasoning: `${budget}: a person decides`, provider: 'code' });
        const rules = offlineTriage(input, routes);
        return { ...rules, confidence: 0, reasoning: `${budget}; a person must decide. Rules suggest: ${rules.reasoning}` };
      }
      // After the stable system message: the item, then the closest corrections people made, both as data.
      const examples = await closest(step, 'triage', (port) => triageExamples(port, triageText(input)));
      const item = untrusted('untrusted_item', { kind: input.kind }, describeItem(input));
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: examples ? `${item}\n\n${examples}` : item }];
      let problem = '';
      for (let attempt = 1; attempt <= 2; attempt++) {
        const r = await step.run(`triage:call-${attempt}`, () => call('triage', messages, triageTool));
        const toolCall = r.message.tool_calls?.find((c) => c.type === 'function');
        let parsed: ReturnType<typeof triageSchema.safeParse> | undefined;
        if (toolCall?.type === 'function' && toolCall.function.name === 'triage_decision') {
          try {
            parsed = triageSchema.safeParse(JSON.parse(toolCall.function.arguments));
          } catch (err) {
            problem = `invalid JSON: ${(err as Error).message}`;
          }
        }
        if (parsed?.success) {
          const t = parsed.data;
          await record(step, 'triage', r, { parameters: t, reasoning: t.reasoning, confidence: t.confidence });
          return {
            route: t.route, routeReason: t.route_reason, category: t.category, priority: t.priority, language: t.language, sentiment: t.sentiment, solvable: t.solvable,
            confidence: t.injection_suspected ? Math.min(t.confidence, 0.5) : t.confidence,
            reasoning: t.injection_suspected ? `possible prompt injection in the item. ${t.reasoning}` : t.reasoning,
            provider: 'openai', model: r.model,
          };
        }
        problem ||= !toolCall ? 'no triage_decision function call' : toolCall.type === 'function' && toolCall.function.name !== 'triage_decision' ? `unknown tool ${toolCall.function.name}` : (parsed?.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? 'invalid');
        await record(step, 'triage.invalid_output', r, { reasoning: `model output rejected: ${problem}` });
        messages.push(r.message as OpenAI.Chat.Completions.ChatCompletionMessageParam);
        if (toolCall) messages.push({ role: 'tool', tool_call_id: toolCall.id, content: `Invalid input: ${problem}. Call triage_decision again with arguments that match its schema.` });
        else messages.push({ role: 'user', content: 'Call the triage_decision function with your answer.' });
      }
      const rules = offlineTriage(input, routes);
      return { ...rules, confidence: 0, reasoning: `the model's answer was malformed twice (${problem}); a person must decide. Rules suggest: ${rules.reasoning}` };
    },
    async judge<T>(step: StepApi, task: JudgeTask<T>): Promise<JudgeResult<T> | null> {
      const budget = await overBudget(step, task.id ?? task.action);
      if (budget) {
        await step.decide({ action: `${task.action}.skipped`, reasoning: `${budget}: the rules decide`, provider: 'code' });
        return null;
      }
      const p = { tier: task.tier ?? 'fast', max_tokens: task.maxTokens ?? 4000, body: task.instructions } as const;
      const tool = fn(task.tool.name, task.tool.description, task.schema);
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: task.data.map((d) => untrusted(d.tag, d.attributes ?? {}, d.text)).join('\n') }];
      let problem = '';
      for (let attempt = 1; attempt <= 2; attempt++) {
        const r = await step.run(`${task.id ?? task.action}:call-${attempt}`, () => call(p, messages, tool));
        const toolCall = r.message.tool_calls?.find((c) => c.type === 'function');
        let parsed: ReturnType<typeof task.schema.safeParse> | undefined;
        problem = '';
        if (toolCall?.type === 'function' && toolCall.function.name === task.tool.name) {
          try {
            parsed = task.schema.safeParse(JSON.parse(toolCall.function.arguments));
          } catch (err) {
            problem = `invalid JSON: ${(err as Error).message}`;
          }
        }
        if (parsed?.success) {
          const value = parsed.data;
          const own = (value as { reasoning?: unknown }).reasoning;
          await record(step, task.action, r, { parameters: task.parameters ? task.parameters(value) : value, reasoning: task.reasoning ? task.reasoning(value) : typeof own === 'string' ? own : `${task.tool.name} answered` });
          return { value, provider: 'openai', model: r.model };
        }
        problem ||= !toolCall ? `no ${task.tool.name} function call` : toolCall.type === 'function' && toolCall.function.name !== task.tool.name ? `unknown tool ${toolCall.function.name}` : (parsed?.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? 'invalid');
        await record(step, `${task.action}.invalid_output`, r, { reasoning: `model output rejected: ${problem}` });
        messages.push(r.message as OpenAI.Chat.Completions.ChatCompletionMessageParam);
        if (toolCall) messages.push({ role: 'tool', tool_call_id: toolCall.id, content: `Invalid input: ${problem}. Call ${task.tool.name} again with arguments that match its schema.` });
        else messages.push({ role: 'user', content: `Call the ${task.tool.name} function with your answer.` });
      }
      await step.decide({ action: `${task.action}.fallback`, reasoning: `the model's answer was malformed twice (${problem}): the rules decide`, provider: 'code' });
      return null;
    },
    async draftReply(step, input: DraftInput): Promise<DraftResult> {
      const budget = await overBudget(step, 'draft');
      if (budget) {
        await step.decide({ action: 'draft.skipped', reasoning: `${budget}: a person writes the reply`, provider: 'code' });
        return { text: '', citations: [], confidence: 0, provider: 'openai', model: null };
      }
      const examples = await closest(step, 'draft', (port) => draftExamples(port, exampleText(input.email?.subject, input.text)));
      const r = await step.run('draft:call', () => call('draft_reply', [{ role: 'user', content: draftContent(input, examples) }], draftTool));
      const toolCall = r.message.tool_calls?.find((c) => c.type === 'function' && c.function.name === 'draft_reply');
      let args: unknown;
      try {
        args = toolCall?.type === 'function' ? JSON.parse(toolCall.function.arguments) : undefined;
      } catch {
        args = undefined;
      }
      const parsed = args === undefined ? undefined : draftToolSchema.safeParse(args);
      const assessment = parsed?.success ? parsed.data : null;
      // Local servers may ignore tool_choice and answer in text: shown to a person, capped as unassessed.
      const loose = (args as { reply?: unknown } | undefined)?.reply;
      const text = (assessment?.reply ?? (typeof loose === 'string' ? loose : (r.message.content ?? ''))).trim();
      const a = assessDraft(text, { articles: input.articles, language: input.language }, assessment);
      await record(step, 'draft.reply', r, { parameters: draftParameters(input, a, assessment), reasoning: draftReasoning(text, a, assessment), confidence: a.confidence });
      return { text, citations: a.citations, confidence: a.confidence, provider: 'openai', model: r.model };
    },
  };
}
