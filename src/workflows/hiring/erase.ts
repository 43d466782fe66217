/**
 * Erasing an applicant (`mailroom data erase <email>`, or retention after `hiring.retention`
 * unless they joined the talent pool): their personal data goes, the decision stays as a
 * pseudonymous record (the AI Act wants the logs of a high-risk system kept).
 *
 * Gone: contact, name and resume on the candidate row; evidence quotes and red-flag details
 * (they quote the resume); the cached screening of that resume; the raw message and its
 * attachments (blob bytes emptied); the runs' inputs and step results; what the approval cards
 * showed of them; the outbox copies of mails to them. Kept: the candidate id and pseudonym, job,
 * stage, verdicts, score, red-flag kinds, who decided what and when, and every transition and
 * decision record of the runs. Runs still waiting are cancelled first, so nothing acts on the
 * applicant afterwards.
 */
import type pg from 'pg';
import { withTransaction } from '../../db/transaction.ts';

export interface EraseDeps {
  pool: pg.Pool;
  /** Cancels a run still waiting (the engine's cancelRun). */
  cancelRun?: (runId: string, reason: string) => Promise<unknown>;
}

export interface EraseReport {
  candidates: number;
  runs: number;
  blobs: number;
  outbox: number;
}

const ERASED = '[erased]';

