/**
 * The router: every item that comes in starts here. It parses the raw item (stored by intake),
 * lets code skip what code can decide (auto-replies, newsletters), asks the decision core once
 * to route and classify, and starts the workflow that owns the item: invoice processing,
 * support triage, or nothing (`unrouted`, with the reason).
 */
import { z } from 'zod';
import { defineWorkflow } from '../../engine/define.ts';
import { getBlob, putBlob } from '../../intake/blobs.ts';
import { getItem } from '../../intake/intake.ts';
import { NonRetriableError } from '../../errors.ts';
import type { EmailSummary, TriageInput, TriageResult, WorkflowServices } from '../ports.ts';

export const ROUTES = ['invoice', 'support'] as const;

// XML attachments may be e-invoices (XRechnung is XML alone); one that is not an invoice is passed over.
const DOCUMENT_TYPES = /^(application\/pdf|image\/(png|jpe?g|tiff|webp)|application\/xml|text\/xml)$/i;

export interface RouterOutput {
  route: 'invoice' | 'support' | 'unrouted';
  reason: string;
  childRunId: string | null;
  triage: TriageResult | null;
}

export const routerWorkflow = defineWorkflow({
  name: 'router',
  version: 1,
  input: z.object({ itemId: z.string().uuid(), workflow: z.enum(['auto', 'support', 'invoice', 'lead', 'hiring']).default('auto') }),
  async run(input, step, ctx): Promise<RouterOutput> {
    const services = ctx.services as WorkflowServices;
    const { pool } = services;

    const item = await step.run('load-item', async () => {
      const row = await getItem(pool, input.itemId);
      if (!row) throw new NonRetriableError(`item ${input.itemId} not found`);
      return { kind: row.kind, sha256: row.sha256, filename: row.filename, source: row.source };
    });

    // Parse: the raw bytes stay untouched in blob storage; attachments are stored by hash.
    const triageInput = await step.run('parse', async (): Promise<TriageInput> => {
      const blob = await getBlob(pool, item.sha256);
      if (!blob) throw new NonRetriableError(`raw bytes of item ${input.itemId} are missing`);
      if (item.kind === 'email') {
        const parsed = await services.parser.parseEmail(blob.bytes);
        for (const a of parsed.attachmentContents) await putBlob(pool, a.content, a.contentType);
        const { attachmentContents: _drop, ...email } = parsed;
        return { kind: 'email', email, text: email.text, attachments: email.attachments };
      }
      if (item.kind === 'document') {
        return { kind: 'document', text: '', attachments: [{ filename: item.filename, contentType: blob.contentType, size: blob.bytes.length }] };
      }
      return { kind: 'slack_message', text: blob.bytes.toString('utf8'), attachments: [] };
    });
    const email: EmailSummary | undefined = triageInput.email;

    const forced = input.workflow !== 'auto' ? input.workflow : null;
    if (forced === 'lead' || forced === 'hiring') {
      await step.decide({ action: 'route', parameters: { route: 'unrouted' }, reasoning: `the ${forced} workflow is not available yet` });
      return { route: 'unrouted', reason: `the ${forced} workflow is not available yet`, childRunId: null, triage: null };
    }

    let triage: TriageResult | null = null;
    let route: RouterOutput['route'];
    let reason: string;
    if (item.kind === 'document') {
      route = forced ?? 'invoice';
      reason = forced ? `forced by the caller` : 'a document sent on its own is treated as an invoice to process';
    } else {
      const skip = forced ? { skip: false as const } : services.decisions.prefilter(triageInput);
      if (skip.skip) {
        await step.decide({ action: 'route', parameters: { route: 'unrouted' }, reasoning: `prefilter: ${skip.reason}`, confidence: 1, provider: 'code' });
        return { route: 'unrouted', reason: skip.reason, childRunId: null, triage: null };
      }
      triage = await services.decisions.triage(step, triageInput);
      route = forced ?? triage.route;
      reason = forced ? `forced by the caller (the model said ${triage.route}: ${triage.routeReason})` : triage.routeReason;
      // An email carrying a document the model did not call an invoice is still offered to a person via support.
    }
    await step.decide({ action: 'route', parameters: { route }, reasoning: reason, confidence: triage?.confidence, provider: triage?.provider, model: triage?.model ?? undefined });
    if (route === 'unrouted') return { route, reason, childRunId: null, triage };

    const documents = triageInput.attachments.length
      ? (email?.attachments ?? [{ ...triageInput.attachments[0]!, sha256: item.sha256 }]).filter((a) => DOCUMENT_TYPES.test(a.contentType) || item.kind === 'document')
      : [];
    const childRunId =
      route === 'invoice'
        ? await step.spawn('invoice', { itemId: input.itemId, email: email ?? null, documents, triage })
        : await step.spawn('support', { itemId: input.itemId, email: email ?? null, text: triageInput.text, triage, origin: item.kind === 'trigger' ? 'email' : item.kind });
    return { route, reason, childRunId, triage };
  },
});
