/* test_store_wal.c — the write-ahead log, recovery and checkpoints of store/.
 *
 * Owns: CRC32C vectors; record round trips for every storable value kind; frames cut at every byte and with
 * every byte flipped (never accepted); restart after openCypher-style writes gives back the same graph element
 * by element (ids, external ids int / string / generated, labels, properties, relationships, deleted ids kept
 * as holes, indexes, constraints) from the log alone, from a checkpoint, and from a checkpoint plus log; a
 * torn or bit-flipped log tail is cut off and later writes land after the cut; group commit (one fdatasync
 * for commits of several graphs queued together); a dropped database refuses commits; a preallocated segment's
 * zeros are the clean end, a stray byte in them a torn tail.
 * Environment: QV_WAL_BENCH=N measures the commit path (see test_wal_bench).
 * Must not: test the snapshot codec (test_store_snapshot.c) or the data directory lock (test_store_datadir.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_store_graphs.h"
#include "test_store_env.h"

#include "graph/catalog.h"
#include "graph/gcommit.h"
#include "graph/gview.h"
#include "store/checksum.h"
#include "store/store.h"
#include "store/wal.h"
#include "util/clock.h"
#include "value/value.h"

static int setup(void **state) { return env_setup(state, "qv-wal"); }

static int teardown(void **state) { return env_teardown(state); }

static void start(env *e) {
    env_open(e);
    qv_err err;
    qv_err_clear(&err);
    if (store_ensure_database(e->s, e->cat, "neo4j", &err) < 0) fail_msg("ensure: %s", err.msg);
}

static void restart(env *e) {
    stop(e, false);
    start(e);
}

/* ---- CRC32C ---- */
static void test_crc32c(void **state) {
    (void)state;
    assert_int_equal(store_crc32c(0, "123456789", 9), 0xE3069283u);
    uint8_t zeros[32] = {0}, ones[32];
    memset(ones, 0xFF, sizeof ones);
    assert_int_equal(store_crc32c(0, zeros, 32), 0x8A9136AAu);
    assert_int_equal(store_crc32c(0, ones, 32), 0x62A8AB43u);
    const char *s = "the quick brown fox jumps over the lazy dog, twice over";
    size_t n = strlen(s);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(store_crc32c(store_crc32c(0, s, cut), s + cut, n - cut), store_crc32c(0, s, n));
    /* the instruction and the tables agree at every alignment and length (tails, 8- and 32-byte steps) */
    uint8_t buf[300];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
    assert_int_equal(store_crc32c_sw(0, "123456789", 9), 0xE3069283u);
    for (size_t at = 0; at < 9; at++)
        for (size_t len = 0; len + at <= sizeof buf; len += 7)
            assert_int_equal(store_crc32c(7, buf + at, len), store_crc32c_sw(7, buf + at, len));
}

/* ---- values ---- */
static qval tm_val(qv_arena *a, qtype t, int64_t days, int64_t nanos, int32_t off, const char *zone) {
    qtemporal *tm = qv_arena_zalloc(a, sizeof *tm);
    tm->days = days;
    tm->nanos = nanos;
    tm->offset = off;
    tm->zone = zone;
    qval v = {.type = (uint8_t)t};
    v.tm = tm;
    return v;
}

static void assert_same_value(qval a, qval b) {
    assert_int_equal(a.type, b.type);
    switch (a.type) {
    case QT_NULL: break;
    case QT_BOOL: assert_int_equal(a.b, b.b); break;
    case QT_INT: assert_true(a.i == b.i); break;
    case QT_FLOAT: assert_memory_equal(&a.f, &b.f, 8); break;
    case QT_STRING:
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.s, b.s, a.len);
        break;
    case QT_DURATION:
        assert_true(a.dur->months == b.dur->months && a.dur->days == b.dur->days &&
                    a.dur->seconds == b.dur->seconds && a.dur->nanos == b.dur->nanos);
        break;
    case QT_LIST:
        assert_int_equal(a.len, b.len);
        for (uint32_t i = 0; i < a.len; i++) assert_same_value(a.items[i], b.items[i]);
        break;
    default:
        assert_true(a.tm->days == b.tm->days && a.tm->nanos == b.tm->nanos && a.tm->offset == b.tm->offset);
        if (a.tm->zone || b.tm->zone) assert_string_equal(a.tm->zone, b.tm->zone);
        break;
    }
}

static void test_value_round_trip(void **state) {
    (void)state;
    qv_arena a;
    qv_arena_init(&a);
    qduration *d = qv_arena_zalloc(&a, sizeof *d);
    *d = (qduration){-14, 3, -86399, 999999999};
    qval dur = {.type = QT_DURATION};
    dur.dur = d;
    qval ints[] = {qv_int(INT64_MIN), qv_int(-1), qv_int(0), qv_int(INT64_MAX)};
    qval mixed[] = {qv_int(1), qv_float(2.5), qv_int(-3)};
    qval strs[] = {qv_str_ref("a", 1), qv_str_ref("", 0), qv_str_ref("h\xc3\xa9llo\0x", 8)};
    qval dates[] = {tm_val(&a, QT_DATE, -719528, 0, 0, NULL), tm_val(&a, QT_DATE, 1, 0, 0, NULL)};
    qval vals[] = {
        qv_null(), qv_bool(true), qv_bool(false), qv_int(INT64_MIN), qv_int(INT64_MAX), qv_int(0), qv_float(-0.0),
        qv_float(1e308), qv_float(0.0 / 0.0), qv_str_ref("", 0), qv_str_ref("with \0 nul", 10),
        tm_val(&a, QT_DATE, -365243219162LL, 0, 0, NULL), tm_val(&a, QT_LOCALTIME, 0, 86399999999999LL, 0, NULL),
        tm_val(&a, QT_TIME, 0, 3600000000000LL, -18000, NULL),
        tm_val(&a, QT_LOCALDATETIME, 20000, 1, 0, NULL),
        tm_val(&a, QT_DATETIME, 19000, 5, 3600, "Europe/Stockholm"), tm_val(&a, QT_DATETIME, -5, 5, -64800, NULL),
        dur, qv_list_ref(ints, 4), qv_list_ref(mixed, 3), qv_list_ref(strs, 3), qv_list_ref(dates, 2),
        qv_list_ref(NULL, 0), qv_list_ref(&dur, 1),
    };
    size_t nv = sizeof vals / sizeof *vals;
    gchange *ch = calloc(nv, sizeof *ch);
    for (size_t i = 0; i < nv; i++)
        ch[i] = (gchange){.kind = i % 2 ? GCH_NODE_SET : GCH_REL_SET, .token = (uint32_t)i * 7919, .id = (uint64_t)i << 40,
                          .value = vals[i]};
    ch[3].kind = GCH_REL_CREATE;
    ch[3].src = UINT64_MAX - 1;
    ch[3].dst = 12345;
    qv_buf b;
    qv_buf_init(&b);
    qv_err err;
    qv_err_clear(&err);
    assert_int_equal(wal_encode_txn(&b, "db name", 77, 5, 9, ch, nv, &err), 0);
    size_t off = 0, blen;
    const uint8_t *body;
    assert_int_equal(wal_frame_next(b.data, b.len, &off, &body, &blen, &err), 1);
    assert_int_equal(off, b.len);
    wal_txn t;
    assert_int_equal(wal_decode_txn(body, blen, &t, &err), 0);
    assert_int_equal(t.db_len, 7);
    assert_memory_equal(t.db, "db name", 7);
    assert_true(t.ident == 77 && t.seq == 5 && t.csn == 9);
    gchange *got;
    size_t n;
    qv_arena b2;
    qv_arena_init(&b2);
    assert_int_equal(wal_get_changes(&t.changes, &b2, &got, &n, &err), 0);
    assert_int_equal(n, nv);
    for (size_t i = 0; i < nv; i++) {
        assert_int_equal(got[i].kind, ch[i].kind);
        assert_int_equal(got[i].token, ch[i].token);
        assert_true(got[i].id == ch[i].id);
        assert_same_value(got[i].value, ch[i].value);
    }
    assert_true(got[3].src == UINT64_MAX - 1 && got[3].dst == 12345);
    /* what gvalue_storable refuses is refused here too */
    qval nested[] = {qv_list_ref(ints, 1)};
    qmapent me = {"k", 1, qv_int(1)};
    qval bad[] = {qv_list_ref(nested, 1), qv_map_ref(&me, 1), qv_node(1)};
    for (size_t i = 0; i < 3; i++) {
        gchange c = {.kind = GCH_NODE_SET, .value = bad[i]};
        size_t len0 = b.len;
        assert_int_equal(wal_encode_txn(&b, "x", 1, 1, 1, &c, 1, &err), -1);
        assert_int_equal(b.len, len0);
    }
    qv_buf_free(&b);
    qv_arena_free(&a);
    qv_arena_free(&b2);
    free(ch);
}

