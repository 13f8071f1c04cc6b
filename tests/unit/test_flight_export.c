/* test_flight_export.c — DoGet (api/flight/doget.c) served by the real gRPC server over a loopback socket,
 * against a graph built with the bulk loader. Every row of each export is decoded and checked against the
 * graph, and the record batches after the first of each size go out without the Arrow writer's body copy.
 *
 * Owns: the export's memory behaviour and its stream shape: a long export writes its record batches into
 * message buffers recycled from its earlier batches (the cause of the export stall of issue 9 was a fresh
 * multi-MiB buffer per batch, which malloc sometimes served with new pages that every batch then faulted
 * in), asserted through the service's counters rather than a wall-clock time, with the stream's shape.
 * Must not: depend on timing, or reach into net/ internals (only the flight and grpc APIs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "api/flight/flight.h"
#include "graph/loader.h"
#include "net/server.h"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function" /* the client helpers this test does not use */
#include "test_net_h2client.h"
#pragma GCC diagnostic pop
#include "util/log.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"

#define NODES 1000u
#define RELS 1500000u
#define BATCH_ROWS 100000u /* about 2 MiB per RecordBatch: src, tgt int64 and the int32 type index */

typedef struct fixture {
    qv_pool *pool;
    gcatalog *cat;
    flight_service *fs;
    qv_net *net;
    int port;
    const graph *g;   /* published: the catalog owns it */
} fixture;

static void build_graph(fixture *f) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j", .id_type = GRAPH_ID_INTEGER};
    gloader *l = gloader_new(&cfg, f->pool);
    qv_err err;
    uint32_t lab = gloader_label(l, "N", 1);
    uint32_t ls = gloader_labelset(l, &lab, 1);
    gnode_chunk nc = {.n = NODES, .ids = qv_malloc(NODES * 8), .common_labelset = ls};
    for (uint32_t i = 0; i < NODES; i++) nc.ids[i] = i;
    assert_int_equal(gloader_add_nodes(l, &nc, &err), 0);
    uint64_t nn;
    assert_int_equal(gloader_nodes_done(l, &nn, &err), 0);
    uint16_t ty;
    assert_int_equal(gloader_rel_type(l, "R", 1, &ty, &err), 0);
    grel_chunk rc = {.n = RELS, .src = qv_malloc(RELS * 8), .tgt = qv_malloc(RELS * 8), .common_type = ty};
    for (uint32_t i = 0; i < RELS; i++) {
        rc.src[i] = i % NODES;
        rc.tgt[i] = (i / NODES + i) % NODES;
    }
    assert_int_equal(gloader_add_rels(l, &rc, &err), 0);
    uint64_t nr;
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &nr, &g, &err), 0);
    assert_non_null(g);
    assert_int_equal(nr, RELS);
    gloader_free(l);
    f->g = g;
    assert_int_equal(gcatalog_reserve(f->cat, "g", false, &err), 0);
    assert_int_equal(gcatalog_publish(f->cat, g, &err), 0);
}

static fixture *start(void) {
    fixture *f = qv_calloc(1, sizeof *f);
    f->pool = qv_pool_new(2);
    f->cat = gcatalog_new();
    build_graph(f);
    flight_config fc = {.abort_timeout_ms = 60000, .token_idle_ms = 60000, .export_batch_rows = BATCH_ROWS};
    f->fs = flight_service_new(&fc, f->cat, NULL, f->pool);
    qv_net_config cfg = {.listen_addr = "127.0.0.1", .flight_port = 0, .http_port = -1, .threads = 2,
                         .max_http_body = 1 << 20, .grpc = flight_service_grpc(f->fs)};
    qv_err err;
    f->net = qv_net_start(&cfg, &err);
    if (!f->net) fail_msg("qv_net_start: %s", err.msg);
    f->port = qv_net_flight_port(f->net);
    return f;
}

/* Ticket { bytes ticket = 1; } around a GET_COMMAND body. */
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

static tstream *doget(tclient *c, const char *body) {
    tstream *st = tc_start(c, "/arrow.flight.protocol.FlightService/DoGet");
    qv_buf m;
    qv_buf_init(&m);
    ticket_msg(&m, body);
    tc_send_msg(c, st, m.data, m.len);
    qv_buf_free(&m);
    tc_half_close(c, st);
    TC_WAIT(c, st->closed, 120);
    return st;
}

