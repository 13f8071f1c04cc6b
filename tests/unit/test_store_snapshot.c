/* test_store_snapshot.c — the snapshot codec: round trips, corruption, crafted files, throughput.
 *
 * Owns: checks that a graph built by the real loader (every property type, INTEGER and STRING ids,
 * undirected and inverse types) comes back identical from a file and from memory; that flipping any
 * byte of any section, truncating anywhere, or appending bytes is an error naming the section; that
 * files with valid checksums but impossible contents (ids out of range, broken CSR, duplicate ids) are
 * refused with a message instead of crashing a reader. The data directory is tested in
 * test_store_datadir.c.
 * Environment: QV_STORE_BENCH=1 runs the save/load throughput measurement (a few million relationships);
 * QV_STORE_SEEDS=<dir> writes the fuzz seeds (tests/fuzz/seeds/fuzz_snapshot).
 */
#include "test_store_graphs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/gmap.h"
#include "store/checksum.h"
#include "store/snapshot.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"

typedef struct env {
    char dir[64];
    qv_pool *pool;
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/qv-snap-XXXXXX");
    if (!mkdtemp(e->dir)) return -1;
    e->pool = qv_pool_new(2);
    *state = e;
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    tg_rmtree(e->dir);
    qv_pool_free(e->pool);
    free(e);
    return 0;
}

static graph *int_graph(qv_pool *pool) {
    tg_opts o = {.name = "people", .id_type = GRAPH_ID_INTEGER, .nodes = 300, .rels = 1000, .props = true};
    return tg_build(&o, pool);
}

static graph *str_graph(qv_pool *pool) {
    tg_opts o = {.name = "strings ü/名", .id_type = GRAPH_ID_STRING, .nodes = 200, .rels = 700, .props = true};
    return tg_build(&o, pool);
}

/* A heap copy of exactly n bytes, so that ASan reports any read past the end. */
static uint8_t *exact_copy(const void *p, size_t n) {
    uint8_t *c = malloc(n ? n : 1);
    if (n) memcpy(c, p, n);
    return c;
}

static void encode(const graph *g, qv_buf *b) {
    qv_err err;
    qv_buf_init(b);
    if (store_snapshot_encode(g, b, &err) < 0) fail_msg("encode: %s", err.msg);
}

/* Decodes n bytes that must be refused; returns the message (static storage of the caller's err). */
static void expect_refused(const uint8_t *p, size_t n, qv_pool *pool, qv_err *err) {
    uint8_t *c = exact_copy(p, n);
    graph *g = (graph *)1;
    memset(err, 0, sizeof *err);
    int rc = store_snapshot_decode(c, n, pool, &g, err);
    free(c);
    if (rc == 0) {
        graph_free(g);
        fail_msg("a damaged snapshot (%zu bytes) was accepted", n);
    }
    assert_null(g);
    assert_true(err->msg[0] != 0);
}

static void expect_msg(const qv_err *err, const char *part) {
    if (!strstr(err->msg, part)) fail_msg("error \"%s\" does not mention \"%s\"", err->msg, part);
}

static void roundtrip_file(env *e, graph *a) {
    char path[128];
    snprintf(path, sizeof path, "%s/g.qvg", e->dir);
    qv_err err;
    assert_int_equal(store_snapshot_write_file(a, path, &err), 0);
    graph *b = NULL;
    if (store_snapshot_read_file(path, e->pool, &b, &err) < 0) fail_msg("read: %s", err.msg);
    tg_assert_same(a, b);
    graph_free(b);

    qv_buf buf;
    encode(a, &buf);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, buf.len); /* the file is exactly the encoding */
    uint8_t *c = exact_copy(buf.data, buf.len);
    assert_int_equal(store_snapshot_decode(c, buf.len, e->pool, &b, &err), 0);
    tg_assert_same(a, b);
    graph_free(b);
    free(c);
    qv_buf_free(&buf);
}

