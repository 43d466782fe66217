-- Leads: the companies table enrichment reads, one lead per normalised address with its score
-- and sequence state, what happened to it (events), and the built-in CRM (contacts, notes with
-- the reasoning, lifecycle and deal stage). The suppression list is separate (0016): it must
-- outlive a deleted lead.

CREATE TABLE mailroom.companies (
  domain        text PRIMARY KEY,
  name          text NOT NULL,
  employees     integer,
  industry      text,
  revenue_usd   numeric,
  funding_stage text,
  tech          text[] NOT NULL DEFAULT '{}',
  source        text,
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailroom.leads (
  id              uuid PRIMARY KEY,
  email           text NOT NULL UNIQUE,
  name            text,
  company         text,
  title           text,
  domain          text,
  form            jsonb NOT NULL DEFAULT '{}',
  activity        jsonb NOT NULL DEFAULT '[]',
  submissions     integer NOT NULL DEFAULT 1,
  status          text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'alerted', 'nurturing', 'replied', 'closed', 'unsubscribed', 'bounced', 'suppressed')),
  status_reason   text,
  band            text CHECK (band IN ('hot', 'warm', 'cold')),
  score           integer,
  fit             integer,
  intent          integer,
  engagement      integer,
  factors         jsonb NOT NULL DEFAULT '[]',
  run_id          uuid,
  emails_sent     integer NOT NULL DEFAULT 0,
  alerted_at      timestamptz,
  last_contact_at timestamptz,
  next_step_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_run ON mailroom.leads (run_id);

-- What happened to a lead, in order; `key` makes a replayed step record its event once.
CREATE TABLE mailroom.lead_events (
  id       bigserial PRIMARY KEY,
  lead_id  uuid NOT NULL REFERENCES mailroom.leads (id) ON DELETE CASCADE,
  run_id   uuid,
  key      text NOT NULL,
  kind     text NOT NULL,
  detail   jsonb NOT NULL DEFAULT '{}',
  at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (lead_id, key)
);

-- The built-in CRM (the embedded default of the CRM adapter).
CREATE TABLE mailroom.crm_contacts (
  id              uuid PRIMARY KEY,
  email           text NOT NULL UNIQUE,
  name            text,
  company         text,
  company_domain  text,
  title           text,
  lifecycle_stage text NOT NULL DEFAULT 'lead',
  deal_stage      text,
  properties      jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailroom.crm_notes (
  id          bigserial PRIMARY KEY,
  contact_id  uuid NOT NULL REFERENCES mailroom.crm_contacts (id) ON DELETE CASCADE,
  key         text NOT NULL UNIQUE,
  body        text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX crm_notes_contact ON mailroom.crm_notes (contact_id, at);
