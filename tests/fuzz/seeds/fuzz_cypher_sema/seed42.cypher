WITH [1, 2, 3] AS list
RETURN list[1..null] AS r