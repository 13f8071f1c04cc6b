/* test_cypher_txn_export.c — the transaction test with the Arrow export alongside: 8 threads write
 * overlapping nodes through the embedded openCypher API while 4 threads read with openCypher and Arrow
 * exports (DoGet of gds.graph.nodeProperties.stream, served by the real Flight service over a loopback
 * socket from the same catalog) run one after another: no lost update, no torn read, no error.
 *
 * Owns: the invariant the writers keep in every transaction — each moves an amount between two of the
 * accounts (v) and counts the move on both (t), so sum(v) never changes and sum(t) is even — checked on every
 * openCypher read and every exported snapshot, plus: the export has every account exactly once, snapshots
 * only move forward (sum(t) never decreases), and at the end sum(t) counts every write (none lost).
 * Must not: depend on timing for correctness (the writers' pace only makes overlaps likelier); assert from
 * threads other than the main one (cmocka cannot), so threads count failures and the main thread checks.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/flight/flight.h"
#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "graph/loader.h"
#include "net/server.h"
#include "util/pool.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function" /* the client helpers this test does not use */
#include "test_net_h2client.h"
#pragma GCC diagnostic pop
#include "util/log.h"

#define WRITERS 8
#define READERS 4
#define ITERS 60
#define ACCOUNTS 12
#define START 1000
#define MIN_EXPORTS 25   /* the writers keep going until this many exports ran alongside them */

typedef struct shared {
    cy_engine *e;
    atomic_int writers_left;
    atomic_int errors;
    atomic_int torn;
    atomic_int reads;
    atomic_int exports;      /* exports finished so far */
    atomic_int txns;         /* transfers committed */
    char first_error[CY_ERR_MSG_MAX + 128];
    pthread_mutex_t mu;
} shared;

typedef struct worker {
    shared *s;
    int id;
} worker;

