-- Protection after release (issue 17): the programme's guarantee pays into
-- escrow what a buyer is owed on an order whose money was released
-- (guarantee → escrow), and a later release withholds from the supplier
-- what it owes the guarantee (escrow → recovery).
ALTER TABLE escrow_entries DROP CONSTRAINT escrow_entries_movement;
ALTER TABLE escrow_entries ADD CONSTRAINT escrow_entries_movement CHECK (
    (from_ledger IN ('buyer_funding', 'guarantee') AND to_ledger = 'escrow') OR
    (from_ledger = 'escrow' AND to_ledger IN ('supplier_payable', 'platform_fee', 'buyer_refund', 'compensation', 'recovery')));
