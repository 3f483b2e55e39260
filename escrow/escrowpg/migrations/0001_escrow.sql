-- Escrow accounts (package escrow/escrowpg): one row per account, its ledger
-- as insert-only entries, and its idempotency records as insert-only
-- operations. The store keeps Account.Version in escrow_accounts.version and
-- writes an update as one UPDATE of the account row, checked on the version
-- read, plus INSERTs of the new entries and operations.

CREATE TABLE escrow_accounts (
    id             text        PRIMARY KEY,
    buyer_id       text        NOT NULL,
    supplier_id    text        NOT NULL,
    currency       char(3)     NOT NULL CONSTRAINT escrow_accounts_currency_code CHECK (currency ~ '^[A-Z]{3}$'),
    frozen         boolean     NOT NULL,
    freeze_reason  text        NOT NULL,
    frozen_by_role text        NOT NULL, -- payment.Actor; '' when not frozen
    frozen_by_id   text        NOT NULL,
    closed         boolean     NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    version        bigint      NOT NULL CONSTRAINT escrow_accounts_version_positive CHECK (version > 0),
    -- The ledger's running totals, moved by escrow_entries_follow alone: the
    -- last entry's seq, and what escrow holds after it.
    entries        bigint      NOT NULL DEFAULT 0,
    in_escrow      numeric     NOT NULL DEFAULT 0 CONSTRAINT escrow_never_negative CHECK (in_escrow >= 0),
    -- The target of the entries' foreign key: every entry is in its
    -- account's currency, and an account with entries keeps its currency.
    UNIQUE (id, currency)
);

CREATE TABLE escrow_entries (
    account_id   text          NOT NULL,
    seq          bigint        NOT NULL CHECK (seq > 0), -- 1, 2, 3, … without gaps (escrow_entries_follow)
    from_ledger  text          NOT NULL,
    to_ledger    text          NOT NULL,
    amount       numeric(22,4) NOT NULL CONSTRAINT escrow_entries_amount_positive CHECK (amount > 0),
    currency     char(3)       NOT NULL,
    key          text          NOT NULL, -- the idempotency key of the operation that wrote it
    ref          text          NOT NULL,
    memo         text          NOT NULL,
    actor_role   text          NOT NULL,
    actor_id     text          NOT NULL,
    at           timestamptz   NOT NULL,
    -- What escrow holds right after this entry, set by escrow_entries_follow
    -- whatever the INSERT says.
    escrow_after numeric       NOT NULL CHECK (escrow_after >= 0),
    PRIMARY KEY (account_id, seq),
    FOREIGN KEY (account_id, currency) REFERENCES escrow_accounts (id, currency),
    -- Money moves from the buyer's funding into escrow, and from escrow to
    -- one of four destinations (escrow.Ledger).
    CONSTRAINT escrow_entries_movement CHECK (
        (from_ledger = 'buyer_funding' AND to_ledger = 'escrow') OR
        (from_ledger = 'escrow' AND to_ledger IN ('supplier_payable', 'platform_fee', 'buyer_refund', 'compensation')))
);

CREATE TABLE escrow_operations (
    account_id  text        NOT NULL REFERENCES escrow_accounts (id),
    pos         bigint      NOT NULL CHECK (pos > 0), -- the record's place in Account.Operations, from 1
    key         text        NOT NULL,
    op          text        NOT NULL CONSTRAINT escrow_operations_op CHECK (
        op IN ('hold', 'release', 'refund', 'compensate', 'settle', 'freeze', 'unfreeze', 'close')),
    fingerprint text        NOT NULL,
    actor_role  text        NOT NULL,
    actor_id    text        NOT NULL,
    at          timestamptz NOT NULL,
    first_seq   bigint      NOT NULL, -- the entries it wrote: first_seq..last_seq, none when last_seq < first_seq
    last_seq    bigint      NOT NULL,
    memo        text        NOT NULL,
    PRIMARY KEY (account_id, pos),
    UNIQUE (account_id, key),
    CONSTRAINT escrow_operations_entries CHECK (first_seq > 0 AND last_seq >= first_seq - 1)
);

-- The ledger and the records are history: rows are inserted, never changed
-- or removed.
CREATE FUNCTION escrow_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is insert-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation', HINT = 'correct a ledger with a new entry, never by changing an old one';
END
$$;

CREATE TRIGGER escrow_entries_insert_only BEFORE UPDATE OR DELETE ON escrow_entries
    FOR EACH ROW EXECUTE FUNCTION escrow_insert_only();
CREATE TRIGGER escrow_entries_no_truncate BEFORE TRUNCATE ON escrow_entries
    FOR EACH STATEMENT EXECUTE FUNCTION escrow_insert_only();
CREATE TRIGGER escrow_operations_insert_only BEFORE UPDATE OR DELETE ON escrow_operations
    FOR EACH ROW EXECUTE FUNCTION escrow_insert_only();
CREATE TRIGGER escrow_operations_no_truncate BEFORE TRUNCATE ON escrow_operations
    FOR EACH STATEMENT EXECUTE FUNCTION escrow_insert_only();

-- An entry follows its account's last one and moves the account's running
-- totals, which only this trigger may change: escrow_accounts.entries (the
-- last seq) and .in_escrow, whose CHECK escrow_never_negative then holds
-- after every entry, not just at the end. The entry keeps the running
-- balance too (escrow_after). It reads no other entry, only the account row
-- the writing transaction updates anyway, so concurrent SERIALIZABLE writers
-- of other accounts do not conflict over the entries' index pages.
CREATE FUNCTION escrow_entries_follow() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT -- the migration's schema: it reads escrow_accounts, whatever the caller's search_path
    AS $$
BEGIN
    UPDATE escrow_accounts
        SET entries = entries + 1,
            in_escrow = in_escrow + CASE WHEN NEW.to_ledger = 'escrow' THEN NEW.amount ELSE -NEW.amount END
        WHERE id = NEW.account_id AND entries = NEW.seq - 1
        RETURNING in_escrow INTO NEW.escrow_after;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'escrow account %: no such account, or entry % does not follow its last entry', NEW.account_id, NEW.seq
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER escrow_entries_follow BEFORE INSERT ON escrow_entries
    FOR EACH ROW EXECUTE FUNCTION escrow_entries_follow();

-- Only escrow_entries_follow moves an account's running totals.
CREATE FUNCTION escrow_accounts_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'escrow account %: entries and in_escrow follow the ledger; insert an entry instead', NEW.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER escrow_accounts_new_totals BEFORE INSERT ON escrow_accounts
    FOR EACH ROW WHEN (NEW.entries <> 0 OR NEW.in_escrow <> 0) EXECUTE FUNCTION escrow_accounts_totals();
CREATE TRIGGER escrow_accounts_totals BEFORE UPDATE ON escrow_accounts
    FOR EACH ROW WHEN (NEW.entries IS DISTINCT FROM OLD.entries OR NEW.in_escrow IS DISTINCT FROM OLD.in_escrow)
    EXECUTE FUNCTION escrow_accounts_totals();
