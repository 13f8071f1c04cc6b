/* sema_expr.c — checking one expression: variables in scope, aggregation placement, function names and
 * arities, patterns used as predicates, and the type errors that are certain at compile time (a literal
 * or a node / relationship / path where the operator or function can never accept it).
 *
 * Owns: sema_expr (returns the expression's compile-time type), structural equality of expressions and the
 * aggregation tests. Must not: guess types — anything not certain is ST_ANY, and ST_ANY never fails.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cypher/func.h"
#include "cypher/sema_int.h"

#define M(k) (1u << (k))
#define M_ALL 0xffffu

static const char *kind_name(uint8_t k) {
    switch (k) {
    case ST_NULL: return "null";
    case ST_BOOL: return "a boolean";
    case ST_INT: return "an integer";
    case ST_FLOAT: return "a float";
    case ST_STRING: return "a string";
    case ST_LIST: return "a list";
    case ST_MAP: return "a map";
    case ST_NODE: return "a node";
    case ST_REL: return "a relationship";
    case ST_PATH: return "a path";
    default: return "a value";
    }
}

/* true if t is known and not among the kinds of mask (null and unknown are always acceptable). */
static bool st_rejects(stype t, unsigned mask) {
    if (t.k == ST_ANY || t.k == ST_NULL) return false;
    return !(mask & M(t.k));
}

bool sema_is_agg_name(const char *name) { return name && cy_fn_is_aggregate(name, strlen(name)); }

/* ---------------------------------------------------------------- structural equality */
static bool node_eq(const cy_expr *x, const cy_expr *y, unsigned depth);
static bool str_eq(const char *x, const char *y) {
    if (!x || !y) return x == y;
    return strcmp(x, y) == 0;
}

static bool lit_eq(qval x, qval y) {
    if (x.type != y.type) return false;
    switch (x.type) {
    case QT_NULL: return true;
    case QT_BOOL: return x.b == y.b;
    case QT_INT: return x.i == y.i;
    case QT_FLOAT: return memcmp(&x.f, &y.f, sizeof x.f) == 0;
    case QT_STRING: return x.len == y.len && memcmp(x.s, y.s, x.len) == 0;
    default: return false;
    }
}

static bool expr_eq(const cy_expr *x, const cy_expr *y, unsigned depth) {
    for (; x != y; x = x->a, y = y->a) {
        if (!x || !y || depth > SEMA_MAX_DEPTH || !node_eq(x, y, depth)) return false;
    }
    return true;
}

/* One node and everything below it except the a operand (expr_eq loops along a). */
static bool node_eq(const cy_expr *x, const cy_expr *y, unsigned depth) {
    if (x->kind != y->kind || x->op != y->op || x->n_args != y->n_args || x->n_labels != y->n_labels ||
        x->distinct != y->distinct || x->star != y->star || x->quant != y->quant ||
        x->n_proj_items != y->n_proj_items)
        return false;
    if (x->kind == CX_CALL) {
        if (!x->name || !y->name || strcasecmp(x->name, y->name) != 0) return false;
    } else if (!str_eq(x->name, y->name)) {
        return false;
    }
    if (!str_eq(x->name2, y->name2)) return false;
    if (x->kind <= CX_STRING && !lit_eq(x->lit, y->lit)) return false;
    if (x->pattern || y->pattern || x->subquery || y->subquery) return false;   /* never merged */
    if (!x->a != !y->a) return false;
    if (!expr_eq(x->b, y->b, depth + 1) || !expr_eq(x->c, y->c, depth + 1)) return false;
    for (uint32_t i = 0; i < x->n_args; i++) {
        if (!expr_eq(x->args[i], y->args[i], depth + 1)) return false;
        if (x->keys && (!y->keys || !str_eq(x->keys[i], y->keys[i]))) return false;
    }
    for (uint32_t i = 0; i < x->n_labels; i++)
        if (!str_eq(x->labels[i], y->labels[i])) return false;
    for (uint32_t i = 0; i < x->n_proj_items; i++) {
        const cy_mapproj_item *p = &x->proj_items[i], *q = &y->proj_items[i];
        if (p->kind != q->kind || !str_eq(p->key, q->key) || !expr_eq(p->expr, q->expr, depth + 1)) return false;
    }
    return true;
}

bool sema_expr_eq(const cy_expr *x, const cy_expr *y) { return expr_eq(x, y, 0); }

