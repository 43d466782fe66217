/**
 * DOCX resumes through mammoth (its HTML keeps headings, bold runs and list items, which the raw
 * text drops): one Line per paragraph, list item or heading. Table cells in one row become
 * segments of one line, as a two-cell "Company | Dates" row reads on the page.
 */
import mammoth from 'mammoth';
import { InputError } from '../../errors.ts';
import type { Line } from './lines.ts';

const decode = (s: string) =>
  s
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

export async function docxLines(bytes: Buffer): Promise<Line[]> {
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes }, { externalFileAccess: false, ignoreEmptyParagraphs: true })).value;
  } catch (err) {
    throw new InputError(`unreadable DOCX: ${(err as Error).message}`, { cause: err });
  }
  const lines: Line[] = [];
  const push = (inner: string, tag: string) => {
    const text = decode(inner);
    if (!text) return;
    const heading = /^h[1-6]$/.test(tag);
    const strongOnly = /^\s*<strong>[\s\S]*<\/strong>\s*$/.test(inner);
    const segments = text.split(/\t+/).map((s) => s.trim()).filter(Boolean);
    lines.push({ text: (tag === 'li' ? `• ${text}` : text), segments: tag === 'li' ? [`• ${text}`] : segments, page: 1, x: 0, y: lines.length, size: heading ? (tag === 'h1' ? 20 : 14) : 0, bold: heading || strongOnly, gapAbove: 0 });
  };
  // Rows first: cells of one table row read as one line.
  const withRows = html.replace(/<tr>([\s\S]*?)<\/tr>/g, (_m, row: string) => {
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1]!.replace(/<\/p>/g, ' '))).filter(Boolean);
    return `<p>${cells.join('\t')}</p>`;
  });
  for (const m of withRows.matchAll(/<(p|li|h[1-6])[^>]*>([\s\S]*?)<\/\1>/g)) push(m[2]!.replace(/\t/g, '\t'), m[1]!);
  return lines.map((l) => (l.segments.length > 1 ? { ...l, text: l.segments.join(' | ') } : l));
}
