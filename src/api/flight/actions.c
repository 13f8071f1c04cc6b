/* actions.c — the GDS v1 actions (DoAction): creating imports, finishing their phases, aborting them,
 * adding node properties to existing graphs, and dispatch to the catalog actions.
 *
 * Every action answers exactly one JSON object (GDS clients reject anything else). Action types are
 * matched with or without the "v1/" prefix, in any case. Errors are qv_err codes that service.c maps to
 * gRPC statuses; a deterministic failure never maps to a status the client would retry.
 */
#include "api/flight/flight_internal.h"
#include "store/save_stream.h" /* ckpt */
#include "util/log.h"
#include "wire/flight_proto.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct action_def {
    const char *name;
    const char *description;
} action_def;

static const action_def actions[] = {
    {"CREATE_GRAPH", "Start an in-memory graph projection: {name, database_name, concurrency, "
                     "undirected_relationship_types, inverse_indexed_relationship_types, skip_dangling_relationships}"},
    {"CREATE_GRAPH_FROM_TRIPLETS", "Start an in-memory graph projection loaded from triplet streams"},
    {"CREATE_DATABASE", "Start a durable database import: {name, id_type INTEGER|STRING, id_property, force, concurrency}"},
    {"NODE_LOAD_DONE", "Finish the node phase of an import: {name} -> {name, node_count}"},
    {"RELATIONSHIP_LOAD_DONE", "Finish the relationship phase and build the graph: {name} -> {name, relationship_count}"},
    {"TRIPLET_LOAD_DONE", "Finish a triplet import and build the graph: {name} -> {name, node_count, relationship_count}"},
    {"ABORT", "Abort an import and free its data: {name}"},
    {"PUT_NODE_PROPERTIES", "Start adding node properties to an existing graph: {name, database_name, node_labels, "
                            "consecutive_ids}"},
    {"PUT_NODE_PROPERTIES_DONE", "Finish adding node properties: {name} -> {name, node_count}"},
    {"LIST_GRAPHS", "List graphs (name, database, counts, labels, types, properties, memory) and imports in progress, "
                    "of every database or of {database_name}"},
    {"DROP_GRAPH", "Drop a graph or database and free its memory: {name, database_name} (without database_name, a "
                   "name that only one database holds)"},
    {"DUMP_GRAPH", "The whole content of a small graph as JSON, for tests and debugging: {name, database_name, limit}"},
};
enum { NACTIONS = sizeof actions / sizeof actions[0] };

void flight_list_actions(qv_grpc_call *call) {
    qv_buf msg;
    qv_buf_init(&msg);
    for (int i = 0; i < NACTIONS; i++) {
        char type[64];
        snprintf(type, sizeof type, "v1/%s", actions[i].name);
        qv_buf_reset(&msg);
        fp_encode_action_type(&msg, type, actions[i].description);
        qv_grpc_call_send(call, msg.data, msg.len);
    }
    qv_buf_free(&msg);
}

/* ---- config helpers --------------------------------------------------------------------------- */

static int get_string(const json_val *o, const char *key, bool required, const char **out, qv_err *err) {
    json_val *v = json_get(o, key);
    if (!v || v->type == JSON_NULL) {
        if (required) return qv_err_set(err, QV_EINVAL, "missing required key '%s'", key);
        return 0;
    }
    if (v->type != JSON_STRING) return qv_err_set(err, QV_EINVAL, "'%s' must be a string", key);
    if (required && v->str.len == 0) return qv_err_set(err, QV_EINVAL, "'%s' must not be empty", key);
    if (strlen(v->str.s) != v->str.len) return qv_err_set(err, QV_EINVAL, "'%s' must not contain NUL", key);
    *out = v->str.s;
    return 0;
}

static int get_bool(const json_val *o, const char *key, bool *out, qv_err *err) {
    json_val *v = json_get(o, key);
    if (!v || v->type == JSON_NULL) return 0;
    if (v->type != JSON_BOOL) return qv_err_set(err, QV_EINVAL, "'%s' must be true or false", key);
    *out = v->b;
    return 0;
}