/* ---- frames: torn and corrupt ---- */
static void test_frames_torn_and_corrupt(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    qv_err err;
    size_t ends[3];
    for (int r = 0; r < 3; r++) {
        gchange c[2] = {{.kind = GCH_NODE_CREATE, .id = (uint64_t)r, .value = qv_int(r)},
                        {.kind = GCH_NODE_SET, .id = (uint64_t)r, .token = 1, .value = qv_str_ref("value", 5)}};
        assert_int_equal(wal_encode_txn(&b, "g", 1, (uint64_t)r + 1, 1, c, 2, &err), 0);
        ends[r] = b.len;
    }
    /* every cut: the whole records before it are read, then a clean end (at a boundary) or an error */
    for (size_t cut = 0; cut < b.len; cut++) {
        size_t off = 0, blen;
        const uint8_t *body;
        int k, good = 0;
        while ((k = wal_frame_next(b.data, cut, &off, &body, &blen, &err)) == 1) good++;
        int whole = 0;
        while (whole < 3 && ends[whole] <= cut) whole++;
        assert_int_equal(good, whole);
        bool boundary = cut == 0 || cut == ends[0] || cut == ends[1];
        assert_int_equal(k, boundary ? 0 : -1);
        assert_int_equal(off, whole ? ends[whole - 1] : 0);
    }
    /* every flipped bit: the scan stops at the record holding it */
    for (size_t pos = 0; pos < b.len; pos++)
        for (int bit = 0; bit < 8; bit++) {
            b.data[pos] ^= (uint8_t)(1 << bit);
            size_t off = 0, blen;
            const uint8_t *body;
            int good = 0, k;
            while ((k = wal_frame_next(b.data, b.len, &off, &body, &blen, &err)) == 1) good++;
            int rec = pos < ends[0] ? 0 : pos < ends[1] ? 1 : 2;
            assert_int_equal(k, -1);
            assert_int_equal(good, rec);
            b.data[pos] ^= (uint8_t)(1 << bit);
        }
    qv_buf_free(&b);
}

/* Mutated record bodies (checksums bypassed: the decoder is called directly) never crash the decoder, and
 * whatever decodes is applied to a small graph without crashing: bad ids and names are errors. */
static void test_mutated_records_are_safe(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    qv_err err;
    qv_arena a;
    qv_arena_init(&a);
    qval items[] = {qv_int(1), qv_float(2)};
    gchange c[] = {
        {.kind = GCH_TOKEN, .aux = 0, .token = 0, .value = qv_str_ref("L", 1)},
        {.kind = GCH_TOKEN, .aux = 2, .token = 0, .value = qv_str_ref("k", 1)},
        {.kind = GCH_TOKEN, .aux = 1, .token = 0, .value = qv_str_ref("T", 1)},
        {.kind = GCH_NODE_CREATE, .id = 0, .value = qv_int(10)},
        {.kind = GCH_LABEL_ADD, .id = 0, .token = 0},
        {.kind = GCH_NODE_SET, .id = 0, .token = 0, .value = qv_list_ref(items, 2)},
        {.kind = GCH_NODE_CREATE, .id = 1, .value = qv_str_ref("x", 1)},
        {.kind = GCH_REL_CREATE, .id = 0, .src = 0, .dst = 1, .token = 0},
        {.kind = GCH_REL_SET, .id = 0, .token = 0, .value = tm_val(&a, QT_DATETIME, 1, 2, 3, "UTC")},
        {.kind = GCH_INDEX_CREATE, .aux = 0, .token = 0, .id = 0, .value = qv_str_ref("ix", 2)},
        {.kind = GCH_NODE_DELETE, .id = 1},
    };
    size_t nc = sizeof c / sizeof *c;
    assert_int_equal(wal_encode_txn(&b, "db", 1, 1, 1, c, nc, &err), 0);
    const uint8_t *body0 = b.data + WAL_FRAME_HEADER;
    size_t blen = b.len - WAL_FRAME_HEADER;
    uint8_t *m = malloc(blen);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int applied = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(m, body0, blen);
        int flips = 1 + round % 4;
        for (int f = 0; f < flips; f++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            m[x % blen] = (uint8_t)(x >> 32);
        }
        size_t len = round % 7 == 0 ? (size_t)(x >> 40) % blen : blen;
        wal_txn t;
        if (wal_decode_txn(m, len, &t, &err) < 0) continue;
        qv_arena d;
        qv_arena_init(&d);
        gchange *ch;
        size_t n;
        if (wal_get_changes(&t.changes, &d, &ch, &n, &err) == 0) {
            graph *g = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
            gtxn *tx = gtxn_begin(g, &err);
            if (wal_apply(tx, ch, n, &err) == 0) applied++;
            gtxn_rollback(tx);
            graph_free(g);
        }
        qv_arena_free(&d);
    }
    assert_true(applied > 0); /* some mutations only change values */
    free(m);
    qv_buf_free(&b);
    qv_arena_free(&a);
}

/* The fused bulk decoder (wal_apply_bulk) on mutated records of names and node creations: it applies, declines
 * (the builder rewound: nothing gathered), or refuses with an error; never reads past the record. What it applied
 * installs into a graph that reads back as many nodes, each found by its id. */
static void test_mutated_bulk_records_are_safe(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    qv_err err;
    qv_arena a;
    qv_arena_init(&a);
    qval items[] = {qv_int(1), qv_int(2)};
    gchange c[] = {
        {.kind = GCH_TOKEN, .aux = 0, .token = 0, .value = qv_str_ref("L", 1)},
        {.kind = GCH_TOKEN, .aux = 0, .token = 1, .value = qv_str_ref("M", 1)},
        {.kind = GCH_TOKEN, .aux = 2, .token = 0, .value = qv_str_ref("k", 1)},
        {.kind = GCH_TOKEN, .aux = 2, .token = 1, .value = qv_str_ref("j", 1)},
        {.kind = GCH_NODE_CREATE, .id = 0, .value = qv_int(10)},
        {.kind = GCH_LABEL_ADD, .id = 0, .token = 0},
        {.kind = GCH_LABEL_ADD, .id = 0, .token = 1},
        {.kind = GCH_NODE_SET, .id = 0, .token = 0, .value = qv_list_ref(items, 2)},
        {.kind = GCH_NODE_SET, .id = 0, .token = 1, .value = qv_str_ref("abc", 3)},
        {.kind = GCH_NODE_CREATE, .id = 1, .value = qv_str_ref("x", 1)},
        {.kind = GCH_NODE_SET, .id = 1, .token = 0, .value = tm_val(&a, QT_DATETIME, 1, 2, 3, "UTC")},
        {.kind = GCH_NODE_CREATE, .id = 2, .value = qv_int(12)},
        {.kind = GCH_LABEL_ADD, .id = 2, .token = 1},
        {.kind = GCH_NODE_SET, .id = 2, .token = 0, .value = qv_float(1.5)},
        {.kind = GCH_NODE_SET, .id = 2, .token = 1, .value = qv_bool(true)},
    };
    size_t nc = sizeof c / sizeof *c;
    assert_int_equal(wal_encode_txn(&b, "db", 1, 1, 1, c, nc, &err), 0);
    const uint8_t *body0 = b.data + WAL_FRAME_HEADER;
    size_t blen = b.len - WAL_FRAME_HEADER;
    uint8_t *m = malloc(blen);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int applied = 0, declined = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(m, body0, blen);
        int flips = round == 0 ? 0 : 1 + round % 4;
        for (int f = 0; f < flips; f++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            m[x % blen] = (uint8_t)(x >> 32);
        }
        size_t len = round % 7 == 6 ? (size_t)(x >> 40) % blen : blen;
        wal_txn t;
        if (wal_decode_txn(m, len, &t, &err) < 0) continue;
        qv_arena d;
        qv_arena_init(&d);
        graph *g = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
        gtxn *tx = gtxn_begin_replay(g, &err);
        greplay *r = greplay_begin(tx);
        assert_non_null(r);
        size_t n = 0;
        wal_cur at = t.changes;
        int k = wal_apply_bulk(tx, r, &t.changes, &d, &n, &err);
        if (k == 1) {
            uint64_t nodes = greplay_count(r);
            assert_int_equal(greplay_finish(r, &err), 0);
            assert_int_equal(gtxn_commit(tx, &err), 0);
            gview *v = gview_open(g, &err);
            assert_int_equal(gview_node_count(v), nodes);
            for (uint64_t id = 0; id < nodes; id++) {
                qval ext = gview_node_ext_id(v, id);
                assert_int_equal(gview_node_by_ext_id(v, ext), id);
            }
            gview_close(v);
            applied++;
        } else {
            if (k == 0) {
                declined++;
                assert_int_equal(greplay_count(r), 0);
                assert_ptr_equal(t.changes.p, at.p);
            }
            greplay_free(r);
            gtxn_rollback(tx);
        }
        graph_free(g);
        qv_arena_free(&d);
    }
    assert_true(applied > 0);
    assert_true(declined > 0);
    free(m);
    qv_buf_free(&b);
    qv_arena_free(&a);
}

