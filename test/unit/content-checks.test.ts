import assert from 'node:assert/strict';
import { test } from 'node:test';
import { briefFromText, briefSchema } from '../../src/workflows/content/brief.ts';
import { parseBrand } from '../../src/workflows/content/brand.ts';
import { checkBrand } from '../../src/workflows/content/checks/brand.ts';
import { checkCitations } from '../../src/workflows/content/checks/citations.ts';
import { runChecks } from '../../src/workflows/content/checks/index.ts';
import { checkPlatforms } from '../../src/workflows/content/checks/platform.ts';
import { checkReadability } from '../../src/workflows/content/checks/readability.ts';
import { syllables, type SyllableLanguage } from '../../src/workflows/content/checks/syllables.ts';
import { checkSeo } from '../../src/workflows/content/checks/seo.ts';
import { defaultContentPolicy as policy } from '../../src/workflows/content/policy.ts';
import { sentences, slugify } from '../../src/workflows/content/text.ts';

const doc = 'Mailroom stores every raw message before it runs a workflow. In 2024 the median reply took 4.5 minutes, down from 1,200 seconds. Approvals happen in Slack.';

test('a brief needs a topic, defaults its channels, and rejects an unknown channel or a publish time without an offset', () => {
  assert.deepEqual(briefSchema.parse({ topic: 'durable workflows' }).channels, ['blog', 'x', 'linkedin', 'email']);
  assert.equal(briefSchema.safeParse({ topic: '' }).success, false);
  assert.equal(briefSchema.safeParse({ topic: 'x y z', channels: ['tiktok'] }).success, false);
  assert.equal(briefSchema.safeParse({ topic: 'x y z', publish_at: '2030-01-01 09:00' }).success, false);
  assert.equal(briefSchema.parse({ topic: 'x y z', language: 'DE' }).language, 'de');
  assert.equal(briefSchema.safeParse({ topic: 'x y z', language: 'german' }).success, false);
  assert.equal(briefSchema.safeParse({ topic: 'x y z', publish_at: '2030-01-01T09:00:00Z' }).success, true);
});

test('a one-line Slack brief reads its topic and optional parts; JSON passes through', () => {
  assert.deepEqual(briefFromText('Durable workflows in Postgres | keyphrase: durable workflows | channels: blog, x'), { topic: 'Durable workflows in Postgres', keyphrase: 'durable workflows', channels: ['blog', 'x'] });
  assert.deepEqual(briefFromText('{"topic":"abc def"}'), { topic: 'abc def' });
});

test('sentences keep the citation that follows their full stop', () => {
  assert.deepEqual(sentences('One claim here.[^S1] Another one.[^S2][^S3] A third'), ['One claim here.[^S1]', 'Another one.[^S2][^S3]', 'A third']);
  assert.equal(slugify('Durable Workflows: in Postgres!'), 'durable-workflows-in-postgres');
});

test('a citation verifies when its id exists, its quote is verbatim and its numbers are in the source', () => {
  const body = '# T\n\nIn 2024 the median reply took 4.5 minutes, down from 1,200 seconds.[^S1]\n';
  const r = checkCitations(body, [{ id: 'S1', quote: 'In 2024 the median reply took 4.5 minutes', documentText: doc }]);
  assert.deepEqual({ total: r.total, verified: r.verified, unsupported: r.unsupported, passed: r.passed }, { total: 1, verified: 1, unsupported: [], passed: true });
});

test('an unknown id, a paraphrased quote and a number the source does not have each fail the citation', () => {
  const body = [
    'The median reply took 4.5 minutes in our measurements.[^S9]',
    'Every raw message is saved before anything else happens.[^S2]',
    'In 2024 the median reply took 3 minutes for most teams.[^S1]',
  ].join('\n\n');
  const r = checkCitations(body, [
    { id: 'S1', quote: 'In 2024 the median reply took 4.5 minutes', documentText: doc },
    { id: 'S2', quote: 'Mailroom saves every raw message first', documentText: doc },
  ]);
  assert.equal(r.total, 3);
  assert.equal(r.verified, 0);
  assert.match(r.failures.map((f) => f.reason).join('\n'), /no stored snippet has the id S9[\s\S]*not a verbatim passage[\s\S]*number 3 not found/);
});

