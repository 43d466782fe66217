-- Built-in business data: vendors, purchase orders, the knowledge base, the ledger and scheduled
-- payments. Real systems (an ERP, a helpdesk) plug in through adapters; these tables are the
-- embedded default, filled by `mailroom data import`.

CREATE TABLE mailroom.vendors (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  name_key      text NOT NULL,
  email_domains text[] NOT NULL DEFAULT '{}',
  iban          text,
  currency      text,
  address       text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vendors_name_key ON mailroom.vendors (name_key);

CREATE TABLE mailroom.purchase_orders (
  number     text PRIMARY KEY,
  vendor_id  text REFERENCES mailroom.vendors (id),
  amount     numeric NOT NULL,
  currency   text NOT NULL,
  status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE mailroom.kb_articles (
  id         text PRIMARY KEY,
  title      text NOT NULL,
  body       text NOT NULL,
  language   text NOT NULL DEFAULT 'en',
  tags       text[] NOT NULL DEFAULT '{}',
  source     text,
  search     tsvector GENERATED ALWAYS AS (setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B')) STORED,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_search ON mailroom.kb_articles USING gin (search);

CREATE TABLE mailroom.ledger_entries (
  id             uuid PRIMARY KEY,
  run_id         uuid REFERENCES mailroom.runs (id),
  vendor_id      text,
  vendor_name    text NOT NULL,
  invoice_number text NOT NULL,
  invoice_date   date,
  due_date       date,
  po_number      text,
  currency       text NOT NULL,
  subtotal       numeric,
  tax            numeric,
  total          numeric NOT NULL,
  iban           text,
  approved_by    text[] NOT NULL DEFAULT '{}',
  booked_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (vendor_name, invoice_number)
);

CREATE TABLE mailroom.payments (
  id          uuid PRIMARY KEY,
  ledger_id   uuid NOT NULL REFERENCES mailroom.ledger_entries (id),
  run_id      uuid REFERENCES mailroom.runs (id),
  amount      numeric NOT NULL,
  currency    text NOT NULL,
  iban        text,
  due_date    date,
  status      text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'released', 'cancelled')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  released_at timestamptz,
  UNIQUE (ledger_id)
);
