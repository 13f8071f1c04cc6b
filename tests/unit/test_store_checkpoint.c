/* test_store_checkpoint.c — checkpoints of version 2: the base arrays as a mappable image plus the changes.
 *
 * Owns: a bulk-loaded graph (undirected and inverse types, every property type) written by transactions of
 * every kind (base nodes relabelled, re-propertied and deleted, base relationships changed and deleted, new
 * nodes and relationships, deleted new ids as holes, indexes, constraints) comes back element by element, with
 * its types' undirected / inverse flags, from a checkpoint in memory, from a mapped checkpoint file, and through
 * a restart of the store after a full checkpoint round; a checkpoint of a checkpoint-loaded (mapped) graph; the
 * lazy / full verification of big mapped files (QV_STORE_VERIFY) and a damaged big section refused when full; a
 * hand-encoded version-1 checkpoint still read.
 * Environment: QV_CKPT_BENCH=DIR builds the database bench/checkpoint.sh starts from (QV_CKPT_BENCH_RELS input
 * relationships, default 48M: a third are of an undirected type, so 64M are stored; 1/16 as many nodes) in the
 * data directory DIR: bulk save (snapshot write speed), openCypher-style writes, a checkpoint round (checkpoint
 * write speed). It prints one JSON line of figures.
 * Must not: test the snapshot codec's corruption handling (test_store_snapshot.c) or the log (test_store_wal.c).
 */
#include "test_store_graphs.h"
#include "test_store_env.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/catalog.h"
#include "graph/gmap.h"
#include "graph/gview.h"
#include "store/store.h"
#include "store/wal.h"
#include "util/clock.h"
#include "value/value.h"

static int setup(void **state) { return env_setup(state, "qv-ckpt"); }

static int teardown(void **state) {
    unsetenv("QV_STORE_VERIFY");
    return env_teardown(state);
}

static void start(env *e) { env_open(e); }

