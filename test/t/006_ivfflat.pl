# ivfflat: a streaming standby replays the build, inserts and VACUUM and answers like the
# primary; an immediate shutdown during concurrent inserts recovers to an index that holds
# every committed row once; recall at a few probes; iterative scans under a 1% filter.
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
$primary->start;
setup_helpers($primary);
$primary->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(16));
  INSERT INTO items (v) SELECT c::vector FROM clustered(5000, 16, 0.1) c;
  CREATE INDEX items_v ON items USING ivfflat (v vector_l2_ops) WITH (lists = 50);
  CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(20, 16, 0.2) c;
});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;
$primary->safe_psql('postgres', q{
  INSERT INTO items (v) SELECT c::vector FROM clustered(1000, 16, 0.3) c;
  DELETE FROM items WHERE id % 3 = 0;
  VACUUM items;
  INSERT INTO items (v) SELECT c::vector FROM clustered(500, 16, 0.4) c;
});
$primary->wait_for_catchup($standby);

my $answers = q{SET enable_seqscan = off; SET ivfflat.probes = 5;
  SELECT string_agg(r.ids, ';' ORDER BY q.id) FROM queries q,
  LATERAL (SELECT string_agg(id::text, ',') ids FROM (SELECT id FROM items ORDER BY v <-> q.q::vector LIMIT 10) s) r};
is($standby->safe_psql('postgres', $answers), $primary->safe_psql('postgres', $answers),
	'standby answers like the primary after build, inserts and vacuum');
cmp_ok(recall($standby, 'items', 'v', '<->', 'queries', 10, undef, 'SET ivfflat.probes = 20;'), '>=', 0.95,
	'recall at 20 of 50 lists on the standby');
$standby->stop;

# Iterative scans keep reading lists until a 1% filter lets LIMIT rows through.
is($primary->safe_psql('postgres', q{SET enable_seqscan = off; SET ivfflat.iterative_scan = relaxed_order;
  SELECT count(*) FROM (SELECT id FROM items WHERE id % 100 = 1 ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 20) s}),
	'20', 'iterative scan fills LIMIT under a 1% filter');

# Crash during concurrent inserts.
crash_during_inserts($primary);
is( $primary->safe_psql('postgres', q{SET enable_seqscan = off; SET ivfflat.probes = 50;
  SELECT count(*) = count(DISTINCT id) AND count(*) = (SELECT count(*) FROM items)
  FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]') s}),
	't', 'after the crash, probing every list returns every committed row once');
$primary->stop;
done_testing();
