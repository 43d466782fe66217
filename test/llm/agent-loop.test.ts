/** The bounded tool-use loop through the real Anthropic SDK, on the real engine. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { runAgentLoop } from '../../src/llm/anthropic/agent-loop.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';
import { startFakeAnthropic, type FakeAnthropic, type Reply } from '../fakes/anthropic-server.ts';

let client: Anthropic;
let script: (body: any, n: number) => Reply;
let searches = 0;

const agent = defineWorkflow({
  name: 'agent-test',
  version: 1,
  input: z.object({ maxTurns: z.number().default(10), sleepMs: z.number().default(0) }),
  maxSteps: 40,
  async run(input, step) {
    const r = await runAgentLoop(step, {
      client,
      model: 'claude-haiku-4-5',
      system: 'You answer support questions. Use kb_search.',
      prompt: '<untrusted_item>How do I export CSV?</untrusted_item>',
      tools: [
        { name: 'kb_search', description: 'search the knowledge base', input: z.object({ query: z.string() }), run: async ({ query }) => (searches++, [{ id: 'export-csv', title: `hit for ${query}` }]) },
        { name: 'send_email', description: 'send an email', input: z.object({ to: z.string() }), run: async () => 'sent' },
      ],
      allowed: ['kb_search'],
      finish: { description: 'the answer', input: z.object({ answer: z.string(), confidence: z.number() }) },
      maxTurns: input.maxTurns,
    });
    if (input.sleepMs) await step.sleep(input.sleepMs);
    return r;
  },
});

describe('agent loop', () => {
  let fake: FakeAnthropic;
  let fx: EngineFixture;
  before(async () => {
    fake = await startFakeAnthropic((b, n) => script(b, n));
    client = new Anthropic({ apiKey: 'sk', baseURL: fake.url, maxRetries: 0 });
    fx = await engineFixture([agent]);
  });
  after(async () => {
    await fx.close();
    await fake.close();
  });

  test('tools outside the allow-list are refused, allowed ones run, and finish ends the loop', async () => {
    const turns: Reply[] = [
      { toolUse: { name: 'send_email', input: { to: 'x@evil.example' } } },
      { toolUse: { name: 'kb_search', input: { query: 'export csv' } } },
      { toolUse: { name: 'finish', input: { answer: 'Open Reports → Export → CSV', confidence: 0.8 } } },
    ];
    script = (_b, n) => turns[(n - 1) % 3]!;
    searches = 0;
    const start = fake.requests.length;
    const { runId } = await fx.engine.startRun(agent, { sleepMs: 300 });
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'], timeoutMs: 10_000 }), 'completed');
    const out = (await runRow(fx.db, runId)).output;
    assert.deepEqual(out, { finished: true, result: { answer: 'Open Reports → Export → CSV', confidence: 0.8 }, turns: 3, reason: 'finished' });
    assert.equal(fake.requests.length - start, 3, 'the replay after the sleep paid for no turn again');
    assert.equal(searches, 1);
    const refusal = fake.requests[start + 1]!.body.messages.at(-1).content[0];
    assert.equal(refusal.is_error, true);
    assert.match(refusal.content, /send_email" is not available/);
    const refused = await fx.db.pool.query(`SELECT parameters FROM mailroom.decisions WHERE run_id = $1 AND action = 'agent.tool_refused'`, [runId]);
    assert.deepEqual(refused.rows[0].parameters, { tool: 'send_email' });
  });

  test('the loop is bounded: past max turns a person decides', async () => {
    script = () => ({ toolUse: { name: 'kb_search', input: { query: 'again' } } });
    const { runId } = await fx.engine.startRun(agent, { maxTurns: 3 });
    assert.equal(await fx.engine.waitForRun(runId), 'completed');
    const out = (await runRow(fx.db, runId)).output;
    assert.equal(out.finished, false);
    assert.match(out.reason, /no answer after 3 turns/);
  });
});
