-- The outbox (issue 15): every message a unit of work appends, stored with
-- the change that made it. seq numbers the messages; a relay delivers the
-- undelivered ones lowest seq first and marks each delivered. The payload
-- is json (kept as written), for callers to read from their own database.
CREATE TABLE outbox (
	seq        bigserial   PRIMARY KEY,
	aggregate  text        NOT NULL,
	id         text        NOT NULL,
	n          integer     NOT NULL CHECK (n > 0),
	type       text        NOT NULL,
	at         timestamptz NOT NULL,
	at_ns      smallint    NOT NULL CHECK (at_ns BETWEEN 0 AND 999),
	payload    json        NOT NULL,
	delivered  boolean     NOT NULL DEFAULT false
);
CREATE INDEX outbox_undelivered ON outbox (seq) WHERE NOT delivered;
CREATE INDEX outbox_by_aggregate ON outbox (aggregate, id, n);