static void note(shared *s, atomic_int *counter, const char *fmt, ...) {
    atomic_fetch_add(counter, 1);
    pthread_mutex_lock(&s->mu);
    if (!s->first_error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(s->first_error, sizeof s->first_error, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&s->mu);
}

/* Runs text; the first row's first two integer columns into c0, c1. Returns the error class. */
static cy_errclass run(cy_engine *e, const char *text, qval params, int64_t *c0, int64_t *c1, uint64_t *rows,
                       char *msg, size_t msgcap) {
    cy_query_opts opts = {.graph = "g", .params = params};
    cy_result *r = NULL;
    cy_error err;
    memset(&err, 0, sizeof err);
    if (rows) *rows = 0;
    if (cy_query(e, text, strlen(text), &opts, &r, &err)) {
        snprintf(msg, msgcap, "%s", err.msg);
        return err.cls;
    }
    const qval *row;
    int rc;
    while ((rc = cy_result_next(r, &row, &err)) == 1) {
        if (rows && (*rows)++ > 0) continue;
        if (c0) *c0 = cy_result_ncols(r) >= 1 && row[0].type == QT_INT ? row[0].i : INT64_MIN;
        if (c1) *c1 = cy_result_ncols(r) >= 2 && row[1].type == QT_INT ? row[1].i : INT64_MIN;
    }
    cy_result_free(r);
    if (rc < 0) {
        snprintf(msg, msgcap, "%s", err.msg);
        return err.cls;
    }
    return CYE_NONE;
}

static void *writer_main(void *arg) {
    worker *w = arg;
    shared *s = w->s;
    qv_arena a;
    qv_arena_init(&a);
    qv_arena_mark empty = qv_arena_mark_get(&a);
    uint64_t seed = (uint64_t)w->id * 7919 + 17;
    for (int it = 0; it < ITERS || atomic_load(&s->exports) < MIN_EXPORTS; it++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int from = (int)((seed >> 33) % ACCOUNTS), to = (from + 1 + (int)((seed >> 40) % (ACCOUNTS - 1))) % ACCOUNTS;
        qmap_b m;
        qmap_b_init(&m, &a, 3);
        qmap_b_set(&m, "from", 4, qv_int(from));
        qmap_b_set(&m, "to", 2, qv_int(to));
        qmap_b_set(&m, "x", 1, qv_int((int64_t)(seed >> 50) % 50 + 1));
        char msg[CY_ERR_MSG_MAX];
        /* one transaction: read-modify-write of two accounts other writers touch too */
        cy_errclass cls = run(s->e,
                              "MATCH (a:Acct {k: $from}), (b:Acct {k: $to}) "
                              "SET a.v = a.v - $x, a.t = a.t + 1 SET b.v = b.v + $x, b.t = b.t + 1 RETURN a.v",
                              qmap_b_done(&m), NULL, NULL, NULL, msg, sizeof msg);
        if (cls != CYE_NONE) note(s, &s->errors, "transfer: %s: %s", cy_errclass_name(cls), msg);
        else atomic_fetch_add(&s->txns, 1);
        qv_arena_reset_to(&a, empty);
    }
    qv_arena_free(&a);
    atomic_fetch_sub(&s->writers_left, 1);
    return NULL;
}

static void *reader_main(void *arg) {
    worker *w = arg;
    shared *s = w->s;
    int64_t last_t = 0;
    (void)w->id;
    while (atomic_load(&s->writers_left) > 0) {
        int64_t sv = 0, st = 0;
        uint64_t rows = 0;
        char msg[CY_ERR_MSG_MAX];
        cy_errclass cls = run(s->e, "MATCH (n:Acct) RETURN sum(n.v), sum(n.t), count(n)", qv_null(), &sv, &st, &rows,
                              msg, sizeof msg);
        if (cls != CYE_NONE) { note(s, &s->errors, "read: %s: %s", cy_errclass_name(cls), msg); continue; }
        if (rows != 1 || sv != (int64_t)ACCOUNTS * START || st % 2 != 0 || st < last_t)
            note(s, &s->torn, "torn read: sum(v) %lld, sum(t) %lld after %lld", (long long)sv, (long long)st,
                 (long long)last_t);
        last_t = st;
        atomic_fetch_add(&s->reads, 1);
    }
    return NULL;
}

/* ---- the export, decoded on the main thread ---- */

typedef struct snap {
    int64_t rows, sum_v, sum_t;
    bool dup_or_null;
} snap;

static void ticket_msg(qv_buf *out, const char *body) {
    size_t n = strlen(body);
    qv_buf_append_byte(out, 0x0a);
    while (n >= 0x80) {
        qv_buf_append_byte(out, (uint8_t)(n | 0x80));
        n >>= 7;
    }
    qv_buf_append_byte(out, (uint8_t)n);
    qv_buf_append_str(out, body);
}

static int64_t int_at(const arw_array *a, int64_t i) {
    assert_int_equal(a->field->kind, ARW_INT);
    switch (a->field->bit_width) {
    case 64: return ((const int64_t *)a->values)[i];
    case 32: return ((const int32_t *)a->values)[i];
    default: fail_msg("unexpected integer width %d", a->field->bit_width);
    }
    return 0;
}

static int col_of(const arw_schema *sc, const char *name) {
    for (int i = 0; i < sc->nfields; i++)
        if (strcmp(sc->fields[i].name, name) == 0) return i;
    fail_msg("exported schema has no column %s", name);
    return -1;
}

static snap export_once(tclient *c) {
    tstream *st = tc_start(c, "/arrow.flight.protocol.FlightService/DoGet");
    qv_buf m;
    qv_buf_init(&m);
    ticket_msg(&m, "{\"graph_name\":\"g\",\"database_name\":\"neo4j\",\"procedure_name\":"
                   "\"gds.graph.nodeProperties.stream\",\"configuration\":{\"node_properties\":[\"v\",\"t\"],"
                   "\"node_labels\":[\"Acct\"]}}");
    tc_send_msg(c, st, m.data, m.len);
    qv_buf_free(&m);
    tc_half_close(c, st);
    TC_WAIT(c, st->closed, 120);
    if (st->grpc_status != 0) fail_msg("DoGet failed: grpc-status %d: %s", st->grpc_status, st->grpc_message);
    snap s = {0};
    bool seen[ACCOUNTS] = {0};
    arw_reader *r = arw_reader_new();
    size_t nmsg = tc_msg(st, 0, NULL, NULL);
    for (size_t i = 0; i < nmsg; i++) {
        const uint8_t *p = NULL;
        size_t len = 0;
        tc_msg(st, i, &p, &len);
        fp_flight_data fd;
        qv_err err;
        if (fp_decode_flight_data(p, len, &fd, &err)) fail_msg("FlightData: %s", err.msg);
        if (fd.data_header.n == 0) continue;
        arw_msg_type type;
        if (arw_reader_feed(r, fd.data_header.p, fd.data_header.n, fd.data_body.p, fd.data_body.n, &type, &err))
            fail_msg("Arrow message %zu: %s", i, err.msg);
        if (type != ARW_MSG_RECORD_BATCH) continue;
        const arw_schema *sc = arw_reader_schema(r);
        const arw_batch *b = arw_reader_batch(r);
        int cid = col_of(sc, "nodeId"), cv = col_of(sc, "v"), ct = col_of(sc, "t");
        for (int64_t k = 0; k < b->length; k++) {
            const arw_array *ids = &b->columns[cid], *v = &b->columns[cv], *t = &b->columns[ct];
            if (!arw_is_valid(v, k) || !arw_is_valid(t, k) || !arw_is_valid(ids, k)) { s.dup_or_null = true; continue; }
            int64_t acct = int_at(ids, k);
            if (acct < 0 || acct >= ACCOUNTS || seen[acct]) s.dup_or_null = true;
            else seen[acct] = true;
            s.rows++;
            s.sum_v += int_at(v, k);
            s.sum_t += int_at(t, k);
        }
    }
    arw_reader_free(r);
    tstream_free(st);
    return s;
}

static void check_snap(const snap *s, int64_t *last_t) {
    if (s->rows != ACCOUNTS || s->dup_or_null || s->sum_v != (int64_t)ACCOUNTS * START || s->sum_t % 2 != 0 ||
        s->sum_t < *last_t)
        fail_msg("torn export: %lld rows%s, sum(v) %lld, sum(t) %lld after %lld", (long long)s->rows,
                 s->dup_or_null ? " (duplicate, unknown or null)" : "", (long long)s->sum_v, (long long)s->sum_t,
                 (long long)*last_t);
    *last_t = s->sum_t;
}

/* The accounts as an Arrow-built graph (the bulk loader DoPut uses): nodes 0..ACCOUNTS-1 labelled Acct with
 * int64 columns k (= the id), v = START and t = 0. openCypher then writes to it, and the export serves
 * what the transactions committed. */
static void build_graph(gcatalog *cat, qv_pool *pool) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j", .id_type = GRAPH_ID_INTEGER};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t lab = gloader_label(l, "Acct", 4);
    uint32_t ls = gloader_labelset(l, &lab, 1);
    const char *names[3] = {"k", "v", "t"};
    gchunk_col *cols = qv_calloc(3, sizeof *cols);
    for (int c = 0; c < 3; c++) {
        assert_int_equal(gloader_prop_key(l, false, names[c], GPROP_INT64, &cols[c].key, &err), 0);
        cols[c].type = GPROP_INT64;
        int64_t *vals = qv_malloc(ACCOUNTS * sizeof *vals);
        for (int i = 0; i < ACCOUNTS; i++) vals[i] = c == 0 ? i : c == 1 ? START : 0;
        cols[c].values = vals;
    }
    gnode_chunk nc = {.n = ACCOUNTS, .ids = qv_malloc(ACCOUNTS * 8), .common_labelset = ls, .ncols = 3, .cols = cols};
    for (int i = 0; i < ACCOUNTS; i++) nc.ids[i] = i;
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t nn, nr;
    assert_int_equal(gloader_nodes_done(l, &nn, &err), 0);
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &nr, &g, &err), 0);
    assert_non_null(g);
    assert_int_equal(nn, ACCOUNTS);
    gloader_free(l);
    assert_int_equal(gcatalog_reserve(cat, "g", false, &err), 0);
    assert_int_equal(gcatalog_publish(cat, g, &err), 0);
}

