/**
 * The first email to a warm lead written by a model (the real SDK against the local Messages API
 * fake, on the real engine and PostgreSQL), and the code checks that decide whether it may go:
 * links only to the policy's resources, no number the facts lack, no placeholder. A failed
 * check, or no model, means the template.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConfig } from '../../../src/config.ts';
import { defineWorkflow } from '../../../src/engine/define.ts';
import { createAnthropicDecisionCore } from '../../../src/llm/anthropic/decision-core.ts';
import { createOfflineDecisionCore } from '../../../src/llm/decision-core.ts';
import { policySchema } from '../../../src/policy/schema.ts';
import { routes } from '../../../src/workflows/index.ts';
import type { LeadRun } from '../../../src/workflows/lead/context.ts';
import type { DraftContext } from '../../../src/workflows/lead/drafts.ts';
import { addressFacts } from '../../../src/workflows/lead/enrich/domains.ts';
import { checkModelEmail, firstEmailDraft, followUpDraft } from '../../../src/workflows/lead/model-draft.ts';
import type { DecisionCorePort, WorkflowServices } from '../../../src/workflows/ports.ts';
import { engineFixture, runRow, type EngineFixture } from '../../engine/harness.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic-server.ts';

const policy = policySchema.parse({ lead: { product_name: 'Mailroom', sender_name: 'Sam from Mailroom', resources: [{ title: 'Automation playbook', url: 'https://example.com/playbook' }] } });
const MESSAGE = 'We are 120 people and our support inbox gets 400 tickets a week. Can you help us automate triage?';
let core: DecisionCorePort;
let reply: { subject: string; text: string; reasoning: string } = { subject: '', text: '', reasoning: '' };

const context = (outsideData = false): DraftContext => ({
  name: 'Ana Ruiz', company: 'Fernhill', message: MESSAGE,
  enrichment: { address: addressFacts('ana@fernhill.example.com'), company: { name: 'Fernhill', domain: 'fernhill.example.com', employees: 120, industry: 'SaaS', revenue_usd: null, funding_stage: 'Series A', tech: ['Slack'], source: 'companies table', confidence: 0.95 }, signals: [], stated: [], facts: [], outsideData, problems: [] },
  score: { total: 62, fit: 30, intent: 20, engagement: 12, band: 'warm', factors: [] } as unknown as DraftContext['score'],
  lead: policy.lead, language: 'en',
});

const wf = defineWorkflow({
  name: 'lead-model-draft-test',
  version: 1,
  input: z.object({ followUp: z.number().optional(), outsideData: z.boolean().default(false) }),
  async run(input, step, ctx) {
    const s = { decisions: core, policy } as unknown as WorkflowServices;
    const run = { step, s, runId: ctx.runId, language: 'en', lp: policy.lead } as unknown as LeadRun;
    if (input.followUp) return followUpDraft(run, context(input.outsideData), input.followUp, 3, [{ subject: 'Automating triage for Fernhill', text: 'Hi Ana, 400 tickets a week is where Mailroom helps.' }]);
    return firstEmailDraft(run, context(input.outsideData));
  },
});

describe('the first lead email written by a model, checked by code', () => {
  let fake: FakeAnthropic;
  let fx: EngineFixture;
  before(async () => {
    fake = await startFakeAnthropic((body) => ({ toolUse: { name: body.tool_choice?.name ?? 'write_email', input: reply } }));
    core = createAnthropicDecisionCore({ routes, config: loadConfig({ ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, LLM_MAX_RETRIES: '0' }), log: pino({ level: 'silent' }) });
    fx = await engineFixture([wf]);
  });
  after(async () => {
    await fx.close();
    await fake.close();
  });
  const run = async (input: { followUp?: number; outsideData?: boolean } = {}) => {
    const { runId } = await fx.engine.startRun(wf, input);
    assert.equal(await fx.engine.waitForRun(runId, { states: ['completed', 'failed'] }), 'completed');
    const decisions = (await fx.db.pool.query<{ action: string; reasoning: string }>('SELECT action, reasoning FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId])).rows;
    return { out: (await runRow(fx.db, runId)).output as { draft: { subject: string; text: string }; by: string; why: string }, decisions };
  };

  test('an email that uses only the facts goes as written; the lead\'s words and the company facts reach the model as data', async () => {
    reply = { subject: 'Automating triage for Fernhill', text: 'Hi Ana,\n\nthanks for writing. 400 tickets a week for a team of 120 is exactly where Mailroom helps: it sorts each mail and drafts the answer for a person to approve.\n\nThe Automation playbook shows how teams start: https://example.com/playbook\n\nWould a short call next week help?\n\nSam from Mailroom', reasoning: 'used the ticket volume and team size the lead gave' };
    const { out, decisions } = await run();
    assert.equal(out.by, 'model');
    assert.equal(out.draft.subject, 'Automating triage for Fernhill');
    assert.ok(decisions.some((d) => d.action === 'lead.draft') && decisions.some((d) => d.action === 'lead.draft.checked' && /passed the checks/.test(d.reasoning)));
    const sent = fake.requests.at(-1)!.body;
    assert.match(sent.messages[0].content, /<lead_message>\n.*400 tickets a week/s);
    assert.match(sent.system[1].text, /Never state a price, discount, date/);
  });

  test('an invented price, an invented link or a leftover placeholder sends the template instead, and the trace says why', async () => {
    for (const [text, why] of [
      ['Hi Ana,\n\nMailroom costs 49 EUR per seat. Reply to start.\n\nSam', /a number the facts do not contain: 49/],
      ['Hi Ana,\n\nsee our case study at https://evil.example/case and reply.\n\nSam', /not one of the resources: https:\/\/evil\.example\/case/],
      ['Hi [first name],\n\nthanks for your enquiry about triage. Shall we talk?\n\nSam', /placeholder/],
    ] as const) {
      reply = { subject: 'Your enquiry', text, reasoning: 'r' };
      const { out, decisions } = await run();
      assert.equal(out.by, 'template', text);
      assert.match(out.why, why);
      assert.match(out.draft.text, /thank you for getting in touch/);
      assert.ok(decisions.some((d) => d.action === 'lead.draft.checked' && /the template goes instead/.test(d.reasoning)));
    }
  });

  test('a follow-up by the model: it sees the emails already sent, keeps the thread subject, may repeat their numbers, and is checked like the first', async () => {
    reply = { subject: '', text: 'Hi Ana,\n\none more thought on those 400 tickets: most teams start with one inbox and grow from there.\n\nSam from Mailroom', reasoning: 'a new point: start small' } as typeof reply;
    const { out, decisions } = await run({ followUp: 1 });
    assert.equal(out.by, 'model', out.why);
    assert.equal(out.draft.subject, 'Re: Automating triage for Fernhill');
    const sent = fake.requests.at(-1)!.body;
    assert.match(sent.messages[0].content, /<sent_email>\nSubject: Automating triage for Fernhill/);
    assert.equal(sent.tool_choice.name, 'write_follow_up');
    assert.ok(decisions.some((d) => d.action === 'lead.draft.checked' && /follow-up 1 passed the checks/.test(d.reasoning)));

    reply = { subject: '', text: 'Hi Ana,\n\nonly this week: 30% off for the first 3 months.\n\nSam', reasoning: 'r' } as typeof reply;
    const bad = await run({ followUp: 2 });
    assert.equal(bad.out.by, 'template');
    assert.match(bad.out.why, /a number the facts do not contain: 30/);
  });

  test('when enrichment used outside data, code adds the Art. 14 notice to what the model wrote', async () => {
    reply = { subject: 'Automating triage for Fernhill', text: 'Hi Ana,\n\n400 tickets a week is where Mailroom helps.\n\nWould a short call help?\n\nSam from Mailroom', reasoning: 'r' };
    const withNotice = await run({ outsideData: true });
    assert.equal(withNotice.out.by, 'model');
    assert.match(withNotice.out.draft.text, /Sam from Mailroom\n\nWhere we know a little about your company, it comes from public business data/);
    const without = await run({ outsideData: false });
    assert.doesNotMatch(without.out.draft.text, /public business data/);
  });

  test('offline (no judge): the template, without asking', async () => {
    const model = core;
    core = createOfflineDecisionCore({ routes });
    try {
      const calls = fake.requests.length;
      const { out } = await run();
      assert.equal(out.by, 'template');
      assert.equal(fake.requests.length, calls);
    } finally {
      core = model;
    }
  });
});

test('the checks: resource links (also with a trailing dot), numbers from the facts only, placeholders', () => {
  const resources = ['https://example.com/playbook'];
  assert.equal(checkModelEmail({ subject: 'Hi', text: 'See https://example.com/playbook. We spoke about 120 people.' }, 'team of 120', resources), null);
  assert.match(checkModelEmail({ subject: 'Hi', text: 'See https://example.com/playbookx' }, '', resources)!, /not one of the resources/);
  assert.match(checkModelEmail({ subject: 'Save 20%', text: 'Hello' }, 'team of 120', resources)!, /number the facts do not contain: 20/);
  assert.match(checkModelEmail({ subject: 'Hi', text: 'Hello {company}' }, '', resources)!, /placeholder/);
});
