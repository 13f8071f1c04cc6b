MATCH (n)
WITH n.num1 AS foo
  ORDER BY n.name, max(n.num2)
RETURN foo AS foo