/* gmem_pack.h — the packed state a compaction leaves for the entities created after the loader's base
 * (internal to src/graph; docs/write-path.md "Compaction").
 *
 * Owns: one immutable pack per generation for nodes and one for relationships, over the ids lo .. lo+n-1 that
 * were live at the compaction's snapshot: a live bitmap; typed property columns with presence bits whose values
 * are stored only for present rows (found by rank: per 64-row word, the present rows before it), one column per
 * key (int, float, bool, string, or a dictionary of at most 4,096 distinct strings with 2-byte codes when that
 * halves the column; a key holding other or mixed types gets a column of whole values); for nodes a
 * label-set id per row over interned label sets, the external ids (the same column layout) and an
 * open-addressing index over them (4 bytes a slot); for relationships source, target (32-bit) and type (16-bit).
 * An entity of the pack with a version in its generation's slots reads the version (gview.c checks the slot
 * first); one without reads the pack.
 * Must not: change after the generation is published, allocate or lock on the read path, or decide visibility
 * (the views do: a pack row is the entity's state at the generation's CSN).
 */
#ifndef QV_GMEM_PACK_H
#define QV_GMEM_PACK_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/gview.h"
#include "util/arena.h"

typedef enum { GPC_NONE = 0, GPC_INT, GPC_FLOAT, GPC_BOOL, GPC_STR, GPC_DICT, GPC_ANY } gpc_kind;

/* The column kind a value needs (a string column may become GPC_DICT when the pack is sealed). */
static inline uint32_t gpack_kind_of(qval x) {
    switch (x.type) {
    case QT_INT: return GPC_INT;
    case QT_FLOAT: return GPC_FLOAT;
    case QT_BOOL: return GPC_BOOL;
    case QT_STRING: return GPC_STR;
    default: return GPC_ANY;
    }
}

/* 64 rows of a column: which have a value, and how many rows before them do (one cache line read per lookup). */
typedef struct gpword {
    uint64_t bits;
    uint64_t rank;
} gpword;

typedef struct gpcol {
    uint32_t key;
    uint32_t kind;          /* gpc_kind */
    uint64_t n_present;
    gpword *w;              /* presence over the pack's rows, with ranks */
    void *vals;             /* INT int64_t[np], FLOAT double[np], BOOL uint8_t[np], STR uint64_t[np + 1] byte
                               offsets into bytes, DICT uint16_t[np] codes, ANY qval[np] (payloads in the pack's
                               arena) */
    char *bytes;            /* STR: the strings; DICT: the distinct strings */
    uint32_t ndict;         /* DICT: distinct strings (<= 4096) */
    uint32_t *doff;         /* DICT: ndict + 1 offsets into bytes */
} gpcol;

/* Value i (a rank among the column's present cells) of a column. */
static inline qval gpack_col_val(const gpcol *c, uint64_t i) {
    switch (c->kind) {
    case GPC_INT: return qv_int(((const int64_t *)c->vals)[i]);
    case GPC_FLOAT: return qv_float(((const double *)c->vals)[i]);
    case GPC_BOOL: return qv_bool(((const uint8_t *)c->vals)[i] != 0);
    case GPC_STR: {
        const uint64_t *off = c->vals;
        return qv_str_ref(c->bytes + off[i], (uint32_t)(off[i + 1] - off[i]));
    }
    case GPC_DICT: {
        uint16_t k = ((const uint16_t *)c->vals)[i];
        return qv_str_ref(c->bytes + c->doff[k], c->doff[k + 1] - c->doff[k]);
    }
    default: return ((const qval *)c->vals)[i];
    }
}

typedef struct gpack {
    int refs;               /* generations holding it: a compaction that changes no packed node shares it */
    uint64_t lo, n;         /* rows: ids lo .. lo + n - 1 */
    uint64_t live_count;
    uint64_t *live;         /* the entity is in the pack (live at the snapshot) */
    /* nodes */
    uint32_t *lset;         /* label set per row */
    uint32_t n_lsets;
    uint32_t *lset_off;     /* n_lsets + 1 offsets into lset_lab */
    uint32_t *lset_lab;     /* sorted label ids of each set */
    gpcol ext;              /* external ids */
    uint32_t *xtab;         /* row + 1 per slot, 0 = empty; hashed by gext_hash */
    uint64_t xmask;
    /* relationships */
    uint32_t *src, *dst;
    uint16_t *type;
    /* properties */
    uint32_t ncols;
    gpcol *cols;            /* ascending keys */
    uint32_t nkeys;
    uint32_t *keycol;       /* key -> column index + 1, 0: no column */
    qv_arena vals;          /* payloads of GPC_ANY cells */
} gpack;

/* Whether id is in the pack (p may be NULL). */
static inline bool gpack_has(const gpack *p, uint64_t id) {
    if (!p) return false;
    uint64_t r = id - p->lo;   /* wraps above n for ids below lo */
    return r < p->n && ((p->live[r >> 6] >> (r & 63)) & 1);
}

/* Builds the pack of the live nodes / relationships v sees among ids lo .. hi-1 (NULL when there are none).
 * Reads v only; the caller keeps v open. */
gpack *gpack_build_nodes(gview *v, uint64_t lo, uint64_t hi);
gpack *gpack_build_rels(gview *v, uint64_t lo, uint64_t hi);
void gpack_free(void *p);                 /* drops one reference */
gpack *gpack_ref(gpack *p);               /* one more (p may be NULL) */
uint64_t gpack_memory_bytes(const gpack *p);
/* The same bytes in parts: live bits, label sets (nodes) or endpoints and types (relationships), external ids
 * and their index, property columns (with the payloads of whole values). */
void gpack_parts(const gpack *p, uint64_t part[4]);

/* Reads; the caller checked gpack_has. */
const uint32_t *gpack_labels(const gpack *p, uint64_t id, uint32_t *n);   /* NULL, *n = 0 when not packed */
bool gpack_prop(const gpack *p, uint64_t id, uint32_t key, qval *out);
uint32_t gpack_props(const gpack *p, uint64_t id, gprop *out);   /* ascending keys; out: p->ncols entries */
static inline uint32_t gpack_max_props(const gpack *p) { return p ? p->ncols : 0; }
qval gpack_ext(const gpack *p, uint64_t id);                       /* null when absent */
uint64_t gpack_find_ext(const gpack *p, qval x);                   /* row's id, or GID_NONE */
static inline void gpack_rel(const gpack *p, uint64_t id, uint64_t *src, uint64_t *dst, uint32_t *type) {
    uint64_t r = id - p->lo;
    *src = p->src[r];
    *dst = p->dst[r];
    *type = p->type[r];
}
static inline uint32_t gpack_rel_type(const gpack *p, uint64_t id) { return p->type[id - p->lo]; }

#endif