/* ---- the graph, element by element ---- */
static void dump_value(qv_buf *out, qv_arena *a, qval v) { qv_buf_append_str(out, qv_debug(a, v)); }

static void dump_props(qv_buf *out, qv_arena *a, gview *v, const gprop *p, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        qv_buf_printf(out, " %s=", gview_key_name(v, p[i].key));
        dump_value(out, a, p[i].value);
    }
}

/* Everything a restart must keep, as text. hwm: ids to probe (beyond the live ones). */
static char *dump_graph(env *e, const char *name) {
    graph *g = gcatalog_get(e->cat, name);
    assert_non_null(g);
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    qv_buf out;
    qv_buf_init(&out);
    qv_arena a;
    qv_arena_init(&a);
    qv_buf_printf(&out, "names %u %u %u\n", gview_n_labels(v), gview_n_types(v), gview_n_keys(v));
    for (uint32_t i = 0; i < gview_n_labels(v); i++) qv_buf_printf(&out, "L%u=%s\n", i, gview_label_name(v, i));
    for (uint32_t i = 0; i < gview_n_types(v); i++) qv_buf_printf(&out, "T%u=%s\n", i, gview_type_name(v, i));
    for (uint32_t i = 0; i < gview_n_keys(v); i++) qv_buf_printf(&out, "K%u=%s\n", i, gview_key_name(v, i));
    qv_buf_printf(&out, "nodes %llu rels %llu\n", (unsigned long long)gview_node_count(v),
                  (unsigned long long)gview_rel_count(v));
    for (uint64_t id = 0; id < 512; id++) {
        if (!gview_node_exists(v, id)) continue;
        qv_buf_printf(&out, "n%llu ext=", (unsigned long long)id);
        dump_value(&out, &a, gview_node_ext_id(v, id));
        uint32_t lab[16], nl = gview_node_labels(v, id, lab, 16);
        for (uint32_t i = 0; i < nl; i++) qv_buf_printf(&out, " :%s", gview_label_name(v, lab[i]));
        gprop *p;
        uint32_t np = gview_node_props(v, id, &a, &p);
        dump_props(&out, &a, v, p, np);
        qv_buf_append_byte(&out, '\n');
    }
    for (uint64_t id = 0; id < 512; id++) {
        if (!gview_rel_exists(v, id)) continue;
        uint64_t s, d;
        uint32_t t;
        gview_rel_info(v, id, &s, &d, &t);
        qv_buf_printf(&out, "r%llu %llu-[:%s]->%llu", (unsigned long long)id, (unsigned long long)s,
                      gview_type_name(v, t), (unsigned long long)d);
        gprop *p;
        uint32_t np = gview_rel_props(v, id, &a, &p);
        dump_props(&out, &a, v, p, np);
        qv_buf_append_byte(&out, '\n');
    }
    gindex_info *ix;
    uint32_t nix = gview_indexes(v, &a, &ix);
    for (uint32_t i = 0; i < nix; i++)
        qv_buf_printf(&out, "index %s %d %u %u unique=%d\n", ix[i].name, ix[i].entity, ix[i].token, ix[i].key,
                      ix[i].unique);
    qv_buf_append_byte(&out, 0);
    gview_close(v);
    gcatalog_release(e->cat, g);
    qv_arena_free(&a);
    size_t len;
    return (char *)qv_buf_steal(&out, &len);
}

static gtxn *begin(env *e, graph **g, const char *name) {
    *g = gcatalog_get(e->cat, name);
    assert_non_null(*g);
    qv_err err;
    gtxn *t = gtxn_begin(*g, &err);
    assert_non_null(t);
    return t;
}

static void commit(env *e, graph *g, gtxn *t) {
    qv_err err;
    qv_err_clear(&err);
    if (gtxn_commit(t, &err) < 0) fail_msg("commit: %s", err.msg);
    gcatalog_release(e->cat, g);
}

#define OK(call)                                                                                                   \
    do {                                                                                                           \
        qv_err_clear(&err);                                                                                        \
        if ((call) < 0) fail_msg("%s: %s", #call, err.msg);                                                        \
    } while (0)

/* The database "neo4j" still dumps as before after a compaction, after a checkpoint and a restart, and passes
 * `quiver check` once stopped. */
static void same_after_compact_and_checkpoint(env *e, const char *before) {
    qv_err err;
    graph *g = gcatalog_get(e->cat, "neo4j");
    OK(graph_compact(g, &err));
    gcatalog_release(e->cat, g);
    char *after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    OK(store_checkpoint(e->s, &err));
    restart(e);
    after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    stop(e, false);
    env_check(e);
}

/* A mix of everything the engine writes; returns the id of the last node created. */
static void write_mix(env *e, int round) {
    qv_err err;
    graph *g;
    gtxn *t = begin(e, &g, "neo4j");
    uint32_t person = gtxn_label(t, "Person", 6), city = gtxn_label(t, "City", 4);
    uint32_t knows = gtxn_type(t, "KNOWS", 5), lives = gtxn_type(t, "LIVES_IN", 8);
    uint32_t kname = gtxn_key(t, "name", 4), kage = gtxn_key(t, "age", 3), ktags = gtxn_key(t, "tags", 4);
    qv_arena a;
    qv_arena_init(&a);
    qval tags[] = {qv_str_ref("a", 1), qv_str_ref("b", 1)};
    uint64_t n[5];
    char nm[32];
    for (int i = 0; i < 5; i++) {
        snprintf(nm, sizeof nm, "p%d-%d", round, i);
        gprop props[] = {{kname, qv_str_copy(&a, nm, strlen(nm))}, {kage, qv_int(20 + i)},
                         {ktags, qv_list_ref(tags, 2)}};
        uint32_t labs[] = {person};
        qval ext = i == 0 ? qv_null() : i % 2 ? qv_int(round * 100 + i) : qv_str_copy(&a, nm, strlen(nm));
        OK(gtxn_node_create(t, labs, 1, props, 3, ext, &n[i], &err));
    }
    uint64_t c;
    uint32_t labs[] = {city};
    gprop cp[] = {{kname, round ? qv_str_ref("Malmo", 5) : qv_str_ref("Lund", 4)}};
    OK(gtxn_node_create(t, labs, 1, cp, 1, qv_int(round * 100 + 99), &c, &err));
    uint64_t r;
    for (int i = 0; i < 4; i++) {
        gprop rp[] = {{kage, qv_float(i + 0.5)}};
        OK(gtxn_rel_create(t, n[i], n[i + 1], knows, rp, 1, &r, &err));
    }
    OK(gtxn_rel_create(t, n[0], c, lives, NULL, 0, &r, &err));
    OK(gtxn_rel_create(t, n[4], n[4], knows, NULL, 0, &r, &err));
    commit(e, g, t);

    t = begin(e, &g, "neo4j");
    OK(gtxn_node_delete(t, n[2], true, &err));            /* detach: two KNOWS go with it */
    OK(gtxn_node_set_prop(t, n[1], kage, qv_null(), &err));
    OK(gtxn_node_set_prop(t, n[1], gtxn_key(t, "when", 4), tm_val(&a, QT_DATETIME, 19000, 7, 3600, "Europe/Paris"), &err));
    OK(gtxn_node_add_label(t, n[3], gtxn_label(t, "Admin", 5), &err));
    OK(gtxn_node_remove_label(t, n[4], person, &err));
    OK(gtxn_node_clear_props(t, n[3], &err));
    OK(gtxn_rel_set_prop(t, r, kname, qv_str_ref("self", 4), &err));
    OK(gtxn_rel_delete(t, r - 2, &err));
    commit(e, g, t);

    t = begin(e, &g, "neo4j");
    char ixn[32];
    snprintf(ixn, sizeof ixn, "ix%d", round);
    OK(gtxn_create_index(t, ixn, GINDEX_NODE, person, kage, true, &err));
    snprintf(ixn, sizeof ixn, "u%d", round);
    OK(gtxn_create_unique(t, round == 0 ? "uc" : ixn, city, kname, true, &err));
    if (round == 0) OK(gtxn_create_index(t, "rel_ix", GINDEX_REL, knows, kage, false, &err));
    if (round == 1) OK(gtxn_drop_index(t, "ix0", false, &err));
    commit(e, g, t);

    /* a rolled-back transaction leaves nothing in the log */
    t = begin(e, &g, "neo4j");
    uint64_t junk;
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(-1), &junk, &err));
    gtxn_rollback(t);
    gcatalog_release(e->cat, g);
    qv_arena_free(&a);
}

