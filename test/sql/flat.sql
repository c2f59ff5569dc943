-- flat: exact search. For every operator class, on data with ties, duplicates, NULLs, a zero
-- vector and huge values, ORDER BY through the index returns the same rows with the same
-- distances as a sequential scan (ties broken by id on both sides), also with a filter that
-- needs more rows than the first window, after inserts beyond the trained range, after
-- DELETE and VACUUM, and for range search; plus the plan, options, errors and statistics.
SET client_min_messages = notice;
CREATE TABLE items (id int, v vector(6), h halfvec(6));
INSERT INTO items SELECT i, ARRAY[i % 4, (i / 4) % 3, i % 5, 1, (i * 7) % 3 - 1, (i % 11) / 2.0]::float4[]::vector,
  ARRAY[i % 3, (i / 3) % 4, i % 2, (i * 5) % 7, 2, (i % 9) / 4.0]::float4[]::halfvec FROM generate_series(1, 3000) i;
INSERT INTO items SELECT 5000 + i, '[1.5,0.25,3,1,0,2]', '[1,1,1,1,1,1]' FROM generate_series(1, 40) i;  -- duplicates
INSERT INTO items VALUES (0, NULL, NULL), (-1, '[0,0,0,0,0,0]', '[0,0,0,0,0,0]');

-- Rows (id, distance) of a top-n by index and by sequential scan that differ: none.
CREATE FUNCTION mismatches(opclass text, expr text, n int, filter text DEFAULT 'true') RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE col text := CASE WHEN opclass LIKE 'halfvec%' THEN 'h' ELSE 'v' END; diff bigint;
BEGIN
  EXECUTE format('CREATE INDEX probe_idx ON items USING flat (%s %s)', col, opclass);
  SET LOCAL enable_seqscan = off;
  EXECUTE format('CREATE TEMP TABLE by_index AS SELECT id, %1$s AS d FROM items WHERE %3$s ORDER BY %1$s, id LIMIT %2$s', expr, n, filter);
  SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = on;
  EXECUTE format('CREATE TEMP TABLE by_scan AS SELECT id, %1$s AS d FROM items WHERE %3$s ORDER BY %1$s, id LIMIT %2$s', expr, n, filter);
  SELECT count(*) INTO diff FROM ((TABLE by_index EXCEPT ALL TABLE by_scan) UNION ALL (TABLE by_scan EXCEPT ALL TABLE by_index)) x;
  IF (SELECT count(*) FROM by_index) <> least(n, (SELECT count(*) FROM by_scan)) THEN diff := diff + 1000000; END IF;
  DROP TABLE by_index, by_scan;
  DROP INDEX probe_idx;
  RETURN diff;
END $$;

SELECT opclass, sum(mismatches(opclass, format('%s %s %L', CASE WHEN opclass LIKE 'halfvec%' THEN 'h' ELSE 'v' END, op, q), n)) AS mismatches
FROM (VALUES ('vector_l2_ops', '<->'), ('vector_ip_ops', '<#>'), ('vector_cosine_ops', '<=>'), ('vector_l1_ops', '<+>'),
             ('halfvec_l2_ops', '<->'), ('halfvec_ip_ops', '<#>'), ('halfvec_cosine_ops', '<=>'), ('halfvec_l1_ops', '<+>'))
  AS o(opclass, op),
     (VALUES ('[1.5,0.25,3,1,0,2]'), ('[0,0,0,0,0,1]'), ('[3,2,4,1,1,5]'), ('[-1,0.5,2,1,0,0.1]')) AS qs(q),
     (VALUES (10), (100), (3100)) AS ns(n)
GROUP BY opclass ORDER BY opclass;

-- A filter that keeps one row in 97: the scan goes on past its first window of rows.
SELECT mismatches('vector_l2_ops', 'v <-> ''[1,1,1,1,1,1]''', 25, 'id % 97 = 3') AS filtered_mismatches;

