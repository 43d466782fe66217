/**
 * An invoice shared in a Slack intake channel goes through the whole service, and the thread
 * that started it hears how it is going.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import fs from 'node:fs';
import { eventually, startTestService, type TestService } from '../harness/service.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

describe('Slack intake through the whole service', { skip: needsShared }, () => {
  let svc: TestService;
  before(async () => {
    svc = await startTestService({ SLACK_APPROVERS: 'U_LEAD' }, { slack: true, kb: true });
  });
  after(async () => svc.close());

  test('a PDF invoice shared in the intake channel is read, sent for approval, and the thread is told', async () => {
    const pdf = (await simpleParser(fs.readFileSync(sharedData('samples', '02-invoice-text.eml')))).attachments[0]!.content;
    svc.slack.files.set('INV-218669.pdf', pdf);
    const res = await svc.slackEvent({ type: 'message', subtype: 'file_share', channel: 'C_IN', user: 'U_AP', text: '', ts: '77.1', channel_type: 'channel', files: [{ id: 'F9', name: 'INV-218669.pdf', mimetype: 'application/pdf', size: pdf.length, url_private: `${svc.slack.base}/files/INV-218669.pdf` }] }, 'EvX');
    assert.equal(res.status, 200);
    const threadOf = () => svc.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === '77.1').map((c) => String(c.body.text));
    const thread = await eventually('progress in the thread', () => (threadOf().some((t) => /Read invoice/.test(t)) ? threadOf() : undefined)).catch(() => threadOf());
    assert.ok(thread.some((t) => /started/.test(t)), 'the thread names the run');
    assert.ok(thread.some((t) => /Read invoice INV-218669: 1145\.86 USD/.test(t)), `progress in the thread: ${thread.join(' | ')}`);
    assert.ok(await eventually('the approval request', () => svc.slack.calls.some((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP')), 'the approval request was posted');
  });

  test('a question asked in Slack gets a drafted answer, approved with a click, posted in its thread', async () => {
    await svc.slackEvent({ type: 'message', channel: 'C_IN', user: 'U_ASKER', text: 'How do I export my reports as CSV? I could not find the option.', ts: '88.1', channel_type: 'channel' }, 'EvQ');
    const request = await eventually('an approval for the Slack reply', () => svc.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C_AP' && /Slack thread/.test(String(c.body.text))));
    await svc.click('U_LEAD', request.body.blocks.find((b: any) => b.type === 'actions').elements[0]);
    const answer = await eventually('the answer in the thread', () => svc.slack.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts === '88.1' && /Export/.test(String(c.body.text))));
    assert.ok(answer, 'the approved answer was posted in the asker\'s thread');
    assert.match(String(answer!.body.text), /Exporting reports as CSV/);
  });
});