test('a claim without a citation is listed as unsupported; short framing and questions are not', () => {
  const r = checkCitations('# Title\n\nWhy does it matter? Mailroom answers most customers within five minutes every day. In short.\n', []);
  assert.deepEqual(r.unsupported, ['Mailroom answers most customers within five minutes every day.']);
  assert.equal(r.passed, false);
});

const filler = (n: number) => Array.from({ length: n }, (_, i) => (i % 8 ? `Teams sleep better at night when state survives a crash, note ${i}.` : `Durable workflows survive crashes, note ${i}.`)).join(' ');

test('SEO passes a post with the keyphrase everywhere, one H1, a fitting meta description and enough words', () => {
  const body = `# Durable workflows in practice\n\nDurable workflows keep state in Postgres. ${filler(40)}\n`;
  const r = checkSeo({ title: 'Durable workflows in practice: what we learned', slug: 'durable-workflows-in-practice', meta_description: 'd'.repeat(130), body_markdown: body, keyphrase: 'durable workflows' }, policy.seo);
  assert.deepEqual(r.failures, []);
  assert.equal(r.score, 100);
});

test('SEO names each failed rule: short title, long meta description, two H1s, missing keyphrase, low density, too few words', () => {
  const r = checkSeo({ title: 'Short', slug: 'short', meta_description: 'x'.repeat(157), body_markdown: '# One\n\n# Two\n\nA few words only.\n', keyphrase: 'durable workflows' }, policy.seo);
  const text = r.failures.join('\n');
  for (const re of [/title is 5 characters/, /meta description is 157 characters \(120-156\)/, /2 H1 headings/, /not in the title/, /not in the H1/, /not in the first paragraph/, /not in the slug/, /density 0%/, /4 words \(at least 300\)/]) assert.match(text, re);
  assert.ok(r.score < 20);
});

test('readability scores plain English higher than dense prose and fails below the policy minimum', () => {
  const plain = checkReadability('The cat sat on the mat. It was warm. We like it.', policy.readability);
  const dense = checkReadability('Institutionalised organisational interdependencies necessitate comprehensive reconceptualisation of infrastructural responsibilities.', policy.readability);
  assert.ok(plain.score! > 80 && plain.passed);
  assert.ok(dense.score! < 30 && !dense.passed);
  assert.equal(checkReadability('犬が寝ている。', policy.readability, 'ja').measure, 'none', 'a language without a formula is not measured');
});

test('German, French, Spanish, Italian and Dutch are measured with their own reading-ease formulas: plain text passes, dense text fails', () => {
  const cases: Array<[string, string, string, string]> = [
    ['de', 'amstad', 'Der Hund schläft. Die Sonne scheint. Wir gehen nach Hause.', 'Die Implementierung organisationsübergreifender Digitalisierungsstrategien erfordert eine umfassende Neukonzeptionierung infrastruktureller Verantwortlichkeiten.'],
    ['fr', 'kandel_moles', 'Le chat dort. Il fait beau. Nous allons à la maison.', "L'institutionnalisation des interdépendances organisationnelles nécessite une reconceptualisation approfondie des responsabilités infrastructurelles."],
    ['es', 'szigriszt_pazos', 'El gato duerme. Hace sol. Vamos a casa.', 'La institucionalización de las interdependencias organizacionales requiere una reconceptualización exhaustiva de las responsabilidades infraestructurales.'],
    ['it', 'flesch_vacca', 'Il gatto dorme. Fa bel tempo. Andiamo a casa.', "L'istituzionalizzazione delle interdipendenze organizzative richiede una riconcettualizzazione approfondita delle responsabilità infrastrutturali."],
    ['nl', 'douma', 'De kat slaapt. Het is mooi weer. We gaan naar huis.', 'De institutionalisering van organisatorische onderlinge afhankelijkheden vereist een grondige herconceptualisering van infrastructurele verantwoordelijkheden.'],
  ];
  for (const [lang, measure, plain, dense] of cases) {
    const p = checkReadability(plain, policy.readability, lang);
    const d = checkReadability(dense, policy.readability, lang);
    assert.equal(p.measure, measure, lang);
    assert.ok(p.passed && p.score! > 70, `${lang} plain: ${p.score}`);
    assert.ok(!d.passed && d.score! < 30, `${lang} dense: ${d.score}`);
    assert.match(d.failures[0]!, /reading ease|perspicuity/);
  }
});

