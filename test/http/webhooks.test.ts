/**
 * Webhooks over real HTTP against the running service: sources from a real triggers file,
 * requests signed with the `standardwebhooks` package as a sender would sign them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { getBlob } from '../../src/intake/blobs.ts';
import { getItem } from '../../src/intake/intake.ts';
import { defineWorkflow } from '../../src/engine/define.ts';
import { eventually, startTestService, type TestService } from './service.ts';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const TOKEN = 'alice:alice-secret-0123456789';

const signup = defineWorkflow({
  name: 'hook-signup',
  version: 1,
  input: z.object({ itemId: z.string().uuid(), email: z.string().email(), name: z.string().optional() }),
  async run(input) {
    return input;
  },
});

const anything = defineWorkflow({
  name: 'hook-any',
  version: 1,
  input: z.object({ itemId: z.string().uuid() }).loose(),
  async run(input) {
    return input;
  },
});

const TRIGGERS = `
webhooks:
  signup:
    workflow: hook-signup
    secret: \${HOOK_SECRET}
    map: { email: contact.email, name: contact.name }
  form:
    workflow: hook-any
  other-form:
    workflow: hook-any
`;

describe('webhooks against the running service', () => {
  let svc: TestService;
  const signer = new Webhook(SECRET);
  before(async () => {
    process.env.HOOK_SECRET = SECRET;
    svc = await startTestService({ env: { MAILROOM_API_TOKEN: TOKEN, HTTP_BODY_LIMIT: '4kb' }, triggers: TRIGGERS, workflows: [signup, anything] });
  });
  after(async () => svc?.close());

  const signed = (raw: string, id: string, at = new Date()) => ({
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer.sign(id, at, raw),
  });
  const itemCount = async () => (await svc.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM mailroom.items')).rows[0]!.n;
  const runOf = (id: string) => eventually(async () => {
    const { rows } = await svc.db.pool.query('SELECT * FROM mailroom.runs WHERE id = $1', [id]);
    return rows[0]?.state === 'completed' ? rows[0] : undefined;
  });

  test('a signed webhook has its raw body stored first, then starts its workflow with the mapped fields: 202 { run_id, duplicate: false }', async () => {
    const raw = '{ "contact": { "email": "ada@example.com", "name": "Ada" }, "extra": [1, 2, 3] }';
    const r = await svc.call('POST', '/webhook/signup', { raw, headers: signed(raw, 'msg_first') });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body).sort(), ['duplicate', 'run_id']);
    assert.equal(r.body.duplicate, false);
    const run = await runOf(r.body.run_id);
    assert.equal(run.input.email, 'ada@example.com');
    assert.equal(run.input.name, 'Ada');
    const item = (await getItem(svc.db.pool, run.input.itemId))!;
    assert.equal(item.kind, 'trigger');
    assert.deepEqual(item.source, { channel: 'webhook', source: 'signup', webhook_id: 'msg_first' });
    assert.equal((await getBlob(svc.db.pool, item.sha256))!.bytes.toString('utf8'), raw, 'the exact bytes, whitespace and all');
  });

  test('a replayed webhook-id returns the same run (duplicate: true); a new id with the same body is a new event', async () => {
    const raw = JSON.stringify({ contact: { email: 'grace@example.com' } });
    const first = await svc.call('POST', '/webhook/signup', { raw, headers: signed(raw, 'msg_replay') });
    const again = await svc.call('POST', '/webhook/signup', { raw, headers: signed(raw, 'msg_replay') });
    assert.equal(again.status, 202);
    assert.deepEqual(again.body, { run_id: first.body.run_id, duplicate: true });
    const fresh = await svc.call('POST', '/webhook/signup', { raw, headers: signed(raw, 'msg_replay_2') });
    assert.equal(fresh.body.duplicate, false);
    assert.notEqual(fresh.body.run_id, first.body.run_id);
  });

  test('forged, stale and unsigned requests to a signed source get 401 and store nothing', async () => {
    const raw = JSON.stringify({ contact: { email: 'mallory@example.com' } });
    const items = await itemCount();
    const forged = { ...signed(raw, 'msg_forged'), 'webhook-signature': new Webhook('whsec_' + Buffer.from('another-secret-key').toString('base64')).sign('msg_forged', new Date(), raw) };
    const tampered = signed(raw, 'msg_tampered');
    const answers = [
      await svc.call('POST', '/webhook/signup', { raw, headers: forged }),
      await svc.call('POST', '/webhook/signup', { raw: raw.replace('mallory', 'trudy'), headers: tampered }),
      await svc.call('POST', '/webhook/signup', { raw, headers: signed(raw, 'msg_stale', new Date(Date.now() - 6 * 60_000)) }),
      await svc.call('POST', '/webhook/signup', { raw, headers: { 'content-type': 'application/json' } }),
      await svc.call('POST', '/webhook/signup', { raw, token: TOKEN, headers: { 'content-type': 'application/json' } }),
    ];
    assert.deepEqual(answers.map((a) => a.status), [401, 401, 401, 401, 401]);
    assert.match(answers[0]!.body.error, /signature does not match/);
    assert.match(answers[2]!.body.error, /stale signature/);
    assert.match(answers[3]!.body.error, /missing Standard Webhooks headers/);
    assert.equal(await itemCount(), items, 'nothing stored');
  });

  test('a source without a secret takes the API token and records the caller on the item and the run', async () => {
    const body = { email: 'form@example.com', plan: 'pro' };
    assert.equal((await svc.call('POST', '/webhook/form', { body })).status, 401);
    assert.equal((await svc.call('POST', '/webhook/form', { body, token: 'alice:wrong-secret-0123456789' })).status, 401);
    const r = await svc.call('POST', '/webhook/form', { body, token: TOKEN });
    assert.equal(r.status, 202);
    const run = await runOf(r.body.run_id);
    assert.equal(run.started_by, 'api:alice');
    assert.equal(run.input.plan, 'pro', 'without a map the top-level fields are the input');
    const item = (await getItem(svc.db.pool, run.input.itemId))!;
    assert.deepEqual(item.source, { channel: 'webhook', source: 'form', caller: 'api:alice' });
  });

  test('without a webhook-id the same body to one source is a duplicate, while the same body to another source is its own run', async () => {
    const body = { ping: true };
    const a = await svc.call('POST', '/webhook/form', { body, token: TOKEN });
    const a2 = await svc.call('POST', '/webhook/form', { body, token: TOKEN });
    const b = await svc.call('POST', '/webhook/other-form', { body, token: TOKEN });
    assert.deepEqual(a2.body, { run_id: a.body.run_id, duplicate: true });
    assert.equal(b.body.duplicate, false);
    assert.notEqual(b.body.run_id, a.body.run_id);
  });

  test('a body field named itemId cannot point the run at another item', async () => {
    const r = await svc.call('POST', '/webhook/form', { body: { itemId: '00000000-0000-4000-8000-000000000000', note: 'sneaky' }, token: TOKEN });
    const run = await runOf(r.body.run_id);
    assert.notEqual(run.input.itemId, '00000000-0000-4000-8000-000000000000');
    assert.ok(await getItem(svc.db.pool, run.input.itemId));
  });

  test('bad input gets a clear answer and nothing else: 404, 413, 415, 400, 422', async () => {
    const items = await itemCount();
    const unknown = await svc.call('POST', '/webhook/nowhere', { body: {}, token: TOKEN });
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'unknown webhook source "nowhere"']);

    const big = JSON.stringify({ contact: { email: 'big@example.com' }, pad: 'x'.repeat(5000) });
    const tooBig = await svc.call('POST', '/webhook/signup', { raw: big, headers: signed(big, 'msg_big') });
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.body.error, /HTTP_BODY_LIMIT/);
    // Without Content-Length (chunked), the limit is enforced while reading.
    const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const chunked = await fetch(`${svc.base}/webhook/form`, { method: 'POST', body: stream, duplex: 'half', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } } as RequestInit);
    assert.equal(chunked.status, 413);

    const xml = '<lead/>';
    const wrongType = await svc.call('POST', '/webhook/signup', { raw: xml, headers: { ...signed(xml, 'msg_xml'), 'content-type': 'application/xml' } });
    assert.equal(wrongType.status, 415);
    const noType = await svc.call('POST', '/webhook/form', { raw: '{}', token: TOKEN });
    assert.equal(noType.status, 415);

    const broken = '{"contact": {"email": ';
    const notJson = await svc.call('POST', '/webhook/signup', { raw: broken, headers: signed(broken, 'msg_broken') });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error, /not valid JSON/);

    const invalid = JSON.stringify({ contact: { email: 'not-an-address' } });
    const unfit = await svc.call('POST', '/webhook/signup', { raw: invalid, headers: signed(invalid, 'msg_invalid') });
    assert.equal(unfit.status, 422);
    assert.deepEqual(unfit.body.issues.map((i: { path: string; body_path?: string }) => [i.path, i.body_path]), [['email', 'contact.email']]);

    for (const r of [unknown, tooBig, wrongType, notJson, unfit]) assert.doesNotMatch(JSON.stringify(r.body), /\n\s+at |node_modules|\.ts:\d+/, 'no stack trace');
    assert.equal(await itemCount(), items, 'nothing stored for a refused request');
  });
});
