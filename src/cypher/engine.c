/* engine.c — the embedded API of cypher.h: engines, graphs for embedders, cy_query (plan cache -> parse
 * -> semantic check -> plan), transactions (a snapshot for read-only queries, the graph's writer for
 * the others), streaming and materialised results, error phases.
 * Must not: plan or evaluate (plan*.c, eval.c, ops/).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cypher/cypher.h"
#include "cypher/engine_int.h"

/* From ast.h (the statement type is cy_ast; cypher.h names the function cy_query). */
struct cy_ast *cy_parse(qv_arena *a, const char *text, uint32_t len, cy_error *err);

_Static_assert(sizeof(cy_stats) == sizeof(cy_xstats), "cy_xstats mirrors cy_stats");

/* engine_sema.c: cy_sema_check with the engine's procedures. */
int cy_engine_sema(cy_procs *procs, qv_arena *a, const struct cy_ast *q, qval params, cy_error *err);

#define DEFAULT_GRAPH "neo4j"

cy_engine *cy_engine_new(gcatalog *catalog, qv_pool *pool) {
    cy_engine *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->cat = catalog;
    e->pool = pool;
    e->procs = cy_procs_new();
    if (!e->procs) {
        free(e);
        return NULL;
    }
    cy_cache_init(&e->cache);
    return e;
}

void cy_engine_free(cy_engine *e) {
    if (!e) return;
    cy_cache_clear(&e->cache);
    pthread_mutex_destroy(&e->cache.mu);
    cy_procs_free(e->procs);
    free(e);
}

gcatalog *cy_engine_catalog(cy_engine *e) { return e->cat; }

int cy_engine_create_graph(cy_engine *e, const char *name, qv_err *err) {
    if (gcatalog_reserve(e->cat, name, false, err)) return -1;
    graph *g = graph_new(name, NULL, false, GRAPH_ID_STRING, NULL);
    if (!g) {
        gcatalog_unreserve(e->cat, name);
        return qv_err_set(err, QV_ENOMEM, "out of memory creating graph %s", name);
    }
    return gcatalog_publish(e->cat, g, err);
}

int cy_engine_drop_graph(cy_engine *e, const char *name, qv_err *err) {
    cy_cache_clear(&e->cache);
    return gcatalog_drop(e->cat, name, err);
}

int cy_engine_add_table_procedure(cy_engine *e, const char *signature, const qval *rows, uint32_t n_rows,
                                  cy_error *err) {
    cy_cache_clear(&e->cache);   /* plans hold procedure pointers */
    return cy_procs_add_table(e->procs, signature, rows, n_rows, err);
}

void cy_engine_clear_procedures(cy_engine *e) {
    cy_cache_clear(&e->cache);
    cy_procs_clear(e->procs);
}

/* ---------------------------------------------------------------- results */
uint32_t cy_result_ncols(const cy_result *r) { return r->ncols; }
const char *cy_result_colname(const cy_result *r, uint32_t i) { return i < r->ncols ? r->colnames[i] : NULL; }
gview *cy_result_view(cy_result *r) { return r->view; }
qv_arena *cy_result_arena(cy_result *r) { return &r->arena; }
const cy_stats *cy_result_stats(const cy_result *r) { return (const cy_stats *)(const void *)&r->stats; }

void cy_result_free(cy_result *r) {
    if (!r) return;
    if (r->view) gview_close(r->view);
    if (r->g) gcatalog_release(r->e->cat, r->g);
    if (r->plan) cy_plan_unref(r->plan);
    qv_arena_free(&r->arena);
    free(r);
}

static void runtime_err(cy_result *r, cy_error *err) {
    err->phase = CY_PHASE_RUNTIME;
    if (r->plan && r->plan->text) cy_error_locate(err, r->plan->text, (uint32_t)strlen(r->plan->text));
}

int cy_result_next(cy_result *r, const qval **row, cy_error *err) {
    if (r->done) return 0;
    if (r->failed) return cy_err(err, CYE_INTERNAL, NULL, -1, "the result already failed");
    if (r->materialised) {
        if (r->pos >= r->nrows) { r->done = true; return 0; }
        *row = r->rows + r->pos * r->ncols;
        r->pos++;
        return 1;
    }
    r->x.err = err;
    if (r->plan->row_local) qv_arena_reset_to(&r->arena, r->row_mark);   /* the previous row is released */
    int rc = cy_op_next(r->root, &r->x);
    while (rc == 1 && r->ncols == 0) rc = cy_op_next(r->root, &r->x);   /* no RETURN: no rows */
    if (rc == 0 && cy_x_check(&r->x)) rc = -1;
    if (rc < 0) {
        r->failed = true;
        runtime_err(r, err);
        return -1;
    }
    if (rc == 0) { r->done = true; return 0; }
    for (uint32_t i = 0; i < r->ncols; i++) r->out[i] = r->x.row[r->plan->colslots[i]];
    *row = r->out;
    return 1;
}

