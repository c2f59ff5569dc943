-- halfvec: float16 storage with exact round-to-nearest-even, I/O, operators and errors.
\i test/regress_helpers.sql
SELECT '[1,2,3]'::halfvec, '[1.5,-2,65504]'::halfvec, '[0.1,0.2,0.3]'::halfvec, '[1e-8]'::halfvec;
SELECT '[1,2,3]'::halfvec(3), halfvec_send('[1,-2,0.5]'::halfvec);
-- rounding to even: 2049 lies halfway between halves 2048 and 2050
SELECT '[2049,2051,65519]'::halfvec;
SELECT statement, pg_temp.expect_error(statement) AS error FROM (VALUES
  ($$SELECT '[65520]'::halfvec$$),
  ($$SELECT '[-1e5]'::halfvec$$),
  ($$SELECT '[NaN]'::halfvec$$),
  ($$SELECT '[inf]'::halfvec$$),
  ($$SELECT '[]'::halfvec$$),
  ($$SELECT '[1,2'::halfvec$$),
  ($$SELECT '[1,2]'::halfvec(3)$$),
  ($$SELECT '[1]'::halfvec(16001)$$),
  ($$SELECT '[60000]'::halfvec + '[60000]'$$),
  ($$SELECT '[1,2]'::halfvec <-> '[1]'$$)) AS t(statement);
SELECT '[1,2,3]'::halfvec <-> '[4,5,6]', '[1,2,3]'::halfvec <#> '[4,5,6]', '[1,2,3]'::halfvec <=> '[4,5,6]', '[1,2,3]'::halfvec <+> '[4,5,6]';
SELECT l2_distance('[1,2,3]'::halfvec, '[4,5,6]'), inner_product('[1,2,3]'::halfvec, '[4,5,6]'),
       cosine_distance('[1,2,3]'::halfvec, '[4,5,6]'), l1_distance('[1,2,3]'::halfvec, '[4,5,6]');
SELECT cosine_distance('[0,0]'::halfvec, '[1,2]'), halfvec_l2_squared_distance('[1,2]', '[3,4]'), halfvec_negative_inner_product('[1,2]', '[3,4]');
SELECT vector_dims('[1,2,3]'::halfvec), l2_norm('[3,4]'::halfvec), l2_normalize('[3,4]'::halfvec), binary_quantize('[1,-1,0,2]'::halfvec);
SELECT subvector('[1,2,3,4,5]'::halfvec, 2, 2), '[1,2]'::halfvec || '[3]', '[1,2]'::halfvec + '[3,4]', '[1,2]'::halfvec - '[3,4]', '[1,2]'::halfvec * '[3,4]';
SELECT '[1,2]'::halfvec < '[1,3]', '[1,2]'::halfvec = '[1,2]', halfvec_cmp('[2]', '[1,1]');
SELECT vector_dims(array_fill(1, ARRAY[16000])::halfvec);
-- Read and computed as pgvector does: underflowing input reads as 0; a product of non-zero
-- elements that rounds to zero is an underflow error.
SELECT '[1e-46,1]'::halfvec, '[1e-9]'::halfvec;
SELECT pg_temp.expect_error($$SELECT '[1e-4]'::halfvec * '[1e-4]'$$);
SELECT '[1e-4]'::halfvec * '[0]';
