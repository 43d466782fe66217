/**
 * Reading an invoice's documents inside a run: one checkpointed step (so a crash never pays for
 * OCR or model calls twice), the daily model budget checked first (past it, code reads alone),
 * and each model call recorded as a decision with its tokens and cost, so the cost ledger and
 * the run's trace include extraction.
 */
import { getBlob } from '../../intake/blobs.ts';
import { NonRetriableError } from '../../errors.ts';
import type { StepApi } from '../../engine/types.ts';
import { stepBudgetSpent } from '../../llm/budget.ts';
import type { DocumentExtraction, WorkflowServices } from '../ports.ts';
import { invoiceFromBody } from './body-invoice.ts';

interface DocumentRef {
  filename: string | null;
  sha256: string;
}

/** The documents read, in order; empty when there is no document and the body is no invoice either. */
export async function readInvoiceDocuments(step: StepApi, s: WorkflowServices, documents: DocumentRef[], bodyText: string): Promise<DocumentExtraction[]> {
  // Without a document, the message body is read (and always reviewed by a person).
  if (!documents.length) {
    const body = invoiceFromBody(bodyText);
    return body ? [body] : [];
  }
  const budget = await stepBudgetSpent(step, 'extract', s.pool, s.config.env.LLM_DAILY_BUDGET_USD);
  if (budget) await step.decide({ action: 'invoice.models_skipped', reasoning: `${budget}: the documents are read by code alone`, provider: 'code' });

  // The first document that reads as an invoice is the one we process.
  const extractions = await step.run('extract', async () => {
    const out: DocumentExtraction[] = [];
    for (const d of documents) {
      const blob = await getBlob(s.pool, d.sha256);
      if (!blob) throw new NonRetriableError(`attachment ${d.filename ?? d.sha256} is missing from blob storage`);
      out.push(await s.documents.extract(blob.bytes, d.filename ?? d.sha256, { models: !budget }));
      if (!out.at(-1)!.not_an_invoice && !out.at(-1)!.error) break;
    }
    return out;
  }, { timeoutMs: 10 * 60_000, retry: { attempts: 2 } });

  for (const e of extractions) {
    for (const c of e.model_calls ?? []) {
      await step.decide({
        action: `invoice.read.${c.path}`,
        parameters: { file: e.file },
        reasoning: `${c.path === 'vision' ? 'the model read the document' : 'the model read the text layer'} of ${e.file}, cross-checked with the other paths`,
        provider: c.provider,
        model: c.model,
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        cacheReadTokens: c.cacheReadTokens,
        cacheWriteTokens: c.cacheWriteTokens,
        costUsd: c.costUsd,
        latencyMs: c.latencyMs,
      });
    }
  }
  return extractions;
}
