/* test_value_semantics.c — openCypher equality, comparability, orderability, equivalence and hashing,
 * with expectations from the TCK (expressions/comparison, expressions/list, expressions/map,
 * clauses/return-orderby), plus toString rendering and deep copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "value/value.h"
#include "value/value_fmt.h"

static qv_arena A;

static qval I(int64_t i) { return qv_int(i); }
static qval F(double f) { return qv_float(f); }
static qval S(const char *s) { return qv_str_cstr(&A, s); }
static qval N(void) { return qv_null(); }
static qval B(bool b) { return qv_bool(b); }
/* L(n, v1, ..., vn) */
static qval L(int n, ...) {
    va_list ap;
    va_start(ap, n);
    qlist_b b;
    qlist_b_init(&b, &A, 1);
    for (int i = 0; i < n; i++) qlist_b_push(&b, va_arg(ap, qval));
    va_end(ap);
    return qlist_b_done(&b);
}
/* M(n, "k1", v1, ..., "kn", vn) */
static qval M(int n, ...) {
    va_list ap;
    va_start(ap, n);
    qmap_b b;
    qmap_b_init(&b, &A, 1);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        qmap_b_set(&b, k, strlen(k), va_arg(ap, qval));
    }
    va_end(ap);
    return qmap_b_done(&b);
}

static int setup(void **s) { (void)s; qv_arena_init(&A); return 0; }
static int teardown(void **s) { (void)s; qv_arena_free(&A); return 0; }

static void test_equality_scalars(void **s) {
    (void)s;
    assert_int_equal(qv_equals(I(1), F(1.0)), QTRI_TRUE);
    assert_int_equal(qv_equals(F(1.0), F(1.0)), QTRI_TRUE);
    assert_int_equal(qv_equals(S("1.0"), F(1.0)), QTRI_FALSE);
    assert_int_equal(qv_equals(S("1"), I(1)), QTRI_FALSE);
    assert_int_equal(qv_equals(N(), N()), QTRI_NULL);
    assert_int_equal(qv_equals(N(), I(1)), QTRI_NULL);
    double nan = NAN;
    assert_int_equal(qv_equals(F(nan), I(1)), QTRI_FALSE);
    assert_int_equal(qv_equals(F(nan), F(1.0)), QTRI_FALSE);
    assert_int_equal(qv_equals(F(nan), F(nan)), QTRI_FALSE);
    assert_int_equal(qv_equals(F(nan), S("a")), QTRI_FALSE);
    assert_int_equal(qv_equals(F(-0.0), F(0.0)), QTRI_TRUE);
    assert_int_equal(qv_equals(F(-0.0), I(0)), QTRI_TRUE);
    /* large integers compare exactly, not through doubles */
    assert_int_equal(qv_equals(I(4611686018427387905), I(4611686018427387900)), QTRI_FALSE);
    assert_int_equal(qv_equals(I(9007199254740993), F(9007199254740992.0)), QTRI_FALSE);
    assert_int_equal(qv_equals(I(9007199254740992), F(9007199254740992.0)), QTRI_TRUE);
    assert_int_equal(qv_equals(qv_node(1), qv_node(1)), QTRI_TRUE);
    assert_int_equal(qv_equals(qv_node(1), qv_rel(1)), QTRI_FALSE);
    assert_int_equal(qv_equals(B(true), I(1)), QTRI_FALSE);
}

static void test_equality_lists(void **s) {
    (void)s;
    /* Comparison1 [6], List3 */
    assert_int_equal(qv_equals(L(2, I(1), I(2)), L(1, I(1))), QTRI_FALSE);
    assert_int_equal(qv_equals(L(1, N()), L(1, I(1))), QTRI_NULL);
    assert_int_equal(qv_equals(L(1, S("a")), L(1, I(1))), QTRI_FALSE);
    assert_int_equal(qv_equals(L(1, L(1, I(1))), L(2, L(1, I(1)), L(1, N()))), QTRI_FALSE);
    assert_int_equal(qv_equals(L(2, L(1, I(1)), L(1, I(2))), L(2, L(1, I(1)), L(1, N()))), QTRI_NULL);
    assert_int_equal(qv_equals(L(2, L(1, I(1)), L(2, I(2), I(3))), L(2, L(1, I(1)), L(1, N()))), QTRI_FALSE);
    assert_int_equal(qv_equals(L(2, I(1), N()), L(2, I(1), I(2))), QTRI_NULL);
    assert_int_equal(qv_equals(L(2, I(1), N()), L(2, I(2), N())), QTRI_FALSE);
    assert_int_equal(qv_equals(L(2, I(1), I(2)), L(2, N(), S("foo"))), QTRI_FALSE);
    assert_int_equal(qv_equals(L(2, I(1), I(2)), L(2, N(), I(2))), QTRI_NULL);
    assert_int_equal(qv_equals(L(2, I(1), I(2)), S("foo")), QTRI_FALSE);
    assert_int_equal(qv_equals(L(2, I(1), F(2.0)), L(2, F(1.0), I(2))), QTRI_TRUE);
    assert_int_equal(qv_equals(L(0), L(0)), QTRI_TRUE);
}

