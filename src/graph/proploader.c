/* proploader.c — adding node properties to a built graph (GDS PUT_NODE_PROPERTIES), see loader.h.
 *
 * Owns: the property names and types of one such import, resolving and checking each chunk's node ids on
 * the adding thread (unknown ids, the node_labels filter), and, at done, scattering the values into whole
 * columns (nodes not sent have no value) and attaching them under g->cols_lock held for writing, in the graph's
 * writer slot (gview.h), with property indexes on the new keys updated.
 * Must not: change anything else in the graph, or attach a column whose name already exists.
 */
#include "graph/gbits.h"
#include "graph/gcol.h"
#include "graph/gpar.h"
#include "graph/loader_int.h"
#include "graph/gwrite_int.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pstage {
    uint64_t n;
    uint32_t *ids;     /* internal ids */
    int ncols;
    gchunk_col *cols;  /* keys are this loader's key numbers, sorted */
} pstage;

struct gproploader {
    graph *g;
    qv_pool *pool;
    bool consecutive;
    bool *ls_ok;             /* per label set of g: carries one of the labels; NULL = every node qualifies */
    char labels_desc[200];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int active;              /* adds in flight */
    bool done;
    int nkeys;
    char **names;
    gprop_type *types;
    gptrvec chunks;          /* pstage * */
};

static void pstage_free(pstage *s) {
    if (!s) return;
    free(s->ids);
    for (int i = 0; i < s->ncols; i++) gchunk_col_free(&s->cols[i]);
    free(s->cols);
    free(s);
}

gproploader *gproploader_new(graph *g, const char *const *labels, int nlabels, bool consecutive_ids, qv_pool *pool,
                             qv_err *err) {
    bool all = nlabels <= 0 || !labels;
    for (int i = 0; !all && i < nlabels; i++) all = strcmp(labels[i], "*") == 0;
    bool *ok = NULL;
    char desc[200] = "";
    if (!all) {
        uint32_t *ids = qv_malloc((size_t)nlabels * sizeof *ids);
        for (int i = 0; i < nlabels; i++) {
            int64_t id = qv_strtab_find(&g->labels, labels[i], strlen(labels[i]));
            if (id < 0) {
                free(ids);
                qv_err_set(err, QV_ENOTFOUND, "node label '%s' does not exist in graph '%s'", labels[i], g->name);
                return NULL;
            }
            ids[i] = (uint32_t)id;
            size_t dl = strlen(desc);
            snprintf(desc + dl, sizeof desc - dl, "%s%s", i ? ", " : "", labels[i]);
        }
        ok = qv_calloc(g->n_labelsets ? g->n_labelsets : 1, sizeof *ok);
        for (uint32_t s = 0; s < g->n_labelsets; s++)
            for (uint32_t j = g->labelset_off[s]; j < g->labelset_off[s + 1] && !ok[s]; j++)
                for (int i = 0; i < nlabels; i++) ok[s] = ok[s] || g->labelset_labels[j] == ids[i];
        free(ids);
    }
    gproploader *p = qv_calloc(1, sizeof *p);
    p->g = g;
    p->pool = pool;
    p->consecutive = consecutive_ids;
    p->ls_ok = ok;
    memcpy(p->labels_desc, desc, sizeof desc);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    return p;
}

void gproploader_free(gproploader *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->done = true;
    while (p->active > 0) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->chunks.n; i++) pstage_free(p->chunks.v[i]);
    free(p->chunks.v);
    for (int i = 0; i < p->nkeys; i++) free(p->names[i]);
    free(p->names);
    free(p->types);
    free(p->ls_ok);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

/* Whether g already has a node column named `name`. Caller holds g->cols_lock. */
static bool has_node_col(const graph *g, const char *name) {
    int64_t k = qv_strtab_find(&g->prop_keys, name, strlen(name));
    if (k < 0) return false;
    for (int i = 0; i < g->n_node_cols; i++)
        if (g->node_cols[i].key == (uint32_t)k) return true;
    return false;
}

