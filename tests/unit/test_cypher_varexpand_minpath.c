/* test_cypher_varexpand_minpath.c — the shortest-trail variable-length expand (one row per end node with one
 * shortest trail, used when a named path is read only as min(length(p)) by the aggregation that directly
 * follows its MATCH, as LDBC IC1 does) must give the same rows as the path-enumerating expand (forced by
 * naming the relationship) on seeded random multigraphs with cycles, parallel relationships, self-loops and
 * two types, for every direction, hop range, type list, relationship property map, a bound end node and
 * a start planned on either side; and must be chosen only where nothing but min(length(p)) and
 * multiplicity-blind aggregates can be observed. Must not: depend on operator names other than the two
 * EXPLAIN shows for the var-length expands.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* A random multigraph of n :N nodes (n: 0..n-1) and m relationships of types K (w: 0 or 1) and L. */
static void build(tenv *t, uint64_t seed, int n, int m) {
    char q[256];
    snprintf(q, sizeof q, "UNWIND range(0, %d) AS i CREATE (:N {n: i})", n - 1);
    assert_string_equal(tq(t, q), "");
    uint64_t s = seed;
    for (int i = 0; i < m; i++) {
        int a = (int)(rnd(&s) % (uint64_t)n), b = (int)(rnd(&s) % (uint64_t)n);
        if (rnd(&s) % 8 == 0) b = a;   /* self-loops */
        bool l = rnd(&s) % 5 == 0;
        snprintf(q, sizeof q, "MATCH (a:N {n: %d}), (b:N {n: %d}) CREATE (a)-[:%s {w: %d}]->(b)", a, b,
                 l ? "L" : "K", (int)(rnd(&s) % 2));
        assert_string_equal(tq(t, q), "");
        if (rnd(&s) % 6 == 0) {   /* a parallel relationship */
            snprintf(q, sizeof q, "MATCH (a:N {n: %d}), (b:N {n: %d}) CREATE (a)-[:K {w: 1}]->(b)", a, b);
            assert_string_equal(tq(t, q), "");
        }
    }
}

static bool uses_minpath(tenv *t, const char *q) {
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, q, qv_null(), &o);
    if (strncmp(plan, "ERR", 3) == 0) fprintf(stderr, "query: %s\n%s\n", q, plan);
    assert_true(strncmp(plan, "ERR", 3) != 0);
    return strstr(plan, "ShortestTrail") != NULL;
}

/* fmt has two %s: the relationship variable ("" or "r") and the relationship's types and range. */
static void same(tenv *t, const char *fmt, const char *rel) {
    char q1[512], q2[512], want[1 << 16];
    snprintf(q1, sizeof q1, fmt, "", rel);
    snprintf(q2, sizeof q2, fmt, "r", rel);
    assert_false(uses_minpath(t, q2));
    assert_true(uses_minpath(t, q1));
    snprintf(want, sizeof want, "%s", tq(t, q2));
    if (strncmp(want, "ERR", 3) == 0) fprintf(stderr, "query: %s\n%s\n", q2, want);
    assert_true(strncmp(want, "ERR", 3) != 0);
    const char *got = tq(t, q1);
    if (strcmp(got, want) != 0) fprintf(stderr, "query: %s\n", q1);
    assert_string_equal(got, want);
}

static const char *RELS[] = {":K*1..1", ":K*1..2", ":K*1..3", ":K*0..2", ":K*0..0", ":K*1..0", ":K|L*1..4",
                             ":L*", "*1..3", ":K*1..3 {w: 1}", ":K*..4 {w: 0}", ":X*0..3", ":X*1..3", ":K*..5"};
static const char *FMTS[] = {
    "MATCH p = (a:N)-[%s%s]-(b) WITH a, b, min(length(p)) AS d RETURN a.n, b.n, d ORDER BY a.n, b.n",
    "MATCH p = (a:N)-[%s%s]->(b) RETURN a.n, b.n, min(length(p)) AS d ORDER BY a.n, b.n",
    "MATCH p = (a:N)<-[%s%s]-(b) RETURN a.n, b.n, min(length(p)) AS d ORDER BY a.n, b.n",
    /* IC1's shape: a seek, a filter on the end, ORDER BY the distance with LIMIT */
    "MATCH p = (a:N {n: 0})-[%s%s]-(b:N) WHERE b.n %% 2 = 0 AND b <> a WITH b, min(length(p)) AS d "
    "ORDER BY d, b.n LIMIT 5 RETURN b.n, d",
    /* the end bound by an earlier clause (expand into) */
    "MATCH (b:N) WHERE b.n %% 3 = 0 WITH b MATCH p = (a:N)-[%s%s]->(b) RETURN a.n, b.n, min(length(p)) "
    "ORDER BY a.n, b.n",
    /* cycles through the start: both ends the same node */
    "MATCH p = (a:N)-[%s%s]-(a) RETURN a.n, min(length(p)) AS d ORDER BY a.n",
    "MATCH p = (a:N)-[%s%s]->(a) RETURN a.n, min(length(p)) AS d ORDER BY a.n",
    /* the start planned at the right end: the hops are listed backwards */
    "MATCH p = (b)-[%s%s]->(a:N {n: 1}) RETURN b.n, min(length(p)) AS d ORDER BY b.n",
    "MATCH p = (b)-[%s%s]-(a:N {n: 2}) RETURN b.n, min(length(p)) AS d ORDER BY b.n",
    /* grouping coarser than the end node, DISTINCT counts, arithmetic over the minimum, DISTINCT rows */
    "MATCH p = (a:N)-[%s%s]-(b) RETURN a.n %% 3 AS k, min(length(p)) * 10 + 1 AS d, count(DISTINCT b) AS c "
    "ORDER BY k",
    "MATCH p = (a:N)-[%s%s]-(b) WITH DISTINCT a.n %% 2 AS k, min(DISTINCT length(p)) AS d WHERE d < 3 "
    "RETURN k, d ORDER BY k",
    "MATCH p = (a:N)-[%s%s]-(b) RETURN min(length(p)) AS d",
};

