/* test_cypher_txn.c — transactions through the embedded openCypher API (cypher/cypher.h).
 *
 * Owns: the all-or-nothing and isolation guarantees as a client sees them: a query that fails midway
 * (a runtime error on its 1,000th row, a unique-constraint violation, a timeout, a cancel, the memory
 * limit) leaves the graph identical — nodes, labels, properties, relationships, the `~id` lookups and the
 * indexes, compared as full dumps (tests/fuzz/graph_dump.h) — and the graph stays writable afterwards;
 * concurrent writers updating overlapping nodes lose no update and readers never see a torn transaction.
 * Must not: depend on timing for correctness (sleeps only make races likelier).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "util/pool.h"

#include "../fuzz/graph_dump.h"

typedef struct fixture {
    gcatalog *cat;
    qv_pool *pool;
    cy_engine *e;
} fixture;

static int setup(void **state) {
    fixture *f = calloc(1, sizeof *f);
    f->cat = gcatalog_new();
    f->pool = qv_pool_new(2);
    f->e = cy_engine_new(f->cat, f->pool);
    qv_err err;
    assert_int_equal(cy_engine_create_graph(f->e, "g", &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fixture *f = *state;
    cy_engine_free(f->e);
    gcatalog_free(f->cat);
    qv_pool_free(f->pool);
    free(f);
    return 0;
}

/* Result of one query: the error class (CYE_NONE when every row came), rows, and the first two columns
 * of the last row when they are integers. */
typedef struct outcome {
    cy_errclass cls;
    char msg[CY_ERR_MSG_MAX];
    uint64_t rows;
    int64_t c0, c1;
    bool bad_row;     /* a row whose two first columns differ (reader checks) */
} outcome;

static outcome runq(cy_engine *e, const char *text, qval params, uint64_t timeout_ms, atomic_bool *cancel,
                    uint64_t memory_limit) {
    outcome o = {0};
    cy_query_opts opts = {.graph = "g", .params = params, .timeout_ms = timeout_ms, .cancel = cancel,
                          .memory_limit = memory_limit};
    cy_result *r = NULL;
    cy_error err;
    memset(&err, 0, sizeof err);
    if (cy_query(e, text, strlen(text), &opts, &r, &err)) {
        o.cls = err.cls;
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
        return o;
    }
    const qval *row;
    int rc;
    uint32_t nc = cy_result_ncols(r);
    while ((rc = cy_result_next(r, &row, &err)) == 1) {
        o.rows++;
        if (nc >= 1 && row[0].type == QT_INT) o.c0 = row[0].i;
        if (nc >= 2 && row[1].type == QT_INT) o.c1 = row[1].i;
        if (nc >= 2 && !(row[0].type == row[1].type && qv_equivalent(row[0], row[1]))) o.bad_row = true;
    }
    if (rc < 0) {
        o.cls = err.cls;
        snprintf(o.msg, sizeof o.msg, "%s", err.msg);
    }
    cy_result_free(r);
    return o;
}

static outcome q(cy_engine *e, const char *text) { return runq(e, text, qv_null(), 0, NULL, 0); }

static void ok(cy_engine *e, const char *text) {
    outcome o = q(e, text);
    if (o.cls != CYE_NONE) fprintf(stderr, "%s\n  failed: %s: %s\n", text, cy_errclass_name(o.cls), o.msg);
    assert_int_equal(o.cls, CYE_NONE);
}

static uint64_t count(cy_engine *e, const char *text) {
    outcome o = q(e, text);
    if (o.cls != CYE_NONE) fprintf(stderr, "%s\n  failed: %s: %s\n", text, cy_errclass_name(o.cls), o.msg);
    assert_int_equal(o.cls, CYE_NONE);
    return o.rows;
}

/* A graph with something of everything: labels, properties of several kinds, relationships, external
 * ids (given and generated), a property index and a unique constraint. */
static void populate(cy_engine *e) {
    ok(e, "CREATE INDEX ia FOR (n:A) ON (n.num)");
    ok(e, "CREATE CONSTRAINT uq FOR (n:U) REQUIRE n.k IS UNIQUE");
    ok(e, "CREATE INDEX iu FOR (n:U) ON (n.v)");
    ok(e, "CREATE (a:A {`~id`: 'a', num: 1, s: 'x', l: [1, 2]}), (b:B {`~id`: 'b', d: date('2020-01-01')}),"
          " (c:A:B {num: 2, f: 1.5}), (u:U {k: 0, v: 0}), (a)-[:R {w: 1}]->(b), (b)-[:S]->(c), (c)-[:R]->(a)");
    ok(e, "UNWIND range(1, 50) AS i CREATE (:A {`~id`: 'p' + toString(i), num: i})");
}

