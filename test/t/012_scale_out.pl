# Scale-out through postgres_fdw: a coordinator whose table is hash-partitioned over three
# shard nodes (foreign partitions, `extensions 'vectorx'`) answers top-k, filtered and range
# queries like one node holding every row; the distance operators travel to the shards (EXPLAIN
# VERBOSE shows them in the remote SQL), the shards answer from their own indexes, the fan-out
# query of vectorx_fan_out_query returns the same rows, and a shard that is down is an ERROR,
# never a partial answer.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $shard_count = 3;
my @shards;
for my $s (1 .. $shard_count) {
	my $shard = PostgreSQL::Test::Cluster->new("shard$s");
	$shard->init;
	$shard->start;
	$shard->safe_psql('postgres', q{
	  CREATE EXTENSION vectorx;
	  CREATE TABLE items (id int PRIMARY KEY, v vector(16), category int);
	});
	push @shards, $shard;
}

my $coordinator = PostgreSQL::Test::Cluster->new('coordinator');
$coordinator->init;
$coordinator->start;
setup_helpers($coordinator);
$coordinator->safe_psql('postgres', q{
  CREATE EXTENSION postgres_fdw;
  CREATE TABLE items (id int, v vector(16), category int) PARTITION BY HASH (id);
  CREATE TABLE single (id int PRIMARY KEY, v vector(16), category int);
});
for my $s (1 .. $shard_count) {
	my ($host, $port) = ($shards[ $s - 1 ]->host, $shards[ $s - 1 ]->port);
	my $remainder = $s - 1;
	$coordinator->safe_psql('postgres', qq{
	  CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$host', port '$port',
	    dbname 'postgres', extensions 'vectorx', async_capable 'true', use_remote_estimate 'true', fetch_size '20',
	    fdw_tuple_cost '0.2');
	  CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s;
	  CREATE FOREIGN TABLE items_$s PARTITION OF items FOR VALUES WITH (MODULUS $shard_count, REMAINDER $remainder)
	    SERVER shard$s OPTIONS (table_name 'items');
	});
}
# Rows go to the shards through the coordinator (partition routing into foreign tables).
$coordinator->safe_psql('postgres', q{
  INSERT INTO single SELECT row_number() OVER (), c::vector, (row_number() OVER ()) % 5 FROM clustered(6000, 16, 0.1) c;
  INSERT INTO items SELECT * FROM single;
  CREATE TABLE queries AS SELECT row_number() OVER () AS id, c::vector::text AS q FROM clustered(20, 16, 0.7) c;
});
my @per_shard = map { $_->safe_psql('postgres', 'SELECT count(*) FROM items') } @shards;
is(eval { my $t = 0; $t += $_ for @per_shard; $t }, 6000, 'every row landed on one shard');
ok((grep { $_ > 1700 } @per_shard) == $shard_count, "rows spread by hash: @per_shard");

my $exact_settings = 'SET enable_indexscan = off; SET enable_bitmapscan = off;';

# The ids of a query's rows, one line per query of table queries; $sql names the query vector q.
sub answers {
	my ($node, $sql, $settings) = @_;
	$settings //= '';
	return $node->safe_psql('postgres', qq{$settings
	  SELECT string_agg(r.ids, ';' ORDER BY q.id) FROM queries q,
	    LATERAL (SELECT string_agg(id::text, ',') AS ids FROM ($sql) s) r});
}

# Exact search (no index on the shards yet): identical rows, in the same order.
my $top10 = 'SELECT id FROM %s ORDER BY v <-> q.q::vector LIMIT 10';
is(answers($coordinator, sprintf($top10, 'items')), answers($coordinator, sprintf($top10, 'single'), $exact_settings),
	'exact top-10 across shards equals one node');
my $filtered = 'SELECT id FROM %s WHERE category = 3 ORDER BY v <=> q.q::vector LIMIT 10';
is(answers($coordinator, sprintf($filtered, 'items')),
	answers($coordinator, sprintf($filtered, 'single'), $exact_settings), 'filtered exact top-10 equals one node');
my $range = 'SELECT id FROM %s WHERE v <@ l2_ball(q.q::vector, 1.6) ORDER BY id';
my $in_ball = answers($coordinator, sprintf($range, 'single'), $exact_settings);
ok($in_ball =~ /\d/, 'the balls hold rows');
is(answers($coordinator, sprintf($range, 'items')), $in_ball, 'range search across shards equals one node');

