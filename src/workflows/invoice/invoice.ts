/**
 * Invoice processing: extract (two independent paths, cross-checked), validate against vendors,
 * purchase orders and the ledger, look for anomalies (above all bank details that differ from
 * the vendor record), ask the right approvers by amount tier, then book to the ledger and
 * schedule the payment for its due date. Booking and payment pass the policy gate, which
 * compares them with exactly what the approver approved.
 */
import { z } from 'zod';
import { askForApproval } from '../../approvals/ask.ts';
import { findPurchaseOrder, findVendor } from '../../data/vendors.ts';
import { vendorHistory } from '../../data/ledger.ts';
import { defineWorkflow } from '../../engine/define.ts';
import { NonRetriableError } from '../../errors.ts';
import { detectInjection, resolvedTiers, routeInvoice } from '../../policy/decide.ts';
import { approvalDeps, reportProgress, requesterSchema, type EmailSummary, type InvoiceFieldsFlat, type TriageResult, type WorkflowServices } from '../ports.ts';
import { findAnomalies } from './anomalies.ts';
import { readInvoiceDocuments } from './read-documents.ts';

export interface InvoiceOutput {
  outcome: 'booked' | 'rejected' | 'expired' | 'not_an_invoice' | 'no_document';
  fields: InvoiceFieldsFlat | null;
  needs_review: boolean;
  anomalies: string[];
  ledgerId: string | null;
  paymentId: string | null;
  approvers: string[];
  reason: string | null;
}

const documentSchema = z.object({ filename: z.string().nullable(), contentType: z.string(), size: z.number(), sha256: z.string() });

function domainOf(address: string | undefined | null): string | null {
  const at = address?.lastIndexOf('@') ?? -1;
  return at > 0 ? address!.slice(at + 1).toLowerCase() : null;
}