static void assert_same_dump(const char *before, const char *after) {
    if (strcmp(before, after) != 0) fprintf(stderr, "---- before\n%s---- after\n%s", before, after);
    assert_string_equal(before, after);
}

/* The example: a write query that fails on its 1,000th row. */
static void test_fails_on_1000th_row(void **state) {
    fixture *f = *state;
    populate(f->e);
    char *before = gdump_graph(f->e, "g");
    assert_non_null(before);

    static const char *const failing[] = {
        "UNWIND range(1, 2000) AS i CREATE (:N {i: i}) WITH i WHERE i = 1000 RETURN 1 / 0",
        /* fails inside the writes: the 1,000th SET divides by zero after 999 nodes were created */
        "UNWIND range(1, 2000) AS i CREATE (n:N {i: i}) SET n.x = 1 / (1000 - i)",
        /* every kind of write before the failure: properties, labels, relationships, deletes, ~id */
        ("MATCH (a:A) SET a.num = a.num + 1, a:Z, a.s = null REMOVE a:A WITH count(*) AS c"
         " MATCH ()-[r:R]->() DELETE r WITH count(*) AS c2"
         " UNWIND range(1, 2000) AS i MERGE (m:M {`~id`: 'm' + toString(i)}) ON CREATE SET m.i = i"
         " CREATE (m)-[:T {i: i}]->(m) WITH m, i WHERE i = 1000 RETURN m.i / 0"),
        ("MATCH (n) DETACH DELETE n WITH count(*) AS c UNWIND range(1, 2000) AS i"
         " CREATE (:U {k: i, v: i}) WITH i WHERE i = 1000 RETURN 1 / 0 + toInteger('x') + [1][5]"),
        /* an error in the RETURN of a query whose writes all succeeded */
        ("UNWIND range(1, 2000) AS i CREATE (:N {`~id`: 'n' + toString(i)}) RETURN CASE WHEN i = 1000 THEN 1 / 0"
         " ELSE i END"),
    };
    for (size_t k = 0; k < sizeof failing / sizeof *failing; k++) {
        outcome o = q(f->e, failing[k]);
        if (o.cls != CYE_ARITHMETIC) fprintf(stderr, "%s\n  gave %s: %s\n", failing[k], cy_errclass_name(o.cls), o.msg);
        assert_int_equal(o.cls, CYE_ARITHMETIC);
        char *after = gdump_graph(f->e, "g");
        assert_non_null(after);
        assert_same_dump(before, after);
        free(after);
    }
    /* the `~id`s the failed queries made are not found, through the API and through a view */
    assert_int_equal(count(f->e, "MATCH (n {`~id`: 'm5'}) RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n {`~id`: 'n1000'}) RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:N) RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:Z) RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:A) WHERE n.num = 2 RETURN n"), 2);   /* index seek: c and p2 */
    assert_int_equal(count(f->e, "MATCH (n {`~id`: 'a'})-[:R]->({`~id`: 'b'}) RETURN n"), 1);
    graph *g = gcatalog_get(f->cat, "g");
    qv_err err;
    gview *v = gview_open(g, &err);
    qv_arena a;
    qv_arena_init(&a);
    assert_true(gview_node_by_ext_id(v, qv_str_cstr(&a, "m1")) == GID_NONE);
    assert_true(gview_node_by_ext_id(v, qv_str_cstr(&a, "n1")) == GID_NONE);
    assert_true(gview_node_by_ext_id(v, qv_str_cstr(&a, "a")) != GID_NONE);
    qv_arena_free(&a);
    gview_close(v);
    gcatalog_release(f->cat, g);

    /* the graph is still writable, and the same ids can be made now */
    ok(f->e, "UNWIND range(1, 2000) AS i CREATE (:N {`~id`: 'n' + toString(i), i: i})");
    assert_int_equal(count(f->e, "MATCH (n {`~id`: 'n1000'}) RETURN n"), 1);
    assert_int_equal(count(f->e, "MATCH (n:N) RETURN n"), 2000);
    free(before);
}

