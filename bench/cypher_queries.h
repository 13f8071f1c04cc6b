/* cypher_queries.h — the openCypher texts quiver runs in the benchmark (bench/cypher_bench.c).
 *
 * Owns: Nodestream's N1 and R1 statements (exact texts of ../shared/reference/neptune-and-nodestream.md
 * §1.6, with the label and type put in) and the LDBC SNB Interactive reads IS1-IS7, IC1, IC2, IC7, IC9
 * adapted to the loaded schema: persons, forums, posts and comments only (no places, organisations or
 * tags), ids only in `~id` ("Person_id:933", Nodestream's key), messages are Post or Comment nodes.
 * bench/kuzu_cypher.mjs holds the same reads in Kuzu's dialect; change both together.
 * Must not: hold anything but texts.
 */
#ifndef QV_BENCH_CYPHER_QUERIES_H
#define QV_BENCH_CYPHER_QUERIES_H

/* printf formats: %s = the label (N1); from label, to label, type (R1) */
#define QB_N1                                                                                                \
    "\nUNWIND $params as param\nMERGE (node: %s {`~id` : param.__node_id}) ON CREATE SET node = "           \
    "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\")"
#define QB_R1                                                                                                \
    "\nUNWIND $params as param\nMATCH (from_node: %s {`~id` : param.__from_node_id}) , (to_node: %s "       \
    "{`~id` : param.__to_node_id}) MERGE (from_node)-[rel: %s]->(to_node) ON CREATE SET rel = "              \
    "removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\") ON MATCH SET rel += "   \
    "removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")"

/* Parameters a read draws (in this order within one draw). */
typedef enum { QP_PERSON = 1, QP_MESSAGE, QP_FIRSTNAME, QP_MAXDATE } qb_param;

typedef struct qb_read {
    const char *name;
    const char *text;
    qb_param params[3];   /* 0-terminated */
} qb_read;

