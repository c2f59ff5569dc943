-- Identical values in an hnsw index are one element with all their heap rows: a scan returns
-- every row of each element it returns (pgvector keeps at most 10 rows an element), builds and
-- inserts group them, and VACUUM removes rows one by one.
SET enable_seqscan = off;
SET hnsw.ef_search = 1;

-- Each type, built then inserted: 25 identical rows among 200 others.
CREATE TABLE dup_v (id int, v vector(3));
INSERT INTO dup_v SELECT i, ARRAY[i % 7, i % 11, i % 13] FROM generate_series(1, 200) i;
INSERT INTO dup_v SELECT 1000 + i, '[20,20,20]' FROM generate_series(1, 25) i;
CREATE INDEX dup_v_idx ON dup_v USING hnsw (v vector_l2_ops);
SELECT count(*) FROM (SELECT id FROM dup_v ORDER BY v <-> '[20,20,20]') t;
INSERT INTO dup_v SELECT 2000 + i, '[20,20,20]' FROM generate_series(1, 25) i;
SELECT count(*), min(id), max(id) FROM (SELECT id FROM dup_v ORDER BY v <-> '[20,20,20]') t;
SELECT live_entries, shape->>'live_elements' AS live_elements, shape->>'quota_vectors' AS quota_vectors
FROM vectorx_index_stats('dup_v_idx');

CREATE TABLE dup_h (v halfvec(3));
INSERT INTO dup_h SELECT '[1,1,1]' FROM generate_series(1, 20);
CREATE INDEX ON dup_h USING hnsw (v halfvec_l1_ops);
INSERT INTO dup_h SELECT '[1,1,1]' FROM generate_series(1, 20);
SELECT count(*) FROM (SELECT * FROM dup_h ORDER BY v <+> '[1,1,1]') t;

CREATE TABLE dup_s (v sparsevec(3));
INSERT INTO dup_s SELECT '{1:1,3:1}/3' FROM generate_series(1, 20);
CREATE INDEX ON dup_s USING hnsw (v sparsevec_ip_ops);
INSERT INTO dup_s SELECT '{1:1,3:1}/3' FROM generate_series(1, 20);
SELECT count(*) FROM (SELECT * FROM dup_s ORDER BY v <#> '{1:1,3:1}/3') t;

CREATE TABLE dup_b (v bit(4));
INSERT INTO dup_b SELECT '1010' FROM generate_series(1, 20);
CREATE INDEX ON dup_b USING hnsw (v bit_hamming_ops);
INSERT INTO dup_b SELECT '1010' FROM generate_series(1, 20);
SELECT count(*) FROM (SELECT * FROM dup_b ORDER BY v <~> '1010') t;

-- Cosine: identical values group, proportional ones do not (they are different rows' values).
CREATE TABLE dup_c (v vector(2));
INSERT INTO dup_c VALUES ('[1,2]'), ('[1,2]'), ('[2,4]'), ('[5,1]');
CREATE INDEX dup_c_idx ON dup_c USING hnsw (v vector_cosine_ops);
SELECT live_entries, shape->>'live_elements' AS live_elements FROM vectorx_index_stats('dup_c_idx');

-- VACUUM takes the dead rows out and keeps the element while a row lives.
DELETE FROM dup_v WHERE id > 1000 AND id % 2 = 0;
VACUUM dup_v;
SELECT count(*), bool_and(id % 2 = 1) AS only_live FROM (SELECT id FROM dup_v ORDER BY v <-> '[20,20,20]') t
WHERE id > 1000;
SELECT live_entries, shape->>'live_elements' AS live_elements FROM vectorx_index_stats('dup_v_idx');
DELETE FROM dup_v WHERE id > 1000;
VACUUM dup_v;
SELECT count(*) FROM (SELECT id FROM dup_v ORDER BY v <-> '[20,20,20]') t WHERE id > 1000;
SELECT live_entries, shape->>'live_elements' AS live_elements, dead_entries FROM vectorx_index_stats('dup_v_idx');
-- The value comes back: a new element, and its rows group again.
INSERT INTO dup_v SELECT 3000 + i, '[20,20,20]' FROM generate_series(1, 30) i;
SELECT count(*) FROM (SELECT id FROM dup_v ORDER BY v <-> '[20,20,20]') t WHERE id > 1000;
SELECT * FROM vectorx_validate_index('dup_v_idx');

-- 3,000 identical rows after a build: the element's page fills, its rows go on to others.
INSERT INTO dup_v SELECT 4000 + i, '[30,30,30]' FROM generate_series(1, 3000) i;
SELECT count(*) FROM (SELECT id FROM dup_v ORDER BY v <-> '[30,30,30]') t WHERE id > 4000;
SELECT live_entries, shape->>'live_elements' AS live_elements FROM vectorx_index_stats('dup_v_idx');
SELECT * FROM vectorx_validate_index('dup_v_idx');

DROP TABLE dup_v, dup_h, dup_s, dup_b, dup_c;