/* A unique-constraint violation midway rolls back everything, index entries included. */
static void test_unique_violation_midway(void **state) {
    fixture *f = *state;
    populate(f->e);
    char *before = gdump_graph(f->e, "g");
    static const char *const failing[] = {
        "UNWIND range(1, 500) AS i CREATE (:U {k: CASE WHEN i = 250 THEN 0 ELSE i END, v: i})",
        "UNWIND range(1, 500) AS i CREATE (:U {k: i % 300, v: i})",
        "MATCH (u:U) SET u.v = 99 WITH u UNWIND range(1, 400) AS i CREATE (n:X {v: i}) SET n:U, n.k = i % 399",
        ("UNWIND range(1, 500) AS i MERGE (n:U {k: i}) ON CREATE SET n.v = i WITH n, i WHERE i = 300"
         " MATCH (x:U {k: 0}) SET x.k = 7"),
    };
    for (size_t k = 0; k < sizeof failing / sizeof *failing; k++) {
        outcome o = q(f->e, failing[k]);
        if (o.cls != CYE_CONSTRAINT) fprintf(stderr, "%s\n  gave %s: %s\n", failing[k], cy_errclass_name(o.cls), o.msg);
        assert_int_equal(o.cls, CYE_CONSTRAINT);
        char *after = gdump_graph(f->e, "g");
        assert_same_dump(before, after);
        free(after);
    }
    /* no index entry survived: seeks find nothing, and the values can be used now */
    assert_int_equal(count(f->e, "MATCH (n:U {k: 5}) RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:U) WHERE n.v = 7 RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:U) WHERE n.v = 99 RETURN n"), 0);
    assert_int_equal(count(f->e, "MATCH (n:U {k: 0}) RETURN n"), 1);
    ok(f->e, "UNWIND range(1, 500) AS i CREATE (:U {k: i, v: i})");
    assert_int_equal(count(f->e, "MATCH (n:U) WHERE n.v = 7 RETURN n"), 1);
    assert_int_equal(count(f->e, "MATCH (n:U {k: 5}) RETURN n"), 1);
    outcome o = q(f->e, "CREATE (:U {k: 5})");
    assert_int_equal(o.cls, CYE_CONSTRAINT);
    free(before);
}

/* ---- timeouts, cancels and the memory limit ---- */

#define LONG_WRITE "UNWIND range(1, 1000) AS i UNWIND range(1, 1000) AS j CREATE (:T {i: i, j: j})"
#define LONG_READ "UNWIND range(1, 1000) AS i UNWIND range(1, 1000) AS j UNWIND range(1, 1000) AS k" \
                  " WITH i, j, k WHERE i + j + k < 0 RETURN i"

typedef struct canceller {
    atomic_bool *flag;
    long delay_ms;
} canceller;

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *cancel_main(void *arg) {
    canceller *c = arg;
    sleep_ms(c->delay_ms);
    atomic_store(c->flag, true);
    return NULL;
}

static void test_timeout_and_cancel_leave_no_trace(void **state) {
    fixture *f = *state;
    populate(f->e);
    char *before = gdump_graph(f->e, "g");

    outcome o = runq(f->e, LONG_WRITE, qv_null(), 100, NULL, 0);
    assert_int_equal(o.cls, CYE_TIMEOUT);
    char *after = gdump_graph(f->e, "g");
    assert_same_dump(before, after);
    free(after);

    o = runq(f->e, LONG_READ, qv_null(), 100, NULL, 0);
    assert_int_equal(o.cls, CYE_TIMEOUT);

    for (int write = 0; write < 2; write++) {
        atomic_bool flag = false;
        canceller c = {&flag, 100};
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, cancel_main, &c), 0);
        o = runq(f->e, write ? LONG_WRITE : LONG_READ, qv_null(), 0, &flag, 0);
        pthread_join(th, NULL);
        assert_int_equal(o.cls, CYE_CANCELLED);
        after = gdump_graph(f->e, "g");
        assert_same_dump(before, after);
        free(after);
    }
    /* cancelled before it starts */
    atomic_bool set = true;
    o = runq(f->e, "CREATE (:T)", qv_null(), 0, &set, 0);
    assert_int_equal(o.cls, CYE_CANCELLED);

    /* over the memory budget while writing */
    o = runq(f->e, "UNWIND range(1, 200) AS i CREATE (:T {s: reduce(s = '', x IN range(1, 1000) | s + 'xxxxxxxxxx')})",
             qv_null(), 0, NULL, 1u << 20);
    assert_int_equal(o.cls, CYE_MEMORY);
    after = gdump_graph(f->e, "g");
    assert_same_dump(before, after);
    free(after);

    /* the writer slot was given back each time */
    ok(f->e, "CREATE (:T {i: 1})");
    assert_int_equal(count(f->e, "MATCH (t:T) RETURN t"), 1);
    free(before);
}

/* ---- concurrent writers and readers ---- */

#define WRITERS 8
#define READERS 4
#define ITERS 40
#define KEYS 4

typedef struct shared {
    cy_engine *e;
    atomic_int writers_left;
    atomic_int errors;
    atomic_int torn;
    char first_error[CY_ERR_MSG_MAX + 128];
    pthread_mutex_t mu;
} shared;

typedef struct worker {
    shared *s;
    int id;
} worker;

