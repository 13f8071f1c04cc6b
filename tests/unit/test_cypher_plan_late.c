/* test_cypher_plan_late.c — late projection under ORDER BY ... LIMIT (plan.c: split_late): the items no sort
 * key reads are projected after the top-n sort, for the rows it keeps. Checked against the same query without
 * LIMIT (no late projection; the sort keeps ties in input order, so the LIMIT result is its prefix) over
 * seeded random data with ties, nulls, mixed types and keys that repeat items, read other variables, or are
 * items themselves; and the plan shape: a Projection above the Sort exactly when some item may wait.
 * Must not: depend on operator names other than Projection and Sort.
 */
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
    /* values with many ties (k), nulls (every 7th node has no v), strings and lists */
    assert_string_equal(tq(t, "UNWIND range(0, 199) AS i CREATE (:M {i: i, k: (i * 37) % 11, "
                              "v: CASE WHEN i % 7 = 0 THEN null ELSE (i * 13) % 17 END, s: 'm' + toString(i), "
                              "l: [i, i % 3]})"), "");
    assert_string_equal(tq(t, "MATCH (a:M), (b:M) WHERE b.i = (a.i * 5 + 1) % 200 CREATE (a)-[:R {w: a.k}]->(b)"), "");
    return 0;
}
static int teardown(void **state) {
    tenv_free(*state);
    free(*state);
    return 0;
}

/* The first n lines of s. */
static const char *prefix_lines(const char *s, int n, char *out, size_t cap) {
    size_t len = 0;
    for (int k = 0; s[len] && k < n; len++)
        if (s[len] == '\n' && ++k == n) break;
    if (len >= cap) len = cap - 1;
    memcpy(out, s, len);
    out[len] = 0;
    return out;
}

static bool late(tenv *t, const char *q) {
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, q, qv_null(), &o);
    assert_true(strncmp(plan, "ERR", 3) != 0);
    const char *proj = strstr(plan, "Projection"), *sort = strstr(plan, "Sort");
    assert_non_null(sort);
    return proj && proj < sort;   /* EXPLAIN lists the root first */
}

/* fmt has one %s: " LIMIT n" or "". */
static void same(tenv *t, const char *fmt, int n, bool want_late) {
    char q1[768], q2[768], lim[32], want[1 << 16];
    snprintf(lim, sizeof lim, " LIMIT %d", n);
    snprintf(q1, sizeof q1, fmt, lim);
    snprintf(q2, sizeof q2, fmt, "");
    const char *all = tq(t, q2);
    assert_true(strncmp(all, "ERR", 3) != 0);
    prefix_lines(all, n, want, sizeof want);
    const char *got = tq(t, q1);
    if (strcmp(got, want) != 0) fprintf(stderr, "query: %s\n", q1);
    assert_string_equal(got, want);
    if (late(t, q1) != want_late) fprintf(stderr, "plan shape of: %s\n", q1);
    assert_true(late(t, q1) == want_late);
}

static void test_late_projection_matches(void **state) {
    tenv *t = *state;
    static const struct { const char *fmt; bool late; } cases[] = {
        /* IC9's shape: the keys are two of the items */
        {"MATCH (a:M)-[:R]->(b) RETURN a.s AS name, b.i AS id, b.l AS l, coalesce(b.v, -1) AS v, b.k AS k "
         "ORDER BY k DESC, id ASC%s", true},
        /* a key over the previous scope, not an item */
        {"MATCH (a:M) RETURN a.s AS s, a.l AS l ORDER BY a.v, a.i%s", true},
        /* a key repeating an item's text */
        {"MATCH (a:M) RETURN a.k * 2 AS twice, a.s AS s ORDER BY a.k * 2 DESC, a.i%s", true},
        /* ties kept in input order: only k is a key */
        {"MATCH (a:M) RETURN a.i AS i, a.s AS s ORDER BY a.k%s", true},
        /* every item a key: nothing waits */
        {"MATCH (a:M) RETURN a.k AS k, a.i AS i ORDER BY k, i%s", false},
        /* a nested plan in an item stays early */
        {"MATCH (a:M) RETURN a.i AS i, size([(a)-[:R]->(b) | b]) AS deg ORDER BY a.k, i%s", false},
        /* SKIP with LIMIT */
        {"MATCH (a:M) RETURN a.s AS s, a.l AS l ORDER BY a.v DESC, a.i SKIP 5%s", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int n = 1; n <= 40; n += 13) same(t, cases[i].fmt, n, cases[i].late);
}

/* No late projection without LIMIT, with DISTINCT, or when aggregating; WITH projects late too. */
static void test_late_projection_not_chosen(void **state) {
    tenv *t = *state;
    const char *qs[] = {
        "MATCH (a:M) RETURN a.s AS s ORDER BY a.i",
        "MATCH (a:M) RETURN DISTINCT a.k AS k, a.s AS s ORDER BY k LIMIT 3",
        "MATCH (a:M) RETURN a.k AS k, count(*) AS c ORDER BY k LIMIT 3",
    };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) assert_false(late(t, qs[i]));
    EXPECT(t, "MATCH (a:M) WITH a.s AS s, a.v AS v ORDER BY a.i DESC LIMIT 4 WHERE v IS NOT NULL RETURN s, v",
           "'m199', 3\n'm198', 7\n'm197', 11");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_late_projection_matches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_projection_not_chosen, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
