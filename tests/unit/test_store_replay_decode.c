/* test_store_replay_decode.c — the log's decoder ring (store/wal_decode.c): frames claimed in order by two
 * decoder threads (inputs of 4 MiB or more) or decoded inline (smaller ones), handed out in order whatever order
 * the threads finish in, stopping at the first torn or corrupt frame, and stopped early without hanging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/wal.h"
#include "value/value.h"

/* A log of records of node creations (string ids, a label, a property), record r of (r % 7 + 1) * 40 nodes, until
 * it holds at least min bytes; ends[r] is where record r ends. */
typedef struct log_t {
    qv_buf b;
    size_t *ends;
    size_t n;
    uint64_t *first;   /* the first node id of each record */
} log_t;

static void log_make(log_t *l, size_t min) {
    memset(l, 0, sizeof *l);
    qv_buf_init(&l->b);
    size_t cap = 0;
    uint64_t id = 0;
    gchange *ch = NULL;
    size_t chcap = 0;
    char ids[4096][24];
    while (l->b.len < min) {
        size_t nodes = (l->n % 7 + 1) * 40, n = 0;
        if (nodes * 3 > chcap) {
            chcap = nodes * 3;
            ch = realloc(ch, chcap * sizeof *ch);
        }
        if (l->n == cap) {
            cap = cap ? cap * 2 : 64;
            l->ends = realloc(l->ends, cap * sizeof *l->ends);
            l->first = realloc(l->first, cap * sizeof *l->first);
        }
        l->first[l->n] = id;
        for (size_t i = 0; i < nodes; i++, id++) {
            int len = snprintf(ids[i], sizeof ids[i], "node-%llu", (unsigned long long)id);
            ch[n++] = (gchange){.kind = GCH_NODE_CREATE, .id = id, .value = qv_str_ref(ids[i], (uint32_t)len)};
            ch[n++] = (gchange){.kind = GCH_LABEL_ADD, .id = id, .token = 0, .value = qv_null()};
            ch[n++] = (gchange){.kind = GCH_NODE_SET, .id = id, .token = 0, .value = qv_int((int64_t)id * 3)};
        }
        qv_err err;
        assert_int_equal(wal_encode_txn(&l->b, "db", 7, l->n + 1, l->n + 1, ch, n, &err), 0);
        l->ends[l->n++] = l->b.len;
    }
    free(ch);
}

static void log_free(log_t *l) {
    qv_buf_free(&l->b);
    free(l->ends);
    free(l->first);
}

/* Reads every slot; returns how many good records came before the slot that ended it (*k_end: its k). */
static size_t read_all(const log_t *l, const uint8_t *p, size_t size, int *k_end, size_t *at_end) {
    wal_decoder *d = wal_decoder_start(p, size, 0, false);
    size_t good = 0;
    for (;; wal_decoder_done(d)) {
        wal_slot *s = wal_decoder_next(d);
        if (s->k != 1) {
            *k_end = s->k;
            *at_end = s->at;
            break;
        }
        assert_int_equal(s->dec, 0);
        assert_int_equal(s->at, good ? l->ends[good - 1] : 0);
        assert_int_equal(s->end, l->ends[good]);
        assert_int_equal(s->r.seq, good + 1);
        assert_int_equal(s->bulk, 1);
        size_t nodes = (good % 7 + 1) * 40;
        assert_int_equal(s->rows.n_nodes, nodes);
        assert_int_equal(s->rows.nodes[0].id, l->first[good]);
        assert_int_equal(s->rows.nodes[nodes - 1].id, l->first[good] + nodes - 1);
        assert_int_equal(s->rows.props[nodes - 1].value.i, (int64_t)(l->first[good] + nodes - 1) * 3);
        assert_int_equal(s->rows.nodes[0].xh, greplay_ext_hash(s->rows.nodes[0].ext));
        good++;
    }
    wal_decoder_stop(d);
    return good;
}

