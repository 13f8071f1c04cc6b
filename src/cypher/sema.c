/* sema.c — semantic analysis of a statement: clause by clause, with the variables in scope after each.
 *
 * Owns: cy_sema_check, scopes, the clause rules (UNWIND, WITH / RETURN projections with aggregation,
 * ORDER BY, SKIP / LIMIT, SET / REMOVE / DELETE, FOREACH, MERGE actions, clause composition), UNION
 * composition and the parameter check. Patterns are checked in sema_pattern.c, expressions in
 * sema_expr.c, procedure calls in sema_proc.c.
 * Must not: change the AST or report an error that is not certain: a valid query must always pass.
 *
 * Choices where openCypher implementations differ (each one follows the openCypher specification or Neo4j):
 * - ORDER BY and WHERE of a WITH / RETURN without aggregation see the variables before it as well as the
 *   projected ones (WithWhere7); after DISTINCT, ORDER BY sees only the projection, WHERE both; after
 *   aggregation both see only the projection, and an ORDER BY expression equal to a projected one is that
 *   column (ReturnOrderBy6, WithOrderBy4).
 * - An aggregating column may use, outside its aggregates, only grouping keys as leaves: variables and
 *   property accesses projected on their own (Return6: "me.age + you.age + count(*)" is ambiguous even
 *   when "me.age + you.age" is projected).
 * - A reading clause may follow an updating one without WITH (as in Neo4j 5); the specification does not say either
 *   way. A query must end with RETURN, an updating clause or CALL.
 * - Missing parameters are reported after every other error (a query that is wrong anyway says why).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cypher/sema_int.h"
#include "util/hash.h"

int sema_fail(sctx *c, cy_errclass cls, const char *detail, uint32_t pos, const char *fmt, ...) {
    cy_error *e = c->err;
    if (!e) return -1;
    e->cls = cls;
    e->phase = CY_PHASE_COMPILE;
    e->detail = detail;
    e->offset = (int32_t)pos;
    e->line = e->column = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* ---------------------------------------------------------------- scopes */
sscope *sema_scope_new(sctx *c, sscope *parent) {
    sscope *s = qv_arena_zalloc(c->a, sizeof *s);
    s->parent = parent;
    return s;
}

#define SCOPE_SCAN_MAX 16   /* below this many variables a scope is scanned; above, hashed */

static uint32_t name_slot(const char *name, uint32_t nslots) {
    return (uint32_t)qv_hash_bytes(name, strlen(name)) & (nslots - 1);
}

svar *sema_lookup_local(const sscope *s, const char *name) {
    if (!s->nslots) {
        for (uint32_t i = s->n; i-- > 0;)
            if (strcmp(s->v[i].name, name) == 0) return &s->v[i];
        return NULL;
    }
    for (uint32_t h = name_slot(name, s->nslots);; h = (h + 1) & (s->nslots - 1)) {
        uint32_t k = s->slots[h];
        if (!k) return NULL;
        if (strcmp(s->v[k - 1].name, name) == 0) return &s->v[k - 1];
    }
}

svar *sema_lookup(const sscope *s, const char *name) {
    for (; s; s = s->parent) {
        svar *v = sema_lookup_local(s, name);
        if (v) return v;
    }
    return NULL;
}

/* Points the name's slot at variable index i (a later declaration of a name hides the earlier one). */
static void slot_put(sscope *s, uint32_t i) {
    for (uint32_t h = name_slot(s->v[i].name, s->nslots);; h = (h + 1) & (s->nslots - 1)) {
        uint32_t k = s->slots[h];
        if (!k || strcmp(s->v[k - 1].name, s->v[i].name) == 0) {
            s->slots[h] = i + 1;
            return;
        }
    }
}

