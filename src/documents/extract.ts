/**
 * Extracts an invoice from a PDF or an image along independent paths and cross-checks them:
 * the PDF text layer, OCR of the rendered page (or of the image), and a vision model when one
 * is configured. Every failure is a result with a reason, never a crash or a hang.
 */
import { InputError, errorMessage } from '../errors.ts';
import { detectInputKind } from '../intake/detect.ts';
import { crossCheck, KEY_FIELDS, type Check, type CrossCheckResult, type PathName } from './cross-check.ts';
import { readEmbeddedInvoice } from './einvoice.ts';
import { prepareImage } from './image-guard.ts';
import { extractInvoiceFields, invoiceLikelihood, type InvoiceFields } from './invoice-fields.ts';
import type { OcrPool } from './ocr-pool.ts';
import { readImage } from './ocr-read.ts';
import { openPdf } from './pdf-text.ts';

export interface ExtractLimits {
  maxPages: number;
  /** Pages OCR'd per document: first and last pages carry the fields. */
  maxOcrPages: number;
  timeMs: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxPages: 50, maxOcrPages: 3, timeMs: 120_000 };

/** A model path (vision or text) through the decision core; absent with the offline provider. */
export interface ModelExtractor {
  name: string;
  fromImages(images: Buffer[]): Promise<InvoiceFields>;
}

