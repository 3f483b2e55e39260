-- Payments into escrow and buyers' risk accounts (package payment/paymentpg).
--
-- Money is NUMERIC beside the payment's ISO 4217 currency code, never a
-- float: amount, the three parts of the fee quote that are money, and the
-- refunded total, all in the payment currency. Instants are a timestamptz
-- (microseconds) plus the nanoseconds below the microsecond, so that a Go
-- time.Time comes back as the same instant. What the store never filters
-- on (the instrument, the rest of the fee quote, the risk decision, the
-- refunds and the timeline) is the JSONB of the payment's JSON encoding.

CREATE TABLE payments (
	-- seq is the creation order: it breaks ties between equal created_at
	-- in PaymentsByBuyer.
	seq            bigserial   NOT NULL,
	id             text        PRIMARY KEY CHECK (id <> ''),
	-- key is the idempotency key of the request that created the payment;
	-- NULL when it had none, so that keyless payments do not collide.
	key            text        UNIQUE CHECK (key <> ''),
	fingerprint    text        NOT NULL,
	order_id       text        NOT NULL,
	tranche        text        NOT NULL CHECK (tranche IN ('full', 'deposit', 'balance')),
	buyer_id       text        NOT NULL,
	buyer_country  text        NOT NULL CHECK (buyer_country ~ '^[A-Z]{2}$'),
	status         text        NOT NULL CHECK (status IN ('initiated', 'processing', 'suspended', 'succeeded',
	                                                      'failed', 'cancelled', 'partially_refunded', 'refunded')),
	held           boolean     NOT NULL,
	processor_ref  text        NOT NULL,
	currency       char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	amount         numeric     NOT NULL CHECK (amount > 0),
	-- The fee, and the buyer's and the supplier's parts of it, in the
	-- payment currency; NULL when the payment has no fee quote.
	fee            numeric     CHECK (fee >= 0),
	buyer_fee      numeric     CHECK (buyer_fee >= 0),
	supplier_fee   numeric     CHECK (supplier_fee >= 0),
	-- refunded is the sum of the refunds in doc, written with them.
	refunded       numeric     NOT NULL CHECK (refunded >= 0 AND refunded <= amount),
	-- doc holds instrument, fee (without the three amounts above), risk,
	-- refunds and timeline, as the payment's JSON encoding writes them.
	doc            jsonb       NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
	created_at     timestamptz NOT NULL,
	created_at_ns  smallint    NOT NULL CHECK (created_at_ns BETWEEN 0 AND 999),
	updated_at     timestamptz NOT NULL,
	updated_at_ns  smallint    NOT NULL CHECK (updated_at_ns BETWEEN 0 AND 999),
	version        bigint      NOT NULL CHECK (version > 0)
);

-- PaymentsByBuyer: a buyer's payments since an instant, oldest first.
CREATE INDEX payments_by_buyer ON payments (buyer_id, created_at, created_at_ns, seq);

-- Risk accounts, created by their first update.
CREATE TABLE payment_accounts (
	id             text        PRIMARY KEY CHECK (id <> ''),
	frozen         boolean     NOT NULL,
	frozen_by      text        NOT NULL,
	-- doc holds reasons and history, as the account's JSON encoding writes them.
	doc            jsonb       NOT NULL CHECK (jsonb_typeof(doc) = 'object'),
	updated_at     timestamptz NOT NULL,
	updated_at_ns  smallint    NOT NULL CHECK (updated_at_ns BETWEEN 0 AND 999),
	version        bigint      NOT NULL CHECK (version > 0)
);
