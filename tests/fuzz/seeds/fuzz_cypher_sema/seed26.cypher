MATCH (a)-[r]->()-[r]->(a)
RETURN r