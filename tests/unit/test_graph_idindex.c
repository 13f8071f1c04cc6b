/* test_graph_idindex.c — the external-id index: lookups, batch resolution, duplicates, string keys, and
 * a parallel build over enough keys to use many partitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/idindex.h"
#include "util/hash.h"

static qv_pool *pool;

static int setup(void **state) {
    (void)state;
    pool = qv_pool_new(2);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    qv_pool_free(pool);
    return 0;
}

/* distinct pseudo-random keys: qv_hash_u64 is invertible, so no two collide */
static int64_t key_of(uint64_t i) { return (int64_t)qv_hash_u64(i); }

static void test_int_lookups(void **state) {
    (void)state;
    int64_t keys[] = {42, -7, 0, INT64_MAX, INT64_MIN, 1000000007, 3};
    uint64_t n = sizeof keys / sizeof *keys;
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_int(&ix, keys, n, pool, &err), 0);
    for (uint64_t i = 0; i < n; i++) assert_int_equal(gidindex_find_int(&ix, keys[i]), (int64_t)i);
    assert_int_equal(gidindex_find_int(&ix, 43), -1);
    assert_int_equal(gidindex_find_int(&ix, -1), -1);
    assert_int_equal(gidindex_find_str(&ix, "42", 2), -1);   /* wrong key kind */
    assert_true(gidindex_memory_bytes(&ix) > 0);
    gidindex_free(&ix);
}

static void test_empty(void **state) {
    (void)state;
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_int(&ix, NULL, 0, pool, &err), 0);
    assert_int_equal(gidindex_find_int(&ix, 0), -1);
    uint32_t out[1];
    int64_t k = 5;
    assert_int_equal(gidindex_resolve_int(&ix, &k, 1, out), 1);
    assert_int_equal(out[0], GIDINDEX_NONE);
    gidindex_free(&ix);
}

static void test_duplicate_named(void **state) {
    (void)state;
    int64_t keys[] = {5, 7, 11, 5, 9, 7, 7};
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_int(&ix, keys, 7, pool, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    /* id 5 repeats first (at position 3); three repeats in all (5 once, 7 twice) */
    assert_non_null(strstr(err.msg, "node id 5 appears more than once"));
    assert_non_null(strstr(err.msg, "3 repeated"));
    gidindex_free(&ix);   /* freeing a failed index is harmless */
}

static void test_resolve_batch(void **state) {
    (void)state;
    uint64_t n = 50000;
    int64_t *keys = malloc(n * sizeof *keys);
    for (uint64_t i = 0; i < n; i++) keys[i] = key_of(i);
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_int(&ix, keys, n, pool, &err), 0);
    uint64_t q = 3000;
    int64_t *ask = malloc(q * sizeof *ask);
    uint32_t *out = malloc(q * sizeof *out);
    for (uint64_t i = 0; i < q; i++) ask[i] = i % 3 == 0 ? key_of(n + i) : keys[(i * 7919) % n];   /* a third absent */
    assert_int_equal(gidindex_resolve_int(&ix, ask, q, out), q / 3);
    for (uint64_t i = 0; i < q; i++) {
        if (i % 3 == 0) assert_int_equal(out[i], GIDINDEX_NONE);
        else assert_int_equal(out[i], (i * 7919) % n);
        assert_int_equal(out[i] == GIDINDEX_NONE ? -1 : (int64_t)out[i], gidindex_find_int(&ix, ask[i]));
    }
    free(ask);
    free(out);
    gidindex_free(&ix);
    free(keys);
}