svar *sema_declare(sctx *c, sscope *s, const char *name, stype t, uint32_t binder) {
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        svar *nv = qv_arena_alloc(c->a, cap * sizeof *nv);
        if (s->n) memcpy(nv, s->v, s->n * sizeof *nv);
        s->v = nv;
        s->cap = cap;
    }
    uint32_t i = s->n++;
    svar *v = &s->v[i];
    v->name = name;
    v->t = t;
    v->binder = binder;
    if (s->n > SCOPE_SCAN_MAX && s->n * 2 > s->nslots) {   /* (re)build the index at half load */
        s->nslots = s->nslots ? s->nslots * 2 : 64;
        s->slots = qv_arena_zalloc(c->a, s->nslots * sizeof *s->slots);
        for (uint32_t j = 0; j < s->n; j++) slot_put(s, j);
    } else if (s->nslots) {
        slot_put(s, i);
    }
    return v;
}

/* ---------------------------------------------------------------- aggregation ambiguity */
typedef struct lnames {
    const char *a, *b;
    const struct lnames *up;
} lnames;

static bool is_local(const lnames *l, const char *name) {
    for (; l; l = l->up)
        if ((l->a && strcmp(l->a, name) == 0) || (l->b && strcmp(l->b, name) == 0)) return true;
    return false;
}

typedef struct amb_ctx {
    const cy_projection *pr;
    const bool *item_agg;
    const sscope *star;  /* WITH * / RETURN *: every variable before it is a grouping key */
    bool aliases_ok;     /* ORDER BY: projected column names may be used */
} amb_ctx;

static bool grouping_var(const amb_ctx *x, const char *name) {
    if (x->star && sema_lookup_local(x->star, name)) return true;
    for (uint32_t i = 0; i < x->pr->n_items; i++) {
        const cy_proj_item *it = &x->pr->items[i];
        if (x->item_agg[i]) {
            if (x->aliases_ok && it->alias && strcmp(it->alias, name) == 0) return true;
            continue;
        }
        if (it->expr->kind == CX_VAR && strcmp(it->expr->name, name) == 0) return true;
        if (x->aliases_ok && it->alias && strcmp(it->alias, name) == 0) return true;
    }
    return false;
}

static bool grouping_expr(const amb_ctx *x, const cy_expr *e) {
    for (uint32_t i = 0; i < x->pr->n_items; i++)
        if (!x->item_agg[i] && sema_expr_eq(x->pr->items[i].expr, e)) return true;
    return false;
}

/* true if e uses, outside any aggregating function, a variable or property that is not a grouping key. */
static bool ambiguous(const amb_ctx *x, const cy_expr *e, const lnames *loc, unsigned depth) {
    for (; e && e->kind == CX_BINARY; e = e->a)   /* left-deep chains: loop, do not recurse */
        if (ambiguous(x, e->b, loc, depth + 1)) return true;
    if (!e || depth > SEMA_MAX_DEPTH) return false;
    switch (e->kind) {
    case CX_CALL:
        if (sema_is_agg_name(e->name)) return false;
        break;
    case CX_VAR:
        return !is_local(loc, e->name) && !grouping_var(x, e->name);
    case CX_PROP:
        if (grouping_expr(x, e)) return false;
        return ambiguous(x, e->a, loc, depth + 1);
    case CX_PATTERN: case CX_PATTERN_COMP: case CX_EXISTS:
        return false;
    case CX_LIST_COMP: case CX_QUANT: case CX_REDUCE: {
        if (ambiguous(x, e->a, loc, depth + 1)) return true;
        if (e->kind == CX_REDUCE && ambiguous(x, e->b, loc, depth + 1)) return true;
        lnames in = {e->name, e->name2, loc};
        if (e->kind != CX_REDUCE && ambiguous(x, e->b, &in, depth + 1)) return true;
        return ambiguous(x, e->c, &in, depth + 1);
    }
    case CX_MAP_PROJECTION:
        if (e->a && ambiguous(x, e->a, loc, depth + 1)) return true;
        for (uint32_t i = 0; i < e->n_proj_items; i++) {
            const cy_mapproj_item *it = &e->proj_items[i];
            if (it->kind == CMP_VAR && it->key && !is_local(loc, it->key) && !grouping_var(x, it->key))
                return true;
            if (ambiguous(x, it->expr, loc, depth + 1)) return true;
        }
        return false;
    default:
        break;
    }
    if (ambiguous(x, e->a, loc, depth + 1) || ambiguous(x, e->b, loc, depth + 1) ||
        ambiguous(x, e->c, loc, depth + 1))
        return true;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (ambiguous(x, e->args[i], loc, depth + 1)) return true;
    return false;
}

