MATCH (p:Person)
RETURN p.name AS name
SKIP -1