/**
 * Extracts an invoice from a PDF or an image along independent paths and cross-checks them:
 * the PDF text layer, OCR of the rendered page (or of the image), and a vision model when one
 * is configured. Every failure is a result with a reason, never a crash or a hang.
 */
import { InputError, errorMessage } from '../errors.ts';
import { detectInputKind } from '../intake/detect.ts';
import { crossCheck, KEY_FIELDS, type Check, type CrossCheckResult, type PathName } from './cross-check.ts';
import { parseEInvoiceXml, readEmbeddedInvoice } from './einvoice.ts';
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

/** What one model call cost: recorded on the run beside the decision it informed. */
export interface ModelCall {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  latencyMs: number;
}

export interface ModelReading {
  fields: InvoiceFields;
  call: ModelCall;
}

/** The model paths through the decision core (vision and text); absent with the offline provider. */
export interface ModelExtractor {
  name: string;
  fromImages(images: Buffer[]): Promise<ModelReading>;
  /** The PDF itself, where the provider reads documents; null when this one is too large for it. */
  fromPdf?(pdf: Buffer, pages: number): Promise<ModelReading | null>;
  fromText(text: string): Promise<ModelReading>;
}

export interface ExtractionResult {
  file: string;
  pages: number;
  source: 'text' | 'ocr' | 'mixed' | 'einvoice' | 'none';
  fields: Record<(typeof KEY_FIELDS)[number], unknown>;
  detail: CrossCheckResult['fields'] | null;
  paths: Record<'einvoice' | 'text' | 'ocr' | 'vision' | 'text_model', { status: 'ok' | 'unavailable' | 'failed' | 'skipped'; reason?: string; confidence?: number }>;
  checks: Check[];
  review: CrossCheckResult['review'];
  needs_review: boolean;
  not_an_invoice: string | null;
  line_items: InvoiceFields['line_items'];
  timings_ms: Record<string, number>;
  /** What the reader left out or worked around (pages beyond the limit, a retried OCR). */
  warnings: string[];
  /** The e-invoice says this is a credit note: money owed to us, never a bill to pay. */
  credit_note: boolean;
  /** Every model call made for this document, with tokens and cost. */
  model_calls: Array<ModelCall & { path: 'vision' | 'text_model' }>;
  error?: string;
}

/**
 * Words that bills and receipts print, in the languages the field extractor reads. A scan whose
 * fields cannot be read (no total, hardly a date) may still plainly be a receipt: then a person
 * reads it, instead of it being dropped as "not an invoice".
 */
const BILL_WORDS = /(?<![\p{L}\d])(invoices?|receipts?|bill|tax invoice|total|sub-?total|tax|gst|sst|vat|cash|change due|tender(?:ed)?|amount|amt|qty|rechnung|quittung|kassenbon|beleg|summe|mwst|ust|facture|reçu|tva|factura|recibo|iva|fattura|ricevuta|scontrino|factuur|kassabon|btw|fatura)(?![\p{L}\d])/giu;
/** German and Dutch write them as the last part of a compound (Beitragsrechnung, Versicherungsteuer). */
const BILL_STEMS = /(?<![\p{L}\d])\p{L}*?(rechnung|steuer|betrag|summe|factuur|bedrag)(?:s|en)?(?![\p{L}\d])/giu;
const MONEY = /\d[.,]\d{2}(?!\d)/g;

export function billVocabulary(text: string): { words: string[]; amounts: number } {
  const stems = [...text.matchAll(BILL_STEMS)].map((m) => m[1]!);
  const words = [...new Set([...(text.match(BILL_WORDS) ?? []), ...stems].map((w) => w.toLowerCase()))];
  return { words, amounts: (text.match(MONEY) ?? []).length };
}