static int check_int(const json_val *o, const char *key, qv_err *err) {
    json_val *v = json_get(o, key);
    if (!v || v->type == JSON_NULL) return 0;
    if (v->type != JSON_NUMBER || !v->num.is_int || v->num.i < 0)
        return qv_err_set(err, QV_EINVAL, "'%s' must be a non-negative integer", key);
    return 0;
}

/* A list of strings, or a single string. Appends to names[*n]. */
static int get_names(const json_val *o, const char *key, const char **names, int *n, int cap, qv_err *err) {
    json_val *v = json_get(o, key);
    if (!v || v->type == JSON_NULL) return 0;
    if (v->type == JSON_STRING) {
        if (*n >= cap) return qv_err_set(err, QV_EINVAL, "too many names in '%s'", key);
        names[(*n)++] = v->str.s;
        return 0;
    }
    if (v->type != JSON_ARRAY) return qv_err_set(err, QV_EINVAL, "'%s' must be a list of strings", key);
    for (size_t i = 0; i < v->arr.n; i++) {
        if (v->arr.items[i]->type != JSON_STRING)
            return qv_err_set(err, QV_EINVAL, "'%s' must be a list of strings (item %zu is not)", key, i);
        if (*n >= cap) return qv_err_set(err, QV_EINVAL, "too many names in '%s'", key);
        names[(*n)++] = v->arr.items[i]->str.s;
    }
    return 0;
}

static void reply_name(qv_buf *reply, const char *name) {
    qv_buf_append_str(reply, "{\"name\":");
    json_write_cstr(reply, name);
}

static int no_process(const char *name, qv_err *err) {
    return qv_err_set(err, QV_ENOTFOUND,
                      "No arrow process for '%s': it was never created, has finished and been forgotten, failed, "
                      "or was aborted (by v1/ABORT or after --abort-timeout without activity)",
                      name);
}

/* ---- CREATE_GRAPH, CREATE_GRAPH_FROM_TRIPLETS, CREATE_DATABASE --------------------------------- */

#define MAX_TYPES 4096

/* ckpt: the loader's out_done hook of a database import: the parts of the file that are final go to disk while
 * the incoming index is built (install_graph finishes the save before the reply); g NULL: the build failed or
 * was aborted and the graph is about to be freed, so the save stops first (its file is removed). */
static void save_while_building(void *arg, const graph *g) {
    flight_import *imp = arg;
    if (!g) {
        store_stream_cancel(imp->save);
        imp->save = NULL;
    } else if (imp->save_store && !imp->save) {
        imp->save = store_stream_begin(imp->save_store, g);
    }
}

