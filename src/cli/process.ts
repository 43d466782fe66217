import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import MailComposer from 'nodemailer/lib/mail-composer';
import { z } from 'zod';
import { errorMessage, InputError } from '../errors.ts';
import { getRun } from '../engine/run-store.ts';
import { detectInputKind } from '../intake/detect.ts';
import { createIntake, normaliseMessageId, type IncomingItem } from '../intake/intake.ts';
import type { App } from '../main.ts';
import type { RouterOutput } from '../workflows/router/router.ts';
import { summariseItem, type ProcessSummary } from '../workflows/summary.ts';
import { routes } from '../workflows/index.ts';
import { leadFormSchema, type LeadForm } from '../workflows/lead/form.ts';
import { summariseLead } from '../workflows/lead/summary.ts';
import { contentBrief, processBrief } from '../workflows/content/cli-process.ts';
import { withApp } from './context.ts';
import { withCandidate } from './hiring.ts';

// `--workflow` values: the registered workflows (src/workflows/index.ts), whether built or pending.
// content is not routed from mail (no RouteSpec): a JSON brief starts it directly.
const WORKFLOWS = ['auto', ...routes.specs.map((r) => r.workflow), 'content'];

/** A JSON trigger: a message described as data, turned into a real RFC 822 message. */
const triggerSchema = z.object({
  from: z.string().default('cli@localhost'),
  to: z.string().optional(),
  subject: z.string().default('(no subject)'),
  text: z.string(),
  workflow: z.string().refine((w) => WORKFLOWS.includes(w), { message: `one of ${WORKFLOWS.join(', ')}` }).optional(),
});

/** A lead form (`{ email, name?, message?, activity? ... }`, no `text`): started on the lead workflow as it is. */
function leadForm(json: unknown): LeadForm | undefined {
  if (!json || typeof json !== 'object' || 'text' in json || !('email' in json)) return undefined;
  const parsed = leadFormSchema.safeParse(json);
  if (!parsed.success) throw new InputError(`not a valid lead form: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

async function toItem(file: string, bytes: Buffer): Promise<{ item: IncomingItem; workflow?: string; form?: LeadForm }> {
  if (!bytes.length) throw new InputError('empty file');
  const { kind, contentType } = detectInputKind(bytes);
  const source = { channel: 'cli', path: path.resolve(file) };
  if (kind === 'pdf' || kind === 'image' || kind === 'einvoice') return { item: { kind: 'document', bytes, filename: path.basename(file), contentType, source } };
  if (kind === 'email') {
    const id = /^message-id:\s*(<[^>\r\n]+>|\S+)/im.exec(bytes.subarray(0, 65536).toString('latin1'))?.[1];
    return { item: { kind: 'email', bytes, dedupeKey: normaliseMessageId(id), source } };
  }
  if (kind === 'trigger') {
    const json: unknown = JSON.parse(bytes.toString('utf8'));
    const form = leadForm(json);
    if (form) return { item: { kind: 'trigger', bytes, contentType: 'application/json', source: { ...source, form: 'lead' } }, workflow: 'lead', form };
    const parsed = triggerSchema.safeParse(json);
    if (!parsed.success) throw new InputError(`not a valid trigger: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const t = parsed.data;
    const raw = await new MailComposer({ from: t.from, to: t.to ?? 'mailroom@localhost', subject: t.subject, text: t.text }).compile().build();
    return { item: { kind: 'email', bytes: raw, source: { ...source, trigger: true } }, workflow: t.workflow };
  }
  throw new InputError('not a recognisable email message, PDF, image, XML e-invoice or JSON trigger');
}