-- The plan: an index scan ordered by the distance.
CREATE INDEX items_v_idx ON items USING flat (v);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1]' LIMIT 5;
SELECT id, v <-> '[1.5,0.25,3,1,0,2]' AS d FROM items ORDER BY v <-> '[1.5,0.25,3,1,0,2]', id LIMIT 3;
-- Beside an approximate index, vectorx.exact_search keeps plans exact (SET LOCAL too).
CREATE INDEX items_hnsw_idx ON items USING hnsw (v vector_l2_ops);
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1]' LIMIT 5;
BEGIN;
SET LOCAL vectorx.exact_search = on;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1]' LIMIT 5;
EXPLAIN (COSTS OFF) SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1]', 1);
COMMIT;
SHOW vectorx.exact_search;
DROP INDEX items_hnsw_idx;
-- Every row with a value, in order, and the NULL row never.
SELECT count(*) AS all_rows, bool_and(d IS NOT NULL) AS no_null FROM (SELECT v <-> '[0,0,0,0,0,0]' AS d FROM items ORDER BY 1) s;
SELECT count(*) AS null_query_rows FROM (SELECT id FROM items ORDER BY v <-> NULL) s;
RESET enable_seqscan;

-- Inserts beyond the trained range (codes clamp; their bounds stay true), huge values, then
-- DELETE and VACUUM: still exact.
INSERT INTO items SELECT 10000 + i, ARRAY[i * 10, -i * 10, 0.5, 100, 1e-3, i]::float4[]::vector,
  ARRAY[i * 10, -i * 10, 0.5, 100, 1e-3, i]::float4[]::halfvec FROM generate_series(1, 30) i;
INSERT INTO items VALUES (20000, '[1e30,-1e30,1e30,0,0,0]', '[60000,-60000,1,0,0,0]'), (20001, '[1e-30,0,0,0,0,0]', '[0.0001,0,0,0,0,0]');
SELECT sum(mismatches('vector_l2_ops', format('v <-> %L', q), 40)) + sum(mismatches('vector_ip_ops', format('v <#> %L', q), 40)) +
       sum(mismatches('vector_cosine_ops', format('v <=> %L', q), 40)) + sum(mismatches('vector_l1_ops', format('v <+> %L', q), 40))
       AS after_inserts_mismatches
FROM (VALUES ('[100,-100,0,100,0,10]'), ('[1,1,1,1,1,1]'), ('[1e30,0,0,0,0,1]')) AS qs(q);
SELECT sum(mismatches('halfvec_l2_ops', format('h <-> %L', q), 40)) + sum(mismatches('halfvec_cosine_ops', format('h <=> %L', q), 40))
       AS halfvec_after_inserts_mismatches
FROM (VALUES ('[100,-100,0,100,0,10]'), ('[60000,0,0,0,0,1]')) AS qs(q);
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
SELECT sum(mismatches('vector_l2_ops', format('v <-> %L', q), 60)) + sum(mismatches('vector_cosine_ops', format('v <=> %L', q), 60))
       AS after_vacuum_mismatches
FROM (VALUES ('[1.5,0.25,3,1,0,2]'), ('[2,2,2,1,0,3]')) AS qs(q);

-- Range search: the rows within the ball, with and without ORDER BY from its centre.
SET enable_seqscan = off;
SELECT count(*) AS in_ball FROM items WHERE v <@ l2_ball('[1,1,1,1,0,1]', 1.5);
EXPLAIN (COSTS OFF) SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1,1,0,1]', 1.5);
SELECT count(*) AS in_ball_ordered FROM (SELECT id FROM items WHERE v <@ l2_ball('[1,1,1,1,0,1]', 1.5) ORDER BY v <-> '[1,1,1,1,0,1]') s;
SELECT count(*) AS in_infinite_ball FROM items WHERE v <@ l2_ball('[1,1,1,1,0,1]', 'Infinity');
SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_seqscan = on;
SELECT count(*) AS in_ball_by_scan FROM items WHERE v <@ l2_ball('[1,1,1,1,0,1]', 1.5);
RESET enable_indexscan; RESET enable_bitmapscan;

-- The scan reads each candidate's value from the table: values stored inline (40 dimensions),
-- out of line (1,500), compressed in line (storage main); after a HOT update (same vector) and
-- an update of the vector, which a cursor opened before it does not see.
CREATE TABLE stored (id int, n int, a vector(40), b vector(1500), c vector(600));
ALTER TABLE stored ALTER c SET STORAGE main;
INSERT INTO stored SELECT i, 0, (SELECT array_agg(sin(i * j)) FROM generate_series(1, 40) j),
  (SELECT array_agg(cos(i + j)) FROM generate_series(1, 1500) j),
  (SELECT array_agg(CASE WHEN j % 50 = 0 THEN i % 7 ELSE 0 END) FROM generate_series(1, 600) j) FROM generate_series(1, 300) i;
