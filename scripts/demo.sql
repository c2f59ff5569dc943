-- The README demo: a table of embeddings, an hnsw index, and nearest-neighbour queries.
\pset footer off
CREATE EXTENSION vectorx;
CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3));
INSERT INTO items (embedding) VALUES ('[1,2,3]'), ('[4,5,6]'), ('[1,1,1]'), ('[7,8,9]');
\echo 'Nearest neighbours of [2,2,2] by L2 distance:'
SELECT id, embedding, embedding <-> '[2,2,2]' AS distance FROM items ORDER BY embedding <-> '[2,2,2]' LIMIT 3;
\echo 'An hnsw index answers the same query (forced here: the table is tiny):'
CREATE INDEX ON items USING hnsw (embedding vector_l2_ops);
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY embedding <-> '[2,2,2]' LIMIT 3;
SELECT id, embedding, embedding <-> '[2,2,2]' AS distance FROM items ORDER BY embedding <-> '[2,2,2]' LIMIT 3;
RESET enable_seqscan;
\echo 'Cosine distance, inner product and the average vector:'
SELECT embedding <=> '[1,1,1]' AS cosine, (embedding <#> '[1,1,1]') * -1 AS inner_product FROM items WHERE id = 1;
SELECT avg(embedding) FROM items;
SELECT 'vectorx kernels: ' || vectorx_simd_level() AS simd;
