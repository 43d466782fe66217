/**
 * What the workflows need from the rest of Mailroom, as narrow ports. src/main.ts binds them to
 * the real modules (email parsing, the decision core, document extraction, the outbox, Slack);
 * the workflows never import those modules' internals.
 */
import type pg from 'pg';
import { z } from 'zod';
import type { ApprovalNotifier, RequesterResolver } from '../approvals/ask.ts';
import type { Config } from '../config.ts';
import type { StepApi } from '../engine/types.ts';
import type { Logger } from '../logger.ts';
import type { LedgerAdapter } from '../data/ledger.ts';
import type { Policy } from '../policy/schema.ts';
import type { InvoiceFields } from '../documents/invoice-fields.ts';
import type { ModelCall } from '../documents/extract.ts';

export interface Address {
  address: string;
  name?: string;
}

/** A parsed message as workflows see it: JSON-safe, attachments stored as blobs by hash. */
export interface EmailSummary {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: Address | null;
  replyTo: Address | null;
  to: Address[];
  subject: string;
  date: string | null;
  text: string;
  attachments: Array<{ filename: string | null; contentType: string; size: number; sha256: string }>;
  forwarded: null | { by: Address | null; original: { from: Address | null; date: string | null; subject: string | null; text: string } };
  auth: { spf: string | null; dkim: string | null; dmarc: string | null; aligned: boolean | null } | null;
  headers: Record<string, string>;
  /** A report's machine-readable parts (bounces, abuse reports): see src/channels/email/report-parts.ts. */
  report?: import('../channels/email/report-parts.ts').ReportParts | null;
}

export interface TriageInput {
  kind: 'email' | 'document' | 'slack_message';
  email?: EmailSummary;
  text: string;
  attachments: Array<{ filename: string | null; contentType: string; size: number }>;
}

export type SupportCategory = 'billing' | 'technical' | 'feature_request' | 'complaint' | 'account' | 'other';
export type Priority = 'urgent' | 'high' | 'normal' | 'low';

export interface TriageResult {
  /** A registered route (src/workflows/routes.ts) or `unrouted`. */
  route: string;
  routeReason: string;
  category: SupportCategory | null;
  priority: Priority | null;
  language: string;
  sentiment: 'positive' | 'neutral' | 'negative' | null;
  solvable: boolean | null;
  confidence: number;
  reasoning: string;
  provider: string;
  model: string | null;
}

export interface DraftInput {
  email: EmailSummary | null;
  text: string;
  language: string;
  category: SupportCategory;
  articles: Array<{ id: string; title: string; body: string }>;
}

export interface DraftResult {
  text: string;
  citations: string[];
  confidence: number;
  provider: string;
  model: string | null;
}

export interface DecisionCorePort {
  readonly provider: string;
  /** Code decides where it can: auto-replies, newsletters, no-reply senders skip the model. */
  prefilter(input: TriageInput): { skip: true; reason: string } | { skip: false };
  /** One model call (or none, offline) that routes and classifies; records its decision. */
  triage(step: StepApi, input: TriageInput): Promise<TriageResult>;
  draftReply(step: StepApi, input: DraftInput): Promise<DraftResult>;
  /** Providers with prompt caching: whether each task's stable prefix can be cached at all. */
  checkCache?(): Promise<CacheCheck[]>;
  /**
   * One structured judgement by a model (providers with one; absent offline): a forced tool call
   * validated by `schema`, one corrective retry, recorded as a decision named `task.action`.
   * Null when the daily budget is spent or the answer was malformed twice: the caller falls back
   * to its rules. The caller still checks what it can by code (quotes, totals).
   */
  judge?<T>(step: StepApi, task: JudgeTask<T>): Promise<JudgeResult<T> | null>;
}

/** A workflow's own model task: its instructions (the stable, cached prefix) and its data. */
export interface JudgeTask<T> {
  /** The decision's action (`hiring.screen`, `lead.signals`); also the step ids unless `id` is given. */
  action: string;
  /** Step ids, unique within the run: a task asked more than once (a review per round) needs one per call. */
  id?: string;
  instructions: string;
  /** Outside text, each wrapped as delimited untrusted data after the instructions. */
  data: Array<{ tag: string; attributes?: Record<string, string>; text: string }>;
  tool: { name: string; description: string };
  schema: z.ZodType<T>;
  tier?: 'fast' | 'strong';
  maxTokens?: number;
  /** The decision's reasoning from the answer (default: its `reasoning` field, if any). */
  reasoning?: (value: T) => string;
  /** The decision's parameters from the answer (default: the answer). */
  parameters?: (value: T) => unknown;
}

export interface JudgeResult<T> {
  value: T;
  provider: string;
  model: string;
}

export interface CacheCheck {
  task: string;
  model: string;
  tokens: number;
  floor: number;
  cached: boolean;
}

