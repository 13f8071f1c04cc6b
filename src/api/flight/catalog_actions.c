/* catalog_actions.c — the catalog actions: LIST_GRAPHS, DROP_GRAPH and DUMP_GRAPH, and the JSON
 * summary of a graph that LIST_GRAPHS and the HTTP /status document share.
 *
 * DUMP_GRAPH writes a whole (small) graph as JSON for tests and debugging: int64 values as exact JSON
 * integers, doubles as numbers except NaN/Infinity/-Infinity which are written as strings.
 */
#include "api/common/graph_json.h"
#include "api/flight/flight_internal.h"
#include "util/log.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int flight_list_graphs(flight_service *fs, const char *db, qv_buf *out, qv_err *err) {
    (void)err;
    graph **gs;
    size_t n;
    if (db) gcatalog_list_in(fs->cat, db, &gs, &n);
    else gcatalog_list(fs->cat, &gs, &n);
    qv_buf_append_str(out, "{\"graphs\":[");
    for (size_t i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(out, ',');
        api_graph_summary_json(gs[i], out);
        gcatalog_release(fs->cat, gs[i]);
    }
    free(gs);
    qv_buf_append_str(out, "],\"imports\":");
    imports_list_json(fs->imports, db, out);
    qv_buf_append_byte(out, '}');
    return 0;
}

static graph *lookup(flight_service *fs, const char *db, const char *name, qv_err *err) {
    return gcatalog_resolve(fs->cat, db, name, err);
}

int flight_drop_graph(flight_service *fs, const char *db, const char *name, qv_buf *out, qv_err *err) {
    graph *g = lookup(fs, db, name, err);
    if (!g) return -1;
    bool durable = g->durable;
    char *gdb = qv_strdup(g->database_name ? g->database_name : g->name);
    gcatalog_release(fs->cat, g);
    int rc = durable && fs->store ? store_remove(fs->store, name, err) : 0;
    if (rc == 0) rc = db ? gcatalog_drop_in(fs->cat, db, name, err) : gcatalog_drop(fs->cat, name, err);
    if (rc == 0) {
        QV_INFO("flight: graph '%s' of database '%s' dropped", name, gdb);
        qv_buf_append_str(out, "{\"name\":");
        json_write_cstr(out, name);
        qv_buf_append_str(out, ",\"database_name\":");
        json_write_cstr(out, gdb);
        qv_buf_append_str(out, ",\"dropped\":true}");
    }
    free(gdb);
    return rc;
}

/* ---- DUMP_GRAPH ------------------------------------------------------------------------------ */

static void write_dump_double(qv_buf *out, double d) {
    if (isnan(d)) qv_buf_append_str(out, "\"NaN\"");
    else if (isinf(d)) qv_buf_append_str(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else json_write_double(out, d);
}

static void write_ext_id(qv_buf *out, const graph *g, uint64_t v) {
    if (g->id_type == GRAPH_ID_STRING)
        json_write_str(out, g->ext_str + g->ext_str_off[v], g->ext_str_off[v + 1] - g->ext_str_off[v]);
    else json_write_i64(out, g->ext_ids[v]);
}

static void write_value(qv_buf *out, const gcolumn *c, uint64_t row) {
    switch (c->type) {
    case GPROP_INT64: json_write_i64(out, ((const int64_t *)c->values)[row]); return;
    case GPROP_DOUBLE: write_dump_double(out, ((const double *)c->values)[row]); return;
    case GPROP_BOOL: json_write_bool(out, ((const uint8_t *)c->values)[row] != 0); return;
    case GPROP_STRING:
        json_write_str(out, (const char *)c->values + c->offsets[row], c->offsets[row + 1] - c->offsets[row]);
        return;
    default: break;
    }
    qv_buf_append_byte(out, '[');
    for (uint64_t i = c->offsets[row]; i < c->offsets[row + 1]; i++) {
        if (i > c->offsets[row]) qv_buf_append_byte(out, ',');
        if (c->type == GPROP_INT64_LIST) json_write_i64(out, ((const int64_t *)c->values)[i]);
        else if (c->type == GPROP_DOUBLE_LIST) write_dump_double(out, ((const double *)c->values)[i]);
        else write_dump_double(out, (double)((const float *)c->values)[i]);
    }
    qv_buf_append_byte(out, ']');
}

static void write_props(qv_buf *out, const graph *g, const gcolumn *cols, int n, uint64_t row) {
    qv_buf_append_str(out, "\"properties\":{");
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (!gcolumn_has(&cols[i], row)) continue;
        if (!first) qv_buf_append_byte(out, ',');
        first = false;
        json_write_cstr(out, qv_strtab_name(&g->prop_keys, cols[i].key));
        qv_buf_append_byte(out, ':');
        write_value(out, &cols[i], row);
    }
    qv_buf_append_byte(out, '}');
}