static void test_restart_from_log_and_checkpoints(void **state) {
    env *e = *state;
    start(e);
    write_mix(e, 0);
    char *before = dump_graph(e, "neo4j");
    restart(e); /* the log alone (over the empty snapshot of the new database) */
    char *after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    qv_err err;
    OK(store_checkpoint(e->s, &err));
    restart(e); /* from the checkpoint */
    after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    free(before);
    write_mix(e, 1); /* ids continue after the holes the checkpoint kept */
    before = dump_graph(e, "neo4j");
    restart(e); /* checkpoint + log */
    after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    stop(e, true); /* clean shutdown checkpoints: the segment it starts stays empty (older ones are kept for the
                      previous checkpoint's sake, but hold nothing the checkpoint lacks) */
    env_check(e);
    uint64_t *segs;
    size_t n;
    char wal[200];
    snprintf(wal, sizeof wal, "%s/wal", e->data);
    assert_int_equal(wal_list_segments(wal, &segs, &n, &err), 0);
    assert_true(n >= 1);
    {
        char path[300];
        struct stat st;
        wal_segment_path(wal, segs[n - 1], path, sizeof path);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, WAL_SEG_HEADER);
    }
    free(segs);
    start(e);
    after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    free(before);
    /* a uniqueness constraint restored from the checkpoint is enforced */
    graph *g;
    gtxn *t = begin(e, &g, "neo4j");
    uint32_t city = gtxn_label(t, "City", 4), kname = gtxn_key(t, "name", 4);
    gprop cp[] = {{kname, qv_str_ref("Lund", 4)}};
    uint64_t id;
    assert_int_equal(gtxn_node_create(t, &city, 1, cp, 1, qv_null(), &id, &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    gtxn_rollback(t);
    gcatalog_release(e->cat, g);
}

/* The newest segment's path and size. */
static void last_segment(env *e, char *path, size_t cap, off_t *size) {
    char wal[200];
    snprintf(wal, sizeof wal, "%s/wal", e->data);
    uint64_t *segs;
    size_t n;
    qv_err err;
    assert_int_equal(wal_list_segments(wal, &segs, &n, &err), 0);
    assert_true(n > 0);
    wal_segment_path(wal, segs[n - 1], path, cap);
    free(segs);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    *size = st.st_size;
}

static uint64_t node_count(env *e) {
    graph *g = gcatalog_get(e->cat, "neo4j");
    qv_err err;
    gview *v = gview_open(g, &err);
    uint64_t n = gview_node_count(v);
    gview_close(v);
    gcatalog_release(e->cat, g);
    return n;
}

static void create_nodes(env *e, int k, int64_t base) {
    qv_err err;
    for (int i = 0; i < k; i++) {
        graph *g;
        gtxn *t = begin(e, &g, "neo4j");
        uint64_t id;
        gprop p[] = {{gtxn_key(t, "v", 1), qv_int(base + i)}};
        OK(gtxn_node_create(t, NULL, 0, p, 1, qv_int(base + i), &id, &err));
        commit(e, g, t);
    }
}

static void test_torn_and_corrupt_tail(void **state) {
    env *e = *state;
    start(e);
    create_nodes(e, 10, 0);
    stop(e, false);
    char path[300];
    off_t size;
    last_segment(e, path, sizeof path, &size);
    qv_buf rep;
    qv_buf_init(&rep);
    assert_int_equal(store_check(e->data, e->pool, &rep), 0);
    /* torn: the last record loses its last 3 bytes */
    assert_int_equal(truncate(path, size - 3), 0);
    qv_buf_reset(&rep);
    assert_int_equal(store_check(e->data, e->pool, &rep), 1); /* reported, not repaired */
    qv_buf_append_byte(&rep, 0);
    assert_non_null(strstr((char *)rep.data, "torn or corrupt at offset"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, size - 3);
    start(e);
    assert_int_equal(node_count(e), 9);
    create_nodes(e, 1, 100); /* lands after the cut: survives the next restart */
    restart(e);
    assert_int_equal(node_count(e), 10);
    create_nodes(e, 1, 300);
    stop(e, false);
    /* corrupt: a bit flipped inside the newest segment's only record */
    last_segment(e, path, sizeof path, &size);
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte;
    assert_int_equal(pread(fd, &byte, 1, size - 5), 1);
    byte ^= 0x10;
    assert_int_equal(pwrite(fd, &byte, 1, size - 5), 1);
    close(fd);
    start(e);
    assert_int_equal(node_count(e), 10);
    create_nodes(e, 2, 200);
    restart(e);
    assert_int_equal(node_count(e), 12);
    stop(e, false);
    qv_buf_reset(&rep);
    assert_int_equal(store_check(e->data, e->pool, &rep), 0);
    qv_buf_free(&rep);
}

/* ---- group commit ---- */
typedef struct committer {
    graph *g;
    int64_t ext; /* the node's external id (0: 42) */
    int rc;
    qv_err err;
} committer;

static void *commit_one(void *arg) {
    committer *c = arg;
    gtxn *t = gtxn_begin(c->g, &c->err);
    uint64_t id;
    c->rc = t ? gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(c->ext ? c->ext : 42), &id, &c->err) : -1;
    if (c->rc == 0) c->rc = gtxn_commit(t, &c->err);
    else if (t) gtxn_rollback(t);
    return NULL;
}

static void test_group_commit(void **state) {
    env *e = *state;
    char wal[200];
    snprintf(wal, sizeof wal, "%s/wal", e->dir);
    qv_err err;
    qv_wal *w = wal_open(wal, 0, 0, 0, &err);
    assert_non_null(w);
    enum { N = 8 };
    graph *gs[N];
    committer c[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "g%d", i);
        gs[i] = graph_new(name, name, true, GRAPH_ID_INTEGER, NULL);
        wal_attach(w, gs[i], 1000 + (uint64_t)i, 0, 0, 0, 0, false);
        c[i] = (committer){.g = gs[i]};
    }
    wal_io_pause(w); /* the flusher may take one request, then waits: the others queue */
    for (int i = 0; i < N; i++) assert_int_equal(pthread_create(&th[i], NULL, commit_one, &c[i]), 0);
    for (int spin = 0; wal_get_stats(w).queued < N && spin < 5000; spin++) usleep(1000);
    assert_int_equal(wal_get_stats(w).queued, N);
    wal_io_resume(w);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (c[i].rc) fail_msg("commit %d: %s", i, c[i].err.msg);
    }
    wal_stats st = wal_get_stats(w);
    assert_int_equal(st.records, N);
    assert_true(st.syncs <= 2); /* at most the one taken before the pause, then everything else together */
    assert_true(st.batches <= 2);
    wal_close(w);
    /* every commit is in the log, for its own graph */
    wal_target t[N];
    for (int i = 0; i < N; i++) {
        char name[16];
        snprintf(name, sizeof name, "g%d", i);
        graph_free(gs[i]);
        gs[i] = graph_new(name, name, true, GRAPH_ID_INTEGER, NULL);
        t[i] = (wal_target){.g = gs[i], .ident = 1000 + (uint64_t)i};
    }
    t[3].ident = 1; /* another incarnation of g3: its record is not for this graph */
    uint64_t last, bytes;
    assert_int_equal(wal_recover(wal, t, N, true, NULL, &last, &bytes, &err), 0);
    for (int i = 0; i < N; i++) {
        gview *v = gview_open(gs[i], &err);
        assert_int_equal(gview_node_count(v), i == 3 ? 0 : 1);
        assert_int_equal(t[i].replayed, i == 3 ? 0 : 1);
        gview_close(v);
        graph_free(gs[i]);
    }
}

