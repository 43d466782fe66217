/**
 * PDF reading with pdf-parse v2: the text layer per page, a decision per page whether that text
 * is usable or the page is a scan, and page rendering for OCR. Encrypted, corrupt and empty
 * documents become InputErrors with a clear reason.
 */
import { PDFParse } from 'pdf-parse';
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

export async function openPdf(bytes: Buffer, options: { maxPages?: number; password?: string } = {}): Promise<PdfDocument> {
  const parser = new PDFParse({ data: new Uint8Array(bytes), ...(options.password ? { password: options.password } : {}) });
  let total: number;
  let texts: string[];
  try {
    const result = await parser.getText({ first: options.maxPages ?? 50 });
    total = result.total;
    texts = result.pages.map((p) => p.text);
  } catch (err) {
    await parser.destroy().catch(() => undefined);
    const message = (err as Error).message ?? String(err);
    const name = (err as Error).name ?? '';
    if (/password/i.test(message) || /Password/.test(name)) throw new InputError('the PDF is encrypted (password protected)', { cause: err });
    throw new InputError(`corrupt or unreadable PDF: ${message}`, { cause: err });
  }
  if (!total) {
    await parser.destroy().catch(() => undefined);
    throw new InputError('the PDF has no pages');
  }
  return {
    pages: total,
    texts,
    usable: texts.map((t) => (t.match(/\p{L}/gu)?.length ?? 0) >= MIN_LETTERS),
    async render(page, scale = 2) {
      const shot = await parser.getScreenshot({ partial: [page], scale, imageBuffer: true, imageDataUrl: false });
      const data = shot.pages[0]?.data;
      if (!data) throw new InputError(`page ${page} could not be rendered`);
      return Buffer.from(data);
    },
    close: () => parser.destroy(),
  };
}
