/**
 * From positioned text items to lines in reading order. Pure.
 *
 * A page is read as: the header band (name, contact: anything above where the columns begin),
 * then each column top to bottom. Columns are found as a vertical gutter that no text crosses
 * below the header, with real text on both sides; a flush-right strip of dates and places is not
 * a column (it belongs to the line it sits on). Items on one baseline join into one line; a wide
 * horizontal gap inside a line is kept as a segment break ("Northwind Labs | Jan 2021 - Present").
 */
import type { LayoutItem, LayoutPage } from './layout-types.ts';

export interface Line {
  text: string;
  /** The pieces of the line separated by wide gaps (one piece for most lines). */
  segments: string[];
  page: number;
  x: number;
  y: number;
  /** Largest font size on the line (points); 0 when unknown (text without layout). */
  size: number;
  bold: boolean;
  /** Vertical space above this line relative to its size (0 unknown / first line). */
  gapAbove: number;
}

interface Frag {
  str: string;
  x0: number;
  x1: number;
  y: number;
  h: number;
  bold: boolean;
}

const DATEISH = /^(?:[\p{L}.]+\s+)?\d{4}\b|^\d{1,2}[/.]\d{4}|present|current|heute/iu;

function sameLine(a: Frag, b: Frag): boolean {
  const tol = Math.min(a.h, b.h) * 0.45;
  return Math.abs(a.y + a.h - (b.y + b.h)) <= tol;
}

/** Finds one gutter splitting the page into two columns, or undefined. */
function findGutter(frags: Frag[], pageWidth: number): { x: number; top: number } | undefined {
  if (frags.length < 8) return undefined;
  const chars = (fs: Frag[]) => fs.reduce((s, f) => s + f.str.replace(/\s/g, '').length, 0);
  const candidates = [...new Set(frags.map((f) => Math.round(f.x0)))].filter((x) => x > pageWidth * 0.15 && x < pageWidth * 0.85).sort((a, b) => a - b);
  let best: { x: number; top: number; score: number } | undefined;
  for (const cx of candidates) {
    const g = cx - 1.5;
    const crossing = frags.filter((f) => f.x0 < g - 1 && f.x1 > g + 1);
    const right = frags.filter((f) => f.x0 >= g - 1);
    const left = frags.filter((f) => f.x1 <= g + 1);
    // Text crossing the gutter is allowed only above both columns (the header band).
    const top = Math.min(...right.map((f) => f.y), ...left.map((f) => f.y));
    const colTop = crossing.length ? Math.max(...crossing.map((f) => f.y + f.h)) : -Infinity;
    const below = (fs: Frag[]) => fs.filter((f) => f.y >= colTop);
    const l = below(left);
    const r = below(right);
    // Text crossing the gutter must all sit in the header band (the top of the page's text).
    const textTop = Math.min(...frags.map((f) => f.y));
    const textBottom = Math.max(...frags.map((f) => f.y + f.h));
    if (crossing.length && colTop > textTop + (textBottom - textTop) * 0.3) continue;
    // Real prose on both sides: a strip of dates and places flush right is not a column.
    const rText = r.filter((f) => !DATEISH.test(f.str.trim()) && f.str.trim().length > 3);
    const lText = l.filter((f) => !DATEISH.test(f.str.trim()) && f.str.trim().length > 3);
    if (rText.length < 4 || lText.length < 4) continue;
    const total = chars(l) + chars(r);
    const share = Math.min(chars(lText), chars(rText)) / Math.max(1, total);
    if (share < 0.12) continue;
    // Rows where both sides have text: a two-column page has many; a label rail has many too,
    // which is fine (labels then content reads well as columns as long as labels are sections).
    const score = share + (crossing.length ? 0 : 0.05);
    if (!best || score > best.score) best = { x: g, top: crossing.length ? colTop : top, score };
  }
  return best ? { x: best.x, top: best.top } : undefined;
}

