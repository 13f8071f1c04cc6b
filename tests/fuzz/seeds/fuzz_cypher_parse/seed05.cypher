USING QUERY: PLANCACHE "enabled"
MATCH (n) RETURN n SKIP $offset LIMIT $limit;