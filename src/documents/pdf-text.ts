/**
 * PDF reading with pdf-parse v2: the text layer per page, a decision per page whether that text
 * is usable or the page is a scan, page rendering for OCR, and embedded files (e-invoice XML).
 * pdf.js runs in a worker thread (pdf-worker.ts) with a time limit per request
 * (worker-client.ts); a stopped worker is replaced for the next document. Encrypted, corrupt and
 * empty documents become InputErrors with a clear reason.
 */
import { InputError } from '../errors.ts';
import { createWorkerClient, pdfOpenError } from './worker-client.ts';

export interface PdfDocument {
  pages: number;
  texts: string[];
  /** Per page: the text layer carries real text (not a scan). */
  usable: boolean[];
  render(page: number, scale?: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A page whose text layer has fewer letters than this is treated as a scan. */
const MIN_LETTERS = 20;
const WORKER_URL = new URL('./pdf-worker.ts', import.meta.url);
const DEFAULT_TIMEOUT_MS = 60_000;

const reader = createWorkerClient(WORKER_URL, { maxOldGenerationSizeMb: 1024, what: 'the PDF', reader: 'the PDF reader' });
const call = <T>(request: Record<string, unknown>, timeoutMs: number) => reader.call<T>(request, timeoutMs);
let nextDoc = 1;

export async function openPdf(bytes: Buffer, options: { maxPages?: number; password?: string; timeoutMs?: number } = {}): Promise<PdfDocument> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doc = nextDoc++;
  let total: number;
  let texts: string[];
  try {
    ({ total, texts } = await call<{ total: number; texts: string[] }>({ op: 'open', doc, bytes: new Uint8Array(bytes), maxPages: options.maxPages ?? 50, ...(options.password ? { password: options.password } : {}) }, timeoutMs));
  } catch (err) {
    throw pdfOpenError(err);
  }
  const close = () => call<null>({ op: 'close', doc }, timeoutMs).then(() => undefined, () => undefined);
  if (!total) {
    await close();
    throw new InputError('the PDF has no pages');
  }
  return {
    pages: total,
    texts,
    usable: texts.map((t) => (t.match(/\p{L}/gu)?.length ?? 0) >= MIN_LETTERS),
    async render(page, scale = 2) {
      const data = await call<Uint8Array | null>({ op: 'render', doc, page, scale }, timeoutMs).catch((err: unknown) => {
        // The renderer's own errors are cryptic ("Convert String to CString failed"): name the page.
        throw err instanceof InputError ? err : new InputError(`page ${page} could not be rendered: ${(err as Error).message ?? String(err)}`, { cause: err });
      });
      if (!data) throw new InputError(`page ${page} could not be rendered`);
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    },
    close,
  };
}

/** The files embedded in a PDF (PDF/A-3 attachments), read in the same worker. */
export function pdfAttachments(bytes: Buffer, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Array<{ filename: string; content: Uint8Array }>> {
  return call({ op: 'attachments', bytes: new Uint8Array(bytes) }, timeoutMs);
}

/** Stops the PDF worker (tests and clean shutdown; it is unref'd and never blocks exit). */
export async function closePdfReader(): Promise<void> {
  reader.stop('the PDF reader was closed');
}
