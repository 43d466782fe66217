/**
 * The satisfaction survey through the whole service: after an approved answer, the question is
 * mailed in the customer's language; their reply to that message is matched by its Message-ID,
 * handed to the waiting support run (not routed as a new request), read as a rating, stored
 * with the team, and counted per team.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { pino } from 'pino';
import { castVote, listApprovals } from '../../src/approvals/store.ts';
import { loadConfig } from '../../src/config.ts';
import { readArticles, upsertArticles } from '../../src/data/kb.ts';
import { satisfactionByTeam } from '../../src/data/surveys.ts';
import { createApp, type App } from '../../src/main.ts';
import type { RouterOutput } from '../../src/workflows/router/router.ts';
import { makeTempDir, testDatabase, type TestDatabase } from '../harness/postgres.ts';
import { needsShared, repoRoot, sharedData } from '../harness/shared.ts';
import { startSmtpSink, type SmtpSink } from '../harness/smtp-sink.ts';

describe('satisfaction survey', { skip: needsShared }, () => {
  let db: TestDatabase;
  let smtp: SmtpSink;
  let app: App;
  before(async () => {
    db = await testDatabase();
    smtp = await startSmtpSink();
    const dir = makeTempDir('mailroom-survey-');
    const policy = path.join(dir, 'policy.yaml');
    fs.writeFileSync(policy, 'support:\n  survey_after: 1s\n  survey_window: 1h\n');
    app = await createApp(
      loadConfig({ DATABASE_URL: db.url, MAILROOM_DATA_DIR: dir, PORT: '0', SMTP_URL: smtp.url, MAIL_FROM: 'Mailroom <support@mailroom.example>', MAILROOM_POLICY: policy }),
      pino({ level: 'silent' }),
      'service',
    );
    await upsertArticles(db.pool, readArticles(path.join(repoRoot, 'examples', 'data', 'kb')));
  });
  after(async () => {
    await app.stop();
    await smtp.close();
    await db.close();
  });

  test('the survey goes out in the customer’s language, and their reply is read as a rating for the team', async () => {
    const { runId: routerRun } = await app.intake.accept({ kind: 'email', bytes: fs.readFileSync(sharedData('samples', '12-support-account.eml')), source: { channel: 'test' } });
    await app.engine.waitForRun(routerRun!, { states: ['completed', 'failed'] });
    const supportRun = ((await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [routerRun])).rows[0].output as RouterOutput).childRunId!;
    let approval;
    for (let i = 0; i < 300 && !approval; i++) {
      approval = (await listApprovals(db.pool, { status: 'pending' })).find((a) => a.run_id === supportRun);
      if (!approval) await new Promise((r) => setTimeout(r, 50));
    }
    await castVote(db.pool, { approvalId: approval!.id, approver: 'cli:op', decision: 'approve', channel: 'cli', version: approval!.version }, (tx, n, k, p, s) => app.engine.sendEventInTransaction(tx, n, k, p, s));

    let survey;
    for (let i = 0; i < 300 && !survey; i++) {
      survey = smtp.messages.find((m) => /Wie zufrieden/.test(m.text));
      if (!survey) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(survey, 'the survey reached the customer, in German');
    const customer = survey!.to[0]!;
    const reply = await new MailComposer({
      from: customer, to: 'support@mailroom.example', subject: `Re: ${survey!.headers.subject}`, messageId: '<answer-1@customer.example>',
      inReplyTo: survey!.headers.messageId, references: [survey!.headers.messageId!],
      text: `Vier Sterne, schnell und hilfreich.\n\nAm 01.12.2026 um 10:00 schrieb Support <support@mailroom.example>:\n> ${survey!.text.replace(/\n/g, '\n> ')}`,
    }).compile().build();
    const { runId: replyRouter } = await app.intake.accept({ kind: 'email', bytes: reply, source: { channel: 'test' } });
    await app.engine.waitForRun(replyRouter!, { states: ['completed', 'failed'] });
    const routed = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [replyRouter])).rows[0].output as RouterOutput;
    assert.deepEqual([routed.route, routed.childRunId], ['reply', supportRun], 'the answer went to the run that asked, not to a new workflow');

    assert.equal(await app.engine.waitForRun(supportRun, { states: ['completed', 'failed'], timeoutMs: 20_000 }), 'completed');
    const out = (await db.pool.query('SELECT output FROM mailroom.runs WHERE id = $1', [supportRun])).rows[0].output;
    assert.equal(out.survey.rating, 4);
    const decisions = (await db.pool.query(`SELECT action, parameters FROM mailroom.decisions WHERE run_id = $1 AND action LIKE 'survey.%'`, [supportRun])).rows;
    assert.deepEqual(decisions.map((d) => [d.action, d.parameters.rating]), [['survey.answered', 4]]);
    const teams = await satisfactionByTeam(db.pool, 30);
    assert.equal(teams.length, 1);
    assert.deepEqual({ ...teams[0], team: undefined }, { team: undefined, asked: 1, answered: 1, average: 4, satisfied_share: 1 });
  });
});