/* Group commit within one graph: the writer slot is released before the wait for the sync, so commits of one
 * graph queue behind one fdatasync. With the syncer held, all N commits are written and waiting at once (with
 * the hook waiting inside the writer slot, only one could be); then one or two syncs cover them all. A reader
 * sees each commit once it is published (before it is durable: gcommit.h). */
static void test_group_commit_one_graph(void **state) {
    env *e = *state;
    char wal[200];
    snprintf(wal, sizeof wal, "%s/wal", e->dir);
    qv_err err;
    qv_wal *w = wal_open(wal, 0, 0, 0, &err);
    assert_non_null(w);
    enum { N = 10 };
    graph *g = graph_new("one", "one", true, GRAPH_ID_INTEGER, NULL);
    wal_attach(w, g, 77, 0, 0, 0, 0, false);
    committer c[N];
    pthread_t th[N];
    wal_io_pause(w);
    for (int i = 0; i < N; i++) {
        c[i] = (committer){.g = g, .ext = 100 + i};
        assert_int_equal(pthread_create(&th[i], NULL, commit_one, &c[i]), 0);
    }
    for (int spin = 0; wal_get_stats(w).queued < N && spin < 5000; spin++) usleep(1000);
    assert_int_equal(wal_get_stats(w).queued, N);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), N); /* published, not yet durable */
    gview_close(v);
    wal_io_resume(w);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (c[i].rc) fail_msg("commit %d: %s", i, c[i].err.msg);
    }
    wal_stats st = wal_get_stats(w);
    assert_int_equal(st.records, N);
    assert_true(st.syncs <= 2);
    assert_int_equal(st.queued, 0);
    wal_close(w);
    graph_free(g);
    g = graph_new("one", "one", true, GRAPH_ID_INTEGER, NULL);
    wal_target t = {.g = g, .ident = 77};
    uint64_t last, bytes;
    assert_int_equal(wal_recover(wal, &t, 1, true, NULL, &last, &bytes, &err), 0);
    assert_int_equal(t.replayed, N);
    v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), N);
    gview_close(v);
    graph_free(g);
}

/* A replay transaction keeps no change list, publishes on commit, and makes the names it interns durable: the
 * next ordinary transaction using one does not log it again. */
static void test_replay_transaction(void **state) {
    (void)state;
    qv_err err;
    graph *g = graph_new("r", "r", true, GRAPH_ID_INTEGER, NULL);
    gtxn *t = gtxn_begin_replay(g, &err);
    assert_non_null(t);
    uint32_t lab = gtxn_label(t, "Person", 6), key = gtxn_key(t, "age", 3);
    gprop p = {key, qv_int(7)};
    uint64_t id;
    OK(gtxn_node_create(t, &lab, 1, &p, 1, qv_int(5), &id, &err));
    size_t n;
    gtxn_changes(t, &n);
    assert_int_equal(n, 0);
    OK(gtxn_commit(t, &err));
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 1);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(5)), id);
    gview_close(v);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_label(t, "Person", 6), lab);
    OK(gtxn_node_create(t, &lab, 1, NULL, 0, qv_int(6), &id, &err));
    const gchange *ch = gtxn_changes(t, &n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) assert_int_not_equal(ch[i].kind, GCH_TOKEN);
    /* an ordinary transaction still refuses a duplicate id */
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(5), &id, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    OK(gtxn_commit(t, &err));
    graph_free(g);
}

/* Records that only create nodes replay through the bulk builder (graph/greplay.h) into a node pack: labels in
 * several sets, a key that changes type (int, then string, then a list), temporal values, floats, booleans,
 * integer and string ids. The graph reads the same after the restart, finds every id, refuses a duplicate, and
 * takes writes to the packed nodes (SET, a label, relationships, DETACH DELETE) that the next restart replays
 * through gtxn after installing the pack; a compaction keeps it all; quiver check passes. */
static void create_bulk(env *e, int k, int64_t base) {
    qv_err err;
    qv_arena a;
    qv_arena_init(&a);
    graph *g;
    gtxn *t = begin(e, &g, "neo4j");
    uint32_t person = gtxn_label(t, "Person", 6), admin = gtxn_label(t, "Admin", 5);
    uint32_t kv = gtxn_key(t, "v", 1), kw = gtxn_key(t, "w", 1), kf = gtxn_key(t, "f", 1), kb = gtxn_key(t, "b", 1);
    for (int i = 0; i < k; i++) {
        uint32_t labs[2] = {person < admin ? person : admin, person < admin ? admin : person};
        uint32_t nl = i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 2;
        gprop p[4];
        uint32_t np = 0;
        char s[32];
        int n = snprintf(s, sizeof s, "s%lld", (long long)(base + i));
        qval items[2] = {qv_int(i), qv_int(-i)};
        qval lst = {.type = QT_LIST, .len = 2};
        lst.items = items;
        p[np++] = (gprop){kv, i < k / 3 ? qv_int(base + i) : i < 2 * k / 3 ? qv_str_ref(s, (uint32_t)n) : lst};
        if (i % 2) p[np++] = (gprop){kw, tm_val(&a, QT_DATETIME, 19000 + i, 7, 3600, i % 4 == 1 ? "Europe/Paris" : NULL)};
        if (i % 5) p[np++] = (gprop){kf, qv_float(i + 0.25)};
        p[np++] = (gprop){kb, qv_bool(i % 7 == 0)};
        qval ext = i % 2 ? qv_int(base + i) : qv_str_ref(s, (uint32_t)n);
        uint64_t id;
        OK(gtxn_node_create(t, labs + (nl == 1 ? 1 : 0), nl, p, np, ext, &id, &err));
        if (i % 50 == 49) { /* several records in a run */
            commit(e, g, t);
            t = begin(e, &g, "neo4j");
        }
    }
    commit(e, g, t);
    qv_arena_free(&a);
}

static void test_replay_bulk_nodes(void **state) {
    env *e = *state;
    start(e);
    create_bulk(e, 300, 1000);
    char *before = dump_graph(e, "neo4j");
    restart(e); /* every record creates nodes: one pack */
    char *after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    qv_err err;
    graph *g = gcatalog_get(e->cat, "neo4j");
    gview *v = gview_open(g, &err);
    for (int64_t i = 0; i < 300; i++) {
        char s[32];
        int n = snprintf(s, sizeof s, "s%lld", (long long)(1000 + i));
        qval ext = i % 2 ? qv_int(1000 + i) : qv_str_ref(s, (uint32_t)n);
        assert_int_equal(gview_node_by_ext_id(v, ext), (uint64_t)i);
    }
    assert_int_equal(gview_node_by_ext_id(v, qv_int(1000)), GID_NONE); /* an id of the other kind */
    uint32_t person = (uint32_t)gview_label_id(v, "Person", 6);
    gview_close(v);
    gcatalog_release(e->cat, g);
    /* writes to packed nodes, then more creations (the pack exists: through gtxn) */
    gtxn *t = begin(e, &g, "neo4j");
    uint64_t id, r;
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(1001), &id, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    uint32_t knows = gtxn_type(t, "KNOWS", 5), kv = gtxn_key(t, "v", 1);
    OK(gtxn_node_set_prop(t, 5, kv, qv_str_ref("changed", 7), &err));
    OK(gtxn_node_add_label(t, 6, gtxn_label(t, "Extra", 5), &err));
    OK(gtxn_node_remove_label(t, 7, person, &err));
    OK(gtxn_rel_create(t, 1, 2, knows, NULL, 0, &r, &err));
    OK(gtxn_rel_create(t, 2, 299, knows, NULL, 0, &r, &err));
    OK(gtxn_node_delete(t, 2, true, &err));
    commit(e, g, t);
    create_bulk(e, 60, 5000);
    free(before);
    before = dump_graph(e, "neo4j");
    restart(e); /* pack, then the rest through gtxn */
    after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    g = gcatalog_get(e->cat, "neo4j");
    v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 359);
    gview_close(v);
    gcatalog_release(e->cat, g);
    same_after_compact_and_checkpoint(e, before);
    free(before);
}

/* Runs of creations between other records grow one pack (greplay_resume): nodes, then relationships among them,
 * more nodes, a SET on a packed node, more nodes, then a record that creates a node with a relationship (through
 * gtxn: the next run cannot grow the pack and goes through gtxn too). The restart reads the same, every id is
 * found, and so after a compaction, a checkpoint and another restart. */
