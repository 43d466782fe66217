/**
 * PDF reading with pdf-parse v2: the text layer per page, a decision per page whether that text
 * is usable or the page is a scan, page rendering for OCR, and embedded files (e-invoice XML).
 * pdf.js runs in a worker thread (pdf-worker.ts) with a time limit per request: a timer alone
 * cannot stop a parser stuck in a synchronous loop, terminating its thread can. A stopped worker
 * is replaced for the next document. Encrypted, corrupt and empty documents become InputErrors
 * with a clear reason.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../errors.ts';

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

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

let worker: Worker | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;
let nextDoc = 1;

function stopWorker(reason: string): void {
  const w = worker;
  worker = undefined;
  for (const [id, p] of pending) {
    clearTimeout(p.timer);
    p.reject(new InputError(reason));
    pending.delete(id);
  }
  void w?.terminate();
}

function startWorker(): Worker {
  const w = new Worker(WORKER_URL, { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
  w.unref();
  w.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: { name: string; message: string } }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (!pending.size) w.unref();
    if (msg.ok) p.resolve(msg.result);
    else p.reject(Object.assign(new Error(msg.error?.message ?? 'unknown error'), { name: msg.error?.name ?? 'Error' }));
  });
  w.on('error', (err) => {
    if (worker === w) stopWorker(/memory/i.test(String(err)) ? 'the PDF needs more memory to read than allowed' : `the PDF reader failed: ${err.message}`);
  });
  w.on('exit', (code) => {
    if (worker === w) stopWorker(`the PDF reader stopped (code ${code})`);
  });
  return w;
}

function call<T>(request: Record<string, unknown>, timeoutMs: number): Promise<T> {
  worker ??= startWorker();
  const w = worker;
  const id = nextId++;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => stopWorker(`reading the PDF took longer than ${timeoutMs} ms: stopped`), timeoutMs);
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
    w.ref();
    w.postMessage({ ...request, id });
  });
}

export async function openPdf(bytes: Buffer, options: { maxPages?: number; password?: string; timeoutMs?: number } = {}): Promise<PdfDocument> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doc = nextDoc++;
  let total: number;
  let texts: string[];
  try {
    ({ total, texts } = await call<{ total: number; texts: string[] }>({ op: 'open', doc, bytes: new Uint8Array(bytes), maxPages: options.maxPages ?? 50, ...(options.password ? { password: options.password } : {}) }, timeoutMs));
  } catch (err) {
    if (err instanceof InputError) throw err;
    const message = (err as Error).message ?? String(err);
    const name = (err as Error).name ?? '';
    if (/password/i.test(message) || /Password/.test(name)) throw new InputError('the PDF is encrypted (password protected)', { cause: err });
    throw new InputError(`corrupt or unreadable PDF: ${message}`, { cause: err });
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
      const data = await call<Uint8Array | null>({ op: 'render', doc, page, scale }, timeoutMs);
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
  stopWorker('the PDF reader was closed');
}
