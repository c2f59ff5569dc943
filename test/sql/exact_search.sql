-- Exact nearest-neighbour search: every function (but the index AM handler) is immutable and parallel safe and distances
-- carry a realistic cost, so a top-k over a large table runs as a parallel sequential scan with
-- the default planner settings.
SELECT p.proname, p.provolatile, p.proparallel
FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'vectorx'
WHERE p.provolatile <> 'i' OR p.proparallel <> 's' ORDER BY 1;
CREATE TABLE items (id int, embedding vector(32));
INSERT INTO items SELECT i, (SELECT array_agg((i * j) % 101) FROM generate_series(1, 32) j) FROM generate_series(1, 60000) i;
ANALYZE items;
SELECT pg_relation_size('items') > pg_size_bytes(current_setting('min_parallel_table_scan_size')) AS large_enough;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> (SELECT embedding FROM items WHERE id = 7) LIMIT 5;
-- the same rows as a serial scan
SELECT array_agg(id ORDER BY d, id) AS parallel_top5 FROM (
  SELECT id, embedding <-> (SELECT embedding FROM items WHERE id = 7) AS d FROM items ORDER BY d, id LIMIT 5) t;
SET max_parallel_workers_per_gather = 0;
SELECT array_agg(id ORDER BY d, id) AS serial_top5 FROM (
  SELECT id, embedding <-> (SELECT embedding FROM items WHERE id = 7) AS d FROM items ORDER BY d, id LIMIT 5) t;
RESET max_parallel_workers_per_gather;
-- tiny tables stay serial
CREATE TABLE few (id int, embedding vector(3));
INSERT INTO few SELECT i, ARRAY[i, i, i] FROM generate_series(1, 100) i;
ANALYZE few;
EXPLAIN (COSTS OFF) SELECT id FROM few ORDER BY embedding <=> '[1,2,3]' LIMIT 3;
DROP TABLE items, few;
-- A TOASTed query vector (here from a subquery over a table with default EXTERNAL storage) is
-- fetched once per query, not once per row: the scan touches the heap pages plus a few for
-- one TOAST fetch (per-row detoasting would add ~3 buffers per row, ~6000 here).
CREATE TABLE queries (id int PRIMARY KEY, embedding vector(1000));
INSERT INTO queries SELECT i, array_fill(i, ARRAY[1000]) FROM generate_series(1, 3) i;
CREATE TABLE docs (id int, embedding vector(1000));
ALTER TABLE docs ALTER COLUMN embedding SET STORAGE PLAIN;
INSERT INTO docs SELECT i, array_fill(i % 17, ARRAY[1000]) FROM generate_series(1, 2000) i;
VACUUM ANALYZE queries, docs;
SELECT pg_relation_size(reltoastrelid) > 0 AS query_vectors_are_toasted FROM pg_class WHERE relname = 'queries';
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.scan_buffers(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || query INTO plan;
  RETURN (plan->0->'Plan'->>'Shared Hit Blocks')::bigint + (plan->0->'Plan'->>'Shared Read Blocks')::bigint;
END $$;
SELECT pg_temp.scan_buffers($$SELECT id FROM docs ORDER BY embedding <-> (SELECT embedding FROM queries WHERE id = 2) LIMIT 5$$)
       <= pg_relation_size('docs') / 8192 + 50 AS one_fetch_per_query;
SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM docs ORDER BY embedding <-> (SELECT embedding FROM queries WHERE id = 2), id LIMIT 5) t;
RESET max_parallel_workers_per_gather;
DROP TABLE queries, docs;