/* ---------------------------------------------------------------- SKIP / LIMIT */
static bool uses_variables(const cy_expr *e, const lnames *loc, unsigned depth) {
    for (; e && e->kind == CX_BINARY; e = e->a)   /* left-deep chains: loop, do not recurse */
        if (uses_variables(e->b, loc, depth + 1)) return true;
    if (!e || depth > SEMA_MAX_DEPTH) return false;
    if (e->kind == CX_VAR) return !is_local(loc, e->name);
    if (e->kind == CX_PATTERN || e->kind == CX_PATTERN_COMP || e->kind == CX_EXISTS ||
        e->kind == CX_MAP_PROJECTION)
        return true;
    if (e->kind == CX_LIST_COMP || e->kind == CX_QUANT || e->kind == CX_REDUCE) {
        if (uses_variables(e->a, loc, depth + 1)) return true;
        if (e->kind == CX_REDUCE && uses_variables(e->b, loc, depth + 1)) return true;
        lnames in = {e->name, e->name2, loc};
        if (e->kind != CX_REDUCE && uses_variables(e->b, &in, depth + 1)) return true;
        return uses_variables(e->c, &in, depth + 1);
    }
    if (uses_variables(e->a, loc, depth + 1) || uses_variables(e->b, loc, depth + 1) ||
        uses_variables(e->c, loc, depth + 1))
        return true;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (uses_variables(e->args[i], loc, depth + 1)) return true;
    return false;
}

static int check_skip_limit(sctx *c, sscope *base, const cy_expr *e, const char *what) {
    if (!e) return 0;
    if (uses_variables(e, NULL, 0))
        return sema_fail(c, CYE_SYNTAX, "NonConstantExpression", e->pos,
                         "%s must not depend on variables: use a literal, a parameter or a constant expression",
                         what);
    stype t;
    sscope *empty = sema_scope_new(c, base);
    if (sema_expr(c, empty, e, 0, &t) < 0) return -1;
    const cy_expr *lit = e;
    bool neg = false;
    if (lit->kind == CX_UNARY && (lit->op == CXO_NEG || lit->op == CXO_POS) && lit->a) {
        neg = lit->op == CXO_NEG;
        lit = lit->a;
    }
    if (lit->kind == CX_INT && lit->lit.type == QT_INT) {
        int64_t v = lit->lit.i;
        if ((neg && v > 0) || (!neg && v < 0))
            return sema_fail(c, CYE_SYNTAX, "NegativeIntegerArgument", e->pos,
                             "%s must be a non-negative integer", what);
        return 0;
    }
    if (t.k != ST_ANY && t.k != ST_INT && t.k != ST_NULL)
        return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->pos, "%s must be an integer", what);
    return 0;
}

/* ---------------------------------------------------------------- projections */
static const char *item_name(const cy_proj_item *it) {
    if (it->alias) return it->alias;
    if (it->expr && it->expr->kind == CX_VAR) return it->expr->name;
    return NULL;
}

static int check_where(sctx *c, sscope *s, const cy_expr *w) {
    if (!w) return 0;
    stype t;
    if (sema_expr(c, s, w, EF_PRED, &t) < 0) return -1;
    if (t.k != ST_ANY && t.k != ST_NULL && t.k != ST_BOOL)
        return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", w->pos, "WHERE expects a boolean predicate");
    return 0;
}

