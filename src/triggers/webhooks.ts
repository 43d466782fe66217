/**
 * `POST /webhook/:source`: a request from outside becomes a stored item and a run.
 *
 * The checks, in order, each with its own answer and nothing more (never a stack trace):
 *   unknown source 404 → workflow not installed 404 → no/wrong API token (unsigned sources) 401 →
 *   not JSON by Content-Type 415 → body over the limit 413 (while reading) → bad or stale
 *   Standard Webhooks signature 401 → unparseable JSON (or nested too deep, or text jsonb cannot hold) 400 → input the workflow refuses 422
 *   → stored and started: 202 { run_id, duplicate }.
 *
 * The raw body is stored first, through intake, as emails are; deduplication is by the sender's
 * `webhook-id` (a Standard Webhooks retry carries the same one) or, without one, by a hash of the
 * body, both within the source. Validation runs before anything is stored, so a refused request
 * leaves nothing behind.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { Engine } from '../engine/engine.ts';
import type { WorkflowDefinition } from '../engine/types.ts';
import { createIntake } from '../intake/intake.ts';
import { mapBody } from './body-map.ts';
import type { Triggers } from './file.ts';

export interface WebhookRequest {
  source: string;
  header(name: string): string | undefined;
  /** Reads the raw body; rejects when it exceeds the body limit (the HTTP layer answers 413). */
  body(): Promise<Buffer>;
}

export interface FieldIssue {
  path: string;
  message: string;
  /** Where in the body the field was taken from, when the source maps fields. */
  body_path?: string;
}

export type WebhookAnswer =
  | { status: 202; body: { run_id: string | null; duplicate: boolean } }
  | { status: 400 | 401 | 404 | 415 | 422; body: { error: string; issues?: FieldIssue[] } };

