/* func.h — the scalar function library of openCypher.
 *
 * Owns: the registry of scalar functions (string, math, list, type conversion, entity and path functions,
 * temporal constructors and functions, Neptune's removeKeyFromMap and join) and the calling convention.
 * Aggregating functions (count, sum, avg, min, max, collect, stDev, stDevP, percentileCont,
 * percentileDisc) are not here: the aggregation operator owns them (cy_fn_is_aggregate tells them apart).
 * Functions never see the AST: they get evaluated arguments.
 */
#ifndef QV_CYPHER_FUNC_H
#define QV_CYPHER_FUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/gview.h"
#include "util/arena.h"
#include "value/cyerr.h"
#include "value/value.h"

typedef struct cy_fnctx {
    qv_arena *arena;       /* results are allocated here */
    gview *view;           /* the query's graph (entity functions); may be NULL in unit tests */
    int64_t stmt_time_ns;  /* the statement's clock: datetime() etc. return the same instant in one query */
    uint64_t *rand_state;  /* rand() state */
    int32_t pos;           /* offset of the call in the query text (errors) */
} cy_fnctx;

/* Arguments are evaluated values; null handling is the function's (most return null on null). */
typedef int (*cy_fn_impl)(cy_fnctx *ctx, const qval *args, uint32_t nargs, qval *out, cy_error *err);

typedef struct cy_fn {
    const char *name;      /* canonical spelling: "toUpper", "date.truncate" (lookup is case-insensitive) */
    int16_t min_args, max_args;   /* max -1 = variadic */
    bool deterministic;    /* false for rand(), timestamp(), datetime() without args... (no constant folding) */
    cy_fn_impl impl;
} cy_fn;

const cy_fn *cy_fn_find(const char *name, size_t len);
bool cy_fn_is_aggregate(const char *name, size_t len);

/* Tables the registry merges (each module that defines functions exports one). */
extern const cy_fn cy_fns_core[];       /* func_*.c: string, math, list, conversion, entity, path, Neptune */
extern const size_t cy_fns_core_n;
extern const cy_fn cy_fns_temporal[];   /* value/temporal*.c via cypher/func_temporal.c */
extern const size_t cy_fns_temporal_n;

#endif