static void test_equality_maps(void **s) {
    (void)s;
    /* Comparison1 [7] */
    assert_int_equal(qv_equals(M(0), M(0)), QTRI_TRUE);
    assert_int_equal(qv_equals(M(1, "k", B(true)), M(1, "k", B(true))), QTRI_TRUE);
    assert_int_equal(qv_equals(M(1, "k", F(1.0)), M(1, "k", F(1.0))), QTRI_TRUE);
    assert_int_equal(qv_equals(M(2, "k", S("a"), "l", I(2)), M(2, "l", I(2), "k", S("a"))), QTRI_TRUE);
    assert_int_equal(qv_equals(M(0), M(1, "k", N())), QTRI_FALSE);
    assert_int_equal(qv_equals(M(1, "k", N()), M(0)), QTRI_FALSE);
    assert_int_equal(qv_equals(M(1, "k", I(1)), M(2, "k", I(1), "l", N())), QTRI_FALSE);
    assert_int_equal(qv_equals(M(2, "k", N(), "l", I(1)), M(1, "l", I(1))), QTRI_FALSE);
    assert_int_equal(qv_equals(M(1, "k", N()), M(2, "k", N(), "l", N())), QTRI_FALSE);
    assert_int_equal(qv_equals(M(1, "k", N()), M(1, "k", N())), QTRI_NULL);
    assert_int_equal(qv_equals(M(1, "k", I(1)), M(1, "k", N())), QTRI_NULL);
    assert_int_equal(qv_equals(M(2, "k", I(1), "l", N()), M(2, "k", N(), "l", N())), QTRI_NULL);
    assert_int_equal(qv_equals(M(2, "k", I(1), "l", N()), M(2, "k", N(), "l", I(1))), QTRI_NULL);
    assert_int_equal(qv_equals(M(2, "k", I(1), "l", N()), M(2, "k", I(1), "l", I(1))), QTRI_NULL);
    assert_int_equal(qv_equals(M(1, "k", I(1)), M(1, "l", I(1))), QTRI_FALSE);
    assert_int_equal(qv_equals(M(1, "k", I(1)), M(1, "k", I(2))), QTRI_FALSE);
}

static void test_paths(void **s) {
    (void)s;
    uint64_t n1[] = {5, 5}, r1[] = {9};
    qval p1 = qv_path_make(&A, 1, n1, r1), p2 = qv_path_make(&A, 1, n1, r1);
    assert_int_equal(qv_equals(p1, p2), QTRI_TRUE);   /* Comparison1 [14]: direction does not matter */
    uint64_t n2[] = {5, 6};
    qval p3 = qv_path_make(&A, 1, n2, r1);
    assert_int_equal(qv_equals(p1, p3), QTRI_FALSE);
    assert_true(qv_order(p1, p3) < 0);
    uint64_t n0[] = {5};
    qval p0 = qv_path_make(&A, 0, n0, NULL);
    assert_true(qv_order(p0, p1) < 0);
    assert_true(qv_equivalent(p1, p2));
    assert_int_equal(qv_hash(p1), qv_hash(p2));
    int c;
    assert_int_equal(qv_compare(p1, p2, &c), QTRI_NULL);
}

static qtri op(qval a, qval b, qcmp_op o) { return qv_compare_op(a, b, o); }