static void test_checksum_is_xxh64(void **state) {
    (void)state;
    /* published XXH64 values */
    assert_true(store_checksum64("", 0, 0) == 0xEF46DB3751D8E999ull);
    assert_true(store_checksum64("a", 1, 0) == 0xD24EC4F1A98C6E5Bull);
    assert_true(store_checksum64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
    /* streaming in odd pieces gives the one-shot value */
    uint8_t data[1000];
    for (int i = 0; i < 1000; i++)
        data[i] = (uint8_t)(i * 37 + 1);
    store_hasher h;
    store_hasher_init(&h, 99);
    for (size_t at = 0, step = 1; at < sizeof data; at += step, step = step * 3 % 61 + 1)
        store_hasher_update(&h, data + at, at + step > sizeof data ? sizeof data - at : step);
    assert_true(store_hasher_final(&h) == store_checksum64(data, sizeof data, 99));
    assert_true(store_checksum64(data, sizeof data, 99) != store_checksum64(data, sizeof data, 98));
}

static void test_roundtrip_integer_ids(void **state) {
    env *e = *state;
    graph *a = int_graph(e->pool);
    assert_int_equal(a->n_node_cols, 7);
    assert_int_equal(a->n_rel_cols, 2);
    assert_true(a->n_rels > 1000); /* KNOWS is undirected: stored both ways */
    roundtrip_file(e, a);
    graph_free(a);
}

static void test_roundtrip_string_ids(void **state) {
    env *e = *state;
    graph *a = str_graph(e->pool);
    assert_int_equal(a->id_type, GRAPH_ID_STRING);
    roundtrip_file(e, a);
    graph_free(a);
}

static void test_roundtrip_empty_and_bare(void **state) {
    env *e = *state;
    graph *a = graph_new("empty", NULL, true, GRAPH_ID_INTEGER, NULL); /* a new database: nothing yet */
    roundtrip_file(e, a);
    graph_free(a);
    tg_opts o = {.name = "nodes only", .id_type = GRAPH_ID_STRING, .nodes = 10, .rels = 0};
    a = tg_build(&o, e->pool);
    roundtrip_file(e, a);
    graph_free(a);
    tg_opts p = {.name = "no props", .id_type = GRAPH_ID_INTEGER, .nodes = 50, .rels = 120};
    a = tg_build(&p, e->pool);
    roundtrip_file(e, a);
    graph_free(a);
}

/* One relationship type: the header flag, an empty 'rel_type' section, zeros supplied by the reader (from memory
 * and mapped); a flag on a file that names two types, or a non-empty section under it, is refused. */
static void test_one_type_writes_no_types(void **state) {
    env *e = *state;
    tg_opts o = {.name = "one type", .id_type = GRAPH_ID_INTEGER, .nodes = 300, .rels = 2000, .props = true,
                 .one_type = true};
    graph *a = tg_build(&o, e->pool);
    assert_int_equal(a->rel_types.count, 1);
    roundtrip_file(e, a);
    qv_buf buf;
    encode(a, &buf);
    uint32_t flags;
    memcpy(&flags, buf.data + 12, 4);
    assert_int_equal(flags, 1);
    /* the table of contents: entry of section 34 (rel_type) has length 0 */
    uint64_t toc_off;
    uint32_t ntoc;
    memcpy(&toc_off, buf.data + 24, 8);
    memcpy(&ntoc, buf.data + 32, 4);
    bool seen = false;
    for (uint32_t i = 0; i < ntoc; i++) {
        uint32_t id;
        uint64_t len;
        memcpy(&id, buf.data + toc_off + 32 * i, 4);
        memcpy(&len, buf.data + toc_off + 32 * i + 16, 8);
        if (id == 34) {
            assert_int_equal(len, 0);
            seen = true;
        }
    }
    assert_true(seen);
    qv_buf_free(&buf);
    graph_free(a);
    /* a graph with three types sets no flag; setting it (header CRC recomputed) is refused */
    tg_opts t = {.name = "three types", .id_type = GRAPH_ID_INTEGER, .nodes = 100, .rels = 300};
    a = tg_build(&t, e->pool);
    encode(a, &buf);
    memcpy(&flags, buf.data + 12, 4);
    assert_int_equal(flags, 0);
    flags = 1;
    memcpy(buf.data + 12, &flags, 4);
    uint32_t hcrc = store_crc32c(0, buf.data, 60);
    memcpy(buf.data + 60, &hcrc, 4);
    qv_err err;
    expect_refused(buf.data, buf.len, e->pool, &err);
    expect_msg(&err, "every relationship has type 0");
    qv_buf_free(&buf);
    graph_free(a);
    /* one type (two nodes, one relationship) but the flag cleared: the empty section is now too short */
    tg_opts s = {.name = "tiny", .id_type = GRAPH_ID_INTEGER, .nodes = 2, .rels = 1, .one_type = true};
    a = tg_build(&s, e->pool);
    encode(a, &buf);
    flags = 0;
    memcpy(buf.data + 12, &flags, 4);
    hcrc = store_crc32c(0, buf.data, 60);
    memcpy(buf.data + 60, &hcrc, 4);
    expect_refused(buf.data, buf.len, e->pool, &err);
    expect_msg(&err, "rel_type");
    qv_buf_free(&buf);
    graph_free(a);
}

/* Reads path every way (mapped, mapped with every section checked, from memory): each gives a graph equal to
 * a; *mapped_in tells whether the mapped read's incoming index is the file's (false: rebuilt). Returns the file's
 * bytes (free them). */
static uint8_t *read_all_ways(env *e, const char *path, const graph *a, bool *mapped_in) {
    graph *b = NULL;
    qv_err err;
    if (store_snapshot_read_file(path, e->pool, &b, &err) < 0) fail_msg("read: %s", err.msg);
    tg_assert_same(a, b);
    *mapped_in = b->map && gmap_holds(b->map, b->in_off) && gmap_holds(b->map, b->in_src);
    graph_free(b);
    if (snap_read_file(path, e->pool, true, &b, &err) < 0) fail_msg("read (full): %s", err.msg);
    tg_assert_same(a, b);
    graph_free(b);
    int fd = open(path, O_RDONLY);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
    close(fd);
    if (store_snapshot_decode(buf, (size_t)st.st_size, e->pool, &b, &err) < 0) fail_msg("decode: %s", err.msg);
    tg_assert_same(a, b);
    graph_free(b);
    return buf;
}

/* A snapshot written in two parts (the first before the graph's names and incoming side are needed): the table
 * lists the usual order, the incoming side lies after 'end' in the file, and every reader (mapped, from memory,
 * everything checked) gives the same graph. */
static void split_roundtrip(env *e, graph *a) {
    char path[128];
    snprintf(path, sizeof path, "%s/split.qvg", e->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    snap_split *w = snap_split_begin(a, fd, path, false);
    qv_err err;
    if (snap_split_finish(w, a, NULL, &err) < 0) fail_msg("split write: %s", err.msg);
    close(fd);
    bool mapped_in;
    uint8_t *buf = read_all_ways(e, path, a, &mapped_in);
    assert_true(mapped_in || a->n_nodes == 0);
    /* the file order: meta (1, first in the table) after out_off (32), written in the first part */
    uint64_t toc_off, meta = 0, out_off = 0, rel_type = 0, rel_type_len = 0;
    uint32_t ntoc;
    memcpy(&toc_off, buf + 24, 8);
    memcpy(&ntoc, buf + 32, 4);
    for (uint32_t i = 0; i < ntoc; i++) {
        uint32_t id;
        uint64_t off;
        memcpy(&id, buf + toc_off + 32 * i, 4);
        memcpy(&off, buf + toc_off + 32 * i + 8, 8);
        if (id == 1) meta = off;
        if (id == 32) out_off = off;
        if (id == 34) {
            rel_type = off;
            memcpy(&rel_type_len, buf + toc_off + 32 * i + 16, 8);
        }
        if (i == ntoc - 1) assert_int_equal(id, 65535);
    }
    /* with two types or more, rel_type goes with the first part; otherwise with the second (or empty) */
    if (a->rel_types.count > 1 && rel_type_len && rel_type > meta) fail_msg("%s: rel_type in the second part", a->name);
    if (a->rel_types.count <= 1 && rel_type < meta) fail_msg("%s: rel_type in the first part", a->name);
    if (meta <= out_off) fail_msg("%s: meta at %llu, out_off at %llu", a->name, (unsigned long long)meta, (unsigned long long)out_off);
    free(buf);
    unlink(path);
}

/* A split write that leaves the incoming side out (a streamed save): without an appendix, and with every way an
 * appendix can be unusable (torn, flipped, another file's, the file cut short of it), readers rebuild the same
 * incoming index from the outgoing side; with a good one, the mapped read uses the file's. */
static void in_after_roundtrip(env *e, graph *a) {
    char path[128];
    snprintf(path, sizeof path, "%s/after.qvg", e->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    snap_split *w = snap_split_begin(a, fd, path, true);
    qv_err err;
    snap_file_id id;
    if (snap_split_finish(w, a, &id, &err) < 0) fail_msg("split write: %s", err.msg);
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal((uint64_t)st.st_size, id.size);
    bool mapped_in;
    free(read_all_ways(e, path, a, &mapped_in));
    assert_false(mapped_in);

    if (snap_write_appendix(a, fd, id, path, &err) < 0) fail_msg("appendix: %s", err.msg);
    assert_int_equal(fstat(fd, &st), 0);
    uint64_t end = (uint64_t)st.st_size, at = snap_appendix_at(id.size);
    assert_true(end > at);
    free(read_all_ways(e, path, a, &mapped_in));
    assert_true(mapped_in || a->n_nodes == 0);

    /* a byte flipped in the appendix's in_off (table entry 1 of 5: owner, in_off, in_rel, in_src, end), then in
     * its header */
    uint8_t byte;
    uint64_t sec_off, sec_len;
    assert_int_equal(pread(fd, &sec_off, 8, (off_t)(end - SNAP2_TOC_ENTRY * 4 + 8)), 8);
    assert_int_equal(pread(fd, &sec_len, 8, (off_t)(end - SNAP2_TOC_ENTRY * 4 + 16)), 8);
    assert_true(sec_len >= 8);
    uint64_t where[2] = {at + sec_off + sec_len - 1, at + 20};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pread(fd, &byte, 1, (off_t)where[i]), 1);
        byte ^= 0x10;
        assert_int_equal(pwrite(fd, &byte, 1, (off_t)where[i]), 1);
        free(read_all_ways(e, path, a, &mapped_in));
        assert_false(mapped_in);
        byte ^= 0x10;
        assert_int_equal(pwrite(fd, &byte, 1, (off_t)where[i]), 1);
    }
    free(read_all_ways(e, path, a, &mapped_in));
    assert_true(mapped_in || a->n_nodes == 0);
    /* torn: cut in its middle, then back to the file's own bytes (the appendix was never written) */
    assert_int_equal(ftruncate(fd, (off_t)(at + (end - at) / 2)), 0);
    free(read_all_ways(e, path, a, &mapped_in));
    assert_false(mapped_in);
    assert_int_equal(ftruncate(fd, (off_t)id.size), 0);
    free(read_all_ways(e, path, a, &mapped_in));
    assert_false(mapped_in);
    /* an appendix naming another file (same size, another header CRC) */
    snap_file_id other = {.size = id.size, .hcrc = id.hcrc ^ 1};
    if (snap_write_appendix(a, fd, other, path, &err) < 0) fail_msg("appendix: %s", err.msg);
    free(read_all_ways(e, path, a, &mapped_in));
    assert_false(mapped_in);
    /* the file's own bytes cut short: refused, not rebuilt */
    assert_int_equal(ftruncate(fd, (off_t)id.size - 1), 0);
    graph *b = NULL;
    assert_int_equal(snap_read_file(path, e->pool, true, &b, &err), -1);
    assert_null(b);
    close(fd);
    unlink(path);
}

/* Runs roundtrip on the four shapes a split write meets: integer ids, string ids, one type, no nodes. */
static void each_shape(env *e, void (*roundtrip)(env *, graph *)) {
    graph *a = int_graph(e->pool);
    roundtrip(e, a);
    graph_free(a);
    a = str_graph(e->pool);
    roundtrip(e, a);
    graph_free(a);
    tg_opts o = {.name = "one type", .id_type = GRAPH_ID_INTEGER, .nodes = 3000, .rels = 20000, .one_type = true};
    a = tg_build(&o, e->pool);
    roundtrip(e, a);
    graph_free(a);
    a = graph_new("empty", NULL, true, GRAPH_ID_INTEGER, NULL);
    roundtrip(e, a);
    graph_free(a);
}

static void test_split_write(void **state) { each_shape(*state, split_roundtrip); }
static void test_in_after(void **state) { each_shape(*state, in_after_roundtrip); }

/* ---- corruption ------------------------------------------------------------------------------------- */

/* The section layout as README.md documents it, parsed independently of the reader. */
typedef struct secinfo {
    size_t at; /* payload offset */
    uint64_t len;
    char name[48];
} secinfo;

static const char *doc_name(uint32_t id) {
    switch (id) {
    case 1: return "meta";
    case 2: return "labels";
    case 3: return "rel_types";
    case 4: return "prop_keys";
    case 5: return "ext_ids";
    case 6: return "ext_str_off";
    case 7: return "ext_str";
    case 8: return "node_labelset";
    case 9: return "labelset_off";
    case 10: return "labelset_labels";
    case 16: return "node_col";
    case 17: return "node_col_present";
    case 18: return "node_col_offsets";
    case 19: return "node_col_values";
    case 32: return "out_off";
    case 33: return "out_tgt";
    case 34: return "rel_type";
    case 35: return "in_off";
    case 36: return "in_rel";
    case 37: return "in_src";
    case 48: return "rel_col";
    case 49: return "rel_col_present";
    case 50: return "rel_col_offsets";
    case 51: return "rel_col_values";
    case 64: return "types";
    case 65535: return "end";
    }
    return NULL;
}

/* Version 2 as README.md documents it: a 64-byte header (u64 file size at 16, u64 table offset at 24, u32
 * sections at 32, u32 table CRC at 36, u32 header CRC at 60), sections 64-aligned, the table at the end. */
static size_t sections(const qv_buf *b, secinfo *out, size_t max) {
    assert_memory_equal(b->data, "QVGRAPH\0", 8);
    uint32_t version, n;
    uint64_t size, toc;
    memcpy(&version, b->data + 8, 4);
    memcpy(&size, b->data + 16, 8);
    memcpy(&toc, b->data + 24, 8);
    memcpy(&n, b->data + 32, 4);
    assert_int_equal(version, 2);
    assert_int_equal(size, b->len);
    assert_int_equal(toc + (uint64_t)n * 32, b->len);
    assert_true(n <= max);
    for (uint32_t k = 0; k < n; k++) {
        const uint8_t *r = b->data + toc + (size_t)k * 32;
        uint32_t id, index;
        memcpy(&id, r, 4);
        memcpy(&index, r + 4, 4);
        memcpy(&out[k].at, r + 8, 8);
        memcpy(&out[k].len, r + 16, 8);
        const char *base = doc_name(id);
        assert_non_null(base);
        if (id >= 16 && id != 32 && id < 64 && !(id >= 33 && id <= 37))
            snprintf(out[k].name, sizeof out[k].name, "%s[%u]", base, index);
        else
            snprintf(out[k].name, sizeof out[k].name, "%s", base);
        assert_int_equal(out[k].at % 64, 0); /* every payload starts 64-aligned: it can be mapped */
        assert_true(out[k].at + out[k].len <= toc);
    }
    return n;
}

/* Recomputes the CRCs of section k, of the table and of the header after a payload was changed. */
static void reseal(qv_buf *b, const secinfo *sec, size_t k) {
    uint64_t toc;
    uint32_t n;
    memcpy(&toc, b->data + 24, 8);
    memcpy(&n, b->data + 32, 4);
    uint32_t crc = store_crc32c(0, b->data + sec[k].at, (size_t)sec[k].len);
    memcpy(b->data + toc + k * 32 + 24, &crc, 4);
    crc = store_crc32c(0, b->data + toc, (size_t)n * 32);
    memcpy(b->data + 36, &crc, 4);
    crc = store_crc32c(0, b->data, 60);
    memcpy(b->data + 60, &crc, 4);
}

static void corrupt_each_section(env *e, graph *a) {
    qv_buf b;
    encode(a, &b);
    secinfo sec[256];
    size_t n = sections(&b, sec, 256);
    assert_string_equal(sec[n - 1].name, "end");
    char want[128];
    qv_err err;
    int payloads = 0;
    uint64_t toc;
    memcpy(&toc, b.data + 24, 8);
    for (size_t k = 0; k < n; k++) {
        uint8_t *c = exact_copy(b.data, b.len);
        if (sec[k].len) { /* a flipped payload byte */
            c[sec[k].at + sec[k].len / 2] ^= 0x40;
            expect_refused(c, b.len, e->pool, &err);
            assert_int_equal(err.code, QV_EINVAL);
            snprintf(want, sizeof want, "checksum mismatch in section '%s'", sec[k].name);
            expect_msg(&err, want);
            c[sec[k].at + sec[k].len / 2] ^= 0x40;
            payloads++;
        }
        c[toc + k * 32 + 17] ^= 0x01; /* a flipped length byte in the table of contents */
        expect_refused(c, b.len, e->pool, &err);
        expect_msg(&err, "table of contents");
        free(c);
    }
    assert_true(payloads > 20);
    for (size_t i = 0; i < 64; i++) { /* and every byte of the header */
        uint8_t *c = exact_copy(b.data, b.len);
        c[i] ^= 0x10;
        expect_refused(c, b.len, e->pool, &err);
        free(c);
    }
    qv_buf_free(&b);
}

static void test_flip_a_byte_in_each_section(void **state) {
    env *e = *state;
    graph *a = int_graph(e->pool);
    corrupt_each_section(e, a);
    graph_free(a);
    a = str_graph(e->pool);
    corrupt_each_section(e, a);
    graph_free(a);
}

static void test_truncated_anywhere(void **state) {
    env *e = *state;
    graph *a = int_graph(e->pool);
    qv_buf b;
    encode(a, &b);
    secinfo sec[256];
    size_t n = sections(&b, sec, 256);
    qv_err err;
    /* every cut in the first 600 bytes, around every section boundary, and a stride over the rest */
    for (size_t cut = 0; cut < b.len; cut += cut < 600 ? 1 : 37) {
        expect_refused(b.data, cut, e->pool, &err);
        expect_msg(&err, "truncated");
    }
    for (size_t k = 0; k < n; k++)
        for (size_t d = 0; d < 3; d++) {
            size_t cut = sec[k].at + sec[k].len - 1 + d;
            if (cut >= b.len) continue;
            expect_refused(b.data, cut, e->pool, &err);
            expect_msg(&err, "truncated");
        }
    /* and the same through a file: the message names the file */
    char path[128];
    snprintf(path, sizeof path, "%s/cut.qvg", e->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.data, b.len / 2), (ssize_t)(b.len / 2));
    close(fd);
    graph *g = NULL;
    assert_int_equal(store_snapshot_read_file(path, e->pool, &g, &err), -1);
    assert_null(g);
    expect_msg(&err, path);
    expect_msg(&err, "truncated");
    qv_buf_free(&b);
    graph_free(a);
}