static int create_import(flight_service *fs, import_kind kind, const uint8_t *body, size_t len, qv_buf *reply,
                         qv_err *err) {
    json_doc *doc = flight_parse_object(body, len, "the action body", err);
    if (!doc) return -1;
    json_val *o = json_doc_root(doc);
    const char *name = NULL, *db = "neo4j", *ignored = NULL, *id_type = "INTEGER", *id_property = "__originalId__";
    bool skip = false, force = false, b;
    const char **types = qv_calloc(2 * MAX_TYPES, sizeof *types);
    int nund = 0, ninv = 0;
    flight_import *imp = NULL;
    if (get_string(o, "name", true, &name, err) < 0 || check_int(o, "concurrency", err) < 0) goto fail;
    if (kind == IMPORT_DATABASE) {
        if (get_string(o, "id_type", false, &id_type, err) < 0 ||
            get_string(o, "id_property", false, &id_property, err) < 0 || get_bool(o, "force", &force, err) < 0 ||
            get_bool(o, "high_io", &b, err) < 0 || get_bool(o, "use_bad_collector", &b, err) < 0 ||
            get_string(o, "db_format", false, &ignored, err) < 0 ||
            get_string(o, "record_format", false, &ignored, err) < 0)
            goto fail;
        if (strcasecmp(id_type, "INTEGER") != 0 && strcasecmp(id_type, "STRING") != 0) {
            qv_err_set(err, QV_EINVAL, "'id_type' must be \"INTEGER\" or \"STRING\", not \"%s\"", id_type);
            goto fail;
        }
        if (!*id_property) {
            qv_err_set(err, QV_EINVAL, "'id_property' must not be empty");
            goto fail;
        }
    } else {
        if (get_string(o, "database_name", false, &db, err) < 0 || get_bool(o, "skip_dangling_relationships", &skip, err) < 0 ||
            get_names(o, "undirected_relationship_types", types, &nund, MAX_TYPES, err) < 0 ||
            get_names(o, "inverse_indexed_relationship_types", types + MAX_TYPES, &ninv, MAX_TYPES, err) < 0)
            goto fail;
        graph *dbg = gcatalog_get_in(fs->cat, NULL, db);
        bool is_db = dbg && dbg->durable;
        if (dbg) gcatalog_release(fs->cat, dbg);
        if (!is_db) {
            qv_err_set(err, QV_ENOTFOUND, "database '%s' does not exist (v1/LIST_GRAPHS lists the databases)", db);
            goto fail;
        }
    }

    /* The canonical request, for idempotent repeats of the same CREATE. */
    qv_buf canon;
    qv_buf_init(&canon);
    qv_buf_printf(&canon, "%s:", import_kind_name(kind));
    json_write_val(&canon, o);
    qv_buf_append_byte(&canon, 0);

    flight_import *old = imports_get(fs->imports, name);
    if (old) {
        bool same = !old->finished && old->kind == kind && !old->has_data && old->create_body &&
                    strcmp(old->create_body, (const char *)canon.data) == 0;
        bool busy = !old->finished;
        imports_put(fs->imports, old);
        if (same) {
            qv_buf_free(&canon);
            reply_name(reply, name); /* name lives in doc */
            qv_buf_append_byte(reply, '}');
            free(types);
            json_doc_free(doc);
            return 0;
        }
        if (busy) {
            qv_buf_free(&canon);
            qv_err_set(err, QV_EEXISTS, "an import named '%s' is already in progress; finish or abort it first", name);
            goto fail;
        }
    }
    const char *scope = kind == IMPORT_DATABASE ? NULL : db;   /* projections are named within their database */
    if (gcatalog_reserve_in(fs->cat, scope, name, kind == IMPORT_DATABASE && force, err) < 0) {
        qv_buf_free(&canon);
        if (err->code == QV_EEXISTS && strstr(err->msg, "projection")) {
            /* the catalog's message names the database holding the projection */
        } else if (err->code == QV_EEXISTS && kind == IMPORT_DATABASE)
            qv_err_set(err, QV_EEXISTS, "a graph or database named '%s' already exists (set force: true to replace a "
                       "database)", name);
        else if (err->code == QV_EEXISTS)
            qv_err_set(err, QV_EEXISTS, "a graph named '%s' already exists in database '%s', or a database has that "
                       "name (drop it with v1/DROP_GRAPH first)", name, db);
        goto fail;
    }
    imp = import_new(name, kind);
    imp->scope = scope ? qv_strdup(scope) : NULL;
    imp->reserved = true;
    imp->create_body = (char *)qv_buf_steal(&canon, NULL);
    imp->doc = doc;
    imp->type_lists = types;
    gloader_config lc = {
        .name = imp->name,
        .database_name = kind == IMPORT_DATABASE ? imp->name : db,
        .durable = kind == IMPORT_DATABASE,
        .id_type = strcasecmp(id_type, "STRING") == 0 ? GRAPH_ID_STRING : GRAPH_ID_INTEGER,
        .id_property = id_property,
        .skip_dangling = skip,
        .triplets = kind == IMPORT_TRIPLETS,
        .undirected_types = types,
        .n_undirected = nund,
        .inverse_types = types + MAX_TYPES,
        .n_inverse = ninv,
    };
    if (kind == IMPORT_DATABASE && fs->store) { /* ckpt */
        imp->save_store = fs->store;
        lc.out_done = save_while_building;
        lc.out_done_arg = imp;
    }
    imp->loader = gloader_new(&lc, fs->pool);
    if (imports_add(fs->imports, imp, err) < 0) {
        gcatalog_unreserve_in(fs->cat, scope, name);
        imp->reserved = false;
        gloader_free(imp->loader);
        json_doc_free(imp->doc);
        free(imp->type_lists);
        free(imp->create_body);
        pthread_mutex_destroy(&imp->done_lock);
        free(imp->name);
        free(imp->scope);
        free(imp);
        return -1;
    }
    QV_INFO("flight: %s import '%s' created", import_kind_name(kind), name);
    reply_name(reply, name);
    qv_buf_append_byte(reply, '}');
    return 0;
fail:
    free(types);
    json_doc_free(doc);
    return -1;
}

