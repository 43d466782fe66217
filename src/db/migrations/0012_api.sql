-- The HTTP API's Idempotency-Key records and the runs that schedules started.
--
-- An Idempotency-Key is scoped to its caller (the IETF draft's "unique per client"); the
-- fingerprint is a hash of the request that first used it, so the same key with another body is
-- refused instead of silently answered with the first run.

CREATE TABLE mailroom.api_idempotency_keys (
  caller      text NOT NULL,
  key         text NOT NULL,
  fingerprint text NOT NULL,
  run_id      uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, key)
);

-- One row per schedule occurrence that started a run (the run's idempotency key is
-- `schedule:<name>:<occurrence>` too): "last run" per schedule without scanning runs.
CREATE TABLE mailroom.schedule_runs (
  schedule      text NOT NULL,
  occurrence_at timestamptz NOT NULL,
  run_id        uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule, occurrence_at)
);
