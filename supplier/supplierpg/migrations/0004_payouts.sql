-- A supplier's payouts, beside it like the rest of its history: one row
-- each, as JSONB in its JSON encoding, written in the unit of work that
-- moves the supplier's balance (the supplier's version orders the
-- writes). The status, amount and currency are columns too, checked, so
-- that a report reads them without decoding the documents.
CREATE TABLE supplier_payouts (
	supplier_id text COLLATE "C" NOT NULL REFERENCES suppliers (id),
	payout_id   text COLLATE "C" NOT NULL,
	doc         jsonb NOT NULL,
	status      text NOT NULL GENERATED ALWAYS AS (doc->>'status') STORED
		CHECK (status IN ('pending', 'sent', 'paid', 'failed', 'returned')),
	currency    text NOT NULL GENERATED ALWAYS AS (doc->'amount'->>'currency') STORED,
	amount      numeric NOT NULL GENERATED ALWAYS AS ((doc->'amount'->>'amount')::numeric) STORED CHECK (amount > 0),
	PRIMARY KEY (supplier_id, payout_id)
);
