-- btree ordering, DISTINCT/GROUP BY, and btree indexes on the three vector types.
CREATE TABLE bt (v vector, h halfvec, s sparsevec);
INSERT INTO bt VALUES ('[1,2,3]', '[1,2,3]', '{1:1}/3'), ('[1,2]', '[1,2]', '{}/3'), ('[0,9]', '[0,9]', '{2:-1}/3'),
                      ('[1,2,3]', '[1,2,3]', '{1:1}/3'), (NULL, NULL, NULL);
SELECT v FROM bt ORDER BY v;
SELECT h FROM bt ORDER BY h DESC;
SELECT s FROM bt ORDER BY s;
SELECT v, count(*) FROM bt GROUP BY v ORDER BY v;
SELECT DISTINCT s FROM bt ORDER BY s;
CREATE INDEX ON bt (v);
CREATE INDEX ON bt (h);
CREATE INDEX ON bt (s);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM bt WHERE v = '[1,2,3]';
SELECT count(*) FROM bt WHERE v = '[1,2,3]';
SELECT count(*) FROM bt WHERE h < '[1,2,3]';
SELECT count(*) FROM bt WHERE s >= '{1:1}/3';
RESET enable_seqscan;
DROP TABLE bt;
