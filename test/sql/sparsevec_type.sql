-- sparsevec: text I/O (1-based indices, sorted, zeros dropped), binary send, distances, errors.
\i test/regress_helpers.sql
SELECT '{1:1.5,3:2}/5'::sparsevec, ' { 3:2 , 1:1.5, 2:0 } / 5 '::sparsevec, '{}/3'::sparsevec;
SELECT '{1:1,1000000000:2}/1000000000'::sparsevec;
SELECT '{1:1.5,3:2}/5'::sparsevec(5), sparsevec_send('{1:1.5,3:2}/5'::sparsevec);
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '{1:1}'::sparsevec$$),
  ($$SELECT '{1:1}/'::sparsevec$$),
  ($$SELECT '{1 1}/5'::sparsevec$$),
  ($$SELECT '{1:1}/5x'::sparsevec$$),
  ($$SELECT '{0:1}/5'::sparsevec$$),
  ($$SELECT '{-1:1}/5'::sparsevec$$),
  ($$SELECT '{6:1}/5'::sparsevec$$),
  ($$SELECT '{2:1,2:3}/5'::sparsevec$$),
  ($$SELECT '{1:NaN}/5'::sparsevec$$),
  ($$SELECT '{1:inf}/5'::sparsevec$$),
  ($$SELECT '{}/0'::sparsevec$$),
  ($$SELECT '{}/1000000001'::sparsevec$$),
  ($$SELECT '{1:1}/5'::sparsevec(4)$$),
  ($$SELECT '{1:1}/5'::sparsevec <-> '{1:1}/6'$$),
  ($$SELECT (SELECT '{' || string_agg(i || ':1', ',') || '}/20000' FROM generate_series(1, 16001) i)::sparsevec$$)) AS t(statement);
SELECT '{1:1,3:2}/5'::sparsevec <-> '{2:1,3:4}/5', '{1:1,3:2}/5'::sparsevec <#> '{2:1,3:4}/5',
       '{1:1,3:2}/5'::sparsevec <=> '{2:1,3:4}/5', '{1:1,3:2}/5'::sparsevec <+> '{2:1,3:4}/5';
SELECT l2_distance('{1:3}/2'::sparsevec, '{2:4}/2'), inner_product('{1:3}/2'::sparsevec, '{1:4}/2'),
       cosine_distance('{1:3}/2'::sparsevec, '{}/2'), l1_distance('{1:3}/2'::sparsevec, '{2:4}/2');
SELECT sparsevec_l2_squared_distance('{1:3}/2', '{2:4}/2'), sparsevec_negative_inner_product('{1:3}/2', '{1:4}/2');
SELECT l2_norm('{1:3,2:4}/2'::sparsevec), l2_normalize('{1:3,2:4}/9'::sparsevec);
-- sparse distances equal the dense ones
SELECT ('{1:1,3:2}/5'::sparsevec <-> '{2:1,3:4}/5') = ('[1,0,2,0,0]'::vector <-> '[0,1,4,0,0]') AS same_l2;
SELECT '{1:1}/3'::sparsevec < '{1:2}/3', '{1:1}/3'::sparsevec = '{1:1}/3', '{}/3'::sparsevec > '{2:-1}/3', sparsevec_cmp('{1:1}/3', '{1:1}/4');
-- Read as pgvector reads it: entries are counted before zeros are dropped, a zero entry's index
-- is never checked, huge indices and dimension counts get the messages about indices and
-- dimensions; underflow is out of range (unlike vector and halfvec, which read it as 0, as
-- pgvector does); a result never stores a zero.
SELECT pg_temp.expect_error(format('SELECT %L::sparsevec', '{' || string_agg(i || ':0', ',') || '}/20000'))
FROM generate_series(1, 16001) i;
SELECT '{0:0,9:0,2:1}/3'::sparsevec, '{1:2e-38,2:1e-37}/2'::sparsevec, '{1:0e-99}/1'::sparsevec;
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '{1:1e-46,2:1}/2'::sparsevec$$),
  ($$SELECT '{1:-1e-46,2:1}/2'::sparsevec$$),
  ($$SELECT '{1:1e-40}/1'::sparsevec$$),
  ($$SELECT '{0:1}/3'::sparsevec$$),
  ($$SELECT '{4:1}/3'::sparsevec$$),
  ($$SELECT '{99999999999:1}/3'::sparsevec$$),
  ($$SELECT '{2:1,2:2}/3'::sparsevec$$),
  ($$SELECT '{1:1}/99999999999'::sparsevec$$),
  ($$SELECT '{1:1}/0'::sparsevec$$)) AS t(statement);
SELECT l2_normalize('{1:3e38,2:1e-37}/2'::sparsevec), l2_normalize('{}/2'::sparsevec);
