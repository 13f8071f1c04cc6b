/* catalog.c — the server's named graphs (see catalog.h).
 *
 * Owns: a small array of entries (a name with a published graph, a reservation, or both when an import
 * replaces a graph), the reference counts kept in graph->refs / graph->dropped, and freeing a graph once
 * it is unnamed and unreferenced. One mutex, held only for these bookkeeping steps: graphs are freed
 * after it is released. Must not: read or change graph contents.
 */
#include "graph/catalog.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct gentry {
    char *name;
    graph *g;           /* published graph, or NULL */
    bool reserved;      /* an import holds the name */
} gentry;

struct gcatalog {
    pthread_mutex_t mu;
    gentry *e;
    size_t n, cap;
};

gcatalog *gcatalog_new(void) {
    gcatalog *c = qv_calloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void gcatalog_free(gcatalog *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        graph_free(c->e[i].g);
        free(c->e[i].name);
    }
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static gentry *find(gcatalog *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].name, name) == 0) return &c->e[i];
    return NULL;
}

static gentry *add(gcatalog *c, const char *name) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->e = qv_realloc(c->e, c->cap * sizeof *c->e);
    }
    gentry *e = &c->e[c->n++];
    *e = (gentry){.name = qv_strdup(name)};
    return e;
}

static void remove_entry(gcatalog *c, gentry *e) {
    free(e->name);
    *e = c->e[--c->n];
}

/* Unnames g. Returns g if nobody reads it (the caller frees it after unlocking), else NULL: the last
 * gcatalog_release frees it. Caller holds the lock. */
static graph *retire(graph *g) {
    __atomic_store_n(&g->dropped, true, __ATOMIC_RELEASE);   /* gtxn_begin reads it without the lock */
    return g->refs == 0 ? g : NULL;
}

int gcatalog_reserve(gcatalog *c, const char *name, bool replace, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    int rc = 0;
    if (e && e->reserved) rc = qv_err_set(err, QV_EEXISTS, "an import named '%s' is already running", name);
    else if (e && !replace)
        rc = qv_err_set(err, QV_EEXISTS, "a graph named '%s' already exists (drop it first, or use force to replace a "
                        "database)", name);
    else if (e) e->reserved = true;
    else add(c, name)->reserved = true;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void gcatalog_unreserve(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    if (e && e->reserved) {
        e->reserved = false;
        if (!e->g) remove_entry(c, e);
    }
    pthread_mutex_unlock(&c->mu);
}

int gcatalog_publish(gcatalog *c, graph *g, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, g->name);
    int rc = 0;
    graph *dead = NULL;
    if (e && !e->reserved) {
        rc = qv_err_set(err, QV_EEXISTS, "a graph named '%s' already exists", g->name);
        dead = g;
    } else {
        if (!e) e = add(c, g->name);
        graph *old = e->g;
        e->g = g;
        e->reserved = false;
        g->refs = 0;
        __atomic_store_n(&g->dropped, false, __ATOMIC_RELEASE);
        if (old) dead = retire(old);
    }
    pthread_mutex_unlock(&c->mu);
    graph_free(dead);
    return rc;
}

graph *gcatalog_get(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    graph *g = e ? e->g : NULL;
    if (g) g->refs++;
    pthread_mutex_unlock(&c->mu);
    return g;
}

void gcatalog_release(gcatalog *c, graph *g) {
    if (!g) return;
    pthread_mutex_lock(&c->mu);
    bool last = --g->refs == 0 && g->dropped;
    pthread_mutex_unlock(&c->mu);
    if (last) graph_free(g);
}

bool gcatalog_exists(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    bool r = e && e->g;
    pthread_mutex_unlock(&c->mu);
    return r;
}

bool gcatalog_reserved(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    bool r = e && !e->g;
    pthread_mutex_unlock(&c->mu);
    return r;
}

int gcatalog_drop(gcatalog *c, const char *name, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, name);
    int rc = 0;
    graph *dead = NULL;
    if (!e || !e->g) {
        rc = e ? qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist yet (its import is still running)", name)
               : qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist", name);
    } else {
        graph *g = e->g;
        e->g = NULL;
        if (!e->reserved) remove_entry(c, e);
        dead = retire(g);
    }
    pthread_mutex_unlock(&c->mu);
    graph_free(dead);
    return rc;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp((*(graph *const *)a)->name, (*(graph *const *)b)->name);
}

void gcatalog_list(gcatalog *c, graph ***out, size_t *n) {
    pthread_mutex_lock(&c->mu);
    graph **v = qv_malloc((c->n ? c->n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].g) {
            v[k++] = c->e[i].g;
            c->e[i].g->refs++;
        }
    pthread_mutex_unlock(&c->mu);
    if (k > 1) qsort(v, k, sizeof *v, cmp_name);
    *out = v;
    *n = k;
}
