/* test_cypher_exec_util.h — helpers for the engine's unit tests: an engine over a fresh catalog with an
 * empty graph, running a query and rendering its rows as text (nodes as (:L {k: v}), relationships as
 * [:T {k: v}], paths as <...>, errors as "ERR <class> <detail>"), and a JSON-ish parameter builder. */
#ifndef TEST_CYPHER_EXEC_UTIL_H
#define TEST_CYPHER_EXEC_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/cypher.h"
#include "graph/catalog.h"

typedef struct tenv {
    gcatalog *cat;
    cy_engine *e;
    qv_arena a;
    const char *graph;
    cy_stats last_stats;
} tenv;

static inline void tenv_init(tenv *t) {
    t->cat = gcatalog_new();
    t->e = cy_engine_new(t->cat, NULL);
    qv_arena_init(&t->a);
    t->graph = "g";
    qv_err err;
    if (cy_engine_create_graph(t->e, "g", &err)) {
        fprintf(stderr, "create graph: %s\n", err.msg);
        abort();
    }
}

static inline void tenv_free(tenv *t) {
    cy_engine_free(t->e);
    gcatalog_free(t->cat);
    qv_arena_free(&t->a);
}

/* cmocka fixtures: a fresh tenv per test in *state */
static inline int tenv_setup(void **state) {
    tenv *t = calloc(1, sizeof *t);
    tenv_init(t);
    *state = t;
    return 0;
}
static inline int tenv_teardown(void **state) {
    tenv_free(*state);
    free(*state);
    return 0;
}

typedef struct tbuf { char *s; size_t n, cap; } tbuf;
static inline void tb_put(tbuf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}
static inline void tb_str(tbuf *b, const char *s) { tb_put(b, s, strlen(s)); }

static void t_render(tbuf *b, gview *v, qv_arena *a, qval x);

static inline void t_props(tbuf *b, gview *v, qv_arena *a, uint32_t n, gprop *ps) {
    if (!n) return;
    /* sort by key name */
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && strcmp(gview_key_name(v, ps[j - 1].key), gview_key_name(v, ps[j].key)) > 0; j--) {
            gprop t = ps[j]; ps[j] = ps[j - 1]; ps[j - 1] = t;
        }
    tb_str(b, " {");
    for (uint32_t i = 0; i < n; i++) {
        if (i) tb_str(b, ", ");
        tb_str(b, gview_key_name(v, ps[i].key));
        tb_str(b, ": ");
        t_render(b, v, a, ps[i].value);
    }
    tb_str(b, "}");
}

static inline void t_node(tbuf *b, gview *v, qv_arena *a, uint64_t id) {
    tb_str(b, "(");
    uint32_t ls[32];
    uint32_t n = gview_node_labels(v, id, ls, 32);
    const char *names[32];
    for (uint32_t i = 0; i < n && i < 32; i++) names[i] = gview_label_name(v, ls[i]);
    for (uint32_t i = 1; i < n; i++)
        for (uint32_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j]; names[j] = names[j - 1]; names[j - 1] = t;
        }
    for (uint32_t i = 0; i < n && i < 32; i++) {
        tb_str(b, ":");
        tb_str(b, names[i]);
    }
    gprop *ps;
    uint32_t np = gview_node_props(v, id, a, &ps);
    t_props(b, v, a, np, ps);
    tb_str(b, ")");
}

static inline void t_rel(tbuf *b, gview *v, qv_arena *a, uint64_t id) {
    uint64_t s, d;
    uint32_t ty;
    gview_rel_info(v, id, &s, &d, &ty);
    tb_str(b, "[:");
    tb_str(b, gview_type_name(v, ty));
    gprop *ps;
    uint32_t np = gview_rel_props(v, id, a, &ps);
    t_props(b, v, a, np, ps);
    tb_str(b, "]");
}