static void test_replay_bulk_runs(void **state) {
    env *e = *state;
    start(e);
    qv_err err;
    graph *g;
    uint64_t r;
    create_bulk(e, 120, 1000);
    gtxn *t = begin(e, &g, "neo4j");
    uint32_t knows = gtxn_type(t, "KNOWS", 5);
    OK(gtxn_rel_create(t, 3, 4, knows, NULL, 0, &r, &err));
    OK(gtxn_rel_create(t, 4, 119, knows, NULL, 0, &r, &err));
    commit(e, g, t);
    create_bulk(e, 90, 2000);
    t = begin(e, &g, "neo4j");
    OK(gtxn_node_set_prop(t, 150, gtxn_key(t, "v", 1), qv_str_ref("set", 3), &err));
    OK(gtxn_rel_create(t, 200, 5, knows, NULL, 0, &r, &err));
    commit(e, g, t);
    create_bulk(e, 70, 3000);
    t = begin(e, &g, "neo4j");
    uint64_t id;
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(99999), &id, &err));
    OK(gtxn_rel_create(t, id, 10, knows, NULL, 0, &r, &err));
    commit(e, g, t);
    create_bulk(e, 40, 4000);
    char *before = dump_graph(e, "neo4j");
    restart(e);
    char *after = dump_graph(e, "neo4j");
    assert_string_equal(before, after);
    free(after);
    g = gcatalog_get(e->cat, "neo4j");
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 120 + 90 + 70 + 1 + 40);
    int64_t bases[] = {1000, 2000, 3000, 4000}, counts[] = {120, 90, 70, 40};
    uint64_t next = 0;
    for (int b = 0; b < 4; b++) {
        for (int64_t i = 0; i < counts[b]; i++) {
            char sb[32];
            int n = snprintf(sb, sizeof sb, "s%lld", (long long)(bases[b] + i));
            qval ext = i % 2 ? qv_int(bases[b] + i) : qv_str_ref(sb, (uint32_t)n);
            assert_int_equal(gview_node_by_ext_id(v, ext), next + (uint64_t)i);
        }
        next += (uint64_t)counts[b] + (b == 2);
    }
    assert_int_equal(gview_node_by_ext_id(v, qv_int(99999)), 280);
    gview_close(v);
    gcatalog_release(e->cat, g);
    same_after_compact_and_checkpoint(e, before);
    free(before);
}

/* A segment of 4 MiB or more is decoded on a second thread (wal_decode.c) while the bulk builder applies: all of
 * it replays; a record torn at the end, or one with a flipped bit in the middle, ends the log there (quiver check
 * reports it, start-up cuts it) and what came before is whole; records after the cut's restart replay too. */
static void bulk_records(env *e, int records, int per, int64_t base) {
    qv_err err;
    char pad[80];
    memset(pad, 'x', sizeof pad);
    for (int r = 0; r < records; r++) {
        graph *g;
        gtxn *t = begin(e, &g, "neo4j");
        uint32_t lab = gtxn_label(t, "Bulk", 4), kp = gtxn_key(t, "pad", 3), kn = gtxn_key(t, "n", 1);
        for (int i = 0; i < per; i++) {
            int64_t n = base + (int64_t)r * per + i;
            gprop p[] = {{kp, qv_str_ref(pad, sizeof pad)}, {kn, qv_int(n)}};
            if (kn < kp) { gprop x = p[0]; p[0] = p[1]; p[1] = x; }
            uint64_t id;
            OK(gtxn_node_create(t, &lab, 1, p, 2, qv_int(n), &id, &err));
        }
        commit(e, g, t);
    }
}

static void test_replay_threaded_and_cut(void **state) {
    env *e = *state;
    start(e);
    bulk_records(e, 40, 1000, 0);   /* ~5 MiB of log: the decoder runs on its own thread */
    stop(e, false);
    char path[300];
    off_t size;
    last_segment(e, path, sizeof path, &size);
    assert_true(size >= (4 << 20));
    start(e);
    assert_int_equal(node_count(e), 40000);
    graph *g = gcatalog_get(e->cat, "neo4j");
    qv_err err;
    gview *v = gview_open(g, &err);
    for (int64_t n = 0; n < 40000; n += 997) assert_int_equal(gview_node_by_ext_id(v, qv_int(n)), (uint64_t)n);
    qval x;
    assert_true(gview_node_prop(v, 39999, gview_key_id(v, "n", 1), &x) && x.type == QT_INT && x.i == 39999);
    gview_close(v);
    gcatalog_release(e->cat, g);
    stop(e, false);
    /* torn: the last record of the big segment loses its last bytes */
    assert_int_equal(truncate(path, size - 7), 0);
    qv_buf rep;
    qv_buf_init(&rep);
    assert_int_equal(store_check(e->data, e->pool, &rep), 1);
    start(e);
    assert_int_equal(node_count(e), 39000);
    stop(e, false);
    /* a bit flipped in a record in the middle: the log ends before it (and the segments after it go) */
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t byte;
    off_t at = (size - 7) / 2;
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 0x04;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
    start(e);
    uint64_t kept = node_count(e);
    assert_true(kept < 39000 && kept % 1000 == 0 && kept >= 10000);
    bulk_records(e, 2, 500, 100000);   /* after the cut: replayed by the next start */
    restart(e);
    assert_int_equal(node_count(e), kept + 1000);
    stop(e, false);
    qv_buf_reset(&rep);
    assert_int_equal(store_check(e->data, e->pool, &rep), 0);
    qv_buf_free(&rep);
}

/* A database built by the bulk loader (columns, CSR, undirected and inverse types, STRING ids), then written
 * through transactions: restart replays onto the snapshot; a checkpoint holds base + delta. */
static void test_bulk_database_then_writes(void **state) {
    env *e = *state;
    start(e);
    qv_err err;
    tg_opts o = {.name = "bulk", .id_type = GRAPH_ID_STRING, .nodes = 60, .rels = 150, .props = true};
    graph *b = tg_build(&o, e->pool);
    OK(gcatalog_reserve(e->cat, "bulk", false, &err));
    OK(store_save(e->s, b, &err));
    OK(gcatalog_publish(e->cat, b, &err));
    graph *g;
    gtxn *t = begin(e, &g, "bulk");
    uint64_t n1, r;
    uint32_t lab = gtxn_label(t, "Person", 6), ty = gtxn_type(t, "FOLLOWS", 7), kage = gtxn_key(t, "age", 3);
    gprop p[] = {{kage, qv_int(7)}, {gtxn_key(t, "fresh", 5), qv_str_ref("yes", 3)}};
    OK(gtxn_node_create(t, &lab, 1, p, 2, qv_str_ref("new node", 8), &n1, &err));
    OK(gtxn_rel_create(t, n1, 3, ty, NULL, 0, &r, &err));
    OK(gtxn_rel_create(t, 5, 5, ty, NULL, 0, &r, &err));
    OK(gtxn_node_delete(t, 7, true, &err));
    OK(gtxn_node_set_prop(t, 2, kage, qv_int(99), &err));
    OK(gtxn_node_set_prop(t, 4, gtxn_key(t, "name", 4), qv_null(), &err));
    OK(gtxn_node_add_label(t, 9, gtxn_label(t, "Later", 5), &err));
    OK(gtxn_rel_set_prop(t, 0, gtxn_key(t, "weight", 6), qv_float(0.25), &err));
    OK(gtxn_rel_delete(t, 1, &err));
    OK(gtxn_create_index(t, "by_age", GINDEX_NODE, lab, kage, false, &err));
    commit(e, g, t);
    char *before = dump_graph(e, "bulk");
    restart(e);
    char *after = dump_graph(e, "bulk");
    assert_string_equal(before, after);
    free(after);
    OK(store_checkpoint(e->s, &err));
    /* the log is small next to the snapshot: carried, the snapshot stays the base */
    char path[300];
    struct stat st;
    snprintf(path, sizeof path, "%s/databases/bulk.qvl", e->data);
    assert_int_equal(stat(path, &st), 0);
    uint8_t magic[8];
    int fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, magic, 8), 8);
    close(fd);
    assert_memory_equal(magic, WAL_CARRY_MAGIC, 8);
    snprintf(path, sizeof path, "%s/databases/bulk.qvg", e->data);
    fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, magic, 8), 8);
    close(fd);
    assert_memory_equal(magic, "QVGRAPH", 7);
    restart(e);
    after = dump_graph(e, "bulk");
    assert_string_equal(before, after);
    free(after);
    /* more writes, then another round: the carried log grows; then a clean stop */
    t = begin(e, &g, "bulk");
    OK(gtxn_node_set_prop(t, 11, gtxn_key(t, "age", 3), qv_int(-11), &err));
    OK(gtxn_node_delete(t, 12, true, &err));
    commit(e, g, t);
    free(before);
    before = dump_graph(e, "bulk");
    OK(store_checkpoint(e->s, &err));
    create_nodes(e, 1, 5000); /* a write to neo4j after the round: in the log only */
    restart(e);
    after = dump_graph(e, "bulk");
    assert_string_equal(before, after);
    free(after);
    assert_int_equal(node_count(e), 1);
    /* a bulk save under the same name replaces the database: its carried log goes */
    b = tg_build(&o, e->pool);
    OK(gcatalog_reserve(e->cat, "bulk", true, &err));
    b->created_ms += 1; /* a replacement is another database even within one millisecond */
    OK(store_save(e->s, b, &err));
    OK(gcatalog_publish(e->cat, b, &err));
    snprintf(path, sizeof path, "%s/databases/bulk.qvl", e->data);
    assert_int_equal(stat(path, &st), -1);
    free(before);
    before = dump_graph(e, "bulk");
    restart(e);
    after = dump_graph(e, "bulk");
    assert_string_equal(before, after);
    free(after);
    free(before);
    stop(e, false);
    env_check(e);
}

