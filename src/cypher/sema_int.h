/* sema_int.h — what the sema*.c files share: compile-time types, scopes, the checking context.
 *
 * Owns: the internal data of semantic analysis. Must not: be included outside src/cypher/sema*.c.
 */
#ifndef QV_CYPHER_SEMA_INT_H
#define QV_CYPHER_SEMA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "cypher/ast.h"
#include "cypher/sema.h"

/* A type known at compile time. ST_ANY: not known (most expressions). elem: element type of a list. */
typedef enum {
    ST_ANY = 0, ST_NULL, ST_BOOL, ST_INT, ST_FLOAT, ST_STRING, ST_LIST, ST_MAP, ST_NODE, ST_REL, ST_PATH,
} sema_kind;

typedef struct stype {
    uint8_t k;       /* sema_kind */
    uint8_t elem;    /* ST_LIST: element kind (ST_ANY if mixed or unknown) */
} stype;

static inline stype st_make(sema_kind k) { stype t = {(uint8_t)k, ST_ANY}; return t; }
static inline stype st_list(sema_kind elem) { stype t = {ST_LIST, (uint8_t)elem}; return t; }

typedef struct svar {
    const char *name;
    stype t;
    uint32_t binder;     /* id of the pattern (or clause) that bound it: rebinding rules compare these */
} svar;

/* A scope: the variables visible at a point. Lookups continue into parent (comprehensions, subqueries,
 * FOREACH bodies, ORDER BY of a projection that still sees the previous scope). */
typedef struct sscope {
    struct sscope *parent;
    svar *v;
    uint32_t n, cap;
    uint32_t *slots;     /* once a scope grows past a few variables: open addressing, var index + 1 (0 = free) */
    uint32_t nslots;     /* power of two, or 0 while lookups scan */
} sscope;

/* Projection items as ORDER BY sees them (aggregating / DISTINCT projections resolve sort expressions that
 * equal a projected expression to that column). */
typedef struct sproj {
    const cy_proj_item *items;
    uint32_t n;
    const stype *types;
} sproj;

typedef struct sctx {
    qv_arena *a;
    const cy_sema_opts *o;
    cy_error *err;
    uint32_t next_binder;
    uint32_t depth;              /* expression / subquery nesting (bounded) */
    const sproj *match_items;    /* set while checking ORDER BY of an aggregating / DISTINCT projection */
    /* parameters used, checked after everything else */
    const char **params;
    uint32_t *param_pos;
    uint32_t n_params, cap_params;
} sctx;

/* Bound on recursion (nesting of expressions, subqueries): about 4 KiB of stack per level under ASan, a
 * few hundred bytes in release builds. Left-deep operator chains do not count (they are walked in loops). */
#define SEMA_MAX_DEPTH 1000

/* Expression flags. */
enum {
    EF_AGG = 1,        /* aggregating functions allowed here (RETURN / WITH items, their ORDER BY) */
    EF_IN_AGG = 2,     /* inside the arguments of an aggregating function */
    EF_PRED = 4,       /* a pattern used as a predicate is allowed here */
    EF_LOCAL = 8,      /* inside a comprehension / quantifier / reduce body (aggregation invalid) */
};

/* sema.c */
int sema_fail(sctx *c, cy_errclass cls, const char *detail, uint32_t pos, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
svar *sema_lookup(const sscope *s, const char *name);
svar *sema_lookup_local(const sscope *s, const char *name);
svar *sema_declare(sctx *c, sscope *s, const char *name, stype t, uint32_t binder);
sscope *sema_scope_new(sctx *c, sscope *parent);
int sema_single(sctx *c, const cy_single_query *sq, sscope *outer, bool subquery, const char ***cols,
                uint32_t *ncols);

/* sema_expr.c */
int sema_expr(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t);
bool sema_has_agg(const cy_expr *e);
bool sema_expr_eq(const cy_expr *x, const cy_expr *y);
bool sema_is_agg_name(const char *name);
void sema_note_param(sctx *c, const char *name, uint32_t pos);   /* $name is used: checked at the end */

/* sema_pattern.c */
typedef enum { PM_MATCH = 1, PM_CREATE, PM_MERGE, PM_PRED, PM_LOCAL } sema_pmode;
int sema_pattern(sctx *c, sscope *s, const cy_pattern *p, sema_pmode mode);

/* sema_proc.c */
int sema_call(sctx *c, sscope *s, const cy_clause *cl, bool standalone);

#endif
