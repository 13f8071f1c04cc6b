/* gmem.c — the memory breakdown of a graph (see gmem.h) and graph_memory_bytes' delta part.
 * Must not: change the graph, or dereference a version's arrays (a pending version's arrays may be replaced
 * by the writer meanwhile; its struct stays until the epoch pinned here is released). */
#include "graph/gmem.h"
#include "graph/gcol.h"
#include "graph/gdelta.h"
#include "graph/gmem_pack.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/buf.h"

/* ---- big arrays ---- */
#define GMEM_MAP_MIN ((size_t)128 << 10)   /* glibc's initial mmap threshold: it only grows from there */

typedef struct gmem_hdr {   /* 16 bytes: the array after it stays 16-byte aligned */
    uint64_t size;          /* of the whole block, header included */
    uint64_t mapped;
} gmem_hdr;

void *gmem_alloc(size_t n) {
    if (n > SIZE_MAX / 2) return qv_malloc(SIZE_MAX);   /* aborts with qv_malloc's out-of-memory message */
    size_t total = n + sizeof(gmem_hdr);
    gmem_hdr *h = NULL;
    if (total >= GMEM_MAP_MIN) {
        void *m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) h = m, h->mapped = 1;
    }
    if (!h) h = qv_malloc(total), h->mapped = 0;
    h->size = total;
    return h + 1;
}

void *gmem_calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return qv_malloc(SIZE_MAX);
    void *p = gmem_alloc(n * size);
    if (!((gmem_hdr *)p - 1)->mapped) memset(p, 0, n * size);   /* a fresh mapping is zeroed already */
    return p;
}

void gmem_free(void *p) {
    if (!p) return;
    gmem_hdr *h = (gmem_hdr *)p - 1;
    if (h->mapped) munmap(h, h->size);
    else free(h);
}

static uint64_t strtab_bytes(const qv_strtab *t) {
    uint64_t b = (uint64_t)t->count * (sizeof(char *) + sizeof(uint32_t)) + (uint64_t)t->nslots * 4;
    for (uint32_t i = 0; i < t->count; i++) b += t->lens[i] + 1;
    return b;
}

static void measure_base(const graph *g, gmem_parts *p) {
    uint64_t n = g->n_nodes;
    p->base_names = strtab_bytes(&g->labels) + strtab_bytes(&g->rel_types) + strtab_bytes(&g->prop_keys);
    if (g->ext_ids) p->base_ids += n * 8;
    if (g->ext_str_off) p->base_ids += (n + 1) * 8 + g->ext_str_off[n];
    p->base_ids += gidindex_memory_bytes(&g->idx);
    if (g->node_labelset) p->base_labels += n * 4;
    if (g->labelset_off)
        p->base_labels += ((uint64_t)g->n_labelsets + 1) * 4 + (uint64_t)g->labelset_off[g->n_labelsets] * 4;
    pthread_rwlock_rdlock((pthread_rwlock_t *)&g->cols_lock);
    for (int i = 0; i < g->n_node_cols; i++) p->base_node_cols += sizeof(gcolumn) + gcol_bytes(&g->node_cols[i], n);
    pthread_rwlock_unlock((pthread_rwlock_t *)&g->cols_lock);
    for (int i = 0; i < g->n_rel_cols; i++) p->base_rel_cols += sizeof(gcolumn) + gcol_bytes(&g->rel_cols[i], g->n_rels);
    p->base_topology = graph_topology_bytes(g);
    p->base_other = sizeof *g + (uint64_t)g->rel_types.count * (2 * sizeof(bool) + sizeof(uint64_t));
}

static uint64_t gvec_bytes(const gvec *v) {
    uint64_t cap = v ? LOAD(&v->cap) : 0;
    return v && !(cap & GVEC_ARENA) ? sizeof *v + cap * sizeof(uint64_t) : 0;   /* an arena one: in values */
}

static void measure_packs(const ggen *gen, gmem_parts *p) {
    uint64_t k[4];
    gpack_parts(gen->npack, k);
    p->npack_live = k[0], p->npack_labels = k[1], p->npack_ext = k[2], p->npack_cols = k[3];
    gpack_parts(gen->rpack, k);
    p->rpack_live = k[0], p->rpack_ends = k[1], p->rpack_cols = k[3];
}

