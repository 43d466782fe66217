-- Replies are matched to the messages Mailroom sent by Message-ID (In-Reply-To, References),
-- compared without angle brackets and with the domain lower-cased, as intake normalises them.
CREATE INDEX outbox_message_id ON mailroom.outbox (lower(btrim(message_id, '<> ')));

-- Satisfaction survey answers: one per support run, with the team that handled it.
CREATE TABLE mailroom.survey_responses (
  run_id      uuid PRIMARY KEY REFERENCES mailroom.runs (id) ON DELETE CASCADE,
  item_id     uuid,
  team        text,
  category    text,
  language    text,
  rating      smallint CHECK (rating BETWEEN 1 AND 5),
  comment     text,
  sent_at     timestamptz NOT NULL DEFAULT now(),
  answered_at timestamptz
);
CREATE INDEX survey_responses_answered ON mailroom.survey_responses (answered_at);