/* WITH / RETURN: checks items, ORDER BY, WHERE, SKIP, LIMIT; replaces *sp by the projected scope. */
static int projection(sctx *c, sscope **sp, sscope *base, const cy_projection *pr, const cy_expr *where,
                      bool is_with, uint32_t pos) {
    sscope *pre = *sp;
    uint32_t n = pr->n_items;
    stype *types = qv_arena_zalloc(c->a, (n ? n : 1) * sizeof *types);
    bool *item_agg = qv_arena_zalloc(c->a, (n ? n : 1) * sizeof *item_agg);
    bool agg = false;
    for (uint32_t i = 0; i < n; i++) {
        if (sema_expr(c, pre, pr->items[i].expr, EF_AGG, &types[i]) < 0) return -1;
        item_agg[i] = sema_has_agg(pr->items[i].expr);
        agg |= item_agg[i];
    }
    amb_ctx ax = {pr, item_agg, pr->star ? pre : NULL, false};
    for (uint32_t i = 0; i < n; i++)
        if (item_agg[i] && ambiguous(&ax, pr->items[i].expr, NULL, 0))
            return sema_fail(c, CYE_SYNTAX, "AmbiguousAggregationExpression", pr->items[i].expr->pos,
                             "'%s' mixes aggregation with values that are not grouping keys; project them in "
                             "their own column or aggregate them",
                             pr->items[i].text ? pr->items[i].text : "expression");
    bool any_var = false;   /* RETURN * inside EXISTS may see only the outer query's variables */
    for (const sscope *v = pre; v && !any_var; v = v->parent) any_var = v->n > 0;
    if (pr->star && !is_with && !any_var)
        return sema_fail(c, CYE_SYNTAX, "NoVariablesInScope", pos, "RETURN * needs at least one variable in scope");

    sscope *post = sema_scope_new(c, base);
    if (pr->star)
        for (uint32_t i = 0; i < pre->n; i++)
            if (!sema_declare(c, post, pre->v[i].name, pre->v[i].t, 0)) return -1;
    for (uint32_t i = 0; i < n; i++) {
        const char *name = item_name(&pr->items[i]);
        if (!name) continue;
        svar *v = sema_lookup_local(post, name);
        if (v) v->t = types[i];
        else if (!sema_declare(c, post, name, types[i], 0)) return -1;
    }

    if (pr->n_order) {
        sscope *os = post;
        sproj items = {pr->items, n, types};
        if (!agg && !pr->distinct) {
            os = sema_scope_new(c, pre);
            for (uint32_t i = 0; i < post->n; i++)
                if (!sema_declare(c, os, post->v[i].name, post->v[i].t, 0)) return -1;
        }
        const sproj *saved = c->match_items;
        c->match_items = (agg || pr->distinct) ? &items : NULL;
        for (uint32_t i = 0; i < pr->n_order; i++) {
            stype t;
            if (sema_expr(c, os, pr->order[i].expr, agg ? EF_AGG : 0, &t) < 0) {
                c->match_items = saved;
                return -1;
            }
        }
        c->match_items = saved;
        ax.aliases_ok = true;
        for (uint32_t i = 0; i < pr->n_order && agg; i++) {
            const cy_expr *oe = pr->order[i].expr;
            if (sema_has_agg(oe) && ambiguous(&ax, oe, NULL, 0))
                return sema_fail(c, CYE_SYNTAX, "AmbiguousAggregationExpression", oe->pos,
                                 "ORDER BY mixes aggregation with values that are not grouping keys");
        }
    }

    for (uint32_t i = 0; i < n; i++) {
        const cy_proj_item *it = &pr->items[i];
        if (is_with && !item_name(it))
            return sema_fail(c, CYE_SYNTAX, "NoExpressionAlias", it->expr->pos,
                             "expressions in WITH must be aliased: %s AS name", it->text ? it->text : "expr");
        const char *ni = item_name(it) ? item_name(it) : it->text;
        for (uint32_t j = 0; j < i && ni; j++) {
            const char *nj = item_name(&pr->items[j]) ? item_name(&pr->items[j]) : pr->items[j].text;
            if (nj && strcmp(ni, nj) == 0)
                return sema_fail(c, CYE_SYNTAX, "ColumnNameConflict", it->expr->pos,
                                 "column '%s' is projected twice; give one of them another alias", ni);
        }
    }

    if (where) {   /* WHERE of a non-aggregating WITH still sees the variables before it */
        sscope *ws = post;
        if (!agg) {
            ws = sema_scope_new(c, pre);
            for (uint32_t i = 0; i < post->n; i++)
                if (!sema_declare(c, ws, post->v[i].name, post->v[i].t, 0)) return -1;
        }
        if (check_where(c, ws, where) < 0) return -1;
    }
    if (check_skip_limit(c, base, pr->skip, "SKIP") < 0) return -1;
    if (check_skip_limit(c, base, pr->limit, "LIMIT") < 0) return -1;
    *sp = post;
    return 0;
}

