/**
 * The built-in knowledge base: articles in PostgreSQL with full-text search. Imported from a
 * CSV (id,title,body,language,tags) or a folder of Markdown files (title from the first
 * heading or front matter `title:`; the file name is the id).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import type { Queryable } from '../engine/run-store.ts';
import { InputError } from '../errors.ts';
import { readCsv } from './csv.ts';

export interface Article {
  id: string;
  title: string;
  body: string;
  language: string;
  tags: string[];
}

const articleCsv = z.object({
  id: z.string().min(1),
  title: z.string().min(1),
  body: z.string().min(1),
  language: z.string().default('en'),
  tags: z.string().optional().transform((v) => (v ? v.split(/[;|,]/).map((s) => s.trim()).filter(Boolean) : [])),
});

function fromMarkdown(file: string): Article {
  let text = fs.readFileSync(file, 'utf8');
  let meta: Record<string, unknown> = {};
  const fm = /^---\n([\s\S]*?)\n---\n?/.exec(text);
  if (fm) {
    meta = (YAML.parse(fm[1]!) as Record<string, unknown>) ?? {};
    text = text.slice(fm[0].length);
  }
  const heading = /^#\s+(.+)$/m.exec(text);
  const title = String(meta.title ?? heading?.[1] ?? path.basename(file, '.md'));
  return {
    id: String(meta.id ?? path.basename(file, '.md')),
    title,
    body: text.trim(),
    language: String(meta.language ?? 'en'),
    tags: Array.isArray(meta.tags) ? meta.tags.map(String) : [],
  };
}

export function readArticles(source: string): Article[] {
  if (!fs.existsSync(source)) throw new InputError(`${source}: no such file or folder`);
  if (fs.statSync(source).isDirectory()) {
    return fs.readdirSync(source).filter((f) => f.endsWith('.md')).sort().map((f) => fromMarkdown(path.join(source, f)));
  }
  if (source.endsWith('.md')) return [fromMarkdown(source)];
  return readCsv(source, articleCsv);
}

export async function upsertArticles(db: Queryable, articles: Article[], sourceName?: string): Promise<number> {
  for (const a of articles) {
    await db.query(
      `INSERT INTO mailroom.kb_articles (id, title, body, language, tags, source) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body, language = EXCLUDED.language, tags = EXCLUDED.tags, source = EXCLUDED.source`,
      [a.id, a.title, a.body, a.language, a.tags, sourceName ?? null],
    );
  }
  return articles.length;
}

export interface SearchHit extends Article {
  rank: number;
}

/** Ranked matches for free text (any word may match), best first. */
export async function searchArticles(db: Queryable, text: string, limit = 3): Promise<SearchHit[]> {
  const words = [...new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, 40);
  if (!words.length) return [];
  const { rows } = await db.query<SearchHit>(
    `SELECT id, title, body, language, tags, ts_rank_cd(search, q) AS rank
       FROM mailroom.kb_articles, to_tsquery('simple', $1) q
      WHERE search @@ q ORDER BY rank DESC, id LIMIT $2`,
    [words.map((w) => w.replace(/'/g, '')).join(' | '), limit],
  );
  return rows;
}