export interface ExtractionResult {
  file: string;
  pages: number;
  source: 'text' | 'ocr' | 'mixed' | 'none';
  fields: Record<(typeof KEY_FIELDS)[number], unknown>;
  detail: CrossCheckResult['fields'] | null;
  paths: Record<'einvoice' | 'text' | 'ocr' | 'vision', { status: 'ok' | 'unavailable' | 'failed' | 'skipped'; reason?: string; confidence?: number }>;
  checks: Check[];
  review: CrossCheckResult['review'];
  needs_review: boolean;
  not_an_invoice: string | null;
  line_items: InvoiceFields['line_items'];
  timings_ms: Record<string, number>;
  /** What the reader left out or worked around (pages beyond the limit, a retried OCR). */
  warnings: string[];
  error?: string;
}

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new InputError(`${what} took longer than ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

export async function extractDocument(
  bytes: Buffer,
  file: string,
  deps: {
    ocr: OcrPool;
    vision?: ModelExtractor;
    limits?: Partial<ExtractLimits>;
    /** Read embedded ZUGFeRD / Factur-X / XRechnung XML (default on; off to measure the visual paths alone). */
    einvoice?: boolean;
  },
): Promise<ExtractionResult> {
  const limits = { ...DEFAULT_EXTRACT_LIMITS, ...deps.limits };
  const timings: Record<string, number> = {};
  const started = Date.now();
  const paths: ExtractionResult['paths'] = {
    einvoice: deps.einvoice === false ? { status: 'skipped', reason: 'e-invoice reading turned off' } : { status: 'unavailable', reason: 'no embedded e-invoice XML' },
    text: { status: 'skipped' },
    ocr: { status: 'skipped' },
    vision: deps.vision ? { status: 'skipped' } : { status: 'unavailable', reason: 'offline provider: no vision model configured' },
  };
  const found: Partial<Record<PathName, InvoiceFields>> = {};
  let pages = 0;
  let source: ExtractionResult['source'] = 'none';
  const images: Buffer[] = [];
  const warnings: string[] = [];

  const work = async () => {
    const kind = detectInputKind(bytes);
    if (kind.kind === 'pdf') {
      const t = Date.now();
      const pdf = await openPdf(bytes, { maxPages: limits.maxPages });
      try {
        pages = pdf.pages;
        timings.text = Date.now() - t;
        const usable = pdf.usable.filter(Boolean).length;
        source = usable === pdf.texts.length ? 'text' : usable === 0 ? 'ocr' : 'mixed';
        if (usable) {
          found.text = extractInvoiceFields(pdf.texts.join('\n')).fields;
          paths.text = { status: 'ok' };
        } else paths.text = { status: 'failed', reason: 'no usable text layer (scanned pages)' };
        if (deps.einvoice !== false) {
          const t1 = Date.now();
          try {
            const embedded = await readEmbeddedInvoice(bytes);
            if (embedded) {
              found.einvoice = embedded.fields;
              paths.einvoice = { status: 'ok', reason: embedded.format };
            }
          } catch (err) {
            paths.einvoice = { status: 'failed', reason: errorMessage(err) };
          }
          timings.einvoice = Date.now() - t1;
        }
        // With the seller's XML and a text layer there are two independent readings already.
        if (found.einvoice && found.text) {
          paths.ocr = { status: 'skipped', reason: 'the embedded e-invoice and the text layer are the two independent paths' };
          return;
        }
        // OCR: the independent path for text PDFs, the only reader for scans.
        const t2 = Date.now();
        if (pdf.pages > limits.maxPages) warnings.push(`only the first ${limits.maxPages} of ${pdf.pages} pages have their text read; the last page is OCR'd for the totals`);
        // First and last pages carry the fields (the header and the totals), however long the document.
        const toOcr = [...new Set([1, pdf.pages])].slice(0, limits.maxOcrPages);
        const texts: string[] = [];
        let conf = 0;
        for (const p of toOcr) {
          const image = await pdf.render(p);
          images.push(image);
          const r = await readImage(deps.ocr, image);
          if (r.retried) warnings.push(`page ${p}: little text on the first OCR pass; read again in greyscale`);
          texts.push(r.text);
          conf += r.confidence;
        }
        found.ocr = extractInvoiceFields(texts.join('\n')).fields;
        paths.ocr = { status: 'ok', confidence: Math.round(conf / toOcr.length) };
        timings.ocr = Date.now() - t2;
      } finally {
        await pdf.close().catch(() => undefined);
      }
    } else if (kind.kind === 'image') {
      const t = Date.now();
      const image = await prepareImage(bytes);
      images.push(image);
      pages = 1;
      source = 'ocr';
      paths.text = { status: 'unavailable', reason: 'an image has no text layer' };
      const r = await readImage(deps.ocr, image);
      if (r.retried) warnings.push('little text on the first OCR pass; read again in greyscale');
      found.ocr = extractInvoiceFields(r.text).fields;
      paths.ocr = { status: 'ok', confidence: Math.round(r.confidence) };
      timings.ocr = Date.now() - t;
    } else {
      throw new InputError('not a PDF or an image (PNG, JPEG, TIFF, WebP)');
    }
    if (deps.vision && images.length) {
      const t = Date.now();
      try {
        found.vision = await deps.vision.fromImages(images);
        paths.vision = { status: 'ok' };
      } catch (err) {
        paths.vision = { status: 'failed', reason: errorMessage(err) };
      }
      timings.vision = Date.now() - t;
    }
  };

  try {
    await withDeadline(work(), limits.timeMs, 'extraction');
  } catch (err) {
    timings.total = Date.now() - started;
    return {
      file, pages, source, fields: Object.fromEntries(KEY_FIELDS.map((k) => [k, null])) as ExtractionResult['fields'], detail: null, paths, checks: [], review: [],
      needs_review: true, not_an_invoice: null, line_items: [], timings_ms: timings, warnings, error: errorMessage(err),
    };
  }
  const checked = crossCheck(found);
  const primary = found.einvoice ?? found.text ?? found.ocr ?? found.vision;
  const likely = primary ? invoiceLikelihood(primary) : { likely: false, reason: 'nothing could be read' };
  timings.total = Date.now() - started;
  return {
    file,
    pages,
    source,
    fields: Object.fromEntries(KEY_FIELDS.map((k) => [k, checked.fields[k].value])) as ExtractionResult['fields'],
    detail: checked.fields,
    paths,
    checks: checked.checks,
    review: checked.review,
    needs_review: likely.likely ? checked.needs_review : false,
    not_an_invoice: likely.likely ? null : likely.reason,
    line_items: primary?.line_items ?? [],
    timings_ms: timings,
    warnings,
  };
}
