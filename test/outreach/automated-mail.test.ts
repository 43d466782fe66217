import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseEmailCore } from '../../src/channels/email/parse-core.ts';
import { classifyAutomatedMail, type AutomatedMail, type ClassifiableMail } from '../../src/outreach/automated-mail.ts';
import { findReturnDate } from '../../src/outreach/auto-reply.ts';

const DIR = '/work/shared/data/bounces';
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.eml')).sort() : [];
const expectedKind = (f: string) => (f.startsWith('arf-') ? 'complaint' : f.startsWith('rfc3834-') ? 'auto_reply' : 'bounce');

async function classifyFile(name: string): Promise<AutomatedMail> {
  return classifyAutomatedMail(await parseEmailCore(fs.readFileSync(path.join(DIR, name))));
}

const mail = (over: Partial<ClassifiableMail>): ClassifiableMail => ({
  from: { address: 'anna@example.com', name: 'Anna' },
  subject: 'Question about pricing',
  text: 'Hello, how much is it for 20 seats?',
  headers: {},
  date: '2025-03-10T09:00:00.000Z',
  inReplyTo: null,
  references: [],
  report: null,
  ...over,
});

test('every file of the bounce corpus is classified without throwing, and each kind is recognised', { skip: !files.length && 'corpus not present' }, async () => {
  const tally: Record<string, { total: number; right: number }> = {};
  for (const f of files) {
    const kind = expectedKind(f);
    const r = await classifyFile(f);
    const t = (tally[kind] ??= { total: 0, right: 0 });
    t.total++;
    // An unsubscribe sent by mail (Apple Mail's, in the ARF set) is the same signal as a complaint: stop mailing.
    if (r.kind === kind || (kind === 'complaint' && r.kind === 'unsubscribe')) t.right++;
  }
  assert.ok(tally.bounce!.right / tally.bounce!.total >= 0.97, `bounces: ${JSON.stringify(tally.bounce)}`);
  assert.ok(tally.complaint!.right / tally.complaint!.total >= 0.9, `complaints: ${JSON.stringify(tally.complaint)}`);
  assert.equal(tally.auto_reply!.right, tally.auto_reply!.total, `auto-replies: ${JSON.stringify(tally.auto_reply)}`);
});

test('an RFC 3464 report gives the status, the failed recipient, and the hard/soft class', { skip: !files.length && 'corpus not present' }, async () => {
  const r = await classifyFile('rfc3464-01.eml');
  assert.equal(r.kind, 'bounce');
  assert.ok(r.kind === 'bounce' && r.hard);
  assert.equal(r.kind === 'bounce' && r.status, '5.1.1');
  assert.equal(r.kind === 'bounce' && r.recipient, 'userunknown@bouncehammer.jp');
  const soft = await classifyFile('lhost-postfix-08.eml');
  assert.ok(soft.kind === 'bounce' && !soft.hard && soft.status.startsWith('4.'), JSON.stringify(soft));
  assert.equal(soft.kind === 'bounce' && soft.delayed, false, 'Action: failed: the relay gave up, the message is returned');
});

test('a delivery-delayed warning is a soft bounce marked delayed (the reporting server keeps the message), by DSN action or by wording', { skip: !files.length && 'corpus not present' }, async () => {
  for (const f of ['lhost-opensmtpd-12.eml', 'lhost-messagingserver-07.eml']) {
    const r = await classifyFile(f);
    assert.ok(r.kind === 'bounce' && !r.hard && r.delayed, `${f}: ${JSON.stringify(r)}`);
  }
  const text = classifyAutomatedMail({
    from: { address: 'MAILER-DAEMON@mx.example.net' }, subject: 'Warning: could not send message for past 4 hours', date: null, inReplyTo: null, references: [], headers: {},
    text: 'The original message was received at Mon, 2 Mar 2026 07:00:00 +0000\n\n   ----- Transcript of session follows -----\n451 4.4.1 reply: read error from mx.example.org\nWarning: message still undelivered after 4 hours\nWill keep trying until message is 5 days old\n',
  });
  assert.ok(text.kind === 'bounce' && !text.hard && text.delayed, JSON.stringify(text));
});

test('a qmail failure notice in plain text gives the recipient, the reason and the returned Message-ID', { skip: !files.length && 'corpus not present' }, async () => {
  const r = await classifyFile('lhost-qmail-01.eml');
  assert.ok(r.kind === 'bounce', JSON.stringify(r));
  assert.equal(r.recipient, 'kijitora@example.ne.jp');
  assert.ok(r.hard);
  assert.equal(r.originalMessageId, '<000000000.9999999999999.JavaMail.postmaster@mailhub>');
  assert.match(r.diagnostic ?? '', /550/);
});