static void test_not_a_snapshot(void **state) {
    env *e = *state;
    graph *a = int_graph(e->pool);
    qv_buf b;
    encode(a, &b);
    qv_err err;
    expect_refused((const uint8_t *)"hello world, not a graph", 24, e->pool, &err);
    expect_msg(&err, "not a quiver snapshot");
    uint8_t *c = exact_copy(b.data, b.len);
    c[8] = 9; /* a future format version */
    expect_refused(c, b.len, e->pool, &err);
    assert_int_equal(err.code, QV_EUNIMPL);
    expect_msg(&err, "version 9");
    free(c);
    /* bytes after the table of contents */
    qv_buf_append(&b, "\0\0\0\0\0\0\0\0", 8);
    expect_refused(b.data, b.len, e->pool, &err);
    expect_msg(&err, "truncated or extended");
    /* a missing file */
    char path[128];
    snprintf(path, sizeof path, "%s/none.qvg", e->dir);
    graph *g = NULL;
    assert_int_equal(store_snapshot_read_file(path, e->pool, &g, &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    expect_msg(&err, path);
    qv_buf_free(&b);
    graph_free(a);
}

/* ---- version 1 (the previous format) is still read ---------------------------------------------------- */

/* A version-1 section as README.md documents it: u32 id, u32 index, u64 length, u64 XXH64 of the payload
 * (seed id << 32 | index), u64 XXH64 of those 24 bytes (seed 0x5156534543484452), payload, zero padding to 8. */
static void v1_section(qv_buf *b, uint32_t id, uint32_t index, const void *p, uint64_t len) {
    uint8_t h[32];
    uint64_t sum = store_checksum64(p, (size_t)len, ((uint64_t)id << 32) | index);
    memcpy(h, &id, 4);
    memcpy(h + 4, &index, 4);
    memcpy(h + 8, &len, 8);
    memcpy(h + 16, &sum, 8);
    uint64_t hs = store_checksum64(h, 24, 0x5156534543484452ull);
    memcpy(h + 24, &hs, 8);
    qv_buf_append(b, h, 32);
    qv_buf_append(b, p, (size_t)len);
    static const uint8_t zeros[8];
    qv_buf_append(b, zeros, (size_t)((8 - len % 8) % 8));
}

/* Two nodes (ids 10, 20; label Person), one relationship 10-[:R]->20 (undirected flag set), written the way
 * quiver wrote snapshots before version 2. */
static void test_version_1_still_read(void **state) {
    env *e = *state;
    qv_buf b, m;
    qv_buf_init(&b);
    qv_buf_init(&m);
    qv_buf_append(&b, "QVGRAPH\0\1\0\0\0\0\0\0\0", 16);
    uint32_t u32[] = {1, 0};
    uint64_t u64[] = {1234, 2, 1};
    qv_buf_append(&m, u32, 8);           /* durable, id type INTEGER */
    qv_buf_append(&m, u64, 24);          /* created_ms, nodes, relationships */
    uint32_t counts[] = {1, 0, 0, 2};    /* label sets, node columns, rel columns; then the name's length */
    qv_buf_append(&m, counts, 16);
    qv_buf_append(&m, "v1", 2);
    uint32_t absent[] = {0xFFFFFFFFu, 0xFFFFFFFFu};
    qv_buf_append(&m, absent, 8);
    v1_section(&b, 1, 0, m.data, m.len);
    uint8_t labels[] = {1, 0, 0, 0, 6, 0, 0, 0, 'P', 'e', 'r', 's', 'o', 'n'}, types[] = {1, 0, 0, 0, 1, 0, 0, 0, 'R'};
    uint32_t zero = 0;
    v1_section(&b, 2, 0, labels, sizeof labels);
    v1_section(&b, 3, 0, types, sizeof types);
    v1_section(&b, 4, 0, &zero, 4);
    int64_t ids[] = {10, 20};
    v1_section(&b, 5, 0, ids, sizeof ids);
    uint32_t lsets[] = {0, 0}, lso[] = {0, 1}, lsl[] = {0};
    v1_section(&b, 8, 0, lsets, sizeof lsets);
    v1_section(&b, 9, 0, lso, sizeof lso);
    v1_section(&b, 10, 0, lsl, sizeof lsl);
    uint64_t out_off[] = {0, 1, 1}, in_off[] = {0, 0, 1};
    uint32_t tgt[] = {1}, in_rel[] = {0}, in_src[] = {0};
    uint16_t rt[] = {0};
    v1_section(&b, 32, 0, out_off, sizeof out_off);
    v1_section(&b, 33, 0, tgt, sizeof tgt);
    v1_section(&b, 34, 0, rt, sizeof rt);
    v1_section(&b, 35, 0, in_off, sizeof in_off);
    v1_section(&b, 36, 0, in_rel, sizeof in_rel);
    v1_section(&b, 37, 0, in_src, sizeof in_src);
    uint8_t ty[10] = {1, 0, 0, 0, 0, 0, 0, 0, 1, 0}; /* count 1, undirected 1, inverse 0 */
    v1_section(&b, 64, 0, ty, sizeof ty);
    uint64_t nsec = 15;
    v1_section(&b, 65535, 0, &nsec, 8);
    qv_err err;
    graph *g = NULL;
    if (store_snapshot_decode(b.data, b.len, e->pool, &g, &err) < 0) fail_msg("version 1: %s", err.msg);
    assert_string_equal(g->name, "v1");
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->n_rels, 1);
    assert_int_equal(graph_node_by_id(g, 20), 1);
    assert_int_equal(g->out_tgt[0], 1);
    assert_true(g->type_undirected[0]);
    assert_null(g->map);
    graph_free(g);
    char path[128]; /* and from a file (read, not mapped); the next save writes version 2 */
    snprintf(path, sizeof path, "%s/v1.qvg", e->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    if (store_snapshot_read_file(path, e->pool, &g, &err) < 0) fail_msg("version 1 file: %s", err.msg);
    assert_null(g->map);
    assert_int_equal(graph_node_by_id(g, 10), 0);
    assert_int_equal(store_snapshot_write_file(g, path, &err), 0);
    graph_free(g);
    if (store_snapshot_read_file(path, e->pool, &g, &err) < 0) fail_msg("rewritten: %s", err.msg);
    assert_non_null(g->map);
    assert_true(g->type_undirected[0]);
    graph_free(g);
    qv_buf_free(&b);
    qv_buf_free(&m);
}

/* ---- crafted files: valid checksums, impossible contents --------------------------------------------- */

/* Encodes g as it is now (the writer does not validate) and expects the decoder to refuse it. */
static void expect_crafted_refused(env *e, const graph *g, const char *part) {
    qv_buf b;
    encode(g, &b);
    qv_err err;
    expect_refused(b.data, b.len, e->pool, &err);
    expect_msg(&err, part);
    qv_buf_free(&b);
}

/* Overwrites bytes inside the payload of the named section and recomputes the checksums as README.md
 * describes, then expects the decoder to refuse the result with a message containing part. */
static void expect_patched_refused(env *e, const graph *g, const char *section, uint64_t off, const void *bytes,
                                   size_t n, const char *part) {
    qv_buf b;
    encode(g, &b);
    secinfo sec[256];
    size_t count = sections(&b, sec, 256), k = 0;
    while (k < count && strcmp(sec[k].name, section) != 0)
        k++;
    assert_true(k < count);
    assert_true(off + n <= sec[k].len);
    memcpy(b.data + sec[k].at + off, bytes, n);
    reseal(&b, sec, k);
    qv_err err;
    expect_refused(b.data, b.len, e->pool, &err);
    expect_msg(&err, part);
    qv_buf_free(&b);
}

#define TAMPER(field, value, part)          \
    do {                                    \
        __typeof__(field) saved_ = (field); \
        (field) = (value);                  \
        expect_crafted_refused(e, g, part); \
        (field) = saved_;                   \
    } while (0)

static void test_crafted_contents_refused(void **state) {
    env *e = *state;
    graph *g = int_graph(e->pool);
    uint64_t n = g->n_nodes;
    /* a node with two outgoing relationships, to break their order */
    uint64_t v2 = 0;
    while (g->out_off[v2 + 1] - g->out_off[v2] < 2 || g->out_tgt[g->out_off[v2]] == g->out_tgt[g->out_off[v2] + 1] ||
           g->rel_type[g->out_off[v2]] != g->rel_type[g->out_off[v2] + 1])
        v2++;
    uint64_t r2 = g->out_off[v2];
    const gcolumn *name_col = graph_node_col(g, "name");
    int name_i = (int)(name_col - g->node_cols);

    TAMPER(g->out_tgt[5], (uint32_t)n + 3, "section 'out_tgt'");
    TAMPER(g->rel_type[7], (uint16_t)60000, "section 'rel_type'");
    TAMPER(g->out_off[3], g->out_off[4] + 1, "section 'out_off'");
    TAMPER(g->out_off[n], g->out_off[n] - 1, "section 'out_off'");
    TAMPER(g->in_off[10], g->n_rels + 5, "section 'in_off'");
    TAMPER(g->in_rel[1], g->in_rel[0], "section 'in_rel'");
    TAMPER(g->in_rel[0], (uint32_t)g->n_rels, "section 'in_rel'");
    TAMPER(g->in_src[0], (g->in_src[0] + 1) % (uint32_t)n, "section 'in_src'");
    TAMPER(g->out_tgt[r2], g->out_tgt[r2 + 1] + 1, "not sorted");
    TAMPER(g->node_labelset[2], g->n_labelsets, "section 'node_labelset'");
    TAMPER(g->labelset_labels[0], g->labels.count, "section 'labelset_labels'");
    TAMPER(g->type_count[1], g->type_count[1] + 1, "section 'types'");
    TAMPER(g->ext_ids[1], g->ext_ids[0], "node ids: node id");
    TAMPER(g->node_cols[0].key, g->prop_keys.count, "section 'node_col[0]'");
    TAMPER(g->node_cols[1].key, g->node_cols[0].key, "appears twice");
    TAMPER(g->rel_cols[0].type, GPROP_INT64, "only double");
    uint32_t u32 = 42;
    expect_patched_refused(e, g, "node_col[0]", 4, &u32, 4, "unknown type 42");
    uint8_t two = 2;
    expect_patched_refused(e, g, "types", (uint64_t)g->rel_types.count * 8 + 1, &two, 1, "neither 0 nor 1");
    u32 = 7;
    expect_patched_refused(e, g, "meta", 0, &u32, 4, "unknown flags");
    uint64_t huge = 1ull << 40;
    expect_patched_refused(e, g, "meta", 16, &huge, 8, "exceed what this version supports");
    expect_patched_refused(e, g, "meta", 16, &(uint64_t){g->n_nodes + 1}, 8, "section 'ext_ids' holds");
    expect_patched_refused(e, g, "labels", 0, &(uint32_t){1u << 30}, 4, "claims 1073741824 names");
    expect_patched_refused(e, g, "labels", 4, &(uint32_t){1000}, 4, "shorter than its fields");
    char part[64];
    snprintf(part, sizeof part, "section 'node_col_offsets[%d]'", name_i);
    TAMPER(g->node_cols[name_i].offsets[2], g->node_cols[name_i].offsets[3] + 1, part);
    graph_free(g);

    tg_opts o = {.name = "s", .id_type = GRAPH_ID_STRING, .nodes = 20, .rels = 30};
    g = tg_build(&o, e->pool);
    TAMPER(g->ext_str_off[3], g->ext_str_off[1], "section 'ext_str_off'");
    graph_free(g);
}

/* ---- throughput and seeds --------------------------------------------------------------------------- */

static void test_throughput(void **state) {
    env *e = *state;
    if (!getenv("QV_STORE_BENCH")) {
        skip();
        return;
    }
    tg_opts o = {.name = "bench", .id_type = GRAPH_ID_INTEGER, .nodes = 1000000, .rels = 4000000};
    uint64_t t0 = qv_now_ns();
    graph *g = tg_build(&o, e->pool);
    double build = qv_seconds_since(t0);
    qv_err err;
    qv_store *s = store_open(e->dir, &err);
    assert_non_null(s);
    t0 = qv_now_ns();
    assert_int_equal(store_save(s, g, &err), 0);
    double save = qv_seconds_since(t0);
    char file[STORE_FILE_NAME_MAX], path[512];
    store_file_name(g->name, file);
    snprintf(path, sizeof path, "%s/databases/%s", e->dir, file);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    double mb = (double)st.st_size / 1e6;
    graph *h = NULL;
    t0 = qv_now_ns();
    assert_int_equal(store_snapshot_read_file(path, e->pool, &h, &err), 0);
    double load = qv_seconds_since(t0);
    qv_buf b;
    encode(g, &b);
    graph *h2 = NULL;
    t0 = qv_now_ns();
    assert_int_equal(store_snapshot_decode(b.data, b.len, e->pool, &h2, &err), 0);
    double decode = qv_seconds_since(t0);
    printf("snapshot of %llu nodes, %llu relationships: %.1f MB (built in %.2f s)\n", (unsigned long long)g->n_nodes,
           (unsigned long long)g->n_rels, mb, build);
    printf("  save (write + fsync + rename): %.3f s = %.0f MB/s\n", save, mb / save);
    printf("  load from file (page cache warm): %.3f s = %.0f MB/s\n", load, mb / load);
    printf("  decode from memory: %.3f s = %.0f MB/s\n", decode, mb / decode);
    tg_assert_same(g, h);
    graph_free(h);
    graph_free(h2);
    qv_buf_free(&b);
    store_close(s);
    graph_free(g);
}

static void write_seed(const char *dir, const char *name, const graph *g) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    qv_err err;
    if (store_snapshot_write_file(g, path, &err) < 0) fail_msg("%s", err.msg);
}

/* A streamed save's file (no incoming side in it), with or without its appendix. */
static void write_seed_after(const char *dir, const char *name, const graph *g, bool appendix) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    qv_err err;
    snap_file_id id;
    if (snap_split_finish(snap_split_begin(g, fd, path, true), g, &id, &err) < 0) fail_msg("%s", err.msg);
    if (appendix && snap_write_appendix(g, fd, id, path, &err) < 0) fail_msg("%s", err.msg);
    close(fd);
}