static void test_comparability(void **s) {
    (void)s;
    int c;
    /* Comparison2 [4]: lists */
    assert_int_equal(op(L(2, I(1), I(0)), L(1, I(1)), QCMP_GE), QTRI_TRUE);
    assert_int_equal(op(L(2, I(1), N()), L(1, I(1)), QCMP_GE), QTRI_TRUE);
    assert_int_equal(op(L(2, I(1), I(2)), L(2, I(1), N()), QCMP_GE), QTRI_NULL);
    assert_int_equal(op(L(2, I(1), S("a")), L(2, I(1), N()), QCMP_GE), QTRI_NULL);
    assert_int_equal(op(L(2, I(1), I(2)), L(2, I(3), N()), QCMP_GE), QTRI_FALSE);
    /* Comparison2 [5]: NaN compares false with numbers, null with others */
    qval nan = F(NAN);
    for (int o = QCMP_LT; o <= QCMP_GE; o++) {
        assert_int_equal(op(nan, I(1), (qcmp_op)o), QTRI_FALSE);
        assert_int_equal(op(nan, F(1.0), (qcmp_op)o), QTRI_FALSE);
        assert_int_equal(op(nan, nan, (qcmp_op)o), QTRI_FALSE);
        assert_int_equal(op(nan, S("a"), (qcmp_op)o), QTRI_NULL);
    }
    /* Comparison2 [6] */
    assert_int_equal(op(F(1.0), F(1.0), QCMP_LT), QTRI_FALSE);
    assert_int_equal(op(I(1), F(1.0), QCMP_LT), QTRI_FALSE);
    assert_int_equal(op(S("1.0"), F(1.0), QCMP_LT), QTRI_NULL);
    assert_int_equal(op(S("1"), I(1), QCMP_LT), QTRI_NULL);
    /* Comparison2 [3]: across types null, except numbers */
    assert_int_equal(op(I(1), F(3.14), QCMP_LT), QTRI_TRUE);
    assert_int_equal(op(F(3.14), I(1), QCMP_GE), QTRI_TRUE);
    assert_int_equal(op(qv_node(1), qv_node(2), QCMP_LT), QTRI_NULL);
    assert_int_equal(op(M(0), M(0), QCMP_LE), QTRI_NULL);
    assert_int_equal(op(L(0), M(0), QCMP_LT), QTRI_NULL);
    assert_int_equal(op(B(true), I(1), QCMP_GT), QTRI_NULL);
    assert_int_equal(op(N(), N(), QCMP_LE), QTRI_NULL);
    assert_int_equal(op(B(false), B(true), QCMP_LT), QTRI_TRUE);
    assert_int_equal(op(S("a"), S("b"), QCMP_LT), QTRI_TRUE);
    assert_int_equal(op(S("a"), S("ab"), QCMP_LT), QTRI_TRUE);
    assert_int_equal(op(S("xx"), S("x"), QCMP_GT), QTRI_TRUE);
    assert_int_equal(qv_compare(I(INT64_MAX), F(9223372036854775807.0), &c), QTRI_TRUE);
    assert_int_equal(c, -1);   /* 2^63 - 1 < 2^63 exactly */
    assert_int_equal(qv_compare(I(3), F(INFINITY), &c), QTRI_TRUE);
    assert_int_equal(c, -1);
    assert_int_equal(qv_compare(I(-3), F(-INFINITY), &c), QTRI_TRUE);
    assert_int_equal(c, 1);
    assert_int_equal(qv_compare(I(2), F(2.5), &c), QTRI_TRUE);
    assert_int_equal(c, -1);
    assert_int_equal(qv_compare(I(-2), F(-2.5), &c), QTRI_TRUE);
    assert_int_equal(c, 1);
}

