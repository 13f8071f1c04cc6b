/* test_graph_txn_mt.c — writers and readers at once: 8 writer threads increment a counter stored in two
 * nodes (read in the transaction, written to both, plus a new node and relationship per transaction; some roll
 * back), 4 reader threads open snapshots meanwhile and check each one is consistent (both counters equal, counts
 * agree with scans and degrees, counters never go back). No lost update, no torn read. The background
 * compaction triggers meanwhile (thousands of changes), so generation swaps happen under the readers too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/gview.h"
#include "graph/loader.h"

#define WRITERS 8
#define READERS 4
#define ROUNDS 250

typedef struct shared {
    graph *g;
    uint64_t a, b;
    uint32_t key, label, type;
    uint64_t base_deg;     /* relationships out of a before the writers start */
    uint64_t nodes0;       /* nodes before the writers start */
    int commits;           /* atomic */
    int writers_left;      /* atomic */
    int failures;          /* atomic */
    char why[640];
    long snapshots;        /* atomic */
} shared;

static void fail_once(shared *s, const char *what, long long x, long long y) {
    if (__atomic_fetch_add(&s->failures, 1, __ATOMIC_SEQ_CST) == 0)
        snprintf(s->why, sizeof s->why, "%s (%lld vs %lld)", what, x, y);
}