#define RELS_TICKET                                                                                      \
    "{\"graph_name\":\"g\",\"database_name\":\"neo4j\",\"procedure_name\":\"gds.graph.relationships.stream\"," \
    "\"configuration\":{}}"

static int64_t i64_at(const arw_array *a, int64_t j) {
    int64_t x;
    memcpy(&x, (const uint8_t *)a->values + (size_t)j * 8, 8);
    return x;
}

/* Every row of the stream, decoded as a client would: relationship ids in order, source and target
 * external ids, the type index. */
static void check_rows(const graph *g, const tstream *st) {
    arw_reader *r = arw_reader_new();
    size_t nmsg = tc_msg(st, 0, NULL, NULL);
    uint64_t row = 0, v = 0;
    for (size_t i = 0; i < nmsg; i++) {
        const uint8_t *p = NULL;
        size_t len = 0;
        tc_msg(st, i, &p, &len);
        fp_flight_data fd;
        qv_err err;
        assert_int_equal(fp_decode_flight_data(p, len, &fd, &err), 0);
        arw_msg_type ty;
        if (arw_reader_feed(r, fd.data_header.p, fd.data_header.n, fd.data_body.p, fd.data_body.n, &ty, &err))
            fail_msg("message %zu: %s", i, err.msg);
        if (ty != ARW_MSG_RECORD_BATCH) continue;
        const arw_batch *b = arw_reader_batch(r);
        assert_int_equal(b->ncolumns, 3);
        for (int64_t j = 0; j < b->length; j++, row++) {
            while (g->out_off[v + 1] <= row) v++;
            assert_int_equal(i64_at(&b->columns[0], j), g->ext_ids[v]);
            assert_int_equal(i64_at(&b->columns[1], j), g->ext_ids[g->out_tgt[row]]);
            int32_t k;
            memcpy(&k, (const uint8_t *)b->columns[2].values + (size_t)j * 4, 4);
            assert_int_equal(k, g->rel_type[row]);
        }
    }
    assert_int_equal(row, g->n_rels);
    arw_reader_free(r);
}

/* Three consecutive exports of 15 record batches of ~2 MiB each: only the buffers the send queue holds at
 * once (EXPORT_QUEUE_HIGH, 8 MiB) are ever allocated; every later batch reuses a sent one. Without the
 * recycling every batch message is a fresh allocation (17+ per export). */
static void test_export_reuses_batch_buffers(void **unused) {
    (void)unused;
    fixture *f = start();
    tclient *c = tc_connect(f->port);
    assert_non_null(c);
    for (int round = 0; round < 3; round++) {
        tstream *st = doget(c, RELS_TICKET);
        assert_int_equal(st->grpc_status, 0);
        /* schema, dictionary, then ceil(RELS / BATCH_ROWS) record batches */
        assert_int_equal(tc_msg(st, 0, NULL, NULL), 2 + (RELS + BATCH_ROWS - 1) / BATCH_ROWS);
        check_rows(f->g, st);
        tstream_free(st);
    }
    tc_free(c);
    qv_net_stop(f->net);
    f->net = NULL;
    uint64_t msgs, fresh;
    flight_service_export_stats(f->fs, &msgs, &fresh);
    print_message("# 3 exports: %llu messages, %llu in fresh buffers\n", (unsigned long long)msgs,
                  (unsigned long long)fresh);
    assert_int_equal(msgs, 3 * (2 + (RELS + BATCH_ROWS - 1) / BATCH_ROWS));
    /* per export: at most the queue's worth (8 MiB / 2 MiB) plus the batch being built and one spare */
    assert_true(fresh <= 3 * 7);
    assert_true(fresh < msgs / 2);
    /* all 15 batches of an export have 100,000 rows: the first goes through the Arrow writer (and checks
     * the direct layout), the other 14 are sent from the column buffers */
    assert_int_equal(flight_service_export_direct(f->fs), 3 * ((RELS + BATCH_ROWS - 1) / BATCH_ROWS - 1));
    flight_service_free(f->fs);
    gcatalog_free(f->cat);
    qv_pool_free(f->pool);
    free(f);
}

int main(void) {
    qv_log_set_level(QV_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_export_reuses_batch_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
