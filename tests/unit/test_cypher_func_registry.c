/* test_cypher_func_registry.c — the function registry: case-insensitive lookup of every core function,
 * arities, determinism flags, aggregate names, and that each table entry can be called through its
 * pointer (null in, null out for the one-argument functions that take null). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cypher/func.h"

static void test_lookup(void **s) {
    (void)s;
    const cy_fn *f = cy_fn_find("toupper", 7);
    assert_non_null(f);
    assert_string_equal(f->name, "toUpper");
    assert_ptr_equal(cy_fn_find("TOUPPER", 7), f);
    assert_ptr_equal(cy_fn_find("toUpperX", 7), f);   /* length-bounded */
    assert_null(cy_fn_find("toUpperX", 8));
    assert_null(cy_fn_find("foo", 3));
    assert_null(cy_fn_find("", 0));
    f = cy_fn_find("RANGE", 5);
    assert_non_null(f);
    assert_int_equal(f->min_args, 2);
    assert_int_equal(f->max_args, 3);
    f = cy_fn_find("coalesce", 8);
    assert_int_equal(f->max_args, -1);
    assert_false(cy_fn_find("rand", 4)->deterministic);
    assert_false(cy_fn_find("timestamp", 9)->deterministic);
    assert_true(cy_fn_find("nOdEs", 5)->deterministic);
    assert_non_null(cy_fn_find("removeKeyFromMap", 16));
    assert_non_null(cy_fn_find("join", 4));
    assert_non_null(cy_fn_find("elementId", 9));
    /* aggregates are not scalar functions */
    const char *aggs[] = {"count", "COUNT", "sum", "avg", "min", "max", "collect", "stDev", "stdevp",
                          "percentileCont", "percentileDisc"};
    for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++) {
        assert_true(cy_fn_is_aggregate(aggs[i], strlen(aggs[i])));
        assert_null(cy_fn_find(aggs[i], strlen(aggs[i])));
    }
    assert_false(cy_fn_is_aggregate("size", 4));
    assert_false(cy_fn_is_aggregate("counts", 6));
}

static void test_table(void **s) {
    (void)s;
    assert_true(cy_fns_core_n > 60);
    qv_arena a;
    qv_arena_init(&a);
    uint64_t rs = 1;
    cy_fnctx ctx = {.arena = &a, .rand_state = &rs, .pos = -1};
    for (size_t i = 0; i < cy_fns_core_n; i++) {
        const cy_fn *f = &cy_fns_core[i];
        assert_non_null(f->impl);
        assert_true(f->min_args >= 0);
        assert_true(f->max_args == -1 || f->max_args >= f->min_args);
        assert_ptr_equal(cy_fn_find(f->name, strlen(f->name)), f);   /* no name shadows another */
        if (f->min_args == 1) {   /* every one-argument function maps null to null */
            qval arg = qv_null(), out = qv_int(1);
            cy_error err;
            cy_error_clear(&err);
            assert_int_equal(f->impl(&ctx, &arg, 1, &out, &err), 0);
            if (strcmp(f->name, "coalesce") != 0) assert_int_equal(out.type, QT_NULL);
        }
    }
    qv_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
