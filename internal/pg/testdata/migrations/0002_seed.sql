INSERT INTO counters (id, n) VALUES ('c', 0);
