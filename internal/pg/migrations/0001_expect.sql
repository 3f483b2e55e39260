-- tradeassure_expect(ok) fails the statement it is in, with SQLSTATE TA001,
-- unless ok: the end of a write that must change one row at the version
-- it read ("SELECT tradeassure_expect(count(*) = 1) FROM written"). In a
-- unit of work the write is sent with the unit's COMMIT, so it must fail
-- in SQL to keep the COMMIT from running.
CREATE FUNCTION tradeassure_expect(ok boolean) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	IF ok IS NOT TRUE THEN
		RAISE EXCEPTION 'tradeassure: the row is not at the version read' USING ERRCODE = 'TA001';
	END IF;
	RETURN true;
END $$;