int gproploader_prop_key(gproploader *p, const char *name, gprop_type type, uint32_t *key, qv_err *err) {
    if (!gcol_type_valid(type)) return qv_err_set(err, QV_EINVAL, "node property '%s' has an unknown type", name);
    pthread_rwlock_rdlock(&p->g->cols_lock);
    bool exists = has_node_col(p->g, name);
    pthread_rwlock_unlock(&p->g->cols_lock);
    if (exists)
        return qv_err_set(err, QV_EEXISTS, "node property '%s' already exists in graph '%s'", name, p->g->name);
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    int i = 0;
    while (i < p->nkeys && strcmp(p->names[i], name) != 0) i++;
    if (p->done) {
        rc = qv_err_set(err, QV_EPHASE, "the node property import into graph '%s' is already done", p->g->name);
    } else if (i < p->nkeys && p->types[i] != type) {
        rc = qv_err_set(err, QV_EINVAL, "node property '%s' arrives as both %s and %s", name,
                        gprop_type_name(p->types[i]), gprop_type_name(type));
    } else if (i == p->nkeys) {
        p->names = qv_realloc(p->names, (size_t)(i + 1) * sizeof *p->names);
        p->types = qv_realloc(p->types, (size_t)(i + 1) * sizeof *p->types);
        p->names[i] = qv_strdup(name);
        p->types[i] = type;
        p->nkeys++;
    }
    if (rc == 0) *key = (uint32_t)i;
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static void fmt_chunk_id(const graph *g, const gnode_chunk *c, uint64_t i, bool ints, char *out, size_t cap) {
    if (ints) {
        snprintf(out, cap, "%lld", (long long)c->ids[i]);
    } else {
        uint64_t len = c->str_off[i + 1] - c->str_off[i];
        int show = len > 48 ? 48 : (int)len;
        snprintf(out, cap, "\"%.*s%s\"", show, c->str + c->str_off[i], len > 48 ? "..." : "");
    }
    (void)g;
}

/* Internal ids of the chunk's rows, checked against the graph and the label filter. */
static int resolve(const gproploader *p, const gnode_chunk *c, uint32_t *out, qv_err *err) {
    const graph *g = p->g;
    bool ints = p->consecutive || g->id_type == GRAPH_ID_INTEGER;
    if (ints && !c->ids) return qv_err_set(err, QV_EINVAL, "the batch has no integer node ids");
    if (!ints && !c->str_off) return qv_err_set(err, QV_EINVAL, "the batch has no string node ids");
    uint64_t miss = 0;
    if (p->consecutive) {
        for (uint64_t i = 0; i < c->n; i++) {
            bool bad = c->ids[i] < 0 || (uint64_t)c->ids[i] >= g->n_nodes;
            out[i] = bad ? GIDINDEX_NONE : (uint32_t)c->ids[i];
            miss += bad;
        }
    } else if (ints) {
        miss = gidindex_resolve_int(&g->idx, c->ids, c->n, out);
    } else {
        for (uint64_t i = 0; i < c->n; i++)
            if (c->str_off[i + 1] < c->str_off[i]) return qv_err_set(err, QV_EINVAL, "node id offsets decrease");
        miss = gidindex_resolve_str(&g->idx, c->str_off, c->str, c->n, out);
    }
    char id[80];
    if (miss) {
        uint64_t i = 0;
        while (out[i] != GIDINDEX_NONE) i++;
        fmt_chunk_id(g, c, i, ints, id, sizeof id);
        if (p->consecutive)
            return qv_err_set(err, QV_ENOTFOUND, "node %s does not exist: graph '%s' has %llu nodes, so consecutive ids "
                              "run from 0 to %llu (%llu ids in this batch are out of range)",
                              id, g->name, (unsigned long long)g->n_nodes, (unsigned long long)g->n_nodes - 1,
                              (unsigned long long)miss);
        return qv_err_set(err, QV_ENOTFOUND, "node id %s does not exist in graph '%s' (%llu unknown ids in this batch)",
                          id, g->name, (unsigned long long)miss);
    }
    if (p->ls_ok)
        for (uint64_t i = 0; i < c->n; i++)
            if (!p->ls_ok[g->node_labelset[out[i]]]) {
                fmt_chunk_id(g, c, i, ints, id, sizeof id);
                return qv_err_set(err, QV_EINVAL, "node id %s has none of the labels %s named in node_labels", id,
                                  p->labels_desc);
            }
    return 0;
}

int gproploader_add(gproploader *p, gnode_chunk *in, qv_err *err) {
    gnode_chunk *c = gload_take_nodes(in);
    pthread_mutex_lock(&p->mu);
    int rc = 0;
    if (p->done) rc = qv_err_set(err, QV_EPHASE, "the node property import into graph '%s' is already done", p->g->name);
    else if (gchunk_cols_sort(c->cols, c->ncols, err)) rc = -1;
    for (int i = 0; rc == 0 && i < c->ncols; i++) {
        uint32_t k = c->cols[i].key;
        if (k >= (uint32_t)p->nkeys) rc = qv_err_set(err, QV_EINTERNAL, "property key %u was not registered", k);
        else if (p->types[k] != c->cols[i].type)
            rc = qv_err_set(err, QV_EINVAL, "node property '%s' was registered as %s but the batch carries %s",
                            p->names[k], gprop_type_name(p->types[k]), gprop_type_name(c->cols[i].type));
    }
    if (rc == 0) p->active++;
    pthread_mutex_unlock(&p->mu);
    if (rc) {
        gload_free_nodes(c);
        return rc;
    }

    pstage *s = qv_calloc(1, sizeof *s);
    s->n = c->n;
    s->ids = qv_malloc((c->n ? c->n : 1) * sizeof *s->ids);
    rc = resolve(p, c, s->ids, err);
    for (int i = 0; rc == 0 && i < c->ncols; i++) rc = gchunk_col_check(&c->cols[i], c->n, err);
    s->cols = c->cols;
    s->ncols = c->ncols;
    c->cols = NULL;
    c->ncols = 0;
    gload_free_nodes(c);

    pthread_mutex_lock(&p->mu);
    if (rc == 0 && s->n) {
        gptrvec_push(&p->chunks, s);
        s = NULL;
    }
    if (--p->active == 0) pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pstage_free(s);
    return rc;
}

/* ---------- done: scatter the values into whole columns ---------- */

typedef struct pjob {
    gproploader *p;
    pstage **st;
    size_t k;
    uint64_t n;
    uint64_t *written;
    uint64_t dup;            /* smallest node written twice, or UINT64_MAX */
    int key;
    gcolumn *col;
    int step;                /* var columns: 0 lengths, 1 values */
} pjob;

static void t_mark(void *arg, size_t i) {
    pjob *J = arg;
    const pstage *s = J->st[i];
    for (uint64_t r = 0; r < s->n; r++)
        if (gbits_test_and_set_atomic(J->written, s->ids[r])) {
            uint64_t v = s->ids[r], cur = __atomic_load_n(&J->dup, __ATOMIC_RELAXED);
            while (v < cur && !__atomic_compare_exchange_n(&J->dup, &cur, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            }
        }
}

static const gchunk_col *stage_col(const pstage *s, int key) {
    for (int i = 0; i < s->ncols; i++)
        if (s->cols[i].key == (uint32_t)key) return &s->cols[i];
    return NULL;
}

static void t_scatter(void *arg, size_t i) {
    pjob *J = arg;
    const pstage *s = J->st[i];
    const gchunk_col *src = stage_col(s, J->key);
    if (!src) return;
    gcolumn *d = J->col;
    size_t es = gcol_elem_size(d->type);
    bool var = gcol_is_var(d->type);
    for (uint64_t r = 0; r < s->n; r++) {
        if (src->present && !gbits_get(src->present, r)) continue;
        uint64_t v = s->ids[r];
        if (!var) {
            memcpy((char *)d->values + v * es, (const char *)src->values + r * es, es);
        } else if (J->step == 0) {
            d->offsets[v + 1] = src->offsets[r + 1] - src->offsets[r];   /* length for now */
        } else {
            uint64_t len = src->offsets[r + 1] - src->offsets[r];
            if (len) memcpy((char *)d->values + d->offsets[v] * es, (const char *)src->values + src->offsets[r] * es,
                            len * es);
        }
        if (!var || J->step == 1) gbits_set_atomic(d->present, v);
    }
}

static int build_col(pjob *J, gcolumn *col, qv_err *err) {
    uint64_t n = J->n;
    size_t es = gcol_elem_size(col->type);
    col->present = gpar_zalloc(gbits_words(n) * 8);
    J->col = col;
    if (!gcol_is_var(col->type)) {
        col->values = gpar_zalloc(n * es);
        if (!col->present || !col->values) goto oom;
        J->step = 0;
        gpar_run(J->p->pool, J->k, t_scatter, J);
    } else {
        col->offsets = gpar_zalloc((n + 1) * sizeof *col->offsets);
        if (!col->present || !col->offsets) goto oom;
        J->step = 0;
        gpar_run(J->p->pool, J->k, t_scatter, J);
        for (uint64_t v = 0; v < n; v++) col->offsets[v + 1] += col->offsets[v];
        col->values = gpar_alloc(col->offsets[n] * es);
        if (!col->values) goto oom;
        J->step = 1;
        gpar_run(J->p->pool, J->k, t_scatter, J);
    }
    if (gbits_all(col->present, n)) {
        free(col->present);
        col->present = NULL;
    }
    return 0;
oom:
    return qv_err_set(err, QV_ENOMEM, "out of memory building node property columns for %llu nodes",
                      (unsigned long long)n);
}

int gproploader_done(gproploader *p, uint64_t *node_count, qv_err *err) {
    pthread_mutex_lock(&p->mu);
    if (p->done) {
        pthread_mutex_unlock(&p->mu);
        return qv_err_set(err, QV_EPHASE, "the node property import into graph '%s' is already done", p->g->name);
    }
    p->done = true;
    while (p->active > 0) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);

    graph *g = p->g;
    pjob J = {.p = p, .st = (pstage **)p->chunks.v, .k = p->chunks.n, .n = g->n_nodes, .dup = UINT64_MAX};
    J.written = qv_calloc(gbits_words(g->n_nodes) + 1, 8);
    gpar_run(p->pool, J.k, t_mark, &J);
    if (J.dup != UINT64_MAX) {
        char id[80];
        if (g->id_type == GRAPH_ID_INTEGER) {
            snprintf(id, sizeof id, "%lld", (long long)g->ext_ids[J.dup]);
        } else {
            uint64_t a = g->ext_str_off[J.dup], len = g->ext_str_off[J.dup + 1] - a;
            snprintf(id, sizeof id, "\"%.*s\"", (int)(len > 48 ? 48 : len), g->ext_str + a);
        }
        free(J.written);
        return qv_err_set(err, QV_EINVAL, "node id %s is sent more than once; each node takes one value per property",
                          id);
    }
    uint64_t rows = gbits_count(J.written, g->n_nodes);
    free(J.written);

    gcolumn *cols = qv_calloc(p->nkeys ? (size_t)p->nkeys : 1, sizeof *cols);
    int rc = 0;
    for (int k = 0; k < p->nkeys && rc == 0; k++) {
        cols[k].type = p->types[k];
        J.key = k;
        rc = build_col(&J, &cols[k], err);
    }
    for (size_t i = 0; i < p->chunks.n; i++) pstage_free(p->chunks.v[i]);
    p->chunks.n = 0;

    /* Attach holding the graph's writer slot (no transaction runs meanwhile): the column array is replaced and
     * published count last, so snapshot readers that take no lock see a consistent pair; the old array is
     * retired until they are done. Property indexes on the new keys get their postings. */
    gtxn *t = rc == 0 ? gtxn_begin(g, err) : NULL;
    if (rc == 0 && !t) rc = -1;
    if (rc == 0) {
        pthread_rwlock_wrlock(&g->cols_lock);
        for (int k = 0; k < p->nkeys && rc == 0; k++)
            if (has_node_col(g, p->names[k]))
                rc = qv_err_set(err, QV_EEXISTS, "node property '%s' already exists in graph '%s'", p->names[k], g->name);
        int n0 = g->n_node_cols;
        if (rc == 0) {
            gcolumn *nc = qv_malloc((size_t)(n0 + p->nkeys) * sizeof *nc);
            if (n0) memcpy(nc, g->node_cols, (size_t)n0 * sizeof *nc);
            for (int k = 0; k < p->nkeys; k++) {
                cols[k].key = qv_strtab_intern(&g->prop_keys, p->names[k], strlen(p->names[k]));
                nc[n0 + k] = cols[k];
                gtx_token_durable(t, 2, cols[k].key);   /* saved with the graph's snapshot, not the WAL */
            }
            gcolumn *old = g->node_cols;
            __atomic_store_n(&g->node_cols, nc, __ATOMIC_RELEASE);
            __atomic_store_n(&g->n_node_cols, n0 + p->nkeys, __ATOMIC_RELEASE);
            gdelta_retire(g->delta, old, free);
        }
        pthread_rwlock_unlock(&g->cols_lock);
        if (rc == 0) gtx_index_base_columns(t, n0);
        gtxn_rollback(t);   /* nothing to undo: releases the writer slot */
    }
    if (rc) {
        for (int k = 0; k < p->nkeys; k++) gcol_free(&cols[k]);
    }
    free(cols);
    if (rc == 0) *node_count = rows;
    return rc;
}
