-- Email channel. The outbox table is in 0007_outbox.sql.

-- Per IMAP account and mailbox: where the listener resumes (UIDVALIDITY + last processed UID)
-- and how it is doing (the health record the CLI and the dashboard show).
CREATE TABLE mailroom.imap_mailboxes (
  account             text NOT NULL,
  mailbox             text NOT NULL,
  uidvalidity         text,
  last_uid            bigint NOT NULL DEFAULT 0,
  connected           boolean NOT NULL DEFAULT false,
  connected_at        timestamptz,
  last_idle_event_at  timestamptz,
  last_message_at     timestamptz,
  -- Messages on the server above last_uid when last looked (0 = caught up).
  pending             integer NOT NULL DEFAULT 0,
  -- Server arrival (INTERNALDATE) to hand-over, for the last message taken in.
  lag_ms              integer,
  reconnects          integer NOT NULL DEFAULT 0,
  uidvalidity_changes integer NOT NULL DEFAULT 0,
  last_error          text,
  last_error_at       timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, mailbox)
);

-- Messages the listener could not hand over (e.g. larger than IMAP_MAX_FETCH_BYTES): recorded
-- with the reason; the message itself stays on the server, unmarked.
CREATE TABLE mailroom.imap_rejects (
  account     text NOT NULL,
  mailbox     text NOT NULL,
  uidvalidity text NOT NULL,
  uid         bigint NOT NULL,
  size        bigint,
  reason      text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, mailbox, uidvalidity, uid)
);

-- `mailroom import`: resumable position per source (an mbox file's byte offset, or how far
-- through a folder's sorted file list).
CREATE TABLE mailroom.import_checkpoints (
  source      text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('mbox', 'folder')),
  position    bigint NOT NULL DEFAULT 0,
  imported    integer NOT NULL DEFAULT 0,
  duplicates  integer NOT NULL DEFAULT 0,
  failed      integer NOT NULL DEFAULT 0,
  done        boolean NOT NULL DEFAULT false,
  started_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A log of what email sources handed over (used by the DB-backed intake double of the tests and
-- the ingest benchmark, and available as a delivery audit).
CREATE TABLE mailroom.email_deliveries (
  id          bigserial PRIMARY KEY,
  channel     text NOT NULL,
  account     text,
  mailbox     text,
  uid         bigint,
  uidvalidity text,
  path        text,
  sha256      text NOT NULL,
  dedupe_key  text,
  duplicate   boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX email_deliveries_sha ON mailroom.email_deliveries (sha256);
CREATE INDEX email_deliveries_key ON mailroom.email_deliveries (dedupe_key) WHERE dedupe_key IS NOT NULL;
