-- hnsw: DDL, options and GUC bounds, NULLs, empty tables, every operator class against exact
-- search, iterative scans, unlogged tables, TRUNCATE, dimension errors, large dimensions.
\i test/regress_helpers.sql
SET client_min_messages = warning;

-- Deterministic data: 300 rows of 8 dims, spread by sin/cos of the row number.
CREATE TABLE items (id int PRIMARY KEY, v vector(8), h halfvec(8), s sparsevec(8), b bit(64), category int);
INSERT INTO items
SELECT i, x::vector, x::halfvec, x::vector::sparsevec,
       (SELECT string_agg(CASE WHEN sin(i * 0.37 + k * 1.3) + sin(i * k) * 0.5 > 0 THEN '1' ELSE '0' END, '') FROM generate_series(1, 64) k)::bit(64),
       i % 10
FROM (SELECT i, (SELECT array_agg(round((sin(i * 0.37 + d * 1.3) * 10)::numeric, 2) + d) FROM generate_series(1, 8) d)::real[] x
      FROM generate_series(1, 300) i) g;
INSERT INTO items VALUES (301, NULL, NULL, NULL, NULL, 1);

-- Every operator class returns exactly the exact top-10 when ef_search covers the table.
CREATE FUNCTION pg_temp.agrees(col text, op text, opclass text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q text;
  mismatches int := 0;
  n int;
  exact int[];
  indexed int[];
BEGIN
  EXECUTE format('CREATE INDEX probe ON items USING hnsw (%I %s)', col, opclass);
  FOR q IN EXECUTE format('SELECT %I::text FROM items WHERE id %% 37 = 0', col) LOOP
    SET LOCAL enable_seqscan = off;
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY %I %s %L LIMIT 10) s', col, op, q) INTO indexed;
    SET LOCAL enable_seqscan = on;
    SET LOCAL enable_indexscan = off;
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY %I %s %L, id LIMIT 10) s', col, op, q) INTO exact;
    SET LOCAL enable_indexscan = on;
    -- ties may come in any order: compare the distance lists
    EXECUTE format('SELECT count(*) FROM (SELECT %I %s %L FROM items WHERE id = ANY($1) EXCEPT ALL SELECT %I %s %L FROM items WHERE id = ANY($2)) d',
                   col, op, q, col, op, q) INTO n USING indexed, exact;
    mismatches := mismatches + n;
  END LOOP;
  DROP INDEX probe;
  RETURN opclass || ': ' || mismatches || ' mismatches';
END $$;
SET hnsw.ef_search = 400;
SELECT pg_temp.agrees('v', '<->', 'vector_l2_ops');
SELECT pg_temp.agrees('v', '<#>', 'vector_ip_ops');
SELECT pg_temp.agrees('v', '<=>', 'vector_cosine_ops');
SELECT pg_temp.agrees('v', '<+>', 'vector_l1_ops');
SELECT pg_temp.agrees('h', '<->', 'halfvec_l2_ops');
SELECT pg_temp.agrees('h', '<#>', 'halfvec_ip_ops');
SELECT pg_temp.agrees('h', '<=>', 'halfvec_cosine_ops');
SELECT pg_temp.agrees('h', '<+>', 'halfvec_l1_ops');
SELECT pg_temp.agrees('s', '<->', 'sparsevec_l2_ops');
SELECT pg_temp.agrees('s', '<#>', 'sparsevec_ip_ops');
SELECT pg_temp.agrees('s', '<=>', 'sparsevec_cosine_ops');
SELECT pg_temp.agrees('s', '<+>', 'sparsevec_l1_ops');
SELECT pg_temp.agrees('b', '<~>', 'bit_hamming_ops');
SELECT pg_temp.agrees('b', '<%>', 'bit_jaccard_ops');
RESET hnsw.ef_search;

-- The planner uses the index for ORDER BY ... LIMIT, and the index reports the operator's distances.
CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops) WITH (m = 8, ef_construction = 32);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 5;
SELECT id, round((v <-> '[1,2,3,4,5,6,7,8]')::numeric, 4) AS distance FROM items ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 5;
-- a NULL query orders nothing: the planner folds it and returns any rows
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> NULL LIMIT 5) s;
-- an index scan without ORDER BY is never chosen
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v IS NOT NULL;
RESET enable_seqscan;
-- without LIMIT the index returns at most ef_search rows (as pgvector)
SET enable_seqscan = off;
SET hnsw.ef_search = 7;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[1,2,3,4,5,6,7,8]') s;
-- iterative scans keep going until the filter has found LIMIT rows
SET hnsw.ef_search = 10;
SELECT count(*) FROM (SELECT id FROM items WHERE category = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 20) s;
SET hnsw.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM items WHERE category = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 20) s;
SET hnsw.iterative_scan = strict_order;
SELECT count(*), bool_and(ordered) FROM (
  SELECT d >= lag(d, 1, 0::float8) OVER (ORDER BY n) AS ordered FROM (
    SELECT row_number() OVER () n, v <-> '[1,2,3,4,5,6,7,8]' d FROM items WHERE category = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 20) a) b;