/* ---- *_LOAD_DONE --------------------------------------------------------------------------------- */

/* Installs a freshly built graph: saved first when durable (an acknowledged database survives a
 * crash), then published under its reserved name. */
static int install_graph(flight_service *fs, flight_import *imp, graph *g, qv_err *err) {
    struct store_stream *save = imp->save; /* ckpt: a save started during the build is finished, not redone */
    imp->save = NULL;
    int rc = 0;
    if (save) rc = store_stream_finish(fs->store, save, g, err); /* save is ours still only on success */
    else if (g->durable && fs->store) rc = store_save(fs->store, g, err);
    if (rc < 0) {
        graph_free(g);
        return -1;
    }
    /* publishing takes g, also when it fails; with a save, the reference taken keeps g for its appendix */
    if ((save ? gcatalog_publish_ref(fs->cat, g, err) : gcatalog_publish(fs->cat, g, err)) < 0) {
        store_stream_append(fs->store, save, NULL, NULL);
        return -1;
    }
    store_stream_append(fs->store, save, fs->cat, g); /* after the reply's critical path: on its own thread */
    imp->reserved = false;
    return 0;
}

static flight_import *get_import(flight_service *fs, const uint8_t *body, size_t len, json_doc **doc, qv_err *err) {
    *doc = flight_parse_object(body, len, "the action body", err);
    if (!*doc) return NULL;
    const char *name = NULL;
    if (get_string(json_doc_root(*doc), "name", true, &name, err) < 0) return NULL;
    flight_import *imp = imports_get(fs->imports, name);
    if (!imp) no_process(name, err);
    return imp;
}

typedef enum { DONE_NODES, DONE_RELS, DONE_TRIPLETS, DONE_PROPS } done_kind;

static int finish_phase(flight_service *fs, done_kind what, const uint8_t *body, size_t len, qv_buf *reply,
                        qv_err *err) {
    json_doc *doc;
    flight_import *imp = get_import(fs, body, len, &doc, err);
    if (!imp) {
        if (doc) json_doc_free(doc);
        return -1;
    }
    int rc = -1;
    pthread_mutex_lock(&imp->done_lock);
    bool kind_ok = what == DONE_PROPS      ? imp->kind == IMPORT_NODE_PROPERTIES
                   : what == DONE_TRIPLETS ? imp->kind == IMPORT_TRIPLETS
                                           : imp->kind == IMPORT_GRAPH || imp->kind == IMPORT_DATABASE;
    if (!kind_ok) {
        const char *hint = imp->kind == IMPORT_TRIPLETS            ? "v1/TRIPLET_LOAD_DONE"
                           : imp->kind == IMPORT_NODE_PROPERTIES ? "v1/PUT_NODE_PROPERTIES_DONE"
                                                                  : "v1/NODE_LOAD_DONE and v1/RELATIONSHIP_LOAD_DONE";
        qv_err_set(err, QV_EPHASE, "import '%s' is a %s import: finish it with %s", imp->name,
                   import_kind_name(imp->kind), hint);
        goto out;
    }
    graph *g = NULL;
    if (what == DONE_NODES) {
        rc = gloader_nodes_done(imp->loader, &imp->node_count, err);
    } else if (what == DONE_RELS) {
        if (imp->finished) rc = 0;
        else if ((rc = gloader_rels_done(imp->loader, &imp->rel_count, &g, err)) == 0 && g)
            rc = install_graph(fs, imp, g, err);
        store_stream_cancel(imp->save); /* ckpt: a build that failed after its save started */
        imp->save = NULL;
        if (rc == 0 && !imp->finished) {
            imp->finished = true;
            QV_INFO("flight: graph '%s' built: %llu nodes, %llu relationships (%llu dangling skipped)", imp->name,
                    (unsigned long long)imp->node_count, (unsigned long long)imp->rel_count,
                    (unsigned long long)gloader_dangling(imp->loader));
        }
    } else if (what == DONE_TRIPLETS) {
        if (imp->finished) rc = 0;
        else if ((rc = gloader_triplets_done(imp->loader, &imp->node_count, &imp->rel_count, &g, err)) == 0 && g)
            rc = install_graph(fs, imp, g, err);
        if (rc == 0) imp->finished = true;
    } else {
        if (imp->finished) rc = 0;
        else if ((rc = gproploader_done(imp->props, &imp->node_count, err)) == 0) {
            if (imp->target->durable && fs->store) rc = store_save(fs->store, imp->target, err);
            if (rc == 0) imp->finished = true;
        }
    }
    if (rc < 0) {
        /* A failed build leaves nothing to continue: forget the import so its name can be used again.
         * A phase error (DONE too early) leaves the import as it was. */
        bool terminal = (imp->loader && gloader_phase(imp->loader) == GLOAD_FAILED) ||
                        (imp->loader && gloader_phase(imp->loader) == GLOAD_DONE) ||
                        (what == DONE_PROPS && err->code != QV_EPHASE);
        if (terminal) imports_remove(fs->imports, imp);
        goto out;
    }
    reply_name(reply, imp->name);
    if (what != DONE_RELS) {
        qv_buf_append_str(reply, ",\"node_count\":");
        json_write_u64(reply, imp->node_count);
    }
    if (what == DONE_RELS || what == DONE_TRIPLETS) {
        qv_buf_append_str(reply, ",\"relationship_count\":");
        json_write_u64(reply, imp->rel_count);
    }
    qv_buf_append_byte(reply, '}');
out:
    pthread_mutex_unlock(&imp->done_lock);
    imports_put(fs->imports, imp);
    json_doc_free(doc);
    return rc;
}

