/**
 * HubSpot's CRM v3, the calls a lead needs: upsert a contact by email
 * (`POST /crm/v3/objects/contacts/batch/upsert`, `idProperty: email`; the result's `new` says
 * created or updated; `lifecyclestage` among its properties), and a note associated to the
 * contact (`POST /crm/v3/objects/notes`, association type 202 note → contact). A private app
 * token in `Authorization: Bearer`. Each call runs inside a workflow action, so a note is never
 * written twice by a replay.
 */
import { z } from 'zod';
import type { CrmAdapter } from './port.ts';

const upsertAnswer = z.object({ results: z.array(z.object({ id: z.string(), new: z.boolean().optional() })).min(1) });
const createdAnswer = z.object({ id: z.string() });
/** HubSpot-defined association type: note to contact. */
const NOTE_TO_CONTACT = 202;
/** Mailroom's lead status as HubSpot's default `hs_lead_status` values. */
const LEAD_STATUS: Record<string, string> = {
  new: 'NEW', nurturing: 'ATTEMPTED_TO_CONTACT', alerted: 'OPEN_DEAL', replied: 'CONNECTED',
  closed: 'UNQUALIFIED', unsubscribed: 'UNQUALIFIED', bounced: 'UNQUALIFIED', suppressed: 'UNQUALIFIED',
};

export function hubspotCrm(options: { url?: string; token: string; timeoutMs?: number; fetch?: typeof fetch }): CrmAdapter {
  const base = (options.url ?? 'https://api.hubapi.com').replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const call = async <T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> => {
    const res = await doFetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`HubSpot ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return schema.parse(JSON.parse(text));
  };
  return {
    name: 'hubspot',
    async upsertContact(c) {
      const [first, ...rest] = (c.name ?? '').trim().split(/\s+/);
      const properties: Record<string, string> = { email: c.email };
      const set = (k: string, v: unknown) => v !== null && v !== undefined && v !== '' && (properties[k] = String(v));
      set('firstname', first);
      set('lastname', rest.join(' '));
      set('company', c.company);
      set('website', c.domain);
      set('jobtitle', c.title);
      set('lifecyclestage', c.lifecycleStage);
      set('hs_lead_status', c.dealStage ? (LEAD_STATUS[c.dealStage] ?? c.dealStage) : null);
      for (const [k, v] of Object.entries(c.properties ?? {})) set(k, v);
      const answer = await call('/crm/v3/objects/contacts/batch/upsert', { inputs: [{ idProperty: 'email', id: c.email, properties }] }, upsertAnswer);
      return { id: answer.results[0]!.id, created: answer.results[0]!.new ?? false };
    },
    async addNote(contactId, body) {
      const note = await call(
        '/crm/v3/objects/notes',
        {
          properties: { hs_note_body: body, hs_timestamp: new Date().toISOString() },
          associations: [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: NOTE_TO_CONTACT }] }],
        },
        createdAnswer,
      );
      return { id: note.id };
    },
  };
}
