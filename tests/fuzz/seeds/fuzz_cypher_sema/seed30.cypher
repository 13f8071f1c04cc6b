MATCH (a)
RETURN foo(a)