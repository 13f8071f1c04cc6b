/* test_graph_relid_mt.c — relationship external ids read lock-free while the writer works: reader threads look
 * up every id of the batches committed so far (both ways: id -> relationship -> the same id) while one writer
 * commits batches with ids, rolls others back (their ids must never be seen) and compacts now and then (the
 * table moves to a new generation and grows), or while background compactions build from the log the writer
 * keeps appending to. Run under ASan in CI. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/gview.h"

enum { BATCHES = 600, PER = 60, READERS = 2 };

typedef struct shared {
    graph *g;
    int committed;           /* batches 0 .. committed-1 are committed (atomic) */
    bool done;               /* atomic */
    int errors;              /* atomic */
    uint64_t lookups;        /* atomic */
} shared;

static qval S(const char *s) { return qv_str_ref(s, (uint32_t)strlen(s)); }

static void *reader(void *arg) {
    shared *sh = arg;
    qv_arena a;
    qv_arena_init(&a);
    char b[32];
    uint64_t n = 0;
    while (!__atomic_load_n(&sh->done, __ATOMIC_ACQUIRE)) {
        int k = __atomic_load_n(&sh->committed, __ATOMIC_ACQUIRE);
        qv_err err;
        gview *v = gview_open(sh->g, &err);
        for (int batch = 0; batch < k; batch++) {
            for (int i = 0; i < PER; i += 7) {
                snprintf(b, sizeof b, "b%d-%d", batch, i);
                uint64_t r = gview_rel_by_ext_id(v, S(b));
                qval x = r == GID_NONE ? qv_null() : gview_rel_ext_id(v, r, &a);
                if (r == GID_NONE || x.len != strlen(b) || memcmp(x.s, b, x.len) != 0)
                    __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
                n++;
            }
            snprintf(b, sizeof b, "rb%d-0", batch);   /* rolled back: never there */
            if (gview_rel_by_ext_id(v, S(b)) != GID_NONE) __atomic_fetch_add(&sh->errors, 1, __ATOMIC_RELAXED);
        }
        gview_close(v);
        qv_arena_free(&a);
        qv_arena_init(&a);
    }
    qv_arena_free(&a);
    __atomic_fetch_add(&sh->lookups, n, __ATOMIC_RELAXED);
    return NULL;
}

static void run(bool background) {
    shared sh = {0};
    sh.g = graph_new("g", "neo4j", false, GRAPH_ID_STRING, NULL);
    /* background: compactions start on their own after 2,000 changes and build while the writer appends */
    graph_set_compact_trigger(sh.g, background, 2000);
    qv_err err;
    gtxn *t = gtxn_begin(sh.g, &err);
    uint64_t id;
    for (int i = 0; i < 8; i++) assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_null(), &id, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    pthread_t th[READERS];
    for (int i = 0; i < READERS; i++) pthread_create(&th[i], NULL, reader, &sh);
    char b[32];
    for (int batch = 0; batch < BATCHES; batch++) {
        t = gtxn_begin(sh.g, &err);   /* a batch that is rolled back, reusing the same relationship ids */
        uint32_t ty = gtxn_type(t, "T", 1);
        for (int i = 0; i < PER; i++) {
            snprintf(b, sizeof b, "rb%d-%d", batch, i);
            assert_int_equal(gtxn_rel_create_ext(t, (uint64_t)i % 8, (uint64_t)(i + 1) % 8, ty, NULL, 0, S(b), &id, &err), 0);
        }
        gtxn_rollback(t);
        t = gtxn_begin(sh.g, &err);
        for (int i = 0; i < PER; i++) {
            snprintf(b, sizeof b, "b%d-%d", batch, i);
            assert_int_equal(gtxn_rel_create_ext(t, (uint64_t)i % 8, (uint64_t)(i + 3) % 8, ty, NULL, 0, S(b), &id, &err), 0);
            if (i % 5 == 0) assert_int_equal(gtxn_rel_create_ext(t, 0, 1, ty, NULL, 0, qv_null(), &id, &err), 0);
        }
        assert_int_equal(gtxn_commit(t, &err), 0);
        __atomic_store_n(&sh.committed, batch + 1, __ATOMIC_RELEASE);
        if (!background && batch % 100 == 99) assert_int_equal(graph_compact(sh.g, &err), 0);
    }
    __atomic_store_n(&sh.done, true, __ATOMIC_RELEASE);
    for (int i = 0; i < READERS; i++) pthread_join(th[i], NULL);
    assert_int_equal(sh.errors, 0);
    assert_true(sh.lookups > 0);
    print_message("%llu lookups while writing\n", (unsigned long long)sh.lookups);
    gview *v = gview_open(sh.g, &err);
    assert_int_equal(gview_rel_count(v), BATCHES * (PER + PER / 5));
    if (background)
        print_message("%llu background compactions\n",
                      (unsigned long long)__atomic_load_n(&gdelta_get(sh.g)->compactions, __ATOMIC_ACQUIRE));
    gview_close(v);
    graph_free(sh.g);
}

static void test_readers_during_writes(void **state) { (void)state; run(false); }
static void test_background_compactions(void **state) { (void)state; run(true); }

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_readers_during_writes),
                                       cmocka_unit_test(test_background_compactions)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