test('an ARF report is a complaint naming the complained-of message', { skip: !files.length && 'corpus not present' }, async () => {
  const r = await classifyFile('arf-01.eml');
  assert.equal(r.kind, 'complaint');
});

test('an out-of-office reply is an auto-reply with the return date it states', { skip: !files.length && 'corpus not present' }, async () => {
  const r = await classifyFile('rfc3834-01.eml');
  assert.ok(r.kind === 'auto_reply', JSON.stringify(r));
  assert.equal(r.returnDate, '2005-05-05');
});

test('mail a person wrote is none, also when its subject says "complaint" or "out of office"', () => {
  assert.equal(classifyAutomatedMail(mail({})).kind, 'none');
  assert.equal(classifyAutomatedMail(mail({ subject: 'Complaint about my order', text: 'The parcel arrived broken.' })).kind, 'none');
  assert.equal(classifyAutomatedMail(mail({ subject: 'Re: out of office tomorrow?', text: 'Fine by me, see you Thursday.' })).kind, 'none');
  assert.equal(classifyAutomatedMail(mail({ subject: 'Re: Pricing', text: "I'm out of the office this week, but yes, we are interested. Call me Monday." })).kind, 'none');
  assert.equal(classifyAutomatedMail(mail({ subject: 'Re: Pricing', text: 'Sounds good.', headers: { 'x-auto-response-suppress': 'All' } })).kind, 'none');
  assert.equal(classifyAutomatedMail(mail({ subject: 'Undeliverable parcel', text: 'Your courier says the parcel is undeliverable; can you resend it?' })).kind, 'none');
});

test('out-of-office texts in several languages are auto-replies, with their return dates', () => {
  const cases: Array<[string, string, string | null]> = [
    ['Automatic reply: Pricing', "I'm currently out of the office until March 24, with limited access to email.", '2025-03-24'],
    ['Abwesenheitsnotiz', 'Vielen Dank für Ihre Nachricht. Ich bin bis zum 21.03.2025 nicht im Büro.', '2025-03-21'],
    ['Réponse automatique', "Je suis absent jusqu'au 2 avril. Pour toute urgence, contactez Marie.", '2025-04-02'],
    ['Respuesta automática', 'Estoy fuera de la oficina hasta el 15 de abril.', '2025-04-15'],
    ['Out of Office', 'I am on vacation and will reply when I am back.', null],
  ];
  for (const [subject, text, date] of cases) {
    const r = classifyAutomatedMail(mail({ subject, text }));
    assert.ok(r.kind === 'auto_reply', `${subject}: ${JSON.stringify(r)}`);
    assert.equal(r.returnDate, date, subject);
  }
  const headerOnly = classifyAutomatedMail(mail({ subject: 'Re: Pricing', text: 'Thanks, we got your message.', headers: { 'auto-submitted': 'auto-replied' }, inReplyTo: '<m1@example.org>' }));
  assert.ok(headerOnly.kind === 'auto_reply' && headerOnly.originalMessageId === '<m1@example.org>');
});

test('a return date without a year is the next such day after the message', () => {
  assert.equal(findReturnDate('back on January 3', '2025-12-20T10:00:00Z'), '2026-01-03');
  assert.equal(findReturnDate('until 2025-07-01', null), '2025-07-01');
  assert.equal(findReturnDate('nothing here', null), null);
});

test('the reply word each language\'s unsubscribe footer offers is read as an unsubscribe', () => {
  for (const subject of ['unsubscribe', 'Re: abmelden', 'désinscrire', 'baja']) {
    const r = classifyAutomatedMail({ from: { address: 'ana@example.es' }, subject, text: '', headers: {}, date: null, inReplyTo: null, references: [] });
    assert.equal(r.kind, 'unsubscribe', subject);
  }
});

test('a mail with "unsubscribe" as its subject is an unsubscribe request from its sender', () => {
  const r = classifyAutomatedMail(mail({ subject: 'unsubscribe', text: '' }));
  assert.deepEqual(r.kind === 'unsubscribe' && r.address, 'anna@example.com');
  assert.equal(classifyAutomatedMail(mail({ subject: 'How do I unsubscribe my team from the beta?' })).kind, 'none');
});

test('a delivery report that says "delivered" is not a bounce', () => {
  const report = { reportType: 'delivery-status', deliveryStatus: 'Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; anna@example.com\nAction: delivered\nStatus: 2.0.0\n', feedbackReport: null, returnedHeaders: null };
  assert.equal(classifyAutomatedMail(mail({ from: { address: 'mailer-daemon@example.org' }, subject: 'Delivery Status Notification (Success)', report })).kind, 'none');
});
