CALL test.my.proc YIELD out
RETURN out