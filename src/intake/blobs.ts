/** Content-addressed blob storage in PostgreSQL: raw emails, attachments, documents. */
import crypto from 'node:crypto';
import type { Queryable } from '../engine/run-store.ts';

export function sha256(bytes: Buffer): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

export async function putBlob(db: Queryable, bytes: Buffer, contentType: string): Promise<string> {
  const hash = sha256(bytes);
  await db.query(
    'INSERT INTO mailroom.blobs (sha256, content_type, size, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING',
    [hash, contentType, bytes.length, bytes],
  );
  return hash;
}

export async function getBlob(db: Queryable, hash: string): Promise<{ bytes: Buffer; contentType: string } | undefined> {
  const { rows } = await db.query<{ bytes: Buffer; content_type: string }>('SELECT bytes, content_type FROM mailroom.blobs WHERE sha256 = $1', [hash]);
  return rows[0] && { bytes: rows[0].bytes, contentType: rows[0].content_type };
}
