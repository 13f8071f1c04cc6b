/* test_cypher_varexpand_prune.c — the pruning variable-length expand (one row per reachable end node, used
 * when a DISTINCT projection directly follows a single anonymous var-length relationship) must give the
 * same DISTINCT rows as the path-enumerating expand (forced by naming the relationship), on a graph with
 * cycles, parallel relationships, self-loops and two types, for every direction, hop range, type list,
 * relationship property map and a bound end node. Must not: depend on operator names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"

static int setup(void **state) {
    tenv *t = calloc(1, sizeof *t);
    tenv_init(t);
    *state = t;
    assert_string_equal(tq(t, "UNWIND range(0, 13) AS i CREATE (:N {n: i})"), "");
    assert_string_equal(tq(t, "UNWIND range(0, 23) AS i MATCH (a:N {n: (i * 7) % 12}), (b:N {n: (i * 5 + 3) % 12}) "
                              "CREATE (a)-[:K {w: i % 2}]->(b)"), "");
    /* a self-loop, parallel relationships, a type-L chain, and a 2-node directed cycle outside the rest */
    assert_string_equal(tq(t, "MATCH (a:N {n: 1}), (b:N {n: 2}), (c:N {n: 12}), (d:N {n: 13}) "
                              "CREATE (a)-[:K {w: 0}]->(a), (a)-[:K {w: 1}]->(b), (b)-[:K {w: 1}]->(a), "
                              "(b)-[:L]->(c), (c)-[:K]->(d), (d)-[:K]->(c), (d)-[:L]->(d)"), "");
    return 0;
}
static int teardown(void **state) {
    tenv_free(*state);
    free(*state);
    return 0;
}

static void same(tenv *t, const char *fmt, const char *rel) {
    char q1[512], q2[512], want[1 << 15];
    snprintf(q1, sizeof q1, fmt, "", rel);
    snprintf(q2, sizeof q2, fmt, "r", rel);
    snprintf(want, sizeof want, "%s", tq(t, q2));
    assert_true(strncmp(want, "ERR", 3) != 0);
    const char *got = tq(t, q1);
    if (strcmp(got, want) != 0) fprintf(stderr, "query: %s\n", q1);
    assert_string_equal(got, want);
}

static void test_prune_matches_paths(void **state) {
    tenv *t = *state;
    const char *rels[] = {":K*1..1", ":K*1..2", ":K*1..3", ":K*0..2", ":K*", ":K*..4", ":K*0..0", ":K*1..0",
                          ":K|L*1..3", ":L*", "*1..2", ":K*1..2 {w: 1}", ":K*1..3 {w: 0}", ":X*0..3", ":X*1..3"};
    const char *fmts[] = {
        "MATCH (a:N)-[%s%s]-(b) RETURN DISTINCT a.n AS x, b.n AS y ORDER BY x, y",
        "MATCH (a:N)-[%s%s]->(b) RETURN DISTINCT a.n AS x, b.n AS y ORDER BY x, y",
        "MATCH (a:N)<-[%s%s]-(b) RETURN DISTINCT a.n AS x, b.n AS y ORDER BY x, y",
        "MATCH (a:N {n: 1})-[%s%s]-(b) WHERE b <> a WITH DISTINCT b RETURN b.n AS y ORDER BY y",
        "MATCH (b:N) WHERE b.n %% 3 = 1 WITH b MATCH (a:N)-[%s%s]-(b) WITH DISTINCT a, b RETURN a.n, b.n ORDER BY a.n, b.n",
        "MATCH (b:N) WITH b MATCH (a:N)-[%s%s]->(b) WITH DISTINCT a, b RETURN a.n, b.n ORDER BY a.n, b.n",
        "MATCH (a:N)-[%s%s]-(b) WITH DISTINCT a.n %% 4 AS k, b RETURN k, count(*) ORDER BY k",
    };
    for (size_t f = 0; f < sizeof fmts / sizeof *fmts; f++)
        for (size_t r = 0; r < sizeof rels / sizeof *rels; r++) same(t, fmts[f], rels[r]);
}

static bool prunes(tenv *t, const char *q) {
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, q, qv_null(), &o);
    assert_true(strncmp(plan, "ERR", 3) != 0);
    return strstr(plan, "Pruning") != NULL;
}

/* The pruning expand is chosen only where the rows' multiplicity and the hops cannot be observed. */
static void test_prune_plan_choice(void **state) {
    tenv *t = *state;
    assert_true(prunes(t, "MATCH (r:N {n: 1})-[:K*1..2]-(f:N) WHERE f <> r WITH DISTINCT f RETURN f.n"));
    assert_true(prunes(t, "MATCH (a:N)-[*0..3]->(b) RETURN DISTINCT b.n"));
    assert_false(prunes(t, "MATCH (a:N)-[:K*1..2]-(b) RETURN b.n"));                    /* no DISTINCT */
    assert_false(prunes(t, "MATCH (a:N)-[:K*1..2]-(b) WITH DISTINCT * RETURN b.n"));      /* * */
    assert_false(prunes(t, "MATCH (a:N)-[r:K*1..2]-(b) RETURN DISTINCT b.n"));          /* relationship list */
    assert_false(prunes(t, "MATCH p = (a:N)-[:K*1..2]-(b) RETURN DISTINCT b.n"));       /* path */
    assert_false(prunes(t, "MATCH (a:N)-[:K*2..3]-(b) RETURN DISTINCT b.n"));           /* min 2 */
    assert_false(prunes(t, "MATCH (a:N)-[:K*1..2]-(b)-[:K]-(c) RETURN DISTINCT c.n"));  /* uniqueness across hops */
    assert_false(prunes(t, "MATCH (a:N)-[:K*1..2]-(b), (c)-[:K]-(b) RETURN DISTINCT c.n"));
    assert_false(prunes(t, "OPTIONAL MATCH (a:N)-[:K*1..2]-(b) RETURN DISTINCT b.n"));
    assert_false(prunes(t, "MATCH (a:N) WITH a, size([(a)-[:K*1..2]-(b) | b]) AS k RETURN DISTINCT k"));
    /* the outer pattern prunes, the comprehension nested in its WHERE never does */
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, "MATCH (a:N)-[:K*1..2]-(b) WHERE size([(b)-[:K*1..2]-(c) | c]) > 2 "
                                  "RETURN DISTINCT b.n", qv_null(), &o);
    const char *hit = strstr(plan, "Pruning");
    assert_non_null(hit);
    assert_null(strstr(hit + 1, "Pruning"));
    assert_true(strlen(tq(t, "MATCH (a:N)-[r:K*1..2]-(b) WHERE size([(b)-[:K*1..2]-(c) | c]) > 6 RETURN DISTINCT b.n")) > 0);
    EXPECT(t, "MATCH (a:N)-[:K*1..2]-(b) WHERE size([(b)-[:K*1..2]-(c) | c]) > 6 RETURN DISTINCT b.n ORDER BY b.n",
           tq(t, "MATCH (a:N)-[r:K*1..2]-(b) WHERE size([(b)-[:K*1..2]-(c) | c]) > 6 RETURN DISTINCT b.n ORDER BY b.n"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_prune_matches_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_plan_choice, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
