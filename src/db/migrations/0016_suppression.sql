-- Outreach compliance (src/outreach/).
--
-- The suppression list: people who unsubscribed, hard-bounced or complained. Keyed by the
-- SHA-256 of the trimmed, lower-cased address, so the list can outlive the lead (and an erasure of
-- the person's data) without keeping the address itself: the gate hashes a recipient and looks it up.
CREATE TABLE mailroom.suppressions (
  address_hash text PRIMARY KEY,
  reason       text NOT NULL CHECK (reason IN ('unsubscribe', 'hard_bounce', 'complaint', 'manual')),
  source       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The last mail a person wrote to us themselves (not an auto-reply or a bounce): the cap on
-- automated mail counts what we sent since then.
CREATE TABLE mailroom.inbound_contacts (
  address_hash    text PRIMARY KEY,
  last_inbound_at timestamptz NOT NULL,
  last_item_id    uuid
);

-- Automated (outreach) mail in the outbox, counted per recipient by the gate.
ALTER TABLE mailroom.outbox ADD COLUMN automated boolean NOT NULL DEFAULT false;
CREATE INDEX outbox_automated_to ON mailroom.outbox (lower(btrim(to_address)), created_at) WHERE automated;
