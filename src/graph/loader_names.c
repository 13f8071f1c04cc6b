/* loader_names.c — the loader's interned names: labels, label sets, relationship types and property keys.
 *
 * Owns: gloader_label / gloader_labelset / gloader_rel_type / gloader_prop_key (each takes the loader lock
 * briefly), the label-set table, and copying the names into the finished graph.
 * Must not: touch staged chunks or the graph under construction (except gload_install_names at hand-out).
 */
#include "graph/gcol.h"
#include "graph/loader_int.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

#define MAX_REL_TYPES 65535u   /* type ids are uint16 */

/* ---------- label sets ---------- */

static uint64_t set_hash(const uint32_t *l, uint32_t n) { return n ? qv_hash_bytes(l, (size_t)n * 4) : 0x5e7; }

/* Labels of set id (NULL for the empty set, whose table may not exist yet). */
static const uint32_t *set_labels(const glabelsets *s, uint32_t id) {
    return s->off[id + 1] > s->off[id] ? s->labels + s->off[id] : NULL;
}

static bool set_eq(const glabelsets *s, uint32_t id, const uint32_t *l, uint32_t n) {
    uint32_t a = s->off[id], b = s->off[id + 1];
    return b - a == n && (n == 0 || memcmp(set_labels(s, id), l, (size_t)n * 4) == 0);
}

static void set_place(glabelsets *s, uint32_t id) {
    uint32_t mask = s->nslots - 1, n = s->off[id + 1] - s->off[id];
    uint32_t i = (uint32_t)set_hash(set_labels(s, id), n) & mask;
    while (s->slots[i]) i = (i + 1) & mask;
    s->slots[i] = id + 1;
}

uint32_t gload_labelset_locked(gloader *l, const uint32_t *lab, uint32_t n) {
    glabelsets *s = &l->ls;
    if (s->nslots) {
        uint32_t mask = s->nslots - 1;
        for (uint32_t i = (uint32_t)set_hash(lab, n) & mask; s->slots[i]; i = (i + 1) & mask)
            if (set_eq(s, s->slots[i] - 1, lab, n)) return s->slots[i] - 1;
    }
    if ((s->n + 1) * 2 > s->nslots) {
        uint32_t ns = s->nslots ? s->nslots * 2 : 16;
        free(s->slots);
        s->slots = qv_calloc(ns, sizeof *s->slots);
        s->nslots = ns;
        for (uint32_t i = 0; i < s->n; i++) set_place(s, i);
    }
    if (s->n + 2 > s->off_cap) {
        s->off_cap = s->off_cap ? s->off_cap * 2 : 16;
        s->off = qv_realloc(s->off, s->off_cap * sizeof *s->off);
    }
    if (s->n == 0) s->off[0] = 0;
    uint32_t at = s->off[s->n];
    if (at + n > s->lab_cap) {
        while (at + n > s->lab_cap) s->lab_cap = s->lab_cap ? s->lab_cap * 2 : 64;
        s->labels = qv_realloc(s->labels, s->lab_cap * sizeof *s->labels);
    }
    if (n) memcpy(s->labels + at, lab, (size_t)n * 4);
    uint32_t id = s->n++;
    s->off[s->n] = at + n;
    set_place(s, id);
    return id;
}

uint32_t gload_labelset_union_locked(gloader *l, uint32_t a, uint32_t b) {
    if (a == b) return a;
    const glabelsets *s = &l->ls;
    uint32_t na = s->off[a + 1] - s->off[a], nb = s->off[b + 1] - s->off[b];
    uint32_t small[32], *u = na + nb <= 32 ? small : qv_malloc((size_t)(na + nb) * 4);
    const uint32_t *x = set_labels(s, a), *y = set_labels(s, b);
    uint32_t i = 0, j = 0, n = 0;
    while (i < na || j < nb) {
        if (j == nb || (i < na && x[i] < y[j])) u[n++] = x[i++];
        else if (i == na || y[j] < x[i]) u[n++] = y[j++];
        else {
            u[n++] = x[i++];
            j++;
        }
    }
    uint32_t id = gload_labelset_locked(l, u, n);   /* may move s->labels: u is a copy */
    if (u != small) free(u);
    return id;
}

