-- Casts between the vector types and from/to arrays, honouring typmods.
\i test/regress_helpers.sql
SELECT ARRAY[1,2,3]::vector, ARRAY[1.5,2,3]::real[]::vector, ARRAY[1,2,3]::float8[]::vector, ARRAY[1.25,2,3]::numeric[]::vector;
SELECT ARRAY[1,2,3]::halfvec, ARRAY[1,0,3]::sparsevec, ARRAY[0.5,0]::float8[]::sparsevec(2);
SELECT '[1,2,3]'::vector::real[], '[1,2,3]'::halfvec::real[];
SELECT '[1.5,2,3]'::vector::halfvec, '[1.5,2,3]'::halfvec::vector, '[0,2,0]'::vector::sparsevec, '{2:2}/3'::sparsevec::vector;
SELECT '[0,2,0]'::halfvec::sparsevec, '{2:2}/3'::sparsevec::halfvec, '[0.1]'::vector::halfvec::vector;
SELECT '[1,2,3]'::vector::vector(3), ARRAY[1,2,3]::vector(3);
-- implicit and assignment casts, as in pgvector
CREATE TABLE ct (v vector(2), h halfvec(2), s sparsevec(2), r real[]);
INSERT INTO ct VALUES (ARRAY[1,2], ARRAY[3,4], ARRAY[0,5], '[6,7]'::vector);
INSERT INTO ct (h, s) SELECT v, v FROM ct;
SELECT * FROM ct;
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT ARRAY[[1,2],[3,4]]::vector$$),
  ($$SELECT ARRAY[1,NULL,3]::vector$$),
  ($$SELECT ARRAY[1,'NaN']::float8[]::vector$$),
  ($$SELECT ARRAY[1e300]::float8[]::vector$$),
  ($$SELECT '{}'::int[]::vector$$),
  ($$SELECT ARRAY[1,2,3]::vector(2)$$),
  ($$SELECT '[1,2,3]'::vector::vector(2)$$),
  ($$SELECT '[1,70000]'::vector::halfvec$$),
  ($$SELECT ARRAY[70000]::halfvec$$),
  ($$SELECT '{16001:1}/16001'::sparsevec::vector$$),
  ($$SELECT '{1:1}/3'::sparsevec::vector(2)$$),
  ($$INSERT INTO ct (v) VALUES (ARRAY[1,2,3])$$)) AS t(statement);
SELECT count(*) FROM ct;
DROP TABLE ct;
