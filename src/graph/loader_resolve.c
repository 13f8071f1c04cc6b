/* loader_resolve.c — int64 relationship endpoints to internal ids, as fast as the node ids allow.
 *
 * Owns: the dense map (built at NODE_LOAD_DONE when the int64 node ids fill at least half of their range
 * [min, max], as Neo4j node ids and most generated ids do: internal id = map[id - min], one 4-byte read
 * instead of a hash and a 64-byte bucket; at most 8 bytes per node, freed once the relationships are
 * resolved), and resolution through the id index otherwise, where runs of equal ids (edge lists sorted by
 * source) are looked up once per run. Results are the same on every path: GIDINDEX_NONE for an unknown id.
 * Must not: change the id index, or keep the map past RELATIONSHIP_LOAD_DONE's resolution.
 */
#include "graph/gpar.h"
#include "graph/loader_int.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

/* ---------- the dense map ---------- */

typedef struct densejob {
    const int64_t *ids;
    uint64_t n;
    size_t nt;
    int64_t *lo, *hi;        /* per task: min and max */
    uint32_t *map;
    int64_t min;
    uint64_t len;
} densejob;

static void t_minmax(void *arg, size_t t) {
    densejob *J = arg;
    uint64_t a = gpar_lo(J->n, t, J->nt), e = gpar_lo(J->n, t + 1, J->nt);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (uint64_t i = a; i < e; i++) {
        int64_t v = J->ids[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    J->lo[t] = lo;
    J->hi[t] = hi;
}

static void t_clear(void *arg, size_t t) {
    densejob *J = arg;
    uint64_t a = gpar_lo(J->len, t, J->nt), e = gpar_lo(J->len, t + 1, J->nt);
    memset(J->map + a, 0xff, (e - a) * sizeof *J->map);
}

static void t_fill(void *arg, size_t t) {
    densejob *J = arg;
    uint64_t a = gpar_lo(J->n, t, J->nt), e = gpar_lo(J->n, t + 1, J->nt);
    for (uint64_t i = a; i < e; i++) J->map[(uint64_t)(J->ids[i] - J->min)] = (uint32_t)i;
}

void gload_dense_build(gloader *l) {
    const graph *g = l->g;
    uint64_t n = g->n_nodes;
    if (g->id_type != GRAPH_ID_INTEGER || n == 0 || n >= GIDINDEX_NONE) return;
    densejob J = {.ids = g->ext_ids, .n = n, .nt = gpar_tasks(l->pool, n, 1 << 16)};
    J.lo = qv_malloc(J.nt * sizeof *J.lo);
    J.hi = qv_malloc(J.nt * sizeof *J.hi);
    gpar_run(l->pool, J.nt, t_minmax, &J);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t t = 0; t < J.nt; t++) {
        lo = J.lo[t] < lo ? J.lo[t] : lo;
        hi = J.hi[t] > hi ? J.hi[t] : hi;
    }
    free(J.lo);
    free(J.hi);
    uint64_t span = (uint64_t)hi - (uint64_t)lo;   /* no overflow: two's complement difference, hi >= lo */
    if (span >= 2 * n) return;                      /* sparse ids: the index resolves them */
    J.min = lo;
    J.len = span + 1;
    J.map = gpar_alloc(J.len * sizeof *J.map);
    if (!J.map) return;                             /* not needed: the index still works */
    size_t nt_n = J.nt;
    J.nt = gpar_tasks(l->pool, J.len, 1 << 18);
    gpar_run(l->pool, J.nt, t_clear, &J);
    J.nt = nt_n;
    gpar_run(l->pool, J.nt, t_fill, &J);   /* ids are unique: the index build checked them */
    l->dense = J.map;
    l->dense_min = lo;
    l->dense_len = J.len;
}

void gload_dense_free(gloader *l) {
    free(l->dense);
    l->dense = NULL;
    l->dense_len = 0;
}

/* ---------- resolution ---------- */

/* Equal neighbours among the first rows: worth collapsing runs when a quarter of them repeat. */
static bool has_runs(const int64_t *k, uint64_t n) {
    uint64_t m = n < 256 ? n : 256, rep = 0;
    for (uint64_t i = 1; i < m; i++) rep += k[i] == k[i - 1];
    return m > 16 && rep * 4 >= m;
}

uint64_t gload_resolve_int(const gloader *l, const int64_t *keys, uint64_t n, uint32_t *out) {
    uint64_t miss = 0;
    if (l->dense) {
        const uint32_t *map = l->dense;
        uint64_t len = l->dense_len, min = (uint64_t)l->dense_min;
        for (uint64_t i = 0; i < n; i++) {
            uint64_t u = (uint64_t)keys[i] - min;
            uint32_t v = u < len ? map[u] : GIDINDEX_NONE;
            miss += v == GIDINDEX_NONE;
            out[i] = v;
        }
        return miss;
    }
    const gidindex *ix = &l->g->idx;
    if (!has_runs(keys, n)) return gidindex_resolve_int(ix, keys, n, out);
    /* one lookup per run of equal keys: the distinct run heads, resolved in a batch, then spread */
    int64_t *heads = qv_malloc(n * sizeof *heads);
    uint32_t *ids = qv_malloc(n * sizeof *ids);
    uint64_t r = 0;
    for (uint64_t i = 0; i < n; i++)
        if (i == 0 || keys[i] != keys[i - 1]) heads[r++] = keys[i];
    gidindex_resolve_int(ix, heads, r, ids);
    r = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i > 0 && keys[i] != keys[i - 1]) r++;
        out[i] = ids[r];
        miss += ids[r] == GIDINDEX_NONE;
    }
    free(heads);
    free(ids);
    return miss;
}
