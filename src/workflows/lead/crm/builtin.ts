/** The built-in CRM: contacts and notes in PostgreSQL (migration 0015), the adapter's default. */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { CrmAdapter } from './port.ts';

export function builtinCrm(pool: pg.Pool): CrmAdapter {
  return {
    name: 'built-in',
    async upsertContact(c) {
      const { rows } = await pool.query<{ id: string; created: boolean }>(
        `INSERT INTO mailroom.crm_contacts (id, email, name, company, company_domain, title, lifecycle_stage, deal_stage, properties)
         VALUES ($1, lower($2), $3, $4, $5, $6, coalesce($7, 'lead'), $8, coalesce($9::jsonb, '{}'))
         ON CONFLICT (email) DO UPDATE SET
           name = coalesce(EXCLUDED.name, crm_contacts.name), company = coalesce(EXCLUDED.company, crm_contacts.company),
           company_domain = coalesce(EXCLUDED.company_domain, crm_contacts.company_domain), title = coalesce(EXCLUDED.title, crm_contacts.title),
           lifecycle_stage = coalesce($7, crm_contacts.lifecycle_stage), deal_stage = coalesce($8, crm_contacts.deal_stage),
           properties = crm_contacts.properties || EXCLUDED.properties, updated_at = now()
         RETURNING id, (xmax = 0) AS created`,
        [crypto.randomUUID(), c.email, c.name ?? null, c.company ?? null, c.domain ?? null, c.title ?? null, c.lifecycleStage ?? null, c.dealStage ?? null, c.properties ? JSON.stringify(c.properties) : null],
      );
      return rows[0]!;
    },
    async addNote(contactId, body, key) {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO mailroom.crm_notes (contact_id, key, body) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET key = EXCLUDED.key RETURNING id::text`,
        [contactId, key, body],
      );
      return rows[0]!;
    },
  };
}
