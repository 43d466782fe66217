/**
 * The router: every item that comes in starts here. It parses the raw item (stored by intake),
 * lets code skip what code can decide (auto-replies, newsletters), asks the decision core once
 * to route and classify, and starts the workflow that owns the item.
 *
 * Nothing is dropped: an item that no installed workflow claims (and that code did not set
 * aside) becomes a *triage* approval: a person sees what came in and what the router thought,
 * and chooses a workflow or `ignore`. The choice starts that workflow on the same item.
 * Items set aside by code end here with their reason (`mailroom runs --workflow router`).
 */
import { z } from 'zod';
import { defineWorkflow } from '../../engine/define.ts';
import { getBlob, putBlob } from '../../intake/blobs.ts';
import { getItem } from '../../intake/intake.ts';
import { NonRetriableError } from '../../errors.ts';
import { StepFailedError } from '../../engine/signals.ts';
import type { EmailSummary, RequesterInput, TriageInput, TriageResult, WorkflowServices } from '../ports.ts';
import { matchReply } from './reply-match.ts';
import { askForTriage } from './triage-approval.ts';
import { handleAutomatedMail } from './automated-mail.ts';
import { handleCalendarReply } from '../hiring/imip-reply.ts';
import type { RoutedItem } from '../routes.ts';

/** How long the router looks again for a run that is about to wait for this reply: 2+4+8+16 s. */
const EARLY_REPLY_LOOKS = [2_000, 4_000, 8_000, 16_000];

// XML attachments may be e-invoices (XRechnung is XML alone); one that is not an invoice is passed over.
const DOCUMENT_TYPES = /^(application\/pdf|image\/(png|jpe?g|tiff|webp)|application\/xml|text\/xml)$/i;

export interface RouterOutput {
  /**
   * A registered route or `unrouted`; `reply`: handed to the run that waited for it (childRunId
   * is that run); `bounce`/`complaint`/`auto_reply`/`unsubscribe`: automatic mail handled by code
   * (childRunId: the run whose message it answers, if any).
   */
  route: string;
  reason: string;
  childRunId: string | null;
  triage: TriageResult | null;
  /** Set when a person chose the route (or `ignore`) in a triage approval. */
  chosenBy?: string[];
}

