-- ivfpq: DDL, options and GUC bounds, exact top-k with every list probed, ivfflat's rows
-- at the same probes by default (lower bounds re-checked on the rows), the re-check cap,
-- estimates without re-check, iterative scans, expression indexes, MVCC, vacuum, and the same
-- pages from builds on one thread or several (ivfpq and ivfflat).
SET client_min_messages = notice;
CREATE TABLE items (id int, v vector(8), h halfvec(8));
INSERT INTO items SELECT i, (SELECT array_agg(sin(i * j) + (i % 5)) FROM generate_series(1, 8) j)::vector,
  (SELECT array_agg(cos(i * j) - (i % 3)) FROM generate_series(1, 8) j)::halfvec FROM generate_series(1, 1000) i;
INSERT INTO items VALUES (0, NULL, NULL);

-- Every operator class and code width returns the exact top 10 when all lists are probed
-- and all candidates re-ranked.
CREATE FUNCTION same_top10(idx text, query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE by_index float8[]; exact float8[];
BEGIN
  EXECUTE format('CREATE INDEX probe_idx ON items USING ivfpq %s', idx);
  SET LOCAL ivfpq.probes = 8; SET LOCAL ivfpq.rerank = 2000; SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %s AS d FROM items ORDER BY %s LIMIT 10) s', query, query) INTO by_index;
  SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = on;
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %s AS d FROM items ORDER BY 1 LIMIT 10) s', query) INTO exact;
  DROP INDEX probe_idx;
  RETURN by_index = exact;
END $$;
SELECT opclass, nbits, residual,
       same_top10(format('(%s %s) WITH (lists = 8, nbits = %s, residual = %s)', col, opclass, nbits, residual),
                  format('%s %s %L', col, op, q))
FROM (VALUES ('v', 'vector_l2_ops', '<->', '[1,0,2,0,1,0,2,0]'), ('v', 'vector_ip_ops', '<#>', '[1,0,2,0,1,0,2,0]'),
             ('v', 'vector_cosine_ops', '<=>', '[1,0,2,0,1,0,2,0]'), ('h', 'halfvec_l2_ops', '<->', '[0,1,0,1,0,1,0,1]'),
             ('h', 'halfvec_ip_ops', '<#>', '[0,1,0,1,0,1,0,1]'), ('h', 'halfvec_cosine_ops', '<=>', '[0,1,0,1,0,1,0,1]'))
  AS t(col, opclass, op, q), (VALUES (4), (8)) AS n(nbits), (VALUES (true), (false)) AS r(residual)
ORDER BY 1, 2, 3;
-- The same with scalar codes of 8 and 4 bits a dimension.
SELECT opclass, nbits,
       same_top10(format('(%s %s) WITH (lists = 8, quantizer = scalar, nbits = %s)', col, opclass, nbits),
                  format('%s %s %L', col, op, q)) AS scalar_same_top10
FROM (VALUES ('v', 'vector_l2_ops', '<->', '[1,0,2,0,1,0,2,0]'), ('v', 'vector_ip_ops', '<#>', '[1,0,2,0,1,0,2,0]'),
             ('v', 'vector_cosine_ops', '<=>', '[1,0,2,0,1,0,2,0]'), ('h', 'halfvec_l2_ops', '<->', '[0,1,0,1,0,1,0,1]'),
             ('h', 'halfvec_ip_ops', '<#>', '[0,1,0,1,0,1,0,1]'), ('h', 'halfvec_cosine_ops', '<=>', '[0,1,0,1,0,1,0,1]'))
  AS t(col, opclass, op, q), (VALUES (4), (8)) AS n(nbits)
ORDER BY 1, 2;

