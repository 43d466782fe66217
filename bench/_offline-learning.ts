/**
 * Learning from corrections, measured for `npm run bench -- llm`: the offline provider's
 * accuracy on a held-back half of labelled requests, before and after the other half is fed in
 * as corrections, on a real (embedded) PostgreSQL.
 *
 * - Split: deterministic, by file (or item) order, alternating; both halves are held back in
 *   turn (two folds) and the figures pool both, so every labelled request is scored once.
 * - "Fed in as corrections" goes through the product's own path: each request of the other half
 *   is triaged offline, the approval a person would see is built from that triage, the person's
 *   edits are the true labels, and `correctionsFrom` decides what that teaches (a triage choice
 *   always; a category or priority only where the machine was wrong).
 * - Two sets: the labelled support samples of ../shared/data/samples (the only set there with
 *   categories and priorities: 5 requests, so these figures are coarse), and a set written for
 *   this project (test/learning/fixtures/unseen-requests.json: 7 kinds of request in words the
 *   rules do not know, 4 phrasings each), which the keys `offline_unseen_*` report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { approvalRequestSchema, type ApprovalRequest } from '../src/approvals/types.ts';
import { parseEmail } from '../src/channels/email/parse.ts';
import type { StepApi } from '../src/engine/types.ts';
import { correctionsFrom } from '../src/learning/corrections.ts';
import { createExamplesPort, recordExamples } from '../src/learning/examples.ts';
import { createOfflineDecisionCore } from '../src/llm/decision-core.ts';
import type { TriageInput, TriageResult } from '../src/workflows/ports.ts';
import { sharedData } from '../test/harness/shared.ts';
import { stopPrivateCluster, testDatabase } from '../test/harness/postgres.ts';
import { round, type BenchRow } from './types.ts';
import { routes } from '../src/workflows/index.ts';

interface Labelled {
  name: string;
  input: TriageInput;
  label: { route: string; category: string; priority: string };
}

const step = (): StepApi =>
  ({
    runId: 'bench',
    workflow: 'router',
    run: async (_name: string, fn: (ctx: unknown) => unknown) => fn({ signal: new AbortController().signal, attempt: 1, log: pino({ level: 'silent' }) }),
    decide: async () => undefined,
  }) as unknown as StepApi;

const mail = (subject: string, text: string): TriageInput => ({
  kind: 'email',
  text,
  attachments: [],
  email: { messageId: null, inReplyTo: null, references: [], from: { address: 'customer@example.com' }, replyTo: null, to: [], subject, date: null, text, attachments: [], forwarded: null, auth: null, headers: {} },
});

async function sharedSamples(): Promise<Labelled[]> {
  const dir = sharedData('samples');
  const out: Labelled[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.expected.json')).sort()) {
    const expected = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as { workflow: string; category?: string; priority?: string };
    if (expected.workflow !== 'support' || !expected.category || !expected.priority) continue;
    const p = await parseEmail(fs.readFileSync(path.join(dir, f.replace('.expected.json', '.eml'))));
    out.push({ name: f, input: mail(p.subject, p.text), label: { route: 'support', category: expected.category, priority: expected.priority } });
  }
  return out;
}

function unseenRequests(): Labelled[] {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'learning', 'fixtures', 'unseen-requests.json');
  const set = JSON.parse(fs.readFileSync(file, 'utf8')) as { kinds: Array<{ kind: string; label: Labelled['label']; items: Array<{ subject: string; text: string }> }> };
  return set.kinds.flatMap((k) => k.items.map((item, i) => ({ name: `${k.kind}-${i}`, input: mail(item.subject, item.text), label: k.label })));
}

/** The approval a person would be shown for this triage: a triage choice, or a reply to check. */
function approvalFor(item: Labelled, t: TriageResult): ApprovalRequest {
  const summary = { subject: item.input.email?.subject, excerpt: item.input.text.slice(0, 500) };
  const fields = { category: t.category, priority: t.priority, language: t.language };
  return t.route === 'support'
    ? approvalRequestSchema.parse({ summary, proposal: { type: 'reply', description: 'send', draft: '' }, reasoning: t.reasoning, confidence: t.confidence, fields, editable: ['draft', 'category', 'priority'] })
    : approvalRequestSchema.parse({ summary, proposal: { type: 'routing', description: 'choose', parameters: { workflow: 'support' } }, reasoning: t.reasoning, confidence: t.confidence, fields, editable: ['workflow', 'category', 'priority'] });
}

