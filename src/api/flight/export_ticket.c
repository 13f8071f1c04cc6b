/* export_ticket.c — GET_COMMAND tickets for DoGet and GetFlightInfo: the envelope (GET_COMMAND /
 * GET_MESSAGE or the bare body), the export procedures and their pre-2.2 names, the configuration
 * (node_labels, relationship_types, node_propert(y|ies), relationship_propert(y|ies), list_node_labels,
 * consecutive_ids), partition_offset / partition_size, and the result schema each procedure has.
 */
#include "api/flight/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    proc_kind kind;
} procs[] = {
    {"gds.graph.relationships.stream", P_RELS},
    {"gds.graph.nodeProperties.stream", P_NODE_PROPS},
    {"gds.graph.nodeProperty.stream", P_NODE_PROP},
    {"gds.graph.nodeLabels.stream", P_NODE_LABELS},
    {"gds.graph.relationshipProperty.stream", P_REL_PROP},
    {"gds.graph.relationshipProperties.stream", P_REL_PROPS},
    /* pre-2.2 names (client 1.6 against old servers) */
    {"gds.beta.graph.relationships.stream", P_RELS},
    {"gds.graph.streamNodeProperties", P_NODE_PROPS},
    {"gds.graph.streamNodeProperty", P_NODE_PROP},
    {"gds.graph.streamRelationshipProperty", P_REL_PROP},
    {"gds.graph.streamRelationshipProperties", P_REL_PROPS},
};
enum { NPROCS_CURRENT = 6 };

/* ---- configuration -------------------------------------------------------------------------------- */

static void list_names(qv_buf *b, const qv_strtab *t) {
    for (uint32_t i = 0; i < t->count; i++) {
        if (i) qv_buf_append_str(b, ", ");
        qv_buf_append(b, t->names[i], t->lens[i]);
    }
    if (!t->count) qv_buf_append_str(b, "none");
    qv_buf_append_byte(b, 0);
}

/* A string or list of strings; "*" (or absent) selects everything: *sel stays NULL. */
static int parse_selection(const json_val *v, const qv_strtab *t, const char *key, const char *what,
                           const graph *g, bool **sel, qv_err *err) {
    *sel = NULL;
    if (!v || v->type == JSON_NULL) return 0;
    const json_val *one = v;
    size_t n = 1;
    if (v->type == JSON_ARRAY) n = v->arr.n;
    else if (v->type != JSON_STRING)
        return qv_err_set(err, QV_EINVAL, "configuration.%s must be a string or a list of strings", key);
    for (size_t i = 0; i < n; i++) {
        const json_val *s = v->type == JSON_ARRAY ? v->arr.items[i] : one;
        if (s->type != JSON_STRING)
            return qv_err_set(err, QV_EINVAL, "configuration.%s must be a string or a list of strings", key);
        if (strcmp(s->str.s, "*") == 0) {
            free(*sel);
            *sel = NULL;
            return 0;
        }
    }
    *sel = qv_calloc(t->count ? t->count : 1, sizeof **sel);
    for (size_t i = 0; i < n; i++) {
        const json_val *s = v->type == JSON_ARRAY ? v->arr.items[i] : one;
        uint32_t id = UINT32_MAX;
        for (uint32_t k = 0; k < t->count; k++)
            if (t->lens[k] == s->str.len && memcmp(t->names[k], s->str.s, s->str.len) == 0) id = k;
        if (id == UINT32_MAX) {
            qv_buf b;
            qv_buf_init(&b);
            list_names(&b, t);
            qv_err_set(err, QV_ENOTFOUND, "%s '%s' does not exist in graph '%s' (it has: %s)", what, s->str.s, g->name,
                       (const char *)b.data);
            qv_buf_free(&b);
            free(*sel);
            *sel = NULL;
            return -1;
        }
        (*sel)[id] = true;
    }
    return 0;
}

