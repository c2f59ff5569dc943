-- Hamming and Jaccard distances on Postgres' bit type.
SELECT '101'::bit(3) <~> '111', hamming_distance('1011', '0110'), '101'::bit(3) <%> '111', jaccard_distance('1100', '0011');
SELECT jaccard_distance('0000', '0000'), jaccard_distance('1111', '1111');
SELECT hamming_distance(binary_quantize(array_fill(1, ARRAY[1000])::vector), binary_quantize(array_fill(-1, ARRAY[1000])::vector));