/**
 * Runs as people look for them (the dashboard's /runs, and its bulk retry/cancel): filtered by
 * state, workflow, channel and creation time, and searched over subject, sender and extracted
 * fields; newest first with a keyset cursor (the same cursor as the API's run list).
 *
 * Where the words live: a routed workflow's input carries the parsed mail (`input.email`); the
 * router's own run has it in its `parse` step; extracted fields and outcomes are in the output.
 * The search is a case-insensitive substring match of every word (an address, an invoice number
 * or a part of one), over those few paths only: never over a megabyte body.
 */
import type { RunCursor } from '../engine/inspect.ts';
import type { Queryable } from '../engine/run-store.ts';
import type { RunState } from '../engine/types.ts';

export interface RunFilter {
  state?: RunState;
  workflow?: string;
  /** The channel the item came through (`items.source.channel`: imap, folder, slack, http…). */
  channel?: string;
  since?: Date;
  until?: Date;
  /** Words that must all appear (subject, sender, extracted fields). */
  q?: string;
}

export interface RunListRow {
  id: string;
  workflow: string;
  state: RunState;
  created_at: Date;
  updated_at: Date;
  subject: string | null;
  sender: string | null;
  channel: string | null;
  reason: string | null;
}

const PARSED = `(SELECT s.output FROM mailroom.steps s WHERE s.run_id = r.id AND s.step_id = 'parse')`;
// A uuid's shape checked without a regular expression (a counted repetition cost more than the
// rest of a search together); anything else names no item (never a failed cast).
const ITEM_ID = `CASE WHEN length(r.input->>'itemId') = 36 AND translate(r.input->>'itemId', '0123456789abcdefABCDEF', '') = '----'
  AND substr(r.input->>'itemId', 9, 1) = '-' AND substr(r.input->>'itemId', 14, 1) = '-' AND substr(r.input->>'itemId', 19, 1) = '-'
  AND substr(r.input->>'itemId', 24, 1) = '-' THEN (r.input->>'itemId')::uuid END`;
// The item is looked up only for the rows shown (and per run only when filtering by channel),
// never joined to every run a search scans.
const ITEM_SOURCE = `(SELECT i.source FROM mailroom.items i WHERE i.id = ${ITEM_ID})`;
const FROM = `
  FROM mailroom.runs r`;
// The router's parse step is read only for runs whose input carries no mail (one index probe
// each), not for every run a search looks at.
const SUBJECT = `CASE WHEN r.input ? 'email' THEN r.input#>>'{email,subject}' ELSE ${PARSED}#>>'{email,subject}' END`;
const MAIL_SENDER = `CASE WHEN r.input ? 'email' THEN r.input#>>'{email,from,address}' ELSE ${PARSED}#>>'{email,from,address}' END`;
const SENDER = `COALESCE(${MAIL_SENDER}, ${ITEM_SOURCE}->>'from', r.started_by)`;

/** The WHERE clause and its parameters, numbered from `first`. */
function where(f: RunFilter, first = 1): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const clauses: string[] = [];
  const p = (v: unknown) => `$${first + values.push(v) - 1}`;
  if (f.state) clauses.push(`r.state = ${p(f.state)}`);
  if (f.workflow) clauses.push(`r.workflow = ${p(f.workflow)}`);
  if (f.channel) clauses.push(`${ITEM_SOURCE}->>'channel' = ${p(f.channel)}`);
  if (f.since) clauses.push(`r.created_at >= ${p(f.since)}`);
  if (f.until) clauses.push(`r.created_at < ${p(f.until)}`);
  const words = (f.q ?? '').split(/\s+/).filter(Boolean).slice(0, 8);
  if (words.length) {
    const haystack = `concat_ws(' ', ${SUBJECT}, ${MAIL_SENDER}, r.started_by, r.input#>>'{email,from,name}', r.input#>>'{email,forwarded,original,from,address}', left(r.output::text, 4000))`;
    for (const w of words) clauses.push(`${haystack} ILIKE ${p(`%${w.replace(/[\\%_]/g, (m) => `\\${m}`)}%`)}`);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', values };
}

/** A page of runs, newest first; `before` continues after the page that ended there. */
export async function searchRuns(db: Queryable, f: RunFilter, page: { limit: number; before?: RunCursor }): Promise<{ runs: RunListRow[]; next: RunCursor | null }> {
  const w = where(f, 4);
  const keyset = `${w.sql ? `${w.sql} AND` : 'WHERE'} ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2::timestamptz, $3::uuid))`;
  const { rows } = await db.query<RunListRow & { cursor_at: string }>(
    `SELECT r.id, r.workflow, r.state, r.created_at, r.updated_at, ${SUBJECT} AS subject, ${SENDER} AS sender,
            ${ITEM_SOURCE}->>'channel' AS channel,
            (SELECT t.reason FROM mailroom.run_transitions t WHERE t.run_id = r.id ORDER BY t.id DESC LIMIT 1) AS reason,
            r.created_at::text AS cursor_at
     ${FROM}
     ${keyset}
     ORDER BY r.created_at DESC, r.id DESC
     LIMIT $1`,
    [page.limit + 1, page.before?.createdAt ?? null, page.before?.id ?? null, ...w.values],
  );
  const more = rows.length > page.limit;
  const runs = rows.slice(0, page.limit);
  const last = runs[runs.length - 1];
  return { runs: runs.map(({ cursor_at: _c, ...r }) => r), next: more && last ? { createdAt: last.cursor_at, id: last.id } : null };
}

/** How many runs match, and how many of them are in `states` (what a bulk action would touch). */
export async function countRuns(db: Queryable, f: RunFilter, states: RunState[]): Promise<{ total: number; actionable: number }> {
  const w = where(f, 2);
  const { rows } = await db.query<{ total: number; actionable: number }>(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE r.state = ANY($1::text[])))::int AS actionable ${FROM} ${w.sql}`,
    [states, ...w.values],
  );
  return rows[0] ?? { total: 0, actionable: 0 };
}

/** The ids a bulk action acts on: matching runs in `states`, oldest first, at most `cap`. */
export async function runIdsMatching(db: Queryable, f: RunFilter, states: RunState[], cap: number): Promise<string[]> {
  const w = where(f, 3);
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id ${FROM} ${w.sql ? `${w.sql} AND` : 'WHERE'} r.state = ANY($1::text[]) ORDER BY r.created_at LIMIT $2`,
    [states, cap, ...w.values],
  );
  return rows.map((r) => r.id);
}

/** The workflows and channels of the recent runs and items, for the filter menus (never a scan of every run). */
export async function runFacets(db: Queryable): Promise<{ workflows: string[]; channels: string[] }> {
  const [w, c] = await Promise.all([
    db.query<{ workflow: string }>('SELECT DISTINCT workflow FROM (SELECT workflow FROM mailroom.runs ORDER BY created_at DESC LIMIT 5000) x ORDER BY 1'),
    db.query<{ channel: string }>(`SELECT DISTINCT source->>'channel' AS channel FROM (SELECT source FROM mailroom.items ORDER BY received_at DESC LIMIT 5000) x WHERE source->>'channel' IS NOT NULL ORDER BY 1`),
  ]);
  return { workflows: w.rows.map((r) => r.workflow), channels: c.rows.map((r) => r.channel) };
}
