/**
 * The job-description rules against people's labels: ../shared/data/jobs/skill-ner-testset.txt
 * (real job-description sentences, CoNLL: token and BIO label). A requirement is a Skill,
 * Qualification or Experience span; Occupation and Domain are context, not requirements.
 * Reported: token precision/recall and lenient span precision/recall (a span counts when it
 * overlaps a labelled one), beside a baseline that takes every content word.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { requirementSpans, requirementsFromDescription } from '../../src/workflows/hiring/job-description.ts';
import { needsShared, sharedData } from '../harness/shared.ts';

const FILE = sharedData('jobs', 'skill-ner-testset.txt');
const WANTED = /^[BI]-(Skill|Qualification|Experience)$/;

interface Sentence {
  tokens: string[];
  gold: Array<[number, number]>;
}

function readSentences(): Sentence[] {
  const sentences: Sentence[] = [];
  for (const block of fs.readFileSync(FILE, 'utf8').split(/\n\s*\n/)) {
    const rows = block.split('\n').map((l) => l.trim().split(/\s+/)).filter((r) => r.length >= 2);
    if (!rows.length) continue;
    const tokens = rows.map((r) => r[0]!);
    const gold: Array<[number, number]> = [];
    rows.forEach((r, i) => {
      const label = r[r.length - 1]!;
      if (!WANTED.test(label)) return;
      const last = gold[gold.length - 1];
      if (label.startsWith('I-') && last && last[1] === i) last[1] = i + 1;
      else gold.push([i, i + 1]);
    });
    sentences.push({ tokens, gold });
  }
  return sentences;
}

const STOPWORDS = new Set(['the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'with', 'for', 'on', 'at', 'be', 'is', 'are', 'will', 'you', 'we', 'our', 'your', 'as', 'by', 'this', 'that']);

function measure(sentences: Sentence[], predict: (tokens: string[]) => Array<[number, number]>) {
  let tp = 0, fp = 0, fn = 0, spanTp = 0, spanPred = 0, goldHit = 0, goldAll = 0;
  for (const s of sentences) {
    const pred = predict(s.tokens);
    const inGold = new Set(s.gold.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)));
    const inPred = new Set(pred.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)));
    for (const t of inPred) {
      if (inGold.has(t)) tp++;
      else fp++;
    }
    for (const t of inGold) if (!inPred.has(t)) fn++;
    const overlaps = (x: [number, number], y: [number, number]) => x[0] < y[1] && y[0] < x[1];
    spanPred += pred.length;
    spanTp += pred.filter((p) => s.gold.some((g) => overlaps(p, g))).length;
    goldAll += s.gold.length;
    goldHit += s.gold.filter((g) => pred.some((p) => overlaps(p, g))).length;
  }
  const r = (n: number, d: number) => (d ? Math.round((n / d) * 1000) / 1000 : 0);
  return { token_precision: r(tp, tp + fp), token_recall: r(tp, tp + fn), span_precision: r(spanTp, spanPred), span_recall: r(goldHit, goldAll) };
}

test('job-description rules find labelled requirements with measured precision and recall, above the every-word baseline in precision', { skip: needsShared }, (t) => {
  const sentences = readSentences();
  assert.ok(sentences.length > 300, `read ${sentences.length} sentences`);
  const rules = measure(sentences, requirementSpans);
  const baseline = measure(sentences, (tokens) => tokens.map((tok, i) => [i, i + 1] as [number, number]).filter(([i]) => /\w/.test(tokens[i]!) && !STOPWORDS.has(tokens[i]!.toLowerCase())));
  t.diagnostic(`rules    ${JSON.stringify(rules)}`);
  t.diagnostic(`baseline ${JSON.stringify(baseline)}`);
  // Measured: span precision 0.62, recall 0.45; token precision 0.53, recall 0.36 (baseline 0.37 / 0.84).
  // Floors a little under that, so a regression shows; proposals are for a person to confirm.
  assert.ok(rules.token_precision > baseline.token_precision, 'more precise than taking every content word');
  assert.ok(rules.span_precision >= 0.55, `span precision ${rules.span_precision}`);
  assert.ok(rules.span_recall >= 0.4, `span recall ${rules.span_recall}`);
});

test('a description becomes proposed must-haves and nice-to-haves, for a person to confirm', () => {
  const p = requirementsFromDescription([
    'We are hiring a backend engineer.',
    'Requirements:',
    '- Experience with TypeScript and PostgreSQL.',
    '- Ability to work with product managers.',
    "- Bachelor's degree in Computer Science",
    'Nice to have:',
    '- Knowledge of Kubernetes.',
    'Experience with Rust is a plus.',
  ].join('\n'));
  assert.equal(p.needs_confirmation, true);
  assert.ok(p.must_have.includes('TypeScript and PostgreSQL'), JSON.stringify(p));
  assert.ok(p.must_have.includes('work with product managers'));
  assert.ok(p.must_have.some((m) => /^Bachelor's degree/.test(m)), JSON.stringify(p.must_have));
  assert.deepEqual(p.nice_to_have, ['Kubernetes', 'Rust']);
  assert.equal(p.evidence['Kubernetes'], 'Knowledge of Kubernetes.');
});