/* ---------------------------------------------------------------- aggregation */
/* Walkers recurse into b, c and arguments but loop along a, so left-deep chains cost no stack. */
static bool has_agg_depth(const cy_expr *e, unsigned depth) {
    for (; e && depth <= SEMA_MAX_DEPTH; e = e->a) {
        if (e->kind == CX_CALL && sema_is_agg_name(e->name)) return true;
        if (e->kind == CX_EXISTS) return false;   /* a subquery aggregates on its own */
        if (has_agg_depth(e->b, depth + 1) || has_agg_depth(e->c, depth + 1)) return true;
        for (uint32_t i = 0; i < e->n_args; i++)
            if (has_agg_depth(e->args[i], depth + 1)) return true;
        for (uint32_t i = 0; i < e->n_proj_items; i++)
            if (has_agg_depth(e->proj_items[i].expr, depth + 1)) return true;
    }
    return false;
}

bool sema_has_agg(const cy_expr *e) { return has_agg_depth(e, 0); }

/* true if e calls rand(), whose result changes between calls. */
static bool nondeterministic(const cy_expr *e, unsigned depth) {
    for (; e && depth <= SEMA_MAX_DEPTH; e = e->a) {
        if (e->kind == CX_CALL && e->name && strcasecmp(e->name, "rand") == 0) return true;
        if (nondeterministic(e->b, depth + 1) || nondeterministic(e->c, depth + 1)) return true;
        for (uint32_t i = 0; i < e->n_args; i++)
            if (nondeterministic(e->args[i], depth + 1)) return true;
    }
    return false;
}

/* ---------------------------------------------------------------- functions */
typedef struct fn_type {
    const char *name;
    unsigned accept;     /* kinds the first argument may have (when known) */
    uint8_t ret, ret_elem;
    bool syntax_error;   /* a wrong argument is a SyntaxError (else TypeError) */
} fn_type;

static const fn_type fn_types[] = {
    {"labels", M(ST_NODE), ST_LIST, ST_STRING, true},
    {"type", M(ST_REL), ST_STRING, ST_ANY, true},
    {"properties", M(ST_NODE) | M(ST_REL) | M(ST_MAP), ST_MAP, ST_ANY, true},
    {"keys", M(ST_NODE) | M(ST_REL) | M(ST_MAP), ST_LIST, ST_STRING, true},
    {"length", M(ST_PATH) | M(ST_STRING) | M(ST_LIST), ST_INT, ST_ANY, true},
    {"size", M(ST_STRING) | M(ST_LIST), ST_INT, ST_ANY, true},
    {"nodes", M(ST_PATH), ST_LIST, ST_NODE, true},
    {"relationships", M(ST_PATH), ST_LIST, ST_REL, true},
    {"startNode", M(ST_REL), ST_NODE, ST_ANY, true},
    {"endNode", M(ST_REL), ST_NODE, ST_ANY, true},
    {"id", M(ST_NODE) | M(ST_REL), ST_INT, ST_ANY, true},
    {"toString", M_ALL, ST_STRING, ST_ANY, false},
    {"toInteger", M_ALL, ST_INT, ST_ANY, false},
    {"toFloat", M_ALL, ST_FLOAT, ST_ANY, false},
    {"toBoolean", M_ALL, ST_BOOL, ST_ANY, false},
    {"toUpper", M_ALL, ST_STRING, ST_ANY, false},
    {"toLower", M_ALL, ST_STRING, ST_ANY, false},
    {"trim", M_ALL, ST_STRING, ST_ANY, false},
    {"substring", M_ALL, ST_STRING, ST_ANY, false},
    {"range", M_ALL, ST_LIST, ST_INT, false},
};

static const fn_type *fn_type_find(const char *name) {
    for (size_t i = 0; i < sizeof fn_types / sizeof fn_types[0]; i++)
        if (strcasecmp(fn_types[i].name, name) == 0) return &fn_types[i];
    return NULL;
}

typedef struct agg_arity { const char *name; uint32_t min, max; } agg_arity;
static const agg_arity agg_arities[] = {
    {"count", 1, 1}, {"sum", 1, 1}, {"avg", 1, 1}, {"min", 1, 1}, {"max", 1, 1}, {"collect", 1, 1},
    {"stDev", 1, 1}, {"stDevP", 1, 1}, {"percentileCont", 2, 2}, {"percentileDisc", 2, 2},
};

