import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import { errorMessage, InputError } from '../errors.ts';
import { detectInputKind } from '../intake/detect.ts';
import { normaliseMessageId, type IncomingItem } from '../intake/intake.ts';
import type { App } from '../main.ts';
import type { RouterOutput } from '../workflows/router/router.ts';
import { summariseItem, type ProcessSummary } from '../workflows/summary.ts';
import { withApp } from './context.ts';

const WORKFLOWS = ['auto', 'support', 'invoice', 'lead', 'hiring'];

/** A JSON trigger: a message described as data, turned into a real RFC 822 message. */
const triggerSchema = z.object({
  from: z.string().default('cli@localhost'),
  to: z.string().optional(),
  subject: z.string().default('(no subject)'),
  text: z.string(),
  workflow: z.enum(['auto', 'support', 'invoice', 'lead', 'hiring']).optional(),
});

async function toItem(file: string, bytes: Buffer): Promise<{ item: IncomingItem; workflow?: string }> {
  if (!bytes.length) throw new InputError('empty file');
  const { kind, contentType } = detectInputKind(bytes);
  const source = { channel: 'cli', path: path.resolve(file) };
  if (kind === 'pdf' || kind === 'image' || kind === 'einvoice') return { item: { kind: 'document', bytes, filename: path.basename(file), contentType, source } };
  if (kind === 'email') {
    const id = /^message-id:\s*(<[^>\r\n]+>|\S+)/im.exec(bytes.subarray(0, 65536).toString('latin1'))?.[1];
    return { item: { kind: 'email', bytes, dedupeKey: normaliseMessageId(id), source } };
  }
  if (kind === 'trigger') {
    const parsed = triggerSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    if (!parsed.success) throw new InputError(`not a valid trigger: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const t = parsed.data;
    const raw = await new MailComposer({ from: t.from, to: t.to ?? 'mailroom@localhost', subject: t.subject, text: t.text }).compile().build();
    return { item: { kind: 'email', bytes: raw, source: { ...source, trigger: true } }, workflow: t.workflow };
  }
  throw new InputError('not a recognisable email message, PDF, image, XML e-invoice or JSON trigger');
}

async function processOne(app: App, file: string, workflow: string, timeoutMs: number): Promise<ProcessSummary> {
  const bytes = fs.readFileSync(file);
  const { item, workflow: fromTrigger } = await toItem(file, bytes);
  const chosen = workflow !== 'auto' ? workflow : (fromTrigger ?? 'auto');
  const intake = app.intakeWith({ workflow: chosen });
  const accepted = await intake.accept(item);
  if (!accepted.runId) throw new InputError('stored, but no workflow handles this kind of item');
  await app.engine.waitForRun(accepted.runId, { states: ['completed', 'failed', 'cancelled'], timeoutMs });
  const router = (await app.db.pool.query<{ output: RouterOutput | null }>('SELECT output FROM mailroom.runs WHERE id = $1', [accepted.runId])).rows[0];
  if (router?.output?.childRunId) await app.engine.waitForRun(router.output.childRunId, { timeoutMs });
  return summariseItem(app.db.pool, file, accepted.itemId, accepted.duplicate, accepted.runId);
}

function human(s: ProcessSummary): string {
  const c = s.classification;
  const lines = [`${s.input}: ${s.workflow} → ${s.state}${s.outcome ? ` (${s.outcome})` : ''}  run ${s.run_id}${s.duplicate ? '  [duplicate: already processed]' : ''}`];
  if (c.category || c.priority) lines.push(`  classification: ${c.category ?? '-'} / ${c.priority ?? '-'} / ${c.language ?? '-'}${c.confidence !== null ? ` (confidence ${c.confidence.toFixed(2)})` : ''}`);
  if (s.extracted) lines.push(`  extracted: ${JSON.stringify(s.extracted)}${s.needs_review ? '  NEEDS REVIEW' : ''}`);
  if (s.anomalies.length) lines.push(`  anomalies: ${s.anomalies.join('; ')}`);
  if (s.draft) lines.push(`  draft: ${s.draft.split('\n')[0]}…`);
  if (s.approval) lines.push(`  approval ${s.approval.id} ${s.approval.status}: ${s.approval.reasons.join('; ')}  (mailroom approve|reject ${s.approval.id})`);
  if (s.error) lines.push(`  error: ${s.error}`);
  return lines.join('\n');
}

export function registerProcess(program: Command): void {
  program
    .command('process <file...>')
    .description('run each input (email message, PDF, image or JSON trigger, recognised by content) through the whole pipeline and print the outcome')
    .option('--workflow <name>', `force a workflow (${WORKFLOWS.join('|')})`, 'auto')
    .option('--json', 'one JSON object per input, one per line')
    .option('--timeout <seconds>', 'how long to wait for each input', '300')
    .action(async (files: string[], opts: { workflow: string; json?: boolean; timeout: string }) => {
      if (!WORKFLOWS.includes(opts.workflow)) {
        console.error(`mailroom: --workflow must be one of ${WORKFLOWS.join(', ')}`);
        process.exitCode = 2;
        return;
      }
      await withApp('worker', async (app) => {
        for (const file of files) {
          try {
            const summary = await processOne(app, file, opts.workflow, Number(opts.timeout) * 1000);
            console.log(opts.json ? JSON.stringify(summary) : human(summary));
          } catch (err) {
            // One bad input never stops the others; it makes the exit code 2.
            process.exitCode = 2;
            const message = `${file}: ${errorMessage(err).split('\n')[0]}`;
            if (opts.json) console.log(JSON.stringify({ input: file, error: message }));
            console.error(`mailroom: ${message}`);
          }
        }
      });
    });
}
