/* test_value_arith.c — openCypher arithmetic: integer overflow and division by zero errors, int/float
 * promotion, float division by zero (Infinity, NaN), modulo, power, string concatenation with numbers,
 * list append / prepend / concatenation (List4), null propagation and operand type errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "value/value.h"

static qv_arena A;
static cy_error E;

static int setup(void **s) { (void)s; qv_arena_init(&A); cy_error_clear(&E); return 0; }
static int teardown(void **s) { (void)s; qv_arena_free(&A); return 0; }

typedef int (*binop)(qv_arena *, qval, qval, qval *, cy_error *);

static qval ok(binop f, qval x, qval y) {
    qval r;
    assert_int_equal(f(&A, x, y, &r, &E), 0);
    return r;
}

static void fails(binop f, qval x, qval y, cy_errclass cls, const char *detail) {
    qval r;
    cy_error_clear(&E);
    assert_int_equal(f(&A, x, y, &r, &E), -1);
    assert_int_equal(E.cls, cls);
    assert_string_equal(E.detail, detail);
    assert_int_equal(E.phase, CY_PHASE_RUNTIME);
    assert_true(strlen(E.msg) > 0);
}

static void is_int(qval v, int64_t i) { assert_int_equal(v.type, QT_INT); assert_int_equal(v.i, i); }
static void is_float(qval v, double f) { assert_int_equal(v.type, QT_FLOAT); assert_true(v.f == f); }
static void is_str(qval v, const char *s) {
    assert_int_equal(v.type, QT_STRING);
    assert_int_equal(v.len, strlen(s));
    assert_memory_equal(v.s, s, v.len);
}

static void test_integers(void **s) {
    (void)s;
    is_int(ok(qv_add, qv_int(99), qv_int(5)), 104);
    is_int(ok(qv_sub, qv_int(3), qv_int(8)), -5);
    is_int(ok(qv_mul, qv_int(-4), qv_int(6)), -24);
    is_int(ok(qv_div, qv_int(12), qv_int(4)), 3);
    is_int(ok(qv_div, qv_int(-7), qv_int(2)), -3);     /* truncates towards zero, as Java */
    is_int(ok(qv_mod, qv_int(-7), qv_int(2)), -1);
    is_int(ok(qv_mod, qv_int(7), qv_int(-2)), 1);
    is_int(ok(qv_mod, qv_int(INT64_MIN), qv_int(-1)), 0);
    fails(qv_add, qv_int(INT64_MAX), qv_int(1), CYE_ARITHMETIC, "IntegerOverflow");
    fails(qv_sub, qv_int(INT64_MIN), qv_int(1), CYE_ARITHMETIC, "IntegerOverflow");
    fails(qv_mul, qv_int(INT64_MAX / 2 + 1), qv_int(2), CYE_ARITHMETIC, "IntegerOverflow");
    fails(qv_div, qv_int(INT64_MIN), qv_int(-1), CYE_ARITHMETIC, "IntegerOverflow");
    fails(qv_div, qv_int(1), qv_int(0), CYE_ARITHMETIC, "DivisionByZero");
    fails(qv_mod, qv_int(1), qv_int(0), CYE_ARITHMETIC, "DivisionByZero");
    qval r;
    assert_int_equal(qv_neg(&A, qv_int(INT64_MIN), &r, &E), -1);
    assert_string_equal(E.detail, "IntegerOverflow");
    assert_int_equal(qv_neg(&A, qv_int(5), &r, &E), 0);
    is_int(r, -5);
    /* Mathematical8: 12 / 4 * 3 - 2 * 4 = 1 */
    is_int(ok(qv_sub, ok(qv_mul, ok(qv_div, qv_int(12), qv_int(4)), qv_int(3)), ok(qv_mul, qv_int(2), qv_int(4))), 1);
}