static int check_agg(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    if (fl & EF_IN_AGG)
        return sema_fail(c, CYE_SYNTAX, "NestedAggregation", e->pos,
                         "aggregating function %s(...) cannot be used inside another aggregation", e->name);
    if (!(fl & EF_AGG) || (fl & EF_LOCAL))
        return sema_fail(c, CYE_SYNTAX, "InvalidAggregation", e->pos,
                         "aggregating function %s(...) is only allowed in RETURN, WITH and their ORDER BY, "
                         "outside list comprehensions",
                         e->name);
    if (!e->star) {
        for (size_t i = 0; i < sizeof agg_arities / sizeof agg_arities[0]; i++) {
            const agg_arity *ar = &agg_arities[i];
            if (strcasecmp(ar->name, e->name) == 0 && (e->n_args < ar->min || e->n_args > ar->max))
                return sema_fail(c, CYE_SYNTAX, "InvalidNumberOfArguments", e->pos,
                                 "%s() takes %u argument(s), %u given", ar->name, ar->min, e->n_args);
        }
    } else if (strcasecmp(e->name, "count") != 0) {
        return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", e->pos, "only count(*) accepts *");
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (nondeterministic(e->args[i], 0))
            return sema_fail(c, CYE_SYNTAX, "NonConstantExpression", e->args[i]->pos,
                             "the argument of %s(...) cannot call a non-deterministic function such as rand()",
                             e->name);
        stype at;
        if (sema_expr(c, s, e->args[i], (fl | EF_IN_AGG) & ~EF_PRED, &at) < 0) return -1;
    }
    *t = st_make(ST_ANY);
    if (strcasecmp(e->name, "count") == 0) *t = st_make(ST_INT);
    else if (strcasecmp(e->name, "collect") == 0) *t = st_list(ST_ANY);
    return 0;
}

static int check_call(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    const char *name = e->name ? e->name : "";
    if (sema_is_agg_name(name)) return check_agg(c, s, e, fl, t);
    if (e->star)
        return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", e->pos, "only count(*) accepts *");
    bool is_exists = strcasecmp(name, "exists") == 0;
    if (is_exists) {
        if (e->n_args != 1)
            return sema_fail(c, CYE_SYNTAX, "InvalidNumberOfArguments", e->pos,
                             "exists() takes 1 argument, %u given", e->n_args);
        const cy_expr *x = e->args[0];
        if (x->kind != CX_PROP && x->kind != CX_PATTERN && x->kind != CX_EXISTS && x->kind != CX_INDEX)
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", x->pos,
                             "exists() takes a property (n.prop) or a pattern");
    } else {
        const cy_fn *f = cy_fn_find(name, strlen(name));
        if (!f)
            return sema_fail(c, CYE_SYNTAX, "UnknownFunction", e->pos, "unknown function '%s'", name);
        if ((f->min_args >= 0 && e->n_args < (uint32_t)f->min_args) ||
            (f->max_args >= 0 && e->n_args > (uint32_t)f->max_args)) {
            if (f->min_args == f->max_args)
                return sema_fail(c, CYE_SYNTAX, "InvalidNumberOfArguments", e->pos,
                                 "%s() takes %d argument(s), %u given", f->name, f->min_args, e->n_args);
            return sema_fail(c, CYE_SYNTAX, "InvalidNumberOfArguments", e->pos,
                             "%s() takes %d to %d arguments, %u given", f->name, f->min_args, f->max_args,
                             e->n_args);
        }
    }
    stype first = st_make(ST_ANY);
    for (uint32_t i = 0; i < e->n_args; i++) {
        stype at;
        unsigned afl = fl & ~EF_PRED;
        if (is_exists) afl |= EF_PRED;
        if (sema_expr(c, s, e->args[i], afl, &at) < 0) return -1;
        if (i == 0) first = at;
    }
    *t = st_make(is_exists ? ST_BOOL : ST_ANY);
    const fn_type *ft = fn_type_find(name);
    if (ft) {
        if (e->n_args >= 1 && st_rejects(first, ft->accept))
            return sema_fail(c, ft->syntax_error ? CYE_SYNTAX : CYE_TYPE, "InvalidArgumentType",
                             e->args[0]->pos, "%s() cannot take %s", ft->name, kind_name(first.k));
        t->k = ft->ret;
        t->elem = ft->ret_elem;
    }
    return 0;
}

