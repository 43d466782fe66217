/**
 * Model faults through the whole service: the real Anthropic SDK against the local Messages API,
 * which answers every fifth call with a fault in turn — 429 with retry-after, 529 overloaded,
 * 500, and a call that never answers. A batch of support mails and invoices still ends with every
 * run completed or waiting for a person; the 429s were retried no sooner than they asked, the
 * hung calls were given up after the client timeout, and no run was left running.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../src/main.ts';
import { startFakeAnthropic, type FakeAnthropic, type RecordedRequest, type Reply } from '../fakes/anthropic-server.ts';
import { testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared } from '../harness/shared.ts';
import { pendingApprovals, sampleMail, settle, startService, submitMail, unsettledRuns, type Settled } from './service.ts';

const RETRY_AFTER_S = 2;
const TIMEOUT_MS = 1500;
const SUPPORT = ['09-support-feature_request.eml', '10-support-technical.eml', '11-support-technical.eml', '12-support-account.eml', '13-support-complaint.eml'];
const INVOICES = ['01-invoice-text.eml', '02-invoice-text.eml', '04-invoice-forward.eml', '14-invoice-injection.eml'];

/** An honest model: invoices are invoices, support mail is support; it reads no fields from documents. */
function model(body: any): Reply {
  const tool = body.tool_choice?.name as string | undefined;
  const item = JSON.stringify(body.messages);
  if (tool === 'triage_decision') {
    const invoice = /invoice|rechnung|facture|\.pdf/i.test(item);
    return {
      toolUse: {
        name: 'triage_decision',
        input: {
          route: invoice ? 'invoice' : 'support', route_reason: invoice ? 'a bill addressed to us' : 'a customer asks for help',
          category: invoice ? null : 'technical', priority: invoice ? null : 'normal', language: 'en', sentiment: 'neutral',
          solvable: invoice ? null : true, injection_suspected: false, confidence: 0.9, reasoning: 'read from the subject and body',
        },
      },
    };
  }
  if (tool === 'invoice_fields') {
    return { toolUse: { name: 'invoice_fields', input: { vendor: null, invoice_number: null, invoice_date: null, due_date: null, po_number: null, currency: null, subtotal: null, tax: null, total: null, iban: null } } };
  }
  if (tool === 'draft_reply') {
    return { toolUse: { name: 'draft_reply', input: { reply: 'Thank you for writing. Open Reports and choose Export.', cited_article_ids: [], articles_answer_question: true, confidence: 0.8, confidence_reason: 'the article answers it' } } };
  }
  return { text: 'Thank you for writing. Here is how to do it: open Reports, choose Export.' };
}

/** The next call with the same request body: the SDK's (or the engine's) retry of `r`. */
const retryOf = (requests: RecordedRequest[], r: RecordedRequest) => {
  const body = JSON.stringify(r.body);
  return requests.slice(requests.indexOf(r) + 1).find((x) => JSON.stringify(x.body) === body);
};