export interface WebhookDeps {
  pool: pg.Pool;
  engine: Engine;
  triggers: Triggers;
  /** The caller identity for an `Authorization` header, or undefined when it holds no valid token. */
  authenticate(authorization: string | undefined): string | undefined;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

function installed(engine: Engine, workflow: string): WorkflowDefinition<any, any, any> | undefined {
  try {
    return engine.workflow(workflow);
  } catch {
    return undefined;
  }
}

function signatureProblem(secret: string, raw: Buffer, header: (name: string) => string | undefined): string | undefined {
  const headers = { 'webhook-id': header('webhook-id') ?? '', 'webhook-timestamp': header('webhook-timestamp') ?? '', 'webhook-signature': header('webhook-signature') ?? '' };
  if (!headers['webhook-id'] || !headers['webhook-timestamp'] || !headers['webhook-signature']) {
    return 'missing Standard Webhooks headers: webhook-id, webhook-timestamp and webhook-signature are required';
  }
  try {
    new Webhook(secret).verify(raw, headers, { jsonParse: false });
    return undefined;
  } catch (err) {
    if (!(err instanceof WebhookVerificationError)) throw err;
    if (/too old|too new/i.test(err.message)) return 'stale signature: webhook-timestamp is more than 5 minutes away from now';
    if (/invalid signature headers/i.test(err.message)) return 'webhook-timestamp is not a Unix time in seconds';
    return 'signature does not match the body';
  }
}

/** `\u0000` or an unpaired UTF-16 surrogate, tested code unit by code unit. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what jsonb refuses
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Deeper bodies are refused: no webhook needs them, and validating or storing them overflowed the stack. */
export const MAX_BODY_DEPTH = 100;

/**
 * What in a parsed body cannot become a run's input, found by fuzzing (each was answered 500,
 * so the sender could never deliver it): nesting past MAX_BODY_DEPTH, and text PostgreSQL's
 * jsonb refuses (`\u0000` and lone surrogates parse in JavaScript; I-JSON, RFC 7493, forbids
 * both). Walked with a stack, not recursion, because the body may nest thousands deep.
 */
function bodyProblem(body: unknown): string | undefined {
  interface Frame { value: unknown; key: string | number | null; parent: Frame | null; depth: number }
  const pathOf = (f: Frame) => {
    const parts: string[] = [];
    for (let x: Frame | null = f; x && x.key !== null; x = x.parent) parts.unshift(typeof x.key === 'number' ? `[${x.key}]` : `.${x.key}`);
    return parts.join('').replace(/^\./, '') || '(body)';
  };
  const text = (f: Frame) => `body text at ${pathOf(f)} holds \\u0000 or an unpaired UTF-16 surrogate, which I-JSON (RFC 7493) forbids and cannot be stored`;
  const stack: Frame[] = [{ value: body, key: null, parent: null, depth: 0 }];
  while (stack.length) {
    const f = stack.pop()!;
    if (typeof f.value === 'string') {
      if (UNSTORABLE.test(f.value)) return text(f);
      continue;
    }
    if (f.value === null || typeof f.value !== 'object') continue;
    if (f.depth >= MAX_BODY_DEPTH) return `body nests deeper than ${MAX_BODY_DEPTH} levels (at ${pathOf(f).slice(0, 200)})`;
    const entries: Array<[string | number, unknown]> = Array.isArray(f.value) ? f.value.map((v, i) => [i, v]) : Object.entries(f.value);
    for (const [key, value] of entries) {
      const child = { value, key, parent: f, depth: f.depth + 1 };
      if (typeof key === 'string' && UNSTORABLE.test(key)) return text(child);
      stack.push(child);
    }
  }
  return undefined;
}

export async function receiveWebhook(deps: WebhookDeps, req: WebhookRequest): Promise<WebhookAnswer> {
  const source = deps.triggers.webhooks.get(req.source);
  if (!source) return { status: 404, body: { error: `unknown webhook source "${req.source}"` } };
  const workflow = installed(deps.engine, source.workflow);
  if (!workflow) return { status: 404, body: { error: `workflow not installed: "${source.workflow}" (webhook source "${source.name}")` } };

  let caller: string | undefined;
  if (!source.secret) {
    caller = deps.authenticate(req.header('authorization'));
    if (!caller) return { status: 401, body: { error: 'this webhook source needs the API token: Authorization: Bearer <token>' } };
  }
  const contentType = req.header('content-type') ?? '';
  if (!JSON_TYPE.test(contentType)) return { status: 415, body: { error: `webhook bodies must be JSON (Content-Type: application/json), got ${contentType ? `"${contentType.slice(0, 100)}"` : 'none'}` } };

  const raw = await req.body();
  if (source.secret) {
    const problem = signatureProblem(source.secret, raw, req.header);
    if (problem) return { status: 401, body: { error: problem } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { status: 400, body: { error: `body is not valid JSON: ${(err as Error).message}` } };
  }
  const problem = bodyProblem(parsed);
  if (problem) return { status: 400, body: { error: problem } };

  const mapped = mapBody(parsed, source.map);
  // `itemId` is the stored item's, never the sender's: intake would let a body field override it.
  const { itemId: _theirs, ...input } = mapped.input;
  const from = mapped.from;
  // The item id is not known before storing; a placeholder of the same shape lets the workflow's
  // schema judge every other field now, so nothing is stored for a request that will be refused.
  const check = workflow.input.safeParse({ ...input, itemId: crypto.randomUUID() });
  if (!check.success) {
    const issues = check.error.issues.map((i) => {
      const field = i.path.map(String).join('.');
      const bodyPath = from[String(i.path[0] ?? '')];
      return { path: field || '(body)', message: i.message, ...(bodyPath ? { body_path: bodyPath } : {}) };
    });
    return { status: 422, body: { error: `the body does not fit workflow "${workflow.name}": ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues } };
  }

  const webhookId = req.header('webhook-id');
  const dedupeKey = webhookId ? `webhook:${source.name}:id:${webhookId}` : `webhook:${source.name}:sha256:${crypto.createHash('sha256').update(raw).digest('hex')}`;
  const intake = createIntake({ pool: deps.pool, engine: deps.engine, workflowFor: () => workflow.name, inputFor: () => input });
  const accepted = await intake.accept({
    kind: 'trigger',
    bytes: raw,
    dedupeKey,
    sameBytesSameItem: false,
    contentType: contentType.split(';')[0]!.trim().toLowerCase(),
    source: { channel: 'webhook', source: source.name, ...(caller ? { caller } : {}), ...(webhookId ? { webhook_id: webhookId } : {}) },
  });
  return { status: 202, body: { run_id: accepted.runId, duplicate: accepted.duplicate } };
}
