-- An infinite distance is a distance: rows whose distance to the query overflows to ±Infinity
-- come back from every index, in the sequential scan's order (NaN distances order last).
\i test/regress_helpers.sql
CREATE TABLE huge (id int, v vector(2));
INSERT INTO huge VALUES (1, '[3e38,3e38]'), (2, '[1,1]'), (3, '[2,2]'), (4, '[-1,-1]'),
  (5, '[-3e38,-3e38]'), (6, '[3e38,-3e38]');
-- The distances an ORDER BY returns in order, and its rows as a sorted list.
CREATE FUNCTION pg_temp.ordered(op text, OUT distances text, OUT ids text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT string_agg(d::text, %L ORDER BY n), string_agg(id::text, %L ORDER BY id) FROM
    (SELECT id, v %s %L AS d, row_number() OVER () AS n FROM (SELECT * FROM huge ORDER BY v %s %L LIMIT 6) s) t',
    ',', ',', op, '[2,2]', op, '[2,2]') INTO distances, ids;
END $$;
CREATE FUNCTION pg_temp.compare(op text) RETURNS TABLE (by_index text, same_as_seqscan bool) LANGUAGE plpgsql AS $$
DECLARE
  i record;
  s record;
BEGIN
  SET LOCAL enable_seqscan = off;
  i := pg_temp.ordered(op);
  SET LOCAL enable_seqscan = on;
  SET LOCAL enable_indexscan = off;
  s := pg_temp.ordered(op);
  by_index := i.distances;
  same_as_seqscan := i.distances = s.distances AND i.ids = s.ids;
  RETURN NEXT;
END $$;
-- Builds the index, compares its ORDER BY with a sequential scan, drops it.
CREATE FUNCTION pg_temp.compare_through(am text, opclass text, op text, options text DEFAULT '')
RETURNS TABLE (index text, by_index text, same_as_seqscan bool) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE INDEX huge_v ON huge USING %s (v %s) %s', am, opclass, options);
  index := am || ' ' || opclass;
  SELECT c.by_index, c.same_as_seqscan INTO by_index, same_as_seqscan FROM pg_temp.compare(op) c;
  DROP INDEX huge_v;
  RETURN NEXT;
END $$;
-- hnsw: every operator class of vector; IVF: every row of the probed lists, infinite or not
SET ivfflat.probes = 2;
SET ivfpq.probes = 2;
SELECT r.* FROM (VALUES ('hnsw', 'vector_ip_ops', '<#>', ''), ('hnsw', 'vector_l2_ops', '<->', ''),
  ('hnsw', 'vector_l1_ops', '<+>', ''), ('hnsw', 'vector_cosine_ops', '<=>', ''),
  ('ivfflat', 'vector_ip_ops', '<#>', 'WITH (lists = 2)'), ('ivfflat', 'vector_l2_ops', '<->', 'WITH (lists = 2)'),
  ('ivfflat', 'vector_cosine_ops', '<=>', 'WITH (lists = 2)'), ('ivfpq', 'vector_l2_ops', '<->', 'WITH (lists = 2, m = 1)')) t(am, opclass, op, options),
  LATERAL pg_temp.compare_through(am, opclass, op, options) r;
DROP TABLE huge;
-- ORDER BY never removes rows: a NULL query, or a zero query under cosine (every distance
-- NULL or NaN), returns the indexed rows (hnsw: ef_search of them, as pgvector does).
CREATE TABLE unordered (id int, v vector(2));
INSERT INTO unordered SELECT i, ARRAY[i, i % 3] FROM generate_series(1, 50) i;
SET enable_seqscan = off;
CREATE INDEX unordered_hnsw ON unordered USING hnsw (v vector_cosine_ops);
SELECT count(*) AS hnsw_zero FROM (SELECT id FROM unordered ORDER BY v <=> '[0,0]' LIMIT 100) s;
SELECT count(*) AS hnsw_null FROM (SELECT id FROM unordered ORDER BY v <=> (SELECT NULL::vector) LIMIT 100) s;
DROP INDEX unordered_hnsw;
CREATE INDEX unordered_ivf ON unordered USING ivfflat (v vector_cosine_ops) WITH (lists = 2);
SELECT count(*) AS ivfflat_zero FROM (SELECT id FROM unordered ORDER BY v <=> '[0,0]' LIMIT 100) s;
SELECT count(*) AS ivfflat_null FROM (SELECT id FROM unordered ORDER BY v <=> (SELECT NULL::vector) LIMIT 100) s;
DROP INDEX unordered_ivf;
CREATE INDEX unordered_pq ON unordered USING ivfpq (v vector_l2_ops) WITH (lists = 2, m = 1);
SELECT count(*) AS ivfpq_null FROM (SELECT id FROM unordered ORDER BY v <-> (SELECT NULL::vector) LIMIT 100) s;
DROP TABLE unordered;