static int abort_import(flight_service *fs, const uint8_t *body, size_t len, qv_buf *reply, qv_err *err) {
    json_doc *doc;
    flight_import *imp = get_import(fs, body, len, &doc, err);
    if (!imp) {
        if (doc) json_doc_free(doc);
        return -1;
    }
    bool finished = imp->finished;
    imports_remove(fs->imports, imp);
    if (!finished) QV_INFO("flight: import '%s' aborted by the client", imp->name);
    reply_name(reply, imp->name);
    qv_buf_append_str(reply, finished ? ",\"aborted\":false}" : ",\"aborted\":true}");
    imports_put(fs->imports, imp);
    json_doc_free(doc);
    return 0;
}

/* ---- PUT_NODE_PROPERTIES ------------------------------------------------------------------------ */

static int put_node_properties(flight_service *fs, const uint8_t *body, size_t len, qv_buf *reply, qv_err *err) {
    json_doc *doc = flight_parse_object(body, len, "the action body", err);
    if (!doc) return -1;
    json_val *o = json_doc_root(doc);
    const char *name = NULL, *db = NULL;
    const char *labels[256];
    int nlabels = 0;
    bool consecutive = false;
    graph *g = NULL;
    if (get_string(o, "name", true, &name, err) < 0 || get_string(o, "database_name", false, &db, err) < 0 ||
        get_names(o, "node_labels", labels, &nlabels, 256, err) < 0 ||
        get_bool(o, "consecutive_ids", &consecutive, err) < 0 || check_int(o, "concurrency", err) < 0)
        goto fail;
    g = gcatalog_resolve(fs->cat, db, name, err);
    if (!g) goto fail;
    flight_import *imp = import_new(name, IMPORT_NODE_PROPERTIES);
    const char *gscope = gcatalog_scope_of(g);
    imp->scope = gscope ? qv_strdup(gscope) : NULL;
    imp->target = g;
    imp->doc = doc;
    imp->props = gproploader_new(g, labels, nlabels, consecutive, fs->pool, err);
    if (!imp->props || imports_add(fs->imports, imp, err) < 0) {
        if (imp->props) gproploader_free(imp->props);
        gcatalog_release(fs->cat, g);
        pthread_mutex_destroy(&imp->done_lock);
        free(imp->name);
        free(imp->scope);
        free(imp);
        json_doc_free(doc);
        return -1;
    }
    reply_name(reply, name);
    qv_buf_append_byte(reply, '}');
    return 0;
fail:
    json_doc_free(doc);
    return -1;
}

