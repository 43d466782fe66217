/**
 * An invoice whose attachment cannot be read (a corrupt PDF) is not dropped as "not an invoice":
 * a person is asked, with empty fields to fill in and the reason in front of them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import MailComposer from 'nodemailer/lib/mail-composer';
import { pino } from 'pino';
import { listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import type { RouterOutput } from '../../src/workflows/router/router.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';

describe('an invoice attachment that cannot be read', () => {
  let db: TestDatabase;
  let app: App;
  before(async () => {
    db = await testDatabase();
    app = await createApp(loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: makeTempDir('mailroom-unreadable-'), PORT: '0' }), pino({ level: 'silent' }), 'service');
  });
  after(async () => {
    await app?.stop();
    await db?.close();
  });

  test('goes to a person for review with empty fields and the reason, instead of ending as "not an invoice"', async () => {
    const corrupt = Buffer.concat([Buffer.from('%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n'), Buffer.alloc(2048, 0x8f)]);
    const bytes = await new MailComposer({
      from: 'billing@vendor.example', to: 'ap@mailroom.example', subject: 'Invoice INV-2291', messageId: '<inv-2291@vendor.example>',
      text: 'Please find our invoice attached.', attachments: [{ filename: 'INV-2291.pdf', content: corrupt, contentType: 'application/pdf' }],
    }).compile().build();
    const { runId } = await app.intakeWith({ workflow: 'invoice' }).accept({ kind: 'email', bytes, source: { channel: 'test' } });
    await app.engine.waitForRun(runId!, { states: ['completed', 'failed'], timeoutMs: 60_000 });
    const routed = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [runId])).rows[0].output as RouterOutput;
    assert.equal(routed.route, 'invoice');
    let approval;
    for (let i = 0; i < 600 && !approval; i++) {
      approval = (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.run_id === routed.childRunId);
      if (!approval) {
        const state = (await db.pool.query('SELECT state, output FROM mailroom.runs WHERE id = $1', [routed.childRunId])).rows[0];
        assert.ok(state.state !== 'completed' && state.state !== 'failed', `the invoice run ended without asking anyone: ${JSON.stringify(state.output)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(approval, 'a person is asked');
    assert.match(approval!.request.reasons.join(' '), /INV-2291\.pdf could not be read/);
    assert.equal(approval!.request.fields?.total, null);
    await app.engine.cancelRun(routed.childRunId!);
  });
});
