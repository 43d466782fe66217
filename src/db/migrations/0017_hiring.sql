-- Hiring (issue 14): jobs, candidates with their screening, interview bookings, the built-in
-- calendar's busy times, and the markers retention works from.

-- A job as imported from a jobs file. `version` goes up whenever the requirements change, so
-- cached screenings of an older version are not reused.
CREATE TABLE mailroom.jobs (
  id           text PRIMARY KEY,
  title        text NOT NULL,
  description  text,
  must_have    jsonb NOT NULL DEFAULT '[]',
  nice_to_have jsonb NOT NULL DEFAULT '[]',
  interviewers jsonb NOT NULL DEFAULT '[]',
  location     text,
  alias        text,
  level        text,
  spec_hash    text NOT NULL,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX jobs_alias ON mailroom.jobs (lower(alias)) WHERE alias IS NOT NULL;

-- One row per application. Personal data (email, name, resume) is nulled or replaced by a
-- pseudonym when retention expires or the applicant asks; stage, verdicts without quotes, score
-- and the person's decision stay as the pseudonymous record.
CREATE TABLE mailroom.candidates (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id           text REFERENCES mailroom.jobs (id) ON DELETE SET NULL,
  run_id           uuid REFERENCES mailroom.runs (id) ON DELETE SET NULL,
  item_id          uuid,
  email            text,
  name             text,
  resume_sha256    text,
  resume           jsonb,
  requirements     jsonb NOT NULL DEFAULT '[]',
  score            numeric,
  gate_passed      boolean,
  red_flags        jsonb NOT NULL DEFAULT '[]',
  stage            text NOT NULL DEFAULT 'received'
                   CHECK (stage IN ('received', 'screening', 'awaiting_decision', 'scheduled', 'rejected', 'hold', 'withdrawn')),
  decision         jsonb,
  talent_pool      boolean NOT NULL DEFAULT false,
  retain_until     timestamptz,
  pseudonym        text,
  pseudonymised_at timestamptz,
  received_at      timestamptz NOT NULL DEFAULT now(),
  stage_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX candidates_run ON mailroom.candidates (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX candidates_email ON mailroom.candidates (lower(email));
CREATE INDEX candidates_job ON mailroom.candidates (job_id, received_at);
CREATE INDEX candidates_retention ON mailroom.candidates (retain_until) WHERE pseudonymised_at IS NULL;

-- Screening results by what determines them: the same resume, job version and prompt version
-- always give the same verdicts and score.
CREATE TABLE mailroom.screening_cache (
  resume_sha256  text NOT NULL,
  job_id         text NOT NULL,
  job_version    integer NOT NULL,
  prompt_version text NOT NULL,
  result         jsonb NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (resume_sha256, job_id, job_version, prompt_version)
);

-- Status mails: one per candidate and stage, ever.
CREATE TABLE mailroom.candidate_messages (
  candidate_id uuid NOT NULL REFERENCES mailroom.candidates (id) ON DELETE CASCADE,
  stage        text NOT NULL,
  outbox_id    uuid,
  sent_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (candidate_id, stage)
);

-- Screening calls. `uid` is the iCalendar UID (stable across reschedules); `sequence` goes up
-- with every change sent to the attendees.
CREATE TABLE mailroom.bookings (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  candidate_id   uuid NOT NULL REFERENCES mailroom.candidates (id) ON DELETE CASCADE,
  interviewer_id text NOT NULL,
  uid            text NOT NULL UNIQUE,
  sequence       integer NOT NULL DEFAULT 0,
  starts_at      timestamptz NOT NULL,
  ends_at        timestamptz NOT NULL,
  status         text NOT NULL DEFAULT 'invited' CHECK (status IN ('invited', 'accepted', 'declined', 'tentative', 'cancelled')),
  calendar       text NOT NULL DEFAULT 'builtin',
  calendar_href  text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bookings_interviewer ON mailroom.bookings (interviewer_id, starts_at);

-- The built-in calendar: interviewers' busy times (imported, or booked by Mailroom).
CREATE TABLE mailroom.calendar_busy (
  id          bigserial PRIMARY KEY,
  interviewer text NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  summary     text,
  booking_id  uuid REFERENCES mailroom.bookings (id) ON DELETE CASCADE,
  CHECK (ends_at > starts_at)
);
CREATE INDEX calendar_busy_interviewer ON mailroom.calendar_busy (lower(interviewer), starts_at);
