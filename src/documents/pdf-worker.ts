/**
 * Worker thread entry for pdf-text.ts: pdf.js runs here, so a document that sends it into a
 * long synchronous loop stalls this thread, which the caller can terminate, not the service.
 * Requests: open (text layer), render (one page as PNG), attachments (embedded files), close.
 * Errors travel as { name, message } so the caller can classify them.
 */
import { parentPort } from 'node:worker_threads';
import { PDFParse } from 'pdf-parse';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

type Request =
  | { id: number; op: 'open'; doc: number; bytes: Uint8Array; maxPages: number; password?: string }
  | { id: number; op: 'render'; doc: number; page: number; scale: number }
  | { id: number; op: 'attachments'; bytes: Uint8Array }
  | { id: number; op: 'close'; doc: number };

const docs = new Map<number, PDFParse>();

async function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'open': {
      const parser = new PDFParse({ data: req.bytes, ...(req.password ? { password: req.password } : {}) });
      try {
        const result = await parser.getText({ first: req.maxPages });
        docs.set(req.doc, parser);
        return { total: result.total, texts: result.pages.map((p) => p.text) };
      } catch (err) {
        await parser.destroy().catch(() => undefined);
        throw err;
      }
    }
    case 'render': {
      const parser = docs.get(req.doc);
      if (!parser) throw new Error('document is not open');
      const shot = await parser.getScreenshot({ partial: [req.page], scale: req.scale, imageBuffer: true, imageDataUrl: false });
      return shot.pages[0]?.data ?? null;
    }
    case 'attachments': {
      const task = getDocument({ data: req.bytes, isEvalSupported: false, verbosity: 0, stopAtErrors: false });
      try {
        const doc = await task.promise;
        const found = ((await doc.getAttachments()) ?? {}) as Record<string, { filename: string; content: Uint8Array }>;
        return Object.values(found).map((a) => ({ filename: a.filename, content: a.content }));
      } finally {
        await task.destroy().catch(() => undefined);
      }
    }
    case 'close': {
      const parser = docs.get(req.doc);
      docs.delete(req.doc);
      await parser?.destroy().catch(() => undefined);
      return null;
    }
  }
}

parentPort!.on('message', (req: Request) => {
  handle(req).then(
    (result) => parentPort!.postMessage({ id: req.id, ok: true, result }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      parentPort!.postMessage({ id: req.id, ok: false, error: { name: e.name, message: e.message } });
    },
  );
});