/* ---------------------------------------------------------------- operators */
static int want_bool(sctx *c, const cy_expr *e, stype t, const char *what) {
    if (t.k == ST_ANY || t.k == ST_NULL || t.k == ST_BOOL) return 0;
    return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->pos, "%s expects a boolean, got %s", what,
                     kind_name(t.k));
}

static const char *op_name(cy_op op) {
    switch (op) {
    case CXO_OR: return "OR";
    case CXO_XOR: return "XOR";
    case CXO_AND: return "AND";
    case CXO_SUB: return "-";
    case CXO_MUL: return "*";
    case CXO_DIV: return "/";
    case CXO_MOD: return "%";
    case CXO_POW: return "^";
    default: return "operator";
    }
}

static stype arith_result(cy_op op, stype x, stype y) {
    bool xi = x.k == ST_INT, yi = y.k == ST_INT;
    bool xn = xi || x.k == ST_FLOAT, yn = yi || y.k == ST_FLOAT;
    if (op == CXO_ADD) {
        if (x.k == ST_LIST || y.k == ST_LIST) return st_list(ST_ANY);
        if (x.k == ST_STRING && (y.k == ST_STRING || yn)) return st_make(ST_STRING);
        if (y.k == ST_STRING && xn) return st_make(ST_STRING);
    }
    if (op == CXO_POW && xn && yn) return st_make(ST_FLOAT);
    if (xi && yi) return st_make(ST_INT);
    if (xn && yn) return st_make(ST_FLOAT);
    return st_make(ST_ANY);
}

/* The operator's rule, given its operands' types. */
static int binary_apply(sctx *c, const cy_expr *e, stype x, stype y, stype *t) {
    switch (e->op) {
    case CXO_AND: case CXO_OR: case CXO_XOR:
        if (want_bool(c, e->a, x, op_name(e->op)) < 0 || want_bool(c, e->b, y, op_name(e->op)) < 0) return -1;
        *t = st_make(ST_BOOL);
        return 0;
    case CXO_EQ: case CXO_NEQ: case CXO_LT: case CXO_GT: case CXO_LE: case CXO_GE:
    case CXO_STARTS_WITH: case CXO_ENDS_WITH: case CXO_CONTAINS: case CXO_REGEX:
        *t = st_make(ST_BOOL);
        return 0;
    case CXO_IN:
        if (st_rejects(y, M(ST_LIST)))
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->b->pos,
                             "the right side of IN must be a list, got %s", kind_name(y.k));
        *t = st_make(ST_BOOL);
        return 0;
    case CXO_SUB: case CXO_MUL: case CXO_DIV: case CXO_MOD: case CXO_POW: {
        unsigned never = M(ST_BOOL) | M(ST_STRING) | M(ST_LIST) | M(ST_MAP) | M(ST_NODE) | M(ST_REL) | M(ST_PATH);
        if (x.k != ST_ANY && (never & M(x.k)))
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->a->pos, "%s cannot be applied to %s",
                             op_name(e->op), kind_name(x.k));
        if (y.k != ST_ANY && (never & M(y.k)))
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->b->pos, "%s cannot be applied to %s",
                             op_name(e->op), kind_name(y.k));
        *t = arith_result(e->op, x, y);
        return 0;
    }
    case CXO_ADD:
        *t = arith_result(e->op, x, y);
        return 0;
    default:
        *t = st_make(ST_ANY);
        return 0;
    }
}

static unsigned operand_flags(const cy_expr *e, unsigned fl) {
    bool logic = e->op == CXO_AND || e->op == CXO_OR || e->op == CXO_XOR;
    return logic ? (fl | EF_PRED) : (fl & ~EF_PRED);
}

/* Binary operators. Long left-deep chains (a OR b OR c ..., generated by programs) are walked down their
 * left spine iteratively, so their length is not bounded by the recursion limit. While ORDER BY resolves
 * projected expressions (match_items), each node is checked on its own so that it can match. */
static int check_binary(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    const cy_expr *small[32];
    const cy_expr **spine = small;
    uint32_t n = 0, cap = 32;
    const cy_expr *cur = e;
    do {
        if (n == cap) {
            const cy_expr **ns = qv_arena_alloc(c->a, 2 * cap * sizeof *ns);
            memcpy(ns, spine, n * sizeof *ns);
            spine = ns;
            cap *= 2;
        }
        spine[n++] = cur;
        cur = cur->a;
    } while (!c->match_items && cur && cur->kind == CX_BINARY && cur->a);
    stype acc, y;
    if (sema_expr(c, s, cur, operand_flags(spine[n - 1], fl), &acc) < 0) return -1;
    for (uint32_t i = n; i-- > 0;) {
        const cy_expr *b = spine[i];
        if (sema_expr(c, s, b->b, operand_flags(b, fl), &y) < 0) return -1;
        if (binary_apply(c, b, acc, y, &acc) < 0) return -1;
    }
    *t = acc;
    return 0;
}

