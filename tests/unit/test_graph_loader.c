/* test_graph_loader.c — the bulk loader: every array of small hand-built graphs (CSR both ways, type
 * grouping, undirected doubling, property permutation and presence, label sets), duplicate and dangling
 * ids, the phase machine, abort (also during a build), triplets, STRING ids, concurrent adds, and
 * determinism whatever order chunks arrive in; the background resolver (RELATIONSHIP_LOAD_DONE with a
 * queue left, dangling rows it finds, abort and free while it works, many adders at once); the three
 * ways int64 endpoints are resolved (dense map, runs of equal ids, the index) build the same graph. */
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

#include "graph/loader.h"
#include "util/hash.h"
#include "test_graph_util.h"

/* ---------- helpers: chunks are built from stack arrays copied to the heap ---------- */

#define COUNT(T, ...) (sizeof((T[]){__VA_ARGS__}) / sizeof(T))

typedef struct cfgopt {
    bool skip, triplets;
    graph_id_type idt;
    const char *const *und;
    int nund;
    const char *const *inv;
    int ninv;
} cfgopt;

static gloader *mk(cfgopt o) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j", .id_type = o.idt, .skip_dangling = o.skip,
                          .triplets = o.triplets, .undirected_types = o.und, .n_undirected = o.nund,
                          .inverse_types = o.inv, .n_inverse = o.ninv};
    return gloader_new(&cfg, pool);
}

static uint32_t labels(gloader *l, const char *a, const char *b) {
    uint32_t ids[2];
    int n = 0;
    if (a) ids[n++] = gloader_label(l, a, strlen(a));
    if (b) ids[n++] = gloader_label(l, b, strlen(b));
    return gloader_labelset(l, ids, n);
}

static uint16_t rtype(gloader *l, const char *name) {
    uint16_t t;
    qv_err err;
    assert_int_equal(gloader_rel_type(l, name, strlen(name), &t, &err), 0);
    return t;
}

static uint32_t pkey(gloader *l, bool rel, const char *name, gprop_type type) {
    uint32_t k;
    qv_err err;
    assert_int_equal(gloader_prop_key(l, rel, name, type, &k, &err), 0);
    return k;
}

static void add_nodes(gloader *l, const int64_t *ids, uint64_t n, uint32_t ls) {
    gnode_chunk c = {.n = n, .ids = dupmem(ids, n * 8), .common_labelset = ls};
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
    assert_null(c.ids);   /* the loader took the arrays */
}

static int add_rels_err(gloader *l, const int64_t *src, const int64_t *tgt, uint64_t n, uint16_t type, qv_err *err) {
    grel_chunk c = {.n = n, .src = dupmem(src, n * 8), .tgt = dupmem(tgt, n * 8), .common_type = type};
    return gloader_add_rels(l, &c, err);
}

static void add_rels(gloader *l, const int64_t *src, const int64_t *tgt, uint64_t n, uint16_t type) {
    qv_err err;
    assert_int_equal(add_rels_err(l, src, tgt, n, type, &err), 0);
}

/* Builds STRING-id arrays from C strings. */
static void strs(const char *const *s, uint64_t n, uint64_t **off, char **str) {
    size_t total = 0;
    for (uint64_t i = 0; i < n; i++) total += strlen(s[i]);
    *off = malloc((n + 1) * sizeof **off);
    *str = malloc(total + 1);
    size_t at = 0;
    for (uint64_t i = 0; i < n; i++) {
        (*off)[i] = at;
        memcpy(*str + at, s[i], strlen(s[i]));
        at += strlen(s[i]);
    }
    (*off)[n] = at;
}

static void expect_u32(const uint32_t *got, const uint32_t *want, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) fail_msg("element %zu: got %u, want %u", i, got[i], want[i]);
    }
}

static void expect_u64(const uint64_t *got, const uint64_t *want, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) fail_msg("element %zu: got %llu, want %llu", i, (unsigned long long)got[i],
                                        (unsigned long long)want[i]);
    }
}

#define EXPECT_U32(got, ...) expect_u32((got), (uint32_t[]){__VA_ARGS__}, COUNT(uint32_t, __VA_ARGS__))
#define EXPECT_U64(got, ...) expect_u64((got), (uint64_t[]){__VA_ARGS__}, COUNT(uint64_t, __VA_ARGS__))