static void test_floats(void **s) {
    (void)s;
    is_float(ok(qv_add, qv_int(1), qv_float(0.5)), 1.5);
    is_float(ok(qv_mul, qv_float(2.0), qv_int(3)), 6.0);
    is_float(ok(qv_div, qv_int(1), qv_float(4.0)), 0.25);
    is_float(ok(qv_div, qv_float(1.0), qv_int(0)), INFINITY);
    is_float(ok(qv_div, qv_float(-1.0), qv_float(0.0)), -INFINITY);
    qval nan = ok(qv_div, qv_float(0.0), qv_float(0.0));
    assert_int_equal(nan.type, QT_FLOAT);
    assert_true(isnan(nan.f));
    qval m = ok(qv_mod, qv_float(5.0), qv_int(0));
    assert_true(isnan(m.f));
    is_float(ok(qv_mod, qv_float(7.5), qv_int(2)), 1.5);
    is_float(ok(qv_mod, qv_float(-7.5), qv_int(2)), -1.5);
    is_float(ok(qv_pow, qv_int(2), qv_int(10)), 1024.0);   /* ^ is always a float */
    is_float(ok(qv_pow, qv_int(4), qv_float(0.5)), 2.0);
    is_float(ok(qv_add, qv_float(INFINITY), qv_int(INT64_MAX)), INFINITY);
    qval r;
    assert_int_equal(qv_neg(&A, qv_float(0.0), &r, &E), 0);
    assert_true(signbit(r.f));
}

static void test_strings_lists(void **s) {
    (void)s;
    is_str(ok(qv_add, qv_str_cstr(&A, "nam"), qv_str_cstr(&A, "e")), "name");
    is_str(ok(qv_add, qv_str_cstr(&A, "a"), qv_int(1)), "a1");
    is_str(ok(qv_add, qv_int(1), qv_str_cstr(&A, "a")), "1a");
    is_str(ok(qv_add, qv_str_cstr(&A, "x"), qv_float(1.0)), "x1.0");
    is_str(ok(qv_add, qv_str_cstr(&A, "x"), qv_float(1e10)), "x1.0E10");
    is_str(ok(qv_add, qv_str_cstr(&A, ""), qv_str_cstr(&A, "")), "");
    /* List4 */
    qval a[] = {qv_int(1), qv_int(10), qv_int(100)}, b[] = {qv_int(4), qv_int(5)};
    qval l = ok(qv_add, qv_list_ref(a, 3), qv_list_ref(b, 2));
    assert_int_equal(l.type, QT_LIST);
    assert_int_equal(l.len, 5);
    is_int(l.items[3], 4);
    qval bools[] = {qv_bool(false), qv_bool(true)};
    l = ok(qv_add, qv_list_ref(bools, 2), qv_bool(false));
    assert_int_equal(l.len, 3);
    assert_int_equal(l.items[2].type, QT_BOOL);
    l = ok(qv_add, qv_int(0), qv_list_ref(b, 2));
    assert_int_equal(l.len, 3);
    is_int(l.items[0], 0);
    is_int(l.items[2], 5);
    l = ok(qv_add, qv_str_cstr(&A, "s"), qv_list_ref(b, 2));   /* a list wins over concatenation */
    assert_int_equal(l.type, QT_LIST);
    assert_int_equal(l.len, 3);
    l = ok(qv_add, qv_list_ref(NULL, 0), qv_list_ref(NULL, 0));
    assert_int_equal(l.len, 0);
}

static void test_nulls_and_types(void **s) {
    (void)s;
    binop ops[] = {qv_add, qv_sub, qv_mul, qv_div, qv_mod, qv_pow};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        assert_int_equal(ok(ops[i], qv_null(), qv_int(1)).type, QT_NULL);
        assert_int_equal(ok(ops[i], qv_int(0), qv_null()).type, QT_NULL);
        assert_int_equal(ok(ops[i], qv_null(), qv_list_ref(NULL, 0)).type, QT_NULL);
        fails(ops[i], qv_bool(true), qv_int(1), CYE_TYPE, "InvalidArgumentType");
        fails(ops[i], qv_node(1), qv_int(1), CYE_TYPE, "InvalidArgumentType");
    }
    fails(qv_sub, qv_str_cstr(&A, "a"), qv_int(1), CYE_TYPE, "InvalidArgumentType");
    fails(qv_mul, qv_str_cstr(&A, "a"), qv_int(2), CYE_TYPE, "InvalidArgumentType");
    fails(qv_add, qv_str_cstr(&A, "a"), qv_node(1), CYE_TYPE, "InvalidArgumentType");
    fails(qv_add, qv_map_ref(NULL, 0), qv_int(1), CYE_TYPE, "InvalidArgumentType");
    qval r;
    assert_int_equal(qv_neg(&A, qv_null(), &r, &E), 0);
    assert_int_equal(r.type, QT_NULL);
    assert_int_equal(qv_neg(&A, qv_str_cstr(&A, "a"), &r, &E), -1);
    assert_int_equal(E.cls, CYE_TYPE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_integers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_floats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nulls_and_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