my $q = $coordinator->safe_psql('postgres', 'SELECT q FROM queries WHERE id = 1');
my $plan = $coordinator->safe_psql('postgres',
	"EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items WHERE category = 3 ORDER BY v <-> '$q' LIMIT 10");
like($plan, qr/Remote SQL: .*WHERE \(\(category = 3\)\)/, 'the filter is sent to the shards');
$plan = $coordinator->safe_psql('postgres',
	"EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items WHERE v <@ l2_ball('$q', 1.6)");
like($plan, qr/Remote SQL: .*WHERE \(\(v OPERATOR\(public\.<\@\) '\(.*\)'::public\.l2_ball\)\)/,
	'the ball is sent to the shards');

# The fan-out query: every leaf asked at once (async foreign scans), the same rows.
$coordinator->safe_psql('postgres', q{
  CREATE FUNCTION fan_out_top10(q vector) RETURNS SETOF int LANGUAGE plpgsql AS $$
  BEGIN
    RETURN QUERY EXECUTE format('SELECT id FROM (%s) f', vectorx_fan_out_query('items', 'v <-> $1', 10, 'id')) USING q;
  END $$;
});
is(answers($coordinator, 'SELECT id FROM fan_out_top10(q.q::vector) id'),
	answers($coordinator, sprintf($top10, 'single'), $exact_settings), 'the fan-out query equals one node');
my $fan_out_sql = $coordinator->safe_psql('postgres', "SELECT vectorx_fan_out_query('items', 'v <-> ''$q''::vector', 10, 'id')");
$plan = $coordinator->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) $fan_out_sql");
like($plan, qr/Async Foreign Scan/, 'the fan-out asks shards asynchronously');
like($plan, qr/LIMIT 10::bigint/, 'and sends them the LIMIT');

# With an hnsw index on every shard (and on the one node): each shard searches its index, and
# recall stays within 0.01 of one node's at the same settings.
$_->safe_psql('postgres', 'CREATE INDEX ON items USING hnsw (v vector_l2_ops); ANALYZE items;') for @shards;
$coordinator->safe_psql('postgres', 'CREATE INDEX ON single USING hnsw (v vector_l2_ops); ANALYZE single;');
my $exact = answers($coordinator, sprintf($top10, 'single'), $exact_settings);
my $sharded = answers($coordinator, sprintf($top10, 'items'));
my $one_node = answers($coordinator, sprintf($top10, 'single'), 'SET enable_seqscan = off;');

sub overlap {
	my ($got, $want) = @_;
	my ($found, $total) = (0, 0);
	my @got = split /;/, $got;
	my @want = split /;/, $want;
	for my $i (0 .. $#want) {
		my %seen = map { $_ => 1 } split /,/, ($got[$i] // '');
		for (split /,/, $want[$i]) { $total++; $found++ if $seen{$_}; }
	}
	return $found / $total;
}
my ($sharded_recall, $one_node_recall) = (overlap($sharded, $exact), overlap($one_node, $exact));
cmp_ok($sharded_recall, '>=', $one_node_recall - 0.01, "sharded recall $sharded_recall, one node $one_node_recall");
$plan = $coordinator->safe_psql('postgres', "EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10");
my @remote = $plan =~ /Remote SQL: (.*)/g;
is(scalar(@remote), $shard_count, 'one remote query per shard');
like($remote[0], qr/ORDER BY \(v OPERATOR\(public\.<->\) '/, 'ordered by the distance on the shard');
# postgres_fdw reads the remote query through a cursor, planned for its first rows
for my $s (0 .. $#shards) {
	like($shards[$s]->safe_psql('postgres', "BEGIN; EXPLAIN (COSTS OFF) DECLARE c CURSOR FOR $remote[$s]; COMMIT;"),
		qr/Index Scan using items_v_idx/, 'shard ' . ($s + 1) . ' answers from its hnsw index');
}

# A shard that is down: an ERROR, never the other shards' rows alone.
$shards[1]->stop;
my ($ret, $stdout, $stderr) = $coordinator->psql('postgres', "SELECT id FROM items ORDER BY v <-> '$q' LIMIT 10");
isnt($ret, 0, 'a query with a shard down fails');
like($stderr, qr/could not connect to server "shard2"/, 'and names the shard');
is($stdout, '', 'no partial answer');
($ret, $stdout, $stderr) = $coordinator->psql('postgres', $fan_out_sql);
isnt($ret, 0, 'the fan-out query with a shard down fails too');
$shards[1]->start;
is(answers($coordinator, sprintf($top10, 'items'), ''), $sharded, 'the same answers once the shard is back');

done_testing();