static void test_orderability(void **s) {
    (void)s;
    /* ReturnOrderBy1 [9]: lists */
    qval lists[] = {L(0), L(1, S("a")), L(2, S("a"), I(1)), L(1, I(1)), L(2, I(1), S("a")), L(2, I(1), N()),
                    L(2, N(), I(1)), L(2, N(), I(2))};
    for (size_t i = 0; i + 1 < sizeof lists / sizeof lists[0]; i++) {
        assert_true(qv_order(lists[i], lists[i + 1]) < 0);
        assert_true(qv_order(lists[i + 1], lists[i]) > 0);
    }
    /* ReturnOrderBy1 [11]: map < node < rel < list < path < string < bool < number < NaN < null */
    uint64_t pn[] = {1, 2}, pr[] = {3};
    qval types[] = {M(1, "a", S("map")), qv_node(1), qv_rel(3), L(1, S("list")), qv_path_make(&A, 1, pn, pr),
                    S("text"), B(false), F(1.5), F(NAN), N()};
    size_t nt = sizeof types / sizeof types[0];
    for (size_t i = 0; i < nt; i++)
        for (size_t j = 0; j < nt; j++) {
            int o = qv_order(types[i], types[j]);
            if (i < j) assert_true(o < 0);
            else if (i > j) assert_true(o > 0);
            else assert_int_equal(o, 0);
        }
    assert_true(qv_order(S(""), S(" ")) < 0);
    assert_true(qv_order(S(" "), S(".*")) < 0);
    assert_true(qv_order(S(".*"), S("one")) < 0);
    assert_true(qv_order(B(false), B(true)) < 0);
    assert_int_equal(qv_order(I(1), F(1.0)), 0);
    assert_true(qv_order(I(1), F(1.5)) < 0);
    assert_true(qv_order(F(INFINITY), F(NAN)) < 0);
    assert_true(qv_order(I(INT64_MAX), F(NAN)) < 0);
    assert_int_equal(qv_order(F(NAN), F(NAN)), 0);
    assert_int_equal(qv_order(F(-0.0), F(0.0)), 0);
    /* maps: by size, then keys, then values */
    assert_true(qv_order(M(1, "b", I(1)), M(2, "a", I(1), "c", I(1))) < 0);
    assert_true(qv_order(M(1, "a", I(9)), M(1, "b", I(1))) < 0);
    assert_true(qv_order(M(2, "b", I(1), "a", I(2)), M(2, "a", I(2), "b", I(2))) < 0);
    assert_int_equal(qv_order(M(2, "b", I(1), "a", I(2)), M(2, "a", I(2), "b", I(1))), 0);
}

static void test_equivalence_hash(void **s) {
    (void)s;
    assert_true(qv_equivalent(N(), N()));
    assert_true(qv_equivalent(F(NAN), F(NAN)));
    assert_true(qv_equivalent(I(1), F(1.0)));
    assert_int_equal(qv_hash(I(1)), qv_hash(F(1.0)));
    assert_true(qv_equivalent(F(-0.0), I(0)));
    assert_int_equal(qv_hash(F(-0.0)), qv_hash(F(0.0)));
    assert_int_equal(qv_hash(F(NAN)), qv_hash(F(-NAN)));
    assert_false(qv_equivalent(I(1), S("1")));
    assert_false(qv_equivalent(N(), I(0)));
    assert_false(qv_equivalent(I(9007199254740993), F(9007199254740992.0)));
    assert_true(qv_equivalent(L(2, I(1), N()), L(2, F(1.0), N())));
    assert_int_equal(qv_hash(L(2, I(1), N())), qv_hash(L(2, F(1.0), N())));
    assert_false(qv_equivalent(L(2, I(1), N()), L(2, N(), I(1))));
    assert_true(qv_equivalent(M(2, "a", I(1), "b", N()), M(2, "b", N(), "a", F(1.0))));
    assert_int_equal(qv_hash(M(2, "a", I(1), "b", N())), qv_hash(M(2, "b", N(), "a", F(1.0))));
    assert_false(qv_equivalent(M(1, "a", I(1)), M(1, "b", I(1))));
    assert_true(qv_equivalent(S("abc"), S("abc")));
    assert_int_equal(qv_hash(S("abc")), qv_hash(qv_str_ref("abcdef", 3)));
    assert_int_not_equal(qv_hash(S("abc")), qv_hash(S("abd")));
    assert_int_not_equal(qv_hash(qv_node(1)), qv_hash(qv_rel(1)));
    assert_false(qv_equivalent(qv_node(1), qv_rel(1)));
}

/* WithOrderBy1 [45]: ORDER BY agrees with < wherever < is defined. */
static void consistent(qval *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c;
            assert_int_equal(qv_compare(v[i], v[j], &c), QTRI_TRUE);
            int o = qv_order(v[i], v[j]);
            assert_int_equal((o > 0) - (o < 0), c);
            assert_int_equal(qv_compare_op(v[i], v[j], QCMP_LT), c < 0 ? QTRI_TRUE : QTRI_FALSE);
        }
}

static void test_order_consistent_with_compare(void **s) {
    (void)s;
    qval ints[] = {I(351), I(-3974856), I(93), I(-3), I(123), I(0), I(3), I(-2), I(20934587), I(1), I(-10)};
    consistent(ints, sizeof ints / sizeof ints[0]);
    qval floats[] = {F(351.5), F(-3974856.01), F(-3.203957), F(123.0002), F(123.0001), F(0.0100000),
                     F(0.00000001), F(3.0), I(3), I(-4), F(209345.87)};
    consistent(floats, sizeof floats / sizeof floats[0]);
    qval strs[] = {S("Sort"), S("order"), S(" "), S(""), S(", "), S("comparisons are"), S("!"), S("\xc3\xa9")};
    consistent(strs, sizeof strs / sizeof strs[0]);
    qval lists[] = {L(2, I(2), I(2)), L(2, I(2), I(-2)), L(2, I(1), I(2)), L(0), L(1, I(1)), L(2, I(300), I(0)),
                    L(2, I(1), I(-20)), L(3, I(2), I(-2), I(100))};
    consistent(lists, sizeof lists / sizeof lists[0]);
    qval bools[] = {B(true), B(false)};
    consistent(bools, 2);
}