SELECT pg_relation_size(reltoastrelid) > 0 AS b_out_of_line FROM pg_class WHERE relname = 'stored';
SELECT pg_column_compression(c) IS NOT NULL AS c_compressed FROM stored WHERE id = 1;
CREATE INDEX ON stored USING flat (a vector_l2_ops);
CREATE INDEX ON stored USING flat (b vector_cosine_ops);
CREATE INDEX ON stored USING flat (c vector_l1_ops);
CREATE FUNCTION stored_mismatches(expr text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE diff bigint;
BEGIN
  SET LOCAL enable_seqscan = off;
  EXECUTE format('CREATE TEMP TABLE by_index AS SELECT id, %1$s AS d FROM stored ORDER BY %1$s, id LIMIT 20', expr);
  SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = on;
  EXECUTE format('CREATE TEMP TABLE by_scan AS SELECT id, %1$s AS d FROM stored ORDER BY %1$s, id LIMIT 20', expr);
  SELECT count(*) INTO diff FROM ((TABLE by_index EXCEPT ALL TABLE by_scan) UNION ALL (TABLE by_scan EXCEPT ALL TABLE by_index)) x;
  DROP TABLE by_index, by_scan;
  RETURN diff;
END $$;
SELECT stored_mismatches(format('a <-> %L', (SELECT a FROM stored WHERE id = 7))) AS inline_mismatches,
       stored_mismatches(format('b <=> %L', (SELECT b FROM stored WHERE id = 8))) AS out_of_line_mismatches,
       stored_mismatches(format('c <+> %L', (SELECT c FROM stored WHERE id = 9))) AS compressed_mismatches;
UPDATE stored SET n = n + 1 WHERE id % 2 = 0;  -- HOT where the page has room
UPDATE stored SET n = n + 1 WHERE id % 2 = 0;
SELECT stored_mismatches(format('a <-> %L', (SELECT a FROM stored WHERE id = 10))) AS after_hot_updates_mismatches;
SET enable_seqscan = off;
BEGIN;
DECLARE nearest CURSOR FOR SELECT id, round((a <-> (SELECT a FROM stored WHERE id = 12))::numeric, 4) AS d
  FROM stored ORDER BY a <-> (SELECT a FROM stored WHERE id = 12) LIMIT 2;
UPDATE stored SET a = (SELECT array_agg(100) FROM generate_series(1, 40)) WHERE id = 12;
FETCH ALL FROM nearest;
COMMIT;
SELECT id FROM stored ORDER BY a <-> (SELECT array_agg(sin(12 * j)) FROM generate_series(1, 40) j)::vector LIMIT 1;
RESET enable_seqscan;
DROP TABLE stored;
DROP FUNCTION stored_mismatches;

-- Statistics and validation.
SELECT index_type, element_type, dimensions, metric, live_entries, shape->'lists' AS lists,
       shape->'code_bits' AS code_bits, shape->'entry_bytes' AS entry_bytes FROM vectorx_index_stats('items_v_idx');
SELECT count(*) AS problems FROM vectorx_validate_index('items_v_idx');

-- Options and what flat cannot index.
CREATE INDEX ON items USING flat (v) WITH (lists = 4);
CREATE TABLE wide (v vector(8200));
CREATE INDEX ON wide USING flat (v);
CREATE TABLE sparse (v sparsevec(5), b bit(8));
CREATE INDEX ON sparse USING flat (v);
CREATE INDEX ON sparse USING flat (b);
-- Wrong dimensions and bad values are refused, and nothing stored is lost.
INSERT INTO items (id, v) VALUES (-2, '[1,2,3]');
SELECT count(*) AS rows_kept FROM items WHERE v IS NOT NULL;

-- UNLOGGED tables and empty ones.
CREATE UNLOGGED TABLE scratch (v vector(3));
CREATE INDEX ON scratch USING flat (v vector_ip_ops);
SELECT count(*) FROM (SELECT v FROM scratch ORDER BY v <#> '[1,2,3]' LIMIT 3) s;
INSERT INTO scratch VALUES ('[1,2,3]'), ('[3,2,1]'), ('[-1,-2,-3]');
SET enable_seqscan = off;
SELECT v, v <#> '[1,2,3]' AS d FROM scratch ORDER BY v <#> '[1,2,3]' LIMIT 3;
RESET enable_seqscan;
DROP TABLE items, wide, sparse, scratch;
DROP FUNCTION mismatches;
