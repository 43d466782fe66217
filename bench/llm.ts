/**
 * Decision-core economy on the support samples of ../shared/data/samples, through the real
 * Anthropic SDK against the local Messages API fake (which counts tokens at ~4 characters each
 * and models prompt caching as documented):
 *  - Mailroom: one triage call (forced tool call, cached instructions and schema) and one draft
 *    call per support request; the linear parts are code.
 *  - Baseline, the seed's style: one model call per state transition (classify category,
 *    priority, language, route, decide solvable, draft, decide send), each re-sending the whole
 *    instructions and the message, no caching.
 */
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { pino } from 'pino';
import { parseEmail } from '../src/channels/email/parse.ts';
import { closeParsers } from '../src/channels/email/parse.ts';
import { loadConfig } from '../src/config.ts';
import type { StepApi } from '../src/engine/types.ts';
import { createAnthropicDecisionCore } from '../src/llm/anthropic/decision-core.ts';
import { offlineTriage } from '../src/llm/offline/triage.ts';
import { loadPrompts } from '../src/llm/prompts.ts';
import type { TriageInput } from '../src/workflows/ports.ts';
import { startFakeAnthropic } from '../test/fakes/anthropic-server.ts';
import { sharedData } from '../test/harness/shared.ts';
import { round, type BenchResult } from './types.ts';
import { DEFAULT_MODELS } from '../src/llm/models.ts';

/** A step runner for the benchmark: no database, every step simply runs. */
function benchStep(): StepApi {
  return {
    runId: 'bench',
    workflow: 'support',
    run: async (_name: string, fn: (ctx: unknown) => unknown) => fn({ signal: new AbortController().signal, attempt: 1, log: pino({ level: 'silent' }) }),
    decide: async () => undefined,
  } as unknown as StepApi;
}

const BASELINE_STATES = ['classify_category', 'classify_priority', 'detect_language', 'decide_route', 'decide_solvable', 'draft_reply', 'decide_send'];

export async function bench(opts: { quick?: boolean }): Promise<BenchResult> {
  const usage = { calls: 0, input: 0, cacheRead: 0, cacheWrite: 0 };
  let counting: 'ours' | 'baseline' | 'warmup' = 'warmup';
  const tally = { ours: { ...usage }, baseline: { ...usage } };
  // The scripted "model" answers like the offline rules do; what is measured is the traffic.
  let current: TriageInput | undefined;
  const fake = await startFakeAnthropic((body) => {
    if (body.tools?.[0]?.name === 'triage_decision') {
      const t = offlineTriage(current!);
      return { toolUse: { name: 'triage_decision', input: { route: t.route, route_reason: t.routeReason, category: t.category, priority: t.priority, language: t.language, sentiment: t.sentiment, solvable: t.solvable, injection_suspected: false, confidence: 0.9, reasoning: t.reasoning } } };
    }
    return { text: 'Hello,\n\n1. Open Reports.\n2. Click Export.\n\nSee: Exporting reports as CSV\n\nThe support team' };
  });
  const client = new Anthropic({ apiKey: 'sk-bench', baseURL: fake.url, maxRetries: 0 });
  // Count usage as the SDK received it.
  const create = client.messages.create.bind(client.messages);
  (client.messages as unknown as { create: unknown }).create = async (...args: Parameters<typeof create>) => {
    const res = (await create(...args)) as Anthropic.Message;
    if (counting !== 'warmup') {
      const t = tally[counting];
      t.calls += 1;
      t.input += res.usage.input_tokens;
      t.cacheRead += res.usage.cache_read_input_tokens ?? 0;
      t.cacheWrite += res.usage.cache_creation_input_tokens ?? 0;
    }
    return res;
  };
  const config = loadConfig({ ANTHROPIC_API_KEY: 'sk-bench', ANTHROPIC_BASE_URL: fake.url, LLM_REQUESTS_PER_MIN: '100000' });
  const core = createAnthropicDecisionCore({ config, log: pino({ level: 'silent' }), client });
  const prompts = loadPrompts();
  const instructions = `${prompts.get('house')!.body}\n\n${prompts.get('triage')!.body}\n\n${prompts.get('draft_reply')!.body}`;
  try {
    const dir = sharedData('samples');
    const files = fs.readdirSync(dir).filter((f) => /support/.test(f) && f.endsWith('.eml'));
    const inputs: TriageInput[] = [];
    for (const f of files) {
      const p = await parseEmail(fs.readFileSync(path.join(dir, f)));
      inputs.push({ kind: 'email', email: { ...p, forwarded: null, auth: null }, text: p.text, attachments: [] });
    }
    const rounds = opts.quick ? 1 : 3;
    // One warm-up triage so "after the first run" is what the cache share describes.
    current = inputs[0];
    await core.triage(benchStep(), inputs[0]!);
    for (let r = 0; r < rounds; r++) {
      for (const input of inputs) {
        current = input;
        counting = 'ours';
        const t = await core.triage(benchStep(), input);
        await core.draftReply(benchStep(), { email: input.email!, text: input.text, language: t.language, category: t.category ?? 'other', articles: [{ id: 'export-csv', title: 'Exporting reports as CSV', body: '1. Open Reports.\n2. Click Export.\n3. Choose CSV.' }] });
        counting = 'baseline';
        let state = 'start';
        for (const next of BASELINE_STATES) {
          // Seed style: the whole instructions, the message and the state so far, every time.
          await client.messages.create({
            model: DEFAULT_MODELS.fast,
            max_tokens: 300,
            system: instructions,
            messages: [{ role: 'user', content: `Current state: ${state}. Decide the next state (${next}).\n\nEmail:\nSubject: ${input.email?.subject}\n\n${input.text}` }],
          });
          state = next;
        }
        counting = 'warmup';
      }
    }
    const runs = inputs.length * rounds;
    const oursInput = tally.ours.input + tally.ours.cacheRead + tally.ours.cacheWrite;
    const baseInput = tally.baseline.input + tally.baseline.cacheRead + tally.baseline.cacheWrite;
    const json = {
      calls_per_run: round(tally.ours.calls / runs, 2),
      baseline_calls_per_run: round(tally.baseline.calls / runs, 2),
      input_tokens_per_run: round(oursInput / runs, 0),
      baseline_input_tokens_per_run: round(baseInput / runs, 0),
      token_ratio: round(baseInput / Math.max(1, oursInput), 2),
      cache_read_share: round(tally.ours.cacheRead / Math.max(1, oursInput), 3),
    };
    return {
      title: `llm (support triage + draft over ${inputs.length} samples × ${rounds}; real SDK against the local Messages API, ~4 chars/token)`,
      rows: [
        { metric: 'model calls per support request', mailroom: json.calls_per_run, baseline: json.baseline_calls_per_run, ratio: round(json.baseline_calls_per_run / json.calls_per_run, 2), unit: 'calls' },
        { metric: 'input tokens per support request (incl. cached)', mailroom: json.input_tokens_per_run, baseline: json.baseline_input_tokens_per_run, ratio: json.token_ratio, unit: 'tokens' },
        { metric: 'share of input tokens read from cache', mailroom: json.cache_read_share, baseline: 0, ratio: null, unit: 'share' },
      ],
      json,
    };
  } finally {
    await fake.close();
    await closeParsers();
  }
}
