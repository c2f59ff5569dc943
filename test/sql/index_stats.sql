-- vectorx_index_stats: common columns and per-type shape for hnsw, ivfflat and ivfpq; the
-- figures follow inserts, deletes and VACUUM; errors for other relations and for callers
-- without SELECT on the table.
SET client_min_messages = warning;
CREATE TABLE st (id int, v vector(4), h halfvec(4));
INSERT INTO st SELECT i, ARRAY[i % 13, i % 7, i % 5, (i * 7) % 11]::vector, ARRAY[i % 3, i % 5, 1, 0]::halfvec
FROM generate_series(1, 600) i;
CREATE INDEX st_hnsw ON st USING hnsw (v vector_cosine_ops) WITH (m = 8);
CREATE INDEX st_flat ON st USING ivfflat (v) WITH (lists = 6);
CREATE INDEX st_pq ON st USING ivfpq (h halfvec_ip_ops) WITH (lists = 5, m = 2, nbits = 8);

SELECT i, s.index_type, s.element_type, s.dimensions, s.metric, s.live_entries, s.dead_entries,
       s.pages = pg_relation_size(i) / 8192 AS pages_match, s.bytes = pg_relation_size(i) AS bytes_match
FROM unnest(ARRAY['st_hnsw', 'st_flat', 'st_pq']::regclass[]) i, vectorx_index_stats(i) s;

-- hnsw: every element reachable, level-0 degrees within 1..2m, levels add up to the rows.
SELECT shape->>'m' AS m, (shape->>'levels')::int >= 1 AS has_levels, shape->>'unreachable' AS unreachable,
       (shape->>'min_out_degree')::int BETWEEN 1 AND 16 AS min_degree_ok,
       (shape->>'mean_out_degree')::float BETWEEN 1 AND 16 AS mean_degree_ok,
       (SELECT sum(x::int) FROM jsonb_array_elements_text(shape->'live_per_level') x) AS per_level_sum,
       shape->>'entry_point' IS NOT NULL AS has_entry
FROM vectorx_index_stats('st_hnsw');

-- ivf: list lengths bounded by min/median/max and adding up (ivfpq also shows its codebooks).
SELECT shape->>'lists' AS lists, (shape->>'min_list')::int <= (shape->>'median_list')::int
         AND (shape->>'median_list')::int <= (shape->>'max_list')::int AS ordered,
       shape ? 'pq_m' AS has_codebooks
FROM vectorx_index_stats('st_flat');
SELECT shape->>'lists' AS lists, shape->>'pq_m' AS pq_m, shape->>'nbits' AS nbits, shape->>'residual' AS residual,
       shape->>'codebook_bytes' AS codebook_bytes
FROM vectorx_index_stats('st_pq');

-- Deleting rows: entries stay until VACUUM, then the live counts drop to the rows left;
-- hnsw's removed elements become free items.
DELETE FROM st WHERE id % 3 = 0;
SELECT index_type, live_entries FROM vectorx_index_stats('st_hnsw') UNION ALL
SELECT index_type, live_entries FROM vectorx_index_stats('st_flat');
VACUUM st;
SELECT i, s.live_entries, s.dead_entries FROM unnest(ARRAY['st_hnsw', 'st_flat', 'st_pq']::regclass[]) i,
  vectorx_index_stats(i) s;
SELECT shape->>'free_items' AS free_items, shape->>'unreachable' AS unreachable FROM vectorx_index_stats('st_hnsw');
-- What vector quotas count: entries held, dead or alive, until VACUUM reclaims them.
SELECT i, s.shape->>'quota_vectors' AS quota_vectors FROM unnest(ARRAY['st_hnsw', 'st_flat', 'st_pq']::regclass[]) i,
  vectorx_index_stats(i) s;
