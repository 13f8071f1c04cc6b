/* fuzz_wal.c — libFuzzer target for the write-ahead log's decoders and replay (store/wal_codec.c,
 * store/wal_decode.c, graph/greplay.c).
 *
 * The input is a transaction record's body. It is framed (so the CRCs hold and the mutations reach the body
 * decoders, as a crafted log would) and read back through the decoder ring, then replayed twice into fresh
 * graphs: through gtxn (wal_get_changes + wal_apply) and, when the bulk decoder takes it, through the bulk
 * builder (wal_rows_apply + greplay_finish). The raw input is also read as a log of frames. Every outcome must
 * be an error with a message or a graph every reader can walk (node count, ids found back by the id index,
 * labels and properties read through a view): a gap in the checks shows up as an ASan or UBSan report.
 * Seeds: tests/fuzz/seeds/fuzz_wal/ (bodies of names, node creations, a relationship, schema changes).
 */
#include "graph/graph.h"
#include "graph/greplay.h"
#include "graph/gview.h"
#include "store/wal.h"

#include <stdlib.h>
#include <string.h>

static volatile uint64_t sink;

static void walk(graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    if (!v) return;
    uint64_t acc = gview_node_count(v);
    qv_arena a;
    qv_arena_init(&a);
    for (uint64_t id = 0; id < 4096; id++) {
        if (!gview_node_exists(v, id)) continue;
        qval x = gview_node_ext_id(v, id);
        if (gview_node_by_ext_id(v, x) != id) abort();   /* every node is found by its id */
        uint32_t lab[8];
        acc += gview_node_labels(v, id, lab, 8);
        gprop *p;
        uint32_t np = gview_node_props(v, id, &a, &p);
        for (uint32_t i = 0; i < np; i++) acc += p[i].key + p[i].value.type + (p[i].value.type == QT_STRING ? p[i].value.len : 0);
    }
    qv_arena_free(&a);
    gview_close(v);
    sink += acc;
}

/* Replays the change list at c into a fresh graph through gtxn. */
static void replay_slow(wal_cur c) {
    qv_err err;
    graph *g = graph_new("f", "f", true, GRAPH_ID_INTEGER, NULL);
    qv_arena a;
    qv_arena_init(&a);
    gchange *ch;
    size_t n;
    gtxn *t = gtxn_begin_replay(g, &err);
    if (t && wal_get_changes(&c, &a, &ch, &n, &err) == 0 && wal_apply(t, ch, n, &err) == 0) {
        if (gtxn_commit(t, &err) == 0) walk(g);
    } else if (t) {
        gtxn_rollback(t);
    }
    qv_arena_free(&a);
    graph_free(g);
}

/* The same through the bulk builder, when the decoder takes the list (rows decoded ahead in the slot). */
static void replay_bulk(const wal_slot *s) {
    if (s->bulk != 1) return;
    qv_err err;
    graph *g = graph_new("f", "f", true, GRAPH_ID_INTEGER, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    greplay *r = t ? greplay_begin(t) : NULL;
    if (r && wal_rows_apply(t, r, &s->rows, &err) == 0) {
        if (greplay_finish(r, &err) == 0 && gtxn_commit(t, &err) == 0) walk(g);
        else gtxn_rollback(t);
    } else {
        greplay_free(r);
        if (t) gtxn_rollback(t);
    }
    graph_free(g);
}

static void run_log(const uint8_t *p, size_t n, bool replay) {
    wal_decoder *d = wal_decoder_start(p, n, 0, false);
    for (int i = 0; i < 64; i++, wal_decoder_done(d)) {
        wal_slot *s = wal_decoder_next(d);
        if (s->k != 1 || s->dec < 0) break;
        if (!replay) continue;
        replay_slow(s->changes);
        replay_bulk(s);
    }
    wal_decoder_stop(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > (1u << 20)) return 0;
    run_log(data, size, false);   /* the raw bytes as frames: headers, lengths, CRCs */
    qv_buf b;
    qv_buf_init(&b);
    size_t start = wal_frame_begin(&b);
    qv_buf_append(&b, data, size);
    qv_err err;
    if (wal_frame_end(&b, start, &err) == 0) run_log(b.data, b.len, true);
    qv_buf_free(&b);
    return 0;
}
