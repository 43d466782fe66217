/**
 * The support SLA: a request nobody answers within its priority's SLA is reminded and escalated
 * to the support leads (policy file with a short SLA, the service's own wiring).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/main.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

describe('support SLA', { skip: needsShared }, () => {
  let db: TestDatabase;
  let app: App;
  let inbox: string;
  before(async () => {
    db = await testDatabase();
    const dir = makeTempDir('mailroom-sla-');
    inbox = path.join(dir, 'inbox');
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, 'groups:\n  support-leads: [U_LEAD]\nsupport:\n  approvers: [cli:*]\n  sla: { urgent: 1s, high: 1s, normal: 1s, low: 1s }\n');
    app = await createApp(loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dir, PORT: '0', MAILROOM_POLICY: policy }), pino({ level: 'silent' }), 'service');
  });
  after(async () => {
    await app.stop();
    await db.close();
  });

  test('past the SLA the request is reminded and escalated to the support leads', async () => {
    fs.copyFileSync(sharedData('samples', '09-support-feature_request.eml'), path.join(inbox, '09.eml'));
    let approval;
    for (let i = 0; i < 300 && !approval?.escalated_at; i++) {
      approval = (await listApprovals(db.pool)).find((a) => a.kind === 'support.reply');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(approval?.reminded_at, 'reminded');
    assert.ok(approval?.escalated_at, 'escalated');
    assert.deepEqual(approval!.escalation, ['U_LEAD']);
    const d = await db.pool.query(`SELECT parameters FROM mailroom.decisions WHERE run_id = $1 AND action = 'approval.reminded'`, [approval!.run_id]);
    assert.equal(d.rows[0].parameters.escalated, true);
    assert.equal(approval!.status, 'pending', 'still waiting for a person, now with the leads too');
  });
});