/* ---------------------------------------------------------------- running */
static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static int64_t real_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void setup_x(cy_result *r, const cy_query_opts *o, gview *v, gtxn *t, cy_error *err) {
    cy_x *x = &r->x;
    memset(x, 0, sizeof *x);
    x->arena = &r->arena;
    x->v = v;
    x->t = t;
    x->params = o && o->params.type == QT_MAP ? o->params : qv_null();
    x->plan = r->plan;
    x->nslots = r->plan->nslots;
    x->row = qv_arena_zalloc(&r->arena, sizeof(qval) * (x->nslots ? x->nslots : 1));
    x->err = err;
    x->eng = r->e;
    x->rand_state = (uint64_t)real_ns() ^ (uint64_t)(uintptr_t)r;
    x->fc.arena = &r->arena;
    x->fc.view = v;
    x->fc.stmt_time_ns = real_ns();
    x->fc.rand_state = &x->rand_state;
    x->fc.pos = -1;
    if (o && o->timeout_ms) x->deadline_ns = mono_ns() + o->timeout_ms * 1000000ull;
    x->memory_limit = CY_DEFAULT_MEMORY_LIMIT;
    if (o) {
        if (o->memory_limit) x->memory_limit = o->memory_limit == UINT64_MAX ? 0 : o->memory_limit;
        x->cancel = o->cancel;
    }
}

static int materialise_push(cy_result *r, uint64_t *cap, const qval *vals) {
    if (r->nrows == *cap) {
        uint64_t nc = *cap ? *cap * 2 : 16;
        qval *nr = qv_arena_alloc(&r->arena, sizeof(qval) * (r->ncols ? r->ncols : 1) * nc);
        if (r->nrows) memcpy(nr, r->rows, sizeof(qval) * r->ncols * r->nrows);
        r->rows = nr;
        *cap = nc;
    }
    for (uint32_t i = 0; i < r->ncols; i++) r->rows[r->nrows * r->ncols + i] = qv_deep_copy(&r->arena, vals[i]);
    r->nrows++;
    return 0;
}

/* A query that writes: runs to the end inside the graph's writer, keeps its rows, commits. */
static int run_write(cy_result *r, const cy_query_opts *o, cy_error *err) {
    qv_err ge;
    gtxn *t = gtxn_begin(r->g, &ge);
    if (!t) {
        cy_err(err, ge.code == QV_EPHASE ? CYE_PHASE : CYE_INTERNAL, NULL, -1, "%s", ge.msg);
        err->phase = CY_PHASE_RUNTIME;
        return -1;
    }
    gview *v = gtxn_view(t);
    setup_x(r, o, v, t, err);
    int rc = 0;
    if (r->plan->schema) {
        rc = cy_schema_run(r, t, v, err);
    } else {
        r->root = cy_op_instantiate(r->plan->root, &r->x);
        rc = cy_op_open(r->root, &r->x);
        uint64_t cap = 0;
        qval *vals = qv_arena_alloc(&r->arena, sizeof(qval) * (r->ncols ? r->ncols : 1));
        while (rc == 0) {
            int n = cy_op_next(r->root, &r->x);
            if (n < 0) { rc = -1; break; }
            if (n == 0) break;
            if (r->ncols == 0) continue;   /* no RETURN: no rows */
            for (uint32_t i = 0; i < r->ncols; i++) vals[i] = r->x.row[r->plan->colslots[i]];
            materialise_push(r, &cap, vals);
        }
        if (rc == 0) rc = cy_x_finish_deletes(&r->x);
        if (rc == 0) rc = cy_x_check(&r->x);
    }
    if (rc) {
        gtxn_rollback(t);
        runtime_err(r, err);
        return -1;
    }
    if (gtxn_commit(t, &ge)) {
        cy_x_graph_err(&r->x, &ge, -1);
        runtime_err(r, err);
        return -1;
    }
    r->stats = r->x.stats;
    r->materialised = true;
    r->view = gview_open(r->g, &ge);
    if (!r->view) {
        cy_err(err, CYE_INTERNAL, NULL, -1, "cannot open a view after commit: %s", ge.msg);
        return -1;
    }
    return 0;
}

