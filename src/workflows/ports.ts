/**
 * What the workflows need from the rest of Mailroom, as narrow ports. src/main.ts binds them to
 * the real modules (email parsing, the decision core, document extraction, the outbox, Slack);
 * the workflows never import those modules' internals.
 */
import type pg from 'pg';
import type { ApprovalNotifier } from '../approvals/ask.ts';
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
  route: 'invoice' | 'support' | 'unrouted';
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

export interface DocumentsPort {
  /** `models: false` reads with code alone (the daily model budget is spent). */
  extract(bytes: Buffer, fileName: string, options?: { models?: boolean }): Promise<DocumentExtraction>;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  inReplyTo?: string | null;
  references?: string[];
}

export interface MailerPort {
  /** Records the message in the outbox and sends it (or keeps it as not sent); idempotent per key. */
  send(mail: OutgoingMail, idempotencyKey: string): Promise<{ id: string; status: string; messageId: string }>;
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
  /** Thread progress for Slack-started runs. */
  progress?: (runId: string, text: string) => Promise<void>;
}

/** Tells the person who started the run how it is going (Slack threads); never fails the run. */
export async function reportProgress(step: import('../engine/types.ts').StepApi, services: WorkflowServices, id: string, text: string): Promise<void> {
  if (!services.progress) return;
  await step.run(`progress:${id}`, async () => {
    await services.progress!(step.runId, text).catch((err: unknown) => services.log.warn({ err: String(err) }, 'progress update failed'));
    return true;
  });
}
