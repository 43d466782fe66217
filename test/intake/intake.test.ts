import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineWorkflow } from '../../src/engine/define.ts';
import { getBlob } from '../../src/intake/blobs.ts';
import { createIntake, getItem, normaliseMessageId, type Intake } from '../../src/intake/intake.ts';
import { engineFixture, type EngineFixture } from '../engine/harness.ts';

const sink = defineWorkflow({
  name: 'sink',
  version: 1,
  input: z.object({ itemId: z.string() }),
  async run(input) {
    return { seen: input.itemId };
  },
});

const raw = (id: string, body = 'hello') => Buffer.from(`Message-ID: ${id}\r\nFrom: a@example.com\r\nSubject: hi\r\n\r\n${body}\r\n`);

describe('intake', () => {
  let fx: EngineFixture;
  let intake: Intake;
  before(async () => {
    fx = await engineFixture([sink]);
    intake = createIntake({ pool: fx.db.pool, engine: fx.engine, workflowFor: (item) => (item.kind === 'email' ? 'sink' : undefined) });
  });
  after(async () => fx.close());

  test('the raw bytes are stored before the run starts, and the run gets the item', async () => {
    const bytes = raw('<one@example.com>');
    const r = await intake.accept({ kind: 'email', bytes, dedupeKey: normaliseMessageId('<one@EXAMPLE.com>'), source: { channel: 'test' } });
    assert.equal(r.duplicate, false);
    assert.ok(r.runId);
    const item = await getItem(fx.db.pool, r.itemId);
    assert.deepEqual((await getBlob(fx.db.pool, item!.sha256))!.bytes, bytes);
    assert.equal(await fx.engine.waitForRun(r.runId!), 'completed');
  });

  test('the same Message-ID delivered twice (different bytes) starts no second run', async () => {
    const a = await intake.accept({ kind: 'email', bytes: raw('<two@example.com>', 'first copy'), dedupeKey: normaliseMessageId('<two@example.com>'), source: { channel: 'imap' } });
    const b = await intake.accept({ kind: 'email', bytes: raw('<two@example.com>', 'relayed copy'), dedupeKey: normaliseMessageId('two@EXAMPLE.COM'), source: { channel: 'folder' } });
    assert.equal(b.duplicate, true);
    assert.equal(b.runId, a.runId);
  });

  test('the same bytes delivered concurrently start one run', async () => {
    const bytes = raw('<three@example.com>');
    const results = await Promise.all([1, 2, 3].map(() => intake.accept({ kind: 'email', bytes, source: { channel: 'imap' } })));
    assert.equal(new Set(results.map((r) => r.runId)).size, 1);
    assert.equal(results.filter((r) => !r.duplicate).length, 1);
  });

  test('an item no workflow handles is stored, with no run', async () => {
    const r = await intake.accept({ kind: 'trigger', bytes: Buffer.from('{"x":1}'), source: { channel: 'test' } });
    assert.equal(r.runId, null);
    assert.equal((await getItem(fx.db.pool, r.itemId))!.kind, 'trigger');
  });
});
