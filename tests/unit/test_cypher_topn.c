/* test_cypher_topn.c — ORDER BY with SKIP/LIMIT (the sort's bounded-heap top-n) must return exactly the
 * slice of the full ordering: compared against ORDER BY without a limit followed by a list slice, over
 * many key ties, for limits below, at and above the row count, LIMIT 0, and a skip beyond the heap bound.
 * Must not: depend on the engine's internal operator names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"


static void check_slice(tenv *t, const char *order, long skip, long limit) {
    char q1[512], q2[512], want[1 << 16];
    snprintf(q1, sizeof q1,
             "UNWIND range(0, 49) AS a UNWIND range(0, 39) AS b WITH a * 40 + b AS x "
             "WITH x, (x * 7919) %% 97 AS k, toString(x %% 13) AS s ORDER BY %s SKIP %ld LIMIT %ld "
             "RETURN collect([x, k, s])", order, skip, limit);
    snprintf(q2, sizeof q2,
             "UNWIND range(0, 49) AS a UNWIND range(0, 39) AS b WITH a * 40 + b AS x "
             "WITH x, (x * 7919) %% 97 AS k, toString(x %% 13) AS s ORDER BY %s "
             "WITH collect([x, k, s]) AS c RETURN c[%ld..%ld]", order, skip, skip + limit);
    snprintf(want, sizeof want, "%s", tq(t, q2));
    assert_true(strncmp(want, "ERR", 3) != 0);
    assert_string_equal(tq(t, q1), want);
}

static void test_topn_matches_full_sort(void **state) {
    tenv *t = *state;
    const char *orders[] = {"k", "k DESC", "s, k DESC", "s DESC, x", "k, s, x DESC", "-x"};
    const long limits[] = {1, 2, 7, 20, 100, 1999, 2000, 5000};
    const long skips[] = {0, 1, 13, 1990};
    for (size_t o = 0; o < sizeof orders / sizeof *orders; o++)
        for (size_t l = 0; l < sizeof limits / sizeof *limits; l++)
            for (size_t s = 0; s < sizeof skips / sizeof *skips; s++) check_slice(t, orders[o], skips[s], limits[l]);
}

static void test_topn_edges(void **state) {
    tenv *t = *state;
    /* LIMIT 0 still evaluates nothing visible and returns no rows */
    EXPECT(t, "UNWIND range(1, 100) AS x RETURN x ORDER BY x LIMIT 0", "");
    /* skip + limit above the heap bound: the buffered sort */
    EXPECT(t, "UNWIND range(1, 100) AS x RETURN x ORDER BY x SKIP 70000 LIMIT 5", "");
    EXPECT(t, "UNWIND range(1, 10) AS x RETURN x ORDER BY x DESC SKIP 8 LIMIT 70000", "2\n1");
    /* ties keep input order; nulls sort last ascending */
    EXPECT(t, "UNWIND [3, null, 1, 2, null, 1] AS x WITH x, 0 AS z ORDER BY x LIMIT 4 RETURN collect(x)", "[1, 1, 2, 3]");
    EXPECT(t, "UNWIND [[1, 'a'], [0, 'b'], [1, 'c'], [0, 'd'], [1, 'e']] AS p "
              "RETURN p[1] ORDER BY p[0] DESC LIMIT 2", "'a'\n'c'");
    /* the kept rows keep their whole frame, not only the keys */
    EXPECT(t, "UNWIND range(1, 300) AS x WITH x, x % 10 AS k, 'v' + toString(x) AS v "
              "RETURN v, k ORDER BY k DESC, x DESC LIMIT 2", "'v299', 9\n'v289', 9");
    /* an error in a sort key still surfaces */
    assert_true(strncmp(tq(t, "UNWIND [2, 1] AS x RETURN x ORDER BY 10 / (x - 1) LIMIT 1"), "ERR", 3) == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_topn_matches_full_sort, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_topn_edges, tenv_setup, tenv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
