/* loader_rels.c — relationship chunks against the node index, and RELATIONSHIP_LOAD_DONE's build.
 *
 * Owns: resolving a chunk's source and target ids to internal ids (called by the loader's resolver
 * thread, by an adding thread when the queue is full, or by RELATIONSHIP_LOAD_DONE's pool tasks for what
 * is left; any number at once, while the index is read-only; the results go to the loader's slab arena),
 * counting dangling relationships with one example, the dangling policy (error or skip), the undirected /
 * inverse flags per type, and handing the stages to gcsr_build. Must not: take the loader lock except to read the type names at build time.
 */
#include "graph/loader_int.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fmt_str(const uint64_t *off, const char *str, uint64_t i, char *out, size_t cap) {
    uint64_t len = off[i + 1] - off[i];
    int show = len > 48 ? 48 : (int)len;
    snprintf(out, cap, "\"%.*s%s\"", show, str + off[i], len > 48 ? "..." : "");
}

/* The first dangling row's description; ids are read from the chunk, which still holds them. */
static void describe(const gloader *l, const grel_chunk *c, uint64_t i, bool ms, bool mt, char *out, size_t cap) {
    char a[64], b[64];
    if (l->id_type == GRAPH_ID_INTEGER) {
        snprintf(a, sizeof a, "%lld", (long long)c->src[i]);
        snprintf(b, sizeof b, "%lld", (long long)c->tgt[i]);
    } else {
        fmt_str(c->src_off, c->src_str, i, a, sizeof a);
        fmt_str(c->tgt_off, c->tgt_str, i, b, sizeof b);
    }
    if (ms && mt)
        snprintf(out, cap, "relationship %s -> %s: source node id %s and target node id %s were not loaded", a, b,
                 a, b);
    else if (ms)
        snprintf(out, cap, "relationship %s -> %s: source node id %s was not loaded", a, b, a);
    else
        snprintf(out, cap, "relationship %s -> %s: target node id %s was not loaded", a, b, b);
}

/* Endpoints are resolved straight into the loader's huge-page arena (8 bytes per relationship) and the
 * chunk's own id arrays go back to malloc at once, for the next batch to reuse. */
grel_stage *gload_stage_rels(gloader *l, grel_chunk *c) {
    uint64_t n = c->n;
    grel_stage *s = qv_calloc(1, sizeof *s);
    s->n = n;
    s->in_arena = true;
    s->src = gslab_alloc(&l->arena, n * sizeof *s->src);
    s->tgt = gslab_alloc(&l->arena, n * sizeof *s->tgt);
    if (!s->src || !s->tgt) {
        grel_stage_free(s);
        gload_free_rels(c);
        return NULL;
    }
    const gidindex *ix = &l->g->idx;
    uint64_t miss = l->id_type == GRAPH_ID_INTEGER
                        ? gload_resolve_int(l, c->src, n, s->src) + gload_resolve_int(l, c->tgt, n, s->tgt)
                        : gidindex_resolve_str(ix, c->src_off, c->src_str, n, s->src) +
                              gidindex_resolve_str(ix, c->tgt_off, c->tgt_str, n, s->tgt);
    for (uint64_t i = 0; miss && i < n; i++) {
        bool ms = s->src[i] == GIDINDEX_NONE, mt = s->tgt[i] == GIDINDEX_NONE;
        if (!ms && !mt) continue;
        if (s->ndangling++ == 0) describe(l, c, i, ms, mt, s->example, sizeof s->example);
        s->src[i] = GCSR_NONE;
    }
    s->type = c->type;
    c->type = NULL;
    s->common_type = c->common_type;
    if (l->n_undirected == 0) gcsr_precount(s, l->g->n_nodes);   /* the build's counting pass, while hot */
    s->cols = c->cols;
    s->ncols = c->ncols;
    c->cols = NULL;
    c->ncols = 0;
    gload_free_rels(c);
    return s;
}

bool gload_type_listed(char *const *list, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], "*") == 0 || strcmp(list[i], name) == 0) return true;
    return false;
}

int gload_build_rels(gloader *l, grel_stage **st, size_t k, qv_err *err) {
    gload_sort_stages(st, k);
    uint64_t nd = 0;
    const char *example = NULL;
    for (size_t i = 0; i < k; i++) {
        nd += st[i]->ndangling;
        if (!example && st[i]->ndangling) example = st[i]->example;
    }
    if (nd && !l->skip_dangling)
        return qv_err_set(err, QV_EINVAL, "%s; %llu relationship%s reference%s missing nodes (set "
                          "skip_dangling_relationships to skip them)",
                          example, (unsigned long long)nd, nd == 1 ? "" : "s", nd == 1 ? "s" : "");
    __atomic_store_n(&l->dangling, nd, __ATOMIC_RELAXED);

    pthread_mutex_lock(&l->mu);   /* type names can still be interned by other threads */
    uint32_t nt = l->rel_types.count;
    bool *und = qv_calloc(nt ? nt : 1, sizeof *und), *inv = qv_calloc(nt ? nt : 1, sizeof *inv);
    for (uint32_t t = 0; t < nt; t++) {
        const char *name = qv_strtab_name(&l->rel_types, t);
        und[t] = gload_type_listed(l->undirected, l->n_undirected, name);
        inv[t] = gload_type_listed(l->inverse, l->n_inverse, name);
    }
    l->ntypes_built = nt;
    pthread_mutex_unlock(&l->mu);

    graph *g = l->g;
    g->type_undirected = und;
    g->type_inverse = inv;
    if (gcsr_build_ex(g, st, k, &l->arena, und, nt, l->pool, &l->cancel, l->out_done, l->out_done_arg, err)) return -1;
    l->rel_count = g->n_rels;
    return 0;
}