-- The default operator class, the plan, and the estimates of codes without re-rank.
CREATE INDEX items_v_idx ON items USING ivfpq (v) WITH (lists = 10, m = 4, nbits = 8);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 3;
SELECT count(*) < 1000 AS one_probe_reads_part FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
SET ivfpq.probes = 10;
SELECT count(*) AS all_probes_read_all FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
SET ivfpq.rerank = 0;
SELECT count(*) AS estimates_only_read_all FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
-- Each row's distance comes from the executor, exact whatever order the estimates gave.
SELECT bool_and(d = v <-> '[1,1,1,1,1,1,1,1]') AS exact_distances
FROM (SELECT v, v <-> '[1,1,1,1,1,1,1,1]' AS d FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 20) s;
RESET ivfpq.rerank;
-- By default, the rows and distances, in order, that ivfflat returns at the same probes: both
-- builds train the same centres from the same sample.
CREATE INDEX items_flat_idx ON items USING ivfflat (v) WITH (lists = 10);
CREATE FUNCTION top20(idx text, q text, probes int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE result text;
BEGIN
  EXECUTE format('SET LOCAL ivfflat.probes = %s; SET LOCAL ivfpq.probes = %s; SET LOCAL enable_seqscan = off', probes, probes);
  EXECUTE format('SELECT string_agg(d::text, '','' ORDER BY n) || '' '' || string_agg(id::text, '','' ORDER BY id) FROM '
                 '(SELECT id, v <-> %L AS d, row_number() OVER () AS n FROM (SELECT id, v FROM items ORDER BY v <-> %L LIMIT 20) t) s', q, q)
    INTO result;
  RETURN result;
END $$;
CREATE FUNCTION same_as_ivfflat(pq_idx text, q text, probes int) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE by_pq text; by_flat text;
BEGIN
  UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_flat_idx'::regclass;
  by_pq := top20(pq_idx, q, probes);
  UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'items_flat_idx'::regclass;
  UPDATE pg_index SET indisvalid = false WHERE indexrelid = pq_idx::regclass;
  by_flat := top20('items_flat_idx', q, probes);
  UPDATE pg_index SET indisvalid = true WHERE indexrelid = pq_idx::regclass;
  RETURN by_pq = by_flat;
END $$;
SELECT probes, bool_and(same_as_ivfflat('items_v_idx', q, probes)) AS same_rows_as_ivfflat
FROM (VALUES ('[1,1,1,1,1,1,1,1]'), ('[0,2,0,2,0,2,0,2]'), ('[3,-1,2,0,1,4,0,1]')) AS qs(q), generate_series(1, 3) probes
GROUP BY probes ORDER BY probes;
-- What same_as_ivfflat compares: one index at a time, the other marked invalid.
SET enable_seqscan = off;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_flat_idx'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 20;
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'items_flat_idx'::regclass;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_v_idx'::regclass;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 20;
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'items_v_idx'::regclass;
-- The codes' estimates alone (no re-check) do not give ivfflat's answer.
SET ivfpq.rerank = 0;
SELECT bool_and(same_as_ivfflat('items_v_idx', q, 3)) AS estimates_same_as_ivfflat
FROM (VALUES ('[1,1,1,1,1,1,1,1]'), ('[0,2,0,2,0,2,0,2]'), ('[3,-1,2,0,1,4,0,1]')) AS qs(q);
RESET ivfpq.rerank;
-- The default codes (no m or nbits): 8-bit scalar levels with error bounds; ivfflat's answer too.
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'items_v_idx'::regclass;
CREATE INDEX items_sq_idx ON items USING ivfpq (v) WITH (lists = 10);
SELECT shape->'code_bits' AS code_bits, shape->'pq_m' AS pq_m FROM vectorx_index_stats('items_sq_idx');
SELECT probes, bool_and(same_as_ivfflat('items_sq_idx', q, probes)) AS scalar_same_rows_as_ivfflat
FROM (VALUES ('[1,1,1,1,1,1,1,1]'), ('[0,2,0,2,0,2,0,2]'), ('[3,-1,2,0,1,4,0,1]')) AS qs(q), generate_series(1, 3) probes
GROUP BY probes ORDER BY probes;
DROP INDEX items_sq_idx;
-- 4-bit scalar codes: half the bytes, looser bounds, the same answer.
CREATE INDEX items_sq4_idx ON items USING ivfpq (v) WITH (lists = 10, quantizer = scalar, nbits = 4);
SELECT shape->'code_bits' AS code_bits, shape->'entry_bytes' AS entry_bytes FROM vectorx_index_stats('items_sq4_idx');
SELECT count(*) AS problems FROM vectorx_validate_index('items_sq4_idx');
SELECT probes, bool_and(same_as_ivfflat('items_sq4_idx', q, probes)) AS scalar4_same_rows_as_ivfflat
FROM (VALUES ('[1,1,1,1,1,1,1,1]'), ('[0,2,0,2,0,2,0,2]'), ('[3,-1,2,0,1,4,0,1]')) AS qs(q), generate_series(1, 3) probes
GROUP BY probes ORDER BY probes;
DROP INDEX items_sq4_idx;
UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'items_v_idx'::regclass;
DROP FUNCTION same_as_ivfflat, top20;
DROP INDEX items_flat_idx;
-- ivfpq.rerank caps the rows re-checked.
SET ivfpq.rerank = 5;
SELECT count(*) AS capped_rows FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 20) s;
RESET ivfpq.rerank;
SELECT count(*) AS null_query_rows FROM (SELECT id FROM items ORDER BY v <-> (SELECT NULL::vector)) s;

-- Rows deleted by the running transaction are not returned by the re-rank.
BEGIN;
DELETE FROM items WHERE id <= 990;
SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 20) s;
ROLLBACK;

-- Iterative scans probe more lists until the filter lets LIMIT rows through.
SET ivfpq.probes = 1;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 15) s;
SET ivfpq.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 15) s;
SET ivfpq.max_probes = 2;
SELECT count(*) <= 15 FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 15) s;
RESET ivfpq.iterative_scan;
RESET ivfpq.max_probes;

-- Inserts, deletes and VACUUM keep every live row findable.
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
INSERT INTO items SELECT i, (SELECT array_agg(sin(i * j)) FROM generate_series(1, 8) j)::vector
FROM generate_series(1001, 1300) i;
SET ivfpq.probes = 10;
SELECT count(*) AS live_rows FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
DROP INDEX items_v_idx;

