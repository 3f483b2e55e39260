-- The escrow liability report (escrow.Store.Held): what escrow held at an
-- instant, per currency, added up from the entries stamped at or before
-- it, by an index-only scan that reads no entry after the instant.
CREATE INDEX escrow_entries_held_at ON escrow_entries (at) INCLUDE (currency, to_ledger, amount);
