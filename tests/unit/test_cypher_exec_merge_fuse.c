/* test_cypher_exec_merge_fuse.c — MERGE whose first ON CREATE item `SET v = map` / `SET v += map` is fused into
 * the creation of a lone node or of one relationship between bound nodes (ops/merge.c, ops/create.c): the
 * result must be the one of creating and then setting — `=` keeps only the map's properties, `+=` keeps the
 * pattern's except the keys the map sets or removes with null — and ON MATCH runs on later matches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"


static void test_rel_fuse(void **state) {
    tenv *t = *state;
    EXPECT(t, "CREATE (:A {k: 1}), (:A {k: 2}), (:A {k: 3})", "");
    /* += : the pattern's w is overridden, its v removed by null, u kept */
    EXPECT(t, "MATCH (a:A {k: 1}), (b:A {k: 2}) MERGE (a)-[r:T {w: 1, v: 5, u: 7}]->(b) "
              "ON CREATE SET r += {w: 9, x: 'y', v: null} RETURN r.u, r.v, r.w, r.x, size(keys(r))",
           "7, null, 9, 'y', 3");
    assert_int_equal(t->last_stats.rels_created, 1);
    /* = : only the map's properties; later ON CREATE items still run */
    EXPECT(t, "MATCH (a:A {k: 2}), (b:A {k: 3}) MERGE (a)-[r:T {w: 1}]->(b) "
              "ON CREATE SET r = {z: a.k + b.k}, r.q = 1 RETURN keys(r), r.z, r.q",
           "['z', 'q'], 5, 1");
    /* a match: ON MATCH only, nothing created */
    EXPECT(t, "MATCH (a:A {k: 2}), (b:A {k: 3}) MERGE (a)-[r:T]->(b) "
              "ON CREATE SET r = {created: true} ON MATCH SET r += {matched: true} RETURN r.created, r.matched, r.z",
           "null, true, 5");
    assert_int_equal(t->last_stats.rels_created, 0);
    /* UNWIND rows, one creating, one matching what the first created */
    EXPECT(t, "MATCH (a:A {k: 1}), (b:A {k: 3}) UNWIND [1, 2] AS i MERGE (a)-[r:U]->(b) "
              "ON CREATE SET r = {i: i} ON MATCH SET r += {j: i} RETURN i, r.i, r.j",
           "1, 1, null\n2, 1, 2");
    /* a value that is not a map fails as SET does */
    assert_string_equal(tq(t, "MATCH (a:A {k: 3}), (b:A {k: 1}) MERGE (a)-[r:V]->(b) ON CREATE SET r = 1"),
                        "ERR TypeError InvalidArgumentType");
    EXPECT(t, "MATCH ()-[r:V]->() RETURN count(r)", "0");
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test_setup_teardown(test_rel_fuse, tenv_setup, tenv_teardown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
