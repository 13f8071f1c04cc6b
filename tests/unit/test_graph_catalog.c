/* test_graph_catalog.c — the graph catalog: reservations, publishing, replacing, dropping while readers
 * hold references (the graph must live until the last release, then be freed exactly once: ASan checks
 * both), listing, concurrent readers against drops, and names scoped per database (the same projection
 * name in two databases, bare-name resolution, scoped drops and listings). */
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

/* A top-level graph (no database), a projection in database db, a database. */
static graph *mkg(const char *name) { return graph_new(name, NULL, false, GRAPH_ID_INTEGER, NULL); }
static graph *mkp(const char *db, const char *name) { return graph_new(name, db, false, GRAPH_ID_INTEGER, NULL); }
static graph *mkdb(const char *name) { return graph_new(name, name, true, GRAPH_ID_INTEGER, NULL); }

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

static void test_same_name_two_databases(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_publish(c, mkdb("db1"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkdb("db2"), &err), 0);
    assert_int_equal(gcatalog_reserve_in(c, "db1", "g", false, &err), 0);
    assert_int_equal(gcatalog_reserve_in(c, "db2", "g", false, &err), 0);   /* another database: no conflict */
    assert_int_equal(gcatalog_reserve_in(c, "db1", "g", false, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_true(gcatalog_reserved(c, "g"));
    graph *g1 = mkp("db1", "g"), *g2 = mkp("db2", "g");
    g1->n_nodes = 1;
    g2->n_nodes = 2;
    assert_int_equal(gcatalog_publish(c, g1, &err), 0);
    assert_int_equal(gcatalog_publish(c, g2, &err), 0);
    graph *a = gcatalog_get_in(c, "db1", "g"), *b = gcatalog_get_in(c, "db2", "g");
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(a->n_nodes, 1);
    assert_int_equal(b->n_nodes, 2);
    gcatalog_release(c, a);
    gcatalog_release(c, b);
    assert_null(gcatalog_get_in(c, "db3", "g"));   /* the wrong database */
    assert_null(gcatalog_resolve(c, "db3", "g", &err));
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "db3"));
    assert_non_null(strstr(err.msg, "'db1', 'db2'"));
    /* a bare name held by two databases is ambiguous: nothing resolves, the message names both */
    assert_null(gcatalog_get(c, "g"));
    assert_false(gcatalog_exists(c, "g"));
    assert_false(gcatalog_reserved(c, "g"));
    assert_int_equal(gcatalog_drop(c, "g", &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_non_null(strstr(err.msg, "ambiguous"));
    /* a database resolves under its own name, in scope or bare; a projection of another database does not */
    graph *d = gcatalog_get_in(c, "db1", "db1");
    assert_non_null(d);
    assert_true(d->durable);
    gcatalog_release(c, d);
    assert_null(gcatalog_get_in(c, "db2", "db1"));
    /* dropping in one database leaves the other; then the bare name is unambiguous again */
    assert_int_equal(gcatalog_drop_in(c, "db1", "g", &err), 0);
    assert_null(gcatalog_get_in(c, "db1", "g"));
    b = gcatalog_get(c, "g");
    assert_non_null(b);
    assert_int_equal(b->n_nodes, 2);
    gcatalog_release(c, b);
    assert_int_equal(gcatalog_drop_in(c, "db1", "g", &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_int_equal(gcatalog_drop(c, "g", &err), 0);   /* bare, now unique */
    assert_null(gcatalog_get_in(c, "db2", "g"));
    gcatalog_free(c);
}

static void test_namespaces_do_not_shadow(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_publish(c, mkdb("neo4j"), &err), 0);
    /* a projection may not take a top-level name, nor a database a projection's name */
    assert_int_equal(gcatalog_reserve_in(c, "neo4j", "neo4j", false, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_int_equal(gcatalog_publish(c, mkp("neo4j", "p"), &err), 0);
    assert_int_equal(gcatalog_reserve(c, "p", false, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_non_null(strstr(err.msg, "neo4j"));
    /* bare lookups of a unique projection work as before scoping */
    graph *p = gcatalog_get(c, "p");
    assert_non_null(p);
    assert_string_equal(p->database_name, "neo4j");
    gcatalog_release(c, p);
    /* a bare reservation published as a projection is taken over under the projection's scope */
    assert_int_equal(gcatalog_reserve(c, "q", false, &err), 0);
    assert_int_equal(gcatalog_publish(c, mkp("neo4j", "q"), &err), 0);
    assert_false(gcatalog_reserved(c, "q"));
    graph *q = gcatalog_get_in(c, "neo4j", "q");
    assert_non_null(q);
    gcatalog_release(c, q);
    assert_int_equal(gcatalog_reserve_in(c, "neo4j", "q", false, &err), -1);   /* now held in neo4j */
    gcatalog_free(c);
}

static void test_list_in(void **state) {
    (void)state;
    gcatalog *c = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_publish(c, mkdb("db1"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkdb("db2"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkp("db2", "g"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkp("db1", "g"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkp("db1", "h"), &err), 0);
    assert_int_equal(gcatalog_publish(c, mkg("free"), &err), 0);
    graph **v;
    size_t n;
    gcatalog_list_in(c, "db1", &v, &n);
    assert_int_equal(n, 3);   /* the database itself, g and h of db1 */
    assert_string_equal(v[0]->name, "db1");
    assert_string_equal(v[1]->name, "g");
    assert_string_equal(v[1]->database_name, "db1");
    assert_string_equal(v[2]->name, "h");
    for (size_t i = 0; i < n; i++) gcatalog_release(c, v[i]);
    free(v);
    gcatalog_list(c, &v, &n);
    assert_int_equal(n, 6);   /* sorted by name, then database */
    assert_string_equal(v[3]->name, "g");
    assert_string_equal(v[3]->database_name, "db1");
    assert_string_equal(v[4]->name, "g");
    assert_string_equal(v[4]->database_name, "db2");
    for (size_t i = 0; i < n; i++) gcatalog_release(c, v[i]);
    free(v);
    gcatalog_list_in(c, "nodb", &v, &n);
    assert_int_equal(n, 0);
    free(v);
    gcatalog_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_publish_get),
        cmocka_unit_test(test_unreserve),
        cmocka_unit_test(test_drop_while_referenced),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_list_sorted),
        cmocka_unit_test(test_concurrent_get_drop),
        cmocka_unit_test(test_same_name_two_databases),
        cmocka_unit_test(test_namespaces_do_not_shadow),
        cmocka_unit_test(test_list_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