static void *writer(void *arg) {
    shared *s = arg;
    unsigned seed = (unsigned)(uintptr_t)&seed;
    for (int i = 0; i < ROUNDS; i++) {
        qv_err err;
        gtxn *t = gtxn_begin(s->g, &err);
        gview *v = gtxn_view(t);
        qval c;
        gview_node_prop(v, s->a, s->key, &c);
        int64_t next = c.i + 1;
        uint64_t n, r;
        if (gtxn_node_set_prop(t, s->a, s->key, qv_int(next), &err) ||
            gtxn_node_create(t, &s->label, 1, NULL, 0, qv_null(), &n, &err) ||
            gtxn_rel_create(t, s->a, n, s->type, NULL, 0, &r, &err) ||
            gtxn_node_set_prop(t, s->b, s->key, qv_int(next), &err)) {
            fail_once(s, err.msg, i, 0);
            gtxn_rollback(t);
            continue;
        }
        if (rand_r(&seed) % 8 == 0) {
            gtxn_rollback(t);
            continue;
        }
        if (gtxn_commit(t, &err)) fail_once(s, err.msg, i, 0);
        else __atomic_fetch_add(&s->commits, 1, __ATOMIC_SEQ_CST);
    }
    __atomic_fetch_sub(&s->writers_left, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *reader(void *arg) {
    shared *s = arg;
    int64_t last = -1;
    do {   /* at least one snapshot, however fast the writers are done */
        qv_err err;
        gview *v = gview_open(s->g, &err);
        qval a, b;
        gview_node_prop(v, s->a, s->key, &a);
        gview_node_prop(v, s->b, s->key, &b);
        if (a.i != b.i) fail_once(s, "torn read: counters differ", a.i, b.i);
        if (a.i < last) fail_once(s, "counter went back", a.i, last);
        last = a.i;
        uint64_t made = gview_label_count(v, s->label);
        if (made != (uint64_t)a.i) fail_once(s, "label count vs counter", (long long)made, a.i);
        if (gview_node_count(v) != made + s->nodes0)
            fail_once(s, "node count", (long long)gview_node_count(v), (long long)made);
        if (gview_degree(v, s->a, GDIR_OUT, NULL, 0) != made + s->base_deg)
            fail_once(s, "degree vs counter", (long long)gview_degree(v, s->a, GDIR_OUT, NULL, 0), (long long)made);
        if (gview_degree(v, s->a, GDIR_OUT, &s->type, 1) != made)
            fail_once(s, "typed degree vs counter", (long long)gview_degree(v, s->a, GDIR_OUT, &s->type, 1), (long long)made);
        gnode_iter it;
        uint64_t ids[64], seen = 0;
        uint32_t k;
        gview_nodes(v, s->label, &it);
        while ((k = gnode_iter_next(&it, ids, 64)) > 0) seen += k;
        if (seen != made) fail_once(s, "label scan vs count", (long long)seen, (long long)made);
        gview_close(v);
        __atomic_fetch_add(&s->snapshots, 1, __ATOMIC_RELAXED);
    } while (__atomic_load_n(&s->writers_left, __ATOMIC_SEQ_CST) > 0);
    return NULL;
}

static void run(shared *s) {
    qv_err err;
    graph_set_compact_trigger(s->g, true, 300);   /* compact every few hundred relationships */
    s->writers_left = WRITERS;
    pthread_t w[WRITERS], r[READERS];
    for (int i = 0; i < READERS; i++) pthread_create(&r[i], NULL, reader, s);
    for (int i = 0; i < WRITERS; i++) pthread_create(&w[i], NULL, writer, s);
    for (int i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
    for (int i = 0; i < READERS; i++) pthread_join(r[i], NULL);
    if (s->failures) fail_msg("%d failures, first: %s", s->failures, s->why);
    assert_true(s->snapshots > 0);
    assert_true(s->commits > ROUNDS * WRITERS / 2);

    gview *v = gview_open(s->g, &err);
    qval c;
    assert_true(gview_node_prop(v, s->a, s->key, &c));
    assert_int_equal(c.i, s->commits);   /* no lost update */
    assert_int_equal(gview_degree(v, s->a, GDIR_OUT, NULL, 0), (uint64_t)s->commits + s->base_deg);
    gview_close(v);
    /* the background trigger compacted while readers read (the last one may still be running) */
    for (int i = 0; i < 1000 && !__atomic_load_n(&s->g->delta->compactions, __ATOMIC_ACQUIRE); i++) usleep(10000);
    assert_true(__atomic_load_n(&s->g->delta->compactions, __ATOMIC_ACQUIRE) > 0);
    graph_free(s->g);
}

static void test_writers_and_readers(void **state) {
    (void)state;
    shared s = {.g = graph_new("mt", "mt", false, GRAPH_ID_INTEGER, NULL), .nodes0 = 2};
    qv_err err;
    gtxn *t = gtxn_begin(s.g, &err);
    s.key = gtxn_key(t, "c", 1);
    s.label = gtxn_label(t, "W", 1);
    s.type = gtxn_type(t, "MADE", 4);
    gprop p = {s.key, qv_int(0)};
    assert_int_equal(gtxn_node_create(t, NULL, 0, &p, 1, qv_int(1), &s.a, &err), 0);
    assert_int_equal(gtxn_node_create(t, NULL, 0, &p, 1, qv_int(2), &s.b, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    run(&s);
}

static void *dupmem(const void *p, size_t n) {
    void *d = malloc(n);
    memcpy(d, p, n);
    return d;
}

/* The same on a loader-built graph: a and b are base nodes, a has three base relationships of another type. */
static void test_writers_and_readers_on_a_loaded_graph(void **state) {
    (void)state;
    qv_pool *pool = qv_pool_new(2);
    gloader_config cfg = {.name = "mtl", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t c;
    assert_int_equal(gloader_prop_key(l, false, "c", GPROP_INT64, &c, &err), 0);
    int64_t ids[] = {1, 2, 3, 4}, cs[] = {0, 0, 0, 0};
    gnode_chunk nc = {.n = 4, .ids = dupmem(ids, sizeof ids), .ncols = 1,
                      .cols = dupmem(&(gchunk_col){.key = c, .type = GPROP_INT64, .values = dupmem(cs, sizeof cs)},
                                     sizeof(gchunk_col))};
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t base_t;
    assert_int_equal(gloader_rel_type(l, "BASE", 4, &base_t, &err), 0);
    int64_t src[] = {1, 1, 1, 3}, dst[] = {2, 3, 4, 1};
    grel_chunk rc = {.n = 4, .src = dupmem(src, sizeof src), .tgt = dupmem(dst, sizeof dst), .common_type = base_t};
    assert_int_equal(gloader_add_rels(l, &rc, &err), 0);
    shared s = {.base_deg = 3, .nodes0 = 4};
    assert_int_equal(gloader_rels_done(l, &n, &s.g, &err), 0);
    gloader_free(l);
    gtxn *t = gtxn_begin(s.g, &err);
    s.key = gtxn_key(t, "c", 1);
    s.label = gtxn_label(t, "W", 1);
    s.type = gtxn_type(t, "MADE", 4);
    gtxn_rollback(t);
    s.a = 0;
    s.b = 1;
    run(&s);
    qv_pool_free(pool);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writers_and_readers),
        cmocka_unit_test(test_writers_and_readers_on_a_loaded_graph),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
