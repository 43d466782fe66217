/** correctionsFrom: the labelled examples a person's decision on an approval implies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approvalRequestSchema, type ApprovalRequestInput } from '../../src/approvals/types.ts';
import { correctionsFrom } from '../../src/learning/corrections.ts';

const request = (r: Partial<ApprovalRequestInput> & Pick<ApprovalRequestInput, 'proposal'>) =>
  approvalRequestSchema.parse({ summary: { subject: 'Webhook silent', excerpt: 'Our webhook endpoint has not received any events.' }, reasoning: 'r', confidence: 0.4, ...r });

const triage = request({
  proposal: { type: 'routing', description: 'choose', parameters: { workflow: 'support' } },
  fields: { category: null, priority: null, language: 'en' },
  editable: ['workflow', 'category', 'priority'],
});

test('a triage choice is always a route label, with the category and priority the person set', () => {
  const out = correctionsFrom(triage, { workflow: 'support', category: 'technical', priority: 'high' }, { runId: '00000000-0000-4000-8000-000000000001', approvalId: 'ap_1', by: ['cli:ops'] });
  assert.deepEqual(out.map((e) => [e.kind, e.label]), [
    ['route', { route: 'support', suggested: 'support' }],
    ['category', { category: 'technical', was: null }],
    ['priority', { priority: 'high', was: null }],
  ]);
  assert.ok(out.every((e) => e.text === 'Webhook silent\nOur webhook endpoint has not received any events.' && e.source === 'approval:routing' && e.approvalId === 'ap_1'));
  // Approving the suggestion unedited still says where the item belongs.
  assert.deepEqual(correctionsFrom(triage, null).map((e) => e.label), [{ route: 'support', suggested: 'support' }]);
});

test('rejecting a triage means ignore; rejecting a reply or booking teaches nothing', () => {
  assert.deepEqual(correctionsFrom(triage, { category: 'billing' }, { outcome: 'rejected' }).map((e) => e.label), [{ route: 'ignore', suggested: 'support' }]);
  const reply = request({ proposal: { type: 'reply', description: 'send', draft: 'Hello' }, fields: { category: 'technical' }, editable: ['draft'] });
  assert.deepEqual(correctionsFrom(reply, { draft: 'Hi there' }, { outcome: 'rejected' }), []);
});

test('an unchanged category, priority or draft is not a correction; a changed one is', () => {
  const reply = request({
    proposal: { type: 'reply', description: 'send', draft: 'Hello,\n\n1. Open Settings.' },
    fields: { category: 'technical', priority: 'normal', language: 'en', team: 'support' },
    editable: ['draft', 'save_to_kb'],
  });
  assert.deepEqual(correctionsFrom(reply, { category: 'technical', priority: 'normal', draft: ' Hello,\n\n1.  Open Settings. ', save_to_kb: 'yes' }), []);
  const out = correctionsFrom(reply, { category: 'account', priority: 'urgent', draft: 'Hello,\n\nReset your password from the login page.' });
  assert.deepEqual(out.map((e) => e.kind), ['category', 'priority', 'draft']);
  assert.deepEqual(out[2]!.label, { draft: 'Hello,\n\nReset your password from the login page.', was: 'Hello,\n\n1. Open Settings.', language: 'en', category: 'account' });
  // A routing proposal of the support workflow (no draft, no workflow to choose) is not a triage.
  const written = correctionsFrom(request({ proposal: { type: 'routing', description: 'route to billing', draft: '' }, fields: { category: 'billing' } }), { draft: 'We refunded you.' });
  assert.deepEqual(written.map((e) => [e.kind, e.label.was]), [['draft', '']]);
});

test('corrected invoice fields are examples; equal amounts written differently are not', () => {
  const booking = request({
    proposal: { type: 'booking', description: 'book', parameters: { total: 1200 } },
    fields: { invoice_number: 'INV-1', total: 1200, iban: 'DE89370400440532013000', due_date: null },
    editable: ['invoice_number', 'due_date', 'total', 'iban'],
  });
  const out = correctionsFrom(booking, { total: '1200.00', invoice_number: 'INV-7', due_date: '2026-12-01', iban: 'DE89370400440532013000' });
  assert.deepEqual(out.map((e) => e.label), [
    { field: 'invoice_number', value: 'INV-7', was: 'INV-1' },
    { field: 'due_date', value: '2026-12-01', was: null },
  ]);
  assert.ok(out.every((e) => e.kind === 'field' && e.source === 'approval:booking'));
});

test('values outside the known categories and priorities, and items with no text, yield nothing', () => {
  assert.deepEqual(correctionsFrom(triage, { category: 'urgent!!', priority: 'whenever' }).map((e) => e.kind), ['route']);
  const empty = approvalRequestSchema.parse({ summary: {}, proposal: { type: 'routing', description: 'x', parameters: { workflow: 'support' } }, reasoning: '', confidence: null });
  assert.deepEqual(correctionsFrom(empty, { workflow: 'invoice' }), []);
  assert.equal(correctionsFrom(empty, { workflow: 'invoice' }, { text: 'Invoice 42 attached' })[0]?.label.route, 'invoice');
});