static const qb_read QB_READS[] = {
    {"IS1",
     "MATCH (n:Person {`~id`: $personId}) "
     "RETURN n.firstName AS firstName, n.lastName AS lastName, n.birthday AS birthday, "
     "n.locationIP AS locationIP, n.browserUsed AS browserUsed, n.gender AS gender, n.creationDate AS creationDate",
     {QP_PERSON}},
    {"IS2",
     "MATCH (:Person {`~id`: $personId})<-[:hasCreator]-(m) "
     "WITH m ORDER BY m.creationDate DESC, id(m) ASC LIMIT 10 "
     "MATCH (m)-[:replyOf*0..]->(p:Post)-[:hasCreator]->(c:Person) "
     "RETURN id(m) AS messageId, coalesce(m.content, m.imageFile) AS messageContent, "
     "m.creationDate AS messageCreationDate, id(p) AS originalPostId, id(c) AS originalPostAuthorId, "
     "c.firstName AS originalPostAuthorFirstName, c.lastName AS originalPostAuthorLastName "
     "ORDER BY messageCreationDate DESC, messageId ASC",
     {QP_PERSON}},
    {"IS3",
     "MATCH (n:Person {`~id`: $personId})-[r:knows]-(friend:Person) "
     "RETURN id(friend) AS personId, friend.firstName AS firstName, friend.lastName AS lastName, "
     "r.creationDate AS friendshipCreationDate "
     "ORDER BY friendshipCreationDate DESC, personId ASC",
     {QP_PERSON}},
    {"IS4",
     "MATCH (m {`~id`: $messageId}) "
     "RETURN m.creationDate AS messageCreationDate, coalesce(m.content, m.imageFile) AS messageContent",
     {QP_MESSAGE}},
    {"IS5",
     "MATCH (m {`~id`: $messageId})-[:hasCreator]->(p:Person) "
     "RETURN id(p) AS personId, p.firstName AS firstName, p.lastName AS lastName",
     {QP_MESSAGE}},
    {"IS6",
     "MATCH (m {`~id`: $messageId})-[:replyOf*0..]->(p:Post)<-[:containerOf]-(f:Forum)-[:hasModerator]->(mod:Person) "
     "RETURN id(f) AS forumId, f.title AS forumTitle, id(mod) AS moderatorId, "
     "mod.firstName AS moderatorFirstName, mod.lastName AS moderatorLastName",
     {QP_MESSAGE}},
    {"IS7",
     "MATCH (m {`~id`: $messageId})<-[:replyOf]-(c:Comment)-[:hasCreator]->(p:Person) "
     "OPTIONAL MATCH (m)-[:hasCreator]->(a:Person)-[r:knows]-(p) "
     "RETURN id(c) AS commentId, c.content AS commentContent, c.creationDate AS commentCreationDate, "
     "id(p) AS replyAuthorId, p.firstName AS replyAuthorFirstName, p.lastName AS replyAuthorLastName, "
     "r IS NOT NULL AS replyAuthorKnowsOriginalMessageAuthor "
     "ORDER BY commentCreationDate DESC, replyAuthorId ASC",
     {QP_MESSAGE}},
    {"IC1",
     "MATCH path = (person:Person {`~id`: $personId})-[:knows*1..3]-(friend:Person) "
     "WHERE friend.firstName = $firstName AND friend <> person "
     "WITH friend, min(length(path)) AS distance "
     "ORDER BY distance ASC, friend.lastName ASC, id(friend) ASC LIMIT 20 "
     "RETURN id(friend) AS friendId, friend.lastName AS friendLastName, distance AS distanceFromPerson, "
     "friend.birthday AS friendBirthday, friend.creationDate AS friendCreationDate, friend.gender AS friendGender, "
     "friend.browserUsed AS friendBrowserUsed, friend.locationIP AS friendLocationIp",
     {QP_PERSON, QP_FIRSTNAME}},
    {"IC2",
     "MATCH (:Person {`~id`: $personId})-[:knows]-(friend:Person)<-[:hasCreator]-(message) "
     "WHERE message.creationDate <= $maxDate "
     "RETURN id(friend) AS personId, friend.firstName AS personFirstName, friend.lastName AS personLastName, "
     "id(message) AS postOrCommentId, coalesce(message.content, message.imageFile) AS postOrCommentContent, "
     "message.creationDate AS postOrCommentCreationDate "
     "ORDER BY postOrCommentCreationDate DESC, postOrCommentId ASC LIMIT 20",
     {QP_PERSON, QP_MAXDATE}},
    {"IC7",
     "MATCH (person:Person {`~id`: $personId})<-[:hasCreator]-(message)<-[like:likes]-(liker:Person) "
     "WITH person, liker, max(like.creationDate) AS likeTime "
     "MATCH (liker)-[like2:likes]->(message2)-[:hasCreator]->(person) WHERE like2.creationDate = likeTime "
     "WITH person, liker, likeTime, min(id(message2)) AS messageId "
     "OPTIONAL MATCH (liker)-[k:knows]-(person) "
     "RETURN id(liker) AS personId, liker.firstName AS personFirstName, liker.lastName AS personLastName, "
     "likeTime AS likeCreationDate, messageId AS commentOrPostId, k IS NULL AS isNew "
     "ORDER BY likeCreationDate DESC, personId ASC LIMIT 20",
     {QP_PERSON}},
    {"IC9",
     "MATCH (root:Person {`~id`: $personId})-[:knows*1..2]-(friend:Person) "
     "WHERE friend <> root "
     "WITH DISTINCT friend "
     "MATCH (friend)<-[:hasCreator]-(message) "
     "WHERE message.creationDate < $maxDate "
     "RETURN id(friend) AS personId, friend.firstName AS personFirstName, friend.lastName AS personLastName, "
     "id(message) AS commentOrPostId, coalesce(message.content, message.imageFile) AS commentOrPostContent, "
     "message.creationDate AS commentOrPostCreationDate "
     "ORDER BY commentOrPostCreationDate DESC, commentOrPostId ASC LIMIT 20",
     {QP_PERSON, QP_MAXDATE}},
};

#endif
