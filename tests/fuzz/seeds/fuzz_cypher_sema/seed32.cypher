WITH 'foo' AS n
MATCH (n)
RETURN n