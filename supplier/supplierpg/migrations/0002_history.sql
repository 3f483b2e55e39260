-- A supplier's history beside it: the records of its completed orders
-- (with the buyer's review) and of its inquiries, one row each, as JSONB
-- in their JSON encoding. The supplier's document keeps what its rating
-- and limit are derived from as counters (record) and days of volume
-- (volume), so that it stays the same size however long its history.
CREATE TABLE supplier_orders (
	supplier_id text COLLATE "C" NOT NULL REFERENCES suppliers (id),
	order_id    text COLLATE "C" NOT NULL,
	doc         jsonb NOT NULL,
	PRIMARY KEY (supplier_id, order_id)
);

CREATE TABLE supplier_inquiries (
	supplier_id text COLLATE "C" NOT NULL REFERENCES suppliers (id),
	inquiry_id  text COLLATE "C" NOT NULL,
	doc         jsonb NOT NULL,
	PRIMARY KEY (supplier_id, inquiry_id)
);

-- Suppliers written before this migration carry their history in their
-- documents (orders, inquiries, reviews): move it into the tables, and
-- count it.
INSERT INTO supplier_orders (supplier_id, order_id, doc)
SELECT s.id, o->>'order_id',
	o || coalesce((SELECT jsonb_build_object('review', r) FROM jsonb_array_elements(s.doc->'reviews') r
		WHERE r->>'order_id' = o->>'order_id' LIMIT 1), '{}')
FROM suppliers s, jsonb_array_elements(coalesce(s.doc->'orders', '[]')) o
ON CONFLICT DO NOTHING;

INSERT INTO supplier_inquiries (supplier_id, inquiry_id, doc)
SELECT s.id, q->>'id', q
FROM suppliers s, jsonb_array_elements(coalesce(s.doc->'inquiries', '[]')) q
ON CONFLICT DO NOTHING;

UPDATE suppliers s SET doc = (s.doc - 'orders' - 'inquiries' - 'reviews') || jsonb_build_object(
	'record', jsonb_build_object(
		'completed', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'orders', '[]'))),
		'on_time', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'orders', '[]')) o WHERE (o->>'on_time')::boolean),
		'disputed', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'orders', '[]')) o WHERE (o->>'disputed')::boolean),
		'disputes_lost', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'orders', '[]')) o WHERE (o->>'dispute_lost')::boolean),
		'inquiries', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'inquiries', '[]'))),
		'responded', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'inquiries', '[]')) q
			WHERE q->>'responded_at' IS NOT NULL AND q->>'responded_at' <> '0001-01-01T00:00:00Z'),
		-- nanoseconds, as a time.Duration encodes
		'response_time', (SELECT coalesce(sum(round(extract(epoch FROM (q->>'responded_at')::timestamptz - (q->>'received_at')::timestamptz) * 1000000) * 1000), 0)::bigint
			FROM jsonb_array_elements(coalesce(s.doc->'inquiries', '[]')) q
			WHERE q->>'responded_at' IS NOT NULL AND q->>'responded_at' <> '0001-01-01T00:00:00Z'),
		'reviews', (SELECT count(*) FROM jsonb_array_elements(coalesce(s.doc->'reviews', '[]'))),
		'stars', (SELECT coalesce(sum((r->>'rating')::int - 1), 0) FROM jsonb_array_elements(coalesce(s.doc->'reviews', '[]')) r)),
	-- days since 1970-01-01 (UTC), and minor units: an amount is written
	-- with its currency's decimals
	'volume', coalesce((SELECT jsonb_agg(jsonb_build_object('day', d.day, 'minor', d.minor) ORDER BY d.day)
		FROM (SELECT floor(extract(epoch FROM (o->>'completed_at')::timestamptz) / 86400)::int AS day,
				sum((o->'value'->>'amount')::numeric * 10 ^ scale((o->'value'->>'amount')::numeric))::bigint AS minor
			FROM jsonb_array_elements(coalesce(s.doc->'orders', '[]')) o
			GROUP BY 1) d), '[]'))
WHERE s.doc ?| ARRAY['orders', 'inquiries', 'reviews'];