static void expect_has(const char *msg, const char *part) {
    if (!strstr(msg, part)) fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

/* ---------- a small directed graph, every array checked ---------- */

static void test_directed_arrays(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    uint32_t person = labels(l, "Person", NULL);
    uint32_t both = 0;
    {   /* the same set whatever order and repetition */
        uint32_t a = gloader_label(l, "Admin", 5), p = gloader_label(l, "Person", 6);
        uint32_t v1[] = {a, p, a}, v2[] = {p, a};
        both = gloader_labelset(l, v1, 3);
        assert_int_equal(gloader_labelset(l, v2, 2), both);
    }
    uint32_t age = pkey(l, false, "age", GPROP_INT64), name = pkey(l, false, "name", GPROP_STRING);
    uint32_t weight = pkey(l, true, "weight", GPROP_DOUBLE);

    /* nodes 30, 40 first: the build orders chunks by first id, so internal ids still follow 10,20,30,40 */
    {
        uint64_t *off;
        char *str;
        strs((const char *[]){"carol", ""}, 2, &off, &str);
        uint64_t *present = HEAP(uint64_t, 1);   /* row 1 (node 40) has no name */
        gchunk_col *cols = HEAP(gchunk_col, {.key = name, .type = GPROP_STRING, .present = present, .values = str,
                                             .offsets = off});
        gnode_chunk c = {.n = 2, .ids = HEAP(int64_t, 30, 40), .common_labelset = both, .ncols = 1, .cols = cols};
        qv_err err;
        assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
    }
    {
        uint64_t *off;
        char *str;
        strs((const char *[]){"al", "bob"}, 2, &off, &str);
        gchunk_col *cols = HEAP(gchunk_col, {.key = age, .type = GPROP_INT64, .values = HEAP(int64_t, 33, 44)},
                                {.key = name, .type = GPROP_STRING, .values = str, .offsets = off});
        gnode_chunk c = {.n = 2, .ids = HEAP(int64_t, 10, 20), .common_labelset = person, .ncols = 2, .cols = cols};
        qv_err err;
        assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
    }
    assert_true(gloader_memory_bytes(l) > 0);
    assert_int_equal(gloader_rows_received(l, false), 4);
    uint64_t nn = 0;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &nn, &err), 0);
    assert_int_equal(nn, 4);
    assert_int_equal(gloader_phase(l), GLOAD_RELS);

    uint16_t knows = rtype(l, "KNOWS"), likes = rtype(l, "LIKES");
    grel_chunk rc = {.n = 6,
                     .src = HEAP(int64_t, 10, 10, 10, 20, 40, 10),
                     .tgt = HEAP(int64_t, 20, 30, 20, 30, 10, 20),
                     .type = HEAP(uint16_t, knows, likes, likes, knows, knows, knows),
                     .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = weight, .type = GPROP_DOUBLE,
                                               .values = HEAP(double, 1, 2, 3, 4, 5, 6)})};
    assert_int_equal(gloader_add_rels(l, &rc, &err), 0);
    assert_int_equal(gloader_rows_received(l, true), 6);
    uint64_t nr = 0;
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &nr, &g, &err), 0);
    assert_non_null(g);
    assert_int_equal(nr, 6);
    assert_int_equal(gloader_phase(l), GLOAD_DONE);
    gloader_free(l);   /* the graph is ours now */

    assert_int_equal(g->n_nodes, 4);
    assert_int_equal(g->n_rels, 6);
    assert_int_equal(g->ext_ids[0], 10);
    assert_int_equal(g->ext_ids[3], 40);
    assert_int_equal(graph_node_by_id(g, 30), 2);
    assert_int_equal(graph_node_by_id(g, 99), -1);
    /* node 10: KNOWS->20 (w1), KNOWS->20 (w6, after w1: input order), LIKES->20 (w3), LIKES->30 (w2) */
    EXPECT_U64(g->out_off, 0, 4, 5, 5, 6);
    EXPECT_U32(g->out_tgt, 1, 1, 1, 2, 2, 0);
    assert_int_equal(g->rel_type[0], knows);
    assert_int_equal(g->rel_type[1], knows);
    assert_int_equal(g->rel_type[2], likes);
    assert_int_equal(g->rel_type[3], likes);
    assert_int_equal(g->rel_type[4], knows);
    assert_int_equal(g->rel_type[5], knows);
    const gcolumn *w = graph_rel_col(g, "weight");
    assert_non_null(w);
    assert_null(w->present);
    const double *wv = w->values;
    double want_w[] = {1, 6, 3, 2, 4, 5};
    for (int i = 0; i < 6; i++) assert_true(wv[i] == want_w[i]);
    /* incoming: per target, relationship ids ascending */
    EXPECT_U64(g->in_off, 0, 1, 4, 6, 6);
    EXPECT_U32(g->in_rel, 5, 0, 1, 2, 3, 4);
    EXPECT_U32(g->in_src, 3, 0, 0, 0, 0, 1);
    assert_int_equal(g->type_count[knows], 4);
    assert_int_equal(g->type_count[likes], 2);
    assert_false(g->type_undirected[knows]);
    assert_int_equal(graph_rel_source(g, 0), 0);
    assert_int_equal(graph_rel_source(g, 3), 0);
    assert_int_equal(graph_rel_source(g, 4), 1);
    assert_int_equal(graph_rel_source(g, 5), 3);
    assert_string_equal(qv_strtab_name(&g->rel_types, knows), "KNOWS");

    /* labels: sorted label ids; node 30 carries both */
    uint32_t nl;
    const uint32_t *lab = graph_node_labels(g, 0, &nl);
    assert_int_equal(nl, 1);
    assert_string_equal(qv_strtab_name(&g->labels, lab[0]), "Person");
    lab = graph_node_labels(g, 2, &nl);
    assert_int_equal(nl, 2);
    assert_true(lab[0] < lab[1]);

    /* node properties: age only from the first chunk; name everywhere except node 40 */
    const gcolumn *a = graph_node_col(g, "age");
    assert_non_null(a);
    assert_int_equal(a->type, GPROP_INT64);
    assert_true(gcolumn_has(a, 0) && gcolumn_has(a, 1));
    assert_false(gcolumn_has(a, 2) || gcolumn_has(a, 3));
    assert_int_equal(((int64_t *)a->values)[1], 44);
    const gcolumn *nm = graph_node_col(g, "name");
    assert_non_null(nm);
    assert_true(gcolumn_has(nm, 0) && gcolumn_has(nm, 1) && gcolumn_has(nm, 2));
    assert_false(gcolumn_has(nm, 3));
    EXPECT_U64(nm->offsets, 0, 2, 5, 10, 10);
    assert_memory_equal(nm->values, "albobcarol", 10);
    assert_null(graph_node_col(g, "missing"));

    assert_int_equal(graph_topology_bytes(g), 5 * 8 * 2 + 6 * 14);
    assert_true(graph_memory_bytes(g) > graph_topology_bytes(g));
    graph_free(g);
}

/* ---------- undirected and inverse-indexed types ---------- */

static void test_undirected(void **state) {
    (void)state;
    const char *und[] = {"FRIEND"}, *inv[] = {"KNOWS"};
    gloader *l = mk((cfgopt){.und = und, .nund = 1, .inv = inv, .ninv = 1});
    uint32_t wk = pkey(l, true, "w", GPROP_DOUBLE);
    add_nodes(l, (int64_t[]){1, 2, 3}, 3, 0);
    uint64_t n;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t friend = rtype(l, "FRIEND"), knows = rtype(l, "KNOWS");
    grel_chunk c = {.n = 3,
                    .src = HEAP(int64_t, 1, 1, 3),
                    .tgt = HEAP(int64_t, 2, 3, 3),
                    .type = HEAP(uint16_t, friend, knows, friend),
                    .ncols = 1,
                    .cols = HEAP(gchunk_col, {.key = wk, .type = GPROP_DOUBLE, .values = HEAP(double, .5, 1.5, 2.5)})};
    assert_int_equal(gloader_add_rels(l, &c, &err), 0);
    graph *g;
    uint64_t m;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    /* 1-2 twice (both directions), 3-3 twice (a self loop too), 1->3 once */
    assert_int_equal(m, 5);
    EXPECT_U64(g->out_off, 0, 2, 3, 5);
    EXPECT_U32(g->out_tgt, 1, 2, 0, 2, 2);
    const double *w = graph_rel_col(g, "w")->values;
    double want[] = {.5, 1.5, .5, 2.5, 2.5};
    for (int i = 0; i < 5; i++) assert_true(w[i] == want[i]);
    assert_int_equal(g->rel_type[1], knows);
    EXPECT_U64(g->in_off, 0, 1, 2, 5);
    EXPECT_U32(g->in_rel, 2, 0, 1, 3, 4);
    EXPECT_U32(g->in_src, 1, 0, 0, 2, 2);
    assert_true(g->type_undirected[friend]);
    assert_false(g->type_undirected[knows]);
    assert_false(g->type_inverse[friend]);
    assert_true(g->type_inverse[knows]);
    assert_int_equal(g->type_count[friend], 4);
    assert_int_equal(g->type_count[knows], 1);
    graph_free(g);
    gloader_free(l);

    /* "*" makes every type undirected */
    const char *star[] = {"*"};
    l = mk((cfgopt){.und = star, .nund = 1});
    add_nodes(l, (int64_t[]){1, 2}, 2, 0);
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    add_rels(l, (int64_t[]){1}, (int64_t[]){2}, 1, rtype(l, "ANY"));
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 2);
    assert_true(g->type_undirected[0]);
    EXPECT_U32(g->out_tgt, 1, 0);
    graph_free(g);
    gloader_free(l);
}

/* ---------- relationship properties: presence follows the permutation ---------- */

static void test_rel_property_presence(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    uint32_t w = pkey(l, true, "w", GPROP_DOUBLE), x = pkey(l, true, "x", GPROP_DOUBLE);
    add_nodes(l, (int64_t[]){1, 2, 3}, 3, 0);
    uint64_t n, m;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t r = rtype(l, "R");
    /* chunk A (sorts first: source 1): w with a null in row 1, no x; chunk B: x only */
    grel_chunk a = {.n = 3, .src = HEAP(int64_t, 1, 3, 1), .tgt = HEAP(int64_t, 3, 1, 2), .common_type = r,
                    .ncols = 1,
                    .cols = HEAP(gchunk_col, {.key = w, .type = GPROP_DOUBLE, .present = HEAP(uint64_t, 5),
                                              .values = HEAP(double, 10, 11, 12)})};
    grel_chunk b = {.n = 1, .src = HEAP(int64_t, 2), .tgt = HEAP(int64_t, 1), .common_type = r, .ncols = 1,
                    .cols = HEAP(gchunk_col, {.key = x, .type = GPROP_DOUBLE, .values = HEAP(double, 7)})};
    assert_int_equal(gloader_add_rels(l, &b, &err), 0);
    assert_int_equal(gloader_add_rels(l, &a, &err), 0);
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    /* relationships by source then target: 1->2 (A row 2), 1->3 (A row 0), 2->1 (B), 3->1 (A row 1) */
    EXPECT_U32(g->out_tgt, 1, 2, 0, 0);
    const gcolumn *cw = graph_rel_col(g, "w"), *cx = graph_rel_col(g, "x");
    assert_non_null(cw->present);
    assert_true(gcolumn_has(cw, 0) && gcolumn_has(cw, 1));
    assert_false(gcolumn_has(cw, 2) || gcolumn_has(cw, 3));   /* B had no w; A's row 1 was null */
    assert_true(((double *)cw->values)[0] == 12 && ((double *)cw->values)[1] == 10);
    assert_true(gcolumn_has(cx, 2));
    assert_false(gcolumn_has(cx, 0) || gcolumn_has(cx, 1) || gcolumn_has(cx, 3));
    assert_true(((double *)cx->values)[2] == 7);
    graph_free(g);
    gloader_free(l);
}

