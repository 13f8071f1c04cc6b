MATCH (a)
CREATE (a {name: 'foo'})
RETURN a