-- The planner keeps the index for ORDER BY distance LIMIT k at every search setting a user can
-- choose, on values stored inline and out of line (TOAST): a sequential scan computes every
-- row's distance, and over wide or TOASTed vectors each one costs far more than the 25
-- operators a distance function declares (the support function vectorx_distance_cost says
-- how much). Before it, 2,000 rows of vector(1536) ran as a sequential scan.
SET client_min_messages = warning;
CREATE FUNCTION pg_temp.plan_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    IF line ~ 'Scan' THEN RETURN regexp_replace(trim(line), '^->\s*', ''); END IF;
  END LOOP;
  RETURN NULL;
END $$;
SELECT setseed(0.5);
CREATE TABLE wide (id int, v vector(1536));       -- 6 kB values: stored out of line
INSERT INTO wide SELECT i, ARRAY(SELECT random() + 0 * i FROM generate_series(1, 1536))::vector FROM generate_series(1, 2000) i;
CREATE TABLE narrow (id int, v vector(384));      -- 1.5 kB values: inline
INSERT INTO narrow SELECT i, ARRAY(SELECT random() + 0 * i FROM generate_series(1, 384))::vector FROM generate_series(1, 2000) i;
ANALYZE wide, narrow;
CREATE FUNCTION pg_temp.plans(tbl text, am text, setting text, settings int[]) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE s int; q text;
BEGIN
  EXECUTE format('SELECT v::text FROM %I WHERE id = 7', tbl) INTO q;
  FOREACH s IN ARRAY settings LOOP
    PERFORM set_config(setting, s::text, true);
    RETURN NEXT format('%s %s %s = %s: %s', tbl, am, setting, s,
      pg_temp.plan_of(format('SELECT id FROM %I ORDER BY v <-> %L LIMIT 10', tbl, q)));
  END LOOP;
END $$;
BEGIN;
CREATE INDEX ON wide USING hnsw (v vector_l2_ops);
CREATE INDEX ON narrow USING hnsw (v vector_l2_ops);
SELECT pg_temp.plans(tbl, 'hnsw', 'hnsw.ef_search', '{10,40,160,1000}') FROM (VALUES ('wide'), ('narrow')) t(tbl);
ROLLBACK;
BEGIN;
CREATE INDEX ON wide USING ivfflat (v vector_l2_ops) WITH (lists = 20);
CREATE INDEX ON narrow USING ivfflat (v vector_l2_ops) WITH (lists = 20);
SELECT pg_temp.plans(tbl, 'ivfflat', 'ivfflat.probes', '{1,5,20}') FROM (VALUES ('wide'), ('narrow')) t(tbl);
ROLLBACK;
BEGIN;
CREATE INDEX ON wide USING ivfpq (v vector_l2_ops) WITH (lists = 20, m = 96);
CREATE INDEX ON narrow USING ivfpq (v vector_l2_ops) WITH (lists = 20, m = 48);
SELECT pg_temp.plans(tbl, 'ivfpq', 'ivfpq.probes', '{1,5,20}') FROM (VALUES ('wide'), ('narrow')) t(tbl);
ROLLBACK;
-- The range form too: WHERE v <-> q < r ORDER BY v <-> q LIMIT 10 (6,000 rows).
INSERT INTO wide SELECT i, ARRAY(SELECT random() + 0 * i FROM generate_series(1, 1536))::vector FROM generate_series(2001, 6000) i;
ANALYZE wide;
CREATE INDEX ON wide USING hnsw (v vector_l2_ops);
SELECT pg_temp.plan_of(format('SELECT id FROM wide WHERE v <-> %L < 1 ORDER BY v <-> %L LIMIT 10', q, q))
FROM (SELECT v::text q FROM wide WHERE id = 7) s;
DROP TABLE wide, narrow;
