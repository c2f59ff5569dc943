# Corrupted binary input (as a client's binary COPY could send it) is rejected with a clear
# error, never crashes the backend, and never disturbs rows already stored.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('binary');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
  CREATE EXTENSION vectorx;
  CREATE TABLE dense (v vector);
  CREATE TABLE half (v halfvec);
  CREATE TABLE sparse (v sparsevec);
  INSERT INTO dense VALUES ('[1,2,3]');
  INSERT INTO half VALUES ('[1,2,3]');
  INSERT INTO sparse VALUES ('{1:1}/3');
});

# A binary COPY file holding one row with one field of the given bytes.
sub copy_file_with
{
	my ($field) = @_;
	my $data = "PGCOPY\n\377\r\n\0" . pack('NN', 0, 0);
	$data .= pack('n', 1) . pack('N', length $field) . $field;
	$data .= pack('n', 0xffff);
	my $path = $node->basedir . '/field.bin';
	open my $fh, '>:raw', $path or die "cannot write $path: $!";
	print $fh $data;
	close $fh;
	return $path;
}

sub dense_field { my ($dim, $unused, @floats) = @_; return pack('nn', $dim, $unused) . pack('f>*', @floats); }

my $nan = unpack('f>', pack('N', 0x7fc00000));
my @cases = (
	[ 'dense', dense_field(3, 0, 1, 2), qr/insufficient data left in message/, 'short buffer' ],
	[ 'dense', dense_field(0, 0), qr/vector must have at least 1 dimension/, 'dim 0' ],
	[ 'dense', dense_field(16001, 0), qr/vector cannot have more than 16000 dimensions/, 'dim over the limit' ],
	[ 'dense', dense_field(2, 7, 1, 2), qr/expected unused to be 0, not 7/, 'unused not 0' ],
	[ 'dense', dense_field(2, 0, 1, $nan), qr/NaN not allowed in vector/, 'NaN element' ],
	[ 'dense', dense_field(1, 0, 1, 2), qr/incorrect binary data format/, 'trailing bytes' ],
	[ 'half', pack('nnnn', 2, 0, 0x3c00, 0x7c00), qr/infinite value not allowed in halfvec/, 'half infinity' ],
	[ 'half', pack('nnn', 2, 0, 0x3c00), qr/insufficient data left in message/, 'half short buffer' ],
	[ 'dense', dense_field(0xffff, 0), qr/vector cannot have more than 16000 dimensions/, 'dim read unsigned, as pgvector does' ],
	[ 'dense', dense_field(1, 0xffff, 1), qr/expected unused to be 0, not 65535/, 'unused read unsigned' ],
	[ 'sparse', pack('NNN', 5, 2, 0) . pack('NN', 3, 1) . pack('f>f>', 1, 2), qr/sparsevec indices must be in ascending order/, 'unsorted indices' ],
	[ 'sparse', pack('NNN', 5, 2, 0) . pack('NN', 1, 1) . pack('f>f>', 1, 2), qr/sparsevec indices must not contain duplicates/, 'duplicate indices' ],
	[ 'sparse', pack('NNN', 5, 1, 0) . pack('N', 5) . pack('f>', 1), qr/sparsevec index out of bounds/, 'index beyond dim' ],
	[ 'sparse', pack('NNN', 5, 1, 0) . pack('N', 1) . pack('f>', 0), qr/cannot contain zero values/, 'zero value' ],
	[ 'sparse', pack('NNN', 2, 3, 0), qr/sparsevec cannot have more elements than dimensions/, 'nnz above dim' ],
	[ 'sparse', pack('NNN', 5, 0xffffffff, 0), qr/sparsevec cannot have negative number of elements/, 'negative nnz' ],
	[ 'sparse', pack('NNN', 100000, 16001, 0), qr/sparsevec cannot have more than 16000 non-zero elements/, 'nnz over the limit' ],
	[ 'sparse', pack('NNN', 0, 0, 0), qr/must have at least 1 dimension/, 'sparse dim 0' ],
	[ 'sparse', pack('NNN', 0xffffffff, 0, 0), qr/sparsevec must have at least 1 dimension/, 'negative sparse dim' ],
	[ 'sparse', pack('NNN', 5, 1, 0) . pack('N', 1), qr/insufficient data left in message/, 'sparse short buffer' ],
);

for my $case (@cases)
{
	my ($table, $field, $expected, $name) = @$case;
	my $path = copy_file_with($field);
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "COPY $table FROM '$path' WITH (FORMAT binary)");
	isnt($ret, 0, "$name: COPY fails");
	like($stderr, $expected, "$name: error message");
}

# A well-formed file still loads, so the harness above is not rejecting everything.
my $good = copy_file_with(dense_field(3, 0, 4, 5, 6));
$node->safe_psql('postgres', "COPY dense FROM '$good' WITH (FORMAT binary)");

is($node->safe_psql('postgres', 'SELECT string_agg(v::text, \' \' ORDER BY v) FROM dense'),
	'[1,2,3] [4,5,6]', 'dense rows intact, the good row loaded');
is($node->safe_psql('postgres', 'SELECT v FROM half'), '[1,2,3]', 'halfvec row intact');
is($node->safe_psql('postgres', 'SELECT v FROM sparse'), '{1:1}/3', 'sparsevec row intact');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server still up');

$node->stop;
done_testing();
