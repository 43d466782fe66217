/**
 * parseResume: a resume file (PDF, DOCX, plain text) to JSON Resume with evidence.
 *
 * PDF: positioned text from pdf.js (pdf-layout.ts), every item judged visible or not on the
 * rendered page; invisible items (white or background-coloured, under 2 pt, off the page) are
 * dropped from the reading and reported as hidden text: a resume that hides "ignore previous
 * instructions" in white is an attack on whoever reads it next, model or person. Pages without a
 * text layer are read by OCR. The visible lines then go through the same pure steps for every
 * format: reading order (lines.ts), sections (sections.ts), contact rules (contact.ts), entries
 * (entries.ts). A person is asked to look (`needs_review`) whenever the parse has reason to doubt.
 */
import { extname } from 'node:path';
import { InputError } from '../../errors.ts';
import { createOcrPool, type OcrPool } from '../ocr-pool.ts';
import { readImage } from '../ocr-read.ts';
import { unseenLines } from './ocr-check.ts';
import { docxLines } from './docx.ts';
import { docxHiddenRuns } from './docx-hidden.ts';
import { pageLines, textLines, type Line } from './lines.ts';
import { readPdfLayout } from './pdf-layout.ts';
import { buildResume } from './build.ts';
import type { LayoutItem, LayoutPage } from './layout-types.ts';
import type { ParseResumeOptions, ResumeParse } from './types.ts';

export type { ResumeParse, ParseResumeOptions } from './types.ts';
export { buildResume } from './build.ts';

const HIDDEN_SAMPLES = 5;

/**
 * Running footers ("June 3, 2026 | Jane Smith · Résumé | 2") would read as entries: on a document
 * of several pages, text in the bottom band that carries a page number, a date or "resume", or
 * repeats on another page, is dropped from the reading (it stays visible; it is just not content).
 */
function dropRunningFooters(pages: LayoutPage[]): LayoutPage[] {
  if (pages.length < 2) return pages;
  const band = (p: LayoutPage, i: LayoutItem) => i.y > p.height * 0.93;
  const key = (t: string) => t.replace(/\d+/g, '#').replace(/\s+/g, ' ').trim().toLowerCase();
  const seen = new Map<string, Set<number>>();
  for (const p of pages) for (const i of p.items) if (band(p, i)) seen.set(key(i.str), (seen.get(key(i.str)) ?? new Set()).add(p.number));
  return pages.map((p) => ({
    ...p,
    items: p.items.filter((i) => !(band(p, i) && ((seen.get(key(i.str))?.size ?? 0) > 1 || /\d|r[ée]sum[ée]|\bcv\b|page/i.test(i.str)))),
  }));
}

/** Removes each hidden text once from the lines it appears in (and lines left empty). */
function withoutTexts(lines: Line[], texts: string[]): Line[] {
  let out = lines;
  for (const t of texts) {
    const i = out.findIndex((l) => l.text.includes(t));
    if (i < 0) continue;
    const text = out[i]!.text.replace(t, ' ').replace(/\s+/g, ' ').trim();
    out = text ? out.map((l, j) => (j === i ? { ...l, text, segments: l.segments.map((s) => s.replace(t, ' ').replace(/\s+/g, ' ').trim()).filter(Boolean) } : l)) : out.filter((_, j) => j !== i);
  }
  return out;
}

function kindOf(bytes: Buffer, filename: string): 'pdf' | 'docx' | 'text' {
  if (bytes.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'docx';
  const ext = extname(filename).toLowerCase();
  if (ext === '.pdf') return 'pdf';
  if (ext === '.docx') return 'docx';
  if (ext === '.doc') throw new InputError('legacy .doc files are not supported: save the resume as PDF or DOCX');
  return 'text';
}

export async function parseResume(bytes: Buffer, filename: string, options: ParseResumeOptions = {}): Promise<ResumeParse> {
  const kind = kindOf(bytes, filename);
  if (kind === 'docx') {
    // Hidden runs come out of mammoth as ordinary text: take them out of the lines again.
    const hiddenRuns = docxHiddenRuns(bytes);
    const lines = withoutTexts(await docxLines(bytes), hiddenRuns);
    const warnings = hiddenRuns.length ? [`hidden text dropped: ${hiddenRuns.length} run(s) in the document are hidden, white or under 2 pt; the resume was read on its visible text only`] : [];
    const result = buildResume(lines, { source: 'docx', warnings });
    return { ...result, hidden_text: { dropped: hiddenRuns.length, samples: hiddenRuns.slice(0, HIDDEN_SAMPLES).map((t) => t.slice(0, 200)) }, needs_review: result.needs_review || hiddenRuns.length > 0 };
  }
  if (kind === 'text') {
    const text = bytes.toString('utf8');
    if (text.includes('\u0000')) throw new InputError(`${filename}: not a PDF, DOCX or text file`);
    return buildResume(textLines(text), { source: 'text' });
  }

  const ocrCheck = options.ocrCheck === true && options.ocr !== false;
  const { pages: read, total } = await readPdfLayout(bytes, { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), renderAll: ocrCheck });
  const pages = dropRunningFooters(read);
  const warnings: string[] = [];
  if (total > pages.length) warnings.push(`only the first ${pages.length} of ${total} pages were read`);
  const hidden = read.flatMap((p) => p.items.filter((i) => i.hidden && i.str.trim()));
  const lines: Line[] = [];
  const unseen: string[] = [];
  let ocrUsed = false;
  let ownPool: OcrPool | undefined;
  try {
    for (const page of pages) {
      if (!page.scan) {
        const pl = pageLines(page);
        if (ocrCheck && page.png) {
          const pool = options.ocr || (ownPool ??= createOcrPool({ workers: 1 }));
          const gone = new Set(unseenLines(pl, (await readImage(pool, Buffer.from(page.png))).text));
          unseen.push(...[...gone].map((l) => l.text));
          lines.push(...pl.filter((l) => !gone.has(l)));
        } else lines.push(...pl);
        continue;
      }
      if (options.ocr === false || !page.png) {
        warnings.push(`page ${page.number} has no text layer and OCR is off: not read`);
        continue;
      }
      const pool = options.ocr || (ownPool ??= createOcrPool({ workers: 1 }));
      const read = await readImage(pool, Buffer.from(page.png));
      ocrUsed = true;
      lines.push(...textLines(read.text, page.number));
    }
  } finally {
    await ownPool?.close();
  }
  if (hidden.length) {
    const reasons = [...new Set(hidden.map((h) => h.hidden))].join(', ');
    warnings.push(`hidden text dropped: ${hidden.length} text item(s) in the file are not visible on the page (${reasons}); the resume was read on its visible text only`);
  }
  if (unseen.length) warnings.push(`hidden text dropped: ${unseen.length} line(s) of the text layer do not appear in the OCR of the rendered page (covered or clipped)`);
  const result = buildResume(lines, { source: ocrUsed ? 'ocr' : 'text', warnings, links: pages.flatMap((p) => p.links ?? []) });
  const samples = [...hidden.map((h) => h.str.trim()), ...unseen].slice(0, HIDDEN_SAMPLES).map((t) => t.slice(0, 200));
  return {
    ...result,
    hidden_text: { dropped: hidden.length + unseen.length, samples },
    needs_review: result.needs_review || hidden.length > 0 || unseen.length > 0,
  };
}