static void test_write_fuzz_seeds(void **state) {
    env *e = *state;
    const char *dir = getenv("QV_STORE_SEEDS");
    if (!dir) {
        skip();
        return;
    }
    tg_opts a = {.name = "seed int", .id_type = GRAPH_ID_INTEGER, .nodes = 12, .rels = 20, .props = true};
    tg_opts b = {.name = "seed/str", .id_type = GRAPH_ID_STRING, .nodes = 8, .rels = 10, .props = true};
    tg_opts c = {.name = "seed bare", .id_type = GRAPH_ID_INTEGER, .nodes = 6, .rels = 9};
    graph *g = tg_build(&a, e->pool);
    write_seed(dir, "int_props.qvg", g);
    graph_free(g);
    g = tg_build(&b, e->pool);
    write_seed(dir, "str_props.qvg", g);
    graph_free(g);
    g = tg_build(&c, e->pool);
    write_seed(dir, "int_bare.qvg", g);
    write_seed_after(dir, "int_bare_in_after.qvg", g, false);
    write_seed_after(dir, "int_bare_appendix.qvg", g, true);
    graph_free(g);
    g = graph_new("empty", NULL, true, GRAPH_ID_INTEGER, NULL);
    write_seed(dir, "empty.qvg", g);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_checksum_is_xxh64),
        cmocka_unit_test_setup_teardown(test_roundtrip_integer_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_string_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_roundtrip_empty_and_bare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flip_a_byte_in_each_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_anywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_type_writes_no_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_in_after, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_1_still_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crafted_contents_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throughput, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_fuzz_seeds, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
