MATCH (node)-[r:KNOWS {name: 'monkey'}]->(a)
RETURN a