static void t_render(tbuf *b, gview *v, qv_arena *a, qval x) {
    switch (x.type) {
    case QT_NODE: t_node(b, v, a, x.id); return;
    case QT_REL: t_rel(b, v, a, x.id); return;
    case QT_STRING:
        tb_str(b, "'");
        tb_put(b, x.s, x.len);
        tb_str(b, "'");
        return;
    case QT_LIST:
        tb_str(b, "[");
        for (uint32_t i = 0; i < x.len; i++) {
            if (i) tb_str(b, ", ");
            t_render(b, v, a, x.items[i]);
        }
        tb_str(b, "]");
        return;
    case QT_MAP:
        tb_str(b, "{");
        for (uint32_t i = 0; i < x.len; i++) {
            if (i) tb_str(b, ", ");
            tb_str(b, x.ents[i].key);
            tb_str(b, ": ");
            t_render(b, v, a, x.ents[i].v);
        }
        tb_str(b, "}");
        return;
    case QT_PATH: {
        tb_str(b, "<");
        t_node(b, v, a, x.path->nodes[0]);
        for (uint32_t i = 0; i < x.path->n_rels; i++) {
            uint64_t s, d;
            uint32_t ty;
            gview_rel_info(v, x.path->rels[i], &s, &d, &ty);
            bool fwd = s == x.path->nodes[i];
            tb_str(b, fwd ? "-" : "<-");
            t_rel(b, v, a, x.path->rels[i]);
            tb_str(b, fwd ? "->" : "-");
            t_node(b, v, a, x.path->nodes[i + 1]);
        }
        tb_str(b, ">");
        return;
    }
    default: tb_str(b, qv_debug(a, x));
    }
}

/* Runs text with params (or null); returns rows as "v1, v2" lines joined by "\n" (static buffer per call
 * site is not needed: the string lives in t->a). */
static inline const char *tq_opts(tenv *t, const char *text, qval params, cy_query_opts *o) {
    cy_query_opts opts = o ? *o : (cy_query_opts){0};
    opts.graph = t->graph;
    opts.params = params;
    cy_result *r;
    cy_error err;
    tbuf b = {0};
    tb_str(&b, "");
    memset(&t->last_stats, 0, sizeof t->last_stats);
    if (cy_query(t->e, text, strlen(text), &opts, &r, &err)) {
        char m[700];
        snprintf(m, sizeof m, "ERR %s %s", cy_errclass_name(err.cls), err.detail ? err.detail : "-");
        tb_str(&b, m);
        if (getenv("TQ_VERBOSE")) fprintf(stderr, "%s: %s\n", m, err.msg);
    } else {
        const qval *row;
        int rc;
        bool first = true;
        while ((rc = cy_result_next(r, &row, &err)) == 1) {
            if (!first) tb_str(&b, "\n");
            first = false;
            for (uint32_t i = 0; i < cy_result_ncols(r); i++) {
                if (i) tb_str(&b, ", ");
                t_render(&b, cy_result_view(r), cy_result_arena(r), row[i]);
            }
        }
        if (rc < 0) {
            char m[700];
            snprintf(m, sizeof m, "ERR %s %s", cy_errclass_name(err.cls), err.detail ? err.detail : "-");
            b.n = 0;
            tb_str(&b, m);
            if (getenv("TQ_VERBOSE")) fprintf(stderr, "%s: %s\n", m, err.msg);
        }
        t->last_stats = *cy_result_stats(r);
        cy_result_free(r);
    }
    char *out = qv_arena_strndup(&t->a, b.s, b.n);
    free(b.s);
    return out;
}
static inline const char *tq(tenv *t, const char *text) { return tq_opts(t, text, qv_null(), NULL); }
static inline const char *tqp(tenv *t, const char *text, qval params) { return tq_opts(t, text, params, NULL); }

/* A map builder for parameters: tmap(a, n, "k1", v1, "k2", v2, ...). */
static inline qval tmap(qv_arena *a, int n, ...) {
    va_list ap;
    va_start(ap, n);
    qmap_b b;
    qmap_b_init(&b, a, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        const char *k = va_arg(ap, const char *);
        qval v = va_arg(ap, qval);
        qmap_b_set(&b, k, strlen(k), v);
    }
    va_end(ap);
    return qmap_b_done(&b);
}

#define EXPECT(t, query, want) assert_string_equal(tq((t), (query)), (want))

#endif
