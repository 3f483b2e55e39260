-- Suppliers: the whole supplier.Supplier as JSONB (doc), the one source
-- reads decode, and beside it the columns projected from it that carry the
-- invariants. The store writes doc and the projection in one statement.
CREATE TABLE suppliers (
	id             text COLLATE "C" PRIMARY KEY,
	version        bigint NOT NULL CHECK (version >= 1),
	status         text NOT NULL
		CHECK (status IN ('applied', 'verified', 'enrolled', 'suspended', 'removed')),
	country        char(2) NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
	-- The Trade Assurance limit: NUMERIC with the currency's decimals,
	-- never a float. A supplier whose limit was never computed has the
	-- zero Money: no currency, nothing reserved.
	limit_amount   numeric NOT NULL CHECK (limit_amount >= 0),
	limit_currency char(3) CHECK (limit_currency ~ '^[A-Z]{3}$'),
	-- The sum of the reservations, in the limit's currency.
	reserved       numeric NOT NULL CHECK (reserved >= 0),
	created_at     timestamptz NOT NULL,
	updated_at     timestamptz NOT NULL,
	doc            jsonb NOT NULL,
	CHECK (limit_currency IS NOT NULL OR (limit_amount = 0 AND reserved = 0))
);

-- The revolving limit is never over-reserved: an update may raise what is
-- reserved only within the limit. What is reserved may stand above the
-- limit when the limit falls below it (a supplier suspended or removed, or
-- its limit recomputed lower: the reservations stand, nothing is
-- available), which is why this is a trigger and not
-- CHECK (reserved <= limit_amount). A supplier is created as it is given
-- (one moved from another store may be suspended with reservations).
CREATE FUNCTION suppliers_reserved_within_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.reserved > NEW.limit_amount AND NEW.reserved > OLD.reserved THEN
		RAISE EXCEPTION 'supplier %: % reserved exceeds the limit of % %',
			NEW.id, NEW.reserved, NEW.limit_currency, NEW.limit_amount
			USING ERRCODE = 'check_violation', CONSTRAINT = 'suppliers_reserved_within_limit';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER suppliers_reserved_within_limit
	BEFORE UPDATE OF reserved, limit_amount ON suppliers
	FOR EACH ROW EXECUTE FUNCTION suppliers_reserved_within_limit();
