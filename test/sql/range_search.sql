-- Range search: `v <@ l2_ball(q, r)` (ip_ball, cosine_ball, l1_ball) on vector, halfvec and sparsevec columns
-- and `b <@ hamming_ball(q, r)` (jaccard_ball) on bit columns, served by hnsw, ivfflat
-- and ivfpq returns exactly the rows a sequential scan returns, for every distance and several
-- radii; it composes with ORDER BY, LIMIT and other filters; NULL, negative and NaN radii
-- match nothing.
SET client_min_messages = warning;
CREATE TABLE items (id int, v vector(8));
INSERT INTO items SELECT i, (SELECT array_agg(sin(i * j * 0.37) + (i % 7) - 3) FROM generate_series(1, 8) j)::vector
FROM generate_series(1, 3000) i;
INSERT INTO items VALUES (0, NULL);
SELECT v <@ l2_ball('[0,0,0,0,0,0,0,0]', 3) AS inside, v <@ l2_ball('[0,0,0,0,0,0,0,0]', 2) AS outside
FROM (VALUES ('[2,2,0,0,0,0,0,0]'::vector)) t(v);

-- For each index, distance and radius (the 1%, 5% and 25% nearest rows' distance from the
-- query): the rows through the index equal the rows of a sequential scan, and the plan uses
-- the index. The exception is hnsw under inner product on these vectors of very different
-- lengths, where its graph search (ORDER BY as much as range) finds only part of the nearest
-- rows: never a row outside the ball ("subset"); on unit-length vectors it finds them all.
CREATE FUNCTION same_rows(spec text, op text, ball text, q text, qtype text DEFAULT 'vector') RETURNS text
LANGUAGE plpgsql AS $$
DECLARE r float8; radii float8[]; by_index int[]; exact int[]; plan text; result text := '';
BEGIN
  EXECUTE format('CREATE INDEX range_idx ON items USING %s', spec);
  EXECUTE format('SELECT array_agg(d ORDER BY p) FROM (SELECT p, percentile_disc(p) WITHIN GROUP (ORDER BY v %s %L::%s) d
                  FROM items, unnest(ARRAY[0.01, 0.05, 0.25]) p GROUP BY p) s', op, q, qtype) INTO radii;
  FOREACH r IN ARRAY radii LOOP
    SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;
    EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v <@ %s(%L, %s)', ball, q, r) INTO plan;
    EXECUTE format('SELECT array_agg(id ORDER BY id) FROM items WHERE v <@ %s(%L, %s)', ball, q, r) INTO by_index;
    SET LOCAL enable_seqscan = on; SET LOCAL enable_indexscan = off;
    EXECUTE format('SELECT array_agg(id ORDER BY id) FROM items WHERE v <@ %s(%L, %s)', ball, q, r) INTO exact;
    SET LOCAL enable_indexscan = on;
    result := result || CASE WHEN plan NOT LIKE 'Index Scan%' THEN 'NO INDEX '
                              WHEN by_index IS NOT DISTINCT FROM exact THEN 'same '
                              WHEN by_index <@ exact THEN 'subset '
                              ELSE format('WRONG(%s vs %s) ', cardinality(by_index), cardinality(exact)) END;
  END LOOP;
  DROP INDEX range_idx;
  RETURN result;
END $$;
SELECT am, ball, same_rows(format('%s (v %s)', am, opclass) || CASE am WHEN 'hnsw' THEN '' ELSE ' WITH (lists = 20)' END,
                           op, ball, '[1,0,-1,2,0,1,-2,0]')
FROM (VALUES ('vector_l2_ops', '<->', 'l2_ball'), ('vector_ip_ops', '<#>', 'ip_ball'),
             ('vector_cosine_ops', '<=>', 'cosine_ball'), ('vector_l1_ops', '<+>', 'l1_ball')) d(opclass, op, ball),
     (VALUES ('hnsw'), ('ivfflat'), ('ivfpq')) a(am)
WHERE am = 'hnsw' OR ball <> 'l1_ball'
ORDER BY am, ball;

-- halfvec columns: the ball's center is rounded to halfvec, as the cast does.
CREATE TABLE half_items AS SELECT id, v::halfvec(8) AS v FROM items;
ALTER TABLE items RENAME TO all_items;
ALTER TABLE half_items RENAME TO items;
SELECT am, ball, same_rows(format('%s (v %s)', am, opclass) || CASE am WHEN 'hnsw' THEN '' ELSE ' WITH (lists = 20)' END,
                           op, ball, '[1,0,-1,2,0,1,-2,0]') AS halfvec
FROM (VALUES ('halfvec_l2_ops', '<->', 'l2_ball'), ('halfvec_ip_ops', '<#>', 'ip_ball'),
             ('halfvec_cosine_ops', '<=>', 'cosine_ball'), ('halfvec_l1_ops', '<+>', 'l1_ball')) d(opclass, op, ball),
     (VALUES ('hnsw'), ('ivfflat'), ('ivfpq')) a(am)
WHERE (am = 'hnsw' OR ball <> 'l1_ball') AND (am <> 'hnsw' OR ball <> 'ip_ball')
ORDER BY am, ball;
DROP TABLE items;
ALTER TABLE all_items RENAME TO items;

-- sparsevec columns (hnsw): the center is cast to sparsevec.
CREATE TABLE sparse_items AS SELECT id, v::sparsevec(8) AS v FROM items;
ALTER TABLE items RENAME TO all_items;
ALTER TABLE sparse_items RENAME TO items;
SELECT ball, same_rows(format('hnsw (v %s)', opclass), op, ball, '[1,0,-1,2,0,1,-2,0]') AS sparsevec
FROM (VALUES ('sparsevec_l2_ops', '<->', 'l2_ball'), ('sparsevec_cosine_ops', '<=>', 'cosine_ball'),
             ('sparsevec_l1_ops', '<+>', 'l1_ball')) d(opclass, op, ball)
