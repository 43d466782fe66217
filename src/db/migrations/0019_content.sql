-- The content workflow (src/workflows/content): research sources, the snippets each run used
-- (stored before drafting, with their span and hashes), the pieces and where they were
-- published, the outbox of social posts, and the content calendar.

-- Documents imported for research (`mailroom data import docs <folder>`), searched by full text.
CREATE TABLE mailroom.content_documents (
  id           text PRIMARY KEY,
  title        text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('markdown', 'text', 'pdf', 'html')),
  source_path  text,
  body         text NOT NULL,
  content_hash text NOT NULL,
  language     text NOT NULL DEFAULT 'en',
  search       tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')) STORED,
  imported_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_documents_search ON mailroom.content_documents USING gin (search);

-- Every passage a run may cite: where it came from (document or knowledge-base article), the
-- character span in that text, the quote, and hashes of both, written before any drafting.
CREATE TABLE mailroom.content_snippets (
  run_id       uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  id           text NOT NULL,
  source_kind  text NOT NULL CHECK (source_kind IN ('document', 'kb', 'web')),
  source_id    text NOT NULL,
  title        text NOT NULL,
  start_char   integer NOT NULL CHECK (start_char >= 0),
  end_char     integer NOT NULL CHECK (end_char > start_char),
  quote        text NOT NULL,
  quote_hash   text NOT NULL,
  source_hash  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, id)
);

-- One piece per run: what was written, its checks, the approval, and the CMS's answer.
CREATE TABLE mailroom.content_pieces (
  run_id          uuid PRIMARY KEY REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  status          text NOT NULL CHECK (status IN ('abstained', 'awaiting_approval', 'rejected', 'expired', 'published', 'scheduled')),
  brief           jsonb NOT NULL,
  title           text,
  slug            text,
  meta_description text,
  body_markdown   text,
  variants        jsonb,
  checks          jsonb,
  drafted_by      text,
  content_hash    text,
  approval_id     text,
  cms             text,
  remote_id       text,
  remote_url      text,
  remote_status   text,
  publish_at      timestamptz,
  published_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Social variants waiting for their time, and what the social adapter did with them. Without a
-- configured network they stay here, like mail without SMTP.
CREATE TABLE mailroom.social_posts (
  id             uuid PRIMARY KEY,
  run_id         uuid REFERENCES mailroom.runs (id) ON DELETE SET NULL,
  channel        text NOT NULL CHECK (channel IN ('x', 'linkedin', 'email')),
  subject        text,
  body           text NOT NULL,
  link           text,
  scheduled_for  timestamptz NOT NULL,
  status         text NOT NULL DEFAULT 'kept' CHECK (status IN ('kept', 'posted')),
  content_hash   text NOT NULL,
  idempotency_key text NOT NULL UNIQUE,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- The content calendar (`mailroom data import calendar`): one row per occurrence. A worker
-- claims a due row and starts its run in one transaction, so each entry starts exactly once.
CREATE TABLE mailroom.content_calendar (
  id         text PRIMARY KEY,
  source     text,
  due_at     timestamptz NOT NULL,
  brief      jsonb NOT NULL,
  run_id     uuid,
  started_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_calendar_due ON mailroom.content_calendar (due_at) WHERE run_id IS NULL;
