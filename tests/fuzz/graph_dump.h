/* graph_dump.h — a canonical text dump of a graph's committed state, for tests that check "no trace".
 *
 * Owns: gdump_text, which writes everything observable through a gview into a buffer: counts, every
 * live node (internal id, sorted labels, properties by key name, external id and that the `~id` lookup
 * finds it back), every live relationship (id, endpoints, type, properties), per-label and per-type
 * counts, and the indexes and constraints (name, kind, token, key, uniqueness, live entries, each found by
 * a seek). Two dumps are equal exactly when nothing observable differs. Used by tests/fuzz/fuzz_cypher_exec.c and
 * tests/unit/test_cypher_txn*.c (header-only: the fuzz targets are single files).
 * Must not: write to the graph or keep state.
 */
#ifndef QV_TESTS_GRAPH_DUMP_H
#define QV_TESTS_GRAPH_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cypher/cypher.h"
#include "graph/catalog.h"
#include "graph/gview.h"
#include "util/buf.h"
#include "value/value.h"

static inline void gdump_value(qv_buf *b, qv_arena *a, qval v) {
    qv_buf_append_str(b, qv_debug(a, v));
    qv_buf_printf(b, ":%u", (unsigned)v.type);
}

static inline void gdump_props(qv_buf *b, gview *v, qv_arena *a, const gprop *p, uint32_t n) {
    qv_buf_append_byte(b, '{');
    for (uint32_t i = 0; i < n; i++) {
        qv_buf_printf(b, "%s%s=", i ? "," : "", gview_key_name(v, p[i].key));
        gdump_value(b, a, p[i].value);
    }
    qv_buf_append_byte(b, '}');
}

/* Does a seek for value find id (and only entities that have the value)? */
static inline bool gdump_seek_finds(gview *v, const gindex_info *ix, qval value, uint64_t id) {
    uint64_t ids[64];
    uint32_t got;
    bool found = false;
    if (ix->entity == GINDEX_NODE) {
        gnode_iter it;
        if (!gview_node_index_seek(v, ix->token, ix->key, value, &it)) return false;
        while ((got = gnode_iter_next(&it, ids, 64)) > 0)
            for (uint32_t k = 0; k < got; k++) found |= ids[k] == id;
    } else {
        grel_iter it;
        if (!gview_rel_index_seek(v, ix->token, ix->key, value, &it)) return false;
        while ((got = grel_iter_next(&it, ids, 64)) > 0)
            for (uint32_t k = 0; k < got; k++) found |= ids[k] == id;
    }
    return found;
}

/* The index's live entries as a reader sees them: every entity with the label (type) and the key is found
 * by a seek for its value; appends a line for each one that is not. Returns how many there are.
 * (gindex_info.entries counts postings ever appended, rolled-back ones included: not observable.) */
static inline uint64_t gdump_index_check(qv_buf *b, gview *v, const gindex_info *ix) {
    uint64_t ids[64], live = 0;
    uint32_t got;
    qval value;
    if (ix->entity == GINDEX_NODE) {
        gnode_iter it;
        gview_nodes(v, ix->token, &it);
        while ((got = gnode_iter_next(&it, ids, 64)) > 0)
            for (uint32_t k = 0; k < got; k++) {
                if (!gview_node_prop(v, ids[k], ix->key, &value) || (value.type == QT_FLOAT && value.f != value.f))
                    continue;
                live++;
                if (!gdump_seek_finds(v, ix, value, ids[k]))
                    qv_buf_printf(b, "INDEX %s MISSES node %llu\n", ix->name, (unsigned long long)ids[k]);
            }
    } else {
        grel_iter it;
        gview_rels(v, ix->token, &it);
        while ((got = grel_iter_next(&it, ids, 64)) > 0)
            for (uint32_t k = 0; k < got; k++) {
                if (!gview_rel_prop(v, ids[k], ix->key, &value) || (value.type == QT_FLOAT && value.f != value.f))
                    continue;
                live++;
                if (!gdump_seek_finds(v, ix, value, ids[k]))
                    qv_buf_printf(b, "INDEX %s MISSES rel %llu\n", ix->name, (unsigned long long)ids[k]);
            }
    }
    return live;
}

