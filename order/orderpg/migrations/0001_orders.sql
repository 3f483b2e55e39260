-- The orders: typed columns for what carries a constraint or an index, and
-- the whole aggregate as its JSON encoding in doc (Money as exact strings).
-- The typed columns are written from the same value as doc, in the same
-- statement; the CHECKs on doc hold them together.
CREATE TABLE orders (
	-- COLLATE "C": ids compare byte by byte, as Go's strings do, so that
	-- Due breaks ties as the in-memory store does.
	id          text COLLATE "C" PRIMARY KEY CHECK (id <> ''),
	buyer_id    text NOT NULL,
	supplier_id text NOT NULL,
	state       text NOT NULL CHECK (state IN ('draft', 'awaiting_confirmation', 'awaiting_payment', 'paid',
		'in_production', 'awaiting_inspection', 'ready_to_ship', 'shipped', 'delivered', 'completed', 'disputed',
		'refunded', 'cancelled', 'expired')),
	currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	-- total is Order.Total(), paid is Order.Paid(): what has reached escrow
	-- can never exceed what the order costs.
	total       numeric NOT NULL CHECK (total > 0),
	paid        numeric NOT NULL CHECK (paid >= 0 AND paid <= total),
	-- deadline is Order.Deadline to the microsecond (rounded down) and
	-- deadline_ns the nanoseconds below it, which a timestamptz cannot hold,
	-- so that (deadline, deadline_ns) orders and compares as the Go time
	-- does (the service's late-shipment deadline is ShipBy + 1ns); both
	-- NULL for no deadline.
	deadline    timestamptz,
	deadline_ns smallint CHECK (deadline_ns BETWEEN 0 AND 999),
	-- claimed_until is the lease of a sweep worker that Due handed the
	-- order to; any write of the order clears it.
	claimed_until timestamptz,
	version     bigint NOT NULL CHECK (version > 0),
	created_at  timestamptz NOT NULL,
	updated_at  timestamptz NOT NULL,
	doc         jsonb NOT NULL,
	CONSTRAINT orders_deadline_pair CHECK ((deadline IS NULL) = (deadline_ns IS NULL)),
	CONSTRAINT orders_doc_agrees CHECK (jsonb_typeof(doc) = 'object'
		AND doc->>'id' = id AND doc->>'buyer_id' = buyer_id AND doc->>'supplier_id' = supplier_id
		AND doc->>'state' = state AND doc->'terms'->>'currency' = currency
		AND (doc->>'version')::bigint = version)
);

-- The orders Due reads: earliest deadline first, ties by id.
CREATE INDEX orders_due ON orders (deadline, deadline_ns, id) WHERE deadline IS NOT NULL;

-- The actions of every order, one row per entry of Order.History, written
-- in the same statement as the order and never changed: an idempotency key
-- is used once per order, whatever the code above does.
CREATE TABLE order_actions (
	order_id    text COLLATE "C" NOT NULL REFERENCES orders (id),
	seq         integer NOT NULL CHECK (seq > 0),
	key         text NOT NULL CHECK (key <> ''),
	name        text NOT NULL,
	event       text NOT NULL,
	actor_role  text NOT NULL,
	actor_id    text NOT NULL,
	at          timestamptz NOT NULL,
	from_state  text NOT NULL,
	to_state    text NOT NULL,
	fingerprint text NOT NULL,
	note        text NOT NULL,
	CONSTRAINT order_actions_pkey PRIMARY KEY (order_id, seq),
	CONSTRAINT order_actions_key UNIQUE (order_id, key)
);

CREATE FUNCTION order_actions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'order_actions is insert-only: % refused', TG_OP
		USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER order_actions_insert_only BEFORE UPDATE OR DELETE ON order_actions
	FOR EACH ROW EXECUTE FUNCTION order_actions_refuse_change();
CREATE TRIGGER order_actions_no_truncate BEFORE TRUNCATE ON order_actions
	FOR EACH STATEMENT EXECUTE FUNCTION order_actions_refuse_change();