static void check_sizes(size_t min) {
    log_t l;
    log_make(&l, min);
    int k;
    size_t at;
    /* whole: every record in order, then a clean end */
    assert_int_equal(read_all(&l, l.b.data, l.b.len, &k, &at), l.n);
    assert_int_equal(k, 0);
    assert_int_equal(at, l.b.len);
    /* a body byte flipped in a record near the middle, then one in a header: records before it, then -1 there */
    size_t m = l.n / 2;
    uint8_t *copy = malloc(l.b.len);
    memcpy(copy, l.b.data, l.b.len);
    copy[l.ends[m - 1] + WAL_FRAME_HEADER + 100] ^= 0x10;
    assert_int_equal(read_all(&l, copy, l.b.len, &k, &at), m);
    assert_int_equal(k, -1);
    assert_int_equal(at, l.ends[m - 1]);
    memcpy(copy, l.b.data, l.b.len);
    copy[l.ends[m + 2] + 5] ^= 0x01;   /* a length byte: the header's CRC catches it */
    assert_int_equal(read_all(&l, copy, l.b.len, &k, &at), m + 3);
    assert_int_equal(k, -1);
    assert_int_equal(at, l.ends[m + 2]);
    /* cut inside a record: a torn tail */
    assert_int_equal(read_all(&l, l.b.data, l.ends[m] + 7, &k, &at), m + 1);
    assert_int_equal(k, -1);
    assert_int_equal(at, l.ends[m]);
    free(copy);
    log_free(&l);
}

static void test_decode_threaded(void **state) {
    (void)state;
    check_sizes(9u << 20);   /* over the 4 MiB that starts the decoder threads */
}

static void test_decode_inline(void **state) {
    (void)state;
    check_sizes(1u << 20);
}

/* The applier stops after a few slots (an error in a record): stop joins threads blocked on a full ring. */
static void test_decode_stop_early(void **state) {
    (void)state;
    log_t l;
    log_make(&l, 9u << 20);
    for (int taken = 0; taken < 4; taken++) {
        wal_decoder *d = wal_decoder_start(l.b.data, l.b.len, 0, false);
        for (int i = 0; i < taken; i++) {
            wal_slot *s = wal_decoder_next(d);
            assert_int_equal(s->k, 1);
            assert_int_equal(s->r.seq, (uint64_t)i + 1);
            wal_decoder_done(d);
        }
        wal_decoder_stop(d);
    }
    log_free(&l);
}

/* Varints of every length (1..10 bytes), at every distance from the end of the bytes (the 8-byte fast path and
 * the byte-by-byte one), and malformed ones (cut short, over 64 bits). */
static void test_varints(void **state) {
    (void)state;
    uint64_t vals[200];
    size_t nv = 0;
    for (int b = 0; b < 64; b++) {
        vals[nv++] = 1ull << b;
        vals[nv++] = (1ull << b) - 1;
        vals[nv++] = ((1ull << b) - 1) ^ 0x5555555555555555ull;
    }
    vals[nv++] = UINT64_MAX;
    vals[nv++] = 0x0102030405060708ull;
    for (size_t i = 0; i < nv; i++) {
        for (size_t pad = 0; pad < 12; pad++) {
            qv_buf b;
            qv_buf_init(&b);
            wal_put_varint(&b, vals[i]);
            size_t len = b.len;
            for (size_t k = 0; k < pad; k++) qv_buf_append_byte(&b, 0xff);
            wal_cur c = {b.data, b.data + b.len, false};
            uint64_t v = 0;
            assert_int_equal(wal_get_varint(&c, &v), 0);
            assert_true(v == vals[i]);
            assert_ptr_equal(c.p, b.data + len);
            /* cut one byte short: refused, whatever follows is not read */
            wal_cur cut = {b.data, b.data + len - 1, false};
            if (len > 1) {
                assert_int_equal(wal_get_varint(&cut, &v), -1);
                assert_true(cut.bad);
            }
            qv_buf_free(&b);
        }
    }
    uint8_t over[16];
    memset(over, 0xff, sizeof over);
    over[9] = 0x02;   /* a tenth byte above 1: over 64 bits */
    wal_cur c = {over, over + sizeof over, false};
    uint64_t v;
    assert_int_equal(wal_get_varint(&c, &v), -1);
    over[9] = 0x01;
    c = (wal_cur){over, over + sizeof over, false};
    assert_int_equal(wal_get_varint(&c, &v), 0);
    assert_true(v == UINT64_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_threaded),
        cmocka_unit_test(test_decode_inline),
        cmocka_unit_test(test_decode_stop_early),
        cmocka_unit_test(test_varints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
