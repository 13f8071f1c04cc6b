MATCH ()-[r:T]-()
DELETE r:T