/**
 * The store of labelled examples: what people corrected, kept as the text they saw and the
 * label they gave. `nearestExamples` finds the stored examples closest to a new text, in SQL:
 * candidates share at least one word (a GIN-indexed OR query over the text's lexemes), and are
 * ranked by the cosine between the two sets of lexemes (stop words of seven languages removed,
 * then stemmed; see migration 0011).
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { toJsonb, type Queryable } from '../engine/run-store.ts';

export const EXAMPLE_KINDS = ['route', 'category', 'priority', 'field', 'draft'] as const;
export type ExampleKind = (typeof EXAMPLE_KINDS)[number];

/** How much of a body an example keeps: what an approval shows a person (its excerpt). */
export const EXAMPLE_BODY_CHARS = 500;

export const exampleInputSchema = z.object({
  kind: z.enum(EXAMPLE_KINDS),
  text: z.string().transform((t) => clean(t).trim()).pipe(z.string().min(1)),
  label: z.record(z.string(), z.unknown()),
  source: z.string().min(1),
  runId: z.string().uuid().nullish(),
  approvalId: z.string().min(1).nullish(),
  by: z.array(z.string()).default([]),
});
export type ExampleInput = z.input<typeof exampleInputSchema>;

export interface Neighbour {
  id: string;
  kind: ExampleKind;
  text: string;
  label: Record<string, unknown>;
  source: string;
  runId: string | null;
  approvalId: string | null;
  createdAt: Date;
  /** Cosine between the two texts' sets of lexemes, 0 (nothing shared) to 1 (the same words). */
  similarity: number;
}

/** What the decision core needs of the store: the k nearest examples of one kind. */
export interface ExamplesPort {
  nearest(text: string, kind: ExampleKind, k: number): Promise<Neighbour[]>;
}

/**
 * The text an example is stored and looked up by: subject and the start of the body, as a
 * person sees it in an approval. Both sides must be cut the same way, or a long message would
 * never look like its own short excerpt.
 */
export function exampleText(subject: string | null | undefined, body: string | null | undefined): string {
  return clean([subject?.trim() ?? '', (body ?? '').slice(0, EXAMPLE_BODY_CHARS).trim()].filter(Boolean).join('\n'));
}

// PostgreSQL text cannot hold NUL, and hostile mail carries it.
const clean = (text: string) => text.replaceAll(String.fromCharCode(0), '');

/** Records one correction; the same correction recorded again (a replayed step) is ignored. */
export async function recordExample(db: Queryable, input: ExampleInput): Promise<{ id: string; recorded: boolean }> {
  const e = exampleInputSchema.parse(input);
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify([e.kind, e.source, e.runId ?? null, e.approvalId ?? null, e.text, e.label]))
    .digest('hex');
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO mailroom.labelled_examples (kind, text, label, source, key, run_id, approval_id, created_by)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)
     ON CONFLICT (key) DO NOTHING RETURNING id`,
    [e.kind, e.text, toJsonb(e.label), e.source, key, e.runId ?? null, e.approvalId ?? null, e.by],
  );
  if (inserted.rows[0]) return { id: inserted.rows[0].id, recorded: true };
  const existing = await db.query<{ id: string }>('SELECT id FROM mailroom.labelled_examples WHERE key = $1', [key]);
  return { id: existing.rows[0]!.id, recorded: false };
}

export async function recordExamples(db: Queryable, inputs: ExampleInput[]): Promise<number> {
  let n = 0;
  for (const input of inputs) if ((await recordExample(db, input)).recorded) n++;
  return n;
}

interface NeighbourRow {
  id: string;
  kind: ExampleKind;
  text: string;
  label: Record<string, unknown>;
  source: string;
  run_id: string | null;
  approval_id: string | null;
  created_at: Date;
  similarity: number;
}

/**
 * The stored examples nearest to `text`, best first. The OR query is built from the text's own
 * lexemes by quoting each one (tsquery syntax), so no word in a hostile mail can be read as an
 * operator.
 */
export async function nearestExamples(db: Queryable, text: string, options: { kind?: ExampleKind; limit?: number; minSimilarity?: number } = {}): Promise<Neighbour[]> {
  const { rows } = await db.query<NeighbourRow>(
    `WITH q AS (
       SELECT tsvector_to_array(v) AS lexemes, length(v) AS n
         FROM to_tsvector('mailroom.examples_fts'::regconfig, $1) AS v
     ), query AS (
       SELECT q.lexemes, q.n,
              (SELECT string_agg('''' || replace(replace(l, '\\', '\\\\'), '''', '''''') || '''', ' | ') FROM unnest(q.lexemes) AS l)::tsquery AS tsq
         FROM q WHERE q.n > 0
     ), scored AS (
       SELECT e.*,
              (SELECT count(*) FROM unnest(tsvector_to_array(e.tsv)) AS l WHERE l = ANY (query.lexemes))::float8
                / sqrt(query.n::float8 * greatest(length(e.tsv), 1)) AS similarity
         FROM mailroom.labelled_examples e, query
        WHERE e.tsv @@ query.tsq AND ($2::text IS NULL OR e.kind = $2)
     )
     SELECT id, kind, text, label, source, run_id, approval_id, created_at, similarity
       FROM scored WHERE similarity >= $4
      ORDER BY similarity DESC, created_at DESC, id
      LIMIT $3`,
    [clean(text), options.kind ?? null, options.limit ?? 5, options.minSimilarity ?? 0],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    text: r.text,
    label: r.label,
    source: r.source,
    runId: r.run_id,
    approvalId: r.approval_id,
    createdAt: r.created_at,
    similarity: Math.round(r.similarity * 1000) / 1000,
  }));
}

/** Below this, two texts share a word or two by chance: not a neighbour worth showing. */
export const MIN_SIMILARITY = 0.2;

export function createExamplesPort(db: Queryable, options: { minSimilarity?: number } = {}): ExamplesPort {
  const minSimilarity = options.minSimilarity ?? MIN_SIMILARITY;
  return { nearest: (text, kind, k) => nearestExamples(db, text, { kind, limit: k, minSimilarity }) };
}
