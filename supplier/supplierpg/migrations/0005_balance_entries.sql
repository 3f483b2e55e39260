-- The ledger of each supplier's balances: one row per movement (a
-- release credited, an offset, a payout and its outcome), insert-only,
-- written in the unit of work that moves the supplier's counters. A
-- statement reads a period of one supplier's entries in one currency by
-- the index, whatever the length of its history; at and at_ns keep the
-- instant to the nanosecond (see pg.SplitTime).
CREATE TABLE supplier_balance_entries (
	supplier_id text COLLATE "C" NOT NULL REFERENCES suppliers (id),
	seq         bigint NOT NULL CHECK (seq > 0),
	currency    text COLLATE "C" NOT NULL,
	at          timestamptz NOT NULL,
	at_ns       smallint NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
	doc         jsonb NOT NULL,
	PRIMARY KEY (supplier_id, seq)
);

CREATE INDEX supplier_balance_entries_period ON supplier_balance_entries (supplier_id, currency, at, at_ns);
