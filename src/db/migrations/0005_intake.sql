-- Raw items as they arrived, stored before anything processes them. Blobs are content-addressed
-- (sha256), so the same bytes are stored once however often they are delivered.

CREATE TABLE mailroom.blobs (
  sha256       text PRIMARY KEY,
  content_type text NOT NULL,
  size         integer NOT NULL,
  bytes        bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailroom.items (
  id          uuid PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('email', 'document', 'slack_message', 'trigger')),
  sha256      text NOT NULL REFERENCES mailroom.blobs (sha256),
  dedupe_key  text,
  filename    text,
  source      jsonb NOT NULL,
  run_id      uuid REFERENCES mailroom.runs (id),
  status      text NOT NULL DEFAULT 'stored' CHECK (status IN ('stored', 'queued', 'unrouted', 'failed')),
  error       text,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX items_dedupe ON mailroom.items (kind, dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX items_sha ON mailroom.items (kind, sha256);
CREATE INDEX items_run ON mailroom.items (run_id);