-- max_scan_tuples bounds the iteration
SET hnsw.max_scan_tuples = 20;
SELECT count(*) < 20 AS bounded FROM (SELECT id FROM items WHERE category = 3 ORDER BY v <-> '[1,2,3,4,5,6,7,8]' LIMIT 20) s;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
RESET hnsw.ef_search;
-- the memory bound (work_mem × scan_mem_multiplier) counts what a scan holds, not the larger
-- table an earlier scan of the session left to reuse
CREATE TABLE grid (i int, v vector(2));
INSERT INTO grid SELECT i, ARRAY[i % 200, i / 200] FROM generate_series(0, 19999) i;
CREATE INDEX ON grid USING hnsw (v vector_l2_ops);
SET hnsw.iterative_scan = relaxed_order;
SET hnsw.max_scan_tuples = 100000;
SET work_mem = '64kB';
CREATE TEMP TABLE small_budget AS
  SELECT count(*) AS n FROM (SELECT i FROM grid WHERE i % 500 = 0 ORDER BY v <-> '[1,1]' LIMIT 40) s;
SET work_mem = '64MB';
SELECT count(*) AS rows_of_a_scan_over_everything FROM (SELECT i FROM grid WHERE i = 19999 ORDER BY v <-> '[50,50]' LIMIT 40) s;
SET work_mem = '64kB';
SELECT n > 0 AS found, (SELECT count(*) FROM (SELECT i FROM grid WHERE i % 500 = 0 ORDER BY v <-> '[1,1]' LIMIT 40) s) = n
  AS same_after_a_large_scan FROM small_budget;
RESET work_mem;
RESET hnsw.max_scan_tuples;
RESET hnsw.iterative_scan;
DROP TABLE grid, small_budget;
-- inserts after the build are found; wrong dimensions are rejected and change nothing
INSERT INTO items (id, v) VALUES (400, '[100,100,100,100,100,100,100,100]');
SELECT id FROM items ORDER BY v <-> '[100,100,100,100,100,100,100,100]' LIMIT 1;
SELECT pg_temp.expect_error($$SELECT id FROM items ORDER BY v <-> '[1,2,3]' LIMIT 1$$);
RESET enable_seqscan;

-- options and their bounds
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (m = 1)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (m = 101)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (ef_construction = 3)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (ef_construction = 1001)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (m = 40, ef_construction = 64)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops) WITH (lists = 4)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON items USING hnsw (v vector_l2_ops, h halfvec_l2_ops)$$);
-- ALTER INDEX checks the options as they would be stored; queries and REINDEX keep working
CREATE INDEX items_altered ON items USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 8);
SELECT pg_temp.expect_error($$ALTER INDEX items_altered SET (m = 40)$$);
SELECT pg_temp.expect_error($$ALTER INDEX items_altered RESET (m)$$);
SELECT pg_temp.expect_error($$ALTER INDEX items_altered SET (ef_construction = 7)$$);
ALTER INDEX items_altered SET (m = 2, ef_construction = 4);
ALTER INDEX items_altered RESET (m, ef_construction);
SELECT reloptions FROM pg_class WHERE relname = 'items_altered';
SET enable_seqscan = off;
SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> array_fill(1, ARRAY[8])::vector LIMIT 3) s;
RESET enable_seqscan;
REINDEX INDEX items_altered;
DROP INDEX items_altered;
CREATE TABLE nodims (v vector);
SELECT pg_temp.expect_error($$CREATE INDEX ON nodims USING hnsw (v vector_l2_ops)$$);
-- varbit rows may differ in length: refused, as pgvector refuses them; pgvector's limit message
CREATE TEMP TABLE varbits (v varbit(8));
SELECT pg_temp.expect_error($$CREATE INDEX ON varbits USING hnsw (v bit_hamming_ops)$$);
SELECT pg_temp.expect_error($$CREATE INDEX ON varbits USING ivfflat (v bit_hamming_ops)$$);
CREATE TEMP TABLE widebits (v bit(64001));
SELECT pg_temp.expect_error($$CREATE INDEX ON widebits USING hnsw (v bit_hamming_ops)$$);
-- GUC bounds
SELECT pg_temp.expect_error($$SET hnsw.ef_search = 0$$);
SELECT pg_temp.expect_error($$SET hnsw.ef_search = 1001$$);
SELECT pg_temp.expect_error($$SET hnsw.iterative_scan = sometimes$$);
SELECT pg_temp.expect_error($$SET hnsw.max_scan_tuples = 0$$);
SELECT pg_temp.expect_error($$SET hnsw.scan_mem_multiplier = 0.5$$);
SELECT pg_temp.expect_error($$SET hnsw.scan_mem_multiplier = 1001$$);
SHOW hnsw.ef_search;
SHOW hnsw.iterative_scan;
SHOW hnsw.max_scan_tuples;
SHOW hnsw.scan_mem_multiplier;
BEGIN;
SET LOCAL hnsw.ef_search = 200;
SHOW hnsw.ef_search;
COMMIT;
SHOW hnsw.ef_search;