/* Property names from a string or a list of strings into *names (pointers into the doc). */
static int parse_names(const json_val *v, const char *key, const char ***names, int *n, qv_err *err) {
    *names = NULL;
    *n = 0;
    if (!v) return qv_err_set(err, QV_EINVAL, "configuration.%s is required", key);
    size_t cnt = v->type == JSON_ARRAY ? v->arr.n : 1;
    if (v->type != JSON_ARRAY && v->type != JSON_STRING)
        return qv_err_set(err, QV_EINVAL, "configuration.%s must be a string or a list of strings", key);
    if (cnt == 0) return qv_err_set(err, QV_EINVAL, "configuration.%s must name at least one property", key);
    if (cnt > 4096) return qv_err_set(err, QV_EINVAL, "configuration.%s names too many properties", key);
    *names = qv_calloc(cnt, sizeof **names);
    for (size_t i = 0; i < cnt; i++) {
        const json_val *s = v->type == JSON_ARRAY ? v->arr.items[i] : v;
        if (s->type != JSON_STRING) {
            free(*names);
            *names = NULL;
            return qv_err_set(err, QV_EINVAL, "configuration.%s must be a string or a list of strings", key);
        }
        (*names)[i] = s->str.s;
    }
    *n = (int)cnt;
    return 0;
}

static bool get_bool(const json_val *cfg, const char *key) {
    const json_val *v = cfg ? json_get(cfg, key) : NULL;
    return v && v->type == JSON_BOOL && v->b;
}

static void set_id_field(const get_stream *gs, arw_field *f, const char *name) {
    f->name = qv_strdup(name);
    f->nullable = false;
    if (gs->g->id_type == GRAPH_ID_STRING && !gs->consecutive) f->kind = ARW_UTF8;
    else {
        f->kind = ARW_INT;
        f->bit_width = 64;
        f->is_signed = true;
    }
}

static int add_col(get_stream *gs, col_role role) {
    int i = gs->ncols++;
    gs->roles[i] = role;
    gs->fields[i].nchildren = 0;
    return i;
}

static void set_prop_field(get_stream *gs, int i, const char *name, gprop_type t) {
    arw_field *f = &gs->fields[i], *ch = &gs->children[i];
    f->name = qv_strdup(name);
    f->nullable = true;
    ch->name = qv_strdup("item");
    ch->nullable = true;
    switch (t) {
    case GPROP_INT64: f->kind = ARW_INT, f->bit_width = 64, f->is_signed = true; return;
    case GPROP_DOUBLE: f->kind = ARW_FLOAT, f->bit_width = 64; return;
    case GPROP_BOOL: f->kind = ARW_BOOL; return;
    case GPROP_STRING: f->kind = ARW_UTF8; return;
    case GPROP_INT64_LIST: ch->kind = ARW_INT, ch->bit_width = 64, ch->is_signed = true; break;
    case GPROP_DOUBLE_LIST: ch->kind = ARW_FLOAT, ch->bit_width = 64; break;
    case GPROP_FLOAT_LIST: ch->kind = ARW_FLOAT, ch->bit_width = 32; break;
    }
    f->kind = ARW_LIST;
    f->nchildren = 1;
    f->children = ch;
}

static void set_labels_field(get_stream *gs, int i) {
    arw_field *f = &gs->fields[i], *ch = &gs->children[i];
    f->name = qv_strdup("labels");
    f->nullable = false;
    f->kind = ARW_LIST;
    f->nchildren = 1;
    f->children = ch;
    ch->name = qv_strdup("item");
    ch->kind = ARW_UTF8;
    ch->nullable = false;
}

/* Range [offset, offset+size) of the ticket's partition_offset / partition_size within [0, total). */
static int parse_partition(const json_val *body, uint64_t total, uint64_t *start, uint64_t *end, qv_err *err) {
    *start = 0;
    *end = total;
    const json_val *o = json_get(body, "partition_offset"), *s = json_get(body, "partition_size");
    if (!o && !s) return 0;
    if ((o && (o->type != JSON_NUMBER || !o->num.is_int || o->num.i < 0)) ||
        (s && (s->type != JSON_NUMBER || !s->num.is_int || s->num.i < 0)))
        return qv_err_set(err, QV_EINVAL, "partition_offset and partition_size must be non-negative integers");
    uint64_t off = o ? (uint64_t)o->num.i : 0, sz = s ? (uint64_t)s->num.i : total;
    *start = off < total ? off : total;
    *end = sz < total - *start ? *start + sz : total;
    return 0;
}

/* The ticket -> gs (export.h). */

/* ---- property types of keys only transactions wrote ----------------------------------------------------
 * A key an openCypher write introduced has no base column to give its Arrow type, so the snapshot's values
 * decide it: integers -> int64, numbers -> double, booleans, strings, lists of integers -> list<int64>,
 * lists of numbers -> list<double> (an empty list fits any list type). A key holding two kinds of value
 * (say integers and strings, or temporal values) cannot be one Arrow column: INVALID_ARGUMENT naming them. */