/* Appends the dump of the view's state to b. */
static inline void gdump_view(qv_buf *b, gview *v) {
    qv_arena a;
    qv_arena_init(&a);
    qv_buf_printf(b, "nodes %llu rels %llu\n", (unsigned long long)gview_node_count(v),
                  (unsigned long long)gview_rel_count(v));
    uint32_t nl = gview_n_labels(v), nt = gview_n_types(v);
    /* names are never removed (a rolled-back transaction may leave one interned): only used ones count */
    for (uint32_t l = 0; l < nl; l++)
        if (gview_label_count(v, l))
            qv_buf_printf(b, "label %s %llu\n", gview_label_name(v, l), (unsigned long long)gview_label_count(v, l));
    for (uint32_t t = 0; t < nt; t++)
        if (gview_type_count(v, t))
            qv_buf_printf(b, "type %s %llu\n", gview_type_name(v, t), (unsigned long long)gview_type_count(v, t));
    gnode_iter it;
    gview_nodes(v, -1, &it);
    uint64_t ids[64];
    uint32_t got;
    while ((got = gnode_iter_next(&it, ids, 64)) > 0) {
        for (uint32_t k = 0; k < got; k++) {
            uint64_t id = ids[k];
            qv_buf_printf(b, "node %llu", (unsigned long long)id);
            uint32_t labels[64];
            uint32_t n = gview_node_labels(v, id, labels, 64);
            for (uint32_t i = 0; i < n && i < 64; i++) qv_buf_printf(b, ":%s", gview_label_name(v, labels[i]));
            gprop *p = NULL;
            uint32_t np = gview_node_props(v, id, &a, &p);
            gdump_props(b, v, &a, p, np);
            qval ext = gview_node_ext_id(v, id);
            qv_buf_append_str(b, " ~id=");
            gdump_value(b, &a, ext);
            if (gview_node_by_ext_id(v, ext) != id) qv_buf_append_str(b, " EXT-ID-LOOKUP-MISMATCH");
            uint64_t deg = gview_degree(v, id, GDIR_BOTH, NULL, 0);
            qv_buf_printf(b, " deg=%llu\n", (unsigned long long)deg);
        }
    }
    grel_iter ri;
    gview_rels(v, -1, &ri);
    while ((got = grel_iter_next(&ri, ids, 64)) > 0) {
        for (uint32_t k = 0; k < got; k++) {
            uint64_t src, dst;
            uint32_t type;
            gview_rel_info(v, ids[k], &src, &dst, &type);
            qv_buf_printf(b, "rel %llu %llu-[:%s]->%llu", (unsigned long long)ids[k], (unsigned long long)src,
                          gview_type_name(v, type), (unsigned long long)dst);
            gprop *p = NULL;
            uint32_t np = gview_rel_props(v, ids[k], &a, &p);
            gdump_props(b, v, &a, p, np);
            qv_buf_append_byte(b, '\n');
        }
    }
    gindex_info *ix = NULL;
    uint32_t nix = gview_indexes(v, &a, &ix);
    for (uint32_t i = 0; i < nix; i++) {
        bool node = ix[i].entity == GINDEX_NODE;
        qv_buf_printf(b, "index %s %s %s.%s unique=%d constraint=%s", ix[i].name, node ? "node" : "rel",
                      node ? gview_label_name(v, ix[i].token) : gview_type_name(v, ix[i].token),
                      gview_key_name(v, ix[i].key), (int)ix[i].unique, ix[i].constraint ? ix[i].constraint : "-");
        qv_buf_printf(b, " live=%llu\n", (unsigned long long)gdump_index_check(b, v, &ix[i]));
    }
    qv_arena_free(&a);
}

/* The dump of the named graph's committed state as a NUL-terminated heap string (free()), or NULL when
 * the graph does not exist. */
static inline char *gdump_graph(cy_engine *e, const char *name) {
    gcatalog *c = cy_engine_catalog(e);
    graph *g = gcatalog_get(c, name);
    if (!g) return NULL;
    qv_err err;
    gview *v = gview_open(g, &err);
    if (!v) {
        gcatalog_release(c, g);
        return NULL;
    }
    qv_buf b;
    qv_buf_init(&b);
    gdump_view(&b, v);
    qv_buf_append_byte(&b, 0);
    gview_close(v);
    gcatalog_release(c, g);
    size_t n;
    return (char *)qv_buf_steal(&b, &n);
}

#endif
