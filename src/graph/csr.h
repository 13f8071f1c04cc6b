/* csr.h — building a graph's relationship side from resolved relationship chunks.
 *
 * Owns: grel_stage (a relationship chunk whose endpoints are already internal ids) and gcsr_build, the
 * parallel counting sort that makes the outgoing CSR (relationship ids in source order, each node's
 * segment sorted by (type, target), ties kept in input order), the type array, the relationship property
 * columns permuted into relationship-id order, the incoming CSR (relationship ids ascending per target)
 * and the per-type counts. Must not: resolve external ids, know phases, or take the loader's lock.
 */
#ifndef QV_CSR_H
#define QV_CSR_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/graph.h"
#include "graph/gslab.h"
#include "graph/loader.h"
#include "util/err.h"
#include "util/pool.h"

#define GCSR_NONE UINT32_MAX   /* src of a row that is not stored (a dangling relationship) */

typedef struct grel_stage {
    uint64_t n;
    uint32_t *src, *tgt;       /* internal ids; src[i] == GCSR_NONE: row i is dropped */
    bool in_arena;             /* src and tgt live in a gslab (never freed one by one) */
    uint16_t *type;            /* n type ids, or NULL: all common_type */
    uint16_t common_type;
    int ncols;
    gchunk_col *cols;          /* sorted by key; GPROP_DOUBLE */
    uint32_t *pre_hist;        /* gcsr_precount: sources per bucket of 2^gcsr_fine_shift(n) nodes, or NULL */
    uint64_t *pre_types;       /* gcsr_precount: rows per type id, pre_ntypes of them */
    uint32_t pre_ntypes, pre_nbk;
    uint64_t ndangling;        /* rows dropped because an endpoint is missing */
    char example[400];         /* the first of them, for the error message */
} grel_stage;

void grel_stage_free(grel_stage *s);
/* The build's first pass, done early: counts s's rows per source bucket and per type while its endpoints
 * are still in the cache (the loader calls it as each chunk is resolved, during the upload), so that
 * gcsr_build can skip its counting pass. n: the graph's node count. Does nothing for stages too small to
 * be worth a histogram; must not be used when a type is stored in both directions (undirected). */
void gcsr_precount(grel_stage *s, uint64_t n);
uint64_t grel_stage_bytes(const grel_stage *s);

/* Builds g's relationships from the k stages, in the order given (which decides ties; the loader sorts
 * them into a canonical order first). Rows of undirected types are stored in both directions. When every
 * stored relationship has type 0 (a graph of one type), rel_type comes from calloc and is never written:
 * its pages stay the kernel's zero pages until something writes them (nothing does: base arrays are
 * immutable), so they are not resident, and segments sort on targets alone. When every
 * stage was precounted (and no type is undirected), runs of whole stages are the blocks of the first pass. Consumes
 * the stages' arrays (freeing them as it goes; the stage structs stay); `arena` (may be NULL), which
 * holds the endpoints of stages marked in_arena, is released as soon as the outgoing side is built.
 * *cancel (read atomically) makes it stop early with QV_ECANCELLED. On failure g may hold partial arrays;
 * graph_free releases them. */
int gcsr_build(graph *g, grel_stage *const *st, size_t k, gslab *arena, const bool *undirected, uint32_t ntypes,
               qv_pool *pool, const int *cancel, qv_err *err);
/* gcsr_build, calling out_done(arg, g) (when not NULL) once the outgoing side is final -- out_off, out_tgt,
 * rel_type, type_count, n_rels, the relationship columns -- and before the incoming side is built (ckpt: a
 * durable import starts writing those parts to disk meanwhile). out_done must not change g. */
typedef void (*gcsr_out_done_fn)(void *arg, const graph *g);
int gcsr_build_ex(graph *g, grel_stage *const *st, size_t k, gslab *arena, const bool *undirected, uint32_t ntypes,
                  qv_pool *pool, const int *cancel, gcsr_out_done_fn out_done, void *out_arg, qv_err *err);

/* Builds only the incoming side (in_off, in_rel, in_src) from g's outgoing one, as gcsr_build would: for a
 * base read from a file whose incoming index was not written (src/store: it is written after the install,
 * and a crash can come first). out_off and out_tgt must already be checked (offsets ascending up to n_rels,
 * targets below n_nodes); in_off, in_rel and in_src must be NULL or heap blocks (they are freed). */
int gcsr_build_incoming(graph *g, qv_pool *pool, qv_err *err);

#endif
