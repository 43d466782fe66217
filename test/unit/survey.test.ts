import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRating, surveyText } from '../../src/workflows/support/survey.ts';

const quoted = '\n\nOn Tue, 1 Dec 2026 at 10:00, Support <support@mailroom.example> wrote:\n> How did we do? Reply with a number from 1 (poor) to 5 (great). Thank you!';

test('a reply with a figure, a fraction, stars or a number word gives that rating', () => {
  assert.deepEqual(parseRating(`5 - great, thanks!${quoted}`), { rating: 5, comment: 'great, thanks!' });
  assert.equal(parseRating(`4/5${quoted}`)?.rating, 4);
  assert.equal(parseRating(`★★★${quoted}`)?.rating, 3);
  assert.equal(parseRating('Vier Sterne, danke.\n\nAm 01.12.2026 um 10:00 schrieb Support <s@x.example>:\n> Wie zufrieden waren Sie?')?.rating, 4);
  assert.equal(parseRating('trois, merci')?.rating, 3);
  assert.equal(parseRating('I would say 2 out of 5, it took too long')?.rating, 2);
});

test('the quoted question is not an answer, and a reply without one rating gives none', () => {
  assert.equal(parseRating(`Thanks for your help!${quoted}`), null);
  assert.equal(parseRating('Somewhere between 3 and 5'), null);
  assert.equal(parseRating('un service excellent'), null, 'an article is not the number one');
  assert.equal(parseRating('Order 12345 is still missing'), null);
  assert.equal(parseRating(''), null);
});

test('hostile long replies are read in bounded time', () => {
  assert.equal(parseRating(`${'>'.repeat(200_000)}\n3`), null);
  assert.equal(parseRating(`4 ${'a '.repeat(100_000)}`)?.rating, 4);
});

test('the survey asks in the sender’s language, English otherwise', () => {
  assert.match(surveyText('de'), /Wie zufrieden/);
  assert.match(surveyText('fr-CH'), /satisfait/);
  assert.match(surveyText('xx'), /How did we do/);
});
