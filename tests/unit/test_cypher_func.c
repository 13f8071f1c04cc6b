/* test_cypher_func.c — the scalar functions that need no graph: string, math, list, conversion and
 * Neptune functions, called through their implementations, with expectations from the TCK
 * (expressions/string, list, mathematical, typeConversion, map) and Neo4j's documented behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "cypher/func_int.h"

static qv_arena A;
static cy_error E;
static uint64_t R;
static cy_fnctx C;

static int setup(void **s) {
    (void)s;
    qv_arena_init(&A);
    cy_error_clear(&E);
    R = 42;
    C = (cy_fnctx){.arena = &A, .view = NULL, .stmt_time_ns = 1700000000123456789, .rand_state = &R, .pos = 7};
    return 0;
}
static int teardown(void **s) { (void)s; qv_arena_free(&A); return 0; }

static qval I(int64_t i) { return qv_int(i); }
static qval F(double f) { return qv_float(f); }
static qval S(const char *s) { return qv_str_cstr(&A, s); }
static qval N(void) { return qv_null(); }
static qval L(int n, ...) {
    va_list ap;
    va_start(ap, n);
    qval *items = qv_arena_alloc(&A, sizeof(qval) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) items[i] = va_arg(ap, qval);
    va_end(ap);
    return qv_list_ref(items, (uint32_t)n);
}

/* call(fn, nargs, args...) must succeed */
static qval call(cy_fn_impl f, int n, ...) {
    va_list ap;
    va_start(ap, n);
    qval args[4];
    for (int i = 0; i < n; i++) args[i] = va_arg(ap, qval);
    va_end(ap);
    qval out = qv_int(-999);
    cy_error_clear(&E);
    int rc = f(&C, args, (uint32_t)n, &out, &E);
    if (rc) fail_msg("unexpected error: %s", E.msg);
    return out;
}

static void fails(cy_errclass cls, const char *detail, cy_fn_impl f, int n, ...) {
    va_list ap;
    va_start(ap, n);
    qval args[4];
    for (int i = 0; i < n; i++) args[i] = va_arg(ap, qval);
    va_end(ap);
    qval out;
    cy_error_clear(&E);
    assert_int_equal(f(&C, args, (uint32_t)n, &out, &E), -1);
    assert_int_equal(E.cls, cls);
    assert_string_equal(E.detail, detail);
    assert_int_equal(E.phase, CY_PHASE_RUNTIME);
    assert_int_equal(E.offset, 7);
}

static void is_str(qval v, const char *s) {
    assert_int_equal(v.type, QT_STRING);
    if (v.len != strlen(s) || memcmp(v.s, s, v.len) != 0) fail_msg("got '%.*s', want '%s'", (int)v.len, v.s, s);
}
static void is_int(qval v, int64_t i) { assert_int_equal(v.type, QT_INT); assert_int_equal(v.i, i); }
static void is_float(qval v, double f) {
    assert_int_equal(v.type, QT_FLOAT);
    if (!(v.f == f)) fail_msg("got %.17g, want %.17g", v.f, f);
}
static void is_null(qval v) { assert_int_equal(v.type, QT_NULL); }
static void is_bool(qval v, bool b) { assert_int_equal(v.type, QT_BOOL); assert_int_equal(v.b, b); }