ORDER BY ball;
DROP TABLE items;
ALTER TABLE all_items RENAME TO items;

CREATE TABLE unit_items AS SELECT id, l2_normalize(v) AS v FROM items WHERE v IS NOT NULL;
ALTER TABLE unit_items ALTER COLUMN v TYPE vector(8);
ALTER TABLE items RENAME TO all_items;
ALTER TABLE unit_items RENAME TO items;
SELECT 'hnsw' AS am, 'ip_ball' AS ball, same_rows('hnsw (v vector_ip_ops)', '<#>', 'ip_ball', '[1,0,-1,2,0,1,-2,0]') AS unit_length;
DROP TABLE items;
ALTER TABLE all_items RENAME TO items;

-- bit columns: hamming_ball and jaccard_ball, through hnsw and (Hamming) ivfflat.
CREATE TABLE bit_items (id int, v bit(64));
INSERT INTO bit_items SELECT i, (((i::int8 * 2654435761) % 2147483648) * 4294967296 + (i::int8 * 40503) % 4294967296)::bit(64)
FROM generate_series(1, 3000) i;
ALTER TABLE items RENAME TO all_items;
ALTER TABLE bit_items RENAME TO items;
-- Bit distances take few values, so many rows tie at the radius: hnsw searches a little
-- further past the ball with a larger ef_search (at 40 it missed 1 of 151 Jaccard rows).
SET hnsw.ef_search = 100;
SELECT v::text AS bit_query FROM items WHERE id = 7 \gset
SELECT spec, same_rows(spec, op, ball, :'bit_query', 'bit(64)') AS bit
FROM (VALUES ('hnsw (v bit_hamming_ops)', '<~>', 'hamming_ball'), ('hnsw (v bit_jaccard_ops)', '<%>', 'jaccard_ball'),
             ('ivfflat (v bit_hamming_ops) WITH (lists = 20)', '<~>', 'hamming_ball')) t(spec, op, ball);
RESET hnsw.ef_search;
DROP TABLE items;
ALTER TABLE all_items RENAME TO items;

-- With ORDER BY from the ball's center, LIMIT and another filter, through each index.
CREATE INDEX items_flat ON items USING ivfflat (v) WITH (lists = 20);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 3) AND id % 2 = 0
  ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;
SELECT id, round((v <-> '[1,1,1,1,1,1,1,1]')::numeric, 4) AS distance FROM items
WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 3) AND id % 2 = 0 ORDER BY v <-> '[1,1,1,1,1,1,1,1]' LIMIT 5;
SELECT count(*) AS rows_within, max(v <-> '[1,1,1,1,1,1,1,1]') <= 3 AS all_within FROM
  (SELECT v FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 3) ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s;
RESET enable_seqscan;
SELECT count(*) AS exact_rows_within FROM items WHERE v <-> '[1,1,1,1,1,1,1,1]' <= 3;
SET enable_seqscan = off;
-- ORDER BY from another point: the scan is an ordinary ordered scan (probes lists) whose rows
-- are rechecked against the ball; with every list probed all rows within the ball come back.
SET ivfflat.probes = 20;
SELECT count(*) AS other_center FROM (SELECT id FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 3)
  ORDER BY v <-> '[0,0,0,0,0,0,0,0]' LIMIT 1000) s;
RESET ivfflat.probes;
-- Nothing matches a NULL, negative or NaN radius, or a NULL center.
SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', NULL);
SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', -1);
SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 'NaN');
SELECT count(*) FROM items WHERE v <@ ROW(NULL, 1)::l2_ball;
SELECT count(*) FROM items WHERE v <@ l2_ball('[1,1,1]', 3);
-- A prepared statement with parameters uses the index too.
PREPARE within(vector, float8) AS SELECT count(*) FROM items WHERE v <@ l2_ball($1, $2);
EXPLAIN (COSTS OFF) EXECUTE within('[1,1,1,1,1,1,1,1]', 3);
EXECUTE within('[1,1,1,1,1,1,1,1]', 3);
-- An infinite radius holds every row, through every list.
SELECT count(*) AS infinite_radius FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 'Infinity');
DROP INDEX items_flat;
CREATE INDEX items_pq ON items USING ivfpq (v) WITH (lists = 20, m = 4);
SELECT count(*) AS infinite_radius_ivfpq FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 'Infinity');
DROP INDEX items_pq;
-- hnsw: ORDER BY from the ball's center returns the whole ball in order, even when the ball
-- holds more rows than ef_search and iterative scans are off.
CREATE INDEX items_graph ON items USING hnsw (v vector_l2_ops);
SET hnsw.ef_search = 10;
SET hnsw.iterative_scan = off;
SELECT count(*) AS hnsw_rows_within, bool_and(ordered) AS in_order FROM
  (SELECT d >= lag(d, 1, 0::float8) OVER () AS ordered FROM
    (SELECT v <-> '[1,1,1,1,1,1,1,1]' AS d FROM items WHERE v <@ l2_ball('[1,1,1,1,1,1,1,1]', 3)
     ORDER BY v <-> '[1,1,1,1,1,1,1,1]') s) t;
RESET hnsw.ef_search;
RESET hnsw.iterative_scan;
DROP INDEX items_graph;
RESET enable_seqscan;
DROP TABLE items;
DROP FUNCTION same_rows;