/* A write the disk refuses (here: RLIMIT_FSIZE, as a full disk would) fails that commit only, with a clear
 * error; nothing half-written stays in the log, and commits work again once there is room. */
static void test_disk_full_refuses_then_recovers(void **state) {
    env *e = *state;
    setenv("QV_WAL_PREALLOC", "0", 1); /* the limit must fall inside the records' growth, not a preallocated end */
    char wal[200];
    snprintf(wal, sizeof wal, "%s/wal", e->dir);
    qv_err err;
    qv_wal *w = wal_open(wal, 0, 0, 0, &err);
    assert_non_null(w);
    graph *g = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
    wal_attach(w, g, 5, 0, 0, 0, 0, false);
    committer c = {.g = g};
    commit_one(&c);
    assert_int_equal(c.rc, 0);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    char seg[300];
    wal_segment_path(wal, 1, seg, sizeof seg);
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    lim.rlim_cur = (rlim_t)st.st_size + 10; /* room for part of the next record only */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    gtxn *t = gtxn_begin(g, &err);
    uint64_t id;
    gprop p[] = {{gtxn_key(t, "big", 3), qv_str_ref("0123456789012345678901234567890123456789", 40)}};
    OK(gtxn_node_create(t, NULL, 0, p, 1, qv_int(7), &id, &err));
    qv_err_clear(&err);
    assert_int_equal(gtxn_commit(t, &err), -1);
    assert_int_equal(err.code, QV_EIO);
    assert_non_null(strstr(err.msg, "cannot write the write-ahead log"));
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(stat(seg, &st), 0);
    off_t after_fail = st.st_size;
    /* room again: works, right after the last good record, and logs the name the refused one interned */
    t = gtxn_begin(g, &err);
    gprop p2[] = {{gtxn_key(t, "big", 3), qv_int(1)}};
    OK(gtxn_node_create(t, NULL, 0, p2, 1, qv_int(8), &id, &err));
    OK(gtxn_commit(t, &err));
    wal_close(w);
    assert_int_equal(stat(seg, &st), 0);
    assert_true(st.st_size > after_fail);
    graph_free(g);
    g = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
    wal_target tg = {.g = g, .ident = 5};
    uint64_t last, bytes;
    assert_int_equal(wal_recover(wal, &tg, 1, true, NULL, &last, &bytes, &err), 0);
    assert_int_equal(tg.replayed, 2);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 2);
    assert_int_equal(gview_n_keys(v), 1);
    qval val;
    assert_true(gview_node_prop(v, 1, 0, &val) && val.type == QT_INT && val.i == 1);
    assert_string_equal(gview_key_name(v, 0), "big");
    gview_close(v);
    graph_free(g);
    unsetenv("QV_WAL_PREALLOC");
}

static void copy_file(const char *from, const char *to) {
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(in >= 0 && out >= 0);
    static uint8_t buf[1 << 16];
    ssize_t k;
    while ((k = read(in, buf, sizeof buf)) > 0) assert_int_equal(write(out, buf, (size_t)k), k);
    close(in);
    close(out);
}

/* The active segment is zero-filled ahead of its records (wal.c, preallocation): a copy taken while it is open
 * (what a crash leaves) replays every record and reads the zeros as the clean end; a byte that is not zero
 * after the records is a torn tail reported at the records' end; a clean close cuts the zeros off. */
static void test_preallocated_segment(void **state) {
    env *e = *state;
    setenv("QV_WAL_PREALLOC", "65536", 1);
    char wal[200], seg[300], crash[200], cseg[300];
    snprintf(wal, sizeof wal, "%s/wal", e->dir);
    snprintf(crash, sizeof crash, "%s/crash", e->dir);
    assert_int_equal(mkdir(crash, 0755), 0);
    qv_err err;
    qv_wal *w = wal_open(wal, 0, 0, 0, &err);
    assert_non_null(w);
    graph *g = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
    wal_attach(w, g, 9, 0, 0, 0, 0, false);
    enum { N = 1000 };   /* ~130 bytes each: several preallocation steps of 64 KiB */
    for (int i = 0; i < N; i++) {
        gtxn *t = gtxn_begin(g, &err);
        uint64_t id;
        gprop p[] = {{gtxn_key(t, "pad", 3), qv_str_ref("0123456789012345678901234567890123456789"
                                                        "0123456789012345678901234567890123456789", 80)}};
        OK(gtxn_node_create(t, NULL, 0, p, 1, qv_int(i), &id, &err));
        OK(gtxn_commit(t, &err));
    }
    wal_segment_path(wal, 1, seg, sizeof seg);
    struct stat st;
    for (int spin = 0; spin < 5000; spin++) {   /* the preparer runs in the background */
        assert_int_equal(stat(seg, &st), 0);
        if (st.st_size % 65536 == 0) break;
        usleep(1000);
    }
    assert_int_equal(st.st_size % 65536, 0);   /* ends in zeros written ahead */
    wal_segment_path(crash, 1, cseg, sizeof cseg);
    copy_file(seg, cseg);
    /* the records end before the zeros: find that offset from the copy */
    int fd = open(cseg, O_RDWR);
    assert_true(fd >= 0);
    uint8_t *buf = malloc((size_t)st.st_size);
    size_t end_at = 0;
    assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
    size_t off = WAL_SEG_HEADER, frames = 0;
    const uint8_t *body;
    size_t blen;
    int k;
    while ((k = wal_frame_next(buf, (size_t)st.st_size, &off, &body, &blen, &err)) == 1) {
        end_at = off;
        frames++;
    }
    assert_int_equal(k, 0);   /* the zeros: the clean end */
    assert_int_equal(frames, N);
    off_t end = (off_t)end_at;
    free(buf);
    assert_true(end > WAL_SEG_HEADER && end < st.st_size);
    graph *r = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
    wal_target tg = {.g = r, .ident = 9};
    uint64_t last, bytes;
    qv_buf tail;
    qv_buf_init(&tail);
    assert_int_equal(wal_recover(crash, &tg, 1, false, &tail, &last, &bytes, &err), 0);
    assert_int_equal(tg.replayed, N);
    assert_int_equal(tail.len, 0);   /* the zeros are the clean end, not damage */
    graph_free(r);
    /* a stray byte in the zeros: torn at the end of the records, nothing replayed from it */
    uint8_t x = 0x5a;
    assert_int_equal(pwrite(fd, &x, 1, end + 100), 1);
    close(fd);
    r = graph_new("g", "g", true, GRAPH_ID_INTEGER, NULL);
    tg = (wal_target){.g = r, .ident = 9};
    assert_int_equal(wal_recover(crash, &tg, 1, false, &tail, &last, &bytes, &err), 0);
    assert_int_equal(tg.replayed, N);
    qv_buf_append_byte(&tail, 0);
    char want[64];
    snprintf(want, sizeof want, "torn or corrupt at offset %lld", (long long)end);
    if (!strstr((char *)tail.data, want)) fail_msg("tail: %s", (char *)tail.data);
    qv_buf_free(&tail);
    graph_free(r);
    /* a clean close cuts the segment back to its records */
    wal_close(w);
    assert_int_equal(stat(seg, &st), 0);
    assert_int_equal(st.st_size, end);
    graph_free(g);
    unsetenv("QV_WAL_PREALLOC");
}