static void expect_fmt(double d, const char *want) {
    char b[QV_NUMBUF];
    qv_fmt_float(b, d);
    assert_string_equal(b, want);
}

static void test_to_string(void **s) {
    (void)s;
    expect_fmt(1.0, "1.0");
    expect_fmt(0.1, "0.1");
    expect_fmt(1e10, "1.0E10");
    expect_fmt(1e-5, "1.0E-5");
    expect_fmt(0.001, "0.001");
    expect_fmt(1e7, "1.0E7");
    expect_fmt(9999999.0, "9999999.0");
    expect_fmt(123.456, "123.456");
    expect_fmt(-2.5, "-2.5");
    expect_fmt(3.6, "3.6");
    expect_fmt(1.2635418652381264e305, "1.2635418652381264E305");
    expect_fmt(NAN, "NaN");
    expect_fmt(INFINITY, "Infinity");
    expect_fmt(-INFINITY, "-Infinity");
    expect_fmt(0.0, "0.0");
    expect_fmt(-0.0, "-0.0");
    expect_fmt(100.0, "100.0");
    expect_fmt(1234.5e-10, "1.2345E-7");
    uint32_t n;
    assert_string_equal(qv_to_cstring(&A, I(-42), &n), "-42");
    assert_int_equal(n, 3);
    assert_string_equal(qv_to_cstring(&A, B(true), &n), "true");
    assert_string_equal(qv_to_cstring(&A, qv_str_ref("abcdef", 3), &n), "abc");
    assert_null(qv_to_cstring(&A, L(0), &n));
    assert_null(qv_to_cstring(&A, qv_node(1), &n));
    assert_string_equal(qv_debug(&A, L(4, I(1), S("it's"), N(), M(1, "k", F(2.0)))), "[1, 'it\\'s', null, {k: 2.0}]");
    assert_string_equal(qv_type_name(QT_REL), "Relationship");
    assert_string_equal(qv_type_name(QT_FLOAT), "Float");
}

static void test_builders_copy(void **s) {
    (void)s;
    qmap_b mb;
    qmap_b_init(&mb, &A, 0);
    for (int i = 0; i < 100; i++) {
        char k[8];
        snprintf(k, sizeof k, "k%d", i % 50);
        qmap_b_set(&mb, k, strlen(k), I(i));
    }
    qval m = qmap_b_done(&mb);
    assert_int_equal(m.len, 50);
    const qval *v = qv_map_get(m, "k7", 2);
    assert_non_null(v);
    assert_int_equal(v->i, 57);   /* replaced, not duplicated */
    assert_null(qv_map_get(m, "k50", 3));
    assert_null(qv_map_get(I(1), "k", 1));
    qlist_b lb;
    qlist_b_init(&lb, &A, 0);
    for (int i = 0; i < 1000; i++) qlist_b_push(&lb, I(i));
    qval l = qlist_b_done(&lb);
    assert_int_equal(l.len, 1000);
    assert_int_equal(l.items[999].i, 999);

    qv_arena B2;
    qv_arena_init(&B2);
    uint64_t pn[] = {1, 2}, pr[] = {3};
    qval orig = L(3, m, S("str"), qv_path_make(&A, 1, pn, pr));
    qval cp = qv_deep_copy(&B2, orig);
    assert_true(qv_equivalent(orig, cp));
    assert_ptr_not_equal(cp.items, orig.items);
    assert_ptr_not_equal(cp.items[1].s, orig.items[1].s);
    qv_arena_free(&A);   /* the copy survives the original arena */
    qv_arena_init(&A);
    assert_int_equal(cp.items[0].len, 50);
    assert_memory_equal(cp.items[1].s, "str", 3);
    assert_int_equal(cp.items[2].path->rels[0], 3);
    qv_arena_free(&B2);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_equality_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equality_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equality_maps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_comparability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orderability, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equivalence_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_consistent_with_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_builders_copy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
