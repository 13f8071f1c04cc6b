
UNWIND $params as param
MATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company {`~id` : param.__to_node_id}) MERGE (from_node)-[rel: WORKS_AT {role : param.role}]->(to_node)