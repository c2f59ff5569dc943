-- avg/sum over vector and halfvec, NULL handling, and parallel aggregation.
\i test/regress_helpers.sql
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::vector), ('[3,4,5]'), (NULL)) t(v);
SELECT avg(v), sum(v) FROM (VALUES ('[1,2,3]'::halfvec), ('[3,4,6]')) t(v);
SELECT avg(v), sum(v) FROM (SELECT NULL::vector WHERE false) t(v);
SELECT avg(v) FROM (VALUES ('[1e38]'::vector), ('[1e38]')) t(v);
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT avg(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v)$$),
  ($$SELECT sum(v) FROM (VALUES ('[1,2]'::vector), ('[1,2,3]')) t(v)$$),
  ($$SELECT sum(v) FROM (VALUES ('[60000]'::halfvec), ('[60000]')) t(v)$$)) AS t(statement);
-- parallel workers combine partial states
CREATE TABLE agg_big AS SELECT i, ARRAY[i % 10, 1, -(i % 7)]::vector AS v FROM generate_series(1, 50000) i;
ANALYZE agg_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT avg(v), sum(v) FROM agg_big;
SELECT avg(v), sum(v) FROM agg_big;
-- workers that see no rows combine two empty states: NULL, as without workers (pgvector raises)
EXPLAIN (COSTS OFF) SELECT avg(v) FROM agg_big WHERE i % 7 = 100;
SELECT avg(v) IS NULL AS empty_avg FROM agg_big WHERE i % 7 = 100;
SELECT vector_combine('{0}', '{0}');
RESET ALL;
SELECT avg(v), sum(v) FROM agg_big;
DROP TABLE agg_big;
-- states passed in from SQL are checked as pgvector checks them (a bad one never builds a value)
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT vector_norm(vector_avg(array_fill(1::float8, ARRAY[32770])))$$),
  ($$SELECT vector_avg(array_fill(1::float8, ARRAY[16002]))$$),
  ($$SELECT halfvec_avg(array_fill(1::float8, ARRAY[16002]))$$),
  ($$SELECT vector_avg('{1}')$$),
  ($$SELECT halfvec_avg('{1}')$$),
  ($$SELECT vector_avg('{}')$$),
  ($$SELECT vector_avg('{{0}}')$$),
  ($$SELECT vector_avg('{NULL}')$$),
  ($$SELECT halfvec_avg('{NULL,1}')$$),
  ($$SELECT vector_accum('{0,0}', '[1,2,3]')$$),
  ($$SELECT halfvec_accum('{}', '[1,2,3]')$$),
  ($$SELECT vector_accum('{1,Infinity}', '[1]')$$),
  ($$SELECT vector_combine('{1,1}', '{1,1,1}')$$),
  ($$SELECT vector_combine('{}', '{1,1}')$$),
  ($$SELECT vector_combine('{1,1e308}', '{1,1e308}')$$),
  ($$SELECT vector_combine('{0}', array_fill(1::float8, ARRAY[16002]))$$),
  ($$SELECT halfvec_avg('{1,1e10}')$$)) AS t(statement);
SELECT vector_accum('{0}', '[1,2,3]'), vector_accum('{2,1,1}', '[1,2]'), vector_avg('{2,1,3}'),
  halfvec_avg('{4,2,6}'), vector_combine('{0}', '{2,1,3}'), vector_combine('{1,1}', '{0}'), vector_avg('{0}');
