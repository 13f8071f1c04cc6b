MATCH (n:X)
RETURN n, n.prop iS NuLl AS b