/* ---------------------------------------------------------------- scoped forms */
/* [x IN list WHERE p | e], any(x IN list WHERE p), reduce(acc = init, x IN list | e) */
static int check_local(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    unsigned outer = fl & ~EF_PRED;
    stype lt = st_make(ST_ANY), init = st_make(ST_ANY);
    if (e->kind == CX_REDUCE && sema_expr(c, s, e->b, outer, &init) < 0) return -1;
    if (sema_expr(c, s, e->a, outer, &lt) < 0) return -1;
    if (st_rejects(lt, M(ST_LIST)))
        return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->a->pos, "IN expects a list, got %s",
                         kind_name(lt.k));
    sscope *in = sema_scope_new(c, s);
    stype elem = st_make(lt.k == ST_LIST ? (sema_kind)lt.elem : ST_ANY);
    if (e->name && !sema_declare(c, in, e->name, elem, 0)) return -1;
    unsigned body = (fl | EF_LOCAL) & ~EF_PRED;
    stype bt;
    if (e->kind == CX_REDUCE) {
        if (e->name2 && !sema_declare(c, in, e->name2, st_make(ST_ANY), 0)) return -1;
        if (sema_expr(c, in, e->c, body, &bt) < 0) return -1;
        *t = st_make(ST_ANY);
        return 0;
    }
    if (e->b) {   /* WHERE */
        if (sema_expr(c, in, e->b, body | EF_PRED, &bt) < 0) return -1;
        if (want_bool(c, e->b, bt, "WHERE") < 0) return -1;
    }
    if (e->kind == CX_QUANT) {
        if (e->c && sema_expr(c, in, e->c, body, &bt) < 0) return -1;
        *t = st_make(ST_BOOL);
        return 0;
    }
    if (e->c) {
        if (sema_expr(c, in, e->c, body, &bt) < 0) return -1;
        *t = st_list((sema_kind)bt.k == ST_LIST ? ST_ANY : (sema_kind)bt.k);
    } else {
        *t = st_list((sema_kind)elem.k);
    }
    return 0;
}

static int check_pattern_comp(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    sscope *in = sema_scope_new(c, s);
    if (sema_pattern(c, in, e->pattern, PM_LOCAL) < 0) return -1;
    if (e->name) {
        if (sema_lookup(s, e->name))
            return sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", e->pos, "variable '%s' is already bound",
                             e->name);
        if (!sema_declare(c, in, e->name, st_make(ST_PATH), 0)) return -1;
    }
    unsigned body = (fl | EF_LOCAL) & ~EF_PRED;
    stype bt;
    if (e->b) {
        if (sema_expr(c, in, e->b, body | EF_PRED, &bt) < 0) return -1;
        if (want_bool(c, e->b, bt, "WHERE") < 0) return -1;
    }
    if (e->c && sema_expr(c, in, e->c, body, &bt) < 0) return -1;
    *t = st_list(ST_ANY);
    return 0;
}

static int check_exists(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    *t = st_make(ST_BOOL);
    if (e->subquery) {
        const cy_ast *q = e->subquery;
        for (uint32_t i = 0; i < q->n_parts; i++) {
            if (sema_single(c, &q->parts[i], s, true, NULL, NULL) < 0) return -1;
        }
        return 0;
    }
    sscope *in = sema_scope_new(c, s);
    if (e->pattern && sema_pattern(c, in, e->pattern, PM_LOCAL) < 0) return -1;
    if (e->b) {
        stype bt;
        if (sema_expr(c, in, e->b, ((fl | EF_LOCAL) & ~EF_AGG) | EF_PRED, &bt) < 0) return -1;
        if (want_bool(c, e->b, bt, "WHERE") < 0) return -1;
    }
    return 0;
}

