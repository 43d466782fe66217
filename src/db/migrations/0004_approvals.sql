-- Approval requests and the votes that decide them. A request shows a person exactly what
-- Mailroom proposes; each vote records who decided, when, through which channel, and a hash of
-- exactly what they were shown.

CREATE TABLE mailroom.approvals (
  id                 text PRIMARY KEY,
  run_id             uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  workflow           text NOT NULL,
  kind               text NOT NULL,
  title              text NOT NULL,
  request            jsonb NOT NULL,
  shown_hash         text NOT NULL,
  amount             numeric,
  currency           text,
  tier               text,
  required_approvals integer NOT NULL DEFAULT 1 CHECK (required_approvals BETWEEN 1 AND 5),
  approvers          jsonb NOT NULL DEFAULT '[]',
  escalation         jsonb NOT NULL DEFAULT '[]',
  requested_by       text,
  status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'cancelled')),
  decision           jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  decided_at         timestamptz,
  expires_at         timestamptz,
  reminded_at        timestamptz,
  escalated_at       timestamptz,
  slack_channel      text,
  slack_ts           text,
  post_error         text
);
CREATE INDEX approvals_run ON mailroom.approvals (run_id);
CREATE INDEX approvals_pending ON mailroom.approvals (created_at) WHERE status = 'pending';

CREATE TABLE mailroom.approval_votes (
  approval_id text NOT NULL REFERENCES mailroom.approvals (id) ON DELETE CASCADE,
  approver    text NOT NULL,
  decision    text NOT NULL CHECK (decision IN ('approve', 'reject')),
  note        text,
  edits       jsonb,
  shown_hash  text NOT NULL,
  channel     text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (approval_id, approver)
);