-- An expression index: the re-rank evaluates the expression on the table's row.
CREATE INDEX items_expr_idx ON items USING ivfpq ((v::halfvec(8)) halfvec_l2_ops) WITH (lists = 4);
SET ivfpq.probes = 4;
SET ivfpq.rerank = 2000;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v::halfvec(8) <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;
SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v::halfvec(8) <-> '[1,1,1,1,1,1,1,1]', id LIMIT 5) s;
RESET enable_seqscan;
SELECT array_agg(id) FROM (SELECT id FROM items ORDER BY v::halfvec(8) <-> '[1,1,1,1,1,1,1,1]', id LIMIT 5) s;
DROP INDEX items_expr_idx;
RESET ivfpq.probes;
RESET ivfpq.rerank;

-- Options and their bounds.
CREATE INDEX ON items USING ivfpq (v) WITH (m = 3);
CREATE INDEX ON items USING ivfpq (v) WITH (nbits = 5);
CREATE INDEX ON items USING ivfpq (v) WITH (nbits = 9);
CREATE INDEX ON items USING ivfpq (v) WITH (m = -1);
CREATE INDEX ON items USING ivfpq (v) WITH (lists = 0);
CREATE INDEX ON items USING ivfpq (v) WITH (residual = maybe);
CREATE INDEX ON items USING ivfpq (v) WITH (quantizer = scalar, m = 4);
CREATE INDEX ON items USING ivfpq (v) WITH (quantizer = scalar, nbits = 6);
CREATE INDEX ON items USING ivfpq (v) WITH (quantizer = vector);
CREATE TABLE wide (v vector(512));
CREATE INDEX ON wide USING ivfpq (v) WITH (m = 512, nbits = 4);
CREATE INDEX wide_idx ON wide USING ivfpq (v) WITH (m = 512, nbits = 8);
DROP TABLE wide;
CREATE TABLE bits (b bit(8));
CREATE INDEX ON bits USING ivfpq (b bit_hamming_ops);
DROP TABLE bits;
SET ivfpq.probes = 0;
SET ivfpq.rerank = -2;
SET ivfpq.rerank = 1000001;
SET ivfpq.max_probes = 32769;
SET ivfpq.iterative_scan = strict_order;
SHOW ivfpq.rerank;

-- Empty, truncated and unlogged tables.
CREATE TABLE empty (v vector(4));
CREATE INDEX empty_idx ON empty USING ivfpq (v) WITH (lists = 5);
SELECT count(*) FROM (SELECT * FROM empty ORDER BY v <-> '[1,2,3,4]' LIMIT 5) s;
INSERT INTO empty VALUES ('[1,2,3,4]'), ('[4,3,2,1]');
SET enable_seqscan = off;
SELECT v FROM empty ORDER BY v <-> '[1,2,3,5]' LIMIT 1;
TRUNCATE empty;
INSERT INTO empty VALUES ('[1,1,1,1]');
SELECT v FROM empty ORDER BY v <-> '[1,2,3,5]' LIMIT 1;
CREATE UNLOGGED TABLE unlogged_items (v vector(4));
INSERT INTO unlogged_items SELECT ARRAY[i, i % 7, i % 3, 1]::vector FROM generate_series(1, 100) i;
CREATE INDEX ON unlogged_items USING ivfpq (v) WITH (lists = 4, m = 2);
SELECT v FROM unlogged_items ORDER BY v <-> '[50,1,2,1]' LIMIT 1;
RESET enable_seqscan;
DROP TABLE empty, unlogged_items, items;
DROP FUNCTION same_top10;

-- Builds on several threads (max_parallel_maintenance_workers) write the same pages as a
-- build on one: every page but the meta page (random build stamp) equal after its header.
CREATE EXTENSION pageinspect;
CREATE TABLE par (id int, v vector(16)) WITH (parallel_workers = 2);
INSERT INTO par SELECT i, (SELECT array_agg(sin(i * j * 0.37) + (i % 7)) FROM generate_series(1, 16) j)::vector
FROM generate_series(1, 5000) i;
CREATE FUNCTION index_pages(idx regclass) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(md5(substr(get_raw_page(idx::text, b::int), 25)) ORDER BY b)
  FROM generate_series(1, pg_relation_size(idx) / 8192 - 1) b $$;
SET max_parallel_maintenance_workers = 0;
CREATE INDEX par_pq ON par USING ivfpq (v) WITH (lists = 20, m = 8);
CREATE INDEX par_flat ON par USING ivfflat (v) WITH (lists = 20);
CREATE TEMP TABLE one_thread AS SELECT index_pages('par_pq') AS pq, index_pages('par_flat') AS flat;
DROP INDEX par_pq, par_flat;
SET max_parallel_maintenance_workers = 2;
CREATE INDEX par_pq ON par USING ivfpq (v) WITH (lists = 20, m = 8);
CREATE INDEX par_flat ON par USING ivfflat (v) WITH (lists = 20);
SELECT pq = index_pages('par_pq') AS pq_same, flat = index_pages('par_flat') AS flat_same,
       cardinality(pq) > 20 AS pq_has_data_pages FROM one_thread;
RESET max_parallel_maintenance_workers;
DROP TABLE par;
DROP FUNCTION index_pages;
DROP EXTENSION pageinspect;
