UNWIND [true, false, null] AS a
UNWIND [true, false, null] AS b
UNWIND [true, false, null] AS c
WITH collect((a AND b <> c) = (a AND (b <> c))) AS eq,
     collect((a AND b <> c) <> ((a AND b) <> c)) AS neq
RETURN all(x IN eq WHERE x) AND any(x IN neq WHERE x) AS result