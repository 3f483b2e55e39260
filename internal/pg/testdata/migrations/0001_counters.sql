CREATE TABLE counters (id text PRIMARY KEY, n bigint NOT NULL CHECK (n >= 0));