/* ---------- a hub with many parallel relationships: ties keep input order, whatever the arrival ---------- */

static graph *load_hub(const int *order) {
    gloader *l = mk((cfgopt){0});
    uint32_t wk = pkey(l, true, "w", GPROP_DOUBLE);
    int64_t ids[8];
    for (int i = 0; i < 8; i++) ids[i] = 100 + i;
    add_nodes(l, ids, 8, 0);
    uint64_t n, m;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t t0 = rtype(l, "A"), t1 = rtype(l, "B");
    for (int oi = 0; oi < 5; oi++) {
        int c = order[oi];
        uint64_t rows = 60;
        grel_chunk ch = {.n = rows, .src = malloc(rows * 8), .tgt = malloc(rows * 8), .type = malloc(rows * 2),
                         .ncols = 1, .cols = HEAP(gchunk_col, {.key = wk, .type = GPROP_DOUBLE, .values = malloc(rows * 8)})};
        for (uint64_t i = 0; i < rows; i++) {
            ch.src[i] = 100;                                   /* all from the hub */
            ch.tgt[i] = i == 0 ? 101 + c : 101 + (int64_t)((i * 7 + (uint64_t)c) % 3);   /* chunk c sorts c-th */
            ch.type[i] = (i + (uint64_t)c) % 4 == 0 ? t1 : t0;
            ((double *)ch.cols[0].values)[i] = c * 1000 + (double)i;
        }
        assert_int_equal(gloader_add_rels(l, &ch, &err), 0);
    }
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);
    return g;
}

static void test_hub_ties(void **state) {
    (void)state;
    graph *a = load_hub((int[]){0, 1, 2, 3, 4}), *b = load_hub((int[]){3, 0, 4, 2, 1});
    assert_int_equal(a->out_off[1], 300);   /* one segment of 300, sorted with the merge sort */
    assert_memory_equal(a->out_tgt, b->out_tgt, 300 * 4);
    assert_memory_equal(a->rel_type, b->rel_type, 300 * 2);
    const double *wa = graph_rel_col(a, "w")->values, *wb = graph_rel_col(b, "w")->values;
    assert_memory_equal(wa, wb, 300 * 8);
    for (int r = 1; r < 300; r++) {
        uint64_t ka = (uint64_t)a->rel_type[r - 1] << 32 | a->out_tgt[r - 1], kb = (uint64_t)a->rel_type[r] << 32 | a->out_tgt[r];
        assert_true(ka <= kb);
        if (ka == kb) assert_true(wa[r - 1] < wa[r]);   /* ties in input order: chunk order, then row */
    }
    graph_free(a);
    graph_free(b);
}

/* ---------- duplicate and dangling ids ---------- */

