MATCH (a)
WITH a
  ORDER BY 4 + ((a.num * 2) % 2) DESC, a.num ASC, a.text DESC
  LIMIT 1
RETURN a