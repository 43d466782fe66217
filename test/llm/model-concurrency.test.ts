/**
 * How many model calls are in flight at once (LLM_MAX_CONCURRENCY), through the real SDKs against
 * the local API fakes, with runs on the real engine: the limit holds, its default keeps up with
 * the engine, and one limit covers every path of a provider (decisions and invoice readings).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConfig, type Config } from '../../src/config.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { llmMaxConcurrency } from '../../src/llm/call-limiter.ts';
import { createAnthropicDecisionCore } from '../../src/llm/anthropic/decision-core.ts';
import { createAnthropicInvoiceVision } from '../../src/llm/anthropic/invoice-vision.ts';
import { createOpenAICompatibleDecisionCore } from '../../src/llm/openai/decision-core.ts';
import { createOpenAICompatibleInvoiceVision } from '../../src/llm/openai/invoice-vision.ts';
import type { DecisionCorePort, TriageInput } from '../../src/workflows/ports.ts';
import { engineFixture, type EngineFixture } from '../engine/harness.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.ts';
import { startFakeOpenAI } from '../fakes/openai-server.ts';
import { routes } from '../../src/workflows/index.ts';

const DELAY_MS = 1000;
const log = pino({ level: 'silent' });
const item: TriageInput = { kind: 'email', text: 'The export button does nothing since this morning.', attachments: [] };
const triage = { route: 'support', route_reason: 'help', category: 'technical', priority: 'normal', language: 'en', sentiment: 'neutral', solvable: true, injection_suspected: false, confidence: 0.9, reasoning: 'a bug report' };
const fields = { vendor: 'Acme', invoice_number: 'INV-1', invoice_date: '2026-11-02', due_date: null, po_number: null, currency: 'EUR', subtotal: 100, tax: 19, total: 119, iban: null };

/** Calls in flight at the model, counted by the server: one arrives, it leaves DELAY_MS later. */
function inFlightCounter() {
  let now = 0;
  let peak = 0;
  return {
    arrive() {
      now += 1;
      peak = Math.max(peak, now);
      setTimeout(() => (now -= 1), DELAY_MS - 20);
    },
    reset: () => (peak = 0),
    get peak() {
      return peak;
    },
  };
}

let core: DecisionCorePort;
const triageRun = defineWorkflow({
  name: 'concurrency-triage',
  version: 1,
  input: z.object({ i: z.number() }),
  concurrency: 30,
  run: (_input, step) => core.triage(step, item),
});

describe('model calls in flight (LLM_MAX_CONCURRENCY)', () => {
  let fake: FakeAnthropic;
  let fx: EngineFixture;
  const inFlight = inFlightCounter();
  const anthropicConfig = (extra: Record<string, string> = {}): Config =>
    loadConfig({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, LLM_REQUESTS_PER_MIN: '100000', LLM_INPUT_TOKENS_PER_MIN: '100000000', ...extra });

  before(async () => {
    fake = await startFakeAnthropic((body) => {
      inFlight.arrive();
      const name = body.tool_choice?.name as string;
      return { toolUse: { name, input: name === 'invoice_fields' ? fields : triage }, delayMs: DELAY_MS };
    });
    fx = await engineFixture([triageRun], { concurrency: 30 });
  });
  after(async () => {
    await fx.close();
    await fake.close();
  });

  const runAll = async (n: number) => {
    const ids = await Promise.all(Array.from({ length: n }, (_, i) => fx.engine.startRun(triageRun, { i }).then((r) => r.runId)));
    for (const id of ids) assert.equal(await fx.engine.waitForRun(id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
  };

  test('never more calls in flight than LLM_MAX_CONCURRENCY, however many runs wait on the model', async () => {
    core = createAnthropicDecisionCore({ routes, config: anthropicConfig({ LLM_MAX_CONCURRENCY: '3' }), log });
    inFlight.reset();
    await runAll(9);
    assert.equal(inFlight.peak, 3);
  });

  test('by default the limit keeps up with the engine: every run waiting on the model has its call in flight', async () => {
    const config = anthropicConfig({ ENGINE_CONCURRENCY: '12' });
    assert.equal(llmMaxConcurrency(config.env), 36, 'three workflows call the model, each with ENGINE_CONCURRENCY runs');
    core = createAnthropicDecisionCore({ routes, config, log });
    inFlight.reset();
    await runAll(12);
    assert.equal(inFlight.peak, 12);
  });

  test('the invoice readers of a configuration share its decision core\'s limit', async () => {
    const config = anthropicConfig({ LLM_MAX_CONCURRENCY: '2' });
    core = createAnthropicDecisionCore({ routes, config, log });
    const vision = createAnthropicInvoiceVision({ config, log });
    inFlight.reset();
    await Promise.all([runAll(3), ...Array.from({ length: 3 }, () => vision.fromText('Invoice INV-1, total 119.00 EUR'))]);
    assert.equal(inFlight.peak, 2);
  });
});

describe('model calls in flight with an OpenAI-compatible server', () => {
  let fx: EngineFixture;
  let proxy: http.Server;
  let fake: Awaited<ReturnType<typeof startFakeOpenAI>>;
  const inFlight = inFlightCounter();

  before(async () => {
    fake = await startFakeOpenAI((body) =>
      body.tool_choice?.function?.name === 'invoice_fields'
        ? { toolCall: { name: 'invoice_fields', arguments: JSON.stringify(fields) } }
        : { toolCall: { name: 'triage_decision', arguments: JSON.stringify(triage) } },
    );
    // A local model that takes its time: each request is held DELAY_MS before the server sees it.
    const target = new URL(fake.url);
    proxy = http.createServer((req, res) => {
      inFlight.arrive();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () =>
        setTimeout(() => {
          const out = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          });
          out.end(Buffer.concat(chunks));
        }, DELAY_MS - 20),
      );
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
    fx = await engineFixture([triageRun], { concurrency: 30 });
  });
  after(async () => {
    await fx.close();
    await new Promise((r) => proxy.close(r));
    await fake.close();
  });

  test('a local model gets at most LLM_MAX_CONCURRENCY calls at once, decisions and invoice readings together', async () => {
    const url = `http://127.0.0.1:${(proxy.address() as { port: number }).port}/v1`;
    const config = loadConfig({ LLM_PROVIDER: 'openai', LLM_BASE_URL: url, LLM_MAX_CONCURRENCY: '2' });
    core = createOpenAICompatibleDecisionCore({ routes, config, log });
    const vision = createOpenAICompatibleInvoiceVision({ config, log });
    inFlight.reset();
    const ids = await Promise.all(Array.from({ length: 4 }, (_, i) => fx.engine.startRun(triageRun, { i }).then((r) => r.runId)));
    const readings = await Promise.all(Array.from({ length: 2 }, () => vision.fromText('Invoice INV-1, total 119.00 EUR')));
    for (const id of ids) assert.equal(await fx.engine.waitForRun(id, { states: ['completed', 'failed'], timeoutMs: 30_000 }), 'completed');
    assert.equal(readings[0]!.fields.total, 119);
    assert.equal(inFlight.peak, 2);
  });
});