/* A pattern "(n)" with nothing but a variable is just that variable in parentheses. */
static const char *lone_var(const cy_pattern *p) {
    if (!p || p->n_paths != 1) return NULL;
    const cy_path_pat *pp = &p->paths[0];
    if (pp->n_rels != 0 || pp->var || pp->kind != CY_PATH_PLAIN) return NULL;
    const cy_node_pat *n = &pp->nodes[0];
    if (n->n_labels || n->props) return NULL;
    return n->var;
}

static int check_var(sctx *c, sscope *s, const char *name, uint32_t pos, stype *t) {
    svar *v = sema_lookup(s, name);
    if (!v && c->match_items)
        return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", pos,
                         "variable '%s' is not defined: after DISTINCT or aggregation, ORDER BY sees only the "
                         "projected columns",
                         name);
    if (!v) return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", pos, "variable '%s' is not defined", name);
    *t = v->t;
    return 0;
}

static int check_prop_base(sctx *c, const cy_expr *e, stype bt) {
    if (bt.k == ST_PATH)
        return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", e->pos,
                         "a path has no properties (property '%s')", e->name ? e->name : "");
    if (st_rejects(bt, M(ST_NODE) | M(ST_REL) | M(ST_MAP)))
        return sema_fail(c, CYE_TYPE, "InvalidArgumentType", e->pos, "cannot read property '%s' of %s",
                         e->name ? e->name : "", kind_name(bt.k));
    return 0;
}

void sema_note_param(sctx *c, const char *name, uint32_t pos) {
    if (!name) return;
    for (uint32_t i = 0; i < c->n_params; i++)
        if (strcmp(c->params[i], name) == 0) return;
    if (c->n_params == c->cap_params) {
        uint32_t cap = c->cap_params ? c->cap_params * 2 : 8;
        const char **np = qv_arena_alloc(c->a, cap * sizeof *np);
        uint32_t *pp = qv_arena_alloc(c->a, cap * sizeof *pp);
        if (c->n_params) {
            memcpy(np, c->params, c->n_params * sizeof *np);
            memcpy(pp, c->param_pos, c->n_params * sizeof *pp);
        }
        c->params = np;
        c->param_pos = pp;
        c->cap_params = cap;
    }
    c->params[c->n_params] = name;
    c->param_pos[c->n_params++] = pos;
}

/* ORDER BY of an aggregating / DISTINCT projection: an expression equal to a projected one is that column. */
static bool match_item(const sctx *c, const cy_expr *e, stype *t) {
    const sproj *p = c->match_items;
    if (!p) return false;
    for (uint32_t i = 0; i < p->n; i++) {
        if (sema_expr_eq(p->items[i].expr, e)) {
            *t = p->types[i];
            return true;
        }
    }
    return false;
}

