/** The draft-confidence rule: min(the model's own confidence, the cap of the checks). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessDraft } from '../../src/llm/draft-confidence.ts';
import { offlineDraft } from '../../src/llm/offline/drafts.ts';

const articles = [{ id: 'reset-password', title: 'Resetting your password' }];
const reply = 'Hello,\n\n1. Open the login page.\n2. Click "Forgot password" and follow the link in the mail.\n\nSee: Resetting your password\n\nThe support team';
const sure = { confidence: 0.9, cited_article_ids: ['reset-password'], articles_answer_question: true };

test('a reply that passes every check keeps the model\'s own confidence', () => {
  assert.deepEqual(assessDraft(reply, { articles, language: 'en' }, sure), { confidence: 0.9, citations: ['reset-password'], cap: 1, problems: [] });
  assert.equal(assessDraft(reply, { articles, language: 'en' }, { ...sure, confidence: 0.35 }).confidence, 0.35, 'a doubtful model is not raised');
});

test('the lowest cap of the failed checks wins', () => {
  const a = assessDraft(`${reply}\n{{signature}}`, { articles: [], language: 'en' }, sure);
  assert.equal(a.confidence, 0.1);
  assert.deepEqual(a.problems, ['no knowledge-base article to base it on', 'cites what it was not given: reset-password, resetting your password', 'unresolved placeholder {{signature}}']);
  assert.equal(assessDraft('  ', { articles, language: 'en' }, sure).confidence, 0);
});

test('a language the detector does not know is not judged; "[Export]" in a step is not a placeholder', () => {
  assert.equal(assessDraft(reply, { articles, language: 'ja' }, sure).confidence, 0.9);
  assert.equal(assessDraft(reply.replace('Click', 'Click [Export] then'), { articles, language: 'en' }, sure).confidence, 0.9);
});

test('offline drafts stay honestly low: 0.5 with an article, 0.2 without, lower when the reply is not in the language asked for', () => {
  const input = { email: null, text: 'How do I reset my password?', category: 'account' as const, articles: [{ ...articles[0]!, body: '1. Open the login page.\n2. Click "Forgot password".' }] };
  assert.equal(offlineDraft({ ...input, language: 'en' }).confidence, 0.5);
  assert.equal(offlineDraft({ ...input, language: 'en', articles: [] }).confidence, 0.2);
  // A French template quoting an English article's steps reads as English: the check sees it.
  assert.equal(offlineDraft({ ...input, language: 'fr', articles: [{ ...input.articles[0]!, body: '1. Open the login page and click the link.\n2. Choose a new password for your account and save it.\n3. Sign in with the new password.' }] }).confidence, 0.3);
  assert.equal(offlineDraft({ ...input, language: 'de', text: 'Wie setze ich mein Passwort zurück?', articles: [{ id: 'pw', title: 'Passwort zurücksetzen', body: '1. Öffnen Sie die Anmeldeseite und klicken Sie auf „Passwort vergessen“.' }] }).confidence, 0.5);
});
