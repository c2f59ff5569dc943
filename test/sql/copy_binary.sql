-- Binary COPY round trip (client-side \copy): send/recv of every type, as clients see them.
-- (psql runs in the directory that holds results/; \copy takes no psql variables)
CREATE TABLE cb (id int, v vector(3), h halfvec(3), s sparsevec(5));
INSERT INTO cb VALUES (1, '[1,2.5,-3e-7]', '[1,2.5,-0.5]', '{1:1.5,5:-2}/5'), (2, '[0,0,0]', '[65504,0,1e-4]', '{}/5'), (3, NULL, NULL, NULL);
\copy cb TO 'results/vectors.bin' WITH (FORMAT binary);
CREATE TABLE cb2 (LIKE cb);
\copy cb2 FROM 'results/vectors.bin' WITH (FORMAT binary);
SELECT * FROM cb2 ORDER BY id;
SELECT count(*) AS identical FROM cb JOIN cb2 USING (id) WHERE cb.v = cb2.v AND cb.h = cb2.h AND cb.s = cb2.s;
-- typmods are enforced on binary input too
CREATE TABLE cb_narrow (id int, v vector(2), h halfvec(3), s sparsevec(5));
\copy cb_narrow FROM 'results/vectors.bin' WITH (FORMAT binary);
SELECT count(*) FROM cb_narrow;
DROP TABLE cb, cb2, cb_narrow;