async function processOne(app: App, file: string, workflow: string, timeoutMs: number, job?: string): Promise<ProcessSummary> {
  const bytes = fs.readFileSync(file);
  const brief = bytes.length ? contentBrief(bytes, workflow) : undefined;
  if (brief) return processBrief({ pool: app.db.pool, engine: app.engine }, file, bytes, brief, timeoutMs);
  const { item, workflow: fromTrigger, form } = await toItem(file, bytes);
  if (form) {
    if (workflow !== 'auto' && workflow !== 'lead') throw new InputError(`a lead form goes to the lead workflow, not ${workflow}`);
    // The form is the lead workflow's input as it is: no router, as for POST /webhook/new-lead.
    const accepted = await createIntake({ pool: app.db.pool, engine: app.engine, workflowFor: () => 'lead', inputFor: () => form }).accept(item);
    if (!accepted.runId) throw new InputError('stored, but the lead workflow did not start');
    await app.engine.waitForRun(accepted.runId, { states: ['completed', 'failed', 'cancelled', 'waiting'], timeoutMs });
    return summariseLead(app.db.pool, file, accepted.itemId, accepted.duplicate, accepted.runId);
  }
  // --job: the hiring workflow reads it from the stored item.
  if (job) item.source = { ...item.source, job };
  const chosen = workflow !== 'auto' ? workflow : (fromTrigger ?? 'auto');
  const intake = app.intakeWith({ workflow: chosen });
  const accepted = await intake.accept(item);
  if (!accepted.runId) throw new InputError('stored, but no workflow handles this kind of item');
  // The router waits only when a person must choose the workflow (a triage approval).
  await app.engine.waitForRun(accepted.runId, { states: ['completed', 'failed', 'cancelled', 'waiting'], timeoutMs });
  const router = (await getRun(app.db.pool, accepted.runId)) as { output: RouterOutput | null } | undefined;
  // Only a workflow the router started is waited for; a reply or bounce names the run it was handed to, which may wait for weeks.
  if (router?.output?.childRunId && routes.find(router.output.route)) await app.engine.waitForRun(router.output.childRunId, { timeoutMs });
  return withCandidate(app.db.pool, await summariseItem(app.db.pool, file, accepted.itemId, accepted.duplicate, accepted.runId), router?.output);
}

function human(s: ProcessSummary): string {
  const c = s.classification;
  const lines = [`${s.input}: ${s.workflow} → ${s.state}${s.outcome ? ` (${s.outcome})` : ''}  run ${s.run_id}${s.duplicate ? '  [duplicate: already processed]' : ''}`];
  if (c.category || c.priority) lines.push(`  classification: ${c.category ?? '-'} / ${c.priority ?? '-'} / ${c.language ?? '-'}${c.confidence !== null ? ` (confidence ${c.confidence.toFixed(2)})` : ''}`);
  if (s.extracted) lines.push(`  extracted: ${JSON.stringify(s.extracted)}${s.needs_review ? '  NEEDS REVIEW' : ''}`);
  if (s.anomalies.length) lines.push(`  anomalies: ${s.anomalies.join('; ')}`);
  if (s.draft) lines.push(`  draft: ${s.draft.split('\n')[0]}…`);
  if (s.approval) lines.push(`  approval ${s.approval.id} ${s.approval.status}: ${s.approval.reasons.join('; ')}  (mailroom approve|reject ${s.approval.id})`);
  const candidate = (s as { candidate?: { id: string; job: string | null; stage: string; score: number | null; red_flags: unknown[] } }).candidate;
  if (candidate) lines.push(`  candidate ${candidate.id}: job ${candidate.job ?? '-'}, ${candidate.stage}, score ${candidate.score ?? '-'}, ${candidate.red_flags.length} red flag(s)`);
  if (s.error) lines.push(`  error: ${s.error}`);
  return lines.join('\n');
}

export function registerProcess(program: Command): void {
  program
    .command('process <file...>')
    .description('run each input (email message, PDF, image or JSON trigger, recognised by content) through the whole pipeline and print the outcome')
    .option('--workflow <name>', `force a workflow (${WORKFLOWS.join('|')})`, 'auto')
    .option('--json', 'one JSON object per input, one per line')
    .option('--job <id>', 'hiring: the job an application is for (else its address or subject names it, or a person is asked)')
    .option('--timeout <seconds>', 'how long to wait for each input', '300')
    .action(async (files: string[], opts: { workflow: string; json?: boolean; timeout: string; job?: string }) => {
      if (!WORKFLOWS.includes(opts.workflow)) {
        console.error(`mailroom: --workflow must be one of ${WORKFLOWS.join(', ')}`);
        process.exitCode = 2;
        return;
      }
      await withApp('worker', async (app) => {
        for (const file of files) {
          try {
            const summary = await processOne(app, file, opts.workflow, Number(opts.timeout) * 1000, opts.job);
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
