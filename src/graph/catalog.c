/* catalog.c — the server's named graphs (see catalog.h).
 *
 * Owns: a small array of entries (a scope and a name with a published graph, a reservation, or both when
 * an import replaces a graph), the reference counts kept in graph->refs / graph->dropped, the bare-name
 * resolution rule of catalog.h, and freeing a graph once it is unnamed and unreferenced. One mutex, held
 * only for these bookkeeping steps: graphs are freed after it is released. Must not: read or change graph
 * contents.
 */
#include "graph/catalog.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct gentry {
    char *db;           /* scope: the database of a projection, NULL at the top level */
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
        free(c->e[i].db);
    }
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const char *gcatalog_scope_of(const graph *g) { return !g->durable && g->database_name ? g->database_name : NULL; }

static bool same_scope(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

static gentry *find(gcatalog *c, const char *db, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].name, name) == 0 && same_scope(c->e[i].db, db)) return &c->e[i];
    return NULL;
}

/* Any projection entry (scope not NULL) with this name, reserved or published. */
static gentry *find_projection(gcatalog *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].db && strcmp(c->e[i].name, name) == 0) return &c->e[i];
    return NULL;
}

/* The bare-name rule: the top-level graph, else the only published projection of that name. *ambiguous
 * is set when several databases publish one. Caller holds the lock. */
static gentry *resolve_bare(gcatalog *c, const char *name, int *count) {
    gentry *top = find(c, NULL, name), *hit = NULL;
    *count = 0;
    if (top && top->g) {
        *count = 1;
        return top;
    }
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].db && c->e[i].g && strcmp(c->e[i].name, name) == 0) {
            hit = &c->e[i];
            ++*count;
        }
    return *count == 1 ? hit : NULL;
}

/* The scoped rule: the projection (db, name), else the database itself when name == db. */
static gentry *resolve_in(gcatalog *c, const char *db, const char *name) {
    gentry *e = find(c, db, name);
    if ((!e || !e->g) && db && strcmp(db, name) == 0) {
        gentry *top = find(c, NULL, name);
        if (top && top->g) return top;
    }
    return e;
}

static gentry *add(gcatalog *c, const char *db, const char *name) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->e = qv_realloc(c->e, c->cap * sizeof *c->e);
    }
    gentry *e = &c->e[c->n++];
    *e = (gentry){.db = db ? qv_strdup(db) : NULL, .name = qv_strdup(name)};
    return e;
}

static void remove_entry(gcatalog *c, gentry *e) {
    free(e->name);
    free(e->db);
    *e = c->e[--c->n];
}

/* Unnames g. Returns g if nobody reads it (the caller frees it after unlocking), else NULL: the last
 * gcatalog_release frees it. Caller holds the lock. */
static graph *retire(graph *g) {
    __atomic_store_n(&g->dropped, true, __ATOMIC_RELEASE);   /* gtxn_begin reads it without the lock */
    return g->refs == 0 ? g : NULL;
}

int gcatalog_reserve_in(gcatalog *c, const char *db, const char *name, bool replace, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, db, name);
    /* the other namespace: a top-level name may not shadow a projection, nor the reverse */
    gentry *other = db ? find(c, NULL, name) : find_projection(c, name);
    int rc = 0;
    if (e && e->reserved) rc = qv_err_set(err, QV_EEXISTS, "an import named '%s' is already running", name);
    else if (e && !replace)
        rc = qv_err_set(err, QV_EEXISTS, "a graph named '%s' already exists (drop it first, or use force to replace a "
                        "database)", name);
    else if (other && db)
        rc = qv_err_set(err, QV_EEXISTS, "'%s' is the name of a database or top-level graph; a projection cannot "
                        "share it", name);
    else if (other)
        rc = qv_err_set(err, QV_EEXISTS, "a projection named '%s' exists in database '%s'; a database or top-level "
                        "graph cannot share its name", name, other->db);
    else if (e) e->reserved = true;
    else add(c, db, name)->reserved = true;
    pthread_mutex_unlock(&c->mu);
    return rc;
}

int gcatalog_reserve(gcatalog *c, const char *name, bool replace, qv_err *err) {
    return gcatalog_reserve_in(c, NULL, name, replace, err);
}

void gcatalog_unreserve_in(gcatalog *c, const char *db, const char *name) {
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, db, name);
    if (e && e->reserved) {
        e->reserved = false;
        if (!e->g) remove_entry(c, e);
    }
    pthread_mutex_unlock(&c->mu);
}

void gcatalog_unreserve(gcatalog *c, const char *name) { gcatalog_unreserve_in(c, NULL, name); }

static int publish(gcatalog *c, graph *g, bool ref, qv_err *err) {
    const char *db = gcatalog_scope_of(g);
    pthread_mutex_lock(&c->mu);
    gentry *e = find(c, db, g->name);
    if (!e && db) {   /* a bare reservation of the name, made by a caller that does not know scopes */
        gentry *top = find(c, NULL, g->name);
        if (top && top->reserved && !top->g) {
            free(top->db);
            top->db = qv_strdup(db);
            e = top;
        }
    }
    int rc = 0;
    graph *dead = NULL;
    if (e && !e->reserved) {
        rc = qv_err_set(err, QV_EEXISTS, "a graph named '%s' already exists", g->name);
        dead = g;
    } else {
        if (!e) e = add(c, db, g->name);
        graph *old = e->g;
        e->g = g;
        e->reserved = false;
        g->refs = ref ? 1 : 0;
        __atomic_store_n(&g->dropped, false, __ATOMIC_RELEASE);
        if (old) dead = retire(old);
    }
    pthread_mutex_unlock(&c->mu);
    graph_free(dead);
    return rc;
}

