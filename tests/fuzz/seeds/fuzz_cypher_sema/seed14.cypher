MATCH (n $param)
RETURN n