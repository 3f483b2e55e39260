-- An operation's idempotency key is its caller's (issue 15): the same key
-- from another actor is another operation, so that no agent can take or
-- block a key the order service will use on the order's account.
ALTER TABLE escrow_operations DROP CONSTRAINT escrow_operations_account_id_key_key;
ALTER TABLE escrow_operations ADD CONSTRAINT escrow_operations_actor_key UNIQUE (account_id, actor_role, actor_id, key);