export const invoiceWorkflow = defineWorkflow({
  name: 'invoice',
  version: 1,
  input: z.object({
    itemId: z.string(),
    email: z.custom<EmailSummary>().nullable(),
    documents: z.array(documentSchema),
    triage: z.custom<TriageResult>().nullable(),
    requester: requesterSchema.nullable().default(null),
  }),
  maxSteps: 30,
  // Payment waits for the due date, which may be months away.
  maxDurationMs: 400 * 86_400_000,
  async run(input, step, ctx): Promise<InvoiceOutput> {
    const s = ctx.services as WorkflowServices;
    const { pool, policy } = s;
    const empty = { fields: null, needs_review: false, anomalies: [], ledgerId: null, paymentId: null, approvers: [] };

    const extractions = await readInvoiceDocuments(step, s, input.documents, input.email?.text ?? '');
    if (!extractions.length) {
      await step.decide({ action: 'invoice.no_document', reasoning: 'the message has no PDF or image attachment, and its text does not read as an invoice' });
      return { ...empty, outcome: 'no_document', reason: 'no PDF or image attachment' };
    }
    // An attachment that could not be read (corrupt, over the limits, timed out) is not "no
    // invoice": a person gets it with empty fields to read and fill in, as for any review.
    const unreadable = extractions.find((e) => e.error && !e.not_an_invoice);
    const doc = extractions.find((e) => !e.not_an_invoice && !e.error) ?? (unreadable && {
      ...unreadable,
      needs_review: true,
      review: [...unreadable.review, { field: 'document', values: [], note: `could not be read: ${unreadable.error}` }],
      warnings: [...(unreadable.warnings ?? []), `${unreadable.file} could not be read (${unreadable.error}): open it and enter the fields when approving`],
    });
    if (!doc) {
      const why = extractions.map((e) => `${e.file}: ${e.error ?? e.not_an_invoice}`).join('; ');
      await step.decide({ action: 'invoice.not_an_invoice', reasoning: why });
      return { ...empty, outcome: 'not_an_invoice', reason: why };
    }
    const fields = doc.fields;
    await step.decide({
      action: 'invoice.extract',
      parameters: { fields, source: doc.source, needs_review: doc.needs_review },
      reasoning: doc.needs_review ? `fields need review: ${doc.review.map((r) => (r.note ? `${r.field} (${r.note})` : r.field)).join(', ') || 'checks failed'}` : 'independent extraction paths agree',
    });

    // The vendor is known by the invoice's name, or by the sender's domain (the original sender for forwards).
    const original = input.email?.forwarded?.original.from?.address ?? input.email?.from?.address ?? null;
    const senderDomain = domainOf(original);
    const facts = await step.run('validate', async () => {
      const vendor = (await findVendor(pool, { name: fields.vendor, senderDomain })) ?? null;
      const po = fields.po_number ? ((await findPurchaseOrder(pool, fields.po_number)) ?? null) : null;
      const history = vendor || fields.vendor ? await vendorHistory(pool, vendor?.name ?? fields.vendor!) : [];
      return { vendor: vendor && { id: vendor.id, name: vendor.name, iban: vendor.iban, email_domains: vendor.email_domains }, po, history };
    });
    const anomalies = findAnomalies({ fields, senderDomain, ...facts }, policy.invoice);
    const injection = detectInjection(`${input.email?.subject ?? ''}\n${input.email?.text ?? ''}`);
    if (injection.length) anomalies.push('the message contains instructions aimed at the agent (possible prompt injection); they were ignored');
    await step.decide({ action: 'invoice.validate', parameters: { vendor: facts.vendor?.id ?? null, po: facts.po?.number ?? null, anomalies }, reasoning: anomalies.length ? anomalies.join('; ') : 'vendor known, purchase order open and matching, no anomaly' });

    // The injection is already listed among the anomalies, which routeInvoice turns into reasons.
    await reportProgress(step, s, 'extracted', `Read invoice ${fields.invoice_number ?? '?'}: ${fields.total ?? '?'} ${fields.currency ?? ''}${doc.needs_review ? ' (needs review)' : ''}${anomalies.length ? `; ${anomalies.length} anomal${anomalies.length > 1 ? 'ies' : 'y'}` : ''}. Waiting for approval.`);
    // A credit note is money owed to us: proposed and booked as a negative amount, never paid.
    const credit = doc.credit_note === true;
    const amount = credit && fields.total !== null ? -Math.abs(fields.total) : fields.total;
    const route = routeInvoice(policy, { total: amount, anomalies, needsReview: doc.needs_review, injectionSuspected: false });
    const vendorName = facts.vendor?.name ?? fields.vendor ?? 'unknown vendor';
    const approved = { vendor: vendorName, invoice_number: fields.invoice_number, total: amount, currency: fields.currency, iban: fields.iban, due_date: fields.due_date };
    const decision = await askForApproval(step, approvalDeps(s), {
      key: 'invoice',
      kind: 'invoice.approval',
      title: `${credit ? 'Credit note' : 'Invoice'} ${fields.invoice_number ?? '?'} from ${vendorName}: ${amount ?? '?'} ${fields.currency ?? ''}`.trim(),
      request: {
        summary: { from: original ?? undefined, subject: input.email?.subject, receivedAt: input.email?.date ?? undefined, channel: input.email ? 'email' : 'document', excerpt: input.email?.text.slice(0, 400) },
        proposal: {
          type: 'booking',
          description: credit
            ? `book the credit note to the ledger as a credit of ${amount ?? '?'} ${fields.currency ?? ''}; nothing is paid`
            : `book to the ledger and schedule payment of ${fields.total ?? '?'} ${fields.currency ?? ''} for ${fields.due_date ?? 'the due date'}`,
          parameters: approved,
        },
        reasoning: anomalies.length ? `anomalies: ${anomalies.join('; ')}` : 'vendor known, purchase order open and matching',
        confidence: doc.needs_review ? 0.4 : anomalies.length ? 0.6 : 0.9,
        reasons: [...route.reasons, ...(doc.warnings ?? [])],
        fields: { ...fields },
        review: doc.review,
        editable: ['invoice_number', 'invoice_date', 'due_date', 'total', 'currency', 'iban'],
      },
      amount,
      currency: fields.currency,
      tier: route.tier,
      requiredApprovals: route.required,
      approvers: route.approvers,
      escalation: route.escalation,
      tierRules: resolvedTiers(policy),
      requester: input.requester,
      remindAfterMs: policy.approval.remind_after,
      expireAfterMs: policy.approval.expire_after,
    });
    if (decision.outcome !== 'approved') {
      await reportProgress(step, s, 'not-approved', `Not booked: the approval was ${decision.outcome}.`);
      return { ...empty, fields, needs_review: doc.needs_review, anomalies, approvers: decision.approvers, outcome: decision.outcome, reason: decision.note };
    }

    // What the approver saw, with their corrections applied, is exactly what gets booked and paid.
    const final = { ...approved, ...(decision.edits ?? {}) } as typeof approved;
    if (final.total === null || !final.invoice_number || !final.currency) {
      throw new NonRetriableError('approved without a total, invoice number or currency: edit the fields when approving');
    }
    const booking = await step.action('book', () => s.ledger.book({
      runId: ctx.runId, vendorId: facts.vendor?.id ?? null, vendorName: final.vendor, invoiceNumber: final.invoice_number!, invoiceDate: fields.invoice_date,
      dueDate: final.due_date, poNumber: fields.po_number, currency: final.currency!, subtotal: fields.subtotal, tax: fields.tax, total: final.total!, iban: final.iban, approvedBy: decision.approvers,
    }), { kind: 'ledger.book', parameters: { invoice_number: final.invoice_number, total: final.total, iban: final.iban }, repeatable: true });
    if (credit) {
      await reportProgress(step, s, 'booked', `Approved by ${decision.approvers.join(', ')}: credit note booked; nothing to pay.`);
      await step.decide({ action: 'invoice.credit_booked', parameters: { ledgerId: booking.id }, reasoning: `a credit note, approved by ${decision.approvers.join(', ')}: booked as a credit, no payment` });
      return { outcome: 'booked', fields: { ...fields, ...final }, needs_review: doc.needs_review, anomalies, ledgerId: booking.id, paymentId: null, approvers: decision.approvers, reason: 'credit note' };
    }
    const payment = await step.action('schedule-payment', () => s.ledger.schedulePayment({
      ledgerId: booking.id, runId: ctx.runId, amount: final.total!, currency: final.currency!, iban: final.iban, dueDate: final.due_date,
    }), { kind: 'payment.schedule', parameters: { total: final.total, iban: final.iban }, repeatable: true });
    await reportProgress(step, s, 'booked', `Approved by ${decision.approvers.join(', ')}: booked, payment scheduled for ${final.due_date ?? 'the due date'}.`);
    await step.decide({ action: 'invoice.booked', parameters: { ledgerId: booking.id, paymentId: payment.id, due: final.due_date }, reasoning: `approved by ${decision.approvers.join(', ')}` });

    if (policy.invoice.acknowledge_sender && original) {
      await step.action('acknowledge', () => s.mailer.send(
        { to: original, subject: `Re: ${input.email?.subject ?? `Invoice ${final.invoice_number}`}`, text: `Thank you: invoice ${final.invoice_number} was received and approved for payment on ${final.due_date ?? 'its due date'}.`, inReplyTo: input.email?.messageId },
        `${ctx.runId}:acknowledge`,
        { runId: ctx.runId },
      ), { kind: 'email.send', parameters: { to: original }, repeatable: true });
    }
    // Released on the due date at the policy's time of day; a due date already past pays now.
    const releaseAt = final.due_date ? new Date(`${final.due_date}T${policy.invoice.pay_at}Z`) : null;
    if (releaseAt && releaseAt.getTime() > Date.now()) await step.sleep(releaseAt, 'until-due-date');
    await step.action('release-payment', () => s.ledger.releasePayment(payment.id), { kind: 'payment.release', parameters: { paymentId: payment.id }, repeatable: true });
    return { outcome: 'booked', fields: { ...fields, ...final }, needs_review: doc.needs_review, anomalies, ledgerId: booking.id, paymentId: payment.id, approvers: decision.approvers, reason: null };
  },
});