enum { VK_INT = 1, VK_FLOAT = 2, VK_BOOL = 4, VK_STRING = 8, VK_ILIST = 16, VK_FLIST = 32, VK_ELIST = 64,
       VK_OTHER = 128 };

static unsigned value_kind(qval x) {
    switch (x.type) {
    case QT_INT: return VK_INT;
    case QT_FLOAT: return VK_FLOAT;
    case QT_BOOL: return VK_BOOL;
    case QT_STRING: return VK_STRING;
    case QT_LIST: {
        if (x.len == 0) return VK_ELIST;
        unsigned k = 0;
        for (uint32_t i = 0; i < x.len; i++)
            k |= x.items[i].type == QT_INT ? VK_ILIST : x.items[i].type == QT_FLOAT ? VK_FLIST : VK_OTHER;
        return k & VK_OTHER ? VK_OTHER : k & VK_FLIST ? VK_FLIST : VK_ILIST;
    }
    default: return VK_OTHER;
    }
}

/* 1: *type set; 0: no live entity has the key; -1: err set (values of kinds no one column holds). */
static int written_prop_type(gview *v, bool rel, const char *name, const char *gname, gprop_type *type,
                             qv_err *err) {
    int64_t k = gview_key_id(v, name, strlen(name));
    if (k < 0) return 0;
    unsigned kinds = 0;
    uint64_t end = rel ? gview_rel_id_end(v) : gview_node_id_end(v);
    for (uint64_t id = 0; id < end && !(kinds & VK_OTHER); id++) {
        qval x;
        bool has = rel ? gview_rel_exists(v, id) && gview_rel_prop(v, id, (uint32_t)k, &x)
                       : gview_node_exists(v, id) && gview_node_prop(v, id, (uint32_t)k, &x);
        if (has) kinds |= value_kind(x);
    }
    if (!kinds) return 0;
    unsigned lists = kinds & (VK_ILIST | VK_FLIST | VK_ELIST);
    if (kinds == VK_INT) *type = GPROP_INT64;
    else if (!(kinds & ~(unsigned)(VK_INT | VK_FLOAT))) *type = GPROP_DOUBLE;
    else if (kinds == VK_BOOL) *type = GPROP_BOOL;
    else if (kinds == VK_STRING) *type = GPROP_STRING;
    else if (lists == kinds) *type = kinds & VK_FLIST ? GPROP_DOUBLE_LIST : GPROP_INT64_LIST;
    else {
        static const struct { unsigned bit; const char *name; } names[] = {
            {VK_INT | VK_FLOAT, "numbers"}, {VK_BOOL, "booleans"}, {VK_STRING, "strings"},
            {VK_ILIST | VK_FLIST | VK_ELIST, "lists"}, {VK_OTHER, "other values"},
        };
        char seen[96] = "";
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (kinds & names[i].bit)
                snprintf(seen + strlen(seen), sizeof seen - strlen(seen), "%s%s", *seen ? ", " : "", names[i].name);
        qv_err_set(err, QV_EINVAL,
                   "%s property '%s' of graph '%s' holds values of several kinds (%s): an Arrow column has one type "
                   "(integers, floats, booleans, strings or lists of numbers); export the other properties, or make "
                   "its values one kind with openCypher",
                   rel ? "relationship" : "node", name, gname, seen);
        return -1;
    }
    return 1;
}

/* The Arrow type of property `name`: its base column's, or for a key only transactions wrote, its values'. */
static int prop_type(get_stream *gs, graph *g, const char *gname, const char *name, gprop_type *type, qv_err *err) {
    pthread_rwlock_rdlock(&g->cols_lock);
    const gcolumn *c = gs->is_rel ? graph_rel_col(g, name) : graph_node_col(g, name);
    if (c) *type = c->type;
    pthread_rwlock_unlock(&g->cols_lock);
    if (c) return 0;
    int r = gs->view ? written_prop_type(gs->view, gs->is_rel, name, gname, type, err) : 0;
    if (r > 0) return 0;
    if (r == 0)
        qv_err_set(err, QV_ENOTFOUND, "%s property '%s' does not exist in graph '%s'", gs->is_rel ? "relationship" : "node",
                   name, gname);
    return -1;
}

