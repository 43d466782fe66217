/**
 * `mailroom process <brief.json> --workflow content`: a JSON brief (`{ topic, ... }`, or
 * `{ workflow: 'content', input: {...} }`, or the brief with `workflow: 'content'` beside its
 * fields) starts the content workflow directly, as the API does. The same file twice is the
 * same run (an idempotency key from its bytes), as a message processed twice is a duplicate.
 */
import crypto from 'node:crypto';
import type { Engine } from '../../engine/engine.ts';
import type { Queryable } from '../../engine/run-store.ts';
import { InputError } from '../../errors.ts';
import { contentInputSchema } from './brief.ts';
import { contentWorkflow } from './content.ts';
import { summariseContent, type ContentSummary } from './summary.ts';

/** The brief in a file meant for the content workflow, or undefined when the file is something else. */
export function contentBrief(bytes: Buffer, workflow: string): Record<string, unknown> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    if (workflow === 'content') throw new InputError('a content brief must be a JSON file: { "topic": "...", "keyphrase"?, "channels"?, "publish_at"? }');
    return undefined;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const obj = json as Record<string, unknown>;
  if (workflow !== 'content' && obj.workflow !== 'content') return undefined;
  if (obj.input && typeof obj.input === 'object') return obj.input as Record<string, unknown>;
  const { workflow: _w, ...brief } = obj;
  return brief;
}

export async function processBrief(deps: { pool: Queryable; engine: Engine }, file: string, bytes: Buffer, brief: Record<string, unknown>, timeoutMs: number): Promise<ContentSummary> {
  const parsed = contentInputSchema.safeParse(brief);
  if (!parsed.success) throw new InputError(`not a valid content brief: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'brief'}: ${i.message}`).join('; ')}`);
  const key = `content-brief:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
  const { runId, created } = await deps.engine.startRun(contentWorkflow, parsed.data, { idempotencyKey: key, startedBy: 'cli' });
  await deps.engine.waitForRun(runId, { states: ['completed', 'failed', 'cancelled', 'waiting'], timeoutMs });
  return summariseContent(deps.pool, file, runId, !created);
}