static void write_type_flags(qv_buf *out, const graph *g, const bool *flags) {
    qv_buf_append_byte(out, '[');
    bool first = true;
    for (uint32_t t = 0; flags && t < g->rel_types.count; t++) {
        if (!flags[t]) continue;
        if (!first) qv_buf_append_byte(out, ',');
        first = false;
        json_write_cstr(out, qv_strtab_name(&g->rel_types, t));
    }
    qv_buf_append_byte(out, ']');
}

int flight_dump_graph(flight_service *fs, const char *db, const char *name, uint64_t limit, qv_buf *out, qv_err *err) {
    graph *g = lookup(fs, db, name, err);
    if (!g) return -1;
    if (g->n_nodes + g->n_rels > limit) {
        uint64_t size = g->n_nodes + g->n_rels;
        gcatalog_release(fs->cat, g);
        return qv_err_set(err, QV_ETOOBIG,
                          "graph '%s' has %llu nodes and relationships, more than the dump limit %llu (pass a larger "
                          "'limit')",
                          name, (unsigned long long)size, (unsigned long long)limit);
    }
    pthread_rwlock_rdlock(&g->cols_lock);
    api_graph_head_json(g, out);
    qv_buf_append_str(out, ",\"id_property\":");
    if (g->id_property) json_write_cstr(out, g->id_property);
    else qv_buf_append_str(out, "null");
    qv_buf_append_str(out, ",\"node_count\":");
    json_write_u64(out, g->n_nodes);
    qv_buf_append_str(out, ",\"relationship_count\":");
    json_write_u64(out, g->n_rels);
    qv_buf_append_str(out, ",\"undirected_types\":");
    write_type_flags(out, g, g->type_undirected);
    qv_buf_append_str(out, ",\"inverse_indexed_types\":");
    write_type_flags(out, g, g->type_inverse);
    qv_buf_append_str(out, ",\"nodes\":[");
    for (uint64_t v = 0; v < g->n_nodes; v++) {
        if (v) qv_buf_append_byte(out, ',');
        qv_buf_append_str(out, "{\"id\":");
        write_ext_id(out, g, v);
        qv_buf_append_str(out, ",\"labels\":[");
        uint32_t nl;
        const uint32_t *ls = graph_node_labels(g, v, &nl);
        /* label ids are sorted by id; the dump sorts names so tests need not know the ids */
        const char **names = qv_malloc((nl ? nl : 1) * sizeof *names);
        for (uint32_t i = 0; i < nl; i++) names[i] = qv_strtab_name(&g->labels, ls[i]);
        for (uint32_t i = 1; i < nl; i++)
            for (uint32_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        for (uint32_t i = 0; i < nl; i++) {
            if (i) qv_buf_append_byte(out, ',');
            json_write_cstr(out, names[i]);
        }
        free(names);
        qv_buf_append_str(out, "],");
        write_props(out, g, g->node_cols, g->n_node_cols, v);
        qv_buf_append_byte(out, '}');
    }
    qv_buf_append_str(out, "],\"relationships\":[");
    for (uint64_t v = 0, r = 0; v < g->n_nodes; v++)
        for (; r < g->out_off[v + 1]; r++) {
            if (r) qv_buf_append_byte(out, ',');
            qv_buf_append_str(out, "{\"source\":");
            write_ext_id(out, g, v);
            qv_buf_append_str(out, ",\"target\":");
            write_ext_id(out, g, g->out_tgt[r]);
            qv_buf_append_str(out, ",\"type\":");
            json_write_cstr(out, qv_strtab_name(&g->rel_types, g->rel_type[r]));
            qv_buf_append_byte(out, ',');
            write_props(out, g, g->rel_cols, g->n_rel_cols, r);
            qv_buf_append_byte(out, '}');
        }
    qv_buf_append_str(out, "],\"incoming\":[");
    for (uint64_t v = 0; v < g->n_nodes; v++) {
        if (v) qv_buf_append_byte(out, ',');
        qv_buf_append_byte(out, '[');
        for (uint64_t i = g->in_off[v]; i < g->in_off[v + 1]; i++) {
            if (i > g->in_off[v]) qv_buf_append_byte(out, ',');
            json_write_u64(out, g->in_rel[i]);
        }
        qv_buf_append_byte(out, ']');
    }
    qv_buf_append_str(out, "]}");
    pthread_rwlock_unlock(&g->cols_lock);
    gcatalog_release(fs->cat, g);
    return 0;
}
