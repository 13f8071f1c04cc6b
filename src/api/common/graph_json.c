/* graph_json.c — the graph summary JSON shared by the front ends (see graph_json.h). */
#include "api/common/graph_json.h"
#include "wire/json.h"

#include <pthread.h>

static void write_names(qv_buf *out, const qv_strtab *t) {
    qv_buf_append_byte(out, '[');
    for (uint32_t i = 0; i < t->count; i++) {
        if (i) qv_buf_append_byte(out, ',');
        json_write_str(out, t->names[i], t->lens[i]);
    }
    qv_buf_append_byte(out, ']');
}

static void write_prop_types(qv_buf *out, const graph *g, const gcolumn *cols, int n) {
    qv_buf_append_byte(out, '{');
    for (int i = 0; i < n; i++) {
        if (i) qv_buf_append_byte(out, ',');
        json_write_cstr(out, qv_strtab_name(&g->prop_keys, cols[i].key));
        qv_buf_append_byte(out, ':');
        json_write_cstr(out, gprop_type_name(cols[i].type));
    }
    qv_buf_append_byte(out, '}');
}

void api_graph_head_json(const graph *g, qv_buf *out) {
    qv_buf_append_str(out, "{\"name\":");
    json_write_cstr(out, g->name);
    qv_buf_append_str(out, ",\"database_name\":");
    json_write_cstr(out, g->database_name ? g->database_name : g->name);
    qv_buf_append_str(out, g->durable ? ",\"durable\":true" : ",\"durable\":false");
    qv_buf_append_str(out, g->id_type == GRAPH_ID_STRING ? ",\"id_type\":\"STRING\"" : ",\"id_type\":\"INTEGER\"");
}

void api_graph_summary_json(const graph *g, qv_buf *out) {
    pthread_rwlock_rdlock((pthread_rwlock_t *)&g->cols_lock);
    api_graph_head_json(g, out);
    qv_buf_append_str(out, ",\"node_count\":");
    json_write_u64(out, g->n_nodes);
    qv_buf_append_str(out, ",\"relationship_count\":");
    json_write_u64(out, g->n_rels);
    qv_buf_append_str(out, ",\"labels\":");
    write_names(out, &g->labels);
    qv_buf_append_str(out, ",\"relationship_types\":");
    write_names(out, &g->rel_types);
    qv_buf_append_str(out, ",\"node_properties\":");
    write_prop_types(out, g, g->node_cols, g->n_node_cols);
    qv_buf_append_str(out, ",\"relationship_properties\":");
    write_prop_types(out, g, g->rel_cols, g->n_rel_cols);
    qv_buf_append_str(out, ",\"memory_bytes\":");
    json_write_u64(out, graph_memory_bytes(g));
    qv_buf_append_str(out, ",\"topology_bytes\":");
    json_write_u64(out, graph_topology_bytes(g));
    qv_buf_append_byte(out, '}');
    pthread_rwlock_unlock((pthread_rwlock_t *)&g->cols_lock);
}

