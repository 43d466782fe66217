/**
 * What the browser tests and the screenshots script put in front of the dashboard: an invoice
 * run that asks a person to approve the payment (with a draft, fields and two readings of the
 * total that disagree), and a support run that completes with a model decision.
 */
import { z } from 'zod';
import type pg from 'pg';
import { askForApproval } from '../../src/approvals/ask.ts';
import { defineWorkflow } from '../../src/engine/define.ts';

export const ALICE = 'alice:alice-secret-0123456789';
export const CAROL = 'carol:carol-secret-0123456789';

const email = z.object({ subject: z.string(), from: z.object({ address: z.string(), name: z.string().optional() }), to: z.array(z.any()).default([]), text: z.string(), attachments: z.array(z.any()).default([]) });

export const browserInvoice = defineWorkflow({
  name: 'invoice-demo',
  version: 1,
  input: z.object({ email }),
  async run(input, step, ctx) {
    const { pool } = ctx.services as { pool: pg.Pool };
    const fields = await step.run('extract', async () => ({ vendor: 'Globex GmbH', invoice_number: 'GX-2024-117', total: 1145.86, currency: 'EUR', iban: 'DE89370400440532013000', due_date: '2026-12-20' }));
    await step.decide({ action: 'invoice.extract', parameters: fields, reasoning: 'text layer and OCR read the same vendor and number; the totals differ by 3.00', confidence: 0.62, provider: 'anthropic', model: 'claude-sonnet-4-5', inputTokens: 5210, outputTokens: 310, costUsd: 0.0203, latencyMs: 2840 });
    const decision = await askForApproval(step, { pool }, {
      key: 'pay',
      kind: 'invoice.payment',
      title: `Pay ${fields.vendor} ${fields.invoice_number}: ${fields.total} ${fields.currency}`,
      request: {
        summary: { from: input.email.from.address, subject: input.email.subject, channel: 'imap', excerpt: input.email.text.slice(0, 300) },
        proposal: { type: 'payment', description: 'book the invoice and schedule the payment', draft: 'Dear Globex accounts,\nwe received invoice GX-2024-117 and will pay it by 2026-12-20.\nKind regards' },
        reasoning: 'purchase order PO-5521 matches vendor and lines; the total needs a look',
        confidence: 0.62,
        reasons: ['the text layer and OCR disagree on the total'],
        fields,
        review: [{ field: 'total', values: [{ source: 'text layer', value: 1145.86 }, { source: 'ocr', value: 1148.86 }], note: 'the scan shows 1,148.86' }],
        editable: ['draft', 'total'],
      },
      approvers: ['api:alice', 'api:bob'],
      requester: { identity: 'api:carol' },
    });
    return step.run('book', async () => ({ outcome: decision.outcome, booked_total: (decision.edits?.total as number | undefined) ?? fields.total, note: decision.note }));
  },
});

export const browserSupport = defineWorkflow({
  name: 'support-demo',
  version: 1,
  input: z.object({ email }),
  async run(input, step) {
    await step.run('kb.search', async () => [{ id: 'kb-12', title: 'Resetting a password' }]);
    await step.decide({ action: 'classify', parameters: { category: 'account', priority: 'normal', language: 'en' }, reasoning: 'asks how to reset a password', confidence: 0.91, provider: 'anthropic', model: 'claude-haiku-4-5', inputTokens: 820, outputTokens: 60, costUsd: 0.0011, latencyMs: 640 });
    return { category: 'account', sent: true, subject: input.email.subject };
  },
});

export const invoiceMail = {
  email: {
    subject: 'Invoice GX-2024-117 for October',
    from: { address: 'accounts@globex.example', name: 'Globex Accounts' },
    to: [{ address: 'ap@mailroom.example', name: 'AP' }],
    text: 'Dear customer,\n\nplease find attached invoice GX-2024-117 over EUR 1,148.86, due 2026-12-20.\n\n<script>alert("hi")</script>\nGlobex GmbH',
    attachments: [{ filename: 'GX-2024-117.pdf', contentType: 'application/pdf', size: 48211, sha256: 'a'.repeat(64) }],
  },
};

export const supportMail = { email: { subject: 'How do I reset my password?', from: { address: 'pat@initech.example', name: 'Pat' }, to: [], text: 'I forgot my password.', attachments: [] } };
