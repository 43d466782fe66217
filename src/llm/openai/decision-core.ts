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
import type { DecisionCorePort, DraftInput, DraftResult, TriageResult } from '../../workflows/ports.ts';
import { describeItem, triageSchema } from '../anthropic/decision-core.ts';
import { offlineTriage } from '../offline/triage.ts';
import { prefilter } from '../prefilter.ts';
import { costUsd, priceTable } from '../pricing.ts';
import { loadPrompts, untrusted } from '../prompts.ts';

interface Call {
  message: OpenAI.Chat.Completions.ChatCompletionMessage;
  model: string;
  usage: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
  latencyMs: number;
}

export function createOpenAICompatibleDecisionCore(options: { config: Config; log: Logger }): DecisionCorePort {
  const env = options.config.env;
  const client = new OpenAI({ baseURL: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY ?? 'local', timeout: env.LLM_TIMEOUT_MS, maxRetries: env.LLM_MAX_RETRIES });
  const prompts = loadPrompts();
  const house = prompts.get('house')?.body ?? '';
  const prices = priceTable(process.env.LLM_PRICES);
  const models = { fast: env.LLM_MODEL_FAST ?? 'llama3.1', strong: env.LLM_MODEL_STRONG ?? env.LLM_MODEL_FAST ?? 'llama3.1' };
  const tool: OpenAI.Chat.Completions.ChatCompletionFunctionTool = {
    type: 'function',
    function: { name: 'triage_decision', description: 'Record the routing and classification of the item.', parameters: z.toJSONSchema(triageSchema) as Record<string, unknown> },
  };

  const call = async (task: 'triage' | 'draft_reply', messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[], withTool: boolean): Promise<Call> => {
    const p = prompts.get(task)!;
    const started = Date.now();
    const res = await client.chat.completions.create({
      model: models[p.tier],
      max_tokens: p.max_tokens,
      messages: [{ role: 'system', content: `${house}\n\n${p.body}` }, ...messages],
      ...(withTool ? { tools: [tool], tool_choice: { type: 'function' as const, function: { name: 'triage_decision' } } } : {}),
    });
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

  return {
    provider: 'openai',
    prefilter,
    async triage(step, input): Promise<TriageResult> {
      const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: untrusted('untrusted_item', { kind: input.kind }, describeItem(input)) }];
      let problem = '';
      for (let attempt = 1; attempt <= 2; attempt++) {
        const r = await step.run(`triage:call-${attempt}`, () => call('triage', messages, true));
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
      const rules = offlineTriage(input);
      return { ...rules, confidence: 0, reasoning: `the model's answer was malformed twice (${problem}); a person must decide. Rules suggest: ${rules.reasoning}` };
    },
    async draftReply(step, input: DraftInput): Promise<DraftResult> {
      const articles = input.articles.map((a) => untrusted('kb_article', { id: a.id, title: a.title }, a.body)).join('\n');
      const content = `language: ${input.language}\ncategory: ${input.category}\n\n${untrusted('untrusted_item', { kind: 'email' }, `Subject: ${input.email?.subject ?? ''}\n\n${input.text.slice(0, 8000)}`)}\n\n${articles || '(no knowledge-base article matched)'}`;
      const r = await step.run('draft:call', () => call('draft_reply', [{ role: 'user', content }], false));
      const text = (r.message.content ?? '').trim();
      const citations = input.articles.filter((a) => text.includes(a.title)).map((a) => a.id);
      const confidence = text ? (citations.length ? 0.8 : 0.6) : 0;
      await record(step, 'draft.reply', r, { parameters: { citations }, reasoning: text ? `draft citing ${citations.join(', ') || 'no article'}` : 'empty draft', confidence });
      return { text, citations, confidence, provider: 'openai', model: r.model };
    },
  };
}