test('syllables outside English: hyphenation points and vowel groups, silent French endings', () => {
  const cases: Array<[SyllableLanguage, string, number]> = [
    ['de', 'einen', 2], ['de', 'wunderschönen', 4], ['de', 'Arbeit', 2], ['de', 'die', 1],
    ['fr', 'belle', 1], ['fr', 'magnifique', 3], ['fr', 'avait', 2], ['fr', 'maison', 2],
    ['es', 'una', 2], ['es', 'hermoso', 3], ['it', 'aveva', 3], ['it', 'giardino', 3], ['nl', 'prachtige', 3],
  ];
  for (const [lang, word, n] of cases) assert.equal(syllables(word, lang), n, `${lang} ${word}`);
});

test('the brand file gives voice, audience, preferred terms with what they replace, and banned terms', () => {
  const brand = parseBrand('# Acme\n## Voice\nPlain and warm.\n## Audience\nOps leads.\n## Preferred terms\n- customer (not: user, client)\n- Mailroom\n## Banned terms\n- synergy\n- "best-in-class"\n');
  assert.equal(brand.voice, 'Plain and warm.');
  assert.deepEqual(brand.preferred, [{ term: 'customer', instead_of: ['user', 'client'] }, { term: 'Mailroom', instead_of: [] }]);
  assert.deepEqual(brand.banned, ['synergy', 'best-in-class']);
  const r = checkBrand(['Our best-in-class synergy delights every user of Mailroom.'], brand);
  assert.deepEqual(r.failures, ['banned term "synergy" used 1x', 'banned term "best-in-class" used 1x', '"user" used 1x; the brand says "customer"']);
  assert.deepEqual(r.preferred_used, ['Mailroom']);
});

test('an X post is measured by twitter-text weighted length, where a long URL counts 23', () => {
  const url = `https://example.com/${'a'.repeat(200)}`;
  const ok = checkPlatforms({ x: `${'a'.repeat(250)} ${url}` }, policy.platform);
  assert.equal(ok.x!.weighted_length, 274);
  assert.equal(ok.passed, true);
  const long = checkPlatforms({ x: 'a'.repeat(281), linkedin: 'b'.repeat(3001), email: { subject: 's'.repeat(79), body: '' } }, policy.platform);
  assert.deepEqual(long.failures, ['X post is 281 weighted characters (at most 280)', 'LinkedIn post is 3001 characters (at most 3000)', 'email subject is 79 characters (at most 78)']);
  const warn = checkPlatforms({ email: { subject: 's'.repeat(60), body: '' } }, policy.platform);
  assert.equal(warn.passed, true);
  assert.match(warn.warnings[0]!, /60 characters; many clients cut it after 50/);
});

test('all checks together list every failure, one line each', () => {
  const r = runChecks(
    { title: 'Durable workflows', slug: 'x', meta_description: 'short', outline: [], body_markdown: '# Durable workflows\n\nDurable workflows leverage synergy across every single team.\n', variants: { x: 'ok' } },
    { keyphrase: 'durable workflows', sources: [], brand: { banned: ['synergy'], preferred: [] }, policy },
  );
  assert.equal(r.passed, false);
  assert.ok(r.failures.some((f) => f.startsWith('unsupported:')));
  assert.ok(r.failures.some((f) => f.startsWith('seo: meta description')));
  assert.ok(r.failures.includes('brand: banned term "synergy" used 1x'));
});

test('an edited draft is the body; a body cut by Slack\'s 2,900-character form is not an edit; the hash follows what is approved', async () => {
  const { approvedContent, contentHash } = await import('../../src/workflows/content/hash.ts');
  const base = { title: 'T', slug: 's', meta_description: 'm', body_markdown: 'original body', variant_x: 'x', variant_linkedin: '', variant_email_subject: '', variant_email_body: '' };
  assert.equal(approvedContent({ ...base, draft: 'edited body' }).body_markdown, 'edited body');
  const long = 'word '.repeat(1000);
  assert.equal(approvedContent({ ...base, body_markdown: long, draft: long.slice(0, 2900) }).body_markdown, long);
  assert.notEqual(contentHash(approvedContent(base)), contentHash(approvedContent({ ...base, title: 'T2' })));
  assert.equal(contentHash(approvedContent(base)), contentHash(approvedContent({ ...base, draft: '' })));
});
