MATCH (a), (b)
WHERE a <> b
RETURN a, b