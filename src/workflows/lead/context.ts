/**
 * What every part of one lead run shares: the step API, services, the lead's identity, and the
 * two ways a state change is written down — the lead row (status, reason) and a CRM note with
 * the reason, plus a decision in the trace. CRM trouble is recorded, never fatal.
 */
import { StepFailedError } from '../../engine/signals.ts';
import type { StepApi } from '../../engine/types.ts';
import type { Policy } from '../../policy/schema.ts';
import type { WorkflowServices } from '../ports.ts';
import { crmFor } from './adapters.ts';
import type { DraftLanguage } from './drafts-i18n.ts';
import { lifecycleFor } from './crm/port.ts';
import { recordLeadEvent, updateLead, type LeadStatus } from './store.ts';

export interface LeadRun {
  step: StepApi;
  s: WorkflowServices;
  runId: string;
  leadId: string;
  email: string;
  name: string | null;
  company: string | null;
  title: string | null;
  /** The time zone the form gave, for send windows. */
  timezone: string | null;
  lp: Policy['lead'];
  /** The language every email to this lead is written in, chosen once per run (language.ts). */
  language: DraftLanguage;
  /** Our sent messages' normalised Message-IDs: replies, bounces and auto-replies are keyed by them. */
  sent: string[];
  band: string | null;
  status: LeadStatus;
}

/** A CRM note (contact upserted first, with the lifecycle for the current status). */
export async function crmNote(run: LeadRun, key: string, body: string): Promise<void> {
  const crm = crmFor(run.s);
  try {
    await run.step.action(
      `crm:${key}`,
      async () => {
        const contact = await crm.upsertContact({
          email: run.email, name: run.name, company: run.company, domain: run.email.split('@')[1] ?? null, title: run.title,
          lifecycleStage: lifecycleFor(run.status, run.band), dealStage: run.status,
        });
        const note = await crm.addNote(contact.id, body, `${run.runId}:${key}`);
        return { contactId: contact.id, created: contact.created, noteId: note.id };
      },
      // A note written twice beats a run stuck on an uncertain note: the built-in store dedupes by key.
      { kind: 'crm.note', parameters: { crm: crm.name }, repeatable: true },
    );
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    await run.step.decide({ action: 'crm.failed', parameters: { key, crm: crm.name }, reasoning: `the CRM note could not be written: ${err.stored.message}` });
  }
}

/** A state change: the lead row, an event, a decision and a CRM note, all saying why. */
export async function changeStatus(run: LeadRun, key: string, status: LeadStatus, reason: string, extra: { nextStepAt?: Date | null } = {}): Promise<void> {
  run.status = status;
  await run.step.run(`status:${key}`, async () => {
    await updateLead(run.s.pool, run.leadId, { status, statusReason: reason, ...(extra.nextStepAt !== undefined ? { nextStepAt: extra.nextStepAt } : {}) });
    await recordLeadEvent(run.s.pool, { leadId: run.leadId, runId: run.runId, key: `status:${run.runId}:${key}`, kind: 'status', detail: { status, reason } });
    return true;
  });
  await run.step.decide({ action: 'lead.status', parameters: { status }, reasoning: reason });
  await crmNote(run, `status:${key}`, `Status: ${status}. ${reason}`);
}
