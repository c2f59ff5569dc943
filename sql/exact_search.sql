-- Exact nearest-neighbour search: every function is immutable and parallel safe and distances
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