static void note_error(shared *s, const char *what, const outcome *o) {
    atomic_fetch_add(&s->errors, 1);
    pthread_mutex_lock(&s->mu);
    if (!s->first_error[0])
        snprintf(s->first_error, sizeof s->first_error, "%s: %s: %s", what, cy_errclass_name(o->cls), o->msg);
    pthread_mutex_unlock(&s->mu);
}

static void *writer_main(void *arg) {
    worker *w = arg;
    shared *s = w->s;
    qv_arena a;
    qv_arena_init(&a);
    for (int it = 0; it < ITERS; it++) {
        char id[16];
        snprintf(id, sizeof id, "k%d", (w->id + it) % KEYS);
        qmap_b m;
        qmap_b_init(&m, &a, 1);
        qmap_b_set(&m, "id", 2, qv_str_cstr(&a, id));
        qval params = qmap_b_done(&m);
        /* MERGE by ~id: every writer creates or finds the same KEYS nodes; a and b move together */
        outcome o = runq(s->e,
                         "MERGE (n:K {`~id`: $id}) ON CREATE SET n.a = 0, n.b = 0"
                         " SET n.a = n.a + 1 SET n.b = n.b + 1",
                         params, 0, NULL, 0);
        if (o.cls != CYE_NONE) note_error(s, "merge", &o);
        /* two nodes incremented in one transaction */
        o = runq(s->e, "MATCH (x {`~id`: 'x'}), (y {`~id`: 'y'}) SET x.c = x.c + 1 SET y.c = y.c + 1",
                 qv_null(), 0, NULL, 0);
        if (o.cls != CYE_NONE) note_error(s, "pair", &o);
    }
    qv_arena_free(&a);
    atomic_fetch_sub(&s->writers_left, 1);
    return NULL;
}

static void *reader_main(void *arg) {
    worker *w = arg;
    shared *s = w->s;
    int64_t last_pair = 0, last_total = 0;
    while (atomic_load(&s->writers_left) > 0) {
        outcome o = q(s->e, "MATCH (n:K) RETURN n.a, n.b");
        if (o.cls != CYE_NONE) note_error(s, "read K", &o);
        if (o.bad_row) atomic_fetch_add(&s->torn, 1);
        if (o.rows > KEYS) atomic_fetch_add(&s->torn, 1);   /* a duplicate MERGE */
        o = q(s->e, "MATCH (x {`~id`: 'x'}), (y {`~id`: 'y'}) RETURN x.c, y.c");
        if (o.cls != CYE_NONE) note_error(s, "read pair", &o);
        if (o.bad_row || o.rows != 1 || o.c0 < last_pair) atomic_fetch_add(&s->torn, 1);
        last_pair = o.c0;
        o = q(s->e, "MATCH (n:K) RETURN sum(n.a), sum(n.b)");
        if (o.cls != CYE_NONE) note_error(s, "read sum", &o);
        if (o.bad_row || o.c0 < last_total) atomic_fetch_add(&s->torn, 1);   /* snapshots only move forward */
        last_total = o.c0;
    }
    (void)w->id;
    return NULL;
}

static void test_concurrent_writers_and_readers(void **state) {
    fixture *f = *state;
    ok(f->e, "CREATE ({`~id`: 'x', c: 0}), ({`~id`: 'y', c: 0})");
    shared s = {.e = f->e};
    atomic_init(&s.writers_left, WRITERS);
    pthread_mutex_init(&s.mu, NULL);
    pthread_t th[WRITERS + READERS];
    worker w[WRITERS + READERS];
    for (int i = 0; i < WRITERS + READERS; i++) {
        w[i] = (worker){&s, i};
        assert_int_equal(pthread_create(&th[i], NULL, i < WRITERS ? writer_main : reader_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS + READERS; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&s.mu);
    if (s.first_error[0]) fprintf(stderr, "first error: %s\n", s.first_error);
    assert_int_equal(atomic_load(&s.errors), 0);
    assert_int_equal(atomic_load(&s.torn), 0);
    /* no lost update, no duplicate node */
    outcome o = q(f->e, "MATCH (n:K) RETURN sum(n.a), sum(n.b)");
    assert_int_equal(o.cls, CYE_NONE);
    assert_int_equal(o.c0, WRITERS * ITERS);
    assert_int_equal(o.c1, WRITERS * ITERS);
    assert_int_equal(count(f->e, "MATCH (n:K) RETURN n"), KEYS);
    o = q(f->e, "MATCH (x {`~id`: 'x'}), (y {`~id`: 'y'}) RETURN x.c, y.c");
    assert_int_equal(o.c0, WRITERS * ITERS);
    assert_int_equal(o.c1, WRITERS * ITERS);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fails_on_1000th_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unique_violation_midway, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_cancel_leave_no_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers_and_readers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