/* ---------------------------------------------------------------- updating clauses */
static int check_prop_target(sctx *c, sscope *s, const cy_expr *target) {
    stype t;
    if (!target) return 0;
    return sema_expr(c, s, target, 0, &t);
}

static int check_set_items(sctx *c, sscope *s, const cy_set_item *items, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const cy_set_item *it = &items[i];
        stype t;
        switch (it->kind) {
        case CY_SET_PROP:
        case CY_REMOVE_PROP:
            if (check_prop_target(c, s, it->target) < 0) return -1;
            break;
        default:
            if (it->var && !sema_lookup(s, it->var))
                return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", it->pos, "variable '%s' is not defined",
                                 it->var);
            break;
        }
        if (it->value && sema_expr(c, s, it->value, 0, &t) < 0) return -1;
    }
    return 0;
}

static int check_delete(sctx *c, sscope *s, const cy_clause *cl) {
    for (uint32_t i = 0; i < cl->n_exprs; i++) {
        const cy_expr *e = cl->exprs[i];
        if (e->kind == CX_HAS_LABELS)
            return sema_fail(c, CYE_SYNTAX, "InvalidDelete", e->pos,
                             "DELETE removes nodes and relationships; to remove a label use REMOVE n:Label");
        stype t;
        if (sema_expr(c, s, e, 0, &t) < 0) return -1;
        if (t.k == ST_BOOL || t.k == ST_INT || t.k == ST_FLOAT || t.k == ST_STRING || t.k == ST_MAP)
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->pos,
                             "DELETE expects a node, a relationship or a path");
    }
    return 0;
}

static bool is_updating(cy_clause_kind k) {
    return k == CC_CREATE || k == CC_MERGE || k == CC_SET || k == CC_REMOVE || k == CC_DELETE || k == CC_FOREACH;
}

static const char *clause_name(cy_clause_kind k) {
    switch (k) {
    case CC_MATCH: return "MATCH";
    case CC_UNWIND: return "UNWIND";
    case CC_WITH: return "WITH";
    case CC_RETURN: return "RETURN";
    case CC_CREATE: return "CREATE";
    case CC_MERGE: return "MERGE";
    case CC_SET: return "SET";
    case CC_REMOVE: return "REMOVE";
    case CC_DELETE: return "DELETE";
    case CC_CALL: return "CALL";
    case CC_FOREACH: return "FOREACH";
    }
    return "clause";
}

static int check_clause(sctx *c, sscope **sp, sscope *base, const cy_clause *cl, bool standalone);

static int check_foreach(sctx *c, sscope *s, const cy_clause *cl) {
    stype lt;
    if (sema_expr(c, s, cl->expr, 0, &lt) < 0) return -1;
    if (lt.k != ST_ANY && lt.k != ST_NULL && lt.k != ST_LIST)
        return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", cl->expr->pos, "FOREACH expects a list");
    sscope *body = sema_scope_new(c, s);
    if (cl->var && !sema_declare(c, body, cl->var, st_make(lt.k == ST_LIST ? (sema_kind)lt.elem : ST_ANY), 0))
        return -1;
    for (uint32_t i = 0; i < cl->n_body; i++) {
        const cy_clause *b = cl->body[i];
        if (!is_updating(b->kind))
            return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", b->pos,
                             "only updating clauses (CREATE, MERGE, SET, REMOVE, DELETE, FOREACH) may appear "
                             "inside FOREACH, not %s",
                             clause_name(b->kind));
        sscope *bs = body;
        if (check_clause(c, &bs, body, b, false) < 0) return -1;
    }
    return 0;
}

