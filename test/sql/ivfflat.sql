-- ivfflat: DDL, options and GUC bounds, exact results with every list probed, NULLs, empty and
-- truncated tables, unlogged tables, iterative scans under a filter.
SET client_min_messages = notice;
CREATE TABLE items (id int, v vector(3), h halfvec(3), b bit(12));
INSERT INTO items SELECT i, ARRAY[sin(i), cos(i), (i % 7) - 3]::vector, ARRAY[cos(i), sin(i), i % 5]::halfvec,
  (i * 37 % 4096)::bit(12) FROM generate_series(1, 1000) i;
INSERT INTO items VALUES (0, NULL, NULL, NULL);

-- Every operator class returns the exact top 10 when all lists are probed (distances are
-- compared, as tied rows may come in any order).
CREATE FUNCTION same_top10(idx text, query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE by_index float8[]; exact float8[];
BEGIN
  EXECUTE format('CREATE INDEX probe_idx ON items USING ivfflat %s WITH (lists = 8)', idx);
  SET LOCAL ivfflat.probes = 8; SET LOCAL enable_seqscan = off;
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %s AS d FROM items ORDER BY %s LIMIT 10) s', query, query) INTO by_index;
  SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = on;
  EXECUTE format('SELECT array_agg(d) FROM (SELECT %s AS d FROM items ORDER BY 1 LIMIT 10) s', query) INTO exact;
  DROP INDEX probe_idx;
  RETURN by_index = exact;
END $$;
SELECT opclass, same_top10(format('(%s %s)', col, opclass), format('%s %s %L', col, op, q))
FROM (VALUES ('v', 'vector_l2_ops', '<->', '[0.5,0.5,1]'), ('v', 'vector_ip_ops', '<#>', '[0.5,0.5,1]'),
             ('v', 'vector_cosine_ops', '<=>', '[0.5,0.5,1]'), ('h', 'halfvec_l2_ops', '<->', '[1,0,2]'),
             ('h', 'halfvec_ip_ops', '<#>', '[1,0,2]'), ('h', 'halfvec_cosine_ops', '<=>', '[1,0,2]'))
  AS t(col, opclass, op, q);
-- Hamming distances tie a lot: compare distances, not ids.
CREATE INDEX bits_idx ON items USING ivfflat (b bit_hamming_ops) WITH (lists = 4);
SET ivfflat.probes = 4;
SET enable_seqscan = off;
SELECT array_agg(d) FROM (SELECT b <~> '000000000111' AS d FROM items ORDER BY b <~> '000000000111' LIMIT 10) s;
RESET enable_seqscan;
SELECT array_agg(d) FROM (SELECT b <~> '000000000111' AS d FROM items ORDER BY 1 LIMIT 10) s;
DROP INDEX bits_idx;

-- The default operator class, the plan, probes.
CREATE INDEX items_v_idx ON items USING ivfflat (v) WITH (lists = 10);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY v <-> '[1,1,1]' LIMIT 3;
RESET ivfflat.probes;
SELECT count(*) < 1000 AS one_probe_reads_part FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1]') s;
SET ivfflat.probes = 10;
SELECT count(*) AS all_probes_read_all FROM (SELECT id FROM items ORDER BY v <-> '[1,1,1]') s;
SELECT count(*) AS null_query_rows FROM (SELECT id FROM items ORDER BY v <-> (SELECT NULL::vector)) s;

-- Iterative scans probe more lists until the filter lets LIMIT rows through.
SET ivfflat.probes = 1;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1]' LIMIT 15) s;
SET ivfflat.iterative_scan = relaxed_order;
SELECT count(*) FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1]' LIMIT 15) s;
SET ivfflat.max_probes = 2;
SELECT count(*) <= 15 FROM (SELECT id FROM items WHERE id % 50 = 0 ORDER BY v <-> '[1,1,1]' LIMIT 15) s;
RESET ivfflat.iterative_scan;
RESET ivfflat.max_probes;
RESET enable_seqscan;

-- Inserts, deletes and VACUUM keep every live row findable.
DELETE FROM items WHERE id % 3 = 0;
VACUUM items;
INSERT INTO items SELECT i, ARRAY[sin(i), cos(i), 1]::vector FROM generate_series(1001, 1300) i;
SET ivfflat.probes = 10;
SET enable_seqscan = off;
SELECT count(*), count(DISTINCT id) FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0]') s;
RESET enable_seqscan;
RESET ivfflat.probes;

-- Options, GUCs and unsupported columns.
CREATE INDEX ON items USING ivfflat (v) WITH (lists = 0);
CREATE INDEX ON items USING ivfflat (v) WITH (lists = 32769);
SET ivfflat.probes = 0;
SET ivfflat.max_probes = 32769;
SET ivfflat.iterative_scan = strict_order;
CREATE TABLE wide (v vector(2100));
CREATE INDEX ON wide USING ivfflat (v);
CREATE TABLE sparse (v sparsevec(5));
CREATE INDEX ON sparse USING ivfflat (v sparsevec_l2_ops);
CREATE TABLE nodims (v vector);
CREATE INDEX ON nodims USING ivfflat (v);
INSERT INTO items (id, v) VALUES (-1, '[1,2]');

-- Empty, truncated and unlogged tables.
CREATE TABLE empty (v vector(2));
CREATE INDEX empty_idx ON empty USING ivfflat (v) WITH (lists = 4);
INSERT INTO empty VALUES ('[1,1]'), ('[5,5]');
SELECT v FROM empty ORDER BY v <-> '[4,4]';
TRUNCATE empty;
SELECT count(*) FROM empty;
CREATE UNLOGGED TABLE scratch (v halfvec(2));
INSERT INTO scratch VALUES ('[1,1]'), ('[2,2]'), ('[3,3]');
CREATE INDEX ON scratch USING ivfflat (v halfvec_l2_ops) WITH (lists = 2);
SET ivfflat.probes = 2;
SET enable_seqscan = off;
SELECT v FROM scratch ORDER BY v <-> '[3,3]';
DROP TABLE items, wide, sparse, nodims, empty, scratch;
DROP FUNCTION same_top10;
