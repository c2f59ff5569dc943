-- Hamming and Jaccard distances on Postgres' bit type.
\i test/regress_helpers.sql
SELECT '101'::bit(3) <~> '111', hamming_distance('1011', '0110'), '101'::bit(3) <%> '111', jaccard_distance('1100', '0011');
SELECT jaccard_distance('0000', '0000'), jaccard_distance('1111', '1111');
SELECT hamming_distance(binary_quantize(array_fill(1, ARRAY[1000])::vector), binary_quantize(array_fill(-1, ARRAY[1000])::vector));
-- a 64,000-bit string exercises the word loop and the byte tail of the popcount kernels
SELECT hamming_distance(repeat('10', 32000)::bit(64000), repeat('01', 32000)::bit(64000)),
       jaccard_distance(repeat('1100', 16000)::bit(64000), repeat('1010', 16000)::bit(64000)),
       hamming_distance('1010101'::bit(7), '0101011'::bit(7));
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '101'::bit(3) <~> '1111'$$),
  ($$SELECT jaccard_distance('1', '11')$$)) AS t(statement);
