-- The escrow liability report (escrow.Store.Held): what escrow held at an
-- instant, per currency, added up from the entries stamped at or before
-- it, from an index that covers the sum (an index-only scan once vacuum
-- has marked the insert-only table visible) and reads no entry after the
-- instant.
CREATE INDEX escrow_entries_held_at ON escrow_entries (at) INCLUDE (currency, to_ledger, amount);
