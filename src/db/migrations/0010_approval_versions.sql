-- Versioned proposals. An edit made while approving creates a new version of the request (new
-- content hash); only votes for the current version count, so one approver in a two-person tier
-- cannot change what the other approves. Every version is kept with who made it and why.
-- `requesters` holds every identity of the person who brought the item in (Slack user, the
-- forwarder's address and the identities it maps to, the API caller): none of them may approve.
-- `tier_rules` is the invoice tier table at request time, so an edited amount is re-tiered.

ALTER TABLE mailroom.approvals
  ADD COLUMN version    integer NOT NULL DEFAULT 1,
  ADD COLUMN edits      jsonb,
  ADD COLUMN requesters jsonb NOT NULL DEFAULT '[]',
  ADD COLUMN tier_rules jsonb;

CREATE TABLE mailroom.approval_versions (
  approval_id text NOT NULL REFERENCES mailroom.approvals (id) ON DELETE CASCADE,
  version     integer NOT NULL,
  request     jsonb NOT NULL,
  shown_hash  text NOT NULL,
  edits       jsonb,
  edited_by   text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, version)
);

ALTER TABLE mailroom.approval_votes ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE mailroom.approval_votes DROP CONSTRAINT approval_votes_pkey;
ALTER TABLE mailroom.approval_votes ADD PRIMARY KEY (approval_id, approver, version);
