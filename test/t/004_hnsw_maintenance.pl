# hnsw under maintenance and load: VACUUM after deleting half the rows keeps recall within 0.02
# of a fresh build and lets new rows reuse the space; concurrent inserts from pgbench clients
# keep the index complete and its recall up.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $node = PostgreSQL::Test::Cluster->new('maintenance');
$node->init;
$node->append_conf('postgresql.conf', "autovacuum = off\nmax_connections = 20");
$node->start;
setup_helpers($node);
$node->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(24));
  INSERT INTO items (v) SELECT c::vector FROM clustered(6000, 24, 0.11) c;
  CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops);
  CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(30, 24, 0.12) c;
});
my $ef = 'SET hnsw.ef_search = 60;';

# Delete half, vacuum, insert as many new rows.
my $size_before = $node->safe_psql('postgres', "SELECT pg_relation_size('items_v')");
$node->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0; VACUUM items;');
$node->safe_psql('postgres', 'INSERT INTO items (v) SELECT c::vector FROM clustered(3000, 24, 0.13) c');
my $after = recall($node, 'items', 'v', '<->', 'queries', 10, undef, $ef);
my $size_after = $node->safe_psql('postgres', "SELECT pg_relation_size('items_v')");
$node->safe_psql('postgres', 'CREATE INDEX fresh ON items USING hnsw (v vector_l2_ops); DROP INDEX items_v;');
my $fresh = recall($node, 'items', 'v', '<->', 'queries', 10, undef, $ef);
cmp_ok($after, '>=', $fresh - 0.02, "recall after delete + vacuum + reinsert ($after) within 0.02 of a fresh build ($fresh)");
# Level-0 elements reuse freed items in place; only new upper-level elements (~1/m) need room.
cmp_ok($size_after, '<=', $size_before * 1.15, "index grew from $size_before to $size_after bytes for as many rows");
$node->safe_psql('postgres', 'ALTER INDEX fresh RENAME TO items_v');

# Concurrent inserts: 4 pgbench clients, 300 rows each, one at a time.
run_pgbench($node, "INSERT INTO items (v) SELECT ARRAY(SELECT (random() * 4 - 2)::real FROM generate_series(1, 24))::vector;\n",
	4, 300, 'pgbench inserts from 4 clients');
my $rows = $node->safe_psql('postgres', 'SELECT count(*) FROM items');
is($rows, 6000 + 1200, 'every insert committed');
is( $node->safe_psql('postgres', q{
  SET enable_seqscan = off; SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 1000000;
  SET hnsw.ef_search = 1000; SET work_mem = '64MB';
  SELECT count(DISTINCT id) >= 0.995 * (SELECT count(*) FROM items) AND count(*) = count(DISTINCT id)
  FROM (SELECT id FROM items ORDER BY v <-> array_fill(0::real, ARRAY[24])::vector) s}),
	't', 'the index holds every row once (exhaustive iterative scan)');
cmp_ok(recall($node, 'items', 'v', '<->', 'queries', 10, undef, $ef), '>=', $fresh - 0.02, 'recall after concurrent inserts');

$node->stop;
done_testing();
