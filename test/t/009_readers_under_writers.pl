# Readers never fail because writers are busy: while clients insert into (and VACUUM) an
# indexed table, other clients' ORDER BY scans, range scans, vectorx_index_stats and
# vectorx_validate_index on every access method succeed (a scan must tell an index that grew
# since it started from a broken one).
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
$node->append_conf('postgresql.conf', 'max_connections = 40');
$node->start;
setup_helpers($node);

for my $am ('ivfflat', 'ivfpq', 'hnsw', 'flat') {
	my $options = $am eq 'hnsw' || $am eq 'flat' ? '' : 'WITH (lists = 4)';
	$node->safe_psql('postgres', qq{
	  DROP TABLE IF EXISTS items;
	  CREATE TABLE items (id serial PRIMARY KEY, v vector(64));
	  INSERT INTO items (v) SELECT c::vector FROM clustered(400, 64, 0.1) c;
	  CREATE INDEX items_v ON items USING $am (v vector_l2_ops) $options;
	});
	my $query = "(SELECT v FROM items WHERE id = :qid)";
	run_pgbench($node, [
		"INSERT INTO items (v) SELECT c::vector FROM clustered(20, 64, random()) c;\n",
		"\\set qid random(1, 300)\nSET enable_seqscan = off;\nSELECT id FROM items ORDER BY v <-> $query LIMIT 5;\n",
		"\\set qid random(1, 300)\nSET enable_seqscan = off;\nSELECT count(*) FROM items WHERE v <\@ l2_ball($query, 1.0);\n",
		"SELECT count(*) FROM vectorx_index_stats('items_v');\n",
		"DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT 5);\nVACUUM items;\n",
	], 6, 300, "$am: scans, range scans, statistics and VACUUM succeed while rows are inserted");
	is($node->safe_psql('postgres', "SELECT count(*) FROM vectorx_validate_index('items_v', true)"), '0',
		"$am: the index validates clean afterwards");
}
$node->stop;
done_testing();
