/**
 * The offline provider learns from corrections: the examples' vote (pure), and the offline
 * decision core on the real engine and PostgreSQL, where one person's triage choice routes the
 * next item like it, and its confidence stays honest.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { approvalRequestSchema } from '../../src/approvals/types.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { correctionsFrom } from '../../src/learning/corrections.ts';
import { createExamplesPort, recordExamples, type Neighbour } from '../../src/learning/examples.ts';
import { createOfflineDecisionCore } from '../../src/llm/decision-core.ts';
import { learnedTriage, vote } from '../../src/llm/offline/learned.ts';
import { offlineTriage } from '../../src/llm/offline/triage.ts';
import type { TriageInput } from '../../src/workflows/ports.ts';
import { engineFixture, runRow, type EngineFixture } from '../engine/harness.ts';
import { routes } from '../../src/workflows/index.ts';

let seq = 0;
const n = (label: Record<string, unknown>, similarity: number, kind: Neighbour['kind'] = 'category'): Neighbour => ({
  id: String(++seq), kind, text: `item ${seq}`, label, source: 's', runId: null, approvalId: null, createdAt: new Date(0), similarity,
});
const mail = (subject: string, text: string): TriageInput => ({
  kind: 'email', text, attachments: [],
  email: { messageId: null, inReplyTo: null, references: [], from: { address: 'a@customer.example' }, replyTo: null, to: [], subject, date: null, text, attachments: [], forwarded: null, auth: null, headers: {} },
});

test('one near example is adopted; a far one alone is not; a split vote is not', () => {
  assert.deepEqual(vote([n({ category: 'billing' }, 0.55)], 'category'), { label: 'billing', share: 1, votes: 1, best: 0.55, adopted: true, strong: false });
  assert.equal(vote([n({ category: 'billing' }, 0.3)], 'category')!.adopted, false);
  assert.equal(vote([n({ category: 'billing' }, 0.3), n({ category: 'billing' }, 0.25)], 'category')!.adopted, true, 'two agreeing examples');
  assert.equal(vote([n({ category: 'billing' }, 0.6), n({ category: 'account' }, 0.55)], 'category')!.adopted, false, 'people disagree');
  assert.equal(vote([n({ category: 'nonsense' }, 0.9)], 'category', ['billing']), null);
});

test('strong agreement is three near examples and no dissent', () => {
  const three = [n({ category: 'technical' }, 0.7), n({ category: 'technical' }, 0.6), n({ category: 'technical' }, 0.52)];
  assert.equal(vote(three, 'category')!.strong, true);
  assert.equal(vote([...three, n({ category: 'billing' }, 0.21)], 'category')!.strong, false);
  assert.equal(vote(three.slice(0, 2), 'category')!.strong, false);
});

test('without examples the rules stand; adopted examples say so and claim at most 0.6; only strong agreement on every decision claims 0.8', () => {
  const input = mail('Webhooks silent', 'Our webhook endpoint has not received any events since last night.');
  const rules = offlineTriage(input, routes);
  assert.equal(rules.route, 'unrouted');
  assert.equal(learnedTriage(input, rules, { route: [], category: [], priority: [] }, routes), rules);

  const one = learnedTriage(input, rules, { route: [n({ route: 'support' }, 0.7, 'route')], category: [n({ category: 'technical' }, 0.7)], priority: [] }, routes);
  assert.deepEqual([one.route, one.category, one.priority], ['support', 'technical', 'normal']);
  assert.ok(one.confidence <= 0.6, String(one.confidence));
  assert.equal(one.model, 'rules-v1+examples');
  assert.match(one.reasoning, /route support from 2 of 2 similar item\(s\) people labelled/);

  const strong = (label: Record<string, unknown>, kind: Neighbour['kind']) => [0.8, 0.7, 0.6].map((s) => n(label, s, kind));
  const sure = learnedTriage(input, rules, { route: strong({ route: 'support' }, 'route'), category: strong({ category: 'technical' }, 'category'), priority: strong({ priority: 'high' }, 'priority') }, routes);
  assert.equal(sure.confidence, 0.8);
  assert.equal(sure.priority, 'high');
  const mostly = learnedTriage(input, rules, { route: strong({ route: 'support' }, 'route'), category: strong({ category: 'technical' }, 'category'), priority: [] }, routes);
  assert.ok(mostly.confidence <= 0.6, 'priority from the rules alone keeps it at the rules\' level');
  // An item people gave a category is a support request: that counts for the route too.
  const implied = learnedTriage(input, rules, { route: [], category: [n({ category: 'technical' }, 0.55)], priority: [] }, routes);
  assert.deepEqual([implied.route, implied.category], ['support', 'technical']);
  // "ignore" (or a workflow that is not installed) sends the item back to a person.
  assert.equal(learnedTriage(input, offlineTriage(mail('Question', 'How do I export?'), routes), { route: [n({ route: 'ignore' }, 0.9, 'route')], category: [], priority: [] }, routes).route, 'unrouted');
});

describe('the offline decision core with labelled examples (real engine and PostgreSQL)', () => {
  let fx: EngineFixture;
  const first = mail('Webhook endpoint silent', 'Our webhook endpoint has not received any events since last night although events show in the log.');
  const next = mail('Webhooks: no events', 'Since yesterday evening the webhook endpoint has received no events, although the log shows events were sent.');
  let core = createOfflineDecisionCore({ routes });
  const wf = defineWorkflow({
    name: 'offline-learning',
    version: 1,
    input: z.object({ which: z.enum(['first', 'next']) }),
    async run(input, step) {
      return core.triage(step, input.which === 'first' ? first : next);
    },
  });
  before(async () => {
    fx = await engineFixture([wf]);
    core = createOfflineDecisionCore({ routes, examples: createExamplesPort(fx.db.pool) });
  });
  after(() => fx.close());
  const triage = async (which: 'first' | 'next') => {
    const { runId } = await fx.engine.startRun(wf, { which });
    assert.equal(await fx.engine.waitForRun(runId), 'completed');
    return (await runRow(fx.db, runId)).output;
  };

  test('after a person routes an unrecognised mail, the next mail like it is routed and classified the same way', async () => {
    const before = await triage('next');
    assert.equal(before.route, 'unrouted', 'the rules alone do not recognise it');
    assert.equal((await triage('first')).route, 'unrouted');

    // The triage approval a person answered: support, technical, high.
    const request = approvalRequestSchema.parse({
      summary: { subject: first.email!.subject, excerpt: first.text },
      proposal: { type: 'routing', description: 'choose', parameters: { workflow: 'support' } },
      reasoning: 'no rule matched', confidence: 0.4,
      fields: { category: null, priority: null, language: 'en' },
      editable: ['workflow', 'category', 'priority'],
    });
    assert.equal(await recordExamples(fx.db.pool, correctionsFrom(request, { workflow: 'support', category: 'technical', priority: 'high' }, { by: ['cli:ops'] })), 3);

    const after = await triage('next');
    assert.deepEqual([after.route, after.category, after.priority], ['support', 'technical', 'high']);
    assert.ok(after.confidence <= 0.6, `one correction is not strong agreement (${after.confidence})`);
    assert.match(after.reasoning, /people labelled/);
  });
});