static int check_clause(sctx *c, sscope **sp, sscope *base, const cy_clause *cl, bool standalone) {
    sscope *s = *sp;
    stype t;
    if (++c->depth > SEMA_MAX_DEPTH) {
        c->depth--;
        return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", cl->pos, "query nested too deeply");
    }
    int rc = 0;
    switch (cl->kind) {
    case CC_MATCH:
        rc = sema_pattern(c, s, cl->pattern, PM_MATCH);
        if (rc == 0) rc = check_where(c, s, cl->where);
        break;
    case CC_UNWIND:
        rc = sema_expr(c, s, cl->expr, 0, &t);
        if (rc == 0 && cl->var) {
            if (sema_lookup(s, cl->var))
                rc = sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", cl->pos,
                               "variable '%s' is already bound; UNWIND ... AS needs a new name", cl->var);
            else if (!sema_declare(c, s, cl->var, st_make(t.k == ST_LIST ? (sema_kind)t.elem : ST_ANY),
                                   ++c->next_binder))
                rc = -1;
        }
        break;
    case CC_WITH:
        rc = projection(c, sp, base, &cl->proj, cl->where, true, cl->pos);
        break;
    case CC_RETURN:
        rc = projection(c, sp, base, &cl->proj, NULL, false, cl->pos);
        break;
    case CC_CREATE:
        rc = sema_pattern(c, s, cl->pattern, PM_CREATE);
        break;
    case CC_MERGE:
        rc = sema_pattern(c, s, cl->pattern, PM_MERGE);
        if (rc == 0) rc = check_set_items(c, s, cl->on_create, cl->n_on_create);
        if (rc == 0) rc = check_set_items(c, s, cl->on_match, cl->n_on_match);
        break;
    case CC_SET:
    case CC_REMOVE:
        rc = check_set_items(c, s, cl->items, cl->n_items);
        break;
    case CC_DELETE:
        rc = check_delete(c, s, cl);
        break;
    case CC_CALL:
        rc = sema_call(c, s, cl, standalone);
        break;
    case CC_FOREACH:
        rc = check_foreach(c, s, cl);
        break;
    default:
        rc = sema_fail(c, CYE_INTERNAL, NULL, cl->pos, "unknown clause kind %d", (int)cl->kind);
    }
    c->depth--;
    return rc;
}

/* One single query (a part of a UNION, or the body of an EXISTS subquery seeing outer's variables). */
int sema_single(sctx *c, const cy_single_query *sq, sscope *outer, bool subquery, const char ***cols,
                uint32_t *ncols) {
    sscope *s = sema_scope_new(c, outer);
    if (cols) {
        *cols = NULL;
        *ncols = 0;
    }
    if (sq->n_clauses == 0) return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", 0, "empty query");
    bool standalone = !subquery && sq->n_clauses == 1 && sq->clauses[0]->kind == CC_CALL;
    for (uint32_t i = 0; i < sq->n_clauses; i++) {
        const cy_clause *cl = sq->clauses[i];
        bool last = i + 1 == sq->n_clauses;
        if (subquery && is_updating(cl->kind))
            return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", cl->pos,
                             "an EXISTS subquery cannot contain %s; it may only read", clause_name(cl->kind));
        if (cl->kind == CC_RETURN && !last)
            return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", sq->clauses[i + 1]->pos,
                             "RETURN must be the last clause; use WITH to continue the query");
        if (check_clause(c, &s, outer, cl, standalone) < 0) return -1;
        if (cl->kind == CC_RETURN && cols) {
            const cy_projection *pr = &cl->proj;
            if (pr->star) {   /* RETURN *: the scope's variables, then the items */
                *cols = qv_arena_alloc(c->a, (s->n ? s->n : 1) * sizeof **cols);
                for (uint32_t j = 0; j < s->n; j++) (*cols)[j] = s->v[j].name;
                *ncols = s->n;
            } else {
                *cols = qv_arena_alloc(c->a, (pr->n_items ? pr->n_items : 1) * sizeof **cols);
                for (uint32_t j = 0; j < pr->n_items; j++) {
                    const char *nm = item_name(&pr->items[j]);
                    (*cols)[j] = nm ? nm : pr->items[j].text;
                }
                *ncols = pr->n_items;
            }
        }
    }
    const cy_clause *last = sq->clauses[sq->n_clauses - 1];
    if (!subquery && last->kind != CC_RETURN && last->kind != CC_CALL && !is_updating(last->kind))
        return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", last->pos,
                         "a query cannot end with %s: finish it with RETURN or an updating clause",
                         clause_name(last->kind));
    return 0;
}

