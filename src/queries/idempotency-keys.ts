/**
 * All SQL over `mailroom.api_idempotency_keys`. Callers hold the key's advisory lock (taken
 * here) for the rest of their transaction, so two concurrent requests with one key are decided
 * one after the other: the second sees the first's run.
 */
import type { Queryable } from '../engine/run-store.ts';

export async function lockIdempotencyKey(tx: Queryable, caller: string, key: string): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 11))', [`idempotency:${caller}:${key}`]);
}

export async function findIdempotencyKey(tx: Queryable, caller: string, key: string): Promise<{ fingerprint: string; run_id: string } | undefined> {
  const { rows } = await tx.query<{ fingerprint: string; run_id: string }>('SELECT fingerprint, run_id FROM mailroom.api_idempotency_keys WHERE caller = $1 AND key = $2', [caller, key]);
  return rows[0];
}

export async function saveIdempotencyKey(tx: Queryable, caller: string, key: string, fingerprint: string, runId: string): Promise<void> {
  await tx.query('INSERT INTO mailroom.api_idempotency_keys (caller, key, fingerprint, run_id) VALUES ($1, $2, $3, $4)', [caller, key, fingerprint, runId]);
}
