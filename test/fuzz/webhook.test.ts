/**
 * Fuzzing webhook bodies over real HTTP (POST /webhook/:source on the running service) with
 * mutated lead submissions from ../shared/data/leads: broken JSON, deep nesting, huge strings,
 * prototype keys. A source called with the API token takes the whole body as input; a signed
 * source maps fields, and each mutated body is signed as a sender would sign it, so it reaches
 * the parser. Every request is answered without a server error and in time; an accepted one has
 * its exact bytes stored and its run ends; a refused one leaves nothing behind.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { getBlob } from '../../src/intake/blobs.ts';
import { getItem } from '../../src/intake/intake.ts';
import { needsShared } from '../harness/shared.ts';
import { eventually, startTestService, type TestService } from '../http/service.ts';
import { jsonCorpus, jsonFormat } from './corpora.ts';
import { fuzzParameters, postOnce, suiteTimeout, watchCrashes, within } from './fuzz.ts';
import { applyPlan, describePlan, planArbitrary, type Plan } from './mutations.ts';

/**
 * Found by this fuzzer, each answered 500 (so the sender could never deliver it): a lone surrogate
 * escape (and likewise \u0000) parses in JavaScript but PostgreSQL's jsonb refuses it; a body
 * nested a few thousand deep overflowed the stack.
 */
const REGRESSIONS: Array<[Plan, boolean]> = [
  [{ file: 0, mutations: [{ insert: 633426378, token: '\\ud800' }] }, false],
  [{ file: 0, mutations: [{ insert: 633426378, token: '\\u0000' }] }, true],
  [{ file: 0, mutations: [{ nest: 2195 }] }, false],
];

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'fuzz:fuzz-secret-0123456789';
const ANSWERS = [202, 400, 413, 422];

const lead = defineWorkflow({
  name: 'fuzz-lead',
  version: 1,
  input: z.object({ itemId: z.string().uuid(), email: z.string().email(), name: z.string().optional(), activity: z.array(z.unknown()).optional() }),
  async run(input) {
    return { email: input.email };
  },
});
const anything = defineWorkflow({
  name: 'fuzz-any',
  version: 1,
  input: z.object({ itemId: z.string().uuid() }).loose(),
  async run(input) {
    return { keys: Object.keys(input).length };
  },
});

describe('fuzz: webhook bodies through POST /webhook/:source', { skip: needsShared, timeout: suiteTimeout(600_000) }, () => {
  let svc: TestService;
  const signer = new Webhook(SECRET);
  before(async () => {
    process.env.FUZZ_HOOK_SECRET = SECRET;
    svc = await startTestService({
      env: { MAILROOM_API_TOKEN: TOKEN, HTTP_BODY_LIMIT: '1mb' },
      triggers: `webhooks:\n  signed:\n    workflow: fuzz-lead\n    secret: \${FUZZ_HOOK_SECRET}\n    map: { email: email, name: name, activity: activity }\n  form:\n    workflow: fuzz-any\n`,
      workflows: [lead, anything],
    });
  });
  after(async () => svc?.close());

  test('every mutated body is answered 202, 400, 413 or 422 in time; accepted bodies are stored exactly and their runs end; refused ones leave nothing', async (t) => {
    const corpus = jsonCorpus();
    const watch = watchCrashes();
    const items = async () => (await svc.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mailroom.items')).rows[0]!.n;
    const statuses = new Map<string, number>();
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(planArbitrary(corpus.files.length, jsonFormat), fc.boolean(), async (plan, signed) => {
          const raw = applyPlan(corpus.files, plan, jsonFormat);
          const what = `${signed ? 'signed' : 'form'}: ${describePlan(corpus.names, plan)}`;
          const id = `msg_fuzz_${++n}`;
          const headers: Record<string, string> = signed
            ? { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': signer.sign(id, new Date(), raw.toString('utf8')) }
            : { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
          const before = await items();
          const r = await within(15_000, what, async () => {
            const answer = await postOnce(`${svc.base}${signed ? '/webhook/signed' : '/webhook/form'}`, raw, headers);
            return { status: answer.status, body: answer.body ? JSON.parse(answer.body) : {} };
          });
          statuses.set(`${signed ? 'signed' : 'form'} ${r.status}`, (statuses.get(`${signed ? 'signed' : 'form'} ${r.status}`) ?? 0) + 1);
          assert.ok(ANSWERS.includes(r.status), `${what}: answered ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
          if (r.status !== 202) {
            assert.equal(await items(), before, `${what}: a refused request leaves nothing behind`);
            assert.equal(typeof r.body.error, 'string');
            return;
          }
          const run = await eventually(async () => {
            const { rows } = await svc.db.pool.query(`SELECT state, input, error FROM mailroom.runs WHERE id = $1`, [r.body.run_id]);
            return ['completed', 'failed'].includes(rows[0]?.state) ? rows[0] : undefined;
          }, 20_000, `the run of ${what}`);
          if (r.body.duplicate) return;
          assert.equal(run.state, 'completed', `${what}: ${JSON.stringify(run.error)}`);
          const item = (await getItem(svc.db.pool, run.input.itemId))!;
          assert.ok((await getBlob(svc.db.pool, item.sha256))!.bytes.equals(raw), `${what}: the exact bytes are stored`);
        }),
        fuzzParameters(60, 40_000, REGRESSIONS),
      );
    } finally {
      watch.stop();
    }
    t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.deepEqual(watch.crashes, []);
  });

  test('regression: a body whose text jsonb cannot hold, or that nests too deep, is refused with 400 naming why, and nothing is stored', async () => {
    const before = (await svc.db.pool.query('SELECT count(*)::int AS n FROM mailroom.items')).rows[0].n;
    const r = await svc.call('POST', '/webhook/form', { raw: '{"email":"a@example.com","note":"x\\ud800y"}', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 400);
    assert.match(r.body.error, /body text at note holds/);
    const deep = await svc.call('POST', '/webhook/form', { raw: `{"email":"a@example.com","deep":${'['.repeat(3000)}${']'.repeat(3000)}}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    assert.equal(deep.status, 400);
    assert.match(deep.body.error, /nests deeper than 100 levels/);
    assert.equal((await svc.db.pool.query('SELECT count(*)::int AS n FROM mailroom.items')).rows[0].n, before);
  });
});
