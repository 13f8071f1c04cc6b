/* test_cypher_relid.c — Neptune's relationship `~id` through openCypher: CREATE with `~id` (string, integer as
 * its decimal string), read by id(r) and r.`~id`, found by a pattern map, by WHERE id(r) = / r.`~id` = (either
 * side, parameters) with the RelationshipByExtId seek in the plan, type and direction respected, undirected
 * patterns both ways; relationships without one read and match as "r<id>"; duplicates fail the whole query
 * with DuplicateId (nothing of it is left), reserved ids are refused, a failed query frees its ids, DELETE
 * frees them; MERGE on `~id` matches or creates once (Nodestream's UNWIND batches), SET cannot change it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"

static const char *plan(tenv *t, const char *q, qval params) {
    cy_query_opts o = {.explain = true};
    return tq_opts(t, q, params, &o);
}

static void test_create_and_match(void **state) {
    (void)state;
    tenv t;
    tenv_init(&t);
    EXPECT(&t, "CREATE (a:P {`~id`: 'a'})-[r:T {`~id`: 'e1', w: 1}]->(b:P {`~id`: 'b'}), (a)-[:T {w: 2}]->(b), "
               "(b)-[:U {`~id`: 7, w: 3}]->(a) RETURN id(r), r.`~id`, r",
           "'e1', 'e1', [:T {w: 1}]");
    assert_int_equal(t.last_stats.rels_created, 3);
    assert_int_equal(t.last_stats.props_set, 3);   /* `~id` is not a property */
    EXPECT(&t, "MATCH ()-[r]->() RETURN id(r), r.w ORDER BY r.w", "'e1', 1\n'r1', 2\n'7', 3");
    EXPECT(&t, "MATCH (x)-[r {`~id`: 'e1'}]->(y) RETURN x.`~id`, r.w, y.`~id`", "'a', 1, 'b'");
    EXPECT(&t, "MATCH (x)<-[r {`~id`: 'e1'}]-(y) RETURN x.`~id`, y.`~id`", "'b', 'a'");
    EXPECT(&t, "MATCH (x)-[r {`~id`: 'e1'}]-(y) RETURN x.`~id`, y.`~id` ORDER BY x.`~id`", "'a', 'b'\n'b', 'a'");
    EXPECT(&t, "MATCH (x)-[r:T {`~id`: 'e1'}]->(y) RETURN r.w", "1");
    EXPECT(&t, "MATCH (x)-[r:U {`~id`: 'e1'}]->(y) RETURN r.w", "");
    EXPECT(&t, "MATCH (x)-[r:U|T {`~id`: 'e1'}]->(y) RETURN r.w", "1");
    EXPECT(&t, "MATCH (x)-[r:Nope {`~id`: 'e1'}]->(y) RETURN r.w", "");
    EXPECT(&t, "MATCH (x)-[r {`~id`: 'e1'}]->(x) RETURN r.w", "");   /* not a self-loop */
    EXPECT(&t, "MATCH (x:Q)-[r {`~id`: 'e1'}]->(y) RETURN r.w", "");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'r1'}]->() RETURN r.w", "2");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'r0'}]->() RETURN r.w", "");      /* rel 0 has a user id */
    EXPECT(&t, "MATCH ()-[r {`~id`: 7}]->() RETURN r.w", "3");        /* an integer is its decimal string */
    EXPECT(&t, "MATCH ()-[r {`~id`: '7'}]->() RETURN r.w", "3");
    EXPECT(&t, "MATCH ()-[r]->() WHERE id(r) = 'e1' RETURN r.w", "1");
    EXPECT(&t, "MATCH ()-[r]->() WHERE 'e1' = r.`~id` AND r.w = 1 RETURN r.w", "1");
    EXPECT(&t, "MATCH ()-[r]->() WHERE r.`~id` = 'e1' AND r.w = 2 RETURN r.w", "");
    EXPECT(&t, "MATCH ()-[r]->() WHERE id(r) IN ['e1', 'r1'] RETURN r.w ORDER BY r.w", "1\n2");
    EXPECT(&t, "MATCH (a {`~id`: 'a'})-[r {`~id`: 'e1'}]->(b) RETURN b.`~id`", "'b'");
    EXPECT(&t, "MATCH ()-[r {`~id`: null}]->() RETURN r.w", "");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'e1'}]->(), ()-[s {`~id`: 'e1'}]->() RETURN r.w", "");   /* uniqueness */
    EXPECT(&t, "UNWIND ['e1', 'r1', 'zz', '7'] AS k MATCH ()-[r {`~id`: k}]->() RETURN k, r.w", "'e1', 1\n'r1', 2\n'7', 3");
    qval p = tmap(&t.a, 1, "id", qv_str_ref("e1", 2));
    assert_string_equal(tqp(&t, "MATCH ()-[r]->() WHERE id(r) = $id RETURN r.w", p), "1");
    assert_non_null(strstr(plan(&t, "MATCH ()-[r]->() WHERE id(r) = $id RETURN r.w", p), "RelationshipByExtId"));
    assert_non_null(strstr(plan(&t, "MATCH ()-[r {`~id`: $id}]->() RETURN r", p), "RelationshipByExtId"));
    assert_non_null(strstr(plan(&t, "MATCH (a)-[r]->(b) WHERE r.`~id` = $id RETURN r", p), "RelationshipByExtId"));
    /* from a bound node, and between two bound nodes (MERGE's match): the lookup, not the adjacency */
    assert_non_null(strstr(plan(&t, "MATCH (a {`~id`: 'a'})-[r {`~id`: $id}]->(b) RETURN r", p), "RelationshipByExtId"));
    assert_non_null(strstr(plan(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MERGE (a)-[r:T {`~id`: $id}]->(b) RETURN r", p),
                           "RelationshipByExtId"));
    EXPECT(&t, "MATCH (a {`~id`: 'a'})-[r {`~id`: 'e1'}]->(b) RETURN b.`~id`", "'b'");
    EXPECT(&t, "MATCH (a {`~id`: 'b'})-[r {`~id`: 'e1'}]->(b) RETURN b.`~id`", "");
    EXPECT(&t, "MATCH (a {`~id`: 'b'})<-[r {`~id`: 'e1'}]-(b) RETURN b.`~id`", "'a'");
    EXPECT(&t, "MATCH (a {`~id`: 'b'})-[r {`~id`: 'e1'}]-(b) RETURN b.`~id`", "'a'");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MATCH (a)-[r {`~id`: 'e1'}]->(b) RETURN r.w", "1");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MATCH (b)-[r {`~id`: 'e1'}]->(a) RETURN r.w", "");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MATCH (b)<-[r:T {`~id`: 'e1'}]-(a) RETURN r.w", "1");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MATCH (b)<-[r:U {`~id`: 'e1'}]-(a) RETURN r.w", "");
    EXPECT(&t, "MATCH (a {`~id`: 'a'})-[r {`~id`: 'e1'}]->(b)-[q {`~id`: '7'}]->(c) RETURN c.`~id`", "'a'");
    EXPECT(&t, "MATCH (a {`~id`: 'a'})-[r {`~id`: 'e1'}]->(b)-[q {`~id`: 'e1'}]->(c) RETURN c.`~id`", "");
    EXPECT(&t, "OPTIONAL MATCH (z {`~id`: 'none'}) OPTIONAL MATCH (z)-[r {`~id`: 'e1'}]->(b) RETURN r", "null");
    tenv_free(&t);
}