function joinLine(frags: Frag[], page: number, prevBottom: number | undefined): Line {
  frags.sort((a, b) => a.x0 - b.x0);
  const segments: string[] = [];
  let current = '';
  let last: Frag | undefined;
  for (const f of frags) {
    if (!last) current = f.str;
    else {
      const gap = f.x0 - last.x1;
      const em = Math.max(f.h, last.h);
      if (gap > em * 1.6) {
        segments.push(current.trim());
        current = f.str;
      } else if (gap < em * 0.12 || /\s$/.test(current) || /^\s/.test(f.str)) current += f.str;
      else current += ` ${f.str}`;
    }
    last = f;
  }
  segments.push(current.trim());
  const clean = segments.map((s) => s.replace(/\s+/g, ' ')).filter(Boolean);
  const size = Math.max(...frags.map((f) => f.h));
  const y = Math.min(...frags.map((f) => f.y));
  const letters = frags.filter((f) => /\p{L}/u.test(f.str));
  return {
    text: clean.join(' | '),
    segments: clean,
    page,
    x: frags[0]!.x0,
    y,
    size,
    bold: letters.length > 0 && letters.every((f) => f.bold),
    gapAbove: prevBottom === undefined ? 0 : Math.max(0, (y - prevBottom) / size),
  };
}

function toLines(frags: Frag[], page: number): Line[] {
  const sorted = [...frags].sort((a, b) => a.y + a.h - (b.y + b.h) || a.x0 - b.x0);
  const rows: Frag[][] = [];
  for (const f of sorted) {
    const row = rows.at(-1);
    if (row && sameLine(row[0]!, f)) row.push(f);
    else rows.push([f]);
  }
  const lines: Line[] = [];
  let prevBottom: number | undefined;
  for (const row of rows) {
    const line = joinLine(row, page, prevBottom);
    if (line.text) lines.push(line);
    prevBottom = Math.max(...row.map((f) => f.y + f.h));
  }
  return lines;
}

/** Merges a letter-spaced heading ("J O R D A N  M E R R I T T") into words. */
function unspace(text: string): string {
  if (!/^(?:\p{L} ){3,}\p{L}(?: {2,}(?:\p{L} )*\p{L})*$/u.test(text)) return text;
  return text.split(/ {2,}/).map((w) => w.replace(/ /g, '')).join(' ');
}

export function pageLines(page: LayoutPage): Line[] {
  const frags: Frag[] = page.items
    .filter((i: LayoutItem) => !i.hidden && i.str.trim())
    .map((i) => ({ str: i.str, x0: i.x, x1: i.x + i.w, y: i.y, h: i.h, bold: i.bold }));
  const gutter = findGutter(frags, page.width);
  if (!gutter) return toLines(frags, page.number).map((l) => ({ ...l, text: unspace(l.text) }));
  const header = frags.filter((f) => f.y + f.h <= gutter.top + 0.5 && f.x0 < gutter.x - 1 && f.x1 > gutter.x + 1);
  const headerBottom = header.length ? Math.max(...header.map((f) => f.y + f.h)) : -Infinity;
  const rest = frags.filter((f) => !header.includes(f));
  const top = rest.filter((f) => f.y + f.h <= headerBottom + 0.5);
  const body = rest.filter((f) => !top.includes(f));
  const left = body.filter((f) => f.x0 < gutter.x);
  const right = body.filter((f) => f.x0 >= gutter.x);
  return [...toLines([...header, ...top], page.number), ...toLines(left, page.number), ...toLines(right, page.number)].map((l) => ({ ...l, text: unspace(l.text) }));
}

/** Lines from plain text (OCR, DOCX, pdftotext): no positions, so no layout cues. */
export function textLines(text: string, page = 1): Line[] {
  const out: Line[] = [];
  let blank = 0;
  for (const raw of text.split(/\r?\n/)) {
    if (!raw.trim()) {
      blank++;
      continue;
    }
    const indent = raw.match(/^\s*/)![0].length;
    const segments = raw.trim().split(/\s{3,}/).filter(Boolean);
    out.push({ text: segments.join(' | '), segments, page, x: indent * 5, y: out.length, size: 0, bold: false, gapAbove: out.length && blank ? 1.5 : 0 });
    blank = 0;
  }
  return out;
}