static void test_duplicate_nodes(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    add_nodes(l, (int64_t[]){1, 2, 3}, 3, 0);
    add_nodes(l, (int64_t[]){4, 2}, 2, 0);
    uint64_t n;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    expect_has(err.msg, "node id 2 appears more than once");
    assert_int_equal(gloader_phase(l), GLOAD_FAILED);
    assert_int_equal(gloader_memory_bytes(l), 0);
    /* the failure is remembered, with its reason */
    assert_int_equal(gloader_nodes_done(l, &n, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "'failed'");
    expect_has(err.msg, "node id 2 appears");
    gnode_chunk c = {.n = 1, .ids = HEAP(int64_t, 9)};
    assert_int_equal(gloader_add_nodes(l, &c, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    gloader_free(l);
}

static void test_negative_and_too_many(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    gnode_chunk c = {.n = 3, .ids = HEAP(int64_t, 1, -5, 2)};
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &c, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    expect_has(err.msg, "node id -5");
    /* the rows are not counted and the import goes on */
    assert_int_equal(gloader_rows_received(l, false), 0);
    gnode_chunk big = {.n = 5000000000ull, .ids = HEAP(int64_t, 1)};   /* rejected before any row is read */
    assert_int_equal(gloader_add_nodes(l, &big, &err), -1);
    assert_int_equal(err.code, QV_ETOOBIG);
    expect_has(err.msg, "at most 4294967294");
    add_nodes(l, (int64_t[]){7}, 1, 0);
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(n, 1);
    gloader_free(l);
}

static gloader *dangling_setup(bool skip) {
    gloader *l = mk((cfgopt){.skip = skip});
    add_nodes(l, (int64_t[]){1, 2, 3}, 3, 0);
    uint64_t n;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t t = rtype(l, "R");
    add_rels(l, (int64_t[]){2, 97}, (int64_t[]){3, 96}, 2, t);
    add_rels(l, (int64_t[]){1, 1, 98}, (int64_t[]){2, 99, 3}, 3, t);
    return l;
}

static void test_dangling(void **state) {
    (void)state;
    gloader *l = dangling_setup(false);
    uint64_t m;
    graph *g;
    qv_err err;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
    assert_null(g);
    assert_int_equal(err.code, QV_EINVAL);
    /* the example comes from the chunk that sorts first (source node 1), whatever the arrival order */
    expect_has(err.msg, "relationship 1 -> 99: target node id 99 was not loaded");
    expect_has(err.msg, "3 relationships reference missing nodes (set skip_dangling_relationships to skip them)");
    assert_int_equal(gloader_phase(l), GLOAD_FAILED);
    gloader_free(l);

    l = dangling_setup(true);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 2);
    assert_int_equal(gloader_dangling(l), 3);
    EXPECT_U64(g->out_off, 0, 1, 2, 2);
    EXPECT_U32(g->out_tgt, 1, 2);
    graph_free(g);
    gloader_free(l);

    /* a missing source is named as such */
    l = mk((cfgopt){0});
    add_nodes(l, (int64_t[]){1}, 1, 0);
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    add_rels(l, (int64_t[]){5}, (int64_t[]){1}, 1, rtype(l, "R"));
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
    expect_has(err.msg, "relationship 5 -> 1: source node id 5 was not loaded; 1 relationship references");
    gloader_free(l);
}

/* ---------- phases ---------- */

static void test_phases(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    assert_int_equal(gloader_phase(l), GLOAD_NODES);
    assert_string_equal(gload_phase_name(GLOAD_RELS), "relationships");
    qv_err err;
    uint16_t t = rtype(l, "R");
    assert_int_equal(add_rels_err(l, (int64_t[]){1}, (int64_t[]){1}, 1, t, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "phase 'nodes'");
    uint64_t m, n, n2;
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "NODE_LOAD_DONE");
    assert_int_equal(gloader_triplets_done(l, &n, &m, &g, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);

    add_nodes(l, (int64_t[]){1, 2}, 2, 0);
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(gloader_nodes_done(l, &n2, &err), 0);   /* idempotent */
    assert_int_equal(n2, n);
    assert_int_equal(gloader_memory_bytes(l), 0);
    gnode_chunk c = {.n = 1, .ids = HEAP(int64_t, 3)};
    assert_int_equal(gloader_add_nodes(l, &c, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "phase 'relationships'");

    add_rels(l, (int64_t[]){1}, (int64_t[]){2}, 1, t);
    assert_true(gloader_memory_bytes(l) > 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_non_null(g);
    graph *again = (graph *)1;
    uint64_t m2 = 0;
    assert_int_equal(gloader_rels_done(l, &m2, &again, &err), 0);   /* idempotent, no second graph */
    assert_int_equal(m2, m);
    assert_null(again);
    assert_int_equal(gloader_nodes_done(l, &n2, &err), 0);
    assert_int_equal(n2, 2);
    assert_int_equal(add_rels_err(l, (int64_t[]){1}, (int64_t[]){2}, 1, t, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "phase 'done'");
    graph_free(g);
    gloader_free(l);
}

static void test_empty_graph(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    uint64_t n, m;
    graph *g;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 0);
    assert_int_equal(g->n_nodes, 0);
    assert_int_equal(g->out_off[0], 0);
    assert_int_equal(g->in_off[0], 0);
    assert_int_equal(graph_node_by_id(g, 1), -1);
    graph_free(g);
    gloader_free(l);
}

/* ---------- interning limits and property types ---------- */

static void test_names(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    qv_err err;
    uint32_t k;
    assert_int_equal(gloader_prop_key(l, false, "age", GPROP_INT64, &k, &err), 0);
    assert_int_equal(gloader_prop_key(l, false, "age", GPROP_DOUBLE, &k, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    expect_has(err.msg, "int64");
    expect_has(err.msg, "double");
    assert_int_equal(gloader_prop_key(l, true, "age", GPROP_DOUBLE, &k, &err), 0);   /* per entity kind */
    assert_int_equal(gloader_prop_key(l, true, "count", GPROP_INT64, &k, &err), -1);
    expect_has(err.msg, "must be double");

    char name[16];
    uint16_t t;
    for (int i = 0; i < 65535; i++) {
        int len = snprintf(name, sizeof name, "T%d", i);
        assert_int_equal(gloader_rel_type(l, name, (size_t)len, &t, &err), 0);
        assert_int_equal(t, i);
    }
    assert_int_equal(gloader_rel_type(l, "T7", 2, &t, &err), 0);   /* known names still resolve */
    assert_int_equal(t, 7);
    assert_int_equal(gloader_rel_type(l, "ONE_TOO_MANY", 12, &t, &err), -1);
    assert_int_equal(err.code, QV_ETOOBIG);
    expect_has(err.msg, "at most 65535");
    gloader_free(l);
}

/* ---------- abort ---------- */

static void test_abort_staged(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    add_nodes(l, (int64_t[]){1, 2, 3}, 3, 0);
    gloader_abort(l);
    assert_int_equal(gloader_phase(l), GLOAD_ABORTED);
    assert_int_equal(gloader_memory_bytes(l), 0);
    qv_err err;
    gnode_chunk c = {.n = 1, .ids = HEAP(int64_t, 9)};
    assert_int_equal(gloader_add_nodes(l, &c, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    expect_has(err.msg, "aborted");
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), -1);
    expect_has(err.msg, "aborted");
    gloader_free(l);

    /* relationships staged: freed too */
    l = mk((cfgopt){0});
    add_nodes(l, (int64_t[]){1, 2}, 2, 0);
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    add_rels(l, (int64_t[]){1}, (int64_t[]){2}, 1, rtype(l, "R"));
    gloader_abort(l);
    assert_int_equal(gloader_memory_bytes(l), 0);
    uint64_t m;
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    gloader_free(l);
}

typedef struct donejob {
    gloader *l;
    bool rels;
    int rc;
    qv_err err;
    graph *g;
} donejob;

static void *run_done(void *arg) {
    donejob *J = arg;
    uint64_t c;
    J->rc = J->rels ? gloader_rels_done(J->l, &c, &J->g, &J->err) : gloader_nodes_done(J->l, &c, &J->err);
    return NULL;
}

static void abort_during(bool rels) {
    gloader *l = mk((cfgopt){0});
    uint64_t per = 200000, chunks = 10, n = per * chunks;
    for (uint64_t c = 0; c < chunks; c++) {
        int64_t *ids = malloc(per * 8);
        for (uint64_t i = 0; i < per; i++) ids[i] = (int64_t)(qv_hash_u64(c * per + i) >> 1);
        gnode_chunk ch = {.n = per, .ids = ids};
        qv_err err;
        assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    }
    if (rels) {
        uint64_t cnt;
        qv_err err;
        assert_int_equal(gloader_nodes_done(l, &cnt, &err), 0);
        uint16_t t = rtype(l, "R");
        for (uint64_t c = 0; c < chunks; c++) {
            int64_t *s = malloc(per * 8), *d = malloc(per * 8);
            for (uint64_t i = 0; i < per; i++) {
                s[i] = (int64_t)(qv_hash_u64((c * per + i) % n) >> 1);
                d[i] = (int64_t)(qv_hash_u64((c * per + i * 7) % n) >> 1);
            }
            grel_chunk ch = {.n = per, .src = s, .tgt = d, .common_type = t};
            assert_int_equal(gloader_add_rels(l, &ch, &err), 0);
        }
    }
    donejob J = {.l = l, .rels = rels};
    pthread_t th;
    pthread_create(&th, NULL, run_done, &J);
    gload_phase start = rels ? GLOAD_RELS : GLOAD_NODES;
    while (gloader_phase(l) == start) usleep(50);
    gloader_abort(l);   /* returns at once; the build notices and throws its work away */
    assert_int_equal(gloader_phase(l), GLOAD_ABORTED);
    pthread_join(th, NULL);
    if (J.rc == -1) assert_int_equal(J.err.code, QV_ECANCELLED);
    else fprintf(stderr, "note: the build finished before the abort reached it\n");
    graph_free(J.g);
    assert_int_equal(gloader_phase(l), GLOAD_ABORTED);
    assert_int_equal(gloader_memory_bytes(l), 0);
    qv_err err;
    uint64_t x;
    graph *g;
    assert_int_equal(gloader_rels_done(l, &x, &g, &err), -1);
    assert_int_equal(err.code, QV_EPHASE);
    gloader_free(l);
}

static void test_abort_during_node_build(void **state) {
    (void)state;
    abort_during(false);
}

static void test_abort_during_rel_build(void **state) {
    (void)state;
    abort_during(true);
}

/* A retried NODE_LOAD_DONE / RELATIONSHIP_LOAD_DONE while the build runs joins it: same counts, one graph. */
static void test_concurrent_done(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){0});
    uint64_t per = 100000;
    for (uint64_t c = 0; c < 8; c++) {
        int64_t *ids = malloc(per * 8);
        for (uint64_t i = 0; i < per; i++) ids[i] = (int64_t)(c * per + i);
        gnode_chunk ch = {.n = per, .ids = ids};
        qv_err err;
        assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    }
    donejob a = {.l = l}, b = {.l = l};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_done, &a);
    pthread_create(&tb, NULL, run_done, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    uint16_t t = rtype(l, "R");
    add_rels(l, (int64_t[]){1, 2, 3}, (int64_t[]){2, 3, 1}, 3, t);
    a = (donejob){.l = l, .rels = true};
    b = (donejob){.l = l, .rels = true};
    pthread_create(&ta, NULL, run_done, &a);
    pthread_create(&tb, NULL, run_done, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_true((a.g == NULL) != (b.g == NULL));   /* exactly one caller receives the graph */
    graph *g = a.g ? a.g : b.g;
    assert_int_equal(g->n_nodes, 8 * per);
    assert_int_equal(g->n_rels, 3);
    graph_free(g);
    gloader_free(l);
}

/* ---------- triplets ---------- */

static void test_triplets(void **state) {
    (void)state;
    for (int order = 0; order < 2; order++) {
        gloader *l = mk((cfgopt){.triplets = true});
        assert_int_equal(gloader_phase(l), GLOAD_TRIPLETS);
        uint32_t person = labels(l, "Person", NULL), city = labels(l, "City", NULL), admin = labels(l, "Admin", NULL);
        uint16_t r = rtype(l, "R");
        qv_err err;
        gnode_chunk nc = {.n = 1, .ids = HEAP(int64_t, 1)};
        assert_int_equal(gloader_add_nodes(l, &nc, &err), -1);
        assert_int_equal(err.code, QV_EPHASE);
        grel_chunk a = {.n = 3,
                        .src = HEAP(int64_t, 5, 9, 7),
                        .tgt = HEAP(int64_t, 7, 5, 7),
                        .common_type = r,
                        .src_labelset = HEAP(uint32_t, person, person, 0),
                        .tgt_labelset = HEAP(uint32_t, city, admin, 0)};
        grel_chunk b = {.n = 1, .src = HEAP(int64_t, 11), .tgt = HEAP(int64_t, 5), .common_type = r};
        if (order == 0) {
            assert_int_equal(gloader_add_rels(l, &a, &err), 0);
            assert_int_equal(gloader_add_rels(l, &b, &err), 0);
        } else {   /* arrival order does not change the node numbering */
            assert_int_equal(gloader_add_rels(l, &b, &err), 0);
            assert_int_equal(gloader_add_rels(l, &a, &err), 0);
        }
        uint64_t n, m;
        assert_int_equal(gloader_nodes_done(l, &n, &err), -1);
        assert_int_equal(err.code, QV_EPHASE);
        graph *g;
        assert_int_equal(gloader_triplets_done(l, &n, &m, &g, &err), 0);
        assert_int_equal(n, 4);
        assert_int_equal(m, 4);
        /* first appearance: 5, 7, 9, 11 */
        assert_int_equal(g->ext_ids[0], 5);
        assert_int_equal(g->ext_ids[1], 7);
        assert_int_equal(g->ext_ids[2], 9);
        assert_int_equal(g->ext_ids[3], 11);
        assert_int_equal(graph_node_by_id(g, 11), 3);
        EXPECT_U64(g->out_off, 0, 1, 2, 3, 4);
        EXPECT_U32(g->out_tgt, 1, 1, 0, 0);
        EXPECT_U64(g->in_off, 0, 2, 4, 4, 4);
        EXPECT_U32(g->in_rel, 2, 3, 0, 1);
        /* label sets: the union of every set a node appeared with */
        uint32_t nl;
        const uint32_t *lab = graph_node_labels(g, 0, &nl);
        assert_int_equal(nl, 2);   /* Person + Admin */
        assert_string_equal(qv_strtab_name(&g->labels, lab[0]), "Person");
        assert_string_equal(qv_strtab_name(&g->labels, lab[1]), "Admin");
        lab = graph_node_labels(g, 1, &nl);
        assert_int_equal(nl, 1);
        assert_string_equal(qv_strtab_name(&g->labels, lab[0]), "City");
        graph_node_labels(g, 3, &nl);
        assert_int_equal(nl, 0);
        uint64_t n2, m2;
        graph *g2;
        assert_int_equal(gloader_triplets_done(l, &n2, &m2, &g2, &err), 0);   /* idempotent */
        assert_int_equal(n2, 4);
        assert_int_equal(m2, 4);
        assert_null(g2);
        graph_free(g);
        gloader_free(l);
    }
}

/* ---------- STRING ids ---------- */

static void add_str_nodes(gloader *l, const char *const *ids, uint64_t n) {
    gnode_chunk c = {.n = n};
    strs(ids, n, &c.str_off, &c.str);
    qv_err err;
    assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
}

static grel_chunk str_rels(const char *const *s, const char *const *t, uint64_t n, uint16_t type) {
    grel_chunk c = {.n = n, .common_type = type};
    strs(s, n, &c.src_off, &c.src_str);
    strs(t, n, &c.tgt_off, &c.tgt_str);
    return c;
}

static void test_string_ids(void **state) {
    (void)state;
    gloader *l = mk((cfgopt){.idt = GRAPH_ID_STRING});
    add_str_nodes(l, (const char *[]){"m", "n"}, 2);
    add_str_nodes(l, (const char *[]){"alpha", "beta-is-a-longer-id"}, 2);
    uint64_t n, m;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    assert_int_equal(n, 4);
    uint16_t r = rtype(l, "R");
    grel_chunk c = str_rels((const char *[]){"alpha", "m", "beta-is-a-longer-id"},
                            (const char *[]){"beta-is-a-longer-id", "alpha", "n"}, 3, r);
    assert_int_equal(gloader_add_rels(l, &c, &err), 0);
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 3);
    assert_string_equal(g->id_property, "__originalId__");
    /* chunks ordered by first id: "alpha" < "m" */
    assert_int_equal(graph_node_by_str(g, "alpha", 5), 0);
    assert_int_equal(graph_node_by_str(g, "beta-is-a-longer-id", 19), 1);
    assert_int_equal(graph_node_by_str(g, "m", 1), 2);
    assert_int_equal(graph_node_by_str(g, "zz", 2), -1);
    assert_int_equal(graph_node_by_id(g, 0), -1);
    EXPECT_U64(g->ext_str_off, 0, 5, 24, 25, 26);
    EXPECT_U64(g->out_off, 0, 1, 2, 3, 3);
    EXPECT_U32(g->out_tgt, 1, 3, 0);
    graph_free(g);
    gloader_free(l);

    /* duplicates and dangling name the string ids */
    l = mk((cfgopt){.idt = GRAPH_ID_STRING});
    add_str_nodes(l, (const char *[]){"a", "b"}, 2);
    add_str_nodes(l, (const char *[]){"c", "b"}, 2);
    assert_int_equal(gloader_nodes_done(l, &n, &err), -1);
    expect_has(err.msg, "node id \"b\" appears more than once");
    gloader_free(l);

    l = mk((cfgopt){.idt = GRAPH_ID_STRING});
    add_str_nodes(l, (const char *[]){"a", "b"}, 2);
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    c = str_rels((const char *[]){"a", "a"}, (const char *[]){"b", "zz"}, 2, rtype(l, "R"));
    assert_int_equal(gloader_add_rels(l, &c, &err), 0);
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
    expect_has(err.msg, "relationship \"a\" -> \"zz\": target node id \"zz\" was not loaded");
    gloader_free(l);

    /* triplets with string ids */
    l = mk((cfgopt){.idt = GRAPH_ID_STRING, .triplets = true});
    c = str_rels((const char *[]){"x", "y"}, (const char *[]){"y", "x"}, 2, rtype(l, "R"));
    assert_int_equal(gloader_add_rels(l, &c, &err), 0);
    assert_int_equal(gloader_triplets_done(l, &n, &m, &g, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(m, 2);
    assert_int_equal(graph_node_by_str(g, "y", 1), 1);
    EXPECT_U32(g->out_tgt, 1, 0);
    graph_free(g);
    gloader_free(l);
}

/* ---------- larger random graphs: invariants, concurrency, determinism ---------- */

#define RN 6000          /* nodes */
#define RNC 12           /* node chunks */
#define RM 90000         /* relationship rows */
#define RMC 18           /* relationship chunks */

typedef struct rgraph {
    int64_t ids[RN];
    int64_t src[RM], tgt[RM];
    uint16_t type[RM];
    double w[RM];
} rgraph;

static rgraph *make_random(void) {
    rgraph *R = malloc(sizeof *R);
    for (uint64_t i = 0; i < RN; i++) R->ids[i] = (int64_t)(qv_hash_u64(i + 77) >> 2);
    uint64_t x = 12345;
    for (uint64_t i = 0; i < RM; i++) {
        x = qv_hash_u64(x + i);
        uint64_t s = x % RN, t = (x >> 20) % RN;
        if (i % 10 == 3 && i > 0) {   /* parallel relationships: same ends and type, another weight */
            R->src[i] = R->src[i - 3];
            R->tgt[i] = R->tgt[i - 3];
            R->type[i] = R->type[i - 3];
        } else {
            R->src[i] = R->ids[s];
            R->tgt[i] = R->ids[t];
            R->type[i] = (uint16_t)((x >> 40) % 3);
        }
        R->w[i] = (double)i;
    }
    return R;
}

typedef struct addjob {
    gloader *l;
    const rgraph *R;
    const int *order;      /* chunk numbers: node chunks 0..RNC-1, then relationship chunks */
    int n;
    int *next;             /* shared cursor */
    bool rels;
    uint32_t wkey, skey;
    uint32_t ls[3];
} addjob;

static void add_node_chunk(addjob *J, int c) {
    uint64_t lo = (uint64_t)c * RN / RNC, hi = (uint64_t)(c + 1) * RN / RNC, n = hi - lo;
    gnode_chunk ch = {.n = n, .ids = dupmem(J->R->ids + lo, n * 8), .labelset = malloc(n * 4)};
    for (uint64_t i = 0; i < n; i++) ch.labelset[i] = J->ls[(lo + i) % 3];
    if (c % 2 == 0) {   /* "score" only on even chunks */
        double *v = malloc(n * 8);
        for (uint64_t i = 0; i < n; i++) v[i] = (double)(lo + i) / 2;
        ch.ncols = 1;
        ch.cols = HEAP(gchunk_col, {.key = J->skey, .type = GPROP_DOUBLE, .values = v});
    }
    qv_err err;
    if (gloader_add_nodes(J->l, &ch, &err)) fail_msg("%s", err.msg);
}

static void add_rel_chunk(addjob *J, int c) {
    uint64_t lo = (uint64_t)c * RM / RMC, hi = (uint64_t)(c + 1) * RM / RMC, n = hi - lo;
    grel_chunk ch = {.n = n, .src = dupmem(J->R->src + lo, n * 8), .tgt = dupmem(J->R->tgt + lo, n * 8),
                     .type = dupmem(J->R->type + lo, n * 2), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = J->wkey, .type = GPROP_DOUBLE,
                                               .values = dupmem(J->R->w + lo, n * 8)})};
    qv_err err;
    if (gloader_add_rels(J->l, &ch, &err)) fail_msg("%s", err.msg);
}

static void *adder(void *arg) {
    addjob *J = arg;
    for (;;) {
        int i = __atomic_fetch_add(J->next, 1, __ATOMIC_RELAXED);
        if (i >= J->n) return NULL;
        if (J->rels) add_rel_chunk(J, J->order[i]);
        else add_node_chunk(J, J->order[i]);
    }
}

static void shuffle(int *v, int n, uint64_t seed) {
    for (int i = n - 1; i > 0; i--) {
        seed = qv_hash_u64(seed + (uint64_t)i);
        int j = (int)(seed % (uint64_t)(i + 1)), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

/* Loads R with `threads` adders taking chunks in an order shuffled by seed (0: in order, one thread). */
static graph *load_random(const rgraph *R, int threads, uint64_t seed) {
    const char *und[] = {"T2"};
    gloader *l = mk((cfgopt){.und = und, .nund = 1});
    addjob J = {.l = l, .R = R};
    J.ls[0] = labels(l, "A", NULL);
    J.ls[1] = labels(l, "B", "A");
    J.ls[2] = 0;
    J.skey = pkey(l, false, "score", GPROP_DOUBLE);
    J.wkey = pkey(l, true, "w", GPROP_DOUBLE);
    int order[RMC > RNC ? RMC : RNC], next = 0;
    pthread_t th[8];
    for (int phase = 0; phase < 2; phase++) {
        int k = phase ? RMC : RNC;
        for (int i = 0; i < k; i++) order[i] = i;
        if (seed) shuffle(order, k, seed + (uint64_t)phase);
        next = 0;
        J.order = order;
        J.n = k;
        J.next = &next;
        J.rels = phase == 1;
        if (phase == 1) {
            rtype(l, "T0");
            rtype(l, "T1");
            rtype(l, "T2");
        }
        for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, adder, &J);
        for (int t = 0; t < threads; t++) pthread_join(th[t], NULL);
        qv_err err;
        uint64_t cnt;
        if (phase == 0) assert_int_equal(gloader_nodes_done(l, &cnt, &err), 0);
    }
    uint64_t m;
    graph *g;
    qv_err err;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);
    return g;
}

static void check_invariants(const graph *g, const rgraph *R) {
    assert_int_equal(g->n_nodes, RN);
    uint64_t want = 0;
    for (uint64_t i = 0; i < RM; i++) want += R->type[i] == 2 ? 2 : 1;
    assert_int_equal(g->n_rels, want);
    const double *w = graph_rel_col(g, "w")->values;
    for (uint64_t v = 0; v < g->n_nodes; v++) {
        for (uint64_t r = g->out_off[v]; r < g->out_off[v + 1]; r++) {
            /* each stored relationship is an input row, in one of its directions */
            uint64_t row = (uint64_t)w[r];
            int64_t s = g->ext_ids[v], t = g->ext_ids[g->out_tgt[r]];
            bool fwd = R->src[row] == s && R->tgt[row] == t, back = R->src[row] == t && R->tgt[row] == s;
            assert_true(fwd || (back && R->type[row] == 2));
            assert_int_equal(g->rel_type[r], R->type[row]);
            if (r > g->out_off[v]) {   /* (type, target) ascending, ties in input order */
                uint64_t a = (uint64_t)g->rel_type[r - 1] << 32 | g->out_tgt[r - 1];
                uint64_t b = (uint64_t)g->rel_type[r] << 32 | g->out_tgt[r];
                assert_true(a <= b);
            }
        }
    }
    for (uint64_t t = 0; t < g->n_nodes; t++)
        for (uint64_t i = g->in_off[t]; i < g->in_off[t + 1]; i++) {
            assert_int_equal(g->out_tgt[g->in_rel[i]], t);
            assert_int_equal(g->in_src[i], graph_rel_source(g, g->in_rel[i]));
            if (i > g->in_off[t]) assert_true(g->in_rel[i - 1] < g->in_rel[i]);
        }
    assert_int_equal(g->in_off[g->n_nodes], g->n_rels);
    const gcolumn *sc = graph_node_col(g, "score");
    assert_non_null(sc->present);
    uint64_t with = 0;
    for (uint64_t v = 0; v < g->n_nodes; v++) with += gcolumn_has(sc, v);
    assert_int_equal(with, RN / 2);   /* half the chunks carried it */
}

static void expect_same(const graph *a, const graph *b) {
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_rels, b->n_rels);
    uint64_t n = a->n_nodes, m = a->n_rels;
    assert_memory_equal(a->ext_ids, b->ext_ids, n * 8);
    assert_memory_equal(a->node_labelset, b->node_labelset, n * 4);
    assert_memory_equal(a->out_off, b->out_off, (n + 1) * 8);
    assert_memory_equal(a->out_tgt, b->out_tgt, m * 4);
    assert_memory_equal(a->rel_type, b->rel_type, m * 2);
    assert_memory_equal(a->in_off, b->in_off, (n + 1) * 8);
    assert_memory_equal(a->in_rel, b->in_rel, m * 4);
    assert_memory_equal(a->in_src, b->in_src, m * 4);
    assert_memory_equal(graph_rel_col(a, "w")->values, graph_rel_col(b, "w")->values, m * 8);
    const gcolumn *sa = graph_node_col(a, "score"), *sb = graph_node_col(b, "score");
    assert_memory_equal(sa->present, sb->present, (n + 63) / 64 * 8);
    for (uint64_t v = 0; v < n; v++)
        if (gcolumn_has(sa, v)) assert_true(((double *)sa->values)[v] == ((double *)sb->values)[v]);
    assert_memory_equal(a->type_count, b->type_count, 3 * 8);
}

static void test_random_invariants(void **state) {
    (void)state;
    rgraph *R = make_random();
    graph *g = load_random(R, 1, 0);
    check_invariants(g, R);
    graph_free(g);
    free(R);
}

static void test_concurrent_adds_deterministic(void **state) {
    (void)state;
    rgraph *R = make_random();
    graph *ref = load_random(R, 1, 0);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        graph *g = load_random(R, 4, seed * 1000);   /* four streams, shuffled chunks */
        expect_same(ref, g);
        graph_free(g);
    }
    graph_free(ref);
    free(R);
}

/* ---------- the background resolver ---------- */

#define BN 400000   /* nodes */
#define BPER 100000 /* relationships per chunk */

static int64_t big_id(uint64_t i) { return (int64_t)(qv_hash_u64(i + 5) >> 1); }

/* A loader past NODE_LOAD_DONE over BN nodes with type "R". */
static gloader *big_loader(bool skip, uint16_t *t) {
    gloader *l = mk((cfgopt){.skip = skip});
    for (uint64_t c = 0; c < 4; c++) {
        uint64_t per = BN / 4;
        int64_t *ids = malloc(per * 8);
        for (uint64_t i = 0; i < per; i++) ids[i] = big_id(c * per + i);
        gnode_chunk ch = {.n = per, .ids = ids};
        qv_err err;
        assert_int_equal(gloader_add_nodes(l, &ch, &err), 0);
    }
    uint64_t n;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    *t = rtype(l, "R");
    return l;
}

/* Chunk c of a relationship set: row i of chunk c goes from node (c*BPER+i)%BN to node (…*7)%BN; when
 * `dangle` is set, row 5 of chunk `dangle - 1` gets a target id that is not loaded (-c-1 never is). */
static int add_big_chunk(gloader *l, uint16_t t, uint64_t c, uint64_t dangle, qv_err *err) {
    int64_t *s = malloc(BPER * 8), *d = malloc(BPER * 8);
    for (uint64_t i = 0; i < BPER; i++) {
        s[i] = big_id((c * BPER + i) % BN);
        d[i] = big_id((c * BPER + i * 7 + 3) % BN);
    }
    if (dangle && c == dangle - 1) d[5] = 1000000000000 + (int64_t)c;
    grel_chunk ch = {.n = BPER, .src = s, .tgt = d, .common_type = t};
    return gloader_add_rels(l, &ch, err);
}

/* RELATIONSHIP_LOAD_DONE called at once after the adds (most chunks still queued) gives the same graph as
 * one where the resolver had time to work through the queue first. */
static void test_rels_done_with_queue(void **state) {
    (void)state;
    graph *ref = NULL;
    for (int pass = 0; pass < 3; pass++) {
        uint16_t t;
        gloader *l = big_loader(false, &t);
        qv_err err;
        for (uint64_t c = 0; c < 24; c++) assert_int_equal(add_big_chunk(l, t, c, 0, &err), 0);
        assert_true(gloader_memory_bytes(l) > 0);
        if (pass == 1) usleep(300000);   /* the resolver drains (some of) the queue */
        uint64_t m;
        graph *g;
        assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
        assert_int_equal(m, 24 * BPER);
        assert_int_equal(g->n_rels, 24 * BPER);
        for (uint64_t v = 0; v < 3; v++) {   /* spot check: node of id big_id(v) links to big_id(v*7+3) */
            int64_t iv = gidindex_find_int(&g->idx, big_id(v));
            assert_true(iv >= 0);
            bool found = false;
            for (uint64_t r = g->out_off[iv]; r < g->out_off[iv + 1]; r++)
                found |= g->ext_ids[g->out_tgt[r]] == big_id((v * 7 + 3) % BN);
            assert_true(found);
        }
        if (!ref) {
            ref = g;
        } else {
            assert_memory_equal(ref->out_off, g->out_off, (BN + 1) * 8);
            assert_memory_equal(ref->out_tgt, g->out_tgt, g->n_rels * 4);
            assert_memory_equal(ref->in_rel, g->in_rel, g->n_rels * 4);
            graph_free(g);
        }
        /* a repeated call returns the same count and no graph */
        assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
        assert_int_equal(m, 24 * BPER);
        assert_null(g);
        gloader_free(l);
    }
    graph_free(ref);
}

/* A dangling row is found whether the resolver, the adding thread or RELATIONSHIP_LOAD_DONE resolves its
 * chunk, with the same message; with skip_dangling it is counted. */
static void test_dangling_by_resolver(void **state) {
    (void)state;
    for (int pass = 0; pass < 2; pass++) {
        uint16_t t;
        gloader *l = big_loader(false, &t);
        qv_err err;
        for (uint64_t c = 0; c < 8; c++) {
            assert_int_equal(add_big_chunk(l, t, c, 3, &err), 0);
            if (pass) usleep(20000);   /* give the resolver each chunk */
        }
        uint64_t m;
        graph *g;
        assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
        assert_null(g);
        assert_int_equal(err.code, QV_EINVAL);
        expect_has(err.msg, "target node id 1000000000002 was not loaded; 1 relationship references missing nodes");
        assert_int_equal(gloader_phase(l), GLOAD_FAILED);
        assert_int_equal(gloader_memory_bytes(l), 0);
        gloader_free(l);
    }
    uint16_t t;
    gloader *l = big_loader(true, &t);
    qv_err err;
    for (uint64_t c = 0; c < 8; c++) assert_int_equal(add_big_chunk(l, t, c, c + 1, &err), 0);
    usleep(50000);
    uint64_t m;
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    assert_int_equal(m, 8 * BPER - 8);   /* one dangling row per chunk */
    assert_int_equal(gloader_dangling(l), 8);
    graph_free(g);
    gloader_free(l);
}

/* Abort (and free) while the resolver is busy with a long queue: everything is freed (LeakSanitizer
 * checks), later calls fail with the phase error, and gloader_free joins the thread. */
static void test_abort_while_resolving(void **state) {
    (void)state;
    for (int pass = 0; pass < 3; pass++) {
        uint16_t t;
        gloader *l = big_loader(false, &t);
        qv_err err;
        for (uint64_t c = 0; c < 16; c++) assert_int_equal(add_big_chunk(l, t, c, 0, &err), 0);
        if (pass == 1) usleep(5000);
        if (pass == 2) {   /* free without abort, resolver mid-queue */
            gloader_free(l);
            continue;
        }
        gloader_abort(l);
        assert_int_equal(gloader_phase(l), GLOAD_ABORTED);
        assert_int_equal(gloader_memory_bytes(l), 0);
        assert_int_equal(add_big_chunk(l, t, 99, 0, &err), -1);
        assert_int_equal(err.code, QV_EPHASE);
        uint64_t m;
        graph *g;
        assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
        assert_int_equal(err.code, QV_EPHASE);
        gloader_free(l);
    }
}

typedef struct bigadd {
    gloader *l;
    uint16_t t;
    int *next;
    int n;
    int aborted;
} bigadd;

static void *big_adder(void *arg) {
    bigadd *J = arg;
    for (;;) {
        int c = __atomic_fetch_add(J->next, 1, __ATOMIC_RELAXED);
        if (c >= J->n) return NULL;
        qv_err err;
        if (add_big_chunk(J->l, J->t, (uint64_t)c, 0, &err)) {
            if (!J->aborted) fail_msg("%s", err.msg);
            assert_true(err.code == QV_EPHASE || err.code == QV_ECANCELLED);
        }
    }
}

/* Many threads adding at once (queue and adding-thread fallback mixed), with RELATIONSHIP_LOAD_DONE and an
 * abort racing the last adds. */
static void test_many_adders(void **state) {
    (void)state;
    graph *ref = NULL;
    for (int pass = 0; pass < 3; pass++) {
        uint16_t t;
        gloader *l = big_loader(false, &t);
        int next = 0;
        bigadd J = {.l = l, .t = t, .next = &next, .n = 32, .aborted = pass == 2};
        pthread_t th[8];
        for (int i = 0; i < 8; i++) pthread_create(&th[i], NULL, big_adder, &J);
        if (pass == 2) {
            usleep(1000);
            gloader_abort(l);
        }
        for (int i = 0; i < 8; i++) pthread_join(th[i], NULL);
        uint64_t m;
        graph *g;
        qv_err err;
        if (pass == 2) {
            assert_int_equal(gloader_memory_bytes(l), 0);
            assert_int_equal(gloader_rels_done(l, &m, &g, &err), -1);
            gloader_free(l);
            continue;
        }
        assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
        assert_int_equal(m, 32 * BPER);
        if (!ref) {
            ref = g;
        } else {
            assert_memory_equal(ref->out_tgt, g->out_tgt, g->n_rels * 4);
            assert_memory_equal(ref->in_rel, g->in_rel, g->n_rels * 4);
            graph_free(g);
        }
        gloader_free(l);
    }
    graph_free(ref);
}


/* ---------- resolution paths: dense map, runs, index ---------- */

/* N nodes whose ids are id_of(i); relationships by node index, sorted by source (runs of equal sources),
 * with `dangle` extra rows naming a missing id (skipped). */
#define PN 3000
static graph *load_by_index(int64_t (*id_of)(uint64_t), int64_t missing, int dangle, uint64_t chunk) {
    gloader *l = mk((cfgopt){.skip = true});
    int64_t *ids = malloc(PN * sizeof *ids);
    for (uint64_t i = 0; i < PN; i++) ids[i] = id_of(i);
    add_nodes(l, ids, PN, 0);
    free(ids);
    uint64_t n, m;
    qv_err err;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t t = rtype(l, "R");
    uint64_t cap = PN * 8 + (uint64_t)dangle;
    int64_t *src = malloc(cap * sizeof *src), *tgt = malloc(cap * sizeof *tgt);
    uint64_t k = 0;
    for (uint64_t i = 0; i < PN; i++)
        for (uint64_t j = 0; j < 1 + i % 8; j++) {
            src[k] = id_of(i);
            tgt[k++] = id_of((i * 7 + j * 13) % PN);
            if (dangle && k % 97 == 0 && k < cap - 1) {
                src[k] = i % 2 ? missing : id_of(i);
                tgt[k++] = i % 2 ? id_of(i) : missing;
                dangle--;
            }
        }
    for (uint64_t a = 0; a < k; a += chunk) add_rels(l, src + a, tgt + a, k - a < chunk ? k - a : chunk, t);
    free(src);
    free(tgt);
    graph *g;
    assert_int_equal(gloader_rels_done(l, &m, &g, &err), 0);
    gloader_free(l);
    return g;
}

static int64_t dense_id(uint64_t i) { return 1000 + (int64_t)(i * 3 / 2); }   /* 2/3 of the range used */
static int64_t sparse_id(uint64_t i) { return big_id(i); }
static int64_t top_id(uint64_t i) { return INT64_MAX - (int64_t)i; }
static int64_t from_zero(uint64_t i) { return (int64_t)i; }

static void expect_same_topology(const graph *a, const graph *b) {
    assert_int_equal(a->n_nodes, b->n_nodes);
    assert_int_equal(a->n_rels, b->n_rels);
    assert_memory_equal(a->out_off, b->out_off, (a->n_nodes + 1) * 8);
    assert_memory_equal(a->out_tgt, b->out_tgt, a->n_rels * 4);
    assert_memory_equal(a->in_off, b->in_off, (a->n_nodes + 1) * 8);
    assert_memory_equal(a->in_rel, b->in_rel, a->n_rels * 4);
    assert_memory_equal(a->in_src, b->in_src, a->n_rels * 4);
}

static void test_resolution_paths(void **state) {
    (void)state;
    /* dense ids (map), sparse ids (index, with runs of equal sources), the extremes of int64 */
    graph *d = load_by_index(dense_id, 999, 20, 500), *s = load_by_index(sparse_id, 12345, 20, 500);
    graph *top = load_by_index(top_id, 0, 20, 500), *z = load_by_index(from_zero, INT64_MAX, 20, 500);
    graph *clean = load_by_index(dense_id, 0, 0, 500);
    /* chunks large enough to be precounted as they are resolved (gcsr_precount): the same graph */
    graph *pre = load_by_index(sparse_id, 12345, 20, 1500), *pre_dense = load_by_index(dense_id, 999, 20, 1500);
    expect_same_topology(d, pre);
    expect_same_topology(d, pre_dense);
    assert_memory_equal(d->rel_type, pre->rel_type, d->n_rels * 2);
    assert_memory_equal(d->type_count, pre->type_count, 2 * 8);
    graph_free(pre);
    graph_free(pre_dense);
    expect_same_topology(d, s);
    expect_same_topology(d, top);
    expect_same_topology(d, z);
    expect_same_topology(d, clean);   /* the skipped rows left nothing behind */
    /* spot check against the definition */
    uint64_t v = 10, r = d->out_off[v];
    assert_int_equal(d->out_off[v + 1] - r, 1 + v % 8);
    assert_int_equal(d->out_tgt[r], (v * 7) % PN);
    graph_free(d);
    graph_free(s);
    graph_free(top);
    graph_free(z);
    graph_free(clean);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directed_arrays),
        cmocka_unit_test(test_resolution_paths),
        cmocka_unit_test(test_undirected),
        cmocka_unit_test(test_rel_property_presence),
        cmocka_unit_test(test_hub_ties),
        cmocka_unit_test(test_duplicate_nodes),
        cmocka_unit_test(test_negative_and_too_many),
        cmocka_unit_test(test_dangling),
        cmocka_unit_test(test_phases),
        cmocka_unit_test(test_empty_graph),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_abort_staged),
        cmocka_unit_test(test_abort_during_node_build),
        cmocka_unit_test(test_abort_during_rel_build),
        cmocka_unit_test(test_concurrent_done),
        cmocka_unit_test(test_triplets),
        cmocka_unit_test(test_string_ids),
        cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_concurrent_adds_deterministic),
        cmocka_unit_test(test_rels_done_with_queue),
        cmocka_unit_test(test_dangling_by_resolver),
        cmocka_unit_test(test_abort_while_resolving),
        cmocka_unit_test(test_many_adders),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
