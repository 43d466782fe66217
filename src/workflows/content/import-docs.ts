/**
 * Reads a folder of research sources (`mailroom data import docs <folder>`): Markdown (title
 * from front matter or the first heading), plain text, PDF (the text layer, via the shared PDF
 * reader) and HTML (the article as Firefox's Reader View finds it: @mozilla/readability over a
 * linkedom DOM). Each file's id is its path under the folder, so a re-import updates in place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import YAML from 'yaml';
import { openPdf } from '../../documents/pdf-text.ts';
import { errorMessage, InputError } from '../../errors.ts';
import type { SourceDocument } from './sources.ts';

const KINDS: Record<string, SourceDocument['kind']> = { '.md': 'markdown', '.markdown': 'markdown', '.txt': 'text', '.text': 'text', '.pdf': 'pdf', '.html': 'html', '.htm': 'html' };

export function readMarkdownSource(text: string, fallbackTitle: string): { title: string; body: string; language?: string } {
  let body = text.replace(/\r\n/g, '\n');
  let meta: Record<string, unknown> = {};
  const fm = /^---\n([\s\S]*?)\n---\n?/.exec(body);
  if (fm) {
    meta = (YAML.parse(fm[1]!) as Record<string, unknown> | null) ?? {};
    body = body.slice(fm[0].length);
  }
  const heading = /^#\s+(.+)$/m.exec(body);
  return { title: String(meta.title ?? heading?.[1] ?? fallbackTitle).trim(), body: body.trim(), ...(meta.language ? { language: String(meta.language) } : {}) };
}

/** Plain text: a short first line is its title (and stays part of the text). */
export function readTextSource(text: string, fallbackTitle: string): { title: string; body: string } {
  const body = text.replace(/\r\n/g, '\n').trim();
  const first = body.split('\n')[0]!.trim();
  return { title: first && first.length <= 120 && !/[.!?]$/.test(first) ? first : fallbackTitle, body };
}

/** The readable article of an HTML page as text: paragraphs kept apart, markup gone. */
export function readHtmlSource(html: string, fallbackTitle: string): { title: string; body: string } {
  const { document } = parseHTML(html);
  const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0]).parse();
  const text = (article?.textContent ?? document.body?.textContent ?? '')
    .split(/\n\s*\n|\n/)
    .map((l: string) => l.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n\n');
  return { title: (article?.title || document.title || fallbackTitle).trim(), body: text };
}

async function readPdfSource(bytes: Buffer, fallbackTitle: string): Promise<{ title: string; body: string }> {
  const pdf = await openPdf(bytes);
  try {
    const body = pdf.texts.filter((_, i) => pdf.usable[i]).join('\n\n').replace(/[ \t]+\n/g, '\n').trim();
    if (!body) throw new InputError('no text layer (a scan); OCR it first or import a text version');
    const firstLine = body.split('\n').find((l) => l.trim().length > 3)?.trim();
    return { title: firstLine && firstLine.length <= 120 ? firstLine : fallbackTitle, body };
  } finally {
    await pdf.close();
  }
}

export interface ReadResult {
  documents: SourceDocument[];
  skipped: Array<{ file: string; reason: string }>;
}

/** Every supported file under `folder` (recursively); unreadable files are reported, not fatal. */
export async function readSourceFolder(folder: string): Promise<ReadResult> {
  if (!fs.existsSync(folder)) throw new InputError(`${folder}: no such file or folder`);
  const root = fs.statSync(folder).isDirectory() ? folder : path.dirname(folder);
  const files = fs.statSync(folder).isDirectory()
    ? (fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort()
    : [folder];
  const out: ReadResult = { documents: [], skipped: [] };
  for (const file of files) {
    const kind = KINDS[path.extname(file).toLowerCase()];
    const rel = path.relative(root, file);
    if (!kind) {
      out.skipped.push({ file: rel, reason: 'not Markdown, text, PDF or HTML' });
      continue;
    }
    const fallback = path.basename(file, path.extname(file));
    try {
      const bytes = fs.readFileSync(file);
      const read = kind === 'markdown' ? readMarkdownSource(bytes.toString('utf8'), fallback)
        : kind === 'text' ? readTextSource(bytes.toString('utf8'), fallback)
        : kind === 'html' ? readHtmlSource(bytes.toString('utf8'), fallback)
        : await readPdfSource(bytes, fallback);
      if (!read.body.trim()) throw new InputError('no text');
      out.documents.push({ id: rel.split(path.sep).join('/').replace(/\.[^./]+$/, ''), kind, source_path: path.resolve(file), ...read });
    } catch (err) {
      out.skipped.push({ file: rel, reason: errorMessage(err).split('\n')[0]! });
    }
  }
  return out;
}
