-- A payment's idempotency key is its buyer's (issue 15): two buyers'
-- payments may share a key, so that no buyer can take or block a key
-- another buyer will use. The index on (buyer_id, key) also answers
-- PaymentByKey; keyless payments (key NULL) stay unindexed by it.
ALTER TABLE payments DROP CONSTRAINT payments_key_key;
ALTER TABLE payments ADD CONSTRAINT payments_buyer_key UNIQUE (buyer_id, key);
