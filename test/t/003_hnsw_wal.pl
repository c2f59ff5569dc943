# hnsw and WAL: a streaming standby replays the build (logged once at the end), inserts and
# VACUUM (generic WAL) and answers like the primary; an immediate shutdown during concurrent
# inserts and during VACUUM recovers to an index that finds every committed row.
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
$primary->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(16));
  INSERT INTO items (v) SELECT c::vector FROM clustered(3000, 16, 0.1) c;
  CREATE INDEX items_v ON items USING hnsw (v vector_l2_ops);
  CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(20, 16, 0.2) c;
});
$primary->backup('backup');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'backup', has_streaming => 1);
$standby->start;

# changes after the standby started: inserts, deletes, vacuum (reuses freed elements)
$primary->safe_psql('postgres', q{
  INSERT INTO items (v) SELECT c::vector FROM clustered(1000, 16, 0.3) c;
  DELETE FROM items WHERE id % 3 = 0;
  VACUUM items;
  INSERT INTO items (v) SELECT c::vector FROM clustered(500, 16, 0.4) c;
});
$primary->wait_for_catchup($standby);

my $answers = q{SELECT string_agg(r.ids, ';' ORDER BY q.id) FROM queries q,
  LATERAL (SELECT string_agg(id::text, ',') ids FROM (SELECT id FROM items ORDER BY v <-> q.q::vector LIMIT 10) s) r};
my $on_primary = $primary->safe_psql('postgres', "SET enable_seqscan = off; $answers");
my $on_standby = $standby->safe_psql('postgres', "SET enable_seqscan = off; $answers");
is($on_standby, $on_primary, 'standby answers like the primary after build, inserts and vacuum');
like($standby->safe_psql('postgres', "SET enable_seqscan = off; EXPLAIN SELECT id FROM items ORDER BY v <-> '[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]' LIMIT 5"),
	qr/Index Scan using items_v/, 'the standby uses the index');
cmp_ok(recall($standby, 'items', 'v', '<->', 'queries', 10, undef, 'SET hnsw.ef_search = 100;'), '>=', 0.95, 'recall on the standby');

# Wide rows (800 dims, 3.3 KB elements): inserts split most of them across two pages, a head
# and a tail written in separate WAL records; four clients insert at once. The standby replays
# both and finds what the primary finds; every chain checks out.
$primary->safe_psql('postgres', q{
  CREATE TABLE wide (id serial PRIMARY KEY, v vector(800));
  INSERT INTO wide (v) SELECT c::vector FROM clustered(50, 800, 0.1) c;
  CREATE INDEX wide_v ON wide USING hnsw (v vector_l2_ops);
  CREATE TABLE wide_queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(10, 800, 0.2) c;
});
run_pgbench($primary, "INSERT INTO wide (v) SELECT c::vector FROM clustered(1, 800, random()) c;\n", 4, 60,
	'pgbench inserts 800-dim rows from 4 clients');
$primary->wait_for_catchup($standby);
my $wide_answers = q{SET enable_seqscan = off; SELECT string_agg(r.ids, ';' ORDER BY q.id) FROM wide_queries q,
  LATERAL (SELECT string_agg(id::text, ',') ids FROM (SELECT id FROM wide ORDER BY v <-> q.q::vector LIMIT 10) s) r};
is($standby->safe_psql('postgres', $wide_answers), $primary->safe_psql('postgres', $wide_answers),
	'standby answers like the primary after concurrent inserts of split rows');
my $wide_split = q{SELECT (shape->>'split_values')::int > 50 FROM vectorx_index_stats('wide_v')};
is($standby->safe_psql('postgres', $wide_split), 't', 'the standby holds the split rows');
# (validation takes ShareLock on the table, which a standby refuses: checked on the primary)
is($primary->safe_psql('postgres', q{SELECT count(*) FROM vectorx_validate_index('wide_v')}), '0',
	'every head and tail checks out');
cmp_ok(recall($standby, 'wide', 'v', '<->', 'wide_queries', 10, undef, 'SET hnsw.ef_search = 100;'), '>=', 0.95,
	'recall of the split rows on the standby');
$standby->stop;

# Crash during concurrent inserts: committed rows survive and are found through the index.
crash_during_inserts($primary);
my $rows = $primary->safe_psql('postgres', 'SELECT count(*) FROM items');
cmp_ok($rows, '>', 3000, "rows after recovery: $rows");
# every row is reachable: an exhaustive iterative scan returns each live row exactly once
is( $primary->safe_psql('postgres', q{
  SET enable_seqscan = off; SET hnsw.iterative_scan = relaxed_order; SET hnsw.max_scan_tuples = 1000000;
  SET hnsw.ef_search = 1000; SET work_mem = '64MB';
  SELECT count(*) = count(DISTINCT id) AND count(*) >= 0.995 * (SELECT count(*) FROM items)
  FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]') s}),
	't', 'after the crash, the index returns (nearly) every committed row once');
cmp_ok(recall($primary, 'items', 'v', '<->', 'queries', 10, undef, 'SET hnsw.ef_search = 100;'), '>=', 0.95, 'recall after crash recovery');

# Crash during VACUUM.
$primary->safe_psql('postgres', 'DELETE FROM items WHERE id % 2 = 0');
my $vacuum = $primary->background_psql('postgres');
$vacuum->query_until(qr/started/, "\\echo started\nVACUUM items;\n");
$primary->stop('immediate');
$vacuum->{run}->kill_kill;
$primary->start;
$primary->safe_psql('postgres', 'VACUUM items');
cmp_ok(recall($primary, 'items', 'v', '<->', 'queries', 10, undef, 'SET hnsw.ef_search = 100;'), '>=', 0.95, 'recall after a crash during vacuum');
is($primary->safe_psql('postgres', q{SET enable_seqscan = off;
  SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 100) s WHERE id % 2 = 0}),
	'0', 'deleted rows are not returned');

$primary->stop;
done_testing();