export const routerWorkflow = defineWorkflow({
  name: 'router',
  version: 1,
  // `workflow`: a registered workflow's name to skip the triage (the CLI checks it against the registry).
  input: z.object({ itemId: z.string().uuid(), workflow: z.string().min(1).default('auto') }),
  maxSteps: 60,
  // A triage item waits for a person as long as it takes (reminders, no expiry).
  maxDurationMs: 400 * 86_400_000,
  async run(input, step, ctx): Promise<RouterOutput> {
    const services = ctx.services as WorkflowServices;
    const { pool, routes } = services;

    const item = await step.run('load-item', async () => {
      const row = await getItem(pool, input.itemId);
      if (!row) throw new NonRetriableError(`item ${input.itemId} not found`);
      return { kind: row.kind, sha256: row.sha256, filename: row.filename, source: row.source, receivedAt: row.received_at };
    });

    // Parse: the raw bytes stay untouched in blob storage; attachments are stored by hash.
    const triageInput = await step.run('parse', async (): Promise<TriageInput> => {
      const blob = await getBlob(pool, item.sha256);
      if (!blob) throw new NonRetriableError(`raw bytes of item ${input.itemId} are missing`);
      if (item.kind === 'email') {
        const parsed = await services.parser.parseEmail(blob.bytes);
        for (const a of parsed.attachmentContents) await putBlob(pool, a.content, a.contentType);
        const { attachmentContents: _drop, ...email } = parsed;
        return { kind: 'email', email, text: email.text, attachments: email.attachments };
      }
      if (item.kind === 'document') {
        return { kind: 'document', text: '', attachments: [{ filename: item.filename, contentType: blob.contentType, size: blob.bytes.length }] };
      }
      return { kind: 'slack_message', text: blob.bytes.toString('utf8'), attachments: [] };
    });
    const email: EmailSummary | undefined = triageInput.email;

    // An answer to a screening-call invitation (iMIP METHOD:REPLY, matched by UID) goes to its hiring run.
    if (email) {
      const calendarReply = await handleCalendarReply(step, services, input.itemId, email);
      if (calendarReply) return { route: 'reply', reason: calendarReply.reason, childRunId: calendarReply.runId, triage: null };
    }

    // Automatic mail (bounces, complaints, auto-replies, unsubscribes) is handled by code first:
    // an out-of-office naming our message in In-Reply-To must never count as the person's reply.
    if (email) {
      const automated = await handleAutomatedMail(step, services, input.itemId, email);
      if (automated) return { route: automated.route, reason: automated.reason, childRunId: automated.runId, triage: null };
    }

    // A reply to a message Mailroom sent goes to the run that waits for it, not to a new workflow.
    if (email) {
      let match = await step.run('match-reply', () => matchReply(pool, email));
      for (let i = 0; match.kind === 'early' && i < EARLY_REPLY_LOOKS.length; i++) {
        await step.sleep(EARLY_REPLY_LOOKS[i]!, `reply-settle-${i + 1}`);
        match = await step.run(`match-reply-${i + 1}`, () => matchReply(pool, email));
      }
      if (match.kind === 'early') {
        await step.decide({ action: 'route.reply_unclaimed', parameters: { runs: match.runIds }, reasoning: `a reply to a message of run ${match.runIds.join(', ')}, which did not wait for a reply within ${EARLY_REPLY_LOOKS.reduce((a, b) => a + b, 0) / 1000} s; routed as a new item`, provider: 'code' });
      }
      if (match.kind === 'own') {
        await step.decide({ action: 'route', parameters: { route: 'unrouted' }, reasoning: `a copy of a message Mailroom sent (${match.messageId})`, confidence: 1, provider: 'code' });
        return { route: 'unrouted', reason: 'prefilter: a copy of a message Mailroom sent', childRunId: null, triage: null };
      }
      if (match.kind === 'reply' && services.events) {
        const events = services.events;
        await step.run('deliver-reply', () => events.send('email.reply', match.key, { itemId: input.itemId, from: email.from?.address ?? null, subject: email.subject, text: email.text.slice(0, 20_000) }).then(() => true));
        await step.decide({ action: 'route', parameters: { route: 'reply', run: match.runId }, reasoning: `a reply to a message Mailroom sent; handed to the run waiting for it`, confidence: 1, provider: 'code' });
        return { route: 'reply', reason: 'a reply to a message Mailroom sent', childRunId: match.runId, triage: null };
      }
      // No Message-ID of ours, but a run of some workflow is waiting on this sender: theirs.
      if (match.kind !== 'reply' && services.events && input.workflow === 'auto') {
        const events = services.events;
        const ongoing = await step.run('match-sender', async () => {
          for (const spec of routes.specs.filter((s) => s.installed && s.ongoing)) {
            const found = await spec.ongoing!(pool, email, input.itemId);
            if (found) return { ...found, workflow: spec.workflow };
          }
          return null;
        });
        if (ongoing) {
          await step.run('deliver-ongoing', () => events.send(ongoing.name, ongoing.key, ongoing.payload).then(() => true));
          await step.decide({ action: 'route', parameters: { route: 'reply', run: ongoing.runId }, reasoning: `from ${email.from?.address ?? 'the sender'}, whom a running ${ongoing.workflow} run is waiting on; handed to it as ${ongoing.name}`, confidence: 1, provider: 'code' });
          return { route: 'reply', reason: `a new mail from someone a ${ongoing.workflow} run is waiting on`, childRunId: ongoing.runId, triage: null };
        }
      }
    }

    const requester = requesterOf(item.source, email);
    const forced = input.workflow !== 'auto' ? (routes.byWorkflow(input.workflow) ?? null) : null;
    if (input.workflow !== 'auto' && !forced) throw new NonRetriableError(`unknown workflow ${input.workflow}`);
    const startChild = (route: string, triage: TriageResult | null) => {
      const spec = routes.find(route)!;
      const documents = triageInput.attachments.length
        ? (email?.attachments ?? [{ ...triageInput.attachments[0]!, sha256: item.sha256 }]).filter((a) => DOCUMENT_TYPES.test(a.contentType) || item.kind === 'document')
        : [];
      const routed: RoutedItem = { itemId: input.itemId, kind: item.kind as RoutedItem['kind'], email: email ?? null, text: triageInput.text, documents, triage, requester };
      return step.spawn(spec.workflow, spec.input ? spec.input(routed) : routed);
    };
    const installed = routes.specs.filter((s) => s.installed).map((s) => s.route);
    const askPerson = async (reason: string, triage: TriageResult | null): Promise<RouterOutput> => {
      const choice = await askForTriage(step, services, { routes: installed, triageInput, triage, reason, requester, receivedAt: String(item.receivedAt) });
      if (choice.route === 'ignore') return { route: 'unrouted', reason: choice.reason, childRunId: null, triage, chosenBy: choice.by };
      const childRunId = await startChild(choice.route, choice.triage);
      return { route: choice.route, reason: choice.reason, childRunId, triage: choice.triage, chosenBy: choice.by };
    };

    if (forced && !forced.installed) {
      const why = `the ${forced.workflow} workflow is not installed`;
      await step.decide({ action: 'route', parameters: { route: forced.route }, reasoning: `${why}: a person decides` });
      return askPerson(why, null);
    }

    let triage: TriageResult | null = null;
    let route: RouterOutput['route'];
    let reason: string;
    if (item.kind === 'document') {
      route = forced?.route ?? 'invoice';
      reason = forced ? `forced by the caller` : 'a document sent on its own is treated as an invoice to process';
    } else {
      const skip = forced ? { skip: false as const } : services.decisions.prefilter(triageInput);
      if (skip.skip) {
        await step.decide({ action: 'route', parameters: { route: 'unrouted' }, reasoning: `prefilter: ${skip.reason}`, confidence: 1, provider: 'code' });
        return { route: 'unrouted', reason: `prefilter: ${skip.reason}`, childRunId: null, triage: null };
      }
      try {
        triage = await services.decisions.triage(step, triageInput);
      } catch (err) {
        // The model stayed unreachable through every retry: a person routes the item; a failed run
        // would be seen by nobody. The failed call stays in the trace.
        if (!(err instanceof StepFailedError)) throw err;
        const why = `the decision model could not be reached (${err.stored.message})`;
        await step.decide({ action: 'route', parameters: { route: 'unrouted' }, reasoning: `${why}: a person decides`, provider: 'code' });
        return askPerson(why, null);
      }
      route = forced?.route ?? triage.route;
      reason = forced ? `forced by the caller (the model said ${triage.route}: ${triage.routeReason})` : triage.routeReason;
    }
    await step.decide({ action: 'route', parameters: { route }, reasoning: reason, confidence: triage?.confidence, provider: triage?.provider, model: triage?.model ?? undefined });
    if (route === 'unrouted') return askPerson(reason, triage);
    // A route the triage recognised whose workflow is not built yet: recorded as such, a person decides.
    if (!routes.find(route)?.installed) return askPerson(`${route}: the ${routes.find(route)?.workflow ?? route} workflow is not installed`, triage);
    const childRunId = await startChild(route, triage);
    return { route, reason, childRunId, triage };
  },
});

/** Who brought the item in: the Slack user or API caller, else whoever sent or forwarded the mail. */
function requesterOf(source: Record<string, unknown>, email: EmailSummary | undefined): RequesterInput | null {
  const identity = typeof source.caller === 'string' ? source.caller : source.channel === 'slack' && typeof source.user === 'string' ? source.user : null;
  const address = email?.forwarded?.by?.address ?? email?.from?.address ?? null;
  return identity || address ? { identity, email: address } : null;
}