interface Tally { route: number; category: number; priority: number; n: number }

async function score(items: Labelled[], triage: (i: TriageInput) => Promise<TriageResult>): Promise<Tally> {
  const t: Tally = { route: 0, category: 0, priority: 0, n: items.length };
  for (const item of items) {
    const r = await triage(item.input);
    if (r.route === item.label.route) t.route++;
    if (r.category === item.label.category) t.category++;
    if (r.priority === item.label.priority) t.priority++;
  }
  return t;
}

/** Two folds over an alternating split; returns pooled before/after tallies and the corrections fed in. */
async function measure(items: Labelled[]) {
  const halves = [items.filter((_, i) => i % 2 === 0), items.filter((_, i) => i % 2 === 1)];
  const before: Tally = { route: 0, category: 0, priority: 0, n: 0 };
  const after: Tally = { ...before };
  let corrections = 0;
  const folds: Array<[Labelled[], Labelled[]]> = [[halves[0]!, halves[1]!], [halves[1]!, halves[0]!]];
  for (const [train, held] of folds) {
    const db = await testDatabase();
    try {
      const core = createOfflineDecisionCore({ routes, examples: createExamplesPort(db.pool) });
      const triage = (i: TriageInput) => core.triage(step(), i);
      const b = await score(held, triage);
      for (const item of train) {
        const t = await triage(item.input);
        const edits = { workflow: item.label.route, category: item.label.category, priority: item.label.priority };
        corrections += await recordExamples(db.pool, correctionsFrom(approvalFor(item, t), edits, { source: 'bench', by: ['bench'] }));
      }
      const a = await score(held, triage);
      for (const k of ['route', 'category', 'priority', 'n'] as const) {
        before[k] += b[k];
        after[k] += a[k];
      }
    } finally {
      await db.close();
    }
  }
  const acc = (t: Tally, k: 'route' | 'category' | 'priority') => round(t[k] / Math.max(1, t.n), 3);
  return { before, after, corrections, acc };
}

export async function offlineLearning(): Promise<{ rows: BenchRow[]; json: Record<string, number>; note: string }> {
  try {
    const samples = await measure(await sharedSamples());
    const unseen = await measure(unseenRequests());
    const json: Record<string, number> = {
      offline_category_accuracy_before: samples.acc(samples.before, 'category'),
      offline_category_accuracy_after: samples.acc(samples.after, 'category'),
      offline_priority_accuracy_before: samples.acc(samples.before, 'priority'),
      offline_priority_accuracy_after: samples.acc(samples.after, 'priority'),
      offline_learning_samples: samples.before.n,
      offline_learning_corrections: samples.corrections,
      offline_unseen_route_accuracy_before: unseen.acc(unseen.before, 'route'),
      offline_unseen_route_accuracy_after: unseen.acc(unseen.after, 'route'),
      offline_unseen_category_accuracy_before: unseen.acc(unseen.before, 'category'),
      offline_unseen_category_accuracy_after: unseen.acc(unseen.after, 'category'),
      offline_unseen_priority_accuracy_before: unseen.acc(unseen.before, 'priority'),
      offline_unseen_priority_accuracy_after: unseen.acc(unseen.after, 'priority'),
      offline_unseen_requests: unseen.before.n,
      offline_unseen_corrections: unseen.corrections,
    };
    // "baseline" here is the same provider before the corrections: the rules alone.
    const row = (metric: string, after: number, before: number): BenchRow => ({ metric, mailroom: after, baseline: before, ratio: before > 0 ? round(after / before, 2) : null, unit: 'share' });
    const rows = [
      row(`offline category accuracy, held-back half of the ${samples.before.n} labelled samples (after corrections vs before)`, json.offline_category_accuracy_after!, json.offline_category_accuracy_before!),
      row('offline priority accuracy, same', json.offline_priority_accuracy_after!, json.offline_priority_accuracy_before!),
      row(`offline route accuracy, held-back half of ${unseen.before.n} requests in unseen words`, json.offline_unseen_route_accuracy_after!, json.offline_unseen_route_accuracy_before!),
      row('offline category accuracy, same', json.offline_unseen_category_accuracy_after!, json.offline_unseen_category_accuracy_before!),
      row('offline priority accuracy, same', json.offline_unseen_priority_accuracy_after!, json.offline_unseen_priority_accuracy_before!),
    ];
    return { rows, json, note: `learning: ${samples.corrections} + ${unseen.corrections} corrections fed in, two folds` };
  } finally {
    await stopPrivateCluster();
  }
}
