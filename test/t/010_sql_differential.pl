# Differential SQL fuzzing, for a minute (VECTORX_SQL_FUZZ_SECONDS): random values, including
# zeros, negative zeros, denormals and huge magnitudes, through every distance, function,
# operator, cast and aggregate, compared with the same computation written in plain SQL over
# float8 arrays; random tables through hnsw, ivfflat, ivfpq and flat compared with a sequential scan;
# random aggregate states. No backend may crash, no error may come but the data errors a value
# can earn (22xxx, 54000, pgvector's internal "expected state array"), and every answer must
# agree with its definition.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $seconds = $ENV{VECTORX_SQL_FUZZ_SECONDS} // 60;
my $node = PostgreSQL::Test::Cluster->new('fuzz');
$node->init;
$node->start;
$node->safe_psql('postgres', <<'SQL');
CREATE EXTENSION vectorx;
-- A random value: mostly ordinary numbers, with the edge cases mixed in.
CREATE FUNCTION fuzz_element(huge bool) RETURNS real LANGUAGE sql AS $$
  SELECT (CASE (random() * 10)::int
    WHEN 0 THEN 0 WHEN 1 THEN -0.0 WHEN 2 THEN 1e-40 * sign(random() - 0.5)
    WHEN 3 THEN CASE WHEN huge THEN 3e38 * sign(random() - 0.5) ELSE round(random() * 8 - 4) END
    ELSE (random() - 0.5) * power(10, random() * 6 - 3) END)::real $$;
CREATE FUNCTION fuzz_array(dim int, huge bool) RETURNS real[] LANGUAGE sql AS $$
  SELECT array_agg(fuzz_element(huge)) FROM generate_series(1, dim) $$;
-- Relative closeness of a float4 computation and its float8 definition.
CREATE FUNCTION close(got float8, want float8, tolerance float8 DEFAULT 2e-4) RETURNS bool LANGUAGE sql AS $$
  SELECT (got = want) OR (got = 'NaN' AND want = 'NaN') OR abs(got - want) <= tolerance * greatest(1e-30, abs(want), abs(got)) + 1e-30 $$;
CREATE FUNCTION close_arrays(got real[], want float8[], tolerance float8 DEFAULT 2e-4) RETURNS bool LANGUAGE sql AS $$
  SELECT bool_and(close(g, w, tolerance)) FROM unnest(got, want) u(g, w) $$;

-- One round of functions and operators against their definitions; returns the failures.
CREATE FUNCTION fuzz_functions() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  dim int := 1 + (random() * 40)::int;
  a real[] := fuzz_array(dim, false);
  b real[] := fuzz_array(dim, false);
  va vector := a::vector;
  vb vector := b::vector;
  dot float8 := (SELECT sum(x::float8 * y) FROM unnest(a, b) u(x, y));
  na float8 := sqrt((SELECT sum(x::float8 * x) FROM unnest(a) x));
  nb float8 := sqrt((SELECT sum(x::float8 * x) FROM unnest(b) x));
  s int := 1 + (random() * dim)::int;
  c int := (random() * dim)::int;