static void test_refused_and_atomic(void **state) {
    (void)state;
    tenv t;
    tenv_init(&t);
    EXPECT(&t, "CREATE (:P {`~id`: 'a'})-[:T {`~id`: 'e1'}]->(:P {`~id`: 'b'})", "");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) CREATE (a)-[:T {`~id`: 'e2'}]->(b), (b)-[:T {`~id`: 'e1'}]->(a)",
           "ERR DuplicateDataException DuplicateId");
    EXPECT(&t, "MATCH ()-[r]->() RETURN id(r)", "'e1'");   /* all or nothing: e2 is not there */
    EXPECT(&t, "MATCH (a {`~id`: 'a'}) UNWIND [1, 2] AS i CREATE (a)-[:T {`~id`: 'dup'}]->(a)", "ERR DuplicateDataException DuplicateId");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}) CREATE (a)-[:T {`~id`: 'r3'}]->(a)", "ERR TypeError InvalidPropertyType");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}) CREATE (a)-[:T {`~id`: 1.5}]->(a)", "ERR TypeError InvalidPropertyType");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}) CREATE (a)-[:T {`~id`: 'e9'}]->(a) WITH a RETURN 1 / 0", "ERR ArithmeticError DivisionByZero");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'e9'}]->() RETURN count(r)", "0");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}) CREATE (a)-[r:T {`~id`: 'e9'}]->(a) RETURN id(r)", "'e9'");   /* free again */
    EXPECT(&t, "MATCH ()-[r {`~id`: 'e1'}]->() SET r.`~id` = 'x'", "ERR UnsupportedOperation -");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'e1'}]->() SET r = {w: 1}, r += {`~id`: 'x'} RETURN id(r), r.w", "'e1', 1");
    EXPECT(&t, "MATCH ()-[r {`~id`: 'e1'}]->() DELETE r", "");
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) CREATE (b)-[r:T {`~id`: 'e1'}]->(a) RETURN id(r)", "'e1'");
    EXPECT(&t, "MATCH (x)-[r {`~id`: 'e1'}]->() RETURN x.`~id`", "'b'");
    tenv_free(&t);
}

