/**
 * The CRM a lead's story is written to: upsert the contact by email, add notes (the scoring
 * reasoning, every state change and its reason), and move the lifecycle and deal stage. The
 * built-in tables are the default (crm/builtin.ts); crm/hubspot.ts speaks HubSpot's CRM v3 API.
 */
export type LifecycleStage = 'lead' | 'marketingqualifiedlead' | 'salesqualifiedlead' | 'opportunity' | 'customer' | 'other';

export interface CrmContact {
  email: string;
  name?: string | null;
  company?: string | null;
  domain?: string | null;
  title?: string | null;
  lifecycleStage?: LifecycleStage;
  /** Where the lead stands in Mailroom (new, nurturing, alerted...), as the deal stage. */
  dealStage?: string | null;
  properties?: Record<string, string | number | null>;
}

export interface CrmAdapter {
  readonly name: string;
  upsertContact(contact: CrmContact): Promise<{ id: string; created: boolean }>;
  /** `key` is the note's idempotency key: the built-in store adds a key once. */
  addNote(contactId: string, body: string, key: string): Promise<{ id: string }>;
}

/** A lead status as a lifecycle stage. */
export function lifecycleFor(status: string, band: string | null): LifecycleStage {
  if (status === 'alerted') return 'salesqualifiedlead';
  if (status === 'replied') return band === 'hot' ? 'salesqualifiedlead' : 'marketingqualifiedlead';
  if (status === 'closed' || status === 'unsubscribed' || status === 'bounced' || status === 'suppressed') return 'other';
  if (band === 'hot' || band === 'warm') return 'marketingqualifiedlead';
  return 'lead';
}
