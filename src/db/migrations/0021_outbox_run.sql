-- The outbox names the run that sent each message (the run page lists them, bounces and replies
-- are tied to it): looked up by run.
CREATE INDEX outbox_run ON mailroom.outbox (run_id) WHERE run_id IS NOT NULL;
