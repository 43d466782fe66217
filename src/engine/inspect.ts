/**
 * Read-only queries for people: run lists and a run's whole trace (transitions, steps,
 * decisions, actions, events consumed), used by the CLI and the HTTP API.
 */
import type { Queryable, RunRow } from './run-store.ts';
import { isUuid } from '../uuid.ts';
import type { RunState } from './types.ts';

export interface RunSummary {
  id: string;
  workflow: string;
  state: RunState;
  created_at: Date;
  updated_at: Date;
  reason: string | null;
}

/** Where a page of runs ends: the last run's creation time (as PostgreSQL writes it, to the microsecond) and id. */
export interface RunCursor {
  createdAt: string;
  id: string;
}

/** Newest first; `before` continues after the page that ended there (keyset, so inserts never shift pages). */
export async function listRunsPage(
  db: Queryable,
  filter: { state?: RunState; workflow?: string; limit?: number; before?: RunCursor } = {},
): Promise<{ runs: RunSummary[]; next: RunCursor | null }> {
  const limit = filter.limit ?? 50;
  const { rows } = await db.query<RunSummary & { cursor_at: string }>(
    `SELECT r.id, r.workflow, r.state, r.created_at, r.updated_at,
            -- A finished run's own word on why (the router's "set aside: ..."), else the last transition's.
            CASE WHEN r.state = 'completed' AND jsonb_typeof(r.output -> 'reason') = 'string' THEN left(r.output ->> 'reason', 300)
                 ELSE (SELECT reason FROM mailroom.run_transitions t WHERE t.run_id = r.id ORDER BY t.id DESC LIMIT 1) END AS reason,
            r.created_at::text AS cursor_at
       FROM mailroom.runs r
      WHERE ($1::text IS NULL OR r.state = $1) AND ($2::text IS NULL OR r.workflow = $2)
        AND ($4::timestamptz IS NULL OR (r.created_at, r.id) < ($4::timestamptz, $5::uuid))
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT $3`,
    [filter.state ?? null, filter.workflow ?? null, limit + 1, filter.before?.createdAt ?? null, filter.before?.id ?? null],
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { runs: page.map(({ cursor_at: _c, ...run }) => run), next: more && last ? { createdAt: last.cursor_at, id: last.id } : null };
}

export async function listRuns(db: Queryable, filter: { state?: RunState; workflow?: string; limit?: number } = {}): Promise<RunSummary[]> {
  return (await listRunsPage(db, filter)).runs;
}

export interface RunTrace {
  run: RunRow;
  transitions: Array<{ from_state: string | null; to_state: string; reason: string; at: Date }>;
  steps: Array<{ step_id: string; seq: number; kind: string; status: string; attempts: number; output: unknown; error: unknown; started_at: Date; finished_at: Date | null }>;
  decisions: Array<Record<string, unknown>>;
  actions: Array<Record<string, unknown>>;
  events: Array<{ name: string; key: string; payload: unknown; step_id: string; at: Date }>;
  /** The run that started this one (`step.invoke`/`spawn`), and the runs this one started. */
  parent: { id: string; workflow: string; state: string } | null;
  children: Array<{ id: string; workflow: string; state: string }>;
  /** Approval requests of the run with every vote: who decided, when, through which channel. */
  approvals: Array<{ id: string; kind: string; title: string; status: string; created_at: Date; decided_at: Date | null; votes: Array<{ approver: string; decision: string; note: string | null; channel: string; at: Date; version?: number; shown_hash?: string }> }>;
  /** Messages the run sent (or kept unsent) through the outbox. */
  mail: Array<{ to_address: string; subject: string; status: string; message_id: string; created_at: Date; sent_at: Date | null }>;
}

/** Whether `id` can be a run id at all (anything else is simply not found, not a database error). */
export const isRunId = isUuid;

export async function runTrace(db: Queryable, id: string): Promise<RunTrace | undefined> {
  if (!isRunId(id)) return undefined;
  const run = (await db.query<RunRow>('SELECT * FROM mailroom.runs WHERE id = $1', [id])).rows[0];
  if (!run) return undefined;
  const [transitions, steps, decisions, actions, events, children, parent] = await Promise.all([
    db.query('SELECT from_state, to_state, reason, at FROM mailroom.run_transitions WHERE run_id = $1 ORDER BY id', [id]),
    db.query('SELECT step_id, seq, kind, status, attempts, output, error, started_at, finished_at FROM mailroom.steps WHERE run_id = $1 ORDER BY started_at, seq', [id]),
    db.query('SELECT * FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [id]),
    db.query('SELECT key, kind, status, parameters, result, error, attempts, started_at, completed_at FROM mailroom.actions WHERE run_id = $1 ORDER BY started_at', [id]),
    db.query(
      `SELECT e.name, e.key, e.payload, c.step_id, c.at FROM mailroom.event_consumptions c
         JOIN mailroom.events e ON e.id = c.event_id WHERE c.run_id = $1 ORDER BY c.at`,
      [id],
    ),
    db.query('SELECT id, workflow, state FROM mailroom.runs WHERE parent_run_id = $1 ORDER BY created_at', [id]),
    db.query('SELECT id, workflow, state FROM mailroom.runs WHERE id = $1', [run.parent_run_id]),
  ]);
  const approvals = await db.query(
    `SELECT a.id, a.kind, a.title, a.status, a.created_at, a.decided_at,
            COALESCE(json_agg(json_build_object('approver', v.approver, 'decision', v.decision, 'note', v.note, 'channel', v.channel, 'at', v.at, 'version', v.version, 'shown_hash', v.shown_hash) ORDER BY v.at)
                     FILTER (WHERE v.approver IS NOT NULL), '[]') AS votes
       FROM mailroom.approvals a LEFT JOIN mailroom.approval_votes v ON v.approval_id = a.id
      WHERE a.run_id = $1 GROUP BY a.id ORDER BY a.created_at`,
    [id],
  );
  // The outbox arrives with the email channel; a database without it just has no mail to show.
  const mail = await db
    .query(`SELECT to_address, subject, status, message_id, created_at, sent_at FROM mailroom.outbox WHERE run_id = $2 OR idempotency_key LIKE $1 ORDER BY created_at`, [`${id}:%`, id])
    .catch(() => ({ rows: [] }));
  return {
    run,
    approvals: approvals.rows,
    mail: mail.rows,
    transitions: transitions.rows,
    steps: steps.rows,
    decisions: decisions.rows,
    actions: actions.rows,
    events: events.rows,
    parent: parent.rows[0] ?? null,
    children: children.rows,
  };
}

export async function countRunsByState(db: Queryable): Promise<Array<{ workflow: string; state: string; n: number }>> {
  const { rows } = await db.query<{ workflow: string; state: string; n: number }>(
    'SELECT workflow, state, count(*)::int AS n FROM mailroom.runs GROUP BY workflow, state',
  );
  return rows;
}
