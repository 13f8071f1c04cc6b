MATCH (a), (b), (c)
RETURN size(()--(a))