static void measure_delta(gdelta *d, gmem_parts *p) {
    uint32_t pin = gdelta_pin(d);
    const ggen *gen = LOAD(&d->gen);
    const gsnap *s = LOAD(&d->snap);
    p->delta_other = sizeof *d + sizeof *gen + 2 * GDIR_SIZE * sizeof(void *) + GMAX_NAMES * sizeof(gvec *) +
                     sizeof *s + ((uint64_t)s->n_labels + s->n_types + 2) * 8 +
                     __atomic_load_n(&d->vals.total, __ATOMIC_RELAXED);
    if (LOAD(&d->base_src)) p->delta_other += d->base_rels * sizeof(uint32_t);
    p->gen_values = __atomic_load_n(&gen->vals.total, __ATOMIC_RELAXED);
    if (gen->owned) p->csr = (gen->n_csr + 1) * 16 + gen->out_off[gen->n_csr] * 16;
    measure_packs(gen, p);
    for (uint32_t l = 0; LOAD(&gen->blab_built) && l < gen->n_blab; l++) p->label_lists += gen->blab_n[l] * sizeof(uint64_t);
    for (uint32_t l = 0; l < GMAX_NAMES; l++) p->label_lists += gvec_bytes(LOAD(&gen->lab_delta[l]));
    const gxtab *x = LOAD(&gen->ext);
    if (x) p->ext_table = sizeof *x + (LOAD(&x->mask) + 1) * sizeof(gxent);
    for (uint64_t c = 0; c < GDIR_SIZE; c++) {
        const gnslot *ns = LOAD(&gen->ndir[c]);
        if (ns) {
            p->slots += GCHUNK_SIZE * sizeof(gnslot);
            for (uint64_t i = 0; i < GCHUNK_SIZE; i++) {
                p->adjacency += gvec_bytes(LOAD(&ns[i].out)) + gvec_bytes(LOAD(&ns[i].in));
                for (const gnver *v = LOAD(&ns[i].ver); v; v = LOAD(&v->older)) {
                    p->versions_n++;
                    if (!v->arena) p->versions += sizeof *v + (uint64_t)v->cap_props * sizeof(gprop) + (uint64_t)v->cap_labels * 4;
                }
            }
        }
        const grslot *rs = LOAD(&gen->rdir[c]);
        if (rs) {
            p->slots += GCHUNK_SIZE * sizeof(grslot);
            for (uint64_t i = 0; i < GCHUNK_SIZE; i++)
                for (const grver *v = LOAD(&rs[i].ver); v; v = LOAD(&v->older)) {
                    p->versions_n++;
                    if (!v->arena) p->versions += sizeof *v + (uint64_t)v->cap_props * sizeof(gprop);   /* else: values */
                }
        }
    }
    gdelta_unpin(d, pin);
}

void gmem_measure(graph *g, gmem_parts *p) {
    memset(p, 0, sizeof *p);
    measure_base(g, p);
    gdelta *d = LOAD(&g->delta);
    if (d) measure_delta(d, p);
    p->total = p->base_names + p->base_ids + p->base_labels + p->base_node_cols + p->base_topology +
               p->base_rel_cols + p->base_other + p->csr + p->npack_live + p->npack_labels + p->npack_ext +
               p->npack_cols + p->rpack_live + p->rpack_ends + p->rpack_cols + p->label_lists + p->slots +
               p->versions + p->adjacency + p->gen_values + p->ext_table + p->delta_other;
}

uint64_t graph_memory_bytes(const graph *g) {
    gmem_parts p;
    gmem_measure((graph *)g, &p);
    return p.total;
}

void gmem_print(const gmem_parts *p, uint64_t nodes, uint64_t rels, FILE *f) {
    struct { const char *name; uint64_t b; } parts[] = {
        {"base names", p->base_names}, {"base external ids + index", p->base_ids}, {"base labels", p->base_labels},
        {"base node columns", p->base_node_cols}, {"base topology", p->base_topology},
        {"base relationship columns", p->base_rel_cols}, {"base other", p->base_other},
        {"compacted CSR (with rel-id array)", p->csr}, {"node pack: live bits", p->npack_live},
        {"node pack: label sets", p->npack_labels}, {"node pack: external ids + index", p->npack_ext},
        {"node pack: property columns", p->npack_cols}, {"rel pack: live bits", p->rpack_live},
        {"rel pack: source/target/type", p->rpack_ends}, {"rel pack: property columns", p->rpack_cols},
        {"label lists", p->label_lists}, {"slot chunks", p->slots}, {"versions", p->versions},
        {"delta adjacency", p->adjacency}, {"generation value arena", p->gen_values},
        {"ext-id table (since packs)", p->ext_table}, {"delta other", p->delta_other}, {"total", p->total},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i].b) continue;
        fprintf(f, "  %-36s %12" PRIu64 "  (%.1f B/node, %.1f B/rel)\n", parts[i].name, parts[i].b,
                nodes ? (double)parts[i].b / (double)nodes : 0.0, rels ? (double)parts[i].b / (double)rels : 0.0);
    }
    if (p->versions_n) fprintf(f, "  (%" PRIu64 " versions)\n", p->versions_n);
}