#define OK(call)                                                                                                   \
    do {                                                                                                           \
        qv_err_clear(&err);                                                                                        \
        if ((call) < 0) fail_msg("%s: %s", #call, err.msg);                                                        \
    } while (0)

/* Everything a checkpoint must keep, as text: names, type flags, every id up to the high-water marks. */
static char *dump(graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    qv_buf out;
    qv_buf_init(&out);
    qv_arena a;
    qv_arena_init(&a);
    for (uint32_t i = 0; i < gview_n_labels(v); i++) qv_buf_printf(&out, "L%u=%s\n", i, gview_label_name(v, i));
    for (uint32_t i = 0; i < gview_n_types(v); i++)
        qv_buf_printf(&out, "T%u=%s undirected=%d inverse=%d\n", i, gview_type_name(v, i),
                      g->type_undirected && i < g->rel_types.count ? g->type_undirected[i] : 0,
                      g->type_inverse && i < g->rel_types.count ? g->type_inverse[i] : 0);
    for (uint32_t i = 0; i < gview_n_keys(v); i++) qv_buf_printf(&out, "K%u=%s\n", i, gview_key_name(v, i));
    qv_buf_printf(&out, "nodes %llu rels %llu\n", (unsigned long long)gview_node_count(v),
                  (unsigned long long)gview_rel_count(v));
    for (uint64_t id = 0; id < 2000; id++) {
        if (!gview_node_exists(v, id)) continue;
        qv_buf_printf(&out, "n%llu ext=%s", (unsigned long long)id, qv_debug(&a, gview_node_ext_id(v, id)));
        uint32_t lab[16], nl = gview_node_labels(v, id, lab, 16);
        for (uint32_t i = 0; i < nl; i++) qv_buf_printf(&out, " :%s", gview_label_name(v, lab[i]));
        gprop *p;
        uint32_t np = gview_node_props(v, id, &a, &p);
        for (uint32_t i = 0; i < np; i++) qv_buf_printf(&out, " %s=%s", gview_key_name(v, p[i].key), qv_debug(&a, p[i].value));
        qv_buf_append_byte(&out, '\n');
    }
    for (uint64_t id = 0; id < 4000; id++) {
        if (!gview_rel_exists(v, id)) continue;
        uint64_t s, d;
        uint32_t t;
        gview_rel_info(v, id, &s, &d, &t);
        qv_buf_printf(&out, "r%llu %llu-[:%s]->%llu", (unsigned long long)id, (unsigned long long)s,
                      gview_type_name(v, t), (unsigned long long)d);
        gprop *p;
        uint32_t np = gview_rel_props(v, id, &a, &p);
        for (uint32_t i = 0; i < np; i++) qv_buf_printf(&out, " %s=%s", gview_key_name(v, p[i].key), qv_debug(&a, p[i].value));
        qv_buf_append_byte(&out, '\n');
    }
    gindex_info *ix;
    uint32_t nix = gview_indexes(v, &a, &ix);
    for (uint32_t i = 0; i < nix; i++)
        qv_buf_printf(&out, "index %s %d %u %u unique=%d\n", ix[i].name, ix[i].entity, ix[i].token, ix[i].key,
                      ix[i].unique);
    qv_buf_append_byte(&out, 0);
    gview_close(v);
    qv_arena_free(&a);
    size_t len;
    return (char *)qv_buf_steal(&out, &len);
}

/* Writes of every kind to base and new entities of a tg_build graph (60+ nodes). */
static void write_mix(graph *g, int round) {
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    assert_non_null(t);
    uint64_t n1, n2, r;
    uint32_t lab = gtxn_label(t, "Person", 6), ty = gtxn_type(t, "FOLLOWS", 7), kage = gtxn_key(t, "age", 3);
    char ext[32];
    snprintf(ext, sizeof ext, "new %d", round);
    gprop p[] = {{kage, qv_int(7 + round)}, {gtxn_key(t, "fresh", 5), qv_str_ref("yes", 3)}};
    OK(gtxn_node_create(t, &lab, 1, p, 2, g->id_type == GRAPH_ID_STRING ? qv_str_ref(ext, (uint32_t)strlen(ext))
                                                                         : qv_int(1000000 + round), &n1, &err));
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, g->id_type == GRAPH_ID_STRING ? qv_str_ref("gone", 4) : qv_int(2000000 + round),
                        &n2, &err));
    OK(gtxn_rel_create(t, n1, 3 + (uint64_t)round, ty, NULL, 0, &r, &err));
    OK(gtxn_rel_create(t, 5, 5, ty, p, 1, &r, &err));
    OK(gtxn_rel_delete(t, r, &err)); /* a hole among the new relationships */
    OK(gtxn_node_delete(t, n2, true, &err)); /* and among the new nodes */
    OK(gtxn_node_delete(t, 30 + (uint64_t)round, true, &err)); /* a base node, with its relationships */
    OK(gtxn_node_set_prop(t, 2, kage, qv_int(99 + round), &err));
    OK(gtxn_node_set_prop(t, 4, gtxn_key(t, "name", 4), qv_null(), &err));
    OK(gtxn_node_add_label(t, 9, gtxn_label(t, "Later", 5), &err));
    uint32_t nl, first;
    const uint32_t *bl = graph_node_labels(g, 10, &nl);
    first = nl ? bl[0] : lab;
    OK(gtxn_node_remove_label(t, 10, first, &err)); /* a base label removed */
    OK(gtxn_rel_set_prop(t, 0, gtxn_key(t, "weight", 6), qv_float(0.25 * round), &err));
    OK(gtxn_rel_delete(t, 1 + (uint64_t)round, &err));
    if (round == 0) {
        OK(gtxn_create_index(t, "by_age", GINDEX_NODE, lab, kage, false, &err));
        OK(gtxn_create_unique(t, "uniq_fresh", gtxn_label(t, "Uniq", 4), gtxn_key(t, "code", 4), false, &err));
    }
    OK(gtxn_commit(t, &err));
}

static graph *bulk(env *e, const char *name, graph_id_type idt) {
    tg_opts o = {.name = name, .id_type = idt, .nodes = 80, .rels = 300, .props = true};
    return tg_build(&o, e->pool);
}

