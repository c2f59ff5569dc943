# Identical values share one hnsw element with all their heap rows. While clients insert
# identical rows (attaching them to an element, on its page or on others), delete them and
# VACUUM (removing rows, and elements with their last row) and scan, no row is lost: every
# row of each value is returned by an index scan afterwards, and the index validates clean.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $node = PostgreSQL::Test::Cluster->new('node');
$node->init;
$node->start;
setup_helpers($node);

$node->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(8));
  INSERT INTO items (v) SELECT c::vector FROM clustered(300, 8, 0.1) c;
  INSERT INTO items (v) SELECT array_fill(k::real, ARRAY[8])::vector FROM generate_series(1, 5) k, generate_series(1, 40);
  CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops);
});
my $value = "array_fill(:k::real, ARRAY[8])::vector";
# VACUUM without heap truncation: deletes empty the table's last pages, and a VACUUM that may
# truncate them waits up to 5 s for its lock while the other clients' VACUUMs queue behind it
# (one CI run spent over 15 minutes so). The index's side of VACUUM is the same either way.
run_pgbench($node, [
	"\\set k random(1, 5)\nINSERT INTO items (v) SELECT $value FROM generate_series(1, 10);\n",
	"\\set k random(1, 5)\nDELETE FROM items WHERE id IN (SELECT id FROM items WHERE v = $value ORDER BY random() LIMIT 6);\n",
	"VACUUM (TRUNCATE false) items;\n",
	"\\set k random(1, 5)\nSET enable_seqscan = off;\nSELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> $value LIMIT 50) t;\n",
], 6, 200, "identical rows are inserted, deleted, vacuumed and searched at once");

for my $k (1 .. 5) {
	my $q = "array_fill(${k}::real, ARRAY[8])::vector";
	my $stored = $node->safe_psql('postgres', "SELECT count(*) FROM items WHERE v = $q");
	my $found = $node->safe_psql('postgres', qq{
	  SET enable_seqscan = off;
	  SELECT count(*) FROM (SELECT v <-> $q AS d FROM items ORDER BY v <-> $q) t WHERE d = 0;
	});
	is($found, $stored, "value $k: the index returns all $stored rows");
}
is($node->safe_psql('postgres', "SELECT count(*) FROM vectorx_validate_index('items_v', true)"), '0',
	'the index validates clean');
my ($rows, $elements) = split /\|/, $node->safe_psql('postgres',
	"SELECT live_entries, (shape->>'live_elements')::int FROM vectorx_index_stats('items_v')");
cmp_ok($elements, '<', 300 + 5 * 20, "identical rows share elements ($rows rows in $elements elements)");
$node->stop;
done_testing();