void glabelsets_free(glabelsets *s) {
    free(s->off);
    free(s->labels);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* ---------- public interning ---------- */

uint32_t gloader_label(gloader *l, const char *s, size_t n) {
    pthread_mutex_lock(&l->mu);
    uint32_t id = qv_strtab_intern(&l->labels, s, n);
    pthread_mutex_unlock(&l->mu);
    return id;
}

uint32_t gloader_labelset(gloader *l, const uint32_t *labels, int n) {
    uint32_t small[32], *v = n <= 32 ? small : qv_malloc((size_t)n * 4);
    uint32_t m = 0;
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < n; i++)
        if (labels[i] < l->labels.count) v[m++] = labels[i];   /* ids not from gloader_label are ignored */
    if (m > 1) qsort(v, m, 4, cmp_u32);
    uint32_t u = 0;
    for (uint32_t i = 0; i < m; i++)
        if (u == 0 || v[u - 1] != v[i]) v[u++] = v[i];
    uint32_t id = gload_labelset_locked(l, v, u);
    pthread_mutex_unlock(&l->mu);
    if (v != small) free(v);
    return id;
}

int gloader_rel_type(gloader *l, const char *s, size_t n, uint16_t *out, qv_err *err) {
    pthread_mutex_lock(&l->mu);
    int64_t f = qv_strtab_find(&l->rel_types, s, n);
    if (f < 0 && l->rel_types.count >= MAX_REL_TYPES) {
        pthread_mutex_unlock(&l->mu);
        return qv_err_set(err, QV_ETOOBIG, "relationship type '%.*s' would be type number %u; a graph holds at most %u "
                          "relationship types", (int)(n > 100 ? 100 : n), s, MAX_REL_TYPES + 1, MAX_REL_TYPES);
    }
    *out = (uint16_t)(f >= 0 ? (uint32_t)f : qv_strtab_intern(&l->rel_types, s, n));
    pthread_mutex_unlock(&l->mu);
    return 0;
}

int gloader_prop_key(gloader *l, bool rel, const char *name, gprop_type type, uint32_t *key, qv_err *err) {
    const char *kind = rel ? "relationship" : "node";
    if (!gcol_type_valid(type)) return qv_err_set(err, QV_EINVAL, "%s property '%s' has an unknown type", kind, name);
    if (rel && type != GPROP_DOUBLE)
        return qv_err_set(err, QV_EINVAL,
                          "relationship property '%s' has type %s; relationship properties must be double "
                          "(as in GDS): cast the column",
                          name, gprop_type_name(type));
    pthread_mutex_lock(&l->mu);
    uint32_t k = qv_strtab_intern(&l->prop_keys, name, strlen(name));
    if (k >= l->key_cap) {
        uint32_t nc = l->key_cap ? l->key_cap : 16;
        while (nc <= k) nc *= 2;
        for (int r = 0; r < 2; r++) {
            l->key_type[r] = qv_realloc(l->key_type[r], nc * sizeof *l->key_type[r]);
            memset(l->key_type[r] + l->key_cap, 0, (nc - l->key_cap) * sizeof *l->key_type[r]);
        }
        l->key_cap = nc;
    }
    gprop_type *have = &l->key_type[rel][k];
    if (*have && *have != type) {
        gprop_type was = *have;
        pthread_mutex_unlock(&l->mu);
        return qv_err_set(err, QV_EINVAL,
                          "%s property '%s' was loaded as %s and now arrives as %s; a property has one type per graph",
                          kind, name, gprop_type_name(was), gprop_type_name(type));
    }
    *have = type;
    *key = k;
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* ---------- hand-out ---------- */

static void copy_strtab(qv_strtab *dst, const qv_strtab *src) {
    for (uint32_t i = 0; i < src->count; i++) qv_strtab_intern(dst, src->names[i], src->lens[i]);
}

void gload_install_names(gloader *l, graph *g) {
    copy_strtab(&g->labels, &l->labels);
    for (uint32_t i = 0; i < l->ntypes_built; i++)   /* types interned later cannot have relationships */
        qv_strtab_intern(&g->rel_types, l->rel_types.names[i], l->rel_types.lens[i]);
    copy_strtab(&g->prop_keys, &l->prop_keys);
    const glabelsets *s = &l->ls;
    g->n_labelsets = s->n;
    g->labelset_off = qv_malloc(((size_t)s->n + 1) * sizeof *g->labelset_off);
    memcpy(g->labelset_off, s->off, ((size_t)s->n + 1) * sizeof *g->labelset_off);
    g->labelset_labels = qv_malloc(((size_t)s->off[s->n] + 1) * sizeof *g->labelset_labels);
    if (s->off[s->n]) memcpy(g->labelset_labels, s->labels, (size_t)s->off[s->n] * sizeof *g->labelset_labels);
}
