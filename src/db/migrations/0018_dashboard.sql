-- The web dashboard: sign-in sessions, and transitions announced to an open dashboard.

-- A signed-in browser. The cookie carries a random secret; only its SHA-256 is stored, so a
-- copy of this table signs nobody in. `can_act` is false for viewer tokens (read, never vote,
-- retry, cancel or send). Signing out deletes the row; expired rows are deleted on sign-in.
CREATE TABLE mailroom.dashboard_sessions (
  secret_hash  text PRIMARY KEY,
  identity     text NOT NULL,
  can_act      boolean NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX dashboard_sessions_expiry ON mailroom.dashboard_sessions (expires_at);

-- A dashboard with a browser watching registers the nil uuid in run_watchers (0013): every
-- transition is then announced, and only while someone looks. Without a dashboard open, a
-- transition nobody waits for still sends nothing (the commit-lock reason in 0013).
CREATE OR REPLACE FUNCTION mailroom.notify_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM mailroom.run_watchers WHERE run_id IN (NEW.run_id, '00000000-0000-0000-0000-000000000000'::uuid)) THEN
    PERFORM pg_notify('mailroom_runs', NEW.run_id::text || ':' || NEW.to_state);
  END IF;
  RETURN NEW;
END $$;