/** The invoice fields workflows act on: the extractor's key fields, values only. */
export type InvoiceFieldsFlat = Pick<InvoiceFields, 'vendor' | 'invoice_number' | 'invoice_date' | 'due_date' | 'po_number' | 'currency' | 'subtotal' | 'tax' | 'total' | 'iban'>;

export interface DocumentExtraction {
  file: string;
  pages: number;
  source: string;
  fields: InvoiceFieldsFlat;
  needs_review: boolean;
  review: Array<{ field: string; values: Array<{ source: string; value: unknown }>; note?: string }>;
  checks: unknown;
  not_an_invoice: string | null;
  /** What the reader left out or worked around, for the approver to know. */
  warnings?: string[];
  /** A credit note (from its e-invoice type): booked as a credit, never paid. */
  credit_note?: boolean;
  /** Model calls made reading it (vision, text), with their tokens and cost. */
  model_calls: Array<ModelCall & { path: string }>;
  error?: string;
}

/** Resume parsing (src/documents/resume): JSON Resume with evidence, warnings and the visible text. */
export interface ResumesPort {
  parse(bytes: Buffer, fileName: string): Promise<import('../documents/resume/types.ts').ResumeParse>;
}

export interface DocumentsPort {
  /** `models: false` reads with code alone (the daily model budget is spent). */
  extract(bytes: Buffer, fileName: string, options?: { models?: boolean }): Promise<DocumentExtraction>;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** The language it is written in (ISO 639-1): an automated mail's unsubscribe footer follows it. */
  language?: string;
  inReplyTo?: string | null;
  references?: string[];
  /**
   * Outreach a person did not ask for in this exchange (lead sequences, resource mails): carries
   * the unsubscribe headers and footer, counts toward the unanswered-mail cap, and is refused
   * without `lead.postal_address`.
   */
  automated?: boolean;
  /** Extra headers, carried to the SMTP message as given. */
  headers?: Record<string, string>;
  /** An iMIP calendar part (text/calendar; method=REQUEST...): an interview invitation. */
  icalEvent?: { method: string; content: string; filename?: string };
}

export interface MailerPort {
  /** Records the message in the outbox and sends it (or keeps it as not sent); idempotent per key. */
  /** `runId`: the run that sends it (shown with the run, and what a reply or bounce is tied to). */
  send(mail: OutgoingMail, idempotencyKey: string, options?: { runId?: string }): Promise<{ id: string; status: string; messageId: string }>;
  /** A relay gave up on a sent message after a temporary failure: send it again later (bounded). */
  resendAfterSoftBounce?(messageId: string, reason: string): Promise<{ resent: boolean; softBounces: number; nextAttemptAt: Date | null; reason?: string }>;
}

export interface ParserPort {
  parseEmail(bytes: Buffer): Promise<EmailSummary & { attachmentContents: Array<{ sha256: string; content: Buffer; contentType: string }> }>;
}

/** Everything a workflow reaches through `ctx.services`. */
export interface WorkflowServices {
  config: Config;
  pool: pg.Pool;
  log: Logger;
  policy: Policy;
  decisions: DecisionCorePort;
  documents: DocumentsPort;
  mailer: MailerPort;
  parser: ParserPort;
  ledger: LedgerAdapter;
  notifier?: ApprovalNotifier;
  /** Resume parsing for the hiring workflow (bound in bindings.ts). */
  resumes?: ResumesPort;
  /** Stores an event for the runs that wait on it (the router hands replies over with it). */
  events?: { send(name: string, key: string, payload: unknown): Promise<unknown> };
  /** Every identity of whoever brought an item in (policy people, Slack's directory). */
  resolveRequester?: RequesterResolver;
  /** The registered routes (src/workflows/index.ts): which workflow claims which item. */
  routes: import('./routes.ts').RouteCatalog;
  /** Thread progress for Slack-started runs. */
  progress?: (runId: string, text: string) => Promise<void>;
  /** A direct message to a Slack member (when Slack is configured): interviewer briefings. */
  directMessage?: (user: string, text: string) => Promise<{ channel: string; ts: string }>;
}

/** Who brought an item in (router → workflow input): a channel identity and/or an address. */
export const requesterSchema = z.object({ identity: z.string().nullable().optional(), email: z.string().nullable().optional() });
export type RequesterInput = z.infer<typeof requesterSchema>;

/** What askForApproval needs from the services. */
export const approvalDeps = (s: WorkflowServices) => ({ pool: s.pool, notifier: s.notifier, resolveRequester: s.resolveRequester });

/** Tells the person who started the run how it is going (Slack threads); never fails the run. */
export async function reportProgress(step: import('../engine/types.ts').StepApi, services: WorkflowServices, id: string, text: string): Promise<void> {
  if (!services.progress) return;
  await step.run(`progress:${id}`, async () => {
    await services.progress!(step.runId, text).catch((err: unknown) => services.log.warn({ err: String(err) }, 'progress update failed'));
    return true;
  });
}