static void test_parallel_many_partitions(void **state) {
    (void)state;
    uint64_t n = 1500000;   /* ~92 partitions, several hashing blocks */
    int64_t *keys = malloc(n * sizeof *keys);
    for (uint64_t i = 0; i < n; i++) keys[i] = key_of(i);
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_int(&ix, keys, n, pool, &err), 0);
    assert_true(ix.npart > 1);
    for (uint64_t i = 0; i < n; i += 7) assert_int_equal(gidindex_find_int(&ix, keys[i]), (int64_t)i);
    for (uint64_t i = 0; i < 10000; i++) assert_int_equal(gidindex_find_int(&ix, key_of(n + i)), -1);
    /* load factor <= 2/3 with 16-byte slots: at most ~24 bytes per key plus partition headers */
    assert_true(gidindex_memory_bytes(&ix) < n * 25);
    gidindex_free(&ix);

    /* duplicates far apart, found in a different partition each: the reported id is the one whose second
     * occurrence comes first, every time */
    keys[n - 1] = keys[10];
    keys[900000] = keys[123];
    for (int run = 0; run < 3; run++) {
        assert_int_equal(gidindex_build_int(&ix, keys, n, pool, &err), -1);
        char want[80];
        snprintf(want, sizeof want, "node id %lld appears", (long long)keys[123]);
        assert_non_null(strstr(err.msg, want));
        assert_non_null(strstr(err.msg, "2 repeated"));
    }
    free(keys);
}

static void test_single_thread_same_answers(void **state) {
    (void)state;
    uint64_t n = 200000;
    int64_t *keys = malloc(n * sizeof *keys);
    for (uint64_t i = 0; i < n; i++) keys[i] = key_of(i * 3);
    gidindex a, b;
    qv_err err;
    assert_int_equal(gidindex_build_int(&a, keys, n, NULL, &err), 0);
    assert_int_equal(gidindex_build_int(&b, keys, n, pool, &err), 0);
    for (uint64_t i = 0; i < n; i += 3) {
        assert_int_equal(gidindex_find_int(&a, keys[i]), (int64_t)i);
        assert_int_equal(gidindex_find_int(&b, keys[i]), (int64_t)i);
    }
    gidindex_free(&a);
    gidindex_free(&b);
    free(keys);
}

static void build_strs(const char *const *s, uint64_t n, uint64_t **off, char **str) {
    size_t total = 0;
    for (uint64_t i = 0; i < n; i++) total += strlen(s[i]);
    *off = malloc((n + 1) * sizeof **off);
    *str = malloc(total + 1);
    size_t at = 0;
    for (uint64_t i = 0; i < n; i++) {
        (*off)[i] = at;
        memcpy(*str + at, s[i], strlen(s[i]));
        at += strlen(s[i]);
    }
    (*off)[n] = at;
}

static void test_string_keys(void **state) {
    (void)state;
    const char *names[] = {"alice", "bob", "", "carol-with-a-longer-name-than-eight", "dave", "al", "ice"};
    uint64_t n = 7, *off;
    char *str;
    build_strs(names, n, &off, &str);
    gidindex ix;
    qv_err err;
    assert_int_equal(gidindex_build_str(&ix, off, str, n, pool, &err), 0);
    for (uint64_t i = 0; i < n; i++) assert_int_equal(gidindex_find_str(&ix, names[i], strlen(names[i])), (int64_t)i);
    assert_int_equal(gidindex_find_str(&ix, "alic", 4), -1);
    assert_int_equal(gidindex_find_str(&ix, "alicee", 6), -1);
    assert_int_equal(gidindex_find_int(&ix, 0), -1);

    const char *ask[] = {"ice", "zed", "alice"};
    uint64_t *aoff;
    char *astr;
    build_strs(ask, 3, &aoff, &astr);
    uint32_t out[3];
    assert_int_equal(gidindex_resolve_str(&ix, aoff, astr, 3, out), 1);
    assert_int_equal(out[0], 6);
    assert_int_equal(out[1], GIDINDEX_NONE);
    assert_int_equal(out[2], 0);
    gidindex_free(&ix);
    free(aoff);
    free(astr);
    free(off);
    free(str);

    const char *dups[] = {"x", "y", "long-identifier-number-one", "y", "long-identifier-number-one"};
    build_strs(dups, 5, &off, &str);
    assert_int_equal(gidindex_build_str(&ix, off, str, 5, pool, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    assert_non_null(strstr(err.msg, "node id \"y\" appears more than once"));
    free(off);
    free(str);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int_lookups),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_duplicate_named),
        cmocka_unit_test(test_resolve_batch),
        cmocka_unit_test(test_parallel_many_partitions),
        cmocka_unit_test(test_single_thread_same_answers),
        cmocka_unit_test(test_string_keys),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