BEGIN
  IF va::text::vector <> va THEN RETURN NEXT 'text round trip ' || va::text; END IF;
  IF va::real[]::vector <> va THEN RETURN NEXT 'real[] round trip ' || va::text; END IF;
  IF va::sparsevec::vector <> va THEN RETURN NEXT 'sparsevec cast round trip ' || va::text; END IF;
  -- (sparsevec text input refuses subnormal values, as pgvector's does, so those cannot round-trip)
  IF NOT EXISTS (SELECT FROM unnest(a) x WHERE x <> 0 AND abs(x) < 1.1754944e-38) THEN
    IF va::sparsevec::text::sparsevec <> va::sparsevec THEN RETURN NEXT 'sparsevec text round trip ' || va::text; END IF;
  END IF;
  IF NOT close(l2_distance(va, vb), sqrt((SELECT sum((x::float8 - y) ^ 2) FROM unnest(a, b) u(x, y)))) THEN RETURN NEXT 'l2_distance ' || va::text || ' ' || vb::text; END IF;
  IF NOT close(va <-> vb, l2_distance(va, vb), 0) THEN RETURN NEXT '<-> differs from l2_distance'; END IF;
  IF NOT close(inner_product(va, vb), dot, 1e-3) AND abs(inner_product(va, vb) - dot) > 1e-3 * na * nb THEN RETURN NEXT 'inner_product ' || va::text || ' ' || vb::text; END IF;
  IF NOT close(va <#> vb, -inner_product(va, vb), 0) THEN RETURN NEXT '<#> differs from -inner_product'; END IF;
  IF na > 1e-18 AND nb > 1e-18 AND abs(cosine_distance(va, vb) - (1 - dot / (na * nb))) > 1e-4 THEN RETURN NEXT 'cosine_distance ' || va::text || ' ' || vb::text; END IF;
  IF NOT close(l1_distance(va, vb), (SELECT sum(abs(x::float8 - y)) FROM unnest(a, b) u(x, y))) THEN RETURN NEXT 'l1_distance'; END IF;
  IF NOT close(vector_norm(va), na) THEN RETURN NEXT 'vector_norm ' || va::text; END IF;
  IF NOT close_arrays((va + vb)::real[], (SELECT array_agg(x::float8 + y) FROM unnest(a, b) u(x, y))) THEN RETURN NEXT '+'; END IF;
  IF NOT close_arrays((va - vb)::real[], (SELECT array_agg(x::float8 - y) FROM unnest(a, b) u(x, y))) THEN RETURN NEXT '-'; END IF;
  IF na > 1e-18 AND NOT close(vector_norm(l2_normalize(va)), 1, 1e-5) THEN RETURN NEXT 'l2_normalize ' || va::text; END IF;
  IF binary_quantize(va)::text <> (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '') FROM unnest(a) x) THEN RETURN NEXT 'binary_quantize ' || va::text; END IF;
  IF c > 0 AND s + c - 1 <= dim AND subvector(va, s, c)::real[] <> a[s:s + c - 1] THEN RETURN NEXT 'subvector'; END IF;
  IF vector_dims(va) <> dim THEN RETURN NEXT 'vector_dims'; END IF;
  -- halfvec: each element rounds to the nearest half (subnormal halves included)
  IF (SELECT bool_and(abs(h - x) <= greatest(abs(x) * 0.000489, 3e-8)) FROM unnest(va::halfvec::vector::real[], a) u(h, x)) IS NOT TRUE
    THEN RETURN NEXT 'halfvec rounding ' || va::text; END IF;
  IF NOT close(va::halfvec <-> vb::halfvec, va::halfvec::vector <-> vb::halfvec::vector, 1e-5) THEN RETURN NEXT 'halfvec l2'; END IF;
  IF NOT close(va::sparsevec <-> vb::sparsevec, va <-> vb, 1e-5) THEN RETURN NEXT 'sparsevec l2'; END IF;
  IF NOT close(va::sparsevec <#> vb::sparsevec, va <#> vb, 1e-5) AND abs((va::sparsevec <#> vb::sparsevec) - (va <#> vb)) > 1e-5 * na * nb THEN RETURN NEXT 'sparsevec ip'; END IF;
  -- bit distances against bit operations
  IF hamming_distance(binary_quantize(va), binary_quantize(vb)) <> length(replace((binary_quantize(va) # binary_quantize(vb))::text, '0', ''))
    THEN RETURN NEXT 'hamming_distance'; END IF;
END $$;
CREATE FUNCTION b_text(a real[]) RETURNS text LANGUAGE sql AS $$ SELECT '[' || array_to_string(a, ',') || ']' $$;

-- Aggregates against per-dimension SQL averages and sums.
CREATE FUNCTION fuzz_aggregates() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE dim int := 1 + (random() * 20)::int; n int := 1 + (random() * 30)::int;
BEGIN
  CREATE TEMP TABLE agg ON COMMIT DROP AS SELECT i, fuzz_array(dim, false) AS a FROM generate_series(1, n) i;
  IF NOT close_arrays((SELECT avg(a::vector) FROM agg)::real[],
                      (SELECT array_agg(m ORDER BY d) FROM (SELECT d, avg(x::float8) m FROM agg, unnest(a) WITH ORDINALITY u(x, d) GROUP BY d) s), 1e-4)
    THEN RETURN NEXT 'avg'; END IF;
  -- sum adds in float4, as pgvector does: its error scales with the magnitudes added
  IF (SELECT bool_and(abs(g - m) <= 1e-5 * scale + 1e-30)
      FROM unnest((SELECT sum(a::vector) FROM agg)::real[],
                  (SELECT array_agg(m ORDER BY d) FROM (SELECT d, sum(x::float8) m FROM agg, unnest(a) WITH ORDINALITY u(x, d) GROUP BY d) s),
                  (SELECT array_agg(m ORDER BY d) FROM (SELECT d, sum(abs(x::float8)) m FROM agg, unnest(a) WITH ORDINALITY u(x, d) GROUP BY d) s))
           u(g, m, scale)) IS NOT TRUE
    THEN RETURN NEXT 'sum'; END IF;
  DROP TABLE agg;
END $$;

-- Random statements whose only acceptable failures are data errors.
CREATE FUNCTION fuzz_errors() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  dim int := 1 + (random() * 5)::int;
  state float8[] := (SELECT array_agg(CASE WHEN random() < 0.05 THEN 'Infinity'::float8 ELSE round(random() * 4)::float8 END)
                     FROM generate_series(1, (random() * 8)::int));
  statement text;
BEGIN
  FOREACH statement IN ARRAY ARRAY[
    format('SELECT vector_avg(%L)', state), format('SELECT halfvec_avg(%L)', state),
    format('SELECT vector_accum(%L, %L::vector)', state, fuzz_array(dim, true)::vector::text),
    format('SELECT vector_combine(%L, %L)', state, state[2:]),
    format('SELECT %L::vector * %L::vector', fuzz_array(dim, true)::vector::text, fuzz_array(dim, true)::vector::text),
    format('SELECT %L::vector + %L::vector', fuzz_array(dim, true)::vector::text, fuzz_array(dim, true)::vector::text),
    format('SELECT %L::vector::halfvec', fuzz_array(dim, true)::vector::text),
    format('SELECT l2_normalize(%L::vector::sparsevec)', fuzz_array(dim, true)::vector::text),
    format('SELECT %L::vector <=> %L::vector', fuzz_array(dim, true)::vector::text, fuzz_array(dim, true)::vector::text),
    format('SELECT subvector(%L::vector, %s, %s)', fuzz_array(dim, true)::vector::text, (random() * 10 - 3)::int, (random() * 10 - 3)::int)]
  LOOP
    BEGIN
      EXECUTE statement;
    EXCEPTION WHEN OTHERS THEN
      IF NOT (SQLSTATE LIKE '22%' OR SQLSTATE = '54000' OR SQLERRM LIKE '%: expected state array') THEN
        RETURN NEXT statement || ' -> ' || SQLSTATE || ' ' || SQLERRM;
      END IF;
    END;
  END LOOP;
END $$;

-- A random table through a random index, against a sequential scan: the same distances in
-- the same order (IVF probing every list; hnsw with a candidate list larger than the table,
-- whose graph must still lead to nearly every row).
CREATE FUNCTION fuzz_index() RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  dim int := 2 + (random() * 14)::int;
  n int := 20 + (random() * 200)::int;
  am text := (ARRAY['hnsw', 'ivfflat', 'ivfpq', 'flat'])[1 + floor(random() * 4)::int];
  op text := (ARRAY['<->', '<#>', '<=>', '<+>'])[1 + floor(random() * CASE WHEN am IN ('hnsw', 'flat') THEN 4 ELSE 3 END)::int];
  opclass text := CASE op WHEN '<->' THEN 'vector_l2_ops' WHEN '<#>' THEN 'vector_ip_ops' WHEN '<=>' THEN 'vector_cosine_ops'
                  ELSE 'vector_l1_ops' END;
  q text := fuzz_array(dim, false)::vector::text;
  by_index float8[];
  exact float8[];
BEGIN
  IF am = 'ivfpq' THEN op := '<->'; opclass := 'vector_l2_ops'; END IF;
  EXECUTE format('CREATE TEMP TABLE t (id int, v vector(%s)) ON COMMIT DROP', dim);
  INSERT INTO t SELECT i, fuzz_array(dim, false)::vector FROM generate_series(1, n) i;
  INSERT INTO t SELECT id + n, v FROM t WHERE random() < 0.1;  -- duplicates
  EXECUTE format('CREATE INDEX ON t USING %s (v %s) %s', am, opclass,
                 CASE am WHEN 'hnsw' THEN '' WHEN 'flat' THEN '' WHEN 'ivfflat' THEN 'WITH (lists = 4)'
                 ELSE format('WITH (lists = 4, m = %s)', dim) END);
  SET LOCAL enable_seqscan = off;
  SET LOCAL hnsw.ef_search = 1000;
  SET LOCAL ivfflat.probes = 4;
  SET LOCAL ivfpq.probes = 4;
  SET LOCAL ivfpq.rerank = 1000;
  EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s %L AS d FROM t ORDER BY v %s %L LIMIT 1000) s', op, q, op, q) INTO by_index;
  SET LOCAL enable_seqscan = on;
  SET LOCAL enable_indexscan = off;
  SET LOCAL enable_bitmapscan = off;
  -- A cosine index holds no zero vector (their distances are NaN), as in pgvector.
  EXECUTE format('SELECT array_agg(d) FROM (SELECT v %s %L AS d FROM t WHERE %s ORDER BY v %s %L LIMIT 1000) s',
                 op, q, CASE op WHEN '<=>' THEN 'vector_norm(v) > 0' ELSE 'true' END, op, q) INTO exact;
  IF am <> 'hnsw' AND by_index IS DISTINCT FROM exact THEN
    RETURN NEXT format('%s %s on %s rows of %s dims: %s rows by index, %s exact', am, op, n, dim, cardinality(by_index), cardinality(exact));
  END IF;
  IF am = 'hnsw' AND (cardinality(by_index) < 0.95 * cardinality(exact)
      OR EXISTS (SELECT 1 FROM unnest(by_index) WITH ORDINALITY u(d, i) WHERE d < by_index[i - 1])) THEN
    RETURN NEXT format('hnsw %s on %s rows of %s dims: %s of %s rows, or out of order', op, n, dim, cardinality(by_index), cardinality(exact));
  END IF;
  DROP TABLE t;
END $$;
SQL

my %rounds = (functions => 0, aggregates => 0, errors => 0, index => 0);
my @failures;
my $deadline = time + $seconds;
while (time < $deadline && @failures < 5) {
	for my $kind (sort keys %rounds) {
		my ($ret, $out, $err) = $node->psql('postgres', "BEGIN; SELECT * FROM fuzz_$kind(); COMMIT;");
		$rounds{$kind}++;
		push @failures, "$kind: $out" if $out ne '';
		push @failures, "$kind: $err" if $ret != 0;
	}
}
note(join(', ', map { "$rounds{$_} $_ rounds" } sort keys %rounds));
is(join("\n", @failures), '', 'every answer agrees with its definition and no unexpected error came');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server never restarted');
$node->stop;
done_testing();
