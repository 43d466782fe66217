/**
 * SQL for the content workflow's research sources: imported documents, the knowledge base (the
 * support workflow's articles), and the snippets each run cites. Documents and articles are
 * searched with Postgres full text; a source counts as relevant by the share of the topic's
 * terms it contains, measured in the database on the same lexemes its index holds.
 */
import crypto from 'node:crypto';
import type { Queryable } from '../../engine/run-store.ts';

export const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex');

export interface SourceDocument {
  id: string;
  title: string;
  kind: 'markdown' | 'text' | 'pdf' | 'html';
  source_path: string | null;
  body: string;
  language?: string;
}

export async function upsertDocuments(db: Queryable, docs: readonly SourceDocument[]): Promise<{ inserted: number; updated: number; unchanged: number }> {
  const counts = { inserted: 0, updated: 0, unchanged: 0 };
  for (const d of docs) {
    const hash = sha256(d.body);
    const { rows } = await db.query<{ inserted: boolean; changed: boolean }>(
      `INSERT INTO mailroom.content_documents (id, title, kind, source_path, body, content_hash, language)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, kind = EXCLUDED.kind, source_path = EXCLUDED.source_path,
         body = EXCLUDED.body, content_hash = EXCLUDED.content_hash, language = EXCLUDED.language, imported_at = now()
       WHERE mailroom.content_documents.content_hash IS DISTINCT FROM EXCLUDED.content_hash OR mailroom.content_documents.title IS DISTINCT FROM EXCLUDED.title
       RETURNING (xmax = 0) AS inserted, true AS changed`,
      [d.id, d.title, d.kind, d.source_path, d.body, hash, d.language ?? 'en'],
    );
    if (!rows[0]) counts.unchanged++;
    else if (rows[0].inserted) counts.inserted++;
    else counts.updated++;
  }
  return counts;
}

/** Words too common to make a knowledge-base article relevant (the `simple` index keeps them). */
const STOPWORDS = ['the', 'and', 'for', 'with', 'from', 'into', 'about', 'what', 'when', 'how', 'why', 'our', 'your', 'their', 'this', 'that', 'these', 'those', 'are', 'was', 'were', 'has', 'have', 'been', 'will', 'can', 'you', 'not', 'all', 'its'];

export interface SourceHit {
  kind: 'document' | 'kb';
  id: string;
  title: string;
  body: string;
  hash: string;
  rank: number;
  /** Topic terms (lexemes) the source contains, of `terms`. */
  matched: number;
  terms: number;
}

/**
 * Sources that contain any of the topic's terms, best first, with how many of the terms each
 * contains. Documents use the `english` configuration (stems), articles the `simple` one, as
 * their indexes were built.
 */
export async function searchSources(db: Queryable, topic: string, limit = 10): Promise<SourceHit[]> {
  const { rows } = await db.query<SourceHit & { rank: string }>(
    `WITH en AS (SELECT array_agg(DISTINCT l) AS ls FROM unnest(tsvector_to_array(to_tsvector('english', $1))) l),
          si AS (SELECT array_agg(DISTINCT l) AS ls FROM unnest(tsvector_to_array(to_tsvector('simple', $1))) l WHERE length(l) > 2 AND l <> ALL($3::text[])),
          docs AS (
            SELECT 'document' AS kind, d.id, d.title, d.body, d.content_hash AS hash,
                   ts_rank_cd(d.search, q) AS rank,
                   (SELECT count(*) FROM unnest(en.ls) l WHERE d.search @@ quote_literal(l)::tsquery)::int AS matched,
                   coalesce(array_length(en.ls, 1), 0) AS terms
              FROM mailroom.content_documents d, en, to_tsquery('english', array_to_string(en.ls, ' | ')) q
             WHERE en.ls IS NOT NULL AND d.search @@ q),
          kb AS (
            SELECT 'kb' AS kind, a.id, a.title, a.body, encode(sha256(convert_to(a.body, 'UTF8')), 'hex') AS hash,
                   ts_rank_cd(a.search, q) AS rank,
                   (SELECT count(*) FROM unnest(si.ls) l WHERE a.search @@ quote_literal(l)::tsquery)::int AS matched,
                   coalesce(array_length(si.ls, 1), 0) AS terms
              FROM mailroom.kb_articles a, si, to_tsquery('simple', array_to_string(si.ls, ' | ')) q
             WHERE si.ls IS NOT NULL AND a.search @@ q)
     SELECT * FROM (SELECT * FROM docs UNION ALL SELECT * FROM kb) s
      ORDER BY matched DESC, rank DESC, id LIMIT $2`,
    [topic, limit, STOPWORDS],
  );
  return rows.map((r) => ({ ...r, rank: Number(r.rank) }));
}

/** The topic's terms as the document index stems them, for matching sentences in code. */
export async function topicTerms(db: Queryable, topic: string): Promise<string[]> {
  const { rows } = await db.query<{ l: string }>(`SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', $1))) AS l`, [topic]);
  return rows.map((r) => r.l);
}

/** Each word of the topic with its stems, to tell the requester which of their words no source covers. */
export async function wordStems(db: Queryable, topic: string): Promise<Array<{ word: string; stems: string[] }>> {
  const { rows } = await db.query<{ word: string; stems: string[] }>(
    `SELECT w AS word, tsvector_to_array(to_tsvector('english', w)) AS stems FROM regexp_split_to_table(lower($1), '[^[:alnum:]]+') WITH ORDINALITY AS t(w, n) WHERE w <> '' ORDER BY n`,
    [topic],
  );
  return rows;
}

export interface StoredSnippet {
  id: string;
  source_kind: 'document' | 'kb' | 'web';
  source_id: string;
  title: string;
  start_char: number;
  end_char: number;
  quote: string;
  quote_hash: string;
  source_hash: string;
}

/** Stores a run's snippets; a replay stores the same rows again without change. */
export async function storeSnippets(db: Queryable, runId: string, snippets: readonly StoredSnippet[]): Promise<void> {
  for (const s of snippets) {
    await db.query(
      `INSERT INTO mailroom.content_snippets (run_id, id, source_kind, source_id, title, start_char, end_char, quote, quote_hash, source_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id, id) DO NOTHING`,
      [runId, s.id, s.source_kind, s.source_id, s.title, s.start_char, s.end_char, s.quote, s.quote_hash, s.source_hash],
    );
  }
}

/**
 * A run's snippets with the current text of the document each came from (null when the source
 * is gone or changed since research: its hash no longer matches, so nothing can be verified).
 */
export async function snippetsWithSources(db: Queryable, runId: string): Promise<Array<StoredSnippet & { documentText: string | null }>> {
  const { rows } = await db.query<StoredSnippet & { body: string | null; current_hash: string | null }>(
    `SELECT s.id, s.source_kind, s.source_id, s.title, s.start_char, s.end_char, s.quote, s.quote_hash, s.source_hash,
            coalesce(d.body, a.body) AS body,
            coalesce(d.content_hash, encode(sha256(convert_to(a.body, 'UTF8')), 'hex')) AS current_hash
       FROM mailroom.content_snippets s
       LEFT JOIN mailroom.content_documents d ON s.source_kind = 'document' AND d.id = s.source_id
       LEFT JOIN mailroom.kb_articles a ON s.source_kind = 'kb' AND a.id = s.source_id
      WHERE s.run_id = $1 ORDER BY s.created_at, s.id`,
    [runId],
  );
  return rows.map(({ body, current_hash, ...s }) => ({ ...s, documentText: body !== null && current_hash === s.source_hash ? body : null }));
}
