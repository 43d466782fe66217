/**
 * A content run as `mailroom process --json` prints it: the common ProcessSummary keys plus the
 * issue's `content: {...}` object (status, the piece, its sources, its checks, its variants).
 */
import type { Queryable } from '../../engine/run-store.ts';
import type { ProcessSummary } from '../summary.ts';
import type { Checks } from './checks/index.ts';
import type { ContentOutput } from './content.ts';
import { getPiece } from './store.ts';

export interface ContentObject {
  status: 'awaiting_approval' | 'abstained' | 'published' | 'scheduled' | 'rejected' | 'expired' | 'drafting';
  title: string | null;
  slug: string | null;
  meta_description: string | null;
  outline: string[];
  body_markdown: string | null;
  sources: Array<{ id: string; title: string; quote: string; source_id: string; span: [number, number]; hash: string }>;
  checks: {
    citations: { total: number; verified: number; unsupported: string[]; failures: Array<{ id: string; reason: string }> };
    seo: Record<string, unknown>;
    readability: Record<string, unknown>;
    brand: Record<string, unknown>;
    platform: Record<string, unknown>;
    passed: boolean;
  } | null;
  variants: { x: string | null; linkedin: string | null; email: { subject: string; body: string } | null };
  drafted_by: string | null;
  /** What research found missing, when the run abstained. */
  missing: string[];
  content_hash: string | null;
  remote: { cms: string; id: string; url: string | null; status: string | null } | null;
}

export type ContentSummary = ProcessSummary & { content: ContentObject };

export async function contentObject(db: Queryable, runId: string): Promise<ContentObject> {
  const piece = await getPiece(db, runId);
  const { rows: snippets } = await db.query<{ id: string; title: string; quote: string; source_id: string; start_char: number; end_char: number; quote_hash: string }>(
    'SELECT id, title, quote, source_id, start_char, end_char, quote_hash FROM mailroom.content_snippets WHERE run_id = $1 ORDER BY created_at, length(id), id',
    [runId],
  );
  const checks = (piece?.checks ?? null) as (Checks & { missing?: string[] }) | null;
  const variants = (piece?.variants ?? {}) as { x?: string; linkedin?: string; email?: { subject: string; body: string } };
  const full = checks && 'citations' in checks ? checks : null;
  return {
    status: piece?.status ?? 'drafting',
    title: piece?.title ?? null,
    slug: piece?.slug ?? null,
    meta_description: piece?.meta_description ?? null,
    outline: (piece?.body_markdown ?? '').split('\n').filter((l) => /^##\s/.test(l)).map((l) => l.replace(/^##\s+/, '')),
    body_markdown: piece?.body_markdown ?? null,
    sources: snippets.map((s) => ({ id: s.id, title: s.title, quote: s.quote, source_id: s.source_id, span: [s.start_char, s.end_char], hash: s.quote_hash })),
    checks: full && {
      citations: { total: full.citations.total, verified: full.citations.verified, unsupported: full.citations.unsupported, failures: full.citations.failures.map((f) => ({ id: f.id, reason: f.reason })) },
      seo: { ...full.seo },
      readability: { ...full.readability },
      brand: { ...full.brand },
      platform: { ...full.platform },
      passed: full.passed,
    },
    variants: { x: variants.x ?? null, linkedin: variants.linkedin ?? null, email: variants.email ?? null },
    drafted_by: piece?.drafted_by ?? null,
    missing: checks?.missing ?? [],
    content_hash: piece?.content_hash ?? null,
    remote: piece?.remote_id ? { cms: piece.cms ?? '', id: piece.remote_id, url: piece.remote_url, status: piece.remote_status } : null,
  };
}

export async function summariseContent(db: Queryable, input: string, runId: string, duplicate: boolean): Promise<ContentSummary> {
  const run = (await db.query('SELECT id, state, input, output, error FROM mailroom.runs WHERE id = $1', [runId])).rows[0];
  const decisions = (await db.query('SELECT action, parameters, reasoning, confidence, provider FROM mailroom.decisions WHERE run_id = $1 ORDER BY seq', [runId])).rows;
  const approval = (await db.query(`SELECT id, status, request FROM mailroom.approvals WHERE run_id = $1 ORDER BY created_at DESC LIMIT 1`, [runId])).rows[0];
  const out = run.output as ContentOutput | null;
  const content = await contentObject(db, runId);
  const summary: ContentSummary = {
    input,
    item_id: '',
    duplicate,
    run_id: runId,
    workflow: 'content',
    route: null,
    state: run.state,
    sender: null,
    original_sender: null,
    classification: { category: null, priority: null, language: null, confidence: null, route_reason: null },
    extracted: null,
    needs_review: null,
    anomalies: [],
    draft: content.body_markdown,
    escalated: Boolean(approval),
    approval: approval ? { id: approval.id, status: approval.status, reasons: approval.request?.reasons ?? [] } : null,
    outcome: out?.status ?? content.status,
    decisions: decisions.map((d) => ({ run: 'workflow' as const, action: d.action, reasoning: d.reasoning, confidence: d.confidence, provider: d.provider })),
    content,
  };
  if (run.error?.message) summary.error = run.error.message;
  return summary;
}
