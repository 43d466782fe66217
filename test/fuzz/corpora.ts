/**
 * The real inputs the fuzz tests mutate, read from ../shared/data (nobody here wrote them), and
 * each format's own way of nesting (for the `nest` mutation) and meaningful tokens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sharedData } from '../harness/shared.ts';
import type { Format } from './mutations.ts';

export interface Corpus {
  names: string[];
  files: Buffer[];
}

function load(paths: string[], maxBytes: number): Corpus {
  const kept = paths.filter((p) => fs.statSync(p).size <= maxBytes).sort();
  return { names: kept.map((p) => path.relative(sharedData(), p)), files: kept.map((p) => fs.readFileSync(p)) };
}

const inDir = (dir: string, pattern: RegExp) => (fs.existsSync(sharedData(dir)) ? fs.readdirSync(sharedData(dir)).filter((f) => pattern.test(f)).map((f) => sharedData(dir, f)) : []);
const walk = (dir: string, pattern: RegExp): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), pattern) : pattern.test(e.name) ? [path.join(dir, e.name)] : [])).sort() : [];

/** Mail: the labelled samples and every parser-suite message up to 64 KB (see eml/MESSAGES.txt). */
export function mailCorpus(options: { withDocuments?: boolean } = {}): Corpus {
  const suites = fs.readFileSync(sharedData('eml', 'MESSAGES.txt'), 'utf8').split('\n').filter(Boolean).map((l) => sharedData('eml', l.trim()));
  const samples = inDir('samples', /\.eml$/).filter((p) => options.withDocuments !== false || /support/.test(p));
  return load([...samples, ...suites], 64 * 1024);
}

/** PDFs: invoices with text layers and scans, SaaS receipts, hybrid e-invoices (embedded XML). */
export function pdfCorpus(maxBytes = 400 * 1024): Corpus {
  const zugferd = walk(sharedData('invoices-zugferd'), /\.pdf$/).filter((_, i) => i % 4 === 0);
  return load([...inDir('invoices', /\.pdf$/), ...inDir('invoices-parsee', /\.pdf$/), ...zugferd], maxBytes);
}

/** E-invoice XML: the CII documents extracted from the hybrid PDFs, and XRechnung files. */
export function xmlCorpus(): Corpus {
  return load([...walk(sharedData('invoices-zugferd', 'extracted_xml'), /\.xml$/i), ...walk(sharedData('invoices-zugferd', 'XML-Rechnung'), /\.xml$/i)], 256 * 1024);
}

/** Lead form submissions (JSON), the bodies webhooks carry. */
export function jsonCorpus(): Corpus {
  return load(inDir('leads', /^\d+-[a-z]+\.json$/), 64 * 1024);
}

const splitHead = (text: string) => {
  const end = text.search(/\r?\n\r?\n/);
  return end < 0 ? { head: text, body: '' } : { head: text.slice(0, end), body: text.slice(end).replace(/^\r?\n\r?\n/, '') };
};

export const mimeFormat: Format = {
  headerBlock: true,
  tokens: ['\r\n--', '\r\n\r\n', '\r\n--boundary--\r\n', '=?utf-8?B?', '=?iso-2022-jp?Q?=1B$B', '=?', '?=', '=\r\n', '\0', '\r', '\n ', 'Content-Type: multipart/mixed; boundary=""\r\n', 'Content-Type: message/rfc822\r\n', 'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n', '; charset=utf-7', '; charset=x-unknown', 'Content-Disposition: attachment; filename*=utf-8\'\'%FF%FE\r\n', 'begin 644 x.bin\r\n', '<html><body>', '<!--', '&#xFFFF;', 'From: <>\r\n', 'Message-ID: <>\r\n'],
  nest(bytes, depth) {
    const { head, body } = splitHead(bytes.toString('latin1'));
    // The message's own headers without its Content-Type, then `depth` nested multipart/mixed levels around its body.
    const headers = head.replace(/^content-type:.*(\r?\n[ \t].*)*(\r?\n|$)/gim, '').replace(/\r?\n?$/, '\r\n');
    const open = Array.from({ length: depth }, (_, i) => `--n${i}\r\nContent-Type: multipart/mixed; boundary="n${i + 1}"\r\n\r\n`).join('');
    const close = Array.from({ length: depth }, (_, i) => `\r\n--n${depth - 1 - i}--`).join('');
    return Buffer.from(`${headers}Content-Type: multipart/mixed; boundary="n0"\r\n\r\n${open}--n${depth}\r\nContent-Type: text/plain\r\n\r\n${body}\r\n--n${depth}--${close}\r\n`, 'latin1');
  },
};

export const xmlFormat: Format = {
  tokens: ['<', '>', '</', '<![CDATA[', ']]>', '<!--', '-->', '&amp;', '&#x0;', '&lol;', '<?xml version="1.0"?>', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>', 'xmlns:ram="x"', ' a="', '"', '\uFEFF', '\0'],
  nest(bytes, depth) {
    const text = bytes.toString('utf8');
    // Deep elements just inside the root, where the invoice's own elements begin.
    const root = /<(?!\?|!)[^>]*>/.exec(text);
    const i = root ? root.index + root[0].length : 0;
    return Buffer.from(`${text.slice(0, i)}${'<ram:Note>'.repeat(depth)}x${'</ram:Note>'.repeat(depth)}${text.slice(i)}`, 'utf8');
  },
};

export const jsonFormat: Format = {
  tokens: ['{', '}', '[', ']', '"', '\\', '\\u0000', '\\ud800', ',', ':', 'null', '1e999', '-0', '"__proto__":{"x":1},', '"constructor":{"prototype":{}},', '\u2028'],
  nest(bytes, depth) {
    const text = bytes.toString('utf8').trim();
    // Deep nesting as a field of the object (so the body stays an object), else around it.
    const deep = `${'{"a":['.repeat(depth)}1${']}'.repeat(depth)}`;
    return Buffer.from(text.startsWith('{') ? `{"nested":${deep},${text.slice(1)}` : `[${deep},${text}]`, 'utf8');
  },
};

export const pdfFormat: Format = {
  tokens: ['<<', '>>', '[', ']', '(', ')', '\\', 'obj', 'endobj', 'stream\r\n', 'endstream', 'xref', 'trailer', 'startxref', '/Length 999999999', '/Filter /FlateDecode', '/Type /Page', '%%EOF', '/Encrypt', '/Kids [1 0 R]', ' R ', '\0'],
  nest(bytes, depth) {
    const text = bytes.toString('latin1');
    // Deep arrays in the first dictionary: pdf.js parses objects recursively.
    const i = text.indexOf('<<');
    const at = i < 0 ? 0 : i + 2;
    return Buffer.from(`${text.slice(0, at)}/Nest ${'['.repeat(depth)}${']'.repeat(depth)} ${text.slice(at)}`, 'latin1');
  },
};

/** Resumes: the real PDFs of many generators (../shared/data/resumes), up to 300 KB. */
export function resumeCorpus(maxBytes = 300 * 1024): Corpus {
  return load(inDir('resumes', /\.pdf$/i), maxBytes);
}