describe('model faults: 429, 529, 500 and hangs on a fifth of the calls', { skip: needsShared, timeout: 600_000 }, () => {
  let db: TestDatabase;
  let fake: FakeAnthropic;
  let app: App;
  const settled: Settled[] = [];

  before(async () => {
    db = await testDatabase();
    fake = await startFakeAnthropic(model, { faults: { rate: 0.2, retryAfterSeconds: RETRY_AFTER_S } });
    app = await startService(db, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, LLM_TIMEOUT_MS: String(TIMEOUT_MS), LLM_MAX_RETRIES: '4' });
    // Two copies of each support mail (distinct messages) and the invoices, all at once.
    const mails = [...SUPPORT.map((s) => sampleMail(s, 1)), ...SUPPORT.map((s) => sampleMail(s, 2)), ...INVOICES.map((s) => sampleMail(s))];
    const runs = await Promise.all(mails.map((m) => submitMail(app, m)));
    settled.push(...(await Promise.all(runs.map((r) => settle(app, r.runId, 480_000)))));
  });
  after(async () => {
    await app?.stop();
    await fake?.close();
    await db?.close();
  });

  test('every fault kind was served', () => {
    const served = new Set(fake.requests.map((r) => r.fault).filter(Boolean));
    assert.deepEqual([...served].sort(), ['429', '500', '529', 'hang']);
    const share = fake.requests.filter((r) => r.fault).length / fake.requests.length;
    assert.ok(share >= 0.15 && share <= 0.25, `fault share ${share}`);
  });

  test('every item ends completed or with a person: no run failed, none is still running', async () => {
    assert.equal(settled.length, SUPPORT.length * 2 + INVOICES.length);
    for (const s of settled) {
      assert.ok(s.routerState === 'completed' || s.routerState === 'waiting', `router ${s.routerRunId}: ${s.routerState}`);
      if (s.childRunId) assert.ok(s.childState === 'completed' || s.childState === 'waiting', `${s.childWorkflow} ${s.childRunId}: ${s.childState}`);
      if (s.waitingRunId) assert.ok((await pendingApprovals(app, s.waitingRunId)).length >= 1, `run ${s.waitingRunId} waits for a person`);
    }
    assert.deepEqual(await unsettledRuns(app), []);
    const failed = await db.pool.query(`SELECT id, workflow, error->>'message' AS error FROM mailroom.runs WHERE state = 'failed'`);
    assert.deepEqual(failed.rows, []);
    const routes = settled.map((s) => s.childWorkflow).sort();
    assert.deepEqual(routes, [...INVOICES.map(() => 'invoice'), ...SUPPORT.flatMap(() => ['support', 'support'])].sort(), 'each item reached its workflow');
  });

  test('the model really decided each triage despite the faults (no silent fallback)', async () => {
    const { rows } = await db.pool.query(`SELECT run_id, provider FROM mailroom.decisions WHERE action = 'triage'`);
    const byRun = new Map(rows.map((r) => [r.run_id, r.provider]));
    for (const s of settled) assert.equal(byRun.get(s.routerRunId), 'anthropic', `triage of ${s.routerRunId}`);
  });

  test('a 429 is retried no sooner than its retry-after, by the times the fake recorded', () => {
    const limited = fake.requests.filter((r) => r.fault === '429');
    assert.ok(limited.length >= 1);
    for (const r of limited) {
      const retry = retryOf(fake.requests, r);
      assert.ok(retry, 'the rate-limited call was retried');
      assert.ok(retry.at! - r.at! >= RETRY_AFTER_S * 1000, `retried after ${retry.at! - r.at!} ms, asked for ${RETRY_AFTER_S * 1000}`);
    }
  });

  test('a call that never answers is given up after the client timeout and retried', () => {
    const hung = fake.requests.filter((r) => r.fault === 'hang');
    assert.ok(hung.length >= 1);
    for (const r of hung) {
      const retry = retryOf(fake.requests, r);
      assert.ok(retry, 'the hung call was retried');
      assert.ok(retry.at! - r.at! >= TIMEOUT_MS, `retried after ${retry.at! - r.at!} ms`);
    }
  });
});

describe('the model unreachable for good', { skip: needsShared, timeout: 300_000 }, () => {
  let db: TestDatabase;
  let fake: FakeAnthropic;
  let app: App;
  /** What is down: every call (overloaded, erroring or hanging in turn), or only the reply drafts. */
  let down: 'everything' | 'drafts' = 'everything';
  before(async () => {
    db = await testDatabase();
    fake = await startFakeAnthropic((body, n) => {
      const draft = body.tool_choice?.name === 'draft_reply';
      if (down === 'drafts' && !draft) return model(body);
      return n % 3 === 0 ? { status: 529 } : n % 3 === 1 ? { ...model(body), delayMs: 30_000 } : { status: 500 };
    });
    app = await startService(db, { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.url, LLM_TIMEOUT_MS: String(TIMEOUT_MS), LLM_MAX_RETRIES: '1' });
  });
  after(async () => {
    await app?.stop();
    await fake?.close();
    await db?.close();
  });

  test('a mail whose triage cannot be had does not wait forever or fail unseen: after the retries a person routes it, told why', async () => {
    down = 'everything';
    const { runId } = await submitMail(app, sampleMail('10-support-technical.eml', 9));
    const s = await settle(app, runId, 240_000);
    assert.equal(s.routerState, 'waiting', `router ${s.routerState}`);
    const [approval] = await pendingApprovals(app, runId);
    assert.equal(approval?.kind, 'triage');
    assert.match(approval!.request.reasoning, /model could not be reached/);
    const failedSteps = await db.pool.query(`SELECT step_id, error->>'message' AS message FROM mailroom.steps WHERE run_id = $1 AND status = 'failed'`, [runId]);
    assert.ok(failedSteps.rows.length >= 1, 'the failed model call is kept in the trace');
    assert.deepEqual(await unsettledRuns(app), []);
  });

  test('a support request whose draft cannot be written goes to a person to write the reply, not to a failed run', async () => {
    down = 'drafts';
    const { runId } = await submitMail(app, sampleMail('10-support-technical.eml', 10));
    const s = await settle(app, runId, 240_000);
    assert.equal(s.childWorkflow, 'support');
    assert.equal(s.childState, 'waiting', `support ${s.childState}`);
    const [approval] = await pendingApprovals(app, s.childRunId!);
    assert.equal(approval?.kind, 'support.reply');
    assert.equal(approval!.request.proposal.draft, '', 'a person writes the reply');
    assert.ok(approval!.request.reasons.some((r: string) => /draft could not be written/.test(r)), approval!.request.reasons.join('; '));
  });
});
