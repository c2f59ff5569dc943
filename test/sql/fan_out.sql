-- vectorx_fan_out_query writes a top-k query that asks every leaf partition for its own top k
-- and merges them: the same rows as the query on the parent (docs/scale-out.md; through
-- postgres_fdw shards in test/t/012_scale_out.pl).
SET client_min_messages = warning;
CREATE TABLE parts (id int, v vector(3), tag text) PARTITION BY HASH (id);
CREATE TABLE parts_0 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 0);
CREATE TABLE parts_1 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 1) PARTITION BY LIST (tag);
CREATE TABLE parts_1a PARTITION OF parts_1 FOR VALUES IN ('a');
CREATE TABLE parts_1b PARTITION OF parts_1 DEFAULT;
CREATE TABLE parts_2 PARTITION OF parts FOR VALUES WITH (MODULUS 3, REMAINDER 2);
INSERT INTO parts SELECT i, ARRAY[sin(i), cos(i * 0.7), i % 11]::vector, CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END
FROM generate_series(1, 600) i;
CREATE INDEX ON parts USING hnsw (v vector_l2_ops);
SELECT vectorx_fan_out_query('parts', 'v <-> $1', 5);
SELECT vectorx_fan_out_query('parts', 'v <=> $1', 3, 'id, tag', 'tag = ''a''');
-- the same rows and distances as the query on the parent, for every leaf layout
CREATE FUNCTION fan_out(q vector, k int, filter text DEFAULT NULL) RETURNS TABLE (id int, distance float8)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format('SELECT id, distance FROM (%s) f', vectorx_fan_out_query('parts', 'v <-> $1', k, 'id', filter)) USING q;
END $$;
SET enable_seqscan = off;
SELECT count(*) AS queries, bool_and(same) AS all_same FROM (
  SELECT (SELECT array_agg(id ORDER BY distance, id) FROM fan_out(q, 10)) =
         (SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, v <-> q AS d FROM parts ORDER BY v <-> q LIMIT 10) s) AS same
  FROM (SELECT ARRAY[sin(j * 1.3), cos(j), j % 7]::vector AS q FROM generate_series(1, 20) j) qs) t;
SELECT (SELECT array_agg(id ORDER BY distance, id) FROM fan_out('[0,1,3]', 4, 'tag = ''a''')) =
       (SELECT array_agg(id ORDER BY d, id) FROM (SELECT id, v <-> '[0,1,3]' AS d FROM parts WHERE tag = 'a' ORDER BY 2 LIMIT 4) s) AS filtered_same;
RESET enable_seqscan;
-- errors
CREATE TABLE plain (id int, v vector(3));
SELECT vectorx_fan_out_query('plain', 'v <-> $1', 2, 'id');
SELECT vectorx_fan_out_query('parts', 'v <-> $1', 0);
SELECT vectorx_fan_out_query('parts', NULL, 5);
CREATE TABLE empty_parent (id int, v vector(3)) PARTITION BY HASH (id);
SELECT vectorx_fan_out_query('empty_parent', 'v <-> $1', 5);
DROP TABLE parts, plain, empty_parent;
DROP FUNCTION fan_out;