/* ---------------------------------------------------------------- statements */
static bool col_in(const char **cols, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (cols[i] && name && strcmp(cols[i], name) == 0) return true;
    return false;
}

static int check_query(sctx *c, const cy_ast *q) {
    if (q->kind != CY_STMT_QUERY) return 0;   /* schema statements have nothing to check here */
    if (q->n_parts == 0 || !q->parts) return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", q->pos, "empty query");
    for (uint32_t i = 1; i + 1 < q->n_parts; i++)
        if (q->union_all[i] != q->union_all[0])
            return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", q->pos,
                             "UNION and UNION ALL cannot be mixed in one query");
    const char **cols0 = NULL;
    uint32_t n0 = 0;
    for (uint32_t i = 0; i < q->n_parts; i++) {
        const char **cols;
        uint32_t n;
        if (sema_single(c, &q->parts[i], NULL, false, &cols, &n) < 0) return -1;
        if (q->n_parts > 1) {
            const cy_single_query *sq = &q->parts[i];
            const cy_clause *last = sq->clauses[sq->n_clauses - 1];
            if (last->kind != CC_RETURN)
                return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", last->pos,
                                 "every part of a UNION must end with RETURN");
        }
        if (i == 0) {
            cols0 = cols;
            n0 = n;
            continue;
        }
        bool same = n == n0;
        for (uint32_t j = 0; same && j < n; j++) same = col_in(cols0, n0, cols[j]);
        if (!same)
            return sema_fail(c, CYE_SYNTAX, "DifferentColumnsInUnion", q->parts[i].clauses[0]->pos,
                             "all parts of a UNION must return the same column names");
    }
    return 0;
}

static bool param_given(qval params, const char *name) {
    if (params.type != QT_MAP) return false;
    size_t n = strlen(name);
    for (uint32_t i = 0; i < params.len; i++)
        if (params.ents[i].klen == n && memcmp(params.ents[i].key, name, n) == 0) return true;
    return false;
}

static int check_params(sctx *c, qval params) {
    for (uint32_t i = 0; i < c->n_params; i++)
        if (!param_given(params, c->params[i]))
            return sema_fail(c, CYE_PARAMETER_MISSING, "MissingParameter", c->param_pos[i],
                             "expected a value for parameter $%s", c->params[i]);
    return 0;
}

int cy_sema_check(qv_arena *a, const cy_ast *q, const cy_sema_opts *o, cy_error *err) {
    static const cy_sema_opts none;
    sctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.o = o ? o : &none;
    c.err = err;
    if (!q) return sema_fail(&c, CYE_INTERNAL, NULL, 0, "no query to check");
    if (check_query(&c, q) < 0) return -1;
    if (!c.o->no_param_check && check_params(&c, c.o->params) < 0) return -1;
    return 0;
}

int cy_sema_check_params(qv_arena *a, const cy_ast *q, const cy_sema_opts *o, cy_error *err) {
    cy_sema_opts oo;
    memset(&oo, 0, sizeof oo);
    if (o) oo = *o;
    oo.no_param_check = true;   /* collect the names without failing, then check below */
    sctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.o = &oo;
    cy_error scratch;
    c.err = &scratch;           /* semantic errors are cy_sema_check's to report */
    if (!q || check_query(&c, q) < 0) return 0;
    c.err = err;
    return check_params(&c, oo.params);
}