static void test_writers_readers_and_export(void **unused) {
    (void)unused;
    qv_pool *pool = qv_pool_new(2);
    gcatalog *cat = gcatalog_new();
    build_graph(cat, pool);
    cy_engine *e = cy_engine_new(cat, pool);
    char msg[CY_ERR_MSG_MAX];
    qv_err qerr;
    flight_config fc = {.abort_timeout_ms = 60000, .token_idle_ms = 60000, .export_batch_rows = 5};
    flight_service *fs = flight_service_new(&fc, cat, NULL, pool);
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = 0, .http_port = -1, .threads = 2,
                         .max_http_body = 1 << 20, .grpc = flight_service_grpc(fs)};
    qv_net *net = qv_net_start(&cfg, &qerr);
    if (!net) fail_msg("qv_net_start: %s", qerr.msg);
    tclient *c = tc_connect(qv_net_flight_port(net));
    assert_non_null(c);
    int64_t last_t = 0;
    snap first = export_once(c);   /* before any write: the seeded state */
    check_snap(&first, &last_t);
    assert_int_equal(first.sum_t, 0);

    shared s = {.e = e};
    atomic_init(&s.writers_left, WRITERS);
    atomic_init(&s.exports, 0);
    atomic_init(&s.txns, 0);
    pthread_mutex_init(&s.mu, NULL);
    pthread_t th[WRITERS + READERS];
    worker w[WRITERS + READERS];
    for (int i = 0; i < WRITERS + READERS; i++) {
        w[i] = (worker){&s, i};
        assert_int_equal(pthread_create(&th[i], NULL, i < WRITERS ? writer_main : reader_main, &w[i]), 0);
    }
    int exports = 0, midway = 0;
    while (atomic_load(&s.writers_left) > 0) {   /* exports while the writers run */
        snap x = export_once(c);
        check_snap(&x, &last_t);
        if (x.sum_t > 0) midway++;
        exports++;
        atomic_fetch_add(&s.exports, 1);
    }
    assert_true(exports >= 1);
    for (int i = 0; i < WRITERS + READERS; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&s.mu);
    snap end = export_once(c);
    check_snap(&end, &last_t);
    int txns = atomic_load(&s.txns);
    print_message("# %d exports (%d showing some transfers) and %d openCypher reads during %d transactions\n",
                  exports, midway, atomic_load(&s.reads), txns);
    if (s.first_error[0]) fprintf(stderr, "first problem: %s\n", s.first_error);
    assert_int_equal(atomic_load(&s.errors), 0);
    assert_int_equal(atomic_load(&s.torn), 0);
    /* no lost update: every transfer counted twice, the export agrees with openCypher */
    assert_true(txns >= WRITERS * ITERS);
    assert_int_equal(end.sum_t, 2 * (int64_t)txns);
    int64_t sv = 0, st = 0;
    assert_int_equal(run(e, "MATCH (n:Acct) RETURN sum(n.v), sum(n.t)", qv_null(), &sv, &st, NULL, msg, sizeof msg),
                     CYE_NONE);
    assert_int_equal(sv, (int64_t)ACCOUNTS * START);
    assert_int_equal(st, 2 * (int64_t)txns);

    tc_free(c);
    qv_net_stop(net);
    flight_service_free(fs);
    cy_engine_free(e);
    gcatalog_free(cat);
    qv_pool_free(pool);
}

int main(void) {
    qv_log_set_level(QV_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writers_readers_and_export),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
