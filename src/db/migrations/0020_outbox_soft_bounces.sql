-- Soft bounces of a sent message: a relay that gave up on a temporary failure (4.x.x) returns
-- the message; the outbox sends it again later, a bounded number of times (OUTBOX_SOFT_BOUNCE_*).
ALTER TABLE mailroom.outbox ADD COLUMN soft_bounces integer NOT NULL DEFAULT 0;
