/**
 * Starting a run over HTTP, with the Idempotency-Key semantics of the IETF draft
 * (draft-ietf-httpapi-idempotency-key-header): a key is the caller's own; the same key with the
 * same request returns the run it started (200, not a second run); the same key with another
 * request is refused (422); two concurrent requests with one key are serialised, so the second
 * gets the first's run. The key is saved in the transaction that creates the run: both exist, or
 * neither.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '../db/transaction.ts';
import type { Engine } from '../engine/engine.ts';
import { getRun } from '../engine/run-store.ts';
import type { RunState, WorkflowDefinition } from '../engine/types.ts';
import { findIdempotencyKey, lockIdempotencyKey, saveIdempotencyKey } from '../queries/idempotency-keys.ts';

export interface StartRequest {
  caller: string;
  workflow: string;
  input: unknown;
  idempotencyKey?: string;
}

type Started = { run_id: string; workflow: string; state: RunState };
type Refused = { error: string; issues?: Array<{ path: string; message: string }> };
export type StartAnswer = { status: 200 | 201; body: Started } | { status: 404 | 422; body: Refused };

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function fingerprint(workflow: string, input: unknown): string {
  return crypto.createHash('sha256').update(canonical({ workflow, input })).digest('hex');
}

/** The Idempotency-Key header: a structured-field string (`"abc"`) or a bare token. */
export function readIdempotencyKey(header: string | undefined): string | undefined | { invalid: string } {
  if (header === undefined) return undefined;
  const value = header.trim().replace(/^"(.*)"$/, '$1');
  if (!value || value.length > 255 || ![...value].every((ch) => ch >= ' ' && ch !== '\u007f')) return { invalid: 'Idempotency-Key must be 1 to 255 printable characters' };
  return value;
}

export async function startRunOverHttp(deps: { pool: pg.Pool; engine: Engine }, req: StartRequest): Promise<StartAnswer> {
  let workflow: WorkflowDefinition<any, any, any>;
  try {
    workflow = deps.engine.workflow(req.workflow);
  } catch {
    return { status: 404, body: { error: `unknown workflow "${req.workflow}"` } };
  }
  const parsed = workflow.input.safeParse(req.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ['input', ...i.path.map(String)].join('.'), message: i.message }));
    return { status: 422, body: { error: `input for workflow "${workflow.name}" is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
  }
  const options = { startedBy: req.caller };
  if (req.idempotencyKey === undefined) {
    const { runId } = await deps.engine.startRun(workflow, req.input, options);
    return { status: 201, body: { run_id: runId, workflow: workflow.name, state: 'queued' } };
  }
  const key = req.idempotencyKey;
  const print = fingerprint(workflow.name, req.input);
  const answer = await withTransaction(deps.pool, async (tx): Promise<StartAnswer | { replay: string }> => {
    await lockIdempotencyKey(tx, req.caller, key);
    const earlier = await findIdempotencyKey(tx, req.caller, key);
    if (earlier) {
      if (earlier.fingerprint !== print) return { status: 422, body: { error: 'this Idempotency-Key was already used with a different request; use a new key for a new request' } };
      return { replay: earlier.run_id };
    }
    const { runId } = await deps.engine.startRun(workflow, req.input, { ...options, tx });
    await saveIdempotencyKey(tx, req.caller, key, print, runId);
    return { status: 201, body: { run_id: runId, workflow: workflow.name, state: 'queued' } };
  });
  if (!('replay' in answer)) return answer;
  const run = await getRun(deps.pool, answer.replay);
  return { status: 200, body: { run_id: answer.replay, workflow: workflow.name, state: run?.state ?? 'queued' } };
}