/* ckpt_write of g's committed state, to memory and to a file; both read back equal to g. */
static void roundtrip(env *e, graph *g, const char *file) {
    qv_err err;
    char *want = dump(g);
    gview *v = gview_open(g, &err);
    assert_non_null(v);
    ckpt_info info = {.ident = g->created_ms, .base_seq = 42};
    qv_buf mem;
    qv_buf_init(&mem);
    OK(ckpt_write(v, &info, -1, &mem, "memory", &err));
    char path[256];
    snprintf(path, sizeof path, "%s/%s", e->dir, file);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    OK(ckpt_write(v, &info, fd, NULL, path, &err));
    close(fd);
    gview_close(v);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, mem.len); /* the file is exactly the encoding */

    graph *h = NULL;
    ckpt_info back = {0};
    OK(ckpt_read(mem.data, mem.len, &h, &back, &err));
    assert_int_equal(back.base_seq, 42);
    assert_int_equal(back.ident, g->created_ms);
    char *got = dump(h);
    assert_string_equal(want, got);
    assert_null(h->map);
    free(got);
    graph_free(h);

    OK(ckpt_load_file(path, e->pool, &h, &back, &err));
    assert_non_null(h->map); /* mapped: the base arrays are the file's */
    assert_true(gmap_holds(h->map, h->out_tgt) || h->n_rels == 0);
    got = dump(h);
    assert_string_equal(want, got);
    free(got);
    char *name = NULL;
    OK(ckpt_read_meta_file(path, &name, &back, &err));
    assert_string_equal(name, g->name);
    assert_int_equal(back.base_seq, 42);
    free(name);

    /* a checkpoint of the mapped graph after more writes: the base stays the image, the changes grow */
    if (h->n_nodes >= 80) write_mix(h, 3);
    char *want2 = dump(h);
    v = gview_open(h, &err);
    qv_buf mem2;
    qv_buf_init(&mem2);
    OK(ckpt_write(v, &info, -1, &mem2, "memory", &err));
    gview_close(v);
    graph *h2 = NULL;
    OK(ckpt_read(mem2.data, mem2.len, &h2, &back, &err));
    got = dump(h2);
    assert_string_equal(want2, got);
    free(got);
    graph_free(h2);
    graph_free(h);
    free(want2);
    qv_buf_free(&mem2);
    qv_buf_free(&mem);
    free(want);
}

static void test_checkpoint_roundtrip(void **state) {
    env *e = *state;
    graph *g = bulk(e, "int graph", GRAPH_ID_INTEGER);
    roundtrip(e, g, "unwritten.qvg"); /* no delta at all */
    write_mix(g, 0);
    write_mix(g, 1);
    roundtrip(e, g, "int.qvg");
    char *d = dump(g);
    assert_non_null(strstr(d, "undirected=1")); /* the graph has the flags to keep */
    assert_non_null(strstr(d, "inverse=1"));
    free(d);
    graph_free(g);
    g = bulk(e, "str graph", GRAPH_ID_STRING);
    write_mix(g, 0);
    roundtrip(e, g, "str.qvg");
    graph_free(g);
    g = graph_new("empty base", "empty base", true, GRAPH_ID_INTEGER, NULL); /* an openCypher-only database */
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a, b, r;
    uint32_t ty = gtxn_type(t, "R", 1);
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(1), &a, &err));
    OK(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(2), &b, &err));
    OK(gtxn_rel_create(t, a, b, ty, NULL, 0, &r, &err));
    OK(gtxn_commit(t, &err));
    roundtrip(e, g, "empty.qvg");
    graph_free(g);
}

/* Through the store: a bulk save (snapshot), enough writes that the round writes a full checkpoint (not a
 * carried log), a restart from it (mapped), more writes, a second round and restart, then quiver check. */
static void test_restart_keeps_flags(void **state) {
    env *e = *state;
    start(e);
    qv_err err;
    graph *b = bulk(e, "bulk", GRAPH_ID_INTEGER);
    OK(gcatalog_reserve(e->cat, "bulk", false, &err));
    OK(store_save(e->s, b, &err));
    OK(gcatalog_publish(e->cat, b, &err));
    for (int i = 0; i < 3; i++) {
        graph *g = gcatalog_get(e->cat, "bulk");
        write_mix(g, i);
        gcatalog_release(e->cat, g);
    }
    for (int i = 0; i < 400; i++) { /* log records well beyond half the snapshot's size */
        graph *g = gcatalog_get(e->cat, "bulk");
        gtxn *t = gtxn_begin(g, &err);
        OK(gtxn_node_set_prop(t, 50 + (uint64_t)(i % 20), gtxn_key(t, "counter", 7), qv_int(i), &err));
        OK(gtxn_commit(t, &err));
        gcatalog_release(e->cat, g);
    }
    graph *g = gcatalog_get(e->cat, "bulk");
    char *before = dump(g);
    gcatalog_release(e->cat, g);
    assert_non_null(strstr(before, "=KNOWS undirected=1 inverse=0")); /* what the restarts must keep */
    assert_non_null(strstr(before, "=LIKES undirected=0 inverse=1"));
    OK(store_checkpoint(e->s, &err));
    char path[300];
    snprintf(path, sizeof path, "%s/databases/bulk.qvg", e->data);
    uint8_t magic[12];
    int fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, magic, 12), 12);
    close(fd);
    assert_memory_equal(magic, "QVCKPT\0\0\2\0\0\0", 12); /* a full checkpoint, version 2 */
    stop(e, false);
    start(e);
    g = gcatalog_get(e->cat, "bulk");
    assert_non_null(g->map);
    char *after = dump(g);
    assert_string_equal(before, after);
    free(after);
    write_mix(g, 5);
    free(before);
    before = dump(g);
    gcatalog_release(e->cat, g);
    stop(e, true); /* a clean stop checkpoints */
    start(e);
    g = gcatalog_get(e->cat, "bulk");
    after = dump(g);
    assert_string_equal(before, after);
    gcatalog_release(e->cat, g);
    free(after);
    free(before);
    stop(e, false);
    env_check(e);
}

