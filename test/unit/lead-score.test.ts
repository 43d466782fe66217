import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../../src/data/csv.ts';
import { policySchema } from '../../src/policy/schema.ts';
import { companyCsv } from '../../src/workflows/lead/enrich/companies.ts';
import { addressFacts } from '../../src/workflows/lead/enrich/domains.ts';
import { readSignals, statedFacts } from '../../src/workflows/lead/enrich/message-facts.ts';
import { leadFormSchema } from '../../src/workflows/lead/form.ts';
import { bandOf, scoreLead, type CompanyProfile } from '../../src/workflows/lead/score.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const lead = policySchema.parse({}).lead;
const dir = sharedData('leads');
const companies = needsShared ? [] : readCsv(path.join(dir, 'companies.csv'), companyCsv);

function score(form: ReturnType<typeof leadFormSchema.parse>, overrides: Partial<Parameters<typeof scoreLead>[0]> = {}) {
  const address = addressFacts(form.email);
  const row = companies.find((c) => c.domain === address.domain);
  const company: CompanyProfile | null = row
    ? { name: row.name, domain: row.domain, employees: row.employees ?? null, industry: row.industry ?? null, revenue_usd: row.revenue_usd ?? null, funding_stage: row.funding_stage ?? null, tech: row.tech, source: 'companies table', confidence: 0.95 }
    : null;
  const text = form.message ?? '';
  return scoreLead({ address, company, title: form.title ?? null, signals: readSignals(text, lead.icp.pain_signals), stated: statedFacts(text), activity: form.activity, submissions: 1, inboundMails: 0, source: form.source ?? null, ...overrides }, lead);
}

test('every shared lead scores into its expected band under the default ICP', { skip: needsShared }, () => {
  const files = fs.readdirSync(dir).filter((f) => /^\d+-\w+\.json$/.test(f));
  assert.ok(files.length >= 12);
  for (const f of files) {
    const expected = JSON.parse(fs.readFileSync(path.join(dir, f.replace(/\.json$/, '.expected.json')), 'utf8')) as { band: string };
    const s = score(leadFormSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))));
    if (process.env.SHOW) console.log(f, s.total, s.fit, s.intent, s.engagement);
    assert.equal(s.band, expected.band, `${f}: ${s.total} (fit ${s.fit}, intent ${s.intent}, engagement ${s.engagement})`);
  }
});

test('the total is the sum of capped category sums, and every factor names its evidence and source', { skip: needsShared }, () => {
  const s = score(leadFormSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, '01-hot.json'), 'utf8'))));
  assert.equal(s.total, s.fit + s.intent + s.engagement);
  assert.ok(s.fit <= 40 && s.intent <= 30 && s.engagement <= 30);
  for (const f of s.factors) assert.ok(f.evidence && f.source, JSON.stringify(f));
  assert.ok(s.factors.some((f) => f.source === 'companies table'));
  assert.ok(s.factors.some((f) => f.category === 'intent' && f.evidence.includes('pricing')));
});

test('the same lead always scores the same', { skip: needsShared }, () => {
  const form = leadFormSchema.parse(JSON.parse(fs.readFileSync(path.join(dir, '05-warm.json'), 'utf8')));
  assert.deepEqual(score(form), score(form));
});

test('a free-mail lead has no company fit, and a disposable address costs fit points', () => {
  const free = score(leadFormSchema.parse({ email: 'someone@gmail.com', message: 'Please send pricing for 20 seats this week' }));
  assert.equal(free.fit, 0);
  assert.ok(free.intent >= 18);
  assert.ok(addressFacts('x@mailinator.com').disposable);
  assert.ok(addressFacts('info@acme.io').role);
  assert.ok(!addressFacts('jo@acmefy.example.com').freeMail);
});

test('buying requests are read in German, French and Spanish', () => {
  for (const text of ['Wir hätten gern ein Angebot und eine Demo.', 'Pouvez-vous nous envoyer vos tarifs et un devis ?', 'Nos gustaría una demostración y los precios.']) {
    assert.ok(readSignals(text, []).some((s) => s.kind === 'buying_request'), text);
  }
});

test('bands follow the policy thresholds: above hot is hot, warm and up is warm', () => {
  const t = { hot: 80, warm: 50 };
  assert.equal(bandOf(81, t), 'hot');
  assert.equal(bandOf(80, t), 'warm');
  assert.equal(bandOf(50, t), 'warm');
  assert.equal(bandOf(49, t), 'cold');
});
