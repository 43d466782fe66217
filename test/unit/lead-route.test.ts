/** The lead route's offline rule and the input it builds from a routed email; drafts' notices and reply intents. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { policySchema } from '../../src/policy/schema.ts';
import { addressFacts } from '../../src/workflows/lead/enrich/domains.ts';
import { firstEmail } from '../../src/workflows/lead/drafts.ts';
import { leadInputSchema } from '../../src/workflows/lead/form.ts';
import { classifyReply } from '../../src/workflows/lead/reply-intent.ts';
import { leadRoute } from '../../src/workflows/lead/route.ts';
import { scoreLead } from '../../src/workflows/lead/score.ts';
import type { EmailSummary } from '../../src/workflows/ports.ts';

const email = (text: string, subject = 'Hello', from = { address: 'dana@acme.example', name: 'Dana Park' }): EmailSummary => ({
  messageId: '<m1@acme.example>', inReplyTo: null, references: [], from, replyTo: null, to: [], subject, date: null, text, attachments: [], forwarded: null, auth: null, headers: {},
});
const match = (text: string, subject?: string) => leadRoute.offline!.match({ kind: 'email', email: email(text, subject), text, attachments: [] });

test('the offline rule claims buying requests in four languages and leaves customers about their own bill alone', () => {
  for (const t of ['Could you send pricing for 25 seats?', 'We are interested in your product and would like a demo.', 'Wir hätten gern ein Angebot für 30 Lizenzen.', 'Pouvez-vous nous envoyer un devis ?', '¿Nos pueden enviar los precios y una demostración?']) {
    assert.ok(match(t), t);
  }
  assert.equal(match('I was charged twice on my subscription, please refund.'), null);
  assert.equal(match('The export is broken since yesterday.'), null);
  assert.ok(leadRoute.offline!.rank < 40 && leadRoute.offline!.rank > 20);
});

test('a routed email becomes a valid lead input: the sender, their words, the email itself', () => {
  const e = email('Please send pricing.');
  const input = leadRoute.input!({ itemId: 'i1', kind: 'email', email: e, text: e.text, documents: [], triage: null, requester: { email: 'dana@acme.example' } });
  const parsed = leadInputSchema.parse(input);
  assert.equal(parsed.email, 'dana@acme.example');
  assert.equal(parsed.name, 'Dana Park');
  assert.equal(parsed.message, 'Please send pricing.');
  assert.equal(parsed.inbound?.messageId, '<m1@acme.example>');
});

test('the first email says where outside enrichment data came from (GDPR Art. 14), and only then', () => {
  const lead = policySchema.parse({}).lead;
  const address = addressFacts('dana@acme.example');
  const score = scoreLead({ address, company: null, title: null, signals: [], stated: [], activity: [], submissions: 1, inboundMails: 0, source: null }, lead);
  const base = { address, company: null, signals: [], stated: [], facts: [], problems: [] };
  const ctx = (outsideData: boolean) => ({ name: 'Dana Park', company: 'Acme', message: 'Hi', score, lead, enrichment: { ...base, outsideData } });
  assert.match(firstEmail(ctx(true)).text, /enrichment service/);
  assert.doesNotMatch(firstEmail(ctx(false)).text, /enrichment service/);
  assert.match(firstEmail(ctx(false)).text, /^Hi Dana,/);
});

test("reply intents come in the issue's order and read only the new text, never our quoted email", () => {
  assert.equal(classifyReply('Please unsubscribe me, not interested.').intent, 'unsubscribe');
  assert.equal(classifyReply('No thanks, not interested.').intent, 'not_interested');
  assert.equal(classifyReply('Not right now, maybe next quarter.').intent, 'not_now');
  assert.equal(classifyReply('Sounds good, let\'s book a call.').intent, 'interested');
  assert.equal(classifyReply('Does it work with Outlook?').intent, 'question');
  assert.equal(classifyReply('Kein Interesse, danke.').intent, 'not_interested');
  assert.equal(classifyReply('Does it integrate with Zendesk?\n\nOn Tue, Mailroom wrote:\n> Would a short call help? Reply if you are interested.').intent, 'question');
});