static void run_seed(uint64_t seed, int n, int m) {
    tenv t;
    tenv_init(&t);
    build(&t, seed, n, m);
    for (size_t f = 0; f < sizeof FMTS / sizeof *FMTS; f++)
        for (size_t r = 0; r < sizeof RELS / sizeof *RELS; r++) same(&t, FMTS[f], RELS[r]);
    tenv_free(&t);
}

static void test_minpath_matches_paths(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) run_seed(seed * 7919, 4 + (int)(seed % 6), 4 + (int)seed);
}

/* A graph rich in cycles through one node: the shortest closed trail must not reuse a relationship. */
static void test_minpath_cycles(void **state) {
    (void)state;
    tenv t;
    tenv_init(&t);
    assert_string_equal(tq(&t, "CREATE (a:N {n: 0}), (b:N {n: 1}), (c:N {n: 2}), (d:N {n: 3}), "
                               "(a)-[:K]->(b), (b)-[:K]->(c), (c)-[:K]->(a), (a)-[:K]->(d), (d)-[:K]->(d), "
                               "(b)-[:K]->(d), (c)-[:L]->(c)"), "");
    for (size_t f = 0; f < sizeof FMTS / sizeof *FMTS; f++)
        for (size_t r = 0; r < sizeof RELS / sizeof *RELS; r++) same(&t, FMTS[f], RELS[r]);
    /* a tree (no cycle): the start is reached only with 0 hops */
    EXPECT(&t, "MATCH p = (a:N {n: 1})-[:K*1..3]-(a) RETURN min(length(p))", "3");
    EXPECT(&t, "MATCH p = (a:N {n: 3})-[:K*1..3]-(a) RETURN min(length(p))", "1");
    EXPECT(&t, "MATCH p = (a:N {n: 2})-[:L*1..3]-(a) RETURN min(length(p))", "1");
    tenv_free(&t);
}

/* The rewrite is chosen only where the path's other uses and the rows' multiplicity cannot be observed. */
static void test_minpath_plan_choice(void **state) {
    (void)state;
    tenv t;
    tenv_init(&t);
    build(&t, 3, 6, 8);
    const char *yes[] = {
        "MATCH p = (a:N {n: 0})-[:K*1..3]-(f:N) WHERE f.n > 1 AND f <> a WITH f, min(length(p)) AS d "
        "ORDER BY d, f.n LIMIT 20 RETURN f.n, d",
        "MATCH p = (a:N)-[*0..2]->(b) RETURN b, min(length(p))",
        /* LDBC IC1 as bench/cypher_queries.h runs it */
        "MATCH path = (person:N {`~id`: 'x'})-[:K*1..3]-(friend:N) WHERE friend.n = 2 AND friend <> person "
        "WITH friend, min(length(path)) AS distance ORDER BY distance ASC, friend.n ASC, id(friend) ASC LIMIT 20 "
        "RETURN id(friend) AS friendId, friend.n AS friendLastName, distance AS distanceFromPerson",
        "MATCH p = (a:N)-[:K*]-(b) RETURN count(DISTINCT a), min(length(p))",
    };
    const char *no[] = {
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(length(p)), count(*)",         /* multiplicity */
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(length(p)), count(b)",
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(length(p)), collect(DISTINCT a)",
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, max(length(p))",                   /* the longest */
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(size(nodes(p)))",
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, length(p)",                        /* not aggregating */
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN p, min(length(p))",
        "MATCH p = (a:N)-[:K*1..3]-(b) WHERE length(p) > 1 RETURN b, min(length(p))",
        "MATCH p = (a:N)-[:K*1..3]-(b) WHERE size([x IN nodes(p) | x]) > 1 RETURN b, min(length(p))",
        "MATCH p = (a:N)-[r:K*1..3]-(b) RETURN b, min(length(p))",                  /* relationship list */
        "MATCH p = (a:N)-[:K*2..3]-(b) RETURN b, min(length(p))",                   /* min 2 */
        "MATCH p = (a:N)-[:K*1..3]-(b)-[:K]-(c) RETURN c, min(length(p))",          /* two relationships */
        "MATCH p = (a:N)-[:K*1..3]-(b), (c:N) RETURN c, min(length(p))",
        "OPTIONAL MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(length(p))",
        "MATCH p = (a:N)-[:K*1..3]-(b) WITH * RETURN b, min(length(p))",
        "MATCH p = (a:N)-[:K*1..3]-(b) WITH b, min(length(p)) AS d, [p IN [1] | p] AS l RETURN b, d, l",
        "MATCH p = (a:N)-[:K*1..3]-(b) UNWIND [1] AS x RETURN b, min(length(p))",
        "MATCH p = (a:N)-[:K*1..3]-(b) RETURN b, min(length(p)) + size([(b)--() | 1])",
    };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        if (!uses_minpath(&t, yes[i])) fprintf(stderr, "expected the rewrite: %s\n", yes[i]);
        assert_true(uses_minpath(&t, yes[i]));
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        if (uses_minpath(&t, no[i])) fprintf(stderr, "unexpected rewrite: %s\n", no[i]);
        assert_false(uses_minpath(&t, no[i]));
    }
    tenv_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minpath_matches_paths),
        cmocka_unit_test(test_minpath_cycles),
        cmocka_unit_test(test_minpath_plan_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
