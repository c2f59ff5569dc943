-- hnsw's code cache (vectorx.hnsw_code_cache): scans rank the elements they meet by compact
-- codes kept in the session, then return the operator's exact distances in its order.
\i test/regress_helpers.sql
SET client_min_messages = warning;

SELECT '[1]'::vector;  -- loads vectorx, which defines its settings
SHOW vectorx.hnsw_code_cache;
SET vectorx.hnsw_code_cache = -1;
SET vectorx.hnsw_code_cache = '2MB';
RESET vectorx.hnsw_code_cache;

-- 3,000 rows of 24 dims: ef_search 10 then covers a small part of the table.
CREATE TABLE cc (id int PRIMARY KEY, v vector(24));
INSERT INTO cc SELECT i, (SELECT array_agg(sin(i * 0.61 + d * 1.7) * 3 + cos(i * d * 0.013)) FROM generate_series(1, 24) d)::vector
FROM generate_series(1, 3000) i;
CREATE INDEX cc_v ON cc USING hnsw (v vector_l2_ops);
SET enable_seqscan = off;
SET hnsw.ef_search = 10;

-- The first scan of the session goes without codes and the second makes the cache (cold);
-- later ones find its codes (warm): the search takes the same path either way. Each row
-- comes with the operator's distance, in order.
CREATE FUNCTION pg_temp.top(q int) RETURNS int[] LANGUAGE sql AS $$
  SELECT array_agg(id) FROM (SELECT id FROM cc ORDER BY v <-> (SELECT v FROM cc WHERE id = q) LIMIT 10) s $$;
CREATE TEMP TABLE cold AS SELECT q, pg_temp.top(q) AS ids FROM generate_series(1, 3000, 97) q;
SELECT count(*) AS queries, bool_and(pg_temp.top(q) = ids) AS warm_same_as_cold FROM cold;
SELECT bool_and(ordered) AS in_order FROM (
  SELECT d >= lag(d, 1, 0::float8) OVER (PARTITION BY q ORDER BY n) AS ordered FROM (
    SELECT q, n, v <-> (SELECT v FROM cc WHERE id = q) AS d FROM cold, unnest(ids) WITH ORDINALITY u(id, n) JOIN cc USING (id)) a) b;
-- At ef_search 40 the index finds the exact top 10, codes or not.
SET hnsw.ef_search = 40;
CREATE TEMP TABLE coded AS SELECT q, pg_temp.top(q) AS ids FROM generate_series(1, 3000, 97) q;
SET vectorx.hnsw_code_cache = 0;
SELECT bool_and(pg_temp.top(q) = ids) AS same_without_codes FROM coded;
RESET vectorx.hnsw_code_cache;
RESET enable_seqscan;
SELECT count(*) FILTER (WHERE ids = (SELECT array_agg(id) FROM (SELECT id FROM cc ORDER BY v <-> (SELECT v FROM cc WHERE id = q), id LIMIT 10) s))
  AS exact_top_10 FROM coded;

-- VACUUM frees elements, and inserts reuse their items for other values: this session's
-- codes of the old values are dropped, and the new rows are found with their own distances.
SET enable_seqscan = off;
SELECT pg_temp.top(1500) IS NOT NULL AS cached;
DELETE FROM cc WHERE id % 3 = 0;
VACUUM cc;
INSERT INTO cc SELECT 5000 + i, (SELECT array_agg(10 + sin(i * 0.3 + d)) FROM generate_series(1, 24) d)::vector
FROM generate_series(1, 1000) i;
SELECT count(*) AS rows, count(*) FILTER (WHERE id > 5000) AS new_rows, bool_and(ordered) AS in_order FROM (
  SELECT id, d >= lag(d, 1, 0::float8) OVER (ORDER BY n) AS ordered FROM (
    SELECT id, v <-> array_fill(10, ARRAY[24])::vector AS d, row_number() OVER () AS n
    FROM (SELECT id, v FROM cc ORDER BY v <-> array_fill(10, ARRAY[24])::vector LIMIT 10) s) a) b;
RESET enable_seqscan;
SELECT * FROM vectorx_validate_index('cc_v');
DROP TABLE cc;
