# hnsw recall on generated clustered data for every operator class, iterative scans under a
# selective filter, a build that outgrows maintenance_work_mem, and 3,072-dimension vectors.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $node = PostgreSQL::Test::Cluster->new('recall');
$node->init;
$node->start;
setup_helpers($node);
$node->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(32), h halfvec(32), s sparsevec(32), b bit(32), category int);
  INSERT INTO items (v, h, s, b, category)
  SELECT c::vector, c::halfvec, c::vector::sparsevec,
         (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '') FROM unnest(c) x)::bit(32), n % 100
  FROM (SELECT c, row_number() OVER () n FROM clustered(5000, 32, 0.21) c) d;
  CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(25, 32, 0.22) c;
  CREATE TABLE sparse_queries AS SELECT id, q::vector::sparsevec::text AS q FROM queries;
  CREATE TABLE bit_queries AS
    SELECT id, (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '') FROM unnest(q::vector::real[]) x) AS q FROM queries;
});

my $ef = 'SET hnsw.ef_search = 100;';
my @classes = (
	[ 'v', '<->', 'vector_l2_ops', 'queries', 0.97 ],   [ 'v', '<#>', 'vector_ip_ops', 'queries', 0.9 ],
	[ 'v', '<=>', 'vector_cosine_ops', 'queries', 0.97 ], [ 'v', '<+>', 'vector_l1_ops', 'queries', 0.95 ],
	[ 'h', '<->', 'halfvec_l2_ops', 'queries', 0.97 ],  [ 'h', '<=>', 'halfvec_cosine_ops', 'queries', 0.97 ],
	[ 's', '<->', 'sparsevec_l2_ops', 'sparse_queries', 0.97 ], [ 's', '<=>', 'sparsevec_cosine_ops', 'sparse_queries', 0.97 ],
	[ 'b', '<~>', 'bit_hamming_ops', 'bit_queries', 0.8 ], [ 'b', '<%>', 'bit_jaccard_ops', 'bit_queries', 0.8 ]);
for my $c (@classes) {
	my ($col, $op, $class, $queries, $min) = @$c;
	$node->safe_psql('postgres', "CREATE INDEX probe ON items USING hnsw ($col $class)");
	my $r = recall($node, 'items', $col, $op, $queries, 10, undef, $ef);
	cmp_ok($r, '>=', $min, "$class recall\@10 = $r (ef_search 100)");
	$node->safe_psql('postgres', 'DROP INDEX probe');
}

# Iterative scan under a 1% filter: LIMIT rows come back; without it, far fewer.
$node->safe_psql('postgres', 'CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops)');
my $filtered = q{SET enable_seqscan = off; SELECT count(*) FROM
  (SELECT id FROM items WHERE category = 7 ORDER BY v <-> (SELECT q::vector FROM queries WHERE id = 1) LIMIT 10) s};
cmp_ok($node->safe_psql('postgres', $filtered), '<', 10, 'without iterative scan a 1% filter starves the LIMIT');
is($node->safe_psql('postgres', "SET hnsw.iterative_scan = relaxed_order; $filtered"), '10', 'relaxed_order fills the LIMIT');
is($node->safe_psql('postgres', "SET hnsw.iterative_scan = strict_order; $filtered"), '10', 'strict_order fills the LIMIT');
cmp_ok(recall($node, 'items', 'v', '<->', 'queries', 10, 'category = 7', 'SET hnsw.iterative_scan = relaxed_order;'),
	'>=', 0.9, 'filtered results are the true nearest matching rows');

# A build beyond maintenance_work_mem says so and still builds a good index.
my ($ret, $stdout, $stderr) = $node->psql('postgres',
	"SET maintenance_work_mem = '1MB'; CREATE INDEX small_mem ON items USING hnsw (v vector_l2_ops)");
like($stderr, qr/hnsw graph no longer fits into maintenance_work_mem after \d+ tuples/, 'NOTICE when the graph outgrows memory (pgvector\'s words)');
$node->safe_psql('postgres', 'DROP INDEX items_v');
cmp_ok(recall($node, 'items', 'v', '<->', 'queries', 10, undef, $ef), '>=', 0.97, 'recall of the partly on-disk build');

# 3,072 dimensions (pgvector stops at 2,000): values span pages (value tails).
$node->safe_psql('postgres', q{
  CREATE TABLE wide (id serial PRIMARY KEY, v vector(3072));
  INSERT INTO wide (v) SELECT c::vector FROM clustered(1500, 3072, 0.31) c;
  CREATE INDEX ON wide USING hnsw (v vector_cosine_ops);
  INSERT INTO wide (v) SELECT c::vector FROM clustered(300, 3072, 0.32) c;
  CREATE TABLE wide_queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(10, 3072, 0.33) c;
});
# (uniform noise in 3,072 dims makes a cluster's points nearly equidistant: ef_search 400)
cmp_ok(recall($node, 'wide', 'v', '<=>', 'wide_queries', 10, undef, 'SET hnsw.ef_search = 400;'), '>=', 0.95,
	'3,072-dim index recall');

$node->stop;
done_testing();
