-- An action's idempotency key is the caller's (key, scoped to the order and
-- to the action's name: the same string given to another operation is
-- another key) or the service's own reference (ref: the sweep's actions, a
-- processor's report, a dispute case opened or resolved), never both. The
-- two namespaces never meet, so no key a caller chooses reaches an action of
-- the service's own. Actions recorded before this migration keep what they
-- had in key.
ALTER TABLE order_actions DROP CONSTRAINT order_actions_key;
ALTER TABLE order_actions DROP CONSTRAINT order_actions_key_check;
ALTER TABLE order_actions ADD COLUMN ref text NOT NULL DEFAULT '';
ALTER TABLE order_actions ADD CONSTRAINT order_actions_one_key CHECK ((key = '') <> (ref = ''));
ALTER TABLE order_actions ADD CONSTRAINT order_actions_key UNIQUE (order_id, name, key, ref);
