/* test_graph_csr_presort.c — the outgoing bucket's presort (csr_radix.c) followed by the segment sorts
 * gives exactly the stable order by (source, type, target) with ties in input order, with and without
 * types and a property permutation, for node counts whose targets need 1 to 32 bits, with ties, hub
 * segments long enough for the merge sort (the two steps sharing one scratch, as csr.c's bucket tasks do, also
 * when the merge sort needs more of it than the presort did), and one-row segments; it declines more than 4096 types and targets or types out of range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/csr_int.h"
#include "util/hash.h"

typedef struct row {
    uint16_t loc, type;
    uint32_t tgt, in;   /* in: input position */
} row;

static int cmp_row(const void *a, const void *b) {
    const row *x = a, *y = b;
    if (x->loc != y->loc) return x->loc < y->loc ? -1 : 1;
    if (x->type != y->type) return x->type < y->type ? -1 : 1;
    if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
    return x->in < y->in ? -1 : x->in > y->in;
}

/* One bucket of len rows over nv nodes, placed at offset lo of the arrays; checked against qsort. */
static void check(uint64_t nv, uint64_t len, uint64_t n, uint32_t ntypes, bool types, bool perm, uint64_t seed) {
    uint64_t lo = 7, cap = lo + len;
    uint32_t *out = calloc(cap, 4), *pm = perm ? calloc(cap, 4) : NULL, *cur = calloc(nv + 1, 4);
    uint16_t *rt = types ? calloc(cap, 2) : NULL, *loc = calloc(len, 2);
    row *ref = calloc(len, sizeof *ref);
    uint64_t *off = calloc(nv + 1, 8);
    for (uint64_t i = 0; i < len; i++) {
        uint64_t h = qv_hash_u64(seed * 1000003 + i);
        uint16_t l = (uint16_t)(i % 5 == 0 ? 0 : h % nv);   /* node 0 is a hub */
        uint32_t t = (uint32_t)(i % 3 == 0 ? (h >> 20) % 4 : (h >> 16) % n);   /* ties among small targets */
        if (t >= n) t = (uint32_t)(n - 1);
        uint16_t ty = types ? (uint16_t)((h >> 56) % ntypes) : 0;
        loc[i] = l;
        out[lo + i] = t;
        if (rt) rt[lo + i] = ty;
        if (pm) pm[lo + i] = (uint32_t)(1000 + i);
        ref[i] = (row){.loc = l, .type = ty, .tgt = t, .in = (uint32_t)i};
        off[l + 1]++;
    }
    for (uint64_t j = 0; j < nv; j++) off[j + 1] += off[j];
    for (uint64_t j = 0; j < nv; j++) cur[j] = (uint32_t)(lo + off[j]);
    qsort(ref, len, sizeof *ref, cmp_row);
    gcsr_scratch sc = {0};   /* one scratch for both steps, as csr.c's bucket task has */
    assert_true(gcsr_presort_bucket(out, rt, pm, loc, lo, len, cur, n, ntypes, &sc));
    for (uint64_t j = 0; j < nv; j++) {
        assert_int_equal(cur[j], lo + off[j + 1]);   /* every row placed in its segment */
        uint64_t a = lo + off[j], d = off[j + 1] - off[j];
        if (d > 1) gcsr_sort_segment(out + a, rt ? rt + a : NULL, pm ? pm + a : NULL, d, &sc);
    }
    for (uint64_t i = 0; i < len; i++) {
        assert_int_equal(out[lo + i], ref[i].tgt);
        if (rt) assert_int_equal(rt[lo + i], ref[i].type);
        if (pm) assert_int_equal(pm[lo + i], 1000 + ref[i].in);
    }
    free(sc.buf);
    free(out);
    free(pm);
    free(cur);
    free(rt);
    free(loc);
    free(ref);
    free(off);
}

static void test_one_type(void **state) {
    (void)state;
    uint64_t ns[] = {1, 2, 3, 2048, 2049, 6000, 4000000, (uint64_t)1 << 31, UINT32_MAX - 1};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) {
        check(64, 1500, ns[i], 1, false, false, i);
        check(64, 1500, ns[i], 1, false, true, i + 100);
    }
}

static void test_types(void **state) {
    (void)state;
    uint32_t nts[] = {1, 2, 3, 17, 4096};
    for (size_t i = 0; i < sizeof nts / sizeof *nts; i++) {
        check(300, 5000, 4000000, nts[i], true, true, i + 200);
        check(300, 5000, 700, nts[i], true, false, i + 300);
    }
}

static void test_sparse_and_single(void **state) {
    (void)state;
    check(1024, 1024, 4000000, 3, true, true, 400);   /* about one row a node */
    check(1, 1, 5, 1, false, true, 401);
    check(2, 70000, 4000000, 2, true, true, 402);     /* two hubs: merge sort after the presort */
    /* one node holds the whole bucket and there is no permutation: the merge sort's records need more of the
     * shared scratch than the presort's rows did */
    check(1, 70000, 4000000, 1, false, false, 403);
}

static void test_declines_many_types(void **state) {
    (void)state;
    uint32_t out[4] = {3, 2, 1, 0}, cur[2] = {0, 0};
    uint16_t rt[4] = {0}, loc[4] = {0};
    gcsr_scratch sc = {0};
    assert_false(gcsr_presort_bucket(out, rt, NULL, loc, 0, 4, cur, 10, 4097, &sc));
    assert_int_equal(out[0], 3);
    assert_int_equal(cur[0], 0);
    uint16_t rt2[4] = {0, 1, 2, 0};
    assert_false(gcsr_presort_bucket(out, rt2, NULL, loc, 0, 4, cur, 10, 2, &sc));   /* type 2 of 2 types */
    assert_false(gcsr_presort_bucket(out, NULL, NULL, loc, 0, 4, cur, 3, 1, &sc));   /* target 3 of 3 nodes */
    assert_int_equal(out[0], 3);
    assert_int_equal(cur[0], 0);
    assert_true(gcsr_presort_bucket(out, NULL, NULL, loc, 0, 4, cur, 10, 4097, &sc));   /* no types: fine */
    assert_int_equal(out[0], 0);   /* targets below 2^11: the presort alone orders them */
    free(sc.buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_type),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_sparse_and_single),
        cmocka_unit_test(test_declines_many_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
