-- vector: text I/O, typmod, binary send, errors with SQLSTATEs, operators and functions.
\i test/regress_helpers.sql
SELECT '[1,2,3]'::vector, ' [ 1.5 , -2 , 3e-7 ] '::vector, '[1e6,123456,0.0001]'::vector;
SELECT '[1,2,3]'::vector(3);
SELECT vector_send('[1,2,3]'::vector);
SELECT NULL::vector, vector_dims(NULL::vector);
CREATE TABLE vt (id int, v vector(3));
INSERT INTO vt VALUES (1, '[1,2,3]'), (2, '[4,5,6]'), (3, NULL);
SELECT * FROM vt ORDER BY id;
SELECT atttypmod, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'vt'::regclass AND attname = 'v';

-- input errors: 22P02 malformed text, 22003 beyond float4, 22000 non-finite / empty / typmod /
-- dimension mismatch, 54000 too many dimensions, 22023 invalid type modifier
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '1,2,3'::vector$$),
  ($$SELECT '[1,2,3'::vector$$),
  ($$SELECT '[1,,2]'::vector$$),
  ($$SELECT '[1,2]x'::vector$$),
  ($$SELECT '[a]'::vector$$),
  ($$SELECT ''::vector$$),
  ($$SELECT '[1e39]'::vector$$),
  ($$SELECT '[NaN]'::vector$$),
  ($$SELECT '[1,Infinity]'::vector$$),
  ($$SELECT '[-inf]'::vector$$),
  ($$SELECT '[]'::vector$$),
  ($$SELECT array_fill(1, ARRAY[16001])::vector$$),
  ($$SELECT (SELECT '[' || string_agg('1', ',') || ']' FROM generate_series(1, 16001))::vector$$),
  ($$SELECT '[1,2]'::vector(3)$$),
  ($$INSERT INTO vt VALUES (4, '[1,2]')$$),
  ($$SELECT '[1]'::vector(0)$$),
  ($$SELECT '[1]'::vector(16001)$$),
  ($$SELECT '[1]'::vector(2, 3)$$),
  ($$SELECT '[1,2]'::vector <-> '[1,2,3]'$$),
  ($$SELECT '[1,2]'::vector + '[1,2,3]'$$)) AS t(statement);
SELECT vector_dims(array_fill(1, ARRAY[16000])::vector);
SELECT count(*) FROM vt;

-- distances
SELECT '[1,2,3]'::vector <-> '[4,5,6]' AS l2, l2_distance('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <#> '[4,5,6]' AS neg_ip, inner_product('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <=> '[4,5,6]' AS cosine, cosine_distance('[1,2,3]'::vector, '[4,5,6]'),
       '[1,2,3]'::vector <+> '[4,5,6]' AS l1, l1_distance('[1,2,3]'::vector, '[4,5,6]');
SELECT cosine_distance('[0,0]'::vector, '[1,2]'), '[1,1]'::vector <=> '[-1,-1]', '[1,2]'::vector <=> '[2,4]';
SELECT vector_l2_squared_distance('[1,2,3]', '[4,5,6]'), vector_negative_inner_product('[1,2,3]', '[4,5,6]');
-- functions
SELECT vector_dims('[1,2,3]'::vector), vector_norm('[3,4]'), l2_normalize('[3,4]'::vector), l2_normalize('[0,0]'::vector);
SELECT binary_quantize('[1,-1,0,2,0.5,-3,0,0,7]'::vector);
SELECT subvector('[1,2,3,4,5]'::vector, 2, 3), subvector('[1,2,3,4,5]'::vector, 4, 10), subvector('[1,2,3,4,5]'::vector, -1, 3);
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT subvector('[1,2,3,4,5]'::vector, 6, 1)$$),
  ($$SELECT subvector('[1,2,3,4,5]'::vector, 1, 0)$$)) AS t(statement);
-- arithmetic and concatenation
SELECT '[1,2,3]'::vector + '[4,5,6]', '[1,2,3]'::vector - '[4,5,6]', '[1,2,3]'::vector * '[4,5,6]', '[1,2]'::vector || '[3]';
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '[3e38]'::vector + '[3e38]'$$),
  ($$SELECT '[3e38]'::vector * '[10]'$$),
  ($$SELECT array_fill(1, ARRAY[10000])::vector || array_fill(1, ARRAY[6001])::vector$$)) AS t(statement);
-- comparison
SELECT '[1,2,3]'::vector < '[1,2,4]', '[1,2,3]'::vector = '[1,2,3]', '[1,2]'::vector < '[1,2,3]',
       '[2]'::vector > '[1,9]', '[1,2,3]'::vector <> '[1,2,3]', vector_cmp('[1,2]', '[1,1]');
-- kernels at every level this CPU runs agree with the scalar path
CREATE TABLE simd_probe AS
  SELECT i, (SELECT array_agg(sin(i * 7 + j)::real) FROM generate_series(1, 100 + i) j)::vector AS a,
            (SELECT array_agg(cos(i * 3 + j)::real) FROM generate_series(1, 100 + i) j)::vector AS b
  FROM generate_series(1, 40) i;
SET vectorx.simd = scalar;
CREATE TABLE simd_scalar AS SELECT i, a <-> b AS l2, a <#> b AS ip, a <=> b AS cos, a <+> b AS l1 FROM simd_probe;
RESET vectorx.simd;
DO $$
DECLARE
  lvl text;
  worst float8;
BEGIN
  FOREACH lvl IN ARRAY ARRAY['sse2', 'avx2', 'avx512'] LOOP
    BEGIN
      EXECUTE format('SET vectorx.simd = %s', lvl);
    EXCEPTION WHEN invalid_parameter_value THEN
      CONTINUE;  -- this CPU lacks the level
    END;
    SELECT max(greatest(abs((p.a <-> p.b) - s.l2) / s.l2, abs((p.a <#> p.b) - s.ip) / 10,
                        abs((p.a <=> p.b) - s.cos), abs((p.a <+> p.b) - s.l1) / s.l1))
      INTO worst FROM simd_probe p JOIN simd_scalar s USING (i);
    IF worst > 1e-5 THEN
      RAISE EXCEPTION 'level % differs from scalar by %', lvl, worst;
    END IF;
  END LOOP;
  RESET vectorx.simd;
END $$;
SHOW vectorx.simd;
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SET vectorx.simd = avx1024$$)) AS t(statement);
DROP TABLE vt, simd_probe, simd_scalar;
-- Read and computed as pgvector does: underflowing input reads as 0 (or a denormal); a product
-- of non-zero elements that rounds to zero is an underflow error.
SELECT '[1e-46,1,-1e-46]'::vector, '[1e-40]'::vector = '[1e-40]'::vector AS denormal_kept;
SELECT pg_temp.expect_error($$SELECT '[1e-37]'::vector * '[1e-37]'$$);
SELECT '[1e-37]'::vector * '[0]', '[1e-37]'::vector - '[1e-37]';