static void test_case_trim(void **s) {
    (void)s;
    is_str(call(cyfn_toupper, 1, S("abc Déjà ÿ")), "ABC DÉJÀ Ÿ");
    is_str(call(cyfn_tolower, 1, S("ABC DÉJÀ Ωmega ПРИВЕТ")), "abc déjà ωmega привет");
    is_str(call(cyfn_toupper, 1, S("straße 日本")), "STRASSE 日本");
    is_null(call(cyfn_toupper, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_tolower, 1, I(1));
    is_str(call(cyfn_trim, 1, S("  \t hello \n ")), "hello");
    is_str(call(cyfn_ltrim, 1, S("  hello  ")), "hello  ");
    is_str(call(cyfn_rtrim, 1, S("  hello  ")), "  hello");
    is_str(call(cyfn_trim, 1, S("   ")), "");
    is_str(call(cyfn_ltrim, 1, S("   ")), "");
    is_str(call(cyfn_rtrim, 1, S("")), "");
    is_str(call(cyfn_trim, 1, S("\xe3\x80\x80x\xe3\x80\x80")), "x");   /* U+3000 ideographic space */
    is_null(call(cyfn_trim, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_trim, 1, L(0));
}

static void test_replace_substring(void **s) {
    (void)s;
    is_str(call(cyfn_replace, 3, S("hello"), S("l"), S("w")), "hewwo");
    is_str(call(cyfn_replace, 3, S("aaa"), S("aa"), S("b")), "ba");
    is_str(call(cyfn_replace, 3, S("héllo"), S(""), S("-")), "-h-é-l-l-o-");
    is_str(call(cyfn_replace, 3, S("abc"), S("x"), S("")), "abc");
    is_null(call(cyfn_replace, 3, S("abc"), N(), S("")));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_replace, 3, S("a"), I(1), S("b"));
    /* String1 [1] */
    is_str(call(cyfn_substring, 2, S("0123456789"), I(1)), "123456789");
    is_str(call(cyfn_substring, 3, S("0123456789"), I(1), I(3)), "123");
    is_str(call(cyfn_substring, 3, S("héllo"), I(1), I(2)), "él");
    is_str(call(cyfn_substring, 2, S("abc"), I(10)), "");
    is_str(call(cyfn_substring, 3, S("abc"), I(1), I(0)), "");
    is_null(call(cyfn_substring, 2, N(), I(1)));
    fails(CYE_ARGUMENT, "NegativeIntegerArgument", cyfn_substring, 2, S("abc"), I(-1));
    fails(CYE_ARGUMENT, "NegativeIntegerArgument", cyfn_substring, 3, S("abc"), I(0), I(-1));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_substring, 2, S("abc"), F(1.0));
    is_str(call(cyfn_left, 2, S("héllo"), I(2)), "hé");
    is_str(call(cyfn_left, 2, S("abc"), I(10)), "abc");
    is_str(call(cyfn_right, 2, S("héllo"), I(4)), "éllo");
    is_str(call(cyfn_right, 2, S("abc"), I(10)), "abc");
    is_str(call(cyfn_right, 2, S("abc"), I(0)), "");
    fails(CYE_ARGUMENT, "NegativeIntegerArgument", cyfn_left, 2, S("abc"), I(-2));
}

