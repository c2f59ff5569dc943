\set ECHO none
-- Included by the pg_regress tests (\ir): runs a statement that must fail and shows
-- "SQLSTATE: message", so expected files pin both the error code and its text.
CREATE FUNCTION pg_temp.expect_error(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
\set ECHO all
