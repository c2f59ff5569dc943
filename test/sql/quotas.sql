-- Quotas and build settings: defaults, bounds and who may set them; vector and size quotas
-- on builds and inserts of every access method (ERROR with the limit and the figure, nothing
-- written, the index still valid, room again after VACUUM); the build memory setting.
SET client_min_messages = notice;
SELECT vectorx_simd_level() IS NOT NULL AS library_loaded;
SHOW vectorx.max_index_vectors;
SHOW vectorx.max_index_size;
SHOW vectorx.build_memory;
SHOW vectorx.build_sample_rows;
SHOW vectorx.build_batch_rows;
SET vectorx.max_index_vectors = -1;
SET vectorx.max_index_size = -1;
SET vectorx.build_memory = '512kB';
SET vectorx.build_memory = -2;
SET vectorx.build_batch_rows = 0;
SET vectorx.build_batch_rows = 1000001;
SET vectorx.build_sample_rows = -1;
SET vectorx.max_index_size = '1GB';
SHOW vectorx.max_index_size;
RESET vectorx.max_index_size;

-- An ordinary user can neither set nor lift a quota; an administrator sets one per role or
-- database (applied when the role connects).
CREATE ROLE quota_user;
SET ROLE quota_user;
SET vectorx.max_index_vectors = 0;
SET vectorx.build_memory = '64MB';
RESET vectorx.build_memory;
RESET ROLE;
ALTER ROLE quota_user SET vectorx.max_index_vectors = 1000;
SELECT setconfig FROM pg_db_role_setting WHERE setrole = 'quota_user'::regrole;
DROP ROLE quota_user;

-- Vector quota on builds: the index is not created; at the limit it is.
CREATE TABLE q (id int, v vector(3));
INSERT INTO q SELECT i, ARRAY[i % 10, i % 7, i % 3]::vector FROM generate_series(1, 120) i;
SET vectorx.max_index_vectors = 100;
CREATE INDEX q_hnsw ON q USING hnsw (v vector_l2_ops);
CREATE INDEX q_flat ON q USING ivfflat (v) WITH (lists = 4);
CREATE INDEX q_pq ON q USING ivfpq (v) WITH (lists = 4, m = 1);
SELECT count(*) AS vectorx_indexes FROM pg_indexes WHERE tablename = 'q';
DELETE FROM q WHERE id > 100;
VACUUM q;
CREATE INDEX q_hnsw ON q USING hnsw (v vector_l2_ops);
CREATE INDEX q_flat ON q USING ivfflat (v) WITH (lists = 4);
CREATE INDEX q_pq ON q USING ivfpq (v) WITH (lists = 4, m = 1);

-- Vector quota on inserts: the row is refused for each index, nothing is written, and every
-- index still answers; after DELETE and VACUUM there is room again.
INSERT INTO q VALUES (101, '[1,2,3]');
SELECT count(*) FROM q;
SET enable_seqscan = off;
SELECT id FROM q ORDER BY v <-> '[1,1,1]', id LIMIT 3;
RESET enable_seqscan;
SELECT i, (vectorx_index_stats(i)).live_entries FROM unnest(ARRAY['q_hnsw', 'q_flat', 'q_pq']::regclass[]) i;
DROP INDEX q_hnsw, q_flat;
INSERT INTO q VALUES (101, '[1,2,3]');
DELETE FROM q WHERE id <= 10;
VACUUM q;
INSERT INTO q SELECT i, '[1,2,3]' FROM generate_series(102, 111) i;
INSERT INTO q VALUES (112, '[1,2,3]');
SELECT count(*), (SELECT live_entries FROM vectorx_index_stats('q_pq')) AS indexed FROM q;
DROP INDEX q_pq;
RESET vectorx.max_index_vectors;

-- Size quota: a build that would outgrow it fails; inserts stop at it, and the index answers.
INSERT INTO q SELECT i, ARRAY[i % 10, i % 7, i]::vector FROM generate_series(200, 2200) i;
SET vectorx.max_index_size = '64kB';
CREATE INDEX q_hnsw ON q USING hnsw (v vector_l2_ops);
CREATE INDEX q_flat ON q USING ivfflat (v) WITH (lists = 1);
SELECT pg_relation_size('q_flat') AS bytes_after_build;
DO $$ DECLARE n int := 0; BEGIN
  LOOP
    BEGIN
      INSERT INTO q VALUES (10000 + n, ARRAY[n, 1, 1]);
      n := n + 1;
    EXCEPTION WHEN program_limit_exceeded THEN
      RAISE NOTICE 'stopped after % rows: %', n, SQLERRM;
      EXIT;
    END;
  END LOOP;
END $$;
SELECT pg_relation_size('q_flat') AS bytes_at_quota, count(*) AS rows FROM q;
SET enable_seqscan = off;
SELECT count(*) AS found FROM (SELECT id FROM q ORDER BY v <-> '[5,5,5]') s;
RESET enable_seqscan;
RESET vectorx.max_index_size;
DROP TABLE q;

-- Build memory: an hnsw build within vectorx.build_memory instead of maintenance_work_mem.
CREATE TABLE m (v vector(8));
INSERT INTO m SELECT ARRAY[i % 11, i % 13, i % 17, i % 19, i % 23, i % 29, i % 31, i % 37]::vector FROM generate_series(1, 8000) i;
SET maintenance_work_mem = '1GB';
SET vectorx.build_memory = '1MB';
CREATE INDEX ON m USING hnsw (v vector_l2_ops);
RESET vectorx.build_memory;
RESET maintenance_work_mem;
DROP TABLE m;
