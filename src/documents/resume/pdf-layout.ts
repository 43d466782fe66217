/**
 * Positioned PDF text for resumes, read in a worker thread (layout-worker.ts) with a time limit
 * (../worker-client.ts). A worker of its own beside the invoice reader's, because this one
 * renders every page to judge visibility, which the invoice reader does not need.
 */
import { createWorkerClient, pdfOpenError } from '../worker-client.ts';
import type { LayoutPage } from './layout-types.ts';

const reader = createWorkerClient(new URL('./layout-worker.ts', import.meta.url), { maxOldGenerationSizeMb: 1024, what: 'the PDF', reader: 'the PDF reader' });

export async function readPdfLayout(bytes: Buffer, options: { maxPages?: number; timeoutMs?: number; renderAll?: boolean } = {}): Promise<{ pages: LayoutPage[]; total: number }> {
  try {
    return await reader.call({ bytes: new Uint8Array(bytes), maxPages: options.maxPages ?? 10, renderAll: options.renderAll === true }, options.timeoutMs ?? 60_000);
  } catch (err) {
    throw pdfOpenError(err);
  }
}

/** Stops the worker (tests, CLI exit; it is unref'd and never holds the process open). */
export function closePdfLayoutReader(): void {
  reader.stop('the PDF reader was closed');
}
