# vectorx_validate_index on deliberately corrupted indexes: with the server stopped, bytes of
# hnsw, ivfflat and ivfpq index files are overwritten (garbage over element lists, a broken
# entry point, an impossible entry count, a chain link out of range, a wrong page kind, a heap
# TID beyond the table); the function then reports each problem at its block and never
# crashes the server, and searches through the damaged indexes fail cleanly or answer.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../perl";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use VectorxTest;

my $node = PostgreSQL::Test::Cluster->new('validate');
$node->init;
$node->start;
setup_helpers($node);
$node->safe_psql('postgres', q{
  CREATE TABLE items (id serial PRIMARY KEY, v vector(16));
  INSERT INTO items (v) SELECT c::vector FROM clustered(3000, 16, 0.1) c;
  CREATE INDEX items_h ON items USING hnsw (v vector_l2_ops) WITH (m = 8);
  CREATE INDEX items_f ON items USING ivfflat (v) WITH (lists = 10);
  CREATE INDEX items_q ON items USING ivfpq (v) WITH (lists = 10, m = 4);
});
for my $index ('items_h', 'items_f', 'items_q') {
	is($node->safe_psql('postgres', "SELECT count(*) FROM vectorx_validate_index('$index')"), '0', "$index is sound");
}

my %file = map { $_ => $node->data_dir . '/' . $node->safe_psql('postgres', "SELECT pg_relation_filepath('$_')") }
  ('items_h', 'items_f', 'items_q');
$node->stop;

my $page = 8192;
my $area = 24;  # the index's own bytes start after the Postgres page header
sub write_at {
	my ($path, $offset, $bytes) = @_;
	open(my $fh, '+<:raw', $path) or die "$path: $!";
	seek($fh, $offset, 0) or die;
	print $fh $bytes;
	close $fh;
}
sub read_u32 {
	my ($path, $offset) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	seek($fh, $offset, 0) or die;
	read($fh, my $buf, 4) == 4 or die;
	close $fh;
	return unpack('V', $buf);
}

# hnsw: garbage over most of block 2 (item directory and elements), and an entry point
# (meta offset 24) naming block 65535.
write_at($file{items_h}, 2 * $page + $area + 8, "\xff" x 4000);
write_at($file{items_h}, $area + 16 + 24, pack('V', 0xFFFF00));

# IVF: the meta page says where data pages start (1 + directory pages + codebook pages).
my $ivf_first_data = sub {
	my ($path) = @_;
	return 1 + read_u32($path, $area + 16 + 28) + read_u32($path, $area + 16 + 40);
};
my $f = $ivf_first_data->($file{items_f});
write_at($file{items_f}, $f * $page + $area + 2, pack('v', 60000));                   # entry count
write_at($file{items_f}, ($f + 1) * $page + $area + 8, pack('V', 0x7FFFFFFF));        # chain link
write_at($file{items_f}, ($f + 2) * $page + $area + 16, pack('V', 999999));           # heap block of entry 0
my $q = $ivf_first_data->($file{items_q});
write_at($file{items_q}, $q * $page + $area, pack('v', 0x4242));                      # page kind
$node->start;

my $report = sub {
	my ($index) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(block || '/' || coalesce(item::text, '-') || ': ' || problem, E'\\n') FROM vectorx_validate_index('$index')");
};
my $h = $report->('items_h');
like($h, qr/^2\/\d+: malformed element: item entry points outside the page/m, 'hnsw: the garbage page is reported at block 2');
like($h, qr/^0\/-: entry point \(65535,0\) is not an element in use/m, 'hnsw: the broken entry point');
like($h, qr/neighbour \(2,\d+\) is not an element of the index/, 'hnsw: links into the lost page');
like($h, qr/^0\/-: meta page counts 3000 vectors, the pages hold \d+/m, 'hnsw: the count no longer matches');

my $fl = $report->('items_f');
like($fl, qr/^$f\/-: page claims 60000 entries/m, 'ivfflat: the impossible entry count at its block');
my $f1 = $f + 1;
like($fl, qr/^$f1\/-: list \d+'s chain links to block 2147483647, outside the data pages/m, 'ivfflat: the broken link at its block');
my $f2 = $f + 2;
like($fl, qr/^$f2\/0: row \(999999,\d+\) lies beyond the table's \d+ blocks/m, 'ivfflat: the entry naming a missing row');
unlike($node->safe_psql('postgres', "SELECT string_agg(problem, ';') FROM vectorx_validate_index('items_f', false)"),
	qr/beyond the table/, 'check_heap => false skips the table');

like($report->('items_q'), qr/^$q\/-: list \d+'s chain reaches a page of kind 16962/m, 'ivfpq: the wrong page kind at its block');

# Searches through the damaged indexes end in an ERROR or an answer, never a crash (each
# index alone: the others are dropped inside a transaction that rolls back).
my @indexes = ('items_h', 'items_f', 'items_q');
for my $index (@indexes) {
	my $others = join(', ', grep { $_ ne $index } @indexes);
	my ($ret, $out, $err) = $node->psql('postgres', qq{
	  BEGIN; DROP INDEX $others;
	  SET enable_seqscan = off; SET ivfflat.probes = 10; SET ivfpq.probes = 10;
	  SELECT count(*) FROM (SELECT id FROM items ORDER BY v <-> array_fill(0::real, ARRAY[16])::vector LIMIT 50) s;
	  ROLLBACK;});
	ok($ret == 0 || $err =~ /ERROR/, "$index: a search answers or fails cleanly") or diag("$ret $err");
	note("$index: " . ($err =~ /ERROR:\s+(.*)/ ? $1 : "answered $out"));
}
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'the server is still up');
$node->stop;
done_testing();
