/**
 * Who a run may write to without approval: the sender of the item that started it, read by code
 * from the stored raw message (never from model output), plus the original sender that code
 * recovered from a forwarded message.
 */
import addressparser from 'nodemailer/lib/addressparser';
import type { Queryable } from '../engine/run-store.ts';
import { getBlob } from '../intake/blobs.ts';

function headerValue(raw: Buffer, name: string): string | undefined {
  const head = raw.subarray(0, 65536).toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}[ \\t]*:[ \\t]*(.*)$`, 'im').exec(unfolded)?.[1];
}

export async function runCorrespondents(db: Queryable, runId: string): Promise<string[]> {
  const { rows } = await db.query<{ input: { itemId?: string; email?: { forwarded?: { original?: { from?: { address?: string } | null } } | null } | null } | null; parent_input: { itemId?: string } | null }>(
    `SELECT r.input, p.input AS parent_input FROM mailroom.runs r LEFT JOIN mailroom.runs p ON p.id = r.parent_run_id WHERE r.id = $1`,
    [runId],
  );
  const run = rows[0];
  const itemId = run?.input?.itemId ?? run?.parent_input?.itemId;
  if (!itemId) return [];
  const item = (await db.query<{ sha256: string; kind: string }>('SELECT sha256, kind FROM mailroom.items WHERE id = $1', [itemId])).rows[0];
  if (!item || item.kind !== 'email') return [];
  const blob = await getBlob(db, item.sha256);
  const from = blob ? headerValue(blob.bytes, 'from') : undefined;
  const out = new Set<string>();
  for (const a of from ? addressparser(from, { flatten: true }) : []) if ('address' in a && a.address) out.add(a.address.toLowerCase());
  const original = run?.input?.email?.forwarded?.original?.from?.address;
  if (original) out.add(original.toLowerCase());
  return [...out];
}
