# Shared pieces of vectorx's TAP tests: clustered test data and a recall measurement, both in
# SQL so every test measures the same way, crash-during-inserts and pgbench runs.
package VectorxTest;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT = qw(setup_helpers recall crash_during_inserts run_pgbench);

# Creates, in database postgres of $node:
#   clustered(n, dim, seed) -> SETOF real[]  points around 20 fixed centres (like real
#     embeddings); the seed draws the points, so other seeds give held-out points of the
#     same clusters (queries)
#   recall(tbl, col, op, queries, k, filter) -> float8
#     the share of the exact top-k (sequential scan) that the index scan returns, averaged
#     over the rows of table `queries` (columns id, q text)
sub setup_helpers {
	my ($node) = @_;
	$node->safe_psql('postgres', q{
CREATE EXTENSION IF NOT EXISTS vectorx;
CREATE FUNCTION clustered(n int, dim int, seed float8) RETURNS SETOF real[] LANGUAGE plpgsql AS $$
DECLARE centres real[][];
BEGIN
  PERFORM setseed(0.5);
  centres := ARRAY(SELECT ARRAY(SELECT (random() * 4 - 2)::real FROM generate_series(1, dim)) FROM generate_series(1, 20));
  PERFORM setseed(seed);
  RETURN QUERY SELECT ARRAY(SELECT (centres[1 + i % 20][j] + (random() - 0.5) * 0.6)::real FROM generate_series(1, dim) j)
    FROM generate_series(1, n) i;
END $$;
CREATE FUNCTION recall(tbl text, col text, op text, queries text, k int, filter text DEFAULT 'true') RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
  q record;
  found bigint := 0;
  wanted bigint := 0;
  by_index bigint[];
  exact bigint[];
BEGIN
  FOR q IN EXECUTE format('SELECT q FROM %s ORDER BY id', queries) LOOP
    SET LOCAL enable_seqscan = off;
    SET LOCAL enable_sort = off;  -- and no full scan of another index plus a sort
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s WHERE %s ORDER BY %I %s %L LIMIT %s) s', tbl, filter, col, op, q.q, k) INTO by_index;
    SET LOCAL enable_seqscan = on;
    SET LOCAL enable_sort = on;
    SET LOCAL enable_indexscan = off;
    SET LOCAL enable_bitmapscan = off;
    EXECUTE format('SELECT array_agg(id) FROM (SELECT id FROM %s WHERE %s ORDER BY %I %s %L LIMIT %s) s', tbl, filter, col, op, q.q, k) INTO exact;
    SET LOCAL enable_indexscan = on;
    SET LOCAL enable_bitmapscan = on;
    found := found + (SELECT count(*) FROM unnest(exact) e WHERE e = ANY(coalesce(by_index, '{}')));
    wanted := wanted + cardinality(exact);
  END LOOP;
  RETURN found::float8 / greatest(wanted, 1);
END $$;
});
}

# recall($node, ...) with the arguments of the SQL function; returns a number.
sub recall {
	my ($node, $tbl, $col, $op, $queries, $k, $filter, $settings) = @_;
	$filter //= 'true';
	$settings //= '';
	return $node->safe_psql('postgres',
		"$settings SELECT recall('$tbl', '$col', '$op', '$queries', $k, \$f\$$filter\$f\$)");
}

# Two sessions insert 20 clustered(16-dim) rows into items.v per committed transaction; after
# two seconds the node stops with an immediate shutdown and is started again (crash recovery).
sub crash_during_inserts {
	my ($node) = @_;
	my @writers;
	for my $w (1 .. 2) {
		push @writers, $node->background_psql('postgres');
		$writers[-1]->query_until(qr/started/, qq{
		  \\echo started
		  DO \$\$ BEGIN
		    FOR b IN 1..1000 LOOP
		      INSERT INTO items (v) SELECT c::vector FROM clustered(20, 16, 0.5 + b * 0.0001 + $w * 0.1) c;
		      COMMIT;
		    END LOOP;
		  END \$\$;
		});
	}
	sleep 2;
	$node->stop('immediate');
	$_->{run}->kill_kill for @writers;
	$node->start;
}

# Runs `$sql` as a pgbench script (an array of scripts: each client picks one per
# transaction, at random) from $clients clients, $transactions each, against database postgres
# of $node; passes when pgbench succeeds (any failed statement fails it).
sub run_pgbench {
	my ($node, $sql, $clients, $transactions, $name) = @_;
	my @files;
	my @scripts = ref $sql ? @$sql : ($sql);
	for my $i (0 .. $#scripts) {
		my $script = $node->basedir . "/pgbench_script_$i.sql";
		open(my $fh, '>', $script) or die "cannot write $script: $!";
		print $fh $scripts[$i];
		close $fh;
		push @files, "--file=$script";
	}
	$node->command_ok([ 'pgbench', '--no-vacuum', "--client=$clients", "--transactions=$transactions", @files,
		'--port=' . $node->port, '--host=' . $node->host, 'postgres' ], $name);
}

1;
