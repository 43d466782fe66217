-- A transition is announced (NOTIFY mailroom_runs) only when somebody waits on that run.
--
-- A transaction that has sent a NOTIFY takes one cluster-wide lock at commit and holds it through
-- its WAL flush, so every notifying commit waits for the one before it: announcing all three
-- transitions of every run (queued, running, completed) put each run's commits in single file
-- behind everybody else's. Only `waitForRun` (mailroom process, tests, benchmarks) listens, and it
-- listens for one run at a time: it registers here for as long as it waits, and the trigger
-- notifies only for a run someone registered for. Unlogged: a registration is worth nothing
-- after a crash, and its writes skip the WAL.
CREATE UNLOGGED TABLE mailroom.run_watchers (
  run_id      uuid NOT NULL,
  backend_pid integer NOT NULL,
  since       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, backend_pid)
);

CREATE OR REPLACE FUNCTION mailroom.notify_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM mailroom.run_watchers WHERE run_id = NEW.run_id) THEN
    PERFORM pg_notify('mailroom_runs', NEW.run_id::text || ':' || NEW.to_state);
  END IF;
  RETURN NEW;
END $$;
