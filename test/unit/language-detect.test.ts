import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectLanguage } from '../../src/llm/offline/language.ts';

test('short messages read in their language, also when they use words other languages share', () => {
  const cases: Array<[string, string]> = [
    ['Wir möchten Mailroom testen. Gibt es eine Testversion?', 'de'],
    ['Es ist dringend, wir brauchen Hilfe.', 'de'],
    ['Nous voulons automatiser notre boîte support. Pouvez-vous nous envoyer un devis ?', 'fr'],
    ['¿Podrían llamarme esta semana? Es urgente para la empresa.', 'es'],
    ['Ciao, non riesco ad accedere al mio account.', 'it'],
    ['Hallo, ik kan niet inloggen op mijn account.', 'nl'],
    ['Olá, não consigo acessar a minha conta.', 'pt'],
    ['Our main API has been returning errors since this morning.', 'en'],
  ];
  for (const [text, language] of cases) {
    const r = detectLanguage(text);
    assert.equal(r.language, language, `${text}: ${JSON.stringify(r)}`);
    assert.ok(r.confidence >= 0.6, `${text}: ${r.confidence}`);
  }
});

test('too little text, or no known word, is English with low confidence', () => {
  assert.deepEqual(detectLanguage('Hi'), { language: 'en', confidence: 0.3 });
  assert.equal(detectLanguage('Demo request, 50 users, Hamburg office').confidence, 0.3);
});
