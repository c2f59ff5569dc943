# ivfflat, ivfpq (8- and 4-bit scalar codes) and flat (the IVF family), each in turn: a streaming
# standby replays the build,
# inserts, deletes and VACUUM and answers like the primary; recall at 20 of 50 lists after
# delete, vacuum and re-insert (flat: exactly 1); iterative scans under a 1% filter (flat: the
# same without a setting); an immediate shutdown during concurrent inserts recovers to an index
# that holds every committed row once.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
# The standby compares every page it replays with the primary's image of it.
$primary->append_conf('postgresql.conf', "wal_consistency_checking = 'generic'");
$primary->start;
setup_helpers($primary);
$primary->safe_psql('postgres',
	q{CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(20, 16, 0.2) c});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

my $zero = "'[" . join(',', (0) x 16) . "]'";
# Per index: its name in the tests, the method, index options, and settings for a few probes,
# for recall, for a filtered scan, for reading every row.
my @ivfpq_settings = ('SET ivfpq.probes = 5;', 'SET ivfpq.probes = 20;',
	'SET ivfpq.iterative_scan = relaxed_order;', 'SET ivfpq.probes = 50; SET ivfpq.rerank = 0;');
my @indexes = (
	['ivfflat', 'ivfflat', 'WITH (lists = 50)', 'SET ivfflat.probes = 5;', 'SET ivfflat.probes = 20;',
		'SET ivfflat.iterative_scan = relaxed_order;', 'SET ivfflat.probes = 50;'],
	['ivfpq', 'ivfpq', 'WITH (lists = 50)', @ivfpq_settings],
	['ivfpq 4-bit', 'ivfpq', 'WITH (lists = 50, quantizer = scalar, nbits = 4)', @ivfpq_settings],
	['flat', 'flat', '', '', '', '', '']);
for my $index (@indexes) {
	my ($label, $am, $options, $few, $many, $filtered, $every) = @$index;
	$primary->safe_psql('postgres', qq{
	  DROP TABLE IF EXISTS items;
	  CREATE TABLE items (id serial PRIMARY KEY, v vector(16));
	  INSERT INTO items (v) SELECT c::vector FROM clustered(5000, 16, 0.1) c;
	  CREATE INDEX items_v ON items USING $am (v vector_l2_ops) $options;
	  INSERT INTO items (v) SELECT c::vector FROM clustered(1000, 16, 0.3) c;
	  DELETE FROM items WHERE id % 3 = 0;
	  VACUUM items;
	  INSERT INTO items (v) SELECT c::vector FROM clustered(500, 16, 0.4) c;
	});
	$primary->wait_for_catchup($standby);

	my $answers = qq{SET enable_seqscan = off; $few
	  SELECT string_agg(r.ids, ';' ORDER BY q.id) FROM queries q,
	  LATERAL (SELECT string_agg(id::text, ',') ids FROM (SELECT id FROM items ORDER BY v <-> q.q::vector LIMIT 10) s) r};
	is($standby->safe_psql('postgres', $answers), $primary->safe_psql('postgres', $answers),
		"$label: standby answers like the primary after build, inserts, delete and vacuum");
	cmp_ok(recall($standby, 'items', 'v', '<->', 'queries', 10, undef, $many), '>=', $am eq 'flat' ? 1 : 0.95,
		"$label: recall at 20 of 50 lists (flat: exact) on the standby after delete, vacuum and re-insert");

	is($primary->safe_psql('postgres', qq{SET enable_seqscan = off; $filtered
	  SELECT count(*) FROM (SELECT id FROM items WHERE id % 100 = 1 ORDER BY v <-> $zero LIMIT 20) s}),
		'20', "$label: iterative scan fills LIMIT under a 1% filter");

	crash_during_inserts($primary);
	is( $primary->safe_psql('postgres', qq{SET enable_seqscan = off; $every
	  SELECT count(*) = count(DISTINCT id) AND count(*) = (SELECT count(*) FROM items)
	  FROM (SELECT id FROM items ORDER BY v <-> $zero) s}),
		't', "$label: after a crash during concurrent inserts, probing every list returns every committed row once");
	$primary->wait_for_catchup($standby);
}
$standby->stop;
$primary->stop;
done_testing();
