# The kernel level: VECTORX_FORCE_SCALAR in the server environment forces the portable path,
# results are the same at every level, and data survives a restart.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('simd');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorx;
  CREATE TABLE t AS SELECT i, ARRAY(SELECT sin(i + j) FROM generate_series(1, 777) j)::vector AS v
    FROM generate_series(1, 200) i;
});
my $distances = q{SELECT i, v <-> (SELECT v FROM t WHERE i = 1) AS d FROM t};

my $detected = $node->safe_psql('postgres', 'SELECT vectorx_simd_level()');
like($detected, qr/^(scalar|sse2|avx2|avx512)$/, "detected level: $detected");
$node->safe_psql('postgres', "CREATE TABLE fast AS $distances");

$node->stop;
{
	local $ENV{VECTORX_FORCE_SCALAR} = '1';
	$node->start;
}
is($node->safe_psql('postgres', 'SELECT vectorx_simd_level()'), 'scalar', 'environment forces scalar');
is($node->safe_psql('postgres', 'SET vectorx.simd = auto; SELECT vectorx_simd_level()'),
	'scalar', 'auto keeps the level the server was started with');
is( $node->safe_psql(
		'postgres', "SELECT count(*) FROM ($distances) s JOIN fast f USING (i)
		 WHERE abs(s.d - f.d) <= 1e-5 * greatest(f.d, 1)"),
	'200', 'same distances after restart, on the scalar path');
is($node->safe_psql('postgres', "SET vectorx.simd = '$detected'; SELECT vectorx_simd_level()"),
	$detected, 'a session can still pick the detected level');

$node->stop;
done_testing();