/* A mapped file with sections of >= 1 MiB: QV_STORE_VERIFY=lazy leaves them to the background check (start-up
 * does not read them), =full checks them at once and refuses a damaged one. */
static void test_lazy_and_full_verification(void **state) {
    env *e = *state;
    tg_opts o = {.name = "big", .id_type = GRAPH_ID_INTEGER, .nodes = 20000, .rels = 400000};
    graph *g = tg_build(&o, e->pool);
    char path[256];
    snprintf(path, sizeof path, "%s/big.qvg", e->dir);
    qv_err err;
    OK(store_snapshot_write_file(g, path, &err));
    setenv("QV_STORE_VERIFY", "lazy", 1);
    graph *h = NULL;
    OK(store_snapshot_read_file(path, e->pool, &h, &err));
    assert_non_null(h->map);
    assert_true(h->map->has_thread); /* the background check runs */
    tg_assert_same(g, h);
    graph_free(h); /* stops it */
    /* a flipped byte in the middle of out_tgt (1.6 MB): lazy start-up accepts it, full refuses it */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    uint64_t toc;
    uint32_t n;
    int fd = open(path, O_RDWR);
    assert_int_equal(pread(fd, &toc, 8, 24), 8);
    assert_int_equal(pread(fd, &n, 4, 32), 4);
    uint64_t at = 0, len = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id;
        assert_int_equal(pread(fd, &id, 4, (off_t)(toc + k * 32)), 4);
        if (id != 33) continue;
        assert_int_equal(pread(fd, &at, 8, (off_t)(toc + k * 32 + 8)), 8);
        assert_int_equal(pread(fd, &len, 8, (off_t)(toc + k * 32 + 16)), 8);
    }
    assert_true(len >= (1u << 20));
    uint8_t byte;
    assert_int_equal(pread(fd, &byte, 1, (off_t)(at + len / 2)), 1);
    byte ^= 0x04;
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)(at + len / 2)), 1);
    close(fd);
    OK(store_snapshot_read_file(path, e->pool, &h, &err));
    graph_free(h);
    setenv("QV_STORE_VERIFY", "full", 1);
    h = NULL;
    assert_int_equal(store_snapshot_read_file(path, e->pool, &h, &err), -1);
    assert_null(h);
    assert_non_null(strstr(err.msg, "checksum mismatch in section 'out_tgt'"));
    unsetenv("QV_STORE_VERIFY");
    graph_free(g);
}

/* A version-1 checkpoint (README.md: header, meta frame, change-block frames rebuilding the graph from
 * nothing, end frame), as quiver wrote them before version 2: still read, from memory and from a file. */
