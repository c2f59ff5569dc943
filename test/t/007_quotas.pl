# Quotas under concurrent inserts, for hnsw, ivfflat, ivfpq and flat: with a per-database vector
# quota, four pgbench clients race to insert past it; exactly the quota's worth of rows
# commits (refused inserts write nothing: no partial rows, no stray entries), the index holds
# every committed row once (a search finds all but the hnsw elements the stats count as
# unreachable, and all after a VACUUM) and stays valid, and VACUUM of deleted rows makes room
# again. A per-role quota reaches that role's sessions, which cannot lift it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $node = PostgreSQL::Test::Cluster->new('quotas');
$node->init;
$node->start;
setup_helpers($node);

my $insert = q{DO $$ BEGIN
  INSERT INTO items (v) SELECT c::vector FROM clustered(1, 16, random()) c;
EXCEPTION WHEN program_limit_exceeded THEN NULL;
END $$;
};

my %index = (
	hnsw    => 'USING hnsw (v vector_l2_ops)',
	ivfflat => 'USING ivfflat (v) WITH (lists = 10)',
	ivfpq   => 'USING ivfpq (v) WITH (lists = 10, m = 4)',
	flat    => 'USING flat (v)');
# Every row, read through the index alone.
my %all_rows = (
	hnsw    => 'SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 1000000; SET hnsw.ef_search = 1000;',
	ivfflat => 'SET ivfflat.probes = 10;',
	ivfpq   => 'SET ivfpq.probes = 10;',
	flat    => '');

# Rows an index-only read returns, and how many of them are distinct.
sub rows_found {
	my ($am) = @_;
	return $node->safe_psql('postgres', qq{SET enable_seqscan = off; $all_rows{$am}
	  SELECT count(*) || ' ' || count(DISTINCT id) FROM (SELECT id FROM items ORDER BY v <-> array_fill(0::real, ARRAY[16])::vector) s});
}

for my $am ('hnsw', 'ivfflat', 'ivfpq', 'flat') {
	$node->safe_psql('postgres', qq{
	  ALTER DATABASE postgres RESET vectorx.max_index_vectors;
	  DROP TABLE IF EXISTS items;
	  CREATE TABLE items (id serial PRIMARY KEY, v vector(16));
	  INSERT INTO items (v) SELECT c::vector FROM clustered(900, 16, 0.1) c;
	  CREATE INDEX items_v ON items $index{$am};
	  ALTER DATABASE postgres SET vectorx.max_index_vectors = 1000;
	});
	run_pgbench($node, $insert, 4, 60, "$am: 240 racing inserts from 4 clients");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM items'), '1000', "$am: exactly the quota's rows committed");
	is( $node->safe_psql('postgres', q{SELECT live_entries || ' ' || (shape->>'quota_vectors') FROM vectorx_index_stats('items_v')}),
		'1000 1000', "$am: the index holds 1000 entries and counts 1000");
	# hnsw inserts can prune an element's last in-link (the stats count such elements, and a
	# VACUUM links them back): until then a search finds exactly the others, each once.
	my $unreachable = $node->safe_psql('postgres',
		q{SELECT coalesce((shape->>'unreachable')::int, 0) FROM vectorx_index_stats('items_v')});
	cmp_ok($unreachable, '<=', 20, "$am: at most 2% of the elements unreachable");
	my $reachable = 1000 - $unreachable;
	is(rows_found($am), "$reachable $reachable", "$am: every committed row a search can reach found once through the index");
	$node->safe_psql('postgres', 'VACUUM items');  # removes nothing; links unreachable elements back
	is(rows_found($am), '1000 1000', "$am: after VACUUM every committed row found once through the index");
	my ($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO items (v) VALUES (array_fill(1::real, ARRAY[16]))});
	like($err, qr/would exceed vectorx\.max_index_vectors.*DETAIL:  The limit is 1000 vectors; the index would hold 1001\./s,
		"$am: the next insert is refused with the limit and the figure");
	# Refused inserts used sequence values too: delete exactly 100 rows.
	$node->safe_psql('postgres', 'DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY id LIMIT 100); VACUUM items;');
	run_pgbench($node, $insert, 4, 10, "$am: inserts after VACUUM");
	is($node->safe_psql('postgres', 'SELECT count(*) FROM items'), '940', "$am: VACUUM made room: 40 more rows");
}
$node->safe_psql('postgres', 'ALTER DATABASE postgres RESET vectorx.max_index_vectors');

# A quota set for a role applies in its sessions (from the first use of the extension) and the
# role cannot lift it, neither for the session nor for itself.
$node->safe_psql('postgres', q{
  CREATE ROLE app LOGIN;
  GRANT ALL ON items TO app;
  GRANT USAGE ON SEQUENCE items_id_seq TO app;
  ALTER ROLE app SET vectorx.max_index_vectors = 5;
});
is($node->safe_psql('postgres', 'SELECT vectorx_simd_level() IS NOT NULL; SHOW vectorx.max_index_vectors', extra_params => [ '-U', 'app' ]),
	"t\n5", 'the role quota applies to its sessions');
my ($ret, $out, $err) = $node->psql('postgres', 'SELECT vectorx_simd_level(); SET vectorx.max_index_vectors = 0',
	extra_params => [ '-U', 'app' ]);
like($err, qr/permission denied to set parameter "vectorx.max_index_vectors"/, 'the role cannot lift it for its session');
($ret, $out, $err) = $node->psql('postgres', 'ALTER ROLE app SET vectorx.max_index_vectors = 0', extra_params => [ '-U', 'app' ]);
like($err, qr/permission denied/, 'nor for itself');
($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO items (v) VALUES (array_fill(1::real, ARRAY[16]))},
	extra_params => [ '-U', 'app' ]);
like($err, qr/would exceed vectorx\.max_index_vectors/, 'its inserts meet the quota');

$node->stop;
done_testing();
