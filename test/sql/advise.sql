-- vectorx_advise: the rules on real columns (rows from statistics or a count, dimensions from
-- the typmod or a stored value, the distance given, from an existing index, or the default),
-- the statements it proposes run as given, and errors for bad arguments.
SET client_min_messages = warning;
CREATE TABLE small (id int, v vector(16));
INSERT INTO small SELECT i, array_fill(i::real, ARRAY[16]) FROM generate_series(1, 100) i;
SELECT method, create_index, settings, reason FROM vectorx_advise('small', 'v');

-- 12,000 rows × 128 dims (never analysed: counted), then recall targets and distances.
CREATE TABLE mid (id int, v vector(128), u vector, h halfvec(300), s sparsevec(1000), b bit(256));
INSERT INTO mid SELECT i, array_fill((i % 17)::real, ARRAY[128]), array_fill((i % 17)::real, ARRAY[64]),
  array_fill((i % 5)::real, ARRAY[300])::halfvec, '{1:1}/1000', repeat('01', 128)::bit(256) FROM generate_series(1, 12000) i;
SELECT method, create_index, settings, details->>'rows' AS rows, details->>'dimensions' AS dims FROM vectorx_advise('mid', 'v');
SELECT settings FROM vectorx_advise('mid', 'v', target_recall => 0.99);
SELECT method, reason FROM vectorx_advise('mid', 'v', target_recall => 1);
SELECT method, create_index, settings FROM vectorx_advise('mid', 'h', '<=>');
SELECT method, create_index, settings FROM vectorx_advise('mid', 's', '<#>');
SELECT method, create_index, reason FROM vectorx_advise('mid', 'b');
SELECT method, create_index FROM vectorx_advise('mid', 'v', '<+>');
-- A column without declared dimensions (read from a value): the index goes on a cast.
SELECT create_index, reason FROM vectorx_advise('mid', 'u');
DO $$ BEGIN EXECUTE (SELECT create_index FROM vectorx_advise('mid', 'u')); END $$;
-- The distance of an existing index on the column is the one advised for.
CREATE INDEX mid_v_cos ON mid USING hnsw (v vector_cosine_ops);
SELECT details->>'operator' AS operator, create_index FROM vectorx_advise('mid', 'v');
DROP INDEX mid_v_cos;
-- The proposed statement builds.
DO $$ BEGIN EXECUTE (SELECT create_index FROM vectorx_advise('mid', 'v')); END $$;
SELECT indexdef FROM pg_indexes WHERE tablename = 'mid';

-- Errors.
SELECT * FROM vectorx_advise('mid', NULL);
SELECT * FROM vectorx_advise('mid', 'nope');
SELECT * FROM vectorx_advise('mid', 'ctid');
SELECT * FROM vectorx_advise('mid', 'tableoid');
ALTER TABLE mid ADD COLUMN gone vector(3);
ALTER TABLE mid DROP COLUMN gone;
SELECT attname AS dropped_name FROM pg_attribute WHERE attrelid = 'mid'::regclass AND attisdropped \gset
SELECT * FROM vectorx_advise('mid', :'dropped_name');
SELECT * FROM vectorx_advise('mid', 'id');
SELECT * FROM vectorx_advise('mid', 'v', '<~>');
SELECT * FROM vectorx_advise('mid', 'b', '<->');
SELECT * FROM vectorx_advise('mid', 'v', '==');
SELECT * FROM vectorx_advise('mid', 'v', target_recall => 0);
SELECT * FROM vectorx_advise('mid', 'v', target_recall => 1.5);
CREATE TABLE empty (v vector);
SELECT * FROM vectorx_advise('empty', 'v');
CREATE ROLE advisee;
SET ROLE advisee;
SELECT * FROM vectorx_advise('mid', 'v');
RESET ROLE;
DROP ROLE advisee;
DROP TABLE small, mid, empty;