const readsLikeABill = (v: { words: string[]; amounts: number }) => v.words.length >= 3 || (v.words.length >= 2 && v.amounts >= 2);

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
    /** Also let the model read the text layer, for comparison with the deterministic extractor. */
    textModel?: boolean;
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
    text_model: deps.vision && deps.textModel ? { status: 'skipped' } : { status: 'unavailable', reason: deps.vision ? 'not configured (EXTRACT_TEXT_MODEL)' : 'offline provider: no model configured' },
  };
  const found: Partial<Record<PathName, InvoiceFields>> = {};
  let pages = 0;
  let source: ExtractionResult['source'] = 'none';
  const images: Buffer[] = [];
  const warnings: string[] = [];
  const modelCalls: ExtractionResult['model_calls'] = [];
  let pdfText = '';
  /** Everything read, for the "is this a bill at all" judgement when the fields say little. */
  const read: string[] = [];
  let creditNote = false;

  const kind = detectInputKind(bytes);
  const work = async () => {
    if (kind.kind === 'pdf') {
      const t = Date.now();
      const pdf = await openPdf(bytes, { maxPages: limits.maxPages });
      try {
        pages = pdf.pages;
        timings.text = Date.now() - t;
        const usable = pdf.usable.filter(Boolean).length;
        source = usable === pdf.texts.length ? 'text' : usable === 0 ? 'ocr' : 'mixed';
        if (usable) {
          pdfText = pdf.texts.join('\n');
          read.push(pdfText);
          found.text = extractInvoiceFields(pdfText).fields;
          paths.text = { status: 'ok' };
        } else paths.text = { status: 'failed', reason: 'no usable text layer (scanned pages)' };
        if (deps.einvoice !== false) {
          const t1 = Date.now();
          try {
            const embedded = await readEmbeddedInvoice(bytes);
            if (embedded) {
              found.einvoice = embedded.fields;
              paths.einvoice = { status: 'ok', reason: embedded.format };
              creditNote = embedded.creditNote;
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
        try {
          for (const p of toOcr) {
            const image = await pdf.render(p);
            images.push(image);
            const r = await readImage(deps.ocr, image);
            if (r.retried) warnings.push(`page ${p}: little text on the first OCR pass; read again in greyscale`);
            texts.push(r.text);
            read.push(r.text);
            conf += r.confidence;
          }
          found.ocr = extractInvoiceFields(texts.join('\n')).fields;
          paths.ocr = { status: 'ok', confidence: Math.round(conf / toOcr.length) };
        } catch (err) {
          // A page that cannot be rendered or read costs the OCR path, not the readings already made (found by fuzzing).
          if (!found.text && !found.einvoice) throw err;
          paths.ocr = { status: 'failed', reason: errorMessage(err) };
        }
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
      read.push(r.text);
      found.ocr = extractInvoiceFields(r.text).fields;
      paths.ocr = { status: 'ok', confidence: Math.round(r.confidence) };
      timings.ocr = Date.now() - t;
    } else if (kind.kind === 'einvoice' && deps.einvoice !== false) {
      // XRechnung and friends travel as XML alone: the legal invoice, read exactly.
      const parsed = parseEInvoiceXml(bytes);
      if (!parsed) throw new InputError('an XML file that is not a readable e-invoice (CII or UBL)');
      found.einvoice = parsed.fields;
      paths.einvoice = { status: 'ok', reason: parsed.syntax };
      creditNote = parsed.creditNote;
      paths.text = { status: 'unavailable', reason: 'an XML e-invoice has no pages' };
      source = 'einvoice';
      return;
    } else {
      throw new InputError('not a PDF, an image (PNG, JPEG, TIFF, WebP) or an XML e-invoice');
    }
    await readWithModels();
  };

  /** The model paths: each failure is recorded on its path and leaves the others to decide. */
  const readWithModels = async () => {
    const model = deps.vision;
    if (!model) return;
    const attempt = async (name: 'vision' | 'text_model', read: () => Promise<ModelReading | null>) => {
      const t = Date.now();
      try {
        const r = await read();
        if (r) {
          found[name] = r.fields;
          paths[name] = { status: 'ok' };
          modelCalls.push({ ...r.call, path: name });
        }
      } catch (err) {
        paths[name] = { status: 'failed', reason: errorMessage(err) };
      }
      timings[name] = Date.now() - t;
    };
    if (kind.kind === 'pdf' && model.fromPdf) {
      await attempt('vision', async () => (await model.fromPdf!(bytes, pages)) ?? (images.length ? model.fromImages(images) : null));
    } else if (images.length) {
      await attempt('vision', () => model.fromImages(images));
    }
    if (deps.textModel && pdfText) await attempt('text_model', () => model.fromText(pdfText));
  };

  try {
    await withDeadline(work(), limits.timeMs, 'extraction');
  } catch (err) {
    timings.total = Date.now() - started;
    return {
      file, pages, source, fields: Object.fromEntries(KEY_FIELDS.map((k) => [k, null])) as ExtractionResult['fields'], detail: null, paths, checks: [], review: [],
      needs_review: true, not_an_invoice: null, line_items: [], timings_ms: timings, warnings, credit_note: creditNote, model_calls: modelCalls, error: errorMessage(err),
    };
  }
  const checked = crossCheck(found);
  if (creditNote) {
    // Money coming back must never be paid out as if it were a bill.
    warnings.push('the e-invoice is a credit note (type 381): nothing is owed to the sender');
    checked.review.push({ field: 'total', values: [{ source: 'einvoice', value: checked.fields.total.value }], note: 'a credit note, not a bill to pay' });
    checked.needs_review = true;
  }
  const primary = found.einvoice ?? found.text ?? found.ocr ?? found.vision ?? found.text_model;
  const likely = primary ? invoiceLikelihood(primary) : { likely: false, reason: 'nothing could be read' };
  // Fields too sparse to call it an invoice, but the page reads like a bill or a receipt: it came
  // in as one, and nobody has read its total, so a person must (an honest "needs review").
  const vocabulary = likely.likely ? null : billVocabulary(read.join('\n'));
  const unreadBill = vocabulary !== null && readsLikeABill(vocabulary);
  if (unreadBill) {
    warnings.push(`reads like an invoice or receipt (${vocabulary.words.slice(0, 6).join(', ')}) but ${likely.reason}: a person must read it`);
    checked.needs_review = true;
  }
  const isBill = likely.likely || unreadBill;
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
    needs_review: isBill ? checked.needs_review : false,
    not_an_invoice: isBill ? null : likely.reason,
    line_items: primary?.line_items ?? [],
    timings_ms: timings,
    warnings,
    credit_note: creditNote,
    model_calls: modelCalls,
  };
}