static int run_read(cy_result *r, const cy_query_opts *o, cy_error *err) {
    qv_err ge;
    r->view = gview_open(r->g, &ge);
    if (!r->view) {
        cy_err(err, ge.code == QV_EPHASE ? CYE_PHASE : CYE_INTERNAL, NULL, -1, "%s", ge.msg);
        err->phase = CY_PHASE_RUNTIME;
        return -1;
    }
    cy_query_opts oc = o ? *o : (cy_query_opts){0};
    /* the parameters must outlive the call: rows stream after cy_query returns */
    if (oc.params.type == QT_MAP) oc.params = qv_deep_copy(&r->arena, oc.params);
    setup_x(r, &oc, r->view, NULL, err);
    if (r->plan->schema) {
        if (cy_schema_run(r, NULL, r->view, err)) {
            runtime_err(r, err);
            return -1;
        }
        r->materialised = true;
        return 0;
    }
    r->out = qv_arena_alloc(&r->arena, sizeof(qval) * (r->ncols ? r->ncols : 1));
    r->root = cy_op_instantiate(r->plan->root, &r->x);
    if (cy_op_open(r->root, &r->x)) {
        runtime_err(r, err);
        return -1;
    }
    r->row_mark = qv_arena_mark_get(&r->arena);
    return 0;
}

static int explain(cy_result *r) {
    const char **lines;
    uint32_t n = cy_plan_explain(r->plan, &r->arena, &lines);
    static const char *col = "plan";
    r->ncols = 1;
    r->colnames = &col;
    r->rows = qv_arena_alloc(&r->arena, sizeof(qval) * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) r->rows[i] = qv_str_cstr(&r->arena, lines[i]);
    r->nrows = n;
    r->materialised = true;
    return 0;
}

static cy_plan *compile(cy_engine *e, graph *g, const char *text, size_t len, const cy_query_opts *o,
                        cy_error *err) {
    cy_plan *p = cy_plan_new();
    if (!p) {
        cy_err(err, CYE_MEMORY, NULL, -1, "out of memory");
        return NULL;
    }
    p->text = qv_arena_strndup(&p->arena, text, len);
    struct cy_ast *q = cy_parse(&p->arena, p->text, (uint32_t)len, err);
    if (!q) goto fail;
    if (cy_engine_sema(e->procs, &p->arena, q, o ? o->params : qv_null(), err)) goto fail;
    qv_err ge;
    gview *v = gview_open(g, &ge);
    int rc = cy_plan_build(p, q, e->procs, v, err);
    if (v) {
        p->stat_nodes = gview_node_count(v);
        gview_close(v);
    }
    if (rc) goto fail;
    return p;
fail:
    err->phase = CY_PHASE_COMPILE;
    cy_error_locate(err, text, (uint32_t)len);
    cy_plan_unref(p);
    return NULL;
}

static bool stale(const cy_plan *p, graph *g) {
    if (!p->stats_sensitive) return false;
    qv_err ge;
    gview *v = gview_open(g, &ge);
    if (!v) return false;
    uint64_t n = gview_node_count(v), was = p->stat_nodes;
    gview_close(v);
    return n > 4 * was + 1000 || was > 4 * n + 1000;
}

int cy_query(cy_engine *e, const char *text, size_t len, const cy_query_opts *opts, cy_result **out,
             cy_error *err) {
    *out = NULL;
    cy_error_clear(err);
    const char *gname = opts && opts->graph ? opts->graph : DEFAULT_GRAPH;
    graph *g = gcatalog_get(e->cat, gname);
    if (!g) {
        if (gcatalog_reserved(e->cat, gname))
            cy_err(err, CYE_PHASE, "GraphBeingBuilt", -1,
                   "graph %s is still being built by an Arrow import: query it once its load is done "
                   "(RELATIONSHIP_LOAD_DONE), or abort the import (v1/ABORT)", gname);
        else
            cy_err(err, CYE_NOT_FOUND, "GraphNotFound", -1, "there is no graph named %s", gname);
        err->phase = CY_PHASE_RUNTIME;
        return -1;
    }
    size_t klen = 0;
    char *key = cy_cache_key(gname, text, len, opts ? opts->params : qv_null(), &klen);
    cy_plan *p = key ? cy_cache_get(&e->cache, key, klen) : NULL;
    if (p && stale(p, g)) {   /* planned on a much smaller or larger graph: plan again */
        cy_plan_unref(p);
        p = NULL;
    }
    if (!p) {
        p = compile(e, g, text, len, opts, err);
        if (!p) {
            free(key);
            gcatalog_release(e->cat, g);
            return -1;
        }
        if (key) cy_cache_put(&e->cache, key, klen, p);
    } else {
        free(key);
    }
    cy_result *r = calloc(1, sizeof *r);
    if (!r) {
        cy_plan_unref(p);
        gcatalog_release(e->cat, g);
        return cy_err(err, CYE_MEMORY, NULL, -1, "out of memory");
    }
    r->e = e;
    r->g = g;
    r->plan = p;
    qv_arena_init(&r->arena);
    r->ncols = p->ncols;
    r->colnames = p->colnames;
    int rc;
    if (opts && opts->explain) rc = explain(r);
    else if (p->writes) rc = run_write(r, opts, err);
    else rc = run_read(r, opts, err);
    if (rc) {
        cy_result_free(r);
        return -1;
    }
    *out = r;
    return 0;
}
