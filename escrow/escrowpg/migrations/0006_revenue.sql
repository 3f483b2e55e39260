-- The revenue report (escrow.Store.Revenue): the platform's fees booked in
-- a period, per currency, from an index of the fee entries alone, by time,
-- that covers the sums and reads no entry outside the period.
CREATE INDEX escrow_entries_fees_at ON escrow_entries (at) INCLUDE (currency, amount, ref) WHERE to_ledger = 'platform_fee';
