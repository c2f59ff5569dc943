-- Text output prints every element exactly as Postgres' float4out prints the same float4
-- (shortest digits, its exponent form), for vector, halfvec and sparsevec: compared on
-- 200,000 values spread over every magnitude, weighted towards the range where a shortest
-- decimal can lie exactly halfway between two floats.
SET extra_float_digits = 1;
SELECT setseed(0.42);
CREATE TEMP TABLE samples AS
  SELECT ((random() - 0.5) * power(10, random() * 76 - 38))::float4 AS f FROM generate_series(1, 100000)
  UNION ALL
  SELECT ((random() - 0.5) * power(2, 24 + random() * 38))::float4 FROM generate_series(1, 100000);
SELECT count(*) AS samples,
       count(*) FILTER (WHERE ARRAY[f]::vector::text <> '[' || f::text || ']') AS vector_differs,
       count(*) FILTER (WHERE ARRAY[f]::vector::sparsevec::text <> '{1:' || f::text || '}/1' AND f <> 0) AS sparsevec_differs
FROM samples;
SELECT count(*) FILTER (WHERE ARRAY[f]::halfvec::text <> '[' || (ARRAY[f]::halfvec::vector::real[])[1]::text || ']') AS halfvec_differs
FROM (SELECT f FROM samples WHERE abs(f) < 65000) s;
SELECT '[-437835584]'::vector, '{1:-437835584}/1'::sparsevec;