static void test_split_reverse_size(void **s) {
    (void)s;
    qval r = call(cyfn_split, 2, S("one1two"), S("1"));   /* String4 [1] */
    assert_int_equal(r.len, 2);
    is_str(r.items[0], "one");
    is_str(r.items[1], "two");
    r = call(cyfn_split, 2, S(",a,,b,"), S(","));
    assert_int_equal(r.len, 5);
    is_str(r.items[0], "");
    is_str(r.items[2], "");
    is_str(r.items[4], "");
    r = call(cyfn_split, 2, S("hé!"), S(""));
    assert_int_equal(r.len, 3);
    is_str(r.items[1], "é");
    r = call(cyfn_split, 2, S("a-b_c"), L(2, S("-"), S("_")));
    assert_int_equal(r.len, 3);
    is_str(r.items[2], "c");
    r = call(cyfn_split, 2, S(""), S(","));
    assert_int_equal(r.len, 1);
    is_str(r.items[0], "");
    is_null(call(cyfn_split, 2, S("a"), N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_split, 2, S("a"), I(1));
    /* String3 [1] */
    is_str(call(cyfn_reverse, 1, S("raksO")), "Oskar");
    is_str(call(cyfn_reverse, 1, S("aé日")), "日éa");
    r = call(cyfn_reverse, 1, L(3, I(1), N(), S("x")));
    assert_int_equal(r.len, 3);
    is_str(r.items[0], "x");
    is_null(r.items[1]);
    is_int(r.items[2], 1);
    is_null(call(cyfn_reverse, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_reverse, 1, I(1));
    is_int(call(cyfn_size, 1, S("héllo")), 5);
    is_int(call(cyfn_size, 1, S("")), 0);
    is_int(call(cyfn_size, 1, L(3, N(), N(), N())), 3);
    is_null(call(cyfn_size, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_size, 1, I(5));
}

static void test_math(void **s) {
    (void)s;
    is_int(call(cyfn_abs, 1, I(-1)), 1);   /* Mathematical11 [1] */
    is_float(call(cyfn_abs, 1, F(-2.5)), 2.5);
    fails(CYE_ARITHMETIC, "IntegerOverflow", cyfn_abs, 1, I(INT64_MIN));
    is_float(call(cyfn_sqrt, 1, F(12.96)), 3.6);   /* Mathematical13 [1] */
    assert_true(isnan(call(cyfn_sqrt, 1, I(-1)).f));
    is_float(call(cyfn_ceil, 1, F(1.1)), 2.0);
    is_float(call(cyfn_ceil, 1, I(3)), 3.0);
    is_float(call(cyfn_floor, 1, F(-1.1)), -2.0);
    is_int(call(cyfn_sign, 1, F(-3.5)), -1);
    is_int(call(cyfn_sign, 1, I(0)), 0);
    is_int(call(cyfn_sign, 1, I(7)), 1);
    is_float(call(cyfn_log, 1, I(0)), -INFINITY);
    is_float(call(cyfn_log10, 1, I(1000)), 3.0);
    is_float(call(cyfn_exp, 1, I(0)), 1.0);
    is_float(call(cyfn_e, 0), M_E);
    is_float(call(cyfn_pi, 0), M_PI);
    is_float(call(cyfn_degrees, 1, F(M_PI)), 180.0);
    is_float(call(cyfn_radians, 1, I(180)), M_PI);
    is_float(call(cyfn_haversin, 1, I(0)), 0.0);
    is_float(call(cyfn_atan2, 2, I(0), I(1)), 0.0);
    is_float(call(cyfn_cos, 1, I(0)), 1.0);
    is_null(call(cyfn_sin, 1, N()));
    is_null(call(cyfn_atan2, 2, I(1), N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_sqrt, 1, S("4"));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_atan2, 2, I(1), S("4"));
    is_bool(call(cyfn_isnan, 1, F(NAN)), true);
    is_bool(call(cyfn_isnan, 1, F(1.0)), false);
    is_bool(call(cyfn_isnan, 1, I(1)), false);
    is_null(call(cyfn_isnan, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_isnan, 1, S("NaN"));
    qval u1 = call(cyfn_randomuuid, 0), u2 = call(cyfn_randomuuid, 0);
    assert_int_equal(u1.len, 36);
    assert_int_equal(u1.s[8], '-');
    assert_int_equal(u1.s[14], '4');
    assert_true(strchr("89ab", u1.s[19]) != NULL);
    assert_false(qv_equivalent(u1, u2));
    /* rand(): [0, 1), advancing the query's state */
    double prev = -1;
    for (int i = 0; i < 1000; i++) {
        qval r = call(cyfn_rand, 0);
        assert_int_equal(r.type, QT_FLOAT);
        assert_true(r.f >= 0.0 && r.f < 1.0);
        assert_true(r.f != prev);
        prev = r.f;
    }
}

static void test_round(void **s) {
    (void)s;
    is_float(call(cyfn_round, 1, F(2.5)), 3.0);
    is_float(call(cyfn_round, 1, F(-2.5)), -2.0);   /* Java Math.round: halves towards +infinity */
    is_float(call(cyfn_round, 1, F(0.49999999999999994)), 0.0);
    is_float(call(cyfn_round, 1, F(-0.4)), 0.0);
    assert_false(signbit(call(cyfn_round, 1, F(-0.4)).f));
    is_float(call(cyfn_round, 1, I(3)), 3.0);
    is_float(call(cyfn_round, 2, F(3.141592), I(3)), 3.142);
    is_float(call(cyfn_round, 2, F(2.675), I(2)), 2.68);    /* decimal, not binary, halves */
    is_float(call(cyfn_round, 2, F(-2.675), I(2)), -2.68);  /* HALF_UP is away from zero */
    is_float(call(cyfn_round, 2, I(1234), I(-2)), 1200.0);
    is_float(call(cyfn_round, 2, F(1250.0), I(-2)), 1300.0);
    is_float(call(cyfn_round, 2, F(0.004), I(2)), 0.0);
    is_float(call(cyfn_round, 2, F(1.5), I(5)), 1.5);
    is_float(call(cyfn_round, 3, F(2.5), I(0), S("HALF_EVEN")), 2.0);
    is_float(call(cyfn_round, 3, F(3.5), I(0), S("HALF_EVEN")), 4.0);
    is_float(call(cyfn_round, 3, F(-1.5), I(0), S("HALF_EVEN")), -2.0);
    is_float(call(cyfn_round, 3, F(2.5), I(0), S("HALF_DOWN")), 2.0);
    is_float(call(cyfn_round, 3, F(2.51), I(0), S("HALF_DOWN")), 3.0);
    is_float(call(cyfn_round, 3, F(-2.5), I(0), S("HALF_UP")), -3.0);
    is_float(call(cyfn_round, 3, F(1.21), I(1), S("UP")), 1.3);
    is_float(call(cyfn_round, 3, F(-1.21), I(1), S("UP")), -1.3);
    is_float(call(cyfn_round, 3, F(1.29), I(1), S("DOWN")), 1.2);
    is_float(call(cyfn_round, 3, F(-1.21), I(1), S("CEILING")), -1.2);
    is_float(call(cyfn_round, 3, F(-1.21), I(1), S("FLOOR")), -1.3);
    is_float(call(cyfn_round, 3, F(9.99), I(1), S("UP")), 10.0);
    is_float(call(cyfn_round, 3, F(0.004), I(2), S("UP")), 0.01);
    is_null(call(cyfn_round, 2, N(), I(1)));
    is_null(call(cyfn_round, 2, F(1.5), N()));
    fails(CYE_ARGUMENT, "InvalidArgumentValue", cyfn_round, 3, F(1.5), I(0), S("SIDEWAYS"));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_round, 2, F(1.5), F(1.0));
    assert_true(isnan(call(cyfn_round, 1, F(NAN)).f));
}

static void expect_range(qval r, int n, ...) {
    assert_int_equal(r.type, QT_LIST);
    assert_int_equal(r.len, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) is_int(r.items[i], va_arg(ap, int));
    va_end(ap);
}

static void test_range_lists(void **s) {
    (void)s;
    /* List11 [1], [2] */
    expect_range(call(cyfn_range, 2, I(-1236), I(-1234)), 3, -1236, -1235, -1234);
    expect_range(call(cyfn_range, 2, I(0), I(-123)), 0);
    expect_range(call(cyfn_range, 2, I(0), I(0)), 1, 0);
    expect_range(call(cyfn_range, 3, I(1381), I(-3412), I(-1298)), 4, 1381, 83, -1215, -2513);
    expect_range(call(cyfn_range, 3, I(10), I(-10), I(-3)), 7, 10, 7, 4, 1, -2, -5, -8);
    expect_range(call(cyfn_range, 3, I(0), I(1), I(-123)), 0);
    expect_range(call(cyfn_range, 3, I(0), I(1), I(2)), 1, 0);
    expect_range(call(cyfn_range, 3, I(-3412), I(1381), I(1298)), 4, -3412, -2114, -816, 482);
    qval r = call(cyfn_range, 3, I(INT64_MAX - 1), I(INT64_MAX), I(INT64_MAX));   /* no overflow past the end */
    assert_int_equal(r.len, 1);
    is_int(r.items[0], INT64_MAX - 1);
    r = call(cyfn_range, 3, I(INT64_MAX - 2), I(INT64_MAX), I(1));
    assert_int_equal(r.len, 3);
    is_int(r.items[2], INT64_MAX);
    r = call(cyfn_range, 3, I(INT64_MIN), I(INT64_MIN + 4), I(2));
    assert_int_equal(r.len, 3);
    is_int(r.items[0], INT64_MIN);
    /* List11 [4], [5] */
    fails(CYE_ARGUMENT, "NumberOutOfRange", cyfn_range, 3, I(2), I(8), I(0));
    fails(CYE_ARGUMENT, "NumberOutOfRange", cyfn_range, 3, I(0), I(0), I(0));
    fails(CYE_ARGUMENT, "InvalidArgumentType", cyfn_range, 3, qv_bool(true), I(1), I(1));
    fails(CYE_ARGUMENT, "InvalidArgumentType", cyfn_range, 3, F(-0.0), I(1), I(1));
    fails(CYE_ARGUMENT, "InvalidArgumentType", cyfn_range, 3, I(0), F(1.1), I(1));
    fails(CYE_ARGUMENT, "InvalidArgumentType", cyfn_range, 3, I(0), I(1), S("xyz"));
    fails(CYE_ARGUMENT, "InvalidArgumentType", cyfn_range, 3, I(0), L(1, I(1)), I(1));
    fails(CYE_ARGUMENT, "NumberOutOfRange", cyfn_range, 2, I(0), I(INT64_MAX));   /* too many elements */
    /* head, last, tail, coalesce, isEmpty */
    qval l = L(3, I(1), I(2), I(3));
    is_int(call(cyfn_head, 1, l), 1);
    is_int(call(cyfn_last, 1, l), 3);
    expect_range(call(cyfn_tail, 1, call(cyfn_tail, 1, l)), 1, 3);   /* List9 */
    is_null(call(cyfn_head, 1, L(0)));
    is_null(call(cyfn_last, 1, L(0)));
    expect_range(call(cyfn_tail, 1, L(0)), 0);
    is_null(call(cyfn_head, 1, N()));
    is_null(call(cyfn_tail, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_head, 1, S("abc"));
    is_str(call(cyfn_coalesce, 3, N(), S("x"), I(1)), "x");
    is_null(call(cyfn_coalesce, 2, N(), N()));
    is_bool(call(cyfn_isempty, 1, L(0)), true);
    is_bool(call(cyfn_isempty, 1, S("a")), false);
    is_bool(call(cyfn_isempty, 1, qv_map_ref(NULL, 0)), true);
    is_null(call(cyfn_isempty, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_isempty, 1, I(1));
}

static void test_conversion(void **s) {
    (void)s;
    uint64_t pn[] = {1, 2}, pr[] = {3};
    qval path = qv_path_make(&A, 1, pn, pr);
    qval bad[] = {L(0), qv_map_ref(NULL, 0), qv_node(1), qv_rel(1), path};
    /* TypeConversion1 */
    is_bool(call(cyfn_toboolean, 1, qv_bool(true)), true);
    is_bool(call(cyfn_toboolean, 1, S("true")), true);
    is_bool(call(cyfn_toboolean, 1, S("FALSE")), false);
    is_null(call(cyfn_toboolean, 1, S("")));
    is_null(call(cyfn_toboolean, 1, S(" tru ")));
    is_null(call(cyfn_toboolean, 1, S("f alse")));
    is_null(call(cyfn_toboolean, 1, N()));
    is_bool(call(cyfn_toboolean, 1, I(0)), false);
    is_bool(call(cyfn_toboolean, 1, I(2)), true);
    fails(CYE_TYPE, "InvalidArgumentValue", cyfn_toboolean, 1, F(1.0));
    /* TypeConversion2 */
    is_int(call(cyfn_tointeger, 1, F(82.9)), 82);
    is_int(call(cyfn_tointeger, 1, F(-2.9)), -2);
    is_null(call(cyfn_tointeger, 1, S("foo")));
    is_null(call(cyfn_tointeger, 1, S("")));
    is_int(call(cyfn_tointeger, 1, S("2.9")), 2);
    is_int(call(cyfn_tointeger, 1, S("1.7")), 1);
    is_int(call(cyfn_tointeger, 1, S("42")), 42);
    is_int(call(cyfn_tointeger, 1, S(" -42 ")), -42);
    is_int(call(cyfn_tointeger, 1, S("9223372036854775807")), INT64_MAX);
    is_null(call(cyfn_tointeger, 1, S("9223372036854775808")));
    is_int(call(cyfn_tointeger, 1, S("1e3")), 1000);
    is_null(call(cyfn_tointeger, 1, S("NaN")));
    is_int(call(cyfn_tointeger, 1, qv_bool(true)), 1);
    fails(CYE_ARGUMENT, "NumberOutOfRange", cyfn_tointeger, 1, F(1e20));
    is_null(call(cyfn_tointegerornull, 1, F(1e20)));
    /* TypeConversion3 */
    is_float(call(cyfn_tofloat, 1, I(3)), 3.0);
    is_float(call(cyfn_tofloat, 1, S("5")), 5.0);
    is_float(call(cyfn_tofloat, 1, S("1.5e2")), 150.0);
    is_float(call(cyfn_tofloat, 1, S(".5")), 0.5);
    is_null(call(cyfn_tofloat, 1, S("foo")));
    is_null(call(cyfn_tofloat, 1, S("0x10")));
    is_null(call(cyfn_tofloat, 1, S("1e")));
    fails(CYE_TYPE, "InvalidArgumentValue", cyfn_tofloat, 1, qv_bool(true));
    /* TypeConversion4 */
    is_str(call(cyfn_tostring, 1, I(42)), "42");
    is_str(call(cyfn_tostring, 1, qv_bool(true)), "true");
    is_str(call(cyfn_tostring, 1, F(2.3)), "2.3");
    is_str(call(cyfn_tostring, 1, F(1.0)), "1.0");
    is_str(call(cyfn_tostring, 1, S("apa")), "apa");
    is_null(call(cyfn_tostring, 1, N()));
    cy_fn_impl strict[] = {cyfn_toboolean, cyfn_tointeger, cyfn_tofloat, cyfn_tostring};
    cy_fn_impl lenient[] = {cyfn_tobooleanornull, cyfn_tointegerornull, cyfn_tofloatornull, cyfn_tostringornull};
    for (size_t f = 0; f < 4; f++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            fails(CYE_TYPE, "InvalidArgumentValue", strict[f], 1, bad[i]);
            is_null(call(lenient[f], 1, bad[i]));
        }
    qval l = call(cyfn_tointegerlist, 1, L(4, S("2"), F(2.9), S("foo"), L(0)));
    assert_int_equal(l.len, 4);
    is_int(l.items[0], 2);
    is_int(l.items[1], 2);
    is_null(l.items[2]);
    is_null(l.items[3]);
    l = call(cyfn_tostringlist, 1, L(2, I(1), F(0.5)));
    is_str(l.items[0], "1");
    is_str(l.items[1], "0.5");
    l = call(cyfn_tofloatlist, 1, L(1, qv_bool(true)));
    is_null(l.items[0]);
    l = call(cyfn_tobooleanlist, 1, L(2, S("true"), I(0)));
    is_bool(l.items[0], true);
    is_bool(l.items[1], false);
    is_null(call(cyfn_tobooleanlist, 1, N()));
    fails(CYE_TYPE, "InvalidArgumentValue", cyfn_tostringlist, 1, I(1));
}

static void test_neptune(void **s) {
    (void)s;
    qmap_b b;
    qmap_b_init(&b, &A, 2);
    qmap_b_set(&b, "~id", 3, S("id1"));
    qmap_b_set(&b, "name", 4, S("john"));
    qval m = qmap_b_done(&b);
    qval r = call(cyfn_removekeyfrommap, 2, m, S("~id"));
    assert_int_equal(r.type, QT_MAP);
    assert_int_equal(r.len, 1);
    assert_null(qv_map_get(r, "~id", 3));
    is_str(*qv_map_get(r, "name", 4), "john");
    assert_int_equal(m.len, 2);   /* the original is untouched */
    r = call(cyfn_removekeyfrommap, 2, m, S("absent"));
    assert_int_equal(r.len, 2);
    is_null(call(cyfn_removekeyfrommap, 2, N(), S("k")));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_removekeyfrommap, 2, I(1), S("k"));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_removekeyfrommap, 2, m, I(1));
    is_str(call(cyfn_join, 2, L(3, S("abc"), S("def"), S("ghi")), S(", ")), "abc, def, ghi");
    is_str(call(cyfn_join, 2, L(2, S("a"), S("b")), S("")), "ab");
    is_str(call(cyfn_join, 2, L(0), S(",")), "");
    is_null(call(cyfn_join, 2, N(), S(",")));
    fails(CYE_TYPE, "InvalidArgumentType", cyfn_join, 2, L(2, S("a"), I(1)), S(","));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_case_trim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_substring, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_reverse_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_math, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_range_lists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conversion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neptune, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