INSERT INTO st SELECT i, ARRAY[i, 1, 2, 3]::vector, NULL FROM generate_series(1, 50) i;
-- Most inserts reuse a freed item; one whose level is higher than every free item's, or that
-- meets fresh room first, takes fresh space (levels are random, so not an exact count).
SELECT live_entries, (shape->>'free_items')::int BETWEEN 150 AND 155 AS freed_items_reused FROM vectorx_index_stats('st_hnsw');

-- An insert whose back-links were all pruned is linked from a candidate with room, so 3,000
-- distinct near-duplicates leave no element unreachable at ef_construction 32.
CREATE TABLE dup (id int, v vector(8));
CREATE INDEX dup_hnsw ON dup USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 32);
INSERT INTO dup SELECT i, ARRAY(SELECT (i / 3) % 50 + 1e-4 * (i % 7) + 1e-5 * (i / 150) + d * 0.01 FROM generate_series(1, 8) d)::vector
FROM generate_series(1, 3000) i;
SELECT shape->>'unreachable' AS unreachable FROM vectorx_index_stats('dup_hnsw');
-- At ef_construction 8 many are (later inserts' pruning evicts elements' last in-links: 541 to
-- 2,340 measured, as levels are drawn at random), and VACUUM links those back in, whether it
-- removes rows (bulk delete) or not (cleanup only).
DROP INDEX dup_hnsw;
TRUNCATE dup;
CREATE INDEX dup_hnsw ON dup USING hnsw (v vector_l2_ops) WITH (m = 4, ef_construction = 8);
INSERT INTO dup SELECT i, ARRAY(SELECT (i / 3) % 50 + 1e-4 * (i % 7) + 1e-5 * (i / 150) + d * 0.01 FROM generate_series(1, 8) d)::vector
FROM generate_series(1, 3000) i;
VACUUM dup;
SELECT shape->>'unreachable' AS unreachable, live_entries FROM vectorx_index_stats('dup_hnsw');
INSERT INTO dup SELECT i, ARRAY(SELECT (i / 3) % 50 + 2e-4 * (i % 7) + 1e-5 * (i / 150) + d * 0.01 FROM generate_series(1, 8) d)::vector
FROM generate_series(3001, 6000) i;
DELETE FROM dup WHERE id % 5 = 0;
VACUUM dup;
SELECT shape->>'unreachable' AS unreachable, live_entries FROM vectorx_index_stats('dup_hnsw');
-- When every element's lists need more than the vacuum's memory, it says it did not look.
CREATE TABLE many (id int, v vector(8));
INSERT INTO many SELECT i, ARRAY(SELECT hashint4(i * 8 + d) % 1000 FROM generate_series(1, 8) d)::vector FROM generate_series(1, 20000) i;
CREATE INDEX many_hnsw ON many USING hnsw (v vector_l2_ops);
DELETE FROM many WHERE id % 10 = 0;
SET maintenance_work_mem = '1MB';
SET client_min_messages = notice;
VACUUM many;
SET client_min_messages = warning;
RESET maintenance_work_mem;
DROP TABLE dup, many;

-- An empty index.
CREATE TABLE empty (v vector(3));
CREATE INDEX empty_hnsw ON empty USING hnsw (v vector_l2_ops);
CREATE INDEX empty_pq ON empty USING ivfpq (v) WITH (lists = 2, m = 1);
SELECT live_entries, shape->>'levels' AS levels, shape->>'entry_point' AS entry FROM vectorx_index_stats('empty_hnsw');
SELECT live_entries, shape->>'lists' AS lists, shape->>'max_list' AS max_list FROM vectorx_index_stats('empty_pq');

