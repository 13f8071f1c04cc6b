/* agg.h — aggregating functions: count, sum, avg, min, max, collect, stDev, stDevP, percentileCont,
 * percentileDisc, each optionally DISTINCT.
 *
 * Owns: the per-group accumulator and its update / final value under openCypher's rules (nulls ignored,
 * integer sums overflow with an error, avg of integers is a float, empty groups give 0 / null / []).
 * Must not: group rows (the aggregate operator does) or evaluate expressions.
 */
#ifndef QV_CYPHER_AGG_H
#define QV_CYPHER_AGG_H

#include "cypher/exec.h"
#include "cypher/ops/ops.h"

typedef struct cy_aggst {
    int64_t cnt;
    int64_t isum;
    double fsum;
    bool is_float, is_other;   /* sum/avg: a float seen / a non-number (duration) accumulated in acc */
    qval acc;                  /* min / max / duration sums */
    double mean, m2;           /* stDev */
    qlist_b list;              /* collect, percentiles */
    bool list_init;
    cy_rowset seen;            /* DISTINCT */
    bool seen_init;
    qval param;                /* percentile */
} cy_aggst;

/* Maps a function name to its kind (0 if not an aggregate). */
cy_aggkind cy_agg_kind(const char *name, bool star);
/* Feeds one value (arg: the first argument; param: the second, for percentiles). */
int cy_agg_update(cy_x *x, const cy_aggdef *d, cy_aggst *s, qval arg, qval param);
int cy_agg_final(cy_x *x, const cy_aggdef *d, cy_aggst *s, qval *out);

#endif