int export_open(get_stream *gs, const uint8_t *p, size_t n, json_doc **keep, json_val **bodyp, qv_err *err) {
    flight_service *fs = gs->fs;
    json_doc *doc = flight_parse_object(p, n, "the ticket", err);
    if (!doc) return -1;
    int rc = -1;
    const char **names = NULL;
    int nnames = 0;
    json_val *body = flight_command_body(json_doc_root(doc), "GET_COMMAND", "GET_MESSAGE", "the ticket", "ticket", err);
    if (!body) goto out;
    const char *gname = json_get_str(body, "graph_name"), *proc = json_get_str(body, "procedure_name");
    if (!gname || !proc) {
        qv_err_set(err, QV_EINVAL, "the ticket must be {\"name\":\"GET_COMMAND\",\"version\":\"v1\",\"body\":"
                                   "{\"graph_name\":..,\"procedure_name\":..,\"configuration\":{..}}}");
        goto out;
    }
    json_val *cfg = json_get(body, "configuration");
    if (cfg && cfg->type == JSON_NULL) cfg = NULL;
    if (cfg && cfg->type != JSON_OBJECT) {
        qv_err_set(err, QV_EINVAL, "the ticket's configuration must be a JSON object");
        goto out;
    }
    int pi = -1;
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
        if (strcmp(procs[i].name, proc) == 0) pi = (int)i;
    if (pi < 0) {
        qv_buf b;
        qv_buf_init(&b);
        for (int i = 0; i < NPROCS_CURRENT; i++) {
            if (i) qv_buf_append_str(&b, ", ");
            qv_buf_append_str(&b, procs[i].name);
        }
        qv_buf_append_byte(&b, 0);
        qv_err_set(err, QV_EINVAL, "unknown procedure_name '%s' (supported: %s)", proc, (const char *)b.data);
        qv_buf_free(&b);
        goto out;
    }
    gs->kind = procs[pi].kind;
    gs->is_rel = gs->kind == P_RELS || gs->kind == P_REL_PROP || gs->kind == P_REL_PROPS;
    /* GDS tickets carry database_name: the graph is looked up in that database only (NOT_FOUND elsewhere).
     * Without it, a bare name resolves as catalog.h says. */
    const json_val *dbv = json_get(body, "database_name");
    if (dbv && dbv->type != JSON_NULL && dbv->type != JSON_STRING) {
        qv_err_set(err, QV_EINVAL, "the ticket's database_name must be a string");
        goto out;
    }
    const char *db = dbv && dbv->type == JSON_STRING ? json_get_str(body, "database_name") : NULL;
    qv_err nf;
    graph *g = gs->g = gcatalog_resolve(fs->cat, db, gname, &nf);
    if (!g) {
        flight_import *imp = imports_get(fs->imports, gname);
        const char *imp_db = imp ? (imp->scope ? imp->scope : imp->name) : NULL;
        if (imp && !imp->finished && (!db || strcmp(db, imp_db) == 0)) {
            const char *phase = imp->loader ? gload_phase_name(gloader_phase(imp->loader)) : "node_properties";
            qv_err_set(err, QV_EPHASE, "graph '%s' is still being imported (phase '%s'); it can be exported once its "
                                       "last *_LOAD_DONE has finished", gname, phase);
        } else *err = nf;
        if (imp) imports_put(fs->imports, imp);
        goto out;
    }
    if (graph_has_writes(g) && !(gs->view = gview_open(g, err))) goto out;
    gs->consecutive = get_bool(cfg, "consecutive_ids");
    gs->list_labels = get_bool(cfg, "list_node_labels");
    if (gs->kind == P_NODE_PROPS || gs->kind == P_NODE_PROP) {
        const char *key = gs->kind == P_NODE_PROPS ? "node_properties" : "node_property";
        const json_val *v = cfg ? json_get(cfg, key) : NULL;
        if (!v && cfg) v = json_get(cfg, gs->kind == P_NODE_PROPS ? "node_property" : "node_properties");
        if (parse_names(v, key, &names, &nnames, err) < 0) goto out;
        if (gs->kind == P_NODE_PROP && nnames != 1) {
            qv_err_set(err, QV_EINVAL, "configuration.node_property must name exactly one property");
            goto out;
        }
    } else if (gs->kind == P_REL_PROP || gs->kind == P_REL_PROPS) {
        const char *key = gs->kind == P_REL_PROPS ? "relationship_properties" : "relationship_property";
        const json_val *v = cfg ? json_get(cfg, key) : NULL;
        if (!v && cfg) v = json_get(cfg, gs->kind == P_REL_PROPS ? "relationship_property" : "relationship_properties");
        if (parse_names(v, key, &names, &nnames, err) < 0) goto out;
        if (gs->kind == P_REL_PROP && nnames > 1) gs->kind = P_REL_PROPS; /* the doc's relationship_property: [..] */
    }
    if (gs->is_rel) {
        if (parse_selection(cfg ? json_get(cfg, "relationship_types") : NULL, &g->rel_types, "relationship_types",
                            "relationship type", g, &gs->type_sel, err) < 0)
            goto out;
    } else if (parse_selection(cfg ? json_get(cfg, "node_labels") : NULL, &g->labels, "node_labels", "node label", g,
                               &gs->label_sel, err) < 0)
        goto out;

    int maxcols = nnames + 4;
    gs->fields = qv_calloc((size_t)maxcols, sizeof *gs->fields);
    gs->children = qv_calloc((size_t)maxcols, sizeof *gs->children);
    gs->roles = qv_calloc((size_t)maxcols, sizeof *gs->roles);
    gs->keys = qv_calloc((size_t)maxcols, sizeof *gs->keys);
    gs->ptypes = qv_calloc((size_t)maxcols, sizeof *gs->ptypes);
    gs->pcols = qv_calloc((size_t)maxcols, sizeof *gs->pcols);
    gs->cols = qv_calloc((size_t)maxcols, sizeof *gs->cols);
    if (gs->is_rel) {
        set_id_field(gs, &gs->fields[add_col(gs, C_SRC)], "sourceNodeId");
        set_id_field(gs, &gs->fields[add_col(gs, C_TGT)], "targetNodeId");
        arw_field *tf = &gs->fields[add_col(gs, C_TYPE)];
        tf->name = qv_strdup("relationshipType");
        tf->kind = ARW_UTF8;
        tf->nullable = false;
        tf->dictionary = true;
        tf->dict_id = 0;
        tf->index_bit_width = 32;
        tf->index_signed = true;
        for (int i = 0; i < nnames; i++) {
            gprop_type type;
            if (prop_type(gs, g, gname, names[i], &type, err) < 0) goto out;
            int k = add_col(gs, C_PROP);
            gs->keys[k] = qv_strdup(names[i]);
            gs->ptypes[k] = type;
            set_prop_field(gs, k, gs->kind == P_REL_PROP ? "propertyValue" : names[i], type);
        }
        gs->src = 0;
        if (parse_partition(body, gs->view ? gview_rel_id_end(gs->view) : g->n_rels, &gs->pos, &gs->end, err) < 0)
            goto out;
        if (!gs->view && gs->pos < gs->end) gs->src = graph_rel_source(g, gs->pos);
    } else {
        set_id_field(gs, &gs->fields[add_col(gs, C_NODE)], "nodeId");
        for (int i = 0; i < nnames; i++) {
            gprop_type type;
            if (prop_type(gs, g, gname, names[i], &type, err) < 0) goto out;
            int k = add_col(gs, C_PROP);
            gs->keys[k] = qv_strdup(names[i]);
            gs->ptypes[k] = type;
            set_prop_field(gs, k, gs->kind == P_NODE_PROP ? "propertyValue" : names[i], type);
        }
        if (gs->kind == P_NODE_LABELS || gs->list_labels) set_labels_field(gs, add_col(gs, C_LABELS));
        if (parse_partition(body, gs->view ? gview_node_id_end(gs->view) : g->n_nodes, &gs->pos, &gs->end, err) < 0)
            goto out;
    }
    gs->batch_rows = fs->cfg.export_batch_rows ? fs->cfg.export_batch_rows : 10000;
    gs->rows = qv_malloc(gs->batch_rows * sizeof *gs->rows);
    gs->srcs = qv_malloc(gs->batch_rows * sizeof *gs->srcs);
    rc = 0;
    if (keep) {
        *keep = doc;
        *bodyp = body;
        doc = NULL;
    }
out:
    free(names);
    json_doc_free(doc);
    return rc;
}

/* Schema, then (relationship exports) the dictionary of every type name. */