static void test_version_1_checkpoint_still_read(void **state) {
    env *e = *state;
    qv_err err;
    qv_buf b;
    qv_buf_init(&b);
    qv_buf_append(&b, "QVCKPT\0\0\1\0\0\0\0\0\0\0", 16);
    size_t f = wal_frame_begin(&b);
    qv_buf_append_byte(&b, 2); /* meta */
    wal_put_str(&b, "old", 3);
    qv_buf_append_byte(&b, 1);
    wal_put_str(&b, "old", 3);          /* database name */
    qv_buf_append_byte(&b, 1);          /* durable */
    qv_buf_append_byte(&b, 0);          /* INTEGER ids */
    qv_buf_append_byte(&b, 0);          /* no id property */
    wal_put_u64(&b, 777);               /* created_ms */
    wal_put_u64(&b, 777);               /* identity */
    wal_put_u64(&b, 5);                 /* base_seq */
    wal_put_varint(&b, 2);              /* node_hwm */
    wal_put_varint(&b, 1);              /* rel_hwm */
    OK(wal_frame_end(&b, f, &err));
    gchange ch[] = {
        {.kind = GCH_TOKEN, .aux = 0, .token = 0, .value = qv_str_ref("P", 1)},
        {.kind = GCH_TOKEN, .aux = 1, .token = 0, .value = qv_str_ref("R", 1)},
        {.kind = GCH_TOKEN, .aux = 2, .token = 0, .value = qv_str_ref("k", 1)},
        {.kind = GCH_NODE_CREATE, .id = 0, .value = qv_int(10)},
        {.kind = GCH_LABEL_ADD, .id = 0, .token = 0},
        {.kind = GCH_NODE_SET, .id = 0, .token = 0, .value = qv_int(42)},
        {.kind = GCH_NODE_CREATE, .id = 1, .value = qv_int(20)},
        {.kind = GCH_REL_CREATE, .id = 0, .src = 0, .dst = 1, .token = 0},
    };
    f = wal_frame_begin(&b);
    qv_buf_append_byte(&b, 3);
    OK(wal_put_changes(&b, ch, sizeof ch / sizeof *ch, &err));
    OK(wal_frame_end(&b, f, &err));
    f = wal_frame_begin(&b);
    qv_buf_append_byte(&b, 4);
    wal_put_varint(&b, 1);
    wal_put_varint(&b, sizeof ch / sizeof *ch);
    OK(wal_frame_end(&b, f, &err));
    graph *g = NULL;
    ckpt_info info = {0};
    OK(ckpt_read(b.data, b.len, &g, &info, &err));
    assert_int_equal(info.base_seq, 5);
    assert_int_equal(info.ident, 777);
    char *d = dump(g);
    assert_non_null(strstr(d, "n0 ext=10 :P k=42\n"));
    assert_non_null(strstr(d, "r0 0-[:R]->1\n"));
    graph_free(g);
    char path[256];
    snprintf(path, sizeof path, "%s/v1.qvg", e->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(write(fd, b.data, b.len), (ssize_t)b.len);
    close(fd);
    OK(ckpt_load_file(path, e->pool, &g, &info, &err));
    assert_null(g->map);
    char *d2 = dump(g);
    assert_string_equal(d, d2);
    char *name = NULL;
    OK(ckpt_read_meta_file(path, &name, &info, &err));
    assert_string_equal(name, "old");
    free(name);
    free(d2);
    free(d);
    graph_free(g);
    qv_buf_free(&b);
}

/* ---- the database bench/checkpoint.sh measures start-up from ---- */

static double file_mib(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size / (1 << 20) : 0;
}

/* The bench graph: n nodes (ids 2r+1, one label), rels input relationships in chunks of 4M (pseudo-random
 * endpoints; types KNOWS (undirected: stored both ways), LIKES (inverse-indexed), FOLLOWS). */
static graph *bench_graph(uint64_t n, uint64_t rels, qv_pool *pool) {
    const char *undirected[] = {"KNOWS"}, *inverse[] = {"LIKES"};
    gloader_config cfg = {.name = "bench", .database_name = "bench", .durable = true, .id_type = GRAPH_ID_INTEGER,
                          .undirected_types = undirected, .n_undirected = 1, .inverse_types = inverse, .n_inverse = 1};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t person = gloader_label(l, "Person", 6), set = gloader_labelset(l, &person, 1);
    for (uint64_t base = 0; base < n; base += 1000000) {
        gnode_chunk c = {.n = n - base < 1000000 ? n - base : 1000000};
        c.ids = malloc(c.n * 8);
        c.labelset = malloc(c.n * 4);
        for (uint64_t r = 0; r < c.n; r++) {
            c.ids[r] = (int64_t)(base + r) * 2 + 1;
            c.labelset[r] = set;
        }
        OK(gloader_add_nodes(l, &c, &err));
    }
    uint64_t count;
    OK(gloader_nodes_done(l, &count, &err));
    uint16_t types[3];
    OK(gloader_rel_type(l, "KNOWS", 5, &types[0], &err));
    OK(gloader_rel_type(l, "LIKES", 5, &types[1], &err));
    OK(gloader_rel_type(l, "FOLLOWS", 7, &types[2], &err));
    for (uint64_t base = 0; base < rels; base += 4000000) {
        grel_chunk c = {.n = rels - base < 4000000 ? rels - base : 4000000};
        c.src = malloc(c.n * 8);
        c.tgt = malloc(c.n * 8);
        c.type = malloc(c.n * 2);
        for (uint64_t r = 0; r < c.n; r++) {
            uint64_t x = (base + r + 1) * 0x9E3779B97F4A7C15ull;
            c.src[r] = (int64_t)((x >> 20) % n) * 2 + 1;
            c.tgt[r] = (int64_t)((x >> 40 ^ x) % n) * 2 + 1;
            c.type[r] = types[(base + r) % 3];
        }
        OK(gloader_add_rels(l, &c, &err));
    }
    graph *g = NULL;
    OK(gloader_rels_done(l, &count, &g, &err));
    gloader_free(l);
    return g;
}

static void test_bench_build(void **state) {
    env *e = *state;
    const char *dir = getenv("QV_CKPT_BENCH");
    if (!dir) {
        skip();
        return;
    }
    const char *r = getenv("QV_CKPT_BENCH_RELS");
    uint64_t rels = r ? strtoull(r, NULL, 10) : 48000000ull;
    snprintf(e->data, sizeof e->data, "%s", dir);
    start(e);
    qv_err err;
    uint64_t t0 = qv_now_ns();
    graph *g = bench_graph(rels / 12, rels, e->pool);
    double build = qv_seconds_since(t0);
    uint64_t stored = g->n_rels, nodes = g->n_nodes;
    OK(gcatalog_reserve(e->cat, "bench", true, &err));
    t0 = qv_now_ns();
    OK(store_save(e->s, g, &err));
    double save = qv_seconds_since(t0);
    OK(gcatalog_publish(e->cat, g, &err));
    char path[300];
    snprintf(path, sizeof path, "%s/databases/bench.qvg", dir);
    double snap_mib = file_mib(path);
    /* openCypher-style writes: 2,000 transactions of a new node, a relationship and a property on a base node */
    g = gcatalog_get(e->cat, "bench");
    for (int i = 0; i < 2000; i++) {
        gtxn *t = gtxn_begin(g, &err);
        uint64_t n, rel;
        uint32_t lab = gtxn_label(t, "Person", 6), ty = gtxn_type(t, "FOLLOWS", 7), k = gtxn_key(t, "seen", 4);
        gprop p = {k, qv_int(i)};
        OK(gtxn_node_create(t, &lab, 1, &p, 1, qv_int(-1 - i), &n, &err));
        OK(gtxn_rel_create(t, n, (uint64_t)i * 997 % nodes, ty, NULL, 0, &rel, &err));
        OK(gtxn_node_set_prop(t, (uint64_t)i * 7919 % nodes, k, qv_int(i), &err));
        OK(gtxn_commit(t, &err));
    }
    /* a store_save of a database written through the log writes a full checkpoint (image + changes), as a
     * round does once the log outgrows half the snapshot */
    t0 = qv_now_ns();
    OK(store_save(e->s, g, &err));
    double ckpt = qv_seconds_since(t0);
    gcatalog_release(e->cat, g);
    double ckpt_mib = file_mib(path);
    uint8_t magic[8] = {0};
    int fd = open(path, O_RDONLY);
    assert_int_equal(read(fd, magic, 8), 8);
    close(fd);
    assert_memory_equal(magic, "QVCKPT\0\0", 8);
    stop(e, false);
    printf("{\"figure\":\"checkpoint_build\",\"nodes\":%llu,\"relationships\":%llu,\"build_s\":%.2f,"
           "\"snapshot_mib\":%.1f,\"snapshot_s\":%.3f,\"snapshot_mib_s\":%.0f,"
           "\"checkpoint_mib\":%.1f,\"checkpoint_s\":%.3f,\"checkpoint_mib_s\":%.0f}\n",
           (unsigned long long)nodes, (unsigned long long)stored, build, snap_mib, save, snap_mib / save,
           ckpt_mib, ckpt, ckpt_mib / ckpt);
    fflush(stdout);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_checkpoint_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_keeps_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lazy_and_full_verification, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_1_checkpoint_still_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bench_build, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