-- Errors: not a vectorx index, not an index, no SELECT on the table.
CREATE INDEX st_btree ON st (id);
SELECT * FROM vectorx_index_stats('st_btree');
SELECT * FROM vectorx_index_stats('st');
CREATE ROLE stats_reader;
SET ROLE stats_reader;
SELECT * FROM vectorx_index_stats('st_flat');
RESET ROLE;
GRANT SELECT ON st TO stats_reader;
SET ROLE stats_reader;
SELECT live_entries > 0 AS readable FROM vectorx_index_stats('st_flat');
RESET ROLE;
REVOKE SELECT ON st FROM stats_reader;
DROP ROLE stats_reader;
-- unreachable counts what a search can never return (level-0 links only lead there), never
-- fewer; VACUUM links those elements back, after which a search for each row's own vector finds it.
CREATE TABLE sparse_graph (id serial, v vector(3));
CREATE INDEX sparse_graph_v ON sparse_graph USING hnsw (v vector_l2_ops) WITH (m = 2, ef_construction = 4);
SELECT setseed(0.3);
INSERT INTO sparse_graph (v) SELECT ARRAY[random(), random(), random()] FROM generate_series(1, 300);
DELETE FROM sparse_graph WHERE id % 3 = 0;
VACUUM sparse_graph;
INSERT INTO sparse_graph (v) SELECT ARRAY[random(), random(), random()] FROM generate_series(1, 100);
DELETE FROM sparse_graph WHERE id % 5 = 0;
CREATE FUNCTION pg_temp.not_found() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE result bigint;
BEGIN
  SET LOCAL enable_seqscan = off;
  SET LOCAL hnsw.ef_search = 1000;
  SELECT count(*) INTO result FROM sparse_graph g WHERE NOT EXISTS
    (SELECT 1 FROM (SELECT h.id FROM sparse_graph h ORDER BY h.v <-> g.v LIMIT 1000) s WHERE s.id = g.id);
  RETURN result;
END $$;
SELECT (shape->>'unreachable')::int >= pg_temp.not_found() AS counts_every_unfindable_row
FROM vectorx_index_stats('sparse_graph_v');
VACUUM sparse_graph;
SELECT shape->>'unreachable' AS unreachable_after_vacuum, pg_temp.not_found() AS not_found_after_vacuum
FROM vectorx_index_stats('sparse_graph_v');
DROP TABLE sparse_graph;
-- A partitioned index has no pages: both functions say so; its partitions' indexes answer.
CREATE TABLE parted (id int, v vector(3)) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
INSERT INTO parted SELECT i, ARRAY[i, 1, 2] FROM generate_series(1, 20) i;
CREATE INDEX parted_v ON parted USING hnsw (v vector_l2_ops);
SELECT * FROM vectorx_index_stats('parted_v');
SELECT * FROM vectorx_validate_index('parted_v');
SELECT s.live_entries FROM pg_partition_tree('parted_v') p, vectorx_index_stats(p.relid) s WHERE p.isleaf;
DROP TABLE parted;
DROP TABLE st, empty;
-- Every vectorx index scan counts in pg_stat_user_indexes.idx_scan, as Postgres' own indexes do.
CREATE TABLE scanned_graph (id int, v vector(2));
CREATE TABLE scanned_lists (id int, v vector(2));
INSERT INTO scanned_graph SELECT i, ARRAY[i, i % 7] FROM generate_series(1, 100) i;
INSERT INTO scanned_lists SELECT * FROM scanned_graph;
CREATE INDEX scanned_graph_v ON scanned_graph USING hnsw (v vector_l2_ops);
CREATE INDEX scanned_lists_v ON scanned_lists USING ivfpq (v vector_l2_ops) WITH (lists = 2, m = 1);
SET enable_seqscan = off;
SELECT id FROM scanned_graph ORDER BY v <-> '[3,3]' LIMIT 1;
SELECT id FROM scanned_graph ORDER BY v <-> '[50,3]' LIMIT 1;
SELECT count(*) FROM scanned_lists WHERE v <@ l2_ball('[3,3]', 2);
RESET enable_seqscan;
SELECT pg_stat_force_next_flush();
SELECT relname, idx_scan FROM pg_stat_user_indexes WHERE relname LIKE 'scanned%' ORDER BY relname;
DROP TABLE scanned_graph, scanned_lists;
