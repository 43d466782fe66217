/**
 * The model paths for OpenAI-compatible servers (local models on Ollama, vLLM, LM Studio): page
 * images as data URLs for vision models, or the text layer, with a forced `invoice_fields`
 * function call and the same validation as the Anthropic path. PDFs are sent as page images
 * (chat/completions has no document input).
 */
import OpenAI from 'openai';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { ModelExtractor, ModelReading } from '../../documents/extract.ts';
import type { Logger } from '../../logger.ts';
import { DATA_NOTE, documentTextForModel, parseFieldsAnswer, visionFieldsSchema } from '../anthropic/invoice-vision.ts';
import { forVision } from '../image-input.ts';
import { loadPrompts } from '../prompts.ts';
import { estimateTokens, IMAGE_TOKENS, sharedModelCallLimiter, type ModelCallLimiter } from '../call-limiter.ts';


export function createOpenAICompatibleInvoiceVision(options: { config: Config; log: Logger; limiter?: ModelCallLimiter }): ModelExtractor {
  const env = options.config.env;
  const client = new OpenAI({ baseURL: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY ?? 'local', timeout: env.LLM_TIMEOUT_MS, maxRetries: env.LLM_MAX_RETRIES });
  // The decision core's limiter: a local server busy reading a scan is not sent more than LLM_MAX_CONCURRENCY calls.
  const limiter = options.limiter ?? sharedModelCallLimiter(options.config, 'openai');
  const prompts = loadPrompts();
  const model = env.LLM_MODEL_STRONG ?? env.LLM_MODEL_FAST ?? 'llava';

  const read = async (task: 'extract_invoice_vision' | 'extract_invoice_text', content: OpenAI.ChatCompletionContentPart[], mediaTokens = 0): Promise<ModelReading> => {
    const prompt = prompts.get(task);
    const started = Date.now();
    const body = {
      model,
      max_tokens: prompt?.max_tokens ?? 1024,
      messages: [
        { role: 'system' as const, content: prompt?.body ?? 'Read the invoice.' },
        { role: 'user' as const, content },
      ],
      tools: [{ type: 'function' as const, function: { name: 'invoice_fields', description: 'Record the fields read from the invoice.', parameters: z.toJSONSchema(visionFieldsSchema) as Record<string, unknown> } }],
      tool_choice: { type: 'function' as const, function: { name: 'invoice_fields' } },
    };
    const estimate = estimateTokens([body.messages[0], body.tools, content.filter((c) => c.type === 'text')]) + mediaTokens;
    const res = await limiter.schedule(estimate, () => client.chat.completions.create(body));
    options.log.info({ component: 'extract', task, model: res.model, input_tokens: res.usage?.prompt_tokens }, 'model read an invoice');
    const call = res.choices[0]?.message.tool_calls?.find((c) => c.type === 'function' && c.function.name === 'invoice_fields');
    let input: unknown;
    try {
      input = call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined;
    } catch {
      input = undefined;
    }
    return {
      fields: parseFieldsAnswer(input, Boolean(call)),
      // Local models cost nothing per token here; the tokens are still recorded.
      call: { provider: 'openai', model: res.model, inputTokens: res.usage?.prompt_tokens ?? 0, outputTokens: res.usage?.completion_tokens ?? 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0, latencyMs: Date.now() - started },
    };
  };

  return {
    name: 'openai',
    async fromImages(images) {
      const sized = await Promise.all(images.slice(0, 5).map(forVision));
      return read('extract_invoice_vision', [
        ...sized.map((img) => ({ type: 'image_url' as const, image_url: { url: `data:${img.mediaType};base64,${img.data.toString('base64')}` } })),
        { type: 'text' as const, text: DATA_NOTE },
      ], sized.length * IMAGE_TOKENS);
    },
    fromText: (text) => read('extract_invoice_text', [{ type: 'text', text: documentTextForModel(text) }]),
  };
}
