-- Cases: the whole dispute.Case as JSONB (doc), the one source reads
-- decode, and beside it the columns projected from it that carry the
-- invariants and the deadline index. The store writes doc and the
-- projection in one statement.
CREATE TABLE cases (
	id          text COLLATE "C" PRIMARY KEY,
	version     bigint NOT NULL CHECK (version >= 1),
	order_id    text NOT NULL,
	state       text NOT NULL CHECK (state IN ('awaiting_response', 'negotiating', 'escalated', 'decided',
		'appealed', 'final', 'settled', 'withdrawn', 'expired')),
	-- What the claimant asks for: NUMERIC with the currency's decimals,
	-- never a float.
	amount      numeric NOT NULL CHECK (amount > 0),
	currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	-- The deadline to the microsecond, and the nanoseconds below it, so
	-- that (deadline, deadline_ns) orders and compares as the Go time does.
	-- NULL when the case has none.
	deadline    timestamptz,
	deadline_ns smallint CHECK (deadline_ns BETWEEN 0 AND 999),
	doc         jsonb NOT NULL,
	CHECK ((deadline IS NULL) = (deadline_ns IS NULL))
);

-- Due reads the cases with a deadline, earliest first and ties by id, from
-- this index alone: the cases without one are not in it.
CREATE INDEX cases_due ON cases (deadline, deadline_ns, id) WHERE deadline IS NOT NULL;

-- Evidence is append-only, and the database holds it to that: an item is
-- inserted with the write of the case that adds it, and never updated or
-- deleted (a trigger refuses both, and TRUNCATE).
CREATE TABLE case_evidence (
	case_id      text COLLATE "C" NOT NULL REFERENCES cases (id),
	evidence_id  text NOT NULL,
	kind         text NOT NULL,
	uri          text NOT NULL,
	-- The hex SHA-256 digest of the content at uri.
	sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-fA-F]{64}$'),
	submitted_by text NOT NULL, -- "role:id"
	at           timestamptz NOT NULL,
	PRIMARY KEY (case_id, evidence_id)
);

CREATE FUNCTION case_evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'case evidence is append-only: % refused', TG_OP
		USING ERRCODE = 'integrity_constraint_violation';
END
$$;

CREATE TRIGGER case_evidence_append_only
	BEFORE UPDATE OR DELETE ON case_evidence
	FOR EACH ROW EXECUTE FUNCTION case_evidence_append_only();

CREATE TRIGGER case_evidence_no_truncate
	BEFORE TRUNCATE ON case_evidence
	FOR EACH STATEMENT EXECUTE FUNCTION case_evidence_append_only();
