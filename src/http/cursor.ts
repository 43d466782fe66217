/** The opaque `cursor` of run lists: where the previous page ended, base64url-encoded. */
import { isRunId, type RunCursor } from '../engine/inspect.ts';

export function encodeCursor(c: RunCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

/** A timestamptz as PostgreSQL writes it: `2026-05-01 09:30:00.123456+00`. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2}){0,2}|Z)?$/;

/** The cursor, or undefined when it is not one this API handed out. */
export function decodeCursor(value: string): RunCursor | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !isRunId(id) || !TIMESTAMP.test(createdAt)) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