int gcatalog_publish(gcatalog *c, graph *g, qv_err *err) { return publish(c, g, false, err); }
int gcatalog_publish_ref(gcatalog *c, graph *g, qv_err *err) { return publish(c, g, true, err); }

static graph *take_ref(gentry *e) {
    graph *g = e ? e->g : NULL;
    if (g) g->refs++;
    return g;
}

graph *gcatalog_get(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    int count;
    graph *g = take_ref(resolve_bare(c, name, &count));
    pthread_mutex_unlock(&c->mu);
    return g;
}

graph *gcatalog_get_in(gcatalog *c, const char *db, const char *name) {
    pthread_mutex_lock(&c->mu);
    graph *g = take_ref(resolve_in(c, db, name));
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
    int count;
    bool r = resolve_bare(c, name, &count) != NULL;
    pthread_mutex_unlock(&c->mu);
    return r;
}

bool gcatalog_reserved(gcatalog *c, const char *name) {
    pthread_mutex_lock(&c->mu);
    int count;
    bool r = false;
    if (!resolve_bare(c, name, &count) && count == 0)
        for (size_t i = 0; i < c->n && !r; i++) r = !c->e[i].g && strcmp(c->e[i].name, name) == 0;
    pthread_mutex_unlock(&c->mu);
    return r;
}

/* Unnames e's graph. Caller holds the lock; returns the graph to free after unlocking, or NULL. */
static graph *drop_entry(gcatalog *c, gentry *e) {
    graph *g = e->g;
    e->g = NULL;
    if (!e->reserved) remove_entry(c, e);
    return retire(g);
}

/* Under the lock: the NOT_FOUND message when (db, name) or the bare name resolves to nothing. */
static int not_found(gcatalog *c, const char *db, const char *name, qv_err *err) {
    qv_buf dbs;
    qv_buf_init(&dbs);
    int published = 0;
    bool pending = false;
    for (size_t i = 0; i < c->n; i++) {
        gentry *e = &c->e[i];
        if (strcmp(e->name, name) != 0) continue;
        if (!e->g) {
            pending = pending || !db || same_scope(e->db, db) || (!e->db && strcmp(db, name) == 0);
            continue;
        }
        qv_buf_printf(&dbs, "%s'%s'", dbs.len ? ", " : "", e->db ? e->db : e->name);
        published++;
    }
    qv_buf_append_byte(&dbs, 0);
    const char *list = (const char *)dbs.data;
    int rc;
    if (pending && db)
        rc = qv_err_set(err, QV_ENOTFOUND, "graph '%s' of database '%s' does not exist yet (its import is still running)",
                        name, db);
    else if (pending) rc = qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist yet (its import is still running)", name);
    else if (db && published)
        rc = qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist in database '%s' (database %s has one)", name, db, list);
    else if (db) rc = qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist in database '%s'", name, db);
    else if (published > 1)
        rc = qv_err_set(err, QV_ENOTFOUND, "graph name '%s' is ambiguous: databases %s each have one (name the "
                        "database)", name, list);
    else rc = qv_err_set(err, QV_ENOTFOUND, "graph '%s' does not exist", name);
    qv_buf_free(&dbs);
    return rc;
}

graph *gcatalog_resolve(gcatalog *c, const char *db, const char *name, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    int count;
    graph *g = take_ref(db ? resolve_in(c, db, name) : resolve_bare(c, name, &count));
    if (!g) not_found(c, db, name, err);
    pthread_mutex_unlock(&c->mu);
    return g;
}

int gcatalog_drop(gcatalog *c, const char *name, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    int count;
    gentry *e = resolve_bare(c, name, &count);
    int rc = 0;
    graph *dead = NULL;
    if (e) dead = drop_entry(c, e);
    else rc = not_found(c, NULL, name, err);
    pthread_mutex_unlock(&c->mu);
    graph_free(dead);
    return rc;
}

int gcatalog_drop_in(gcatalog *c, const char *db, const char *name, qv_err *err) {
    pthread_mutex_lock(&c->mu);
    gentry *e = resolve_in(c, db, name);
    int rc = 0;
    graph *dead = NULL;
    if (e && e->g) dead = drop_entry(c, e);
    else rc = not_found(c, db, name, err);
    pthread_mutex_unlock(&c->mu);
    graph_free(dead);
    return rc;
}
static const char *db_of(const graph *g) { return g->database_name ? g->database_name : g->name; }

static int cmp_name(const void *a, const void *b) {
    const graph *x = *(graph *const *)a, *y = *(graph *const *)b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(db_of(x), db_of(y));
}

/* db_filter NULL: every graph; else the top-level graph named db_filter and the projections in it. */
static void list(gcatalog *c, const char *db_filter, graph ***out, size_t *n) {
    pthread_mutex_lock(&c->mu);
    graph **v = qv_malloc((c->n ? c->n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        gentry *e = &c->e[i];
        if (!e->g) continue;
        if (db_filter && !(e->db ? strcmp(e->db, db_filter) == 0 : strcmp(e->name, db_filter) == 0)) continue;
        v[k++] = e->g;
        e->g->refs++;
    }
    pthread_mutex_unlock(&c->mu);
    if (k > 1) qsort(v, k, sizeof *v, cmp_name);
    *out = v;
    *n = k;
}

void gcatalog_list(gcatalog *c, graph ***out, size_t *n) { list(c, NULL, out, n); }

void gcatalog_list_in(gcatalog *c, const char *db, graph ***out, size_t *n) { list(c, db, out, n); }
