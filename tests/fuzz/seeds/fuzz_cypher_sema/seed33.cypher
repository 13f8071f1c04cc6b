MATCH (n)
WHERE n.name = 'Michael'
SET n.name = null
RETURN n