/* csr_int.h — the pieces of the CSR build that live in their own files (not a public interface).
 *
 * Owns: the scratch the build's bucket tasks share, the presort (csr_radix.c), the segment sort (csr_sort.c) and
 * the relationship property permutation (csr_props.c).
 * Must not: be included outside src/graph.
 */
#ifndef QV_CSR_INT_H
#define QV_CSR_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "graph/csr.h"
#include "util/buf.h"

/* Scratch a bucket task reuses between steps and segments (the presort, the segment sorts, the copies): buf
 * holds cap bytes, whichever step grew it. */
typedef struct gcsr_scratch {
    void *buf;
    uint64_t cap;
} gcsr_scratch;

/* At least `bytes` of s (its contents are not kept when it grows). */
static inline void *gcsr_scratch_grow(gcsr_scratch *s, uint64_t bytes) {
    if (s->cap < bytes) {
        free(s->buf);
        s->cap = bytes + bytes / 2;
        s->buf = qv_malloc(s->cap);
    }
    return s->buf;
}

/* Stable sort of one node's segment by (type, target); perm (may be NULL) moves along. ty == NULL: every
 * row has the same type, not stored per row (the segment sorts on targets). */
void gcsr_sort_segment(uint32_t *tgt, uint16_t *type, uint32_t *perm, uint64_t d, gcsr_scratch *s);

/* Places the outgoing bucket's rows [lo, lo + len) in their segments (csr_radix.c): out[lo..] holds their
 * targets, rt[lo..] their types (rt NULL: one type, not stored), perm[lo..] (may be NULL) their input rows,
 * loc[0..len) their sources within the bucket, cur the bucket's nodes' first positions (advanced as rows are
 * placed). Each segment comes out ordered by (type, top bits of the target), ties in input order, ready for
 * gcsr_sort_segment. n: nodes of the graph (targets are < n); type ids are < ntypes. False (nothing
 * changed) when the bucket does not suit it: more than 4096 types, or a target or type out of range. */
bool gcsr_presort_bucket(uint32_t *out, uint16_t *rt, uint32_t *perm, const uint16_t *loc, uint64_t lo,
                         uint64_t len, uint32_t *cur, uint64_t n, uint32_t ntypes, gcsr_scratch *s);

/* Concatenates the stages' property columns (freeing them) and stores them in g in relationship-id
 * order: relationship r takes the values of input row perm[r]. */
int gcsr_permute_props(graph *g, grel_stage *const *st, size_t k, const uint32_t *perm, qv_pool *pool,
                       const int *cancel, qv_err *err);

#endif
