-- The durable engine's tables: runs and their history, memoized steps, ordered decisions,
-- events and the waits that match them, and the action ledger.

CREATE TABLE mailroom.runs (
  id               uuid PRIMARY KEY,
  workflow         text NOT NULL,
  workflow_version integer NOT NULL,
  state            text NOT NULL CHECK (state IN ('queued', 'running', 'waiting', 'completed', 'failed', 'cancelled')),
  input            jsonb,
  output           jsonb,
  error            jsonb,
  idempotency_key  text UNIQUE,
  parent_run_id    uuid REFERENCES mailroom.runs (id),
  started_by       text,
  wait             jsonb,
  wake_at          timestamptz,
  deadline_at      timestamptz NOT NULL,
  lease_owner      text,
  lease_until      timestamptz,
  executions       integer NOT NULL DEFAULT 0,
  crashes          integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  pruned_at        timestamptz
);
CREATE INDEX runs_state_workflow ON mailroom.runs (state, workflow);
CREATE INDEX runs_created ON mailroom.runs (created_at DESC);
CREATE INDEX runs_lease ON mailroom.runs (lease_until) WHERE state = 'running';
CREATE INDEX runs_wake ON mailroom.runs (wake_at) WHERE state = 'waiting';
CREATE INDEX runs_parent ON mailroom.runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

CREATE TABLE mailroom.run_transitions (
  id         bigserial PRIMARY KEY,
  run_id     uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  from_state text,
  to_state   text NOT NULL,
  reason     text NOT NULL,
  at         timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX run_transitions_run ON mailroom.run_transitions (run_id, id);

-- Every state change is announced, so a CLI waiting on a run (mailroom process) wakes at once.
CREATE FUNCTION mailroom.notify_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('mailroom_runs', NEW.run_id::text || ':' || NEW.to_state);
  RETURN NEW;
END $$;
CREATE TRIGGER run_transitions_notify AFTER INSERT ON mailroom.run_transitions
  FOR EACH ROW EXECUTE FUNCTION mailroom.notify_transition();

CREATE TABLE mailroom.steps (
  run_id      uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  step_id     text NOT NULL,
  seq         integer NOT NULL,
  kind        text NOT NULL,
  status      text NOT NULL CHECK (status IN ('completed', 'failed', 'retrying', 'waiting')),
  output      jsonb,
  error       jsonb,
  attempts    integer NOT NULL DEFAULT 1,
  wake_at     timestamptz,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  PRIMARY KEY (run_id, step_id)
);

CREATE TABLE mailroom.decisions (
  id                 bigserial PRIMARY KEY,
  run_id             uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  seq                integer NOT NULL,
  step_id            text,
  action             text NOT NULL,
  parameters         jsonb,
  reasoning          text,
  confidence         double precision,
  provider           text,
  model              text,
  input_tokens       integer,
  output_tokens      integer,
  cache_read_tokens  integer,
  cache_write_tokens integer,
  cost_usd           double precision,
  latency_ms         integer,
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, seq)
);

CREATE TABLE mailroom.events (
  id         bigserial PRIMARY KEY,
  name       text NOT NULL,
  key        text NOT NULL,
  payload    jsonb,
  source     text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_name_key ON mailroom.events (name, key, id);

-- An event is consumed at most once per run, so two waits in one run never take the same event.
CREATE TABLE mailroom.event_consumptions (
  run_id   uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  event_id bigint NOT NULL REFERENCES mailroom.events (id) ON DELETE CASCADE,
  step_id  text NOT NULL,
  at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, event_id)
);

CREATE TABLE mailroom.run_waits (
  run_id  uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  step_id text NOT NULL,
  name    text NOT NULL,
  key     text NOT NULL,
  PRIMARY KEY (run_id, step_id, name, key)
);
CREATE INDEX run_waits_match ON mailroom.run_waits (name, key);

CREATE TABLE mailroom.actions (
  run_id       uuid NOT NULL REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  key          text NOT NULL,
  kind         text NOT NULL,
  status       text NOT NULL CHECK (status IN ('started', 'completed', 'failed', 'uncertain')),
  repeatable   boolean NOT NULL DEFAULT false,
  parameters   jsonb,
  result       jsonb,
  error        jsonb,
  attempts     integer NOT NULL DEFAULT 1,
  started_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (run_id, key)
);
CREATE INDEX actions_uncertain ON mailroom.actions (status) WHERE status IN ('started', 'uncertain');
