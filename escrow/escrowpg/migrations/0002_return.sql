-- A return (escrow.Service.Return) books a payment the order cannot apply:
-- held and refunded to the buyer in one operation.
ALTER TABLE escrow_operations DROP CONSTRAINT escrow_operations_op;
ALTER TABLE escrow_operations ADD CONSTRAINT escrow_operations_op CHECK (
    op IN ('hold', 'return', 'release', 'refund', 'compensate', 'settle', 'freeze', 'unfreeze', 'close'));
