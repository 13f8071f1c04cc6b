/* test_store_graphs.h — graphs for the store tests, built through the real bulk loader, and a deep
 * comparison of two graphs. Shared by test_store_snapshot.c and test_store_datadir.c (static functions:
 * each test executable gets its own copy).
 *
 * Owns: the test graphs (every property type, presence bitmaps, INTEGER and STRING ids, labels and label
 * sets, undirected and inverse types, relationship properties) and the assertion that a loaded graph is
 * the saved one, array by array and through the lookups users go through.
 * Must not: build graphs by hand (that would test the snapshot against itself, not against the loader).
 */
#ifndef TEST_STORE_GRAPHS_H
#define TEST_STORE_GRAPHS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/loader.h"
#include "util/pool.h"

#define TG_FN static __attribute__((unused))

/* ---- a temporary directory per test ------------------------------------------------------------------ */

#include <ftw.h>
#include <sys/stat.h>

static int tg_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it. */
TG_FN void tg_rmtree(const char *dir) { nftw(dir, tg_rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* ---- chunk columns ---------------------------------------------------------------------------------- */

/* Presence bitmap over rows [0, n) of a chunk whose first row is `base`: row r is absent when
 * (base + r) % every == 0 (every == 0: NULL, all present). */
TG_FN uint64_t *tg_bitmap(uint64_t base, uint64_t n, int every) {
    if (!every) return NULL;
    uint64_t *b = calloc(n / 64 + 1, 8);
    for (uint64_t r = 0; r < n; r++)
        if ((base + r) % (uint64_t)every != 0) b[r >> 6] |= 1ull << (r & 63);
    return b;
}

TG_FN gchunk_col tg_scalar(uint32_t key, gprop_type t, uint64_t base, uint64_t n, int every) {
    gchunk_col c = {.key = key, .type = t, .present = tg_bitmap(base, n, every)};
    if (t == GPROP_INT64) {
        int64_t *v = malloc(n * 8 + 8);
        for (uint64_t r = 0; r < n; r++)
            v[r] = (int64_t)(base + r) * 3 - 50;
        c.values = v;
    } else if (t == GPROP_DOUBLE) {
        double *v = malloc(n * 8 + 8);
        for (uint64_t r = 0; r < n; r++)
            v[r] = (double)(base + r) * 0.5 + 0.25;
        c.values = v;
    } else {
        uint8_t *v = malloc(n + 1);
        for (uint64_t r = 0; r < n; r++)
            v[r] = (base + r) % 3 == 0;
        c.values = v;
    }
    return c;
}

TG_FN gchunk_col tg_string(uint32_t key, uint64_t base, uint64_t n, int every) {
    gchunk_col c = {.key = key, .type = GPROP_STRING, .present = tg_bitmap(base, n, every)};
    c.offsets = malloc((n + 1) * 8);
    char *s = malloc(n * 32 + 1);
    uint64_t at = 0;
    c.offsets[0] = 0;
    for (uint64_t r = 0; r < n; r++) {
        at += (uint64_t)sprintf(s + at, "n%llu%s", (unsigned long long)(base + r), (base + r) % 4 ? "" : "-ünï 名");
        c.offsets[r + 1] = at;
    }
    c.values = s;
    return c;
}

/* A list column: row r has (base + r) % 5 elements. */
TG_FN gchunk_col tg_list(uint32_t key, gprop_type t, uint64_t base, uint64_t n) {
    gchunk_col c = {.key = key, .type = t};
    c.offsets = malloc((n + 1) * 8);
    c.offsets[0] = 0;
    for (uint64_t r = 0; r < n; r++)
        c.offsets[r + 1] = c.offsets[r] + (base + r) % 5;
    uint64_t total = c.offsets[n];
    if (t == GPROP_FLOAT_LIST) {
        float *v = malloc(total * 4 + 4);
        for (uint64_t i = 0; i < total; i++)
            v[i] = (float)i * 0.25f;
        c.values = v;
    } else if (t == GPROP_DOUBLE_LIST) {
        double *v = malloc(total * 8 + 8);
        for (uint64_t i = 0; i < total; i++)
            v[i] = (double)i / 3.0;
        c.values = v;
    } else {
        int64_t *v = malloc(total * 8 + 8);
        for (uint64_t i = 0; i < total; i++)
            v[i] = (int64_t)(base * 1000 + i);
        c.values = v;
    }
    return c;
}

/* ---- graphs ----------------------------------------------------------------------------------------- */

/* External id of node row r: sparse, unordered integers, or strings with spaces and unicode. */
TG_FN int64_t tg_int_id(uint64_t r) { return (int64_t)((r * 7919 + 3) % 1000003); }
TG_FN int tg_str_id(uint64_t r, char *out) {
    return sprintf(out, "node %llu-ß名", (unsigned long long)r * 31 % 100003);
}

typedef struct tg_opts {
    const char *name;
    graph_id_type id_type;
    uint64_t nodes, rels;
    bool props;    /* node and relationship property columns */
    bool one_type; /* every relationship KNOWS (the other type names are not interned) */
    /* the loader's out_done hook (gloader_config); with build_may_fail, a failed relationship build returns NULL */
    void (*out_done)(void *arg, const graph *g);
    void *out_done_arg;
    gloader **loader_out; /* set to the loader while it builds */
    bool build_may_fail;
} tg_opts;

TG_FN void tg_add_nodes(gloader *l, const tg_opts *o, uint64_t base, uint64_t n, const uint32_t *keys,
                        const uint32_t *sets) {
    qv_err err;
    gnode_chunk chunk = {0}, *c = &chunk; /* the loader takes the arrays (and copies the struct) */
    c->n = n;
    if (o->id_type == GRAPH_ID_STRING) {
        c->str_off = malloc((n + 1) * 8);
        c->str = malloc(n * 32 + 1);
        c->str_off[0] = 0;
        for (uint64_t r = 0; r < n; r++)
            c->str_off[r + 1] = c->str_off[r] + (uint64_t)tg_str_id(base + r, c->str + c->str_off[r]);
    } else {
        c->ids = malloc(n * 8 + 8);
        for (uint64_t r = 0; r < n; r++)
            c->ids[r] = tg_int_id(base + r);
    }
    c->labelset = malloc(n * 4 + 4);
    for (uint64_t r = 0; r < n; r++)
        c->labelset[r] = sets[(base + r) % 4];
    if (o->props) {
        c->ncols = 7;
        c->cols = calloc(7, sizeof *c->cols);
        c->cols[0] = tg_scalar(keys[0], GPROP_INT64, base, n, 5);
        c->cols[1] = tg_scalar(keys[1], GPROP_DOUBLE, base, n, 0);
        c->cols[2] = tg_scalar(keys[2], GPROP_BOOL, base, n, 2);
        c->cols[3] = tg_string(keys[3], base, n, 7);
        c->cols[4] = tg_list(keys[4], GPROP_INT64_LIST, base, n);
        c->cols[5] = tg_list(keys[5], GPROP_DOUBLE_LIST, base, n);
        c->cols[6] = tg_list(keys[6], GPROP_FLOAT_LIST, base, n);
    }
    if (gloader_add_nodes(l, c, &err) < 0) fail_msg("add nodes: %s", err.msg);
}

TG_FN void tg_add_rels(gloader *l, const tg_opts *o, uint64_t base, uint64_t n, const uint16_t *types,
                       const uint32_t *keys) {
    qv_err err;
    grel_chunk chunk = {0}, *c = &chunk;
    c->n = n;
    uint64_t *src_row = malloc(n * 8 + 8), *tgt_row = malloc(n * 8 + 8);
    for (uint64_t r = 0; r < n; r++) {
        uint64_t x = (base + r) * 2654435761u;
        src_row[r] = x % o->nodes;
        tgt_row[r] = (x / o->nodes + r) % o->nodes;
    }
    if (o->id_type == GRAPH_ID_STRING) {
        c->src_off = malloc((n + 1) * 8);
        c->tgt_off = malloc((n + 1) * 8);
        c->src_str = malloc(n * 32 + 1);
        c->tgt_str = malloc(n * 32 + 1);
        c->src_off[0] = c->tgt_off[0] = 0;
        for (uint64_t r = 0; r < n; r++) {
            c->src_off[r + 1] = c->src_off[r] + (uint64_t)tg_str_id(src_row[r], c->src_str + c->src_off[r]);
            c->tgt_off[r + 1] = c->tgt_off[r] + (uint64_t)tg_str_id(tgt_row[r], c->tgt_str + c->tgt_off[r]);
        }
    } else {
        c->src = malloc(n * 8 + 8);
        c->tgt = malloc(n * 8 + 8);
        for (uint64_t r = 0; r < n; r++) {
            c->src[r] = tg_int_id(src_row[r]);
            c->tgt[r] = tg_int_id(tgt_row[r]);
        }
    }
    free(src_row);
    free(tgt_row);
    c->type = malloc(n * 2 + 2);
    for (uint64_t r = 0; r < n; r++)
        c->type[r] = types[(base + r) % 3];
    if (o->props) {
        c->ncols = 2;
        c->cols = calloc(2, sizeof *c->cols);
        c->cols[0] = tg_scalar(keys[0], GPROP_DOUBLE, base, n, 4);
        c->cols[1] = tg_scalar(keys[1], GPROP_DOUBLE, base, n, 0);
    }
    if (gloader_add_rels(l, c, &err) < 0) fail_msg("add rels: %s", err.msg);
}

/* Builds a graph through the loader: nodes in two chunks, relationships in two chunks, types KNOWS
 * (undirected), LIKES (inverse-indexed) and FOLLOWS. */
TG_FN graph *tg_build(const tg_opts *o, qv_pool *pool) {
    const char *undirected[] = {"KNOWS"}, *inverse[] = {"LIKES"};
    gloader_config cfg = {.name = o->name,
                          .database_name = o->name,
                          .durable = true,
                          .id_type = o->id_type,
                          .id_property = o->id_type == GRAPH_ID_STRING ? "originalId" : NULL,
                          .undirected_types = undirected,
                          .n_undirected = 1,
                          .inverse_types = inverse,
                          .n_inverse = 1,
                          .out_done = o->out_done,
                          .out_done_arg = o->out_done_arg};
    gloader *l = gloader_new(&cfg, pool);
    if (o->loader_out) *o->loader_out = l;
    qv_err err;
    uint32_t person = gloader_label(l, "Person", 6), admin = gloader_label(l, "Admin", 5);
    uint32_t uni = gloader_label(l, "Ünïcode 名", strlen("Ünïcode 名"));
    uint32_t both[] = {admin, person}, other[] = {person, uni};
    uint32_t sets[4];
    sets[1] = gloader_labelset(l, &person, 1);
    sets[2] = gloader_labelset(l, both, 2);
    sets[3] = gloader_labelset(l, other, 2);
    sets[0] = gloader_labelset(l, NULL, 0); /* no labels */
    static const char *nk[] = {"age", "score", "active", "name", "tags", "weights", "embedding"};
    static const gprop_type nt[] = {GPROP_INT64,      GPROP_DOUBLE,      GPROP_BOOL,      GPROP_STRING,
                                    GPROP_INT64_LIST, GPROP_DOUBLE_LIST, GPROP_FLOAT_LIST};
    uint32_t nkeys[7], rkeys[2];
    if (o->props)
        for (int i = 0; i < 7; i++)
            if (gloader_prop_key(l, false, nk[i], nt[i], &nkeys[i], &err) < 0) fail_msg("%s", err.msg);
    uint64_t half = o->nodes / 2;
    tg_add_nodes(l, o, 0, half, nkeys, sets);
    tg_add_nodes(l, o, half, o->nodes - half, nkeys, sets);
    uint64_t count;
    if (gloader_nodes_done(l, &count, &err) < 0) fail_msg("nodes_done: %s", err.msg);
    assert_int_equal(count, o->nodes);
    uint16_t types[3];
    assert_int_equal(gloader_rel_type(l, "KNOWS", 5, &types[0], &err), 0);
    if (o->one_type) {
        types[1] = types[2] = types[0];
    } else {
        assert_int_equal(gloader_rel_type(l, "LIKES", 5, &types[1], &err), 0);
        assert_int_equal(gloader_rel_type(l, "FOLLOWS", 7, &types[2], &err), 0);
    }
    if (o->props) {
        if (gloader_prop_key(l, true, "weight", GPROP_DOUBLE, &rkeys[0], &err) < 0) fail_msg("%s", err.msg);
        if (gloader_prop_key(l, true, "since", GPROP_DOUBLE, &rkeys[1], &err) < 0) fail_msg("%s", err.msg);
    }
    if (o->rels && o->nodes) {
        uint64_t rh = o->rels / 2;
        tg_add_rels(l, o, 0, rh, types, rkeys);
        tg_add_rels(l, o, rh, o->rels - rh, types, rkeys);
    }
    graph *g = NULL;
    if (gloader_rels_done(l, &count, &g, &err) < 0) {
        if (!o->build_may_fail) fail_msg("rels_done: %s", err.msg);
        gloader_free(l);
        return NULL;
    }
    assert_non_null(g);
    gloader_free(l);
    return g;
}

/* ---- comparison ------------------------------------------------------------------------------------- */

TG_FN void tg_same_str(const char *a, const char *b) {
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

TG_FN void tg_same_mem(const void *a, const void *b, uint64_t n, const char *what) {
    if (n == 0) return;
    if (!a || !b || memcmp(a, b, n) != 0) fail_msg("%s differs after the round trip", what);
}

TG_FN void tg_same_strtab(const qv_strtab *a, const qv_strtab *b) {
    assert_int_equal(a->count, b->count);
    for (uint32_t i = 0; i < a->count; i++) {
        assert_int_equal(a->lens[i], b->lens[i]);
        tg_same_mem(a->names[i], b->names[i], a->lens[i], "an interned name");
        assert_int_equal(qv_strtab_find(b, a->names[i], a->lens[i]), i);
    }
}

TG_FN size_t tg_elem(gprop_type t) { return t == GPROP_BOOL || t == GPROP_STRING ? 1 : t == GPROP_FLOAT_LIST ? 4 : 8; }

TG_FN void tg_same_cols(const gcolumn *a, const gcolumn *b, int n, uint64_t rows) {
    for (int i = 0; i < n; i++) {
        assert_int_equal(a[i].key, b[i].key);
        assert_int_equal(a[i].type, b[i].type);
        assert_int_equal(a[i].present == NULL, b[i].present == NULL);
        if (a[i].present) tg_same_mem(a[i].present, b[i].present, (rows + 63) / 64 * 8, "a presence bitmap");
        uint64_t nv = rows;
        if (a[i].type >= GPROP_STRING) {
            tg_same_mem(a[i].offsets, b[i].offsets, (rows + 1) * 8, "column offsets");
            nv = a[i].offsets[rows];
        }
        tg_same_mem(a[i].values, b[i].values, nv * tg_elem(a[i].type), "column values");
        for (uint64_t r = 0; r < rows; r++)
            assert_int_equal(gcolumn_has(&a[i], r), gcolumn_has(&b[i], r));
    }
}

/* Asserts that b (loaded) is a (saved): every field, every array, and the lookups. */
TG_FN void tg_assert_same(const graph *a, const graph *b) {
    assert_string_equal(a->name, b->name);
    tg_same_str(a->database_name, b->database_name);
    tg_same_str(a->id_property, b->id_property);
    assert_int_equal(a->durable, b->durable);
    assert_int_equal(a->id_type, b->id_type);
    assert_int_equal(a->created_ms, b->created_ms);
    tg_same_strtab(&a->labels, &b->labels);
    tg_same_strtab(&a->rel_types, &b->rel_types);
    tg_same_strtab(&a->prop_keys, &b->prop_keys);
    uint64_t n = a->n_nodes, m = a->n_rels;
    assert_int_equal(n, b->n_nodes);
    assert_int_equal(m, b->n_rels);
    if (a->id_type == GRAPH_ID_STRING) {
        tg_same_mem(a->ext_str_off, b->ext_str_off, (n + 1) * 8, "ext_str_off");
        tg_same_mem(a->ext_str, b->ext_str, a->ext_str_off[n], "ext_str");
    } else {
        tg_same_mem(a->ext_ids, b->ext_ids, n * 8, "ext_ids");
    }
    assert_int_equal(a->n_labelsets, b->n_labelsets);
    tg_same_mem(a->node_labelset, b->node_labelset, n * 4, "node_labelset");
    if (a->labelset_off) { /* graph_new leaves it NULL until labels exist; a loaded graph has {0} */
        tg_same_mem(a->labelset_off, b->labelset_off, ((uint64_t)a->n_labelsets + 1) * 4, "labelset_off");
        tg_same_mem(a->labelset_labels, b->labelset_labels, (uint64_t)a->labelset_off[a->n_labelsets] * 4,
                    "labelset_labels");
    }
    assert_int_equal(a->n_node_cols, b->n_node_cols);
    tg_same_cols(a->node_cols, b->node_cols, a->n_node_cols, n);
    tg_same_mem(a->out_off, b->out_off, (n + 1) * 8, "out_off");
    tg_same_mem(a->out_tgt, b->out_tgt, m * 4, "out_tgt");
    tg_same_mem(a->rel_type, b->rel_type, m * 2, "rel_type");
    tg_same_mem(a->in_off, b->in_off, (n + 1) * 8, "in_off");
    tg_same_mem(a->in_rel, b->in_rel, m * 4, "in_rel");
    tg_same_mem(a->in_src, b->in_src, m * 4, "in_src");
    assert_int_equal(a->n_rel_cols, b->n_rel_cols);
    tg_same_cols(a->rel_cols, b->rel_cols, a->n_rel_cols, m);
    uint32_t nt = a->rel_types.count;
    tg_same_mem(a->type_count, b->type_count, (uint64_t)nt * 8, "type_count");
    tg_same_mem(a->type_undirected, b->type_undirected, nt, "type_undirected");
    tg_same_mem(a->type_inverse, b->type_inverse, nt, "type_inverse");

    /* what users go through: ids, labels, columns by name, relationship sources */
    for (uint64_t v = 0; v < n; v++) {
        if (a->id_type == GRAPH_ID_STRING) {
            uint64_t s = a->ext_str_off[v], e = a->ext_str_off[v + 1];
            assert_int_equal(graph_node_by_str(b, a->ext_str + s, e - s), v);
        } else {
            assert_int_equal(graph_node_by_id(b, a->ext_ids[v]), v);
        }
        uint32_t na, nb;
        const uint32_t *la = graph_node_labels(a, v, &na), *lb = graph_node_labels(b, v, &nb);
        assert_int_equal(na, nb);
        tg_same_mem(la, lb, na * 4, "node labels");
    }
    if (a->id_type == GRAPH_ID_STRING)
        assert_int_equal(graph_node_by_str(b, "no such node", 12), -1);
    else
        assert_int_equal(graph_node_by_id(b, -12345), -1);
    for (uint64_t r = 0; r < m; r += 1 + m / 97)
        assert_int_equal(graph_rel_source(a, r), graph_rel_source(b, r));
    for (int i = 0; i < a->n_node_cols; i++) {
        const char *key = qv_strtab_name(&a->prop_keys, a->node_cols[i].key);
        assert_ptr_equal(graph_node_col(b, key), &b->node_cols[i]);
    }
    for (int i = 0; i < a->n_rel_cols; i++) {
        const char *key = qv_strtab_name(&a->prop_keys, a->rel_cols[i].key);
        assert_ptr_equal(graph_rel_col(b, key), &b->rel_cols[i]);
    }
}

#endif
