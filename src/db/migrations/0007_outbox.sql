-- The outbox: every outgoing message is recorded before it is sent, and kept whatever happens.
CREATE TABLE mailroom.outbox (
  id              uuid PRIMARY KEY,
  idempotency_key text NOT NULL UNIQUE,
  message_id      text NOT NULL,
  run_id          uuid REFERENCES mailroom.runs (id),
  from_address    text NOT NULL,
  to_address      text NOT NULL,
  subject         text NOT NULL,
  raw             bytea NOT NULL,
  status          text NOT NULL CHECK (status IN ('not_sent', 'queued', 'sent', 'retrying', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  next_attempt_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outbox_pending ON mailroom.outbox (next_attempt_at) WHERE status IN ('queued', 'retrying');
