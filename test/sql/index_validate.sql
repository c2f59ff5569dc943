-- vectorx_validate_index: sound indexes of every type report nothing (also after deletes,
-- VACUUM and re-inserts, and on empty indexes); errors for other relations and for callers
-- who do not own the table. Corrupted indexes are checked in test/t/008_validate.pl.
SET client_min_messages = warning;
CREATE TABLE vt (id int, v vector(4), h halfvec(4), b bit(16));
INSERT INTO vt SELECT i, ARRAY[i % 13, i % 7, i % 5, (i * 7) % 11]::vector, ARRAY[i % 3, i % 5, 1, 0]::halfvec,
  (i * 2654435761 % 65536)::bit(16) FROM generate_series(1, 3000) i;
CREATE INDEX vt_hnsw ON vt USING hnsw (v vector_l2_ops) WITH (m = 4);
CREATE INDEX vt_hnsw_bit ON vt USING hnsw (b bit_hamming_ops);
CREATE INDEX vt_flat ON vt USING ivfflat (v vector_cosine_ops) WITH (lists = 10);
CREATE INDEX vt_pq ON vt USING ivfpq (h halfvec_l2_ops) WITH (lists = 7, m = 2);
SELECT i, count(p.*) AS problems FROM unnest(ARRAY['vt_hnsw', 'vt_hnsw_bit', 'vt_flat', 'vt_pq']::regclass[]) i
  LEFT JOIN LATERAL vectorx_validate_index(i) p ON true GROUP BY i ORDER BY i::text;
DELETE FROM vt WHERE id % 4 = 0;
VACUUM vt;
INSERT INTO vt SELECT i, ARRAY[i % 3, 1, 2, 3]::vector, ARRAY[1, 2, i % 9, 4]::halfvec, (i % 65536)::bit(16)
FROM generate_series(5000, 5600) i;
SELECT i, count(p.*) AS problems FROM unnest(ARRAY['vt_hnsw', 'vt_hnsw_bit', 'vt_flat', 'vt_pq']::regclass[]) i
  LEFT JOIN LATERAL vectorx_validate_index(i, check_heap => false) p ON true GROUP BY i ORDER BY i::text;
SELECT count(*) AS problems FROM vectorx_validate_index('vt_hnsw');
TRUNCATE vt;
SELECT count(*) AS problems_after_truncate FROM vectorx_validate_index('vt_pq');

-- Errors.
CREATE INDEX vt_btree ON vt (id);
SELECT * FROM vectorx_validate_index('vt_btree');
SELECT * FROM vectorx_validate_index('vt');
CREATE ROLE validator;
GRANT SELECT ON vt TO validator;
SET ROLE validator;
SELECT * FROM vectorx_validate_index('vt_flat');
RESET ROLE;
REVOKE SELECT ON vt FROM validator;
DROP ROLE validator;
DROP TABLE vt;