/* ---- catalog actions -------------------------------------------------------------------------------- */

static int catalog_action(flight_service *fs, int which, const uint8_t *body, size_t len, qv_buf *reply,
                          qv_err *err) {
    if (which == 0 && len == 0) return flight_list_graphs(fs, NULL, reply, err);
    json_doc *doc = flight_parse_object(body, len, "the action body", err);
    if (!doc) return -1;
    int rc = -1;
    const char *name = NULL, *db = NULL;   /* no database_name: every database, or a bare name (catalog.h) */
    json_val *o = json_doc_root(doc);
    if (get_string(o, "database_name", false, &db, err) < 0) rc = -1;
    else if (which == 0) rc = flight_list_graphs(fs, db, reply, err);
    else if (get_string(o, "name", true, &name, err) == 0) {
        if (which == 1) rc = flight_drop_graph(fs, db, name, reply, err);
        else {
            json_val *lim = json_get(o, "limit");
            uint64_t limit = 1000000;
            if (lim && lim->type == JSON_NUMBER && lim->num.is_int && lim->num.i > 0) limit = (uint64_t)lim->num.i;
            rc = flight_dump_graph(fs, db, name, limit, reply, err);
        }
    }
    json_doc_free(doc);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------------ */

void flight_action_run(flight_service *fs, const char *type, size_t type_len, const uint8_t *body, size_t body_len,
                       qv_buf *reply, qv_err *err, int *status) {
    char name[64];
    size_t off = 0;
    if (type_len >= 3 && (type[0] == 'v' || type[0] == 'V') && type[1] == '1' && type[2] == '/') off = 3;
    size_t n = type_len - off;
    if (n == 0 || n >= sizeof name) goto unknown;
    for (size_t i = 0; i < n; i++) name[i] = (char)toupper((unsigned char)type[off + i]);
    name[n] = 0;
    int rc;
    if (!strcmp(name, "CREATE_GRAPH")) rc = create_import(fs, IMPORT_GRAPH, body, body_len, reply, err);
    else if (!strcmp(name, "CREATE_GRAPH_FROM_TRIPLETS")) rc = create_import(fs, IMPORT_TRIPLETS, body, body_len, reply, err);
    else if (!strcmp(name, "CREATE_DATABASE")) rc = create_import(fs, IMPORT_DATABASE, body, body_len, reply, err);
    else if (!strcmp(name, "NODE_LOAD_DONE")) rc = finish_phase(fs, DONE_NODES, body, body_len, reply, err);
    else if (!strcmp(name, "RELATIONSHIP_LOAD_DONE")) rc = finish_phase(fs, DONE_RELS, body, body_len, reply, err);
    else if (!strcmp(name, "TRIPLET_LOAD_DONE")) rc = finish_phase(fs, DONE_TRIPLETS, body, body_len, reply, err);
    else if (!strcmp(name, "PUT_NODE_PROPERTIES_DONE")) rc = finish_phase(fs, DONE_PROPS, body, body_len, reply, err);
    else if (!strcmp(name, "ABORT")) rc = abort_import(fs, body, body_len, reply, err);
    else if (!strcmp(name, "PUT_NODE_PROPERTIES")) rc = put_node_properties(fs, body, body_len, reply, err);
    else if (!strcmp(name, "LIST_GRAPHS")) rc = catalog_action(fs, 0, body, body_len, reply, err);
    else if (!strcmp(name, "DROP_GRAPH")) rc = catalog_action(fs, 1, body, body_len, reply, err);
    else if (!strcmp(name, "DUMP_GRAPH")) rc = catalog_action(fs, 2, body, body_len, reply, err);
    else goto unknown;
    *status = rc < 0 ? (int)flight_status_of(err->code) : GRPC_OK;
    if (rc < 0 && err->code == QV_OK) { /* defensive: a failure without a message */
        qv_err_set(err, QV_EINTERNAL, "action %s failed without a reason", name);
        *status = GRPC_UNKNOWN;
    }
    return;
unknown:
    qv_err_set(err, QV_EINVAL, "unknown action '%.*s' (ListActions lists the supported ones)", (int)(type_len > 64 ? 64 : type_len), type);
    *status = GRPC_INVALID_ARGUMENT;
}