static int expr_inner(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    stype x;
    *t = st_make(ST_ANY);
    if (match_item(c, e, t)) return 0;
    switch (e->kind) {
    case CX_NULL: *t = st_make(ST_NULL); return 0;
    case CX_BOOL: *t = st_make(ST_BOOL); return 0;
    case CX_INT: *t = st_make(ST_INT); return 0;
    case CX_FLOAT: *t = st_make(ST_FLOAT); return 0;
    case CX_STRING: *t = st_make(ST_STRING); return 0;
    case CX_PARAM: sema_note_param(c, e->name, e->pos); return 0;
    case CX_VAR: return check_var(c, s, e->name, e->pos, t);
    case CX_PROP:
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        return check_prop_base(c, e, x);
    case CX_LIST: {
        sema_kind elem = ST_ANY;
        for (uint32_t i = 0; i < e->n_args; i++) {
            if (sema_expr(c, s, e->args[i], fl & ~EF_PRED, &x) < 0) return -1;
            sema_kind k = x.k == ST_LIST ? ST_ANY : (sema_kind)x.k;
            if (i == 0) elem = k;
            else if (elem != k) elem = ST_ANY;
        }
        if (elem == ST_NULL) elem = ST_ANY;
        *t = st_list(elem);
        return 0;
    }
    case CX_MAP:
        for (uint32_t i = 0; i < e->n_args; i++)
            if (sema_expr(c, s, e->args[i], fl & ~EF_PRED, &x) < 0) return -1;
        *t = st_make(ST_MAP);
        return 0;
    case CX_MAP_PROJECTION:
        if (e->a && sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        for (uint32_t i = 0; i < e->n_proj_items; i++) {
            const cy_mapproj_item *it = &e->proj_items[i];
            if (it->kind == CMP_VAR && it->key && check_var(c, s, it->key, e->pos, &x) < 0) return -1;
            if (it->kind == CMP_LITERAL && it->expr && sema_expr(c, s, it->expr, fl & ~EF_PRED, &x) < 0)
                return -1;
        }
        *t = st_make(ST_MAP);
        return 0;
    case CX_INDEX: {
        stype y;
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0 || sema_expr(c, s, e->b, fl & ~EF_PRED, &y) < 0)
            return -1;
        if (st_rejects(x, M(ST_LIST) | M(ST_MAP) | M(ST_NODE) | M(ST_REL)))
            return sema_fail(c, CYE_TYPE, "InvalidArgumentType", e->a->pos, "cannot index into %s",
                             kind_name(x.k));
        if (x.k == ST_LIST && st_rejects(y, M(ST_INT)))
            return sema_fail(c, CYE_TYPE, "InvalidArgumentType", e->b->pos,
                             "a list index must be an integer, got %s", kind_name(y.k));
        return 0;
    }
    case CX_SLICE:
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        stype y;
        if (e->b && sema_expr(c, s, e->b, fl & ~EF_PRED, &y) < 0) return -1;
        if (e->c && sema_expr(c, s, e->c, fl & ~EF_PRED, &y) < 0) return -1;
        if (x.k == ST_LIST) *t = x;
        return 0;
    case CX_UNARY:
        if (e->op == CXO_NOT) {
            if (sema_expr(c, s, e->a, fl | EF_PRED, &x) < 0) return -1;
            if (want_bool(c, e->a, x, "NOT") < 0) return -1;
            *t = st_make(ST_BOOL);
            return 0;
        }
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        if (x.k == ST_INT || x.k == ST_FLOAT) *t = x;
        return 0;
    case CX_BINARY: return check_binary(c, s, e, fl, t);
    case CX_IS_NULL: case CX_IS_NOT_NULL:
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        *t = st_make(ST_BOOL);
        return 0;
    case CX_HAS_LABELS:
        if (sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        *t = st_make(ST_BOOL);
        return 0;
    case CX_CALL: return check_call(c, s, e, fl, t);
    case CX_CASE:
        if (e->a && sema_expr(c, s, e->a, fl & ~EF_PRED, &x) < 0) return -1;
        for (uint32_t i = 0; i < e->n_args; i++) {
            bool when = (i % 2) == 0;
            unsigned f = (when && !e->a) ? (fl | EF_PRED) : (fl & ~EF_PRED);
            if (sema_expr(c, s, e->args[i], f, &x) < 0) return -1;
        }
        if (e->b && sema_expr(c, s, e->b, fl & ~EF_PRED, &x) < 0) return -1;
        return 0;
    case CX_LIST_COMP: case CX_QUANT: case CX_REDUCE: return check_local(c, s, e, fl, t);
    case CX_PATTERN_COMP: return check_pattern_comp(c, s, e, fl, t);
    case CX_PATTERN: {
        const char *v = lone_var(e->pattern);
        if (v) return check_var(c, s, v, e->pos, t);
        if (e->pattern && e->pattern->n_paths == 1 && e->pattern->paths[0].kind != CY_PATH_PLAIN) {
            /* shortestPath(...) / allShortestPaths(...) as a value: endpoints come from the scope */
            if (sema_pattern(c, s, e->pattern, PM_PRED) < 0) return -1;
            *t = e->pattern->paths[0].kind == CY_PATH_SHORTEST ? st_make(ST_PATH) : st_list(ST_PATH);
            return 0;
        }
        if (!(fl & EF_PRED))
            return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", e->pos,
                             "a pattern can only be used as a predicate here (use exists(...), EXISTS { ... } "
                             "or a pattern comprehension)");
        if (sema_pattern(c, s, e->pattern, PM_PRED) < 0) return -1;
        *t = st_make(ST_BOOL);
        return 0;
    }
    case CX_EXISTS: return check_exists(c, s, e, fl, t);
    default:
        return sema_fail(c, CYE_INTERNAL, NULL, e->pos, "unknown expression kind %d", (int)e->kind);
    }
}

int sema_expr(sctx *c, sscope *s, const cy_expr *e, unsigned fl, stype *t) {
    *t = st_make(ST_ANY);
    if (!e) return 0;
    if (++c->depth > SEMA_MAX_DEPTH) {
        c->depth--;
        return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", e->pos, "expression nested too deeply");
    }
    int rc = expr_inner(c, s, e, fl, t);
    c->depth--;
    return rc;
}
