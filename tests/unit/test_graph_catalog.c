/* test_graph_catalog.c — the graph catalog: reservations, publishing, replacing, dropping while readers
 * hold references (the graph must live until the last release, then be freed exactly once: ASan checks
 * both), listing, and concurrent readers against drops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "graph/catalog.h"

static graph *mkg(const char *name) { return graph_new(name, "neo4j", false, GRAPH_ID_INTEGER, NULL); }

static void test_reserve_publish_get(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_reserve(c, "g", false, &err), 0);
    assert_false(gcatalog_exists(c, "g"));   /* a reservation is not a graph */
    assert_null(gcatalog_get(c, "g"));
    assert_int_equal(gcatalog_reserve(c, "g", false, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_non_null(strstr(err.msg, "already running"));
    assert_int_equal(gcatalog_reserve(c, "g", true, &err), -1);   /* reservations always conflict */
    assert_int_equal(gcatalog_publish(c, mkg("g"), &err), 0);
    assert_true(gcatalog_exists(c, "g"));
    graph *g = gcatalog_get(c, "g");
    assert_non_null(g);
    assert_string_equal(g->name, "g");
    assert_int_equal(g->refs, 1);
    gcatalog_release(c, g);
    assert_int_equal(gcatalog_reserve(c, "g", false, &err), -1);
    assert_non_null(strstr(err.msg, "already exists"));
    /* publishing over an unreserved existing graph fails (and frees the newcomer) */
    assert_int_equal(gcatalog_publish(c, mkg("g"), &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    gcatalog_free(c);
}

static void test_unreserve(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_reserve(c, "x", false, &err), 0);
    gcatalog_unreserve(c, "x");
    assert_int_equal(gcatalog_reserve(c, "x", false, &err), 0);   /* the name is free again */
    gcatalog_unreserve(c, "x");
    assert_int_equal(gcatalog_drop(c, "x", &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    gcatalog_free(c);
}

static void test_drop_while_referenced(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_publish(c, mkg("g"), &err), 0);   /* publishing a free name needs no reservation */
    graph *a = gcatalog_get(c, "g"), *b = gcatalog_get(c, "g");
    assert_ptr_equal(a, b);
    assert_int_equal(gcatalog_drop(c, "g", &err), 0);
    assert_false(gcatalog_exists(c, "g"));
    assert_null(gcatalog_get(c, "g"));
    assert_true(a->dropped);
    assert_string_equal(a->name, "g");   /* still readable */
    gcatalog_release(c, a);
    assert_string_equal(b->name, "g");
    gcatalog_release(c, b);   /* freed here; ASan would flag a use after free or a leak */
    assert_int_equal(gcatalog_drop(c, "g", &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_int_equal(gcatalog_publish(c, mkg("g"), &err), 0);   /* the name can be reused */
    gcatalog_free(c);
}

static void test_replace(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    graph *old = mkg("db");
    old->n_nodes = 1;
    assert_int_equal(gcatalog_publish(c, old, &err), 0);
    graph *r = gcatalog_get(c, "db");
    assert_int_equal(gcatalog_reserve(c, "db", true, &err), 0);   /* force: replace a database */
    assert_true(gcatalog_exists(c, "db"));                       /* the old one serves until then */
    graph *neu = mkg("db");
    neu->n_nodes = 2;
    assert_int_equal(gcatalog_publish(c, neu, &err), 0);
    graph *now = gcatalog_get(c, "db");
    assert_int_equal(now->n_nodes, 2);
    assert_int_equal(r->n_nodes, 1);   /* the reader keeps the old graph alive */
    assert_true(r->dropped);
    gcatalog_release(c, r);
    gcatalog_release(c, now);
    gcatalog_free(c);
}

static void test_list_sorted(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    const char *names[] = {"zeta", "alpha", "mid"};
    for (int i = 0; i < 3; i++) assert_int_equal(gcatalog_publish(c, mkg(names[i]), &err), 0);
    assert_int_equal(gcatalog_reserve(c, "pending", false, &err), 0);
    graph **v;
    size_t n;
    gcatalog_list(c, &v, &n);
    assert_int_equal(n, 3);   /* reservations are not listed */
    assert_string_equal(v[0]->name, "alpha");
    assert_string_equal(v[1]->name, "mid");
    assert_string_equal(v[2]->name, "zeta");
    assert_int_equal(gcatalog_drop(c, "mid", &err), 0);
    assert_string_equal(v[1]->name, "mid");   /* the listing holds references */
    for (size_t i = 0; i < n; i++) gcatalog_release(c, v[i]);
    free(v);
    gcatalog_list(c, &v, &n);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++) gcatalog_release(c, v[i]);
    free(v);
    gcatalog_free(c);
}

typedef struct readers {
    gcatalog *c;
    int stop;
    long seen;
} readers;

static void *reader(void *arg) {
    readers *R = arg;
    while (!__atomic_load_n(&R->stop, __ATOMIC_RELAXED)) {
        graph *g = gcatalog_get(R->c, "hot");
        if (g) {
            if (strcmp(g->name, "hot") != 0) fail_msg("graph freed under a reader");
            __atomic_fetch_add(&R->seen, 1, __ATOMIC_RELAXED);
            gcatalog_release(R->c, g);
        }
    }
    return NULL;
}

static void test_concurrent_get_drop(void **state) {
    (void)state;
    readers R = {.c = gcatalog_new()};
    pthread_t th[3];
    for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, reader, &R);
    qv_err err;
    for (int round = 0; round < 2000; round++) {
        assert_int_equal(gcatalog_publish(R.c, mkg("hot"), &err), 0);
        assert_int_equal(gcatalog_drop(R.c, "hot", &err), 0);
    }
    __atomic_store_n(&R.stop, 1, __ATOMIC_RELAXED);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    gcatalog_free(R.c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_publish_get),
        cmocka_unit_test(test_unreserve),
        cmocka_unit_test(test_drop_while_referenced),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_list_sorted),
        cmocka_unit_test(test_concurrent_get_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
