/* test_value_props.c — properties that must hold between the value semantics for any values, checked on
 * random nested values (fixed seed): ORDER BY is a total order (antisymmetric, transitive), it calls two
 * values equal exactly when grouping does (qv_order == 0 <=> qv_equivalent), equivalent values hash
 * alike, = true implies equivalence, < agrees with ORDER BY wherever it is defined, and every operation
 * returns without crashing on every pair of kinds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "value/value.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static qval random_value(qv_arena *a, int depth) {
    static const char *const strs[] = {"", "a", "ab", "b", "é", "A", "a\0b"};
    static const double floats[] = {0.0, -0.0, 1.0, 1.5, -2.5, 1e300, NAN, INFINITY, -INFINITY, 3.0};
    static const int64_t ints[] = {0, 1, -1, 3, 2, INT64_MAX, INT64_MIN, 9007199254740993};
    switch (rnd(depth > 2 ? 7 : 10)) {
    case 0: return qv_null();
    case 1: return qv_bool(rnd(2));
    case 2: return qv_int(ints[rnd(8)]);
    case 3: return qv_float(floats[rnd(10)]);
    case 4: { uint32_t k = rnd(7); return qv_str_copy(a, strs[k], k == 6 ? 3 : strlen(strs[k])); }
    case 5: return rnd(2) ? qv_node(rnd(3)) : qv_rel(rnd(3));
    case 6: {
        uint64_t nodes[3] = {rnd(2), rnd(2), rnd(2)}, rels[2] = {rnd(2), rnd(2)};
        return qv_path_make(a, rnd(3), nodes, rels);
    }
    case 7: case 8: {
        qlist_b b;
        qlist_b_init(&b, a, 2);
        uint32_t n = rnd(4);
        for (uint32_t i = 0; i < n; i++) qlist_b_push(&b, random_value(a, depth + 1));
        return qlist_b_done(&b);
    }
    default: {
        qmap_b b;
        qmap_b_init(&b, a, 2);
        uint32_t n = rnd(4);
        for (uint32_t i = 0; i < n; i++) {
            char k[2] = {(char)('a' + rnd(3)), 0};
            qmap_b_set(&b, k, 1, random_value(a, depth + 1));
        }
        return qmap_b_done(&b);
    }
    }
}

static int sgn(int x) { return (x > 0) - (x < 0); }

static void test_properties(void **s) {
    (void)s;
    qv_arena a;
    qv_arena_init(&a);
    enum { NV = 400 };
    qval v[NV];
    for (int i = 0; i < NV; i++) v[i] = random_value(&a, 0);
    for (int i = 0; i < NV; i++) {
        assert_int_equal(qv_order(v[i], v[i]), 0);
        assert_true(qv_equivalent(v[i], v[i]));
        for (int j = 0; j < NV; j++) {
            int o = sgn(qv_order(v[i], v[j]));
            assert_int_equal(o, -sgn(qv_order(v[j], v[i])));
            bool eqv = qv_equivalent(v[i], v[j]);
            if ((o == 0) != eqv)
                fail_msg("order %d but equivalent %d: %s vs %s", o, eqv, qv_debug(&a, v[i]), qv_debug(&a, v[j]));
            if (eqv) assert_int_equal(qv_hash(v[i]), qv_hash(v[j]));
            qtri e = qv_equals(v[i], v[j]);
            if (e == QTRI_TRUE) assert_true(eqv);
            assert_int_equal(e, qv_equals(v[j], v[i]));
            int c;
            qtri r = qv_compare(v[i], v[j], &c);
            if (r == QTRI_TRUE && o != sgn(c))
                fail_msg("< says %d, ORDER BY %d: %s vs %s", c, o, qv_debug(&a, v[i]), qv_debug(&a, v[j]));
            if (r == QTRI_TRUE) assert_true(e != QTRI_FALSE || c != 0);
        }
    }
    /* transitivity on triples */
    for (int t = 0; t < 20000; t++) {
        qval x = v[rnd(NV)], y = v[rnd(NV)], z = v[rnd(NV)];
        if (qv_order(x, y) <= 0 && qv_order(y, z) <= 0) assert_true(qv_order(x, z) <= 0);
    }
    qv_arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_properties)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