static void test_merge(void **state) {
    (void)state;
    tenv t;
    tenv_init(&t);
    EXPECT(&t, "CREATE (:P {`~id`: 'a'}), (:P {`~id`: 'b'}), (:P {`~id`: 'c'})", "");
    const char *q = "MATCH (a {`~id`: 'a'}), (b {`~id`: 'b'}) MERGE (a)-[r:T {`~id`: 'm1'}]->(b) "
                    "ON CREATE SET r.n = 1 ON MATCH SET r.n = r.n + 1 RETURN id(r), r.n";
    EXPECT(&t, q, "'m1', 1");
    assert_int_equal(t.last_stats.rels_created, 1);
    EXPECT(&t, q, "'m1', 2");
    assert_int_equal(t.last_stats.rels_created, 0);
    /* the same id between other nodes: MERGE creates, and the id is taken */
    EXPECT(&t, "MATCH (a {`~id`: 'a'}), (c {`~id`: 'c'}) MERGE (a)-[r:T {`~id`: 'm1'}]->(c) RETURN r",
           "ERR DuplicateDataException DuplicateId");
    EXPECT(&t, "MERGE ()-[r:T {`~id`: 'm1'}]->() RETURN r.n", "2");   /* found by the seek, nothing created */
    assert_int_equal(t.last_stats.rels_created, 0);
    assert_int_equal(t.last_stats.nodes_created, 0);
    /* Nodestream's relationship batch, with ids */
    qv_arena *a = &t.a;
    qval rows[3] = {
        tmap(a, 3, "f", qv_str_ref("a", 1), "t", qv_str_ref("c", 1), "id", qv_str_ref("x1", 2)),
        tmap(a, 3, "f", qv_str_ref("b", 1), "t", qv_str_ref("c", 1), "id", qv_str_ref("x2", 2)),
        tmap(a, 3, "f", qv_str_ref("a", 1), "t", qv_str_ref("c", 1), "id", qv_str_ref("x1", 2)),
    };
    qval list = qv_list_ref(rows, 3);
    qval p = tmap(a, 1, "rows", list);
    const char *batch = "UNWIND $rows AS row MATCH (f:P {`~id`: row.f}), (t:P {`~id`: row.t}) "
                        "MERGE (f)-[r:LINK {`~id`: row.id}]->(t) ON CREATE SET r.k = 1 ON MATCH SET r.k = r.k + 1";
    assert_string_equal(tqp(&t, batch, p), "");
    assert_int_equal(t.last_stats.rels_created, 2);
    assert_string_equal(tqp(&t, batch, p), "");
    assert_int_equal(t.last_stats.rels_created, 0);
    EXPECT(&t, "MATCH (f)-[r:LINK]->(t) RETURN id(r), f.`~id`, t.`~id`, r.k ORDER BY id(r)", "'x1', 'a', 'c', 4\n'x2', 'b', 'c', 2");
    /* the fused ON CREATE SET r = map form (the map's own `~id` is not a property and does not change the id) */
    const char *fused = "UNWIND $rows AS row MATCH (f:P {`~id`: row.f}), (t:P {`~id`: row.t}) "
                        "MERGE (f)-[r:FUSED {`~id`: row.id + 'f'}]->(t) ON CREATE SET r = removeKeyFromMap(row, 'f') "
                        "ON MATCH SET r += {`~id`: 'other', seen: true}";
    assert_string_equal(tqp(&t, fused, p), "");
    assert_int_equal(t.last_stats.rels_created, 2);
    assert_string_equal(tqp(&t, fused, p), "");
    assert_int_equal(t.last_stats.rels_created, 0);
    EXPECT(&t, "MATCH ()-[r:FUSED]->() RETURN id(r), r ORDER BY id(r)",
           "'x1f', [:FUSED {id: 'x1', seen: true, t: 'c'}]\n'x2f', [:FUSED {id: 'x2', seen: true, t: 'c'}]");
    tenv_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_match),
        cmocka_unit_test(test_refused_and_atomic),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
