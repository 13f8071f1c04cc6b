UNWIND [true, false, null] AS a
UNWIND [true, false, null] AS b
UNWIND [true, false, null] AS c
WITH collect((a XOR b >= c) = (a XOR (b >= c))) AS eq,
     collect((a XOR b >= c) <> ((a XOR b) >= c)) AS neq
RETURN all(x IN eq WHERE x) AND any(x IN neq WHERE x) AS result