-- empty tables, TRUNCATE, unlogged tables, cosine zero vectors
CREATE TABLE empty (v vector(3));
CREATE INDEX ON empty USING hnsw (v vector_cosine_ops);
SELECT count(*) FROM (SELECT * FROM empty ORDER BY v <=> '[1,1,1]' LIMIT 3) s;
INSERT INTO empty VALUES ('[0,0,0]'), ('[1,2,3]'), ('[3,2,1]');
SET enable_seqscan = off;
SELECT v FROM empty ORDER BY v <=> '[1,1,1]' LIMIT 3;
SELECT count(*) FROM (SELECT * FROM empty ORDER BY v <=> '[0,0,0]' LIMIT 3) s;
TRUNCATE empty;
SELECT count(*) FROM (SELECT * FROM empty ORDER BY v <=> '[1,1,1]' LIMIT 3) s;
INSERT INTO empty VALUES ('[1,1,2]');
SELECT v FROM empty ORDER BY v <=> '[1,1,1]' LIMIT 3;
CREATE UNLOGGED TABLE unlogged_items (v vector(2));
INSERT INTO unlogged_items SELECT ARRAY[i, i * 2] FROM generate_series(1, 50) i;
CREATE INDEX ON unlogged_items USING hnsw (v vector_l2_ops);
SELECT v FROM unlogged_items ORDER BY v <-> '[10,20]' LIMIT 2;
RESET enable_seqscan;

-- beyond pgvector's 2,000 dimensions: values longer than a page continue in value tails on
-- other pages (3,072-dim vectors, 16,000-dim halfvec)
CREATE TABLE wide (id int, v vector(3072), h halfvec(16000));
INSERT INTO wide SELECT i, array_fill(i::real, ARRAY[3072]), array_fill((i % 50)::real, ARRAY[16000]) FROM generate_series(1, 60) i;
CREATE INDEX ON wide USING hnsw (v vector_l2_ops);
CREATE INDEX ON wide USING hnsw (h halfvec_l1_ops);
INSERT INTO wide SELECT i, array_fill(i::real, ARRAY[3072]), array_fill((i % 50)::real, ARRAY[16000]) FROM generate_series(61, 80) i;
SET enable_seqscan = off;
SELECT id FROM wide ORDER BY v <-> array_fill(70.2::real, ARRAY[3072])::vector LIMIT 3;
SELECT id FROM wide ORDER BY h <+> array_fill(7::real, ARRAY[16000])::halfvec, id LIMIT 2;
-- 784 dims: 3.3 KB elements are packed across pages (two whole ones a page would take 150)
CREATE TABLE mid (v vector(784));
INSERT INTO mid SELECT array_fill(i::real, ARRAY[784]) FROM generate_series(1, 300) i;
CREATE INDEX mid_v_idx ON mid USING hnsw (v vector_l2_ops);
SELECT pg_relation_size('mid_v_idx') / 8192 < 130 AS packed;
SELECT (v::real[])[1] AS nearest FROM mid ORDER BY v <-> array_fill(150.2::real, ARRAY[784])::vector LIMIT 3;
RESET enable_seqscan;
-- the checker follows every tail chain; stats count the values that span pages
SELECT i, count(p.*) AS problems, (SELECT (shape->>'split_values')::int > 0 FROM vectorx_index_stats(i)) AS split
FROM unnest(ARRAY['wide_v_idx', 'wide_h_idx', 'mid_v_idx']::regclass[]) i
  LEFT JOIN LATERAL vectorx_validate_index(i) p ON true GROUP BY i ORDER BY i::text;
DROP TABLE items, nodims, empty, unlogged_items, wide, mid;