static void test_dropped_database_refuses_commits(void **state) {
    env *e = *state;
    start(e);
    qv_err err;
    OK(store_ensure_database(e->s, e->cat, "other", &err));
    graph *g = gcatalog_get(e->cat, "other");
    OK(store_remove(e->s, "other", &err));
    gtxn *t = gtxn_begin(g, &err);
    assert_non_null(t);
    uint64_t id;
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(1), &id, &err));
    assert_int_equal(gtxn_commit(t, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    gcatalog_release(e->cat, g);
    OK(gcatalog_drop(e->cat, "other", &err));
    restart(e);
    assert_false(gcatalog_exists(e->cat, "other"));
}


/* QV_WAL_BENCH=N: the commit path alone, no HTTP: 10 threads commit N transactions of 150 nodes each (a string id
 * and 4 properties: the Nodestream N1 shape, ~12 KB records) into one graph, in memory (no hook) and through the
 * log (--durability fsync, preallocated): syncer threads, committers' syncs started at once (before), one sync in
 * flight, the default group rules (store/README.md), alternating, 5 rounds; prints per
 * configuration the median commits/s, process CPU and machine CPU (/proc/stat: kernel threads too) per commit. */
typedef struct bench_thr {
    graph *g;
    int n, base;
    int rc;
} bench_thr;

static void *bench_committer(void *arg) {
    bench_thr *b = arg;
    qv_err err;
    for (int i = 0; i < b->n && b->rc == 0; i++) {
        gtxn *t = gtxn_begin(b->g, &err);
        uint32_t lab = gtxn_label(t, "Person", 6);
        uint32_t k[4] = {gtxn_key(t, "last_ingested_at", 16), gtxn_key(t, "last_ingested_by_pipe_at", 24),
                         gtxn_key(t, "was_ingested_by_pipe", 20), gtxn_key(t, "age", 3)};
        for (int j = 0; j < 150 && b->rc == 0; j++) {
            char id[64];
            int len = snprintf(id, sizeof id, "Person_name:p%d_%d_%d_ssn:%d", b->base, i, j, 1000 + j);
            gprop p[4] = {{k[0], qv_float(1795317456.913938)}, {k[1], qv_float(1795317456.913938)},
                          {k[2], qv_bool(true)}, {k[3], qv_int(20 + j % 50)}};
            uint64_t nid;
            b->rc = gtxn_node_create(t, &lab, 1, p, 4, qv_str_ref(id, (uint32_t)len), &nid, &err);
        }
        if (b->rc == 0) b->rc = gtxn_commit(t, &err);
        else gtxn_rollback(t);
        if (b->rc) fprintf(stderr, "bench commit: %s\n", err.msg);
    }
    return NULL;
}

static double bench_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static double bench_machine_cpu(void) {
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long a[7] = {0};
    if (!f) return 0;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6]) != 7) a[0] = 0;
    fclose(f);
    return (double)(a[0] + a[1] + a[2] + a[5] + a[6]) / (double)sysconf(_SC_CLK_TCK);
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void test_wal_bench(void **state) {
    env *e = *state;
    const char *nb = getenv("QV_WAL_BENCH");
    if (!nb) {
        skip();
        return;
    }
    int per = atoi(nb) / 10 > 0 ? atoi(nb) / 10 : 1;
    enum { CONFIGS = 5, ROUNDS = 5, THREADS = 10 };
    const char *names[CONFIGS] = {"in memory", "log, syncer threads", "log, committers' syncs at once (before)",
                                  "log, one sync in flight", "log, the default group rules"};
    const char *inl[CONFIGS] = {"0", "0", "1", "1", "1"}, *smax[CONFIGS] = {"0", "0", "0", "1", NULL};
    const char *grp[CONFIGS] = {"0", "0", "0", "0", NULL}, *ovl[CONFIGS] = {"0", "0", "0", NULL, NULL};
    double rate[CONFIGS][ROUNDS], cpu[CONFIGS][ROUNDS], mcpu[CONFIGS][ROUNDS], rps[CONFIGS][ROUNDS], dfr[CONFIGS][ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int c0 = 0; c0 < CONFIGS; c0++) {
            int c = r % 2 ? CONFIGS - 1 - c0 : c0;
            char wal[240];
            snprintf(wal, sizeof wal, "%s/wal-bench-%d-%d", e->dir, r, c);
            setenv("QV_WAL_INLINE_SYNC", inl[c], 1);
            const char *vars[3] = {"QV_WAL_SYNCS_MAX", "QV_WAL_GROUP_MAX", "QV_WAL_SYNC_OVERLAP_US"};
            const char *vals[3] = {smax[c], grp[c], ovl[c]};
            for (int k = 0; k < 3; k++) {   /* NULL: the default */
                if (vals[k]) setenv(vars[k], vals[k], 1);
                else unsetenv(vars[k]);
            }
            qv_err err;
            qv_wal *w = c ? wal_open(wal, 0, 0, 0, &err) : NULL;
            graph *g = graph_new("b", "b", true, GRAPH_ID_STRING, NULL);
            if (w) wal_attach(w, g, 1, 0, 0, 0, 0, false);
            usleep(50000);   /* the preparer's first step */
            bench_thr th[THREADS];
            pthread_t tid[THREADS];
            double t0 = (double)qv_now_ns() / 1e9, c0s = bench_cpu(), m0 = bench_machine_cpu();
            for (int i = 0; i < THREADS; i++) {
                th[i] = (bench_thr){.g = g, .n = per, .base = i};
                assert_int_equal(pthread_create(&tid[i], NULL, bench_committer, &th[i]), 0);
            }
            for (int i = 0; i < THREADS; i++) {
                pthread_join(tid[i], NULL);
                assert_int_equal(th[i].rc, 0);
            }
            double secs = (double)qv_now_ns() / 1e9 - t0, n = (double)(per * THREADS);
            rate[c][r] = n / secs;
            cpu[c][r] = (bench_cpu() - c0s) / n * 1e6;
            mcpu[c][r] = (bench_machine_cpu() - m0) / n * 1e6;
            rps[c][r] = dfr[c][r] = 0;
            if (w) {
                wal_stats st = wal_get_stats(w);
                rps[c][r] = st.syncs ? (double)st.records / (double)st.syncs : 0;
                dfr[c][r] = (double)st.deferred / n;
                wal_close(w);
            }
            graph_free(g);
        }
    unsetenv("QV_WAL_INLINE_SYNC");
    unsetenv("QV_WAL_SYNCS_MAX");
    unsetenv("QV_WAL_GROUP_MAX");
    unsetenv("QV_WAL_SYNC_OVERLAP_US");
    for (int c = 0; c < CONFIGS; c++) {
        double m[5][ROUNDS];
        memcpy(m[0], rate[c], sizeof m[0]);
        memcpy(m[1], cpu[c], sizeof m[1]);
        memcpy(m[2], mcpu[c], sizeof m[2]);
        memcpy(m[3], rps[c], sizeof m[3]);
        memcpy(m[4], dfr[c], sizeof m[4]);
        for (int k = 0; k < 5; k++) qsort(m[k], ROUNDS, sizeof m[k][0], cmp_dbl);
        printf("{\"figure\":\"wal_commit_bench\",\"config\":\"%s\",\"transactions\":%d,\"commits_per_s\":%.0f,"
               "\"process_cpu_us_per_commit\":%.1f,\"machine_cpu_us_per_commit\":%.1f,\"records_per_sync\":%.2f,\"left_to_successor\":%.2f}\n",
               names[c], per * THREADS, m[0][ROUNDS / 2], m[1][ROUNDS / 2], m[2][ROUNDS / 2], m[3][ROUNDS / 2],
               m[4][ROUNDS / 2]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c),
        cmocka_unit_test(test_value_round_trip),
        cmocka_unit_test(test_frames_torn_and_corrupt),
        cmocka_unit_test(test_mutated_records_are_safe),
        cmocka_unit_test(test_mutated_bulk_records_are_safe),
        cmocka_unit_test_setup_teardown(test_restart_from_log_and_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_and_corrupt_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit_one_graph, setup, teardown),
        cmocka_unit_test(test_replay_transaction),
        cmocka_unit_test_setup_teardown(test_replay_bulk_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_threaded_and_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_bulk_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bulk_database_then_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk_full_refuses_then_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dropped_database_refuses_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_preallocated_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_bench, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