/** Erases the candidates with these ids (already pseudonymised ones are skipped). */
export async function eraseCandidates(deps: EraseDeps, ids: string[], why: string): Promise<EraseReport> {
  const { pool } = deps;
  const report: EraseReport = { candidates: 0, runs: 0, blobs: 0, outbox: 0 };
  if (!ids.length) return report;
  const { rows: cands } = await pool.query<{ id: string; email: string | null; run_id: string | null; item_id: string | null; resume_sha256: string | null; parent: string | null; state: string | null }>(
    `SELECT c.id, c.email, c.run_id, c.item_id, c.resume_sha256, r.parent_run_id AS parent, r.state
       FROM mailroom.candidates c LEFT JOIN mailroom.runs r ON r.id = c.run_id
      WHERE c.id = ANY($1::uuid[]) AND c.pseudonymised_at IS NULL`,
    [ids],
  );
  for (const c of cands) {
    if (c.run_id && c.state && !['completed', 'failed', 'cancelled'].includes(c.state) && deps.cancelRun) {
      await deps.cancelRun(c.run_id, `applicant data erased (${why})`).catch(() => undefined);
    }
  }
  await withTransaction(pool, async (client) => {
    for (const c of cands) {
      const runs = [c.run_id, c.parent].filter((r): r is string => Boolean(r));
      const pseudonym = `candidate-${c.id.slice(0, 8)}`;
      // Blobs of the item and of the documents the run read (the raw mail, the resume).
      const { rows: shas } = await client.query<{ sha256: string }>(
        `SELECT sha256 FROM mailroom.items WHERE id = $1
         UNION SELECT $2::text WHERE $2::text IS NOT NULL
         UNION SELECT a->>'sha256' FROM mailroom.runs r, jsonb_array_elements(COALESCE(r.input->'email'->'attachments', '[]') || COALESCE(r.input->'documents', '[]')) a WHERE r.id = ANY($3::uuid[])`,
        [c.item_id, c.resume_sha256, runs],
      );
      const blobs = await client.query(`UPDATE mailroom.blobs SET bytes = ''::bytea, size = 0 WHERE sha256 = ANY($1::text[]) AND size > 0`, [shas.map((s) => s.sha256).filter(Boolean)]);
      report.blobs += blobs.rowCount ?? 0;
      await client.query(`UPDATE mailroom.items SET filename = NULL, source = jsonb_build_object('erased', true) WHERE id = $1`, [c.item_id]);
      if (runs.length) {
        const r = await client.query(
          `UPDATE mailroom.runs SET input = CASE WHEN input ? 'itemId' THEN jsonb_build_object('itemId', input->'itemId', 'erased', true) ELSE jsonb_build_object('erased', true) END,
                  output = CASE WHEN workflow = 'router' THEN output - 'triage' ELSE output END
            WHERE id = ANY($1::uuid[])`,
          [runs],
        );
        report.runs += r.rowCount ?? 0;
        await client.query('UPDATE mailroom.steps SET output = NULL WHERE run_id = ANY($1::uuid[])', [runs]);
        await client.query(`UPDATE mailroom.decisions SET parameters = parameters - 'file' WHERE run_id = ANY($1::uuid[]) AND parameters ? 'file'`, [runs]);
        const scrub = `jsonb_set(jsonb_set(jsonb_set(request, '{summary}', '{}'::jsonb), '{reasoning}', to_jsonb($2::text)), '{proposal}', (request->'proposal') - 'to' - 'draft')`;
        await client.query(`UPDATE mailroom.approvals SET request = ${scrub}, requested_by = NULL, requesters = '[]' WHERE run_id = ANY($1::uuid[])`, [runs, ERASED]);
        await client.query(`UPDATE mailroom.approval_versions v SET request = ${scrub.replaceAll('request', 'v.request')} FROM mailroom.approvals a WHERE a.id = v.approval_id AND a.run_id = ANY($1::uuid[])`, [runs, ERASED]);
      }
      if (c.email) {
        const o = await client.query(`UPDATE mailroom.outbox SET to_address = $2, subject = $3, raw = ''::bytea WHERE lower(to_address) = lower($1)`, [c.email, pseudonym, ERASED]);
        report.outbox += o.rowCount ?? 0;
      }
      if (c.resume_sha256) await client.query('DELETE FROM mailroom.screening_cache WHERE resume_sha256 = $1', [c.resume_sha256]);
      await client.query(
        `UPDATE mailroom.candidates SET email = NULL, name = NULL, resume = NULL, resume_sha256 = NULL, pseudonym = $2, pseudonymised_at = now(),
                requirements = COALESCE((SELECT jsonb_agg(v - 'evidence' - 'why') FROM jsonb_array_elements(requirements) v), '[]'),
                red_flags = COALESCE((SELECT jsonb_agg(jsonb_build_object('kind', f->'kind', 'detail', $3::text, 'question', $3::text)) FROM jsonb_array_elements(red_flags) f), '[]'),
                decision = CASE WHEN decision IS NULL THEN NULL ELSE decision - 'note' END
          WHERE id = $1`,
        [c.id, pseudonym, ERASED],
      );
      await client.query('UPDATE mailroom.calendar_busy SET summary = NULL WHERE booking_id IN (SELECT id FROM mailroom.bookings WHERE candidate_id = $1)', [c.id]);
      report.candidates++;
    }
  });
  return report;
}

/** `mailroom data erase <email>`: every application from this address, and mail sent to it. */
export async function eraseApplicant(deps: EraseDeps, email: string): Promise<EraseReport> {
  const { rows } = await deps.pool.query<{ id: string }>('SELECT id FROM mailroom.candidates WHERE lower(email) = lower($1) AND pseudonymised_at IS NULL', [email.trim()]);
  const report = await eraseCandidates(deps, rows.map((r) => r.id), 'on request');
  const o = await deps.pool.query(`UPDATE mailroom.outbox SET to_address = 'erased', subject = $2, raw = ''::bytea WHERE lower(to_address) = lower($1)`, [email.trim(), ERASED]);
  report.outbox += o.rowCount ?? 0;
  return report;
}

/** The retention pass: candidates past `retain_until` who did not join the talent pool. */
export async function eraseExpiredCandidates(deps: EraseDeps, now = new Date()): Promise<EraseReport> {
  const { rows } = await deps.pool.query<{ id: string }>(
    'SELECT id FROM mailroom.candidates WHERE pseudonymised_at IS NULL AND NOT talent_pool AND retain_until < $1 ORDER BY retain_until LIMIT 500',
    [now],
  );
  return eraseCandidates(deps, rows.map((r) => r.id), 'retention expired');
}
