-- Labelled examples: every correction a person makes (a triage choice, a category or priority
-- changed, an invoice field corrected, a draft edited) is kept as text with its label, so the
-- providers can learn from it (nearest neighbours by full-text search).

-- Mail comes in many languages and the examples are compared word against word, so one
-- configuration serves them all: the stop words of the languages we answer in are dropped
-- (each dictionary passes on what it does not know), and what is left is stemmed the English way.
-- The stemming is wrong for other languages but consistent on both sides of a comparison,
-- which is all a match needs.
CREATE TEXT SEARCH DICTIONARY mailroom.german_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = german, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY mailroom.french_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = french, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY mailroom.spanish_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = spanish, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY mailroom.italian_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = italian, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY mailroom.dutch_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = dutch, ACCEPT = false);
CREATE TEXT SEARCH DICTIONARY mailroom.portuguese_stop (TEMPLATE = pg_catalog.simple, STOPWORDS = portuguese, ACCEPT = false);
CREATE TEXT SEARCH CONFIGURATION mailroom.examples_fts (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION mailroom.examples_fts
  ALTER MAPPING FOR asciiword, word, asciihword, hword, hword_asciipart, hword_part
  WITH mailroom.german_stop, mailroom.french_stop, mailroom.spanish_stop, mailroom.italian_stop,
       mailroom.dutch_stop, mailroom.portuguese_stop, pg_catalog.english_stem;

CREATE TABLE mailroom.labelled_examples (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind        text NOT NULL CHECK (kind IN ('route', 'category', 'priority', 'field', 'draft')),
  -- The item as the person saw it: subject and the start of the body.
  text        text NOT NULL,
  label       jsonb NOT NULL,
  -- Where the correction came from (`approval:triage`, `approval:support.reply`, `import`, ...).
  source      text NOT NULL,
  -- A replayed step records the same correction again; the key makes that a no-op.
  key         text NOT NULL UNIQUE,
  -- The example outlives its run: learning is kept when a run is pruned.
  run_id      uuid REFERENCES mailroom.runs (id) ON DELETE SET NULL,
  approval_id text REFERENCES mailroom.approvals (id) ON DELETE SET NULL,
  created_by  text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  tsv         tsvector GENERATED ALWAYS AS (to_tsvector('mailroom.examples_fts'::regconfig, text)) STORED
);
CREATE INDEX labelled_examples_tsv ON mailroom.labelled_examples USING gin (tsv);
CREATE INDEX labelled_examples_kind ON mailroom.labelled_examples (kind, created_at DESC);
