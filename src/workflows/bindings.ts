/**
 * Binds the workflows' ports to the modules that implement them (email parsing and outbox,
 * the decision core, document extraction), and starts the channels that feed intake.
 */
import type pg from 'pg';
import type { Config } from '../config.ts';
import { InputError, errorMessage } from '../errors.ts';
import type { HttpServer } from '../http/server.ts';
import type { Intake } from '../intake/intake.ts';
import type { Logger } from '../logger.ts';
import { startFolderSource } from '../channels/email/folder-source.ts';
import { startImapListeners } from '../channels/email/imap-listener.ts';
import { createOutbox } from '../channels/email/outbox.ts';
import { closeParsers, parseEmail } from '../channels/email/parse.ts';
import { loadEmailSettings } from '../channels/email/settings.ts';
import { extractDocument } from '../documents/extract.ts';
import { createOcrPool } from '../documents/ocr-pool.ts';
import { parseResume } from '../documents/resume/parse.ts';
import { createAnthropicDecisionCore } from '../llm/anthropic/decision-core.ts';
import { createAnthropicInvoiceVision } from '../llm/anthropic/invoice-vision.ts';
import { createOpenAICompatibleInvoiceVision } from '../llm/openai/invoice-vision.ts';
import { createOpenAICompatibleDecisionCore } from '../llm/openai/decision-core.ts';
import { chooseProvider, createOfflineDecisionCore } from '../llm/decision-core.ts';
import { loadPrompts } from '../llm/prompts.ts';
import { createExamplesPort } from '../learning/examples.ts';
import { createOutreachDecorator } from '../outreach/outbound.ts';
import { loadPolicy } from '../policy/load.ts';
import type { DocumentExtraction, WorkflowServices } from './ports.ts';
import { routes } from './index.ts';

type BoundPorts = Pick<WorkflowServices, 'decisions' | 'documents' | 'mailer' | 'parser' | 'notifier' | 'progress' | 'directMessage' | 'routes' | 'resumes'>;

export interface Bindings {
  services: BoundPorts;
  startChannels(deps: { intake: Intake; http: HttpServer }): Promise<{ stop(): Promise<void> }>;
  close(): Promise<void>;
}

export async function bindPorts(deps: { config: Config; pool: pg.Pool; log: Logger; role: string }): Promise<Bindings> {
  const { config, pool, log } = deps;
  const env = config.env;
  const provider = chooseProvider(config);

  // Email settings and prompt files are validated here, at start-up: a bad value stops Mailroom naming it.
  const email = loadEmailSettings(config);
  loadPrompts();
  // Corrections people made are labelled examples every provider learns from.
  const examples = createExamplesPort(pool);
  const decisions =
    provider === 'anthropic' ? createAnthropicDecisionCore({ config, log, pool, examples, routes })
    : provider === 'openai' ? createOpenAICompatibleDecisionCore({ config, log, examples, routes, pool })
    : createOfflineDecisionCore({ examples, routes });
  log.info({ provider: decisions.provider }, 'decision provider');
  // A prompt prefix below the model's minimum cacheable length is never cached, and nothing says so: check once.
  if (deps.role === 'service' && decisions.checkCache) void decisions.checkCache().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not check the prompt cache floors'));
  const ocr = createOcrPool({ languages: env.OCR_LANGUAGES.split(',') });
  // With Claude configured, the vision model is a third independent path beside text layer and OCR.
  const vision = provider === 'anthropic' ? createAnthropicInvoiceVision({ config, log }) : provider === 'openai' ? createOpenAICompatibleInvoiceVision({ config, log }) : undefined;
  // The resolved outbox settings, so OUTBOX_MAX_ATTEMPTS / _RETRY_BASE_MS / _RETRY_MAX_MS / _POLL_MS apply to the service too.
  const outbox = createOutbox({ pool, ...email.outbox, log });
  if (deps.role !== 'cli') outbox.start();
  // Automated mail gets its unsubscribe headers and footer (and is refused to suppressed addresses) here.
  const outreach = createOutreachDecorator({ config, policy: loadPolicy(config), pool });

  const services: BoundPorts = {
    routes,
    decisions,
    parser: {
      async parseEmail(bytes) {
        const p = await parseEmail(bytes, { ...email.limits, trustedAuthservId: email.trustedAuthservId });
        const strip = (a: (typeof p.attachments)[number]) => ({ filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256 });
        return {
          messageId: p.messageId,
          inReplyTo: p.inReplyTo,
          references: p.references,
          from: p.from,
          replyTo: p.replyTo,
          to: p.to,
          subject: p.subject,
          date: p.date,
          text: p.text,
          attachments: p.attachments.map(strip),
          forwarded: p.forwarded && { by: p.forwarded.by, original: { from: p.forwarded.original.from, date: p.forwarded.original.date, subject: p.forwarded.original.subject, text: p.forwarded.original.text } },
          auth: { spf: p.auth.spf, dkim: p.auth.dkim, dmarc: p.auth.dmarc, aligned: p.auth.aligned },
          headers: p.headers,
          report: p.report,
          attachmentContents: p.attachments.map((a) => ({ sha256: a.sha256, content: a.content, contentType: a.contentType })),
        };
      },
    },
    // Resumes share the OCR pool (scanned resumes, and the check of the text layer against the page).
    resumes: { parse: (bytes, fileName) => parseResume(bytes, fileName, { ocr }) },
    documents: {
      async extract(bytes, fileName, { models = true } = {}): Promise<DocumentExtraction> {
        const r = await extractDocument(bytes, fileName, { ocr, ...(vision && models ? { vision, textModel: env.EXTRACT_TEXT_MODEL } : {}) });
        if (r.error && /not a PDF, an image/.test(r.error)) throw new InputError(`${fileName}: ${r.error}`);
        return {
          file: r.file,
          pages: r.pages,
          source: r.source,
          fields: r.fields as unknown as DocumentExtraction['fields'],
          needs_review: r.needs_review,
          review: r.review,
          checks: r.checks,
          not_an_invoice: r.not_an_invoice,
          model_calls: r.model_calls,
          credit_note: r.credit_note,
          warnings: r.warnings,
          ...(r.error ? { error: r.error } : {}),
        };
      },
    },
    mailer: {
      async send(mail, key, options = {}) {
        const row = await outbox.enqueue(await outreach(mail, key), { idempotencyKey: key, runId: options.runId ?? null });
        return { id: row.id, status: row.status, messageId: row.message_id };
      },
      resendAfterSoftBounce: (messageId, reason) => outbox.resendAfterSoftBounce(messageId, reason),
    },
  };

  return {
    services,
    async startChannels({ intake }) {
      // IMAP when configured; otherwise the embedded default, a watched folder of messages.
      if (email.accounts.length) {
        const imap = await startImapListeners({ accounts: email.accounts, pool, intake, settings: email.imap, log });
        log.info({ accounts: email.accounts.map((a) => `${a.name}: ${a.mailboxes.join(', ')}`) }, 'IMAP listeners started');
        return { stop: () => imap.stop() };
      }
      const folder = startFolderSource({ dir: config.inboxDir, intake, log });
      log.info({ inbox: config.inboxDir }, 'watching the inbox folder');
      return { stop: () => folder.stop() };
    },
    async close() {
      await outbox.stop();
      await ocr.close();
      await closeParsers();
    },
  };
}
