/* plan.c — the planner's core: plans and their lifetime, scopes and slots, expression resolution
 * (variables, functions, comprehension variables, nested plans of pattern expressions), projections
 * (RETURN / WITH with aggregation, DISTINCT, ORDER BY, SKIP, LIMIT, WHERE), clause sequencing with eager
 * barriers, UNION, and EXPLAIN.
 * Must not: plan patterns (plan_match.c) or updates (plan_update.c); run anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cypher/agg.h"
#include "cypher/eval.h"
#include "cypher/plan_int.h"

cy_plan *cy_plan_new(void) {
    cy_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    qv_arena_init(&p->arena);
    atomic_store(&p->refs, 1);
    return p;
}

void cy_plan_ref(cy_plan *p) { atomic_fetch_add(&p->refs, 1); }

void cy_plan_unref(cy_plan *p) {
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1) return;
    qv_arena_free(&p->arena);
    free(p);
}

/* ---------------------------------------------------------------- scopes */
int32_t pl_slot(pctx *c) { return (int32_t)c->p->nslots++; }

void sc_push(pctx *c, const char *name, int32_t slot, uint8_t kind) {
    scope *s = &c->sc;
    if (s->n == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 16;
        sym *nv = qv_arena_alloc(&c->p->arena, sizeof(sym) * nc);
        if (s->n) memcpy(nv, s->v, sizeof(sym) * s->n);
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = (sym){name, slot, kind};
}

const sym *sc_find(const scope *s, const char *name) {
    for (uint32_t i = s->n; i-- > 0;)
        if (strcmp(s->v[i].name, name) == 0) return &s->v[i];
    return NULL;
}

scope sc_copy(pctx *c, const scope *s) {
    scope r = {0};
    r.cap = s->n + 8;
    r.v = qv_arena_alloc(&c->p->arena, sizeof(sym) * r.cap);
    if (s->n) memcpy(r.v, s->v, sizeof(sym) * s->n);
    r.n = s->n;
    return r;
}

/* ---------------------------------------------------------------- synthesized expressions */
static cy_expr *mk(pctx *c, cy_expr_kind k, uint32_t pos) {
    cy_expr *e = qv_arena_zalloc(&c->p->arena, sizeof *e);
    e->kind = k;
    e->pos = pos;
    e->end = pos;
    e->slot = -1;
    return e;
}
cy_expr *pl_mk_var(pctx *c, const char *name, int32_t slot, uint32_t pos) {
    cy_expr *e = mk(c, CX_VAR, pos);
    e->name = name;
    e->slot = slot;
    return e;
}
cy_expr *pl_mk_prop(pctx *c, cy_expr *base, const char *key, uint32_t pos) {
    cy_expr *e = mk(c, CX_PROP, pos);
    e->a = base;
    e->name = key;
    return e;
}
cy_expr *pl_mk_bin(pctx *c, cy_op op, cy_expr *a, cy_expr *b, uint32_t pos) {
    cy_expr *e = mk(c, CX_BINARY, pos);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}
cy_expr *pl_mk_labels(pctx *c, cy_expr *a, const char **labels, uint32_t n, uint32_t pos) {
    cy_expr *e = mk(c, CX_HAS_LABELS, pos);
    e->a = a;
    e->labels = labels;
    e->n_labels = n;
    return e;
}

/* ---------------------------------------------------------------- expression resolution */
static int add_fn(pctx *c, const cy_fn *f) {
    cy_plan *p = c->p;
    if (p->nfns == p->capfns) {
        uint32_t nc = p->capfns ? p->capfns * 2 : 16;
        const cy_fn **nf = qv_arena_alloc(&p->arena, sizeof(cy_fn *) * nc);
        if (p->nfns) memcpy(nf, p->fns, sizeof(cy_fn *) * p->nfns);
        p->fns = nf;
        p->capfns = nc;
    }
    p->fns[p->nfns] = f;
    return (int)p->nfns++;
}

static int add_sub(pctx *c, xop *op, int32_t val) {
    cy_plan *p = c->p;
    if (p->nsubs == p->capsubs) {
        uint32_t nc = p->capsubs ? p->capsubs * 2 : 8;
        xop **ns = qv_arena_alloc(&p->arena, sizeof(xop *) * nc);
        int32_t *nv = qv_arena_alloc(&p->arena, sizeof(int32_t) * nc);
        if (p->nsubs) {
            memcpy(ns, p->subs, sizeof(xop *) * p->nsubs);
            memcpy(nv, p->sub_vals, sizeof(int32_t) * p->nsubs);
        }
        p->subs = ns;
        p->sub_vals = nv;
        p->capsubs = nc;
    }
    p->sub_vals[p->nsubs] = val;
    p->subs[p->nsubs] = op;
    return (int)p->nsubs++;
}

/* A nested plan for a pattern expression: runs over the current row (Argument), own scope copy. */
static int plan_sub(pctx *c, cy_expr *e) {
    scope saved = c->sc;
    bool wrote = c->wrote, read = c->read;
    c->sc = sc_copy(c, &saved);
    xop *op = cy_op_argument(c->p);
    int rc = 0;
    int32_t val = -1;
    if (e->kind == CX_EXISTS && e->subquery) {
        const cy_ast *q = e->subquery;
        if (q->kind != CY_STMT_QUERY || q->n_parts != 1) {
            rc = cy_err(c->err, CYE_UNSUPPORTED, NULL, (int32_t)e->pos, "EXISTS with UNION is not supported");
        } else {
            rc = pl_clauses(c, &op, q->parts[0].clauses, q->parts[0].n_clauses, false, NULL, NULL, NULL);
        }
    } else if (e->kind == CX_PATTERN_COMP) {
        if (e->name && e->pattern->n_paths == 1 && !e->pattern->paths[0].var) e->pattern->paths[0].var = e->name;
        rc = pl_match(c, &op, e->pattern, NULL, NULL);
        if (!rc && e->name) {
            /* [p = (a)-->(b) | p]: the path variable is bound by the pattern's only path */
            const sym *s = sc_find(&c->sc, e->name);
            if (!s) rc = cy_err(c->err, CYE_INTERNAL, NULL, (int32_t)e->pos, "path variable lost");
        }
        if (!rc && e->b) rc = pl_expr(c, e->b);
        if (!rc && e->c) rc = pl_expr(c, e->c);
    } else {
        pl_slots sl;
        rc = pl_match(c, &op, e->pattern, e->kind == CX_EXISTS ? e->b : NULL, &sl);
        if (!rc && e->kind == CX_PATTERN && e->pattern->n_paths == 1 && e->pattern->paths[0].kind != CY_PATH_PLAIN)
            val = sl.p[0];   /* shortestPath(...) as a value: the path */
    }
    c->sc = saved;
    c->wrote = wrote;
    c->read = read;
    if (rc) return -1;
    e->slot = add_sub(c, op, val);
    return 0;
}

int pl_expr(pctx *c, cy_expr *e) {
    if (!e) return 0;
    if (++c->depth > CY_MAX_DEPTH + 16) {
        c->depth--;
        return cy_err(c->err, CYE_SYNTAX, "UnexpectedSyntax", (int32_t)e->pos, "expression nested too deeply");
    }
    int rc = 0;
    switch (e->kind) {
    case CX_VAR: {
        const sym *s = sc_find(&c->sc, e->name);
        if (!s) { rc = cy_err(c->err, CYE_SYNTAX, "UndefinedVariable", (int32_t)e->pos, "variable `%s` not defined", e->name); break; }
        e->slot = s->slot;
        break;
    }
    case CX_CALL:
        if (e->slot <= -2) break;   /* an aggregate already bound to its output slot */
        for (uint32_t i = 0; i < e->n_args && !rc; i++) rc = pl_expr(c, e->args[i]);
        if (rc) break;
        if (cy_agg_kind(e->name, e->star)) {
            rc = cy_err(c->err, CYE_SYNTAX, "InvalidAggregation", (int32_t)e->pos,
                        "aggregate %s() is not allowed here", e->name);
            break;
        }
        if (strcasecmp(e->name, "exists") == 0) { e->slot = add_fn(c, NULL); break; }
        {
            const cy_fn *f = cy_fn_find(e->name, strlen(e->name));
            if (!f) { rc = cy_err(c->err, CYE_SYNTAX, "UnknownFunction", (int32_t)e->pos, "unknown function %s()", e->name); break; }
            if ((int)e->n_args < f->min_args || (f->max_args >= 0 && (int)e->n_args > f->max_args)) {
                rc = cy_err(c->err, CYE_SYNTAX, "InvalidNumberOfArguments", (int32_t)e->pos,
                            "%s() takes %d to %d arguments, got %u", f->name, f->min_args, f->max_args, e->n_args);
                break;
            }
            e->slot = add_fn(c, f);
        }
        break;
    case CX_LIST_COMP: case CX_QUANT: {
        rc = pl_expr(c, e->a);
        if (rc) break;
        uint32_t mark = c->sc.n;
        e->slot = pl_slot(c);
        sc_push(c, e->name, e->slot, SYM_VALUE);
        if (e->b) rc = pl_expr(c, e->b);
        if (!rc && e->c) rc = pl_expr(c, e->c);
        c->sc.n = mark;
        break;
    }
    case CX_REDUCE: {
        rc = pl_expr(c, e->b);
        if (!rc) rc = pl_expr(c, e->a);
        if (rc) break;
        uint32_t mark = c->sc.n;
        e->slot = pl_slot(c);
        pl_slot(c);
        sc_push(c, e->name, e->slot, SYM_VALUE);
        sc_push(c, e->name2, e->slot + 1, SYM_VALUE);
        rc = pl_expr(c, e->c);
        c->sc.n = mark;
        break;
    }
    case CX_PATTERN: case CX_EXISTS: case CX_PATTERN_COMP:
        rc = plan_sub(c, e);
        break;
    case CX_MAP_PROJECTION:
        rc = pl_expr(c, e->a);
        for (uint32_t i = 0; i < e->n_proj_items && !rc; i++) {
            cy_mapproj_item *it = &e->proj_items[i];
            if (it->kind == CMP_VAR && !it->expr) it->expr = pl_mk_var(c, it->key, -1, e->pos);
            if (it->expr) rc = pl_expr(c, it->expr);
        }
        break;
    default:
        if (e->a) rc = pl_expr(c, e->a);
        if (!rc && e->b) rc = pl_expr(c, e->b);
        if (!rc && e->c) rc = pl_expr(c, e->c);
        for (uint32_t i = 0; i < e->n_args && !rc; i++) rc = pl_expr(c, e->args[i]);
        break;
    }
    c->depth--;
    return rc;
}

void pl_expr_slots(const cy_expr *e, uint8_t *set, uint32_t nset, bool *opaque) {
    if (!e) return;
    switch (e->kind) {
    case CX_VAR:
        if (e->slot >= 0 && (uint32_t)e->slot < nset) set[e->slot] = 1;
        return;
    case CX_PATTERN: case CX_EXISTS: case CX_PATTERN_COMP:
        *opaque = true;
        return;
    case CX_MAP_PROJECTION:
        for (uint32_t i = 0; i < e->n_proj_items; i++) pl_expr_slots(e->proj_items[i].expr, set, nset, opaque);
        break;
    default: break;
    }
    pl_expr_slots(e->a, set, nset, opaque);
    pl_expr_slots(e->b, set, nset, opaque);
    pl_expr_slots(e->c, set, nset, opaque);
    for (uint32_t i = 0; i < e->n_args; i++) pl_expr_slots(e->args[i], set, nset, opaque);
}

/* ---------------------------------------------------------------- projections */
typedef struct aggs_b {
    cy_aggdef *v;
    uint32_t n, cap;
} aggs_b;

/* Finds aggregate calls in e (not inside another aggregate), resolves their arguments in the input
 * scope and binds each to an output slot. */
static int find_aggs(pctx *c, cy_expr *e, aggs_b *ab) {
    if (!e) return 0;
    if (e->kind == CX_CALL) {
        cy_aggkind k = cy_agg_kind(e->name, e->star);
        if (k) {
            for (uint32_t i = 0; i < e->n_args; i++)
                if (pl_expr(c, e->args[i])) return -1;
            if (ab->n == ab->cap) {
                uint32_t nc = ab->cap ? ab->cap * 2 : 8;
                cy_aggdef *nv = qv_arena_alloc(&c->p->arena, sizeof(cy_aggdef) * nc);
                if (ab->n) memcpy(nv, ab->v, sizeof(cy_aggdef) * ab->n);
                ab->v = nv;
                ab->cap = nc;
            }
            int32_t slot = pl_slot(c);
            ab->v[ab->n++] = (cy_aggdef){k, e, slot, e->distinct};
            e->slot = CY_AGG_SLOT(slot);
            return 0;
        }
    }
    if (e->kind == CX_LIST_COMP || e->kind == CX_QUANT)
        return find_aggs(c, e->a, ab);   /* only the list may aggregate: [x IN collect(y) | ...] */
    if (e->kind == CX_REDUCE) return find_aggs(c, e->a, ab) || find_aggs(c, e->b, ab) ? -1 : 0;
    if (e->kind == CX_PATTERN || e->kind == CX_EXISTS || e->kind == CX_PATTERN_COMP) return 0;
    if (find_aggs(c, e->a, ab) || find_aggs(c, e->b, ab) || find_aggs(c, e->c, ab)) return -1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (find_aggs(c, e->args[i], ab)) return -1;
    if (e->kind == CX_MAP_PROJECTION)
        for (uint32_t i = 0; i < e->n_proj_items; i++)
            if (e->proj_items[i].expr && find_aggs(c, e->proj_items[i].expr, ab)) return -1;
    return 0;
}

static bool has_agg(const cy_expr *e) {
    if (!e) return false;
    if (e->kind == CX_CALL && cy_agg_kind(e->name, e->star)) return true;
    if (e->kind == CX_LIST_COMP || e->kind == CX_QUANT) return has_agg(e->a);
    if (e->kind == CX_REDUCE) return has_agg(e->a) || has_agg(e->b);
    if (e->kind == CX_PATTERN || e->kind == CX_EXISTS || e->kind == CX_PATTERN_COMP) return false;
    if (has_agg(e->a) || has_agg(e->b) || has_agg(e->c)) return true;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (has_agg(e->args[i])) return true;
    if (e->kind == CX_MAP_PROJECTION)
        for (uint32_t i = 0; i < e->n_proj_items; i++)
            if (has_agg(e->proj_items[i].expr)) return true;
    return false;
}

/* Source text of an expression without blanks (to recognise ORDER BY keys that repeat an item). */
static const char *norm_text(pctx *c, const cy_expr *e) {
    const char *t = c->p->text;
    if (!t || e->end <= e->pos) return NULL;
    size_t n = e->end - e->pos;
    char *out = qv_arena_alloc(&c->p->arena, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = t[e->pos + i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') out[k++] = ch;
    }
    out[k] = 0;
    return out;
}

typedef struct item {
    cy_expr *expr;
    const char *name;
    int32_t slot;
    const char *text;
} item;

/* Replaces the parts of e that repeat a projected item (by source text) with that item's column:
 * ORDER BY count(*), ORDER BY a.name + 'C' where a.name is a grouping key. */
static cy_expr *subst_items(pctx *c, cy_expr *e, const item *it, uint32_t n) {
    if (!e) return NULL;
    const char *t = norm_text(c, e);
    for (uint32_t j = 0; j < n && t; j++)
        if (it[j].text && strcmp(it[j].text, t) == 0 && e->kind != CX_VAR) return pl_mk_var(c, it[j].name, it[j].slot, e->pos);
    if (e->kind == CX_LIST_COMP || e->kind == CX_QUANT || e->kind == CX_REDUCE || e->kind == CX_PATTERN ||
        e->kind == CX_EXISTS || e->kind == CX_PATTERN_COMP || e->kind == CX_MAP_PROJECTION)
        return e;
    e->a = subst_items(c, e->a, it, n);
    e->b = subst_items(c, e->b, it, n);
    e->c = subst_items(c, e->c, it, n);
    for (uint32_t i = 0; i < e->n_args; i++) e->args[i] = subst_items(c, e->args[i], it, n);
    return e;
}

/* Late projection for ORDER BY ... LIMIT (without DISTINCT or aggregation): projects now, over in, the
 * items a sort key reads (or that hold a nested plan), and moves the others to the front of e/s, returning
 * their number: the caller projects them after the top-n sort, for the kept rows only (the sort keeps each
 * row's whole frame, so they read the same values). IC2 and IC9 sort thousands of rows to keep 20. */
static uint32_t split_late(pctx *c, xop **in, const cy_sortkey *keys, uint32_t nkeys, const cy_expr **e,
                           int32_t *s, uint32_t n) {
    cy_plan *p = c->p;
    uint32_t ns = p->nslots ? p->nslots : 1;
    uint8_t *need = qv_arena_zalloc(&p->arena, ns), *scratch = qv_arena_zalloc(&p->arena, ns);
    bool opaque = false;
    for (uint32_t i = 0; i < nkeys; i++) pl_expr_slots(keys[i].expr, need, p->nslots, &opaque);
    const cy_expr **ee = qv_arena_alloc(&p->arena, sizeof(cy_expr *) * n);
    int32_t *es = qv_arena_alloc(&p->arena, sizeof(int32_t) * n);
    uint32_t nearly = 0, nlate = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool nested = false;
        pl_expr_slots(e[i], scratch, p->nslots, &nested);
        if (opaque || nested || (s[i] >= 0 && (uint32_t)s[i] < p->nslots && need[s[i]])) {
            ee[nearly] = e[i];
            es[nearly++] = s[i];
        } else {
            e[nlate] = e[i];
            s[nlate++] = s[i];
        }
    }
    if (nearly) *in = cy_op_project(p, *in, ee, es, nearly);
    return nlate;
}

static int plan_projection(pctx *c, xop **in, cy_projection *pr, cy_expr *where, bool is_return,
                           const char ***cols, int32_t **colslots, uint32_t *ncols) {
    cy_plan *p = c->p;
    /* the items, with * expanded to the variables in scope */
    uint32_t n = pr->n_items + (pr->star ? c->sc.n : 0);
    item *it = qv_arena_zalloc(&p->arena, sizeof(item) * (n ? n : 1));
    uint32_t k = 0;
    if (pr->star) {
        for (uint32_t i = 0; i < c->sc.n; i++) {
            const sym *s = &c->sc.v[i];
            if (s->name[0] == ' ') continue;   /* anonymous */
            bool dup = false;
            for (uint32_t j = 0; j < k; j++) if (strcmp(it[j].name, s->name) == 0) { dup = true; it[j].slot = s->slot; }
            if (dup) continue;
            it[k].expr = pl_mk_var(c, s->name, s->slot, pr->items ? pr->items[0].expr->pos : 0);
            it[k].name = s->name;
            k++;
        }
        /* RETURN * orders columns by name */
        for (uint32_t i = 1; i < k; i++)
            for (uint32_t j = i; j > 0 && strcmp(it[j - 1].name, it[j].name) > 0; j--) {
                item t = it[j]; it[j] = it[j - 1]; it[j - 1] = t;
            }
    }
    for (uint32_t i = 0; i < pr->n_items; i++) {
        cy_proj_item *pi = &pr->items[i];
        it[k].expr = pi->expr;
        it[k].name = pi->alias ? pi->alias : pi->text ? pi->text
                   : pi->expr->kind == CX_VAR ? pi->expr->name : "?";
        it[k].text = norm_text(c, pi->expr);
        k++;
    }
    n = k;
    if (n == 0 && !is_return && !pr->star)
        return cy_err(c->err, CYE_SYNTAX, "NoVariablesInScope", 0, "WITH needs at least one item");

    bool aggregating = false;
    for (uint32_t i = 0; i < n; i++) if (has_agg(it[i].expr)) aggregating = true;
    if (c->wrote && (pr->skip || pr->limit)) {   /* every row's writes happen, whatever LIMIT keeps */
        *in = cy_op_eager(p, *in);
        c->wrote = false;
    }

    scope old = c->sc;
    const cy_expr **late_e = NULL;   /* items whose projection may wait until after ORDER BY ... LIMIT */
    int32_t *late_s = NULL;
    uint32_t nlate = 0;
    if (aggregating) {
        aggs_b ab = {0};
        const cy_expr **keys = qv_arena_alloc(&p->arena, sizeof(cy_expr *) * (n ? n : 1));
        int32_t *kslots = qv_arena_alloc(&p->arena, sizeof(int32_t) * (n ? n : 1));
        uint32_t nk = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (has_agg(it[i].expr)) {
                if (find_aggs(c, it[i].expr, &ab)) return -1;
            } else {
                if (pl_expr(c, it[i].expr)) return -1;
                it[i].slot = pl_slot(c);
                keys[nk] = it[i].expr;
                kslots[nk++] = it[i].slot;
            }
        }
        /* ORDER BY may use aggregates too (ORDER BY count(*) repeats an item: matched by text below) */
        *in = cy_op_aggregate(p, *in, keys, kslots, nk, ab.v, ab.n);
        const cy_expr **pe = qv_arena_alloc(&p->arena, sizeof(cy_expr *) * (n ? n : 1));
        int32_t *ps = qv_arena_alloc(&p->arena, sizeof(int32_t) * (n ? n : 1));
        uint32_t np = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (!has_agg(it[i].expr)) continue;   /* a grouping key: already in its slot */
            if (pl_expr(c, it[i].expr)) return -1;   /* non-aggregate parts read the group's first row */
            it[i].slot = pl_slot(c);
            pe[np] = it[i].expr;
            ps[np++] = it[i].slot;
        }
        if (np) *in = cy_op_project(p, *in, pe, ps, np);
    } else {
        const cy_expr **pe = qv_arena_alloc(&p->arena, sizeof(cy_expr *) * (n ? n : 1));
        int32_t *ps = qv_arena_alloc(&p->arena, sizeof(int32_t) * (n ? n : 1));
        for (uint32_t i = 0; i < n; i++) {
            if (pl_expr(c, it[i].expr)) return -1;
            it[i].slot = pl_slot(c);
            pe[i] = it[i].expr;
            ps[i] = it[i].slot;
        }
        if (n && pr->n_order && pr->limit && !pr->distinct) {   /* decided once the sort keys are known */
            late_e = pe;
            late_s = ps;
            nlate = n;
        } else if (n) {
            *in = cy_op_project(p, *in, pe, ps, n);
        }
    }

    int32_t *outslots = qv_arena_alloc(&p->arena, sizeof(int32_t) * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) outslots[i] = it[i].slot;
    if (pr->distinct) *in = cy_op_distinct(p, *in, outslots, n);

    /* the new scope: the items; ORDER BY sees it over the old one (unless aggregating / DISTINCT) */
    scope ns = {0};
    c->sc = ns;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t kind = SYM_VALUE;
        if (it[i].expr->kind == CX_VAR) {
            const sym *s = sc_find(&old, it[i].expr->name);
            if (s) kind = s->kind;
        }
        sc_push(c, it[i].name, it[i].slot, kind);
    }
    cy_sortkey *keys = NULL, *sort_keys;
    if (pr->n_order) {
        scope items_scope = c->sc;
        c->sc = (aggregating || pr->distinct) ? (scope){0} : sc_copy(c, &old);
        for (uint32_t i = 0; i < items_scope.n; i++)
            sc_push(c, items_scope.v[i].name, items_scope.v[i].slot, items_scope.v[i].kind);
        scope combined = c->sc;
        c->sc = combined;
        keys = qv_arena_alloc(&p->arena, sizeof(cy_sortkey) * pr->n_order);
        for (uint32_t i = 0; i < pr->n_order; i++) {
            cy_expr *e = subst_items(c, pr->order[i].expr, it, n);
            if (aggregating && has_agg(e)) {
                c->sc = items_scope;
                return cy_err(c->err, CYE_SYNTAX, "InvalidAggregation", (int32_t)e->pos,
                              "ORDER BY may only aggregate what the projection returns");
            }
            if (pl_expr(c, e)) { c->sc = items_scope; return -1; }
            keys[i] = (cy_sortkey){e, pr->order[i].descending};
        }
        c->sc = items_scope;
    }
    if (pr->skip || pr->limit) {
        scope items_scope = c->sc;
        c->sc = (scope){0};
        if ((pr->skip && pl_expr(c, pr->skip)) || (pr->limit && pl_expr(c, pr->limit))) {
            c->sc = items_scope;
            return -1;
        }
        c->sc = items_scope;
    }
    sort_keys = keys;
    if (nlate) nlate = split_late(c, in, keys, pr->n_order, late_e, late_s, nlate);
    if (pr->n_order) *in = cy_op_sort(p, *in, sort_keys, pr->n_order, pr->skip, pr->limit);   /* top-n with LIMIT */
    else if (pr->skip || pr->limit) *in = cy_op_skiplimit(p, *in, pr->skip, pr->limit);
    if (nlate) *in = cy_op_project(p, *in, late_e, late_s, nlate);
    if (where) {   /* WITH ... WHERE sees the items over the previous scope */
        scope items_scope = c->sc;
        c->sc = sc_copy(c, &old);
        for (uint32_t i = 0; i < items_scope.n; i++)
            sc_push(c, items_scope.v[i].name, items_scope.v[i].slot, items_scope.v[i].kind);
        int rc = pl_expr(c, subst_items(c, where, it, n));
        c->sc = items_scope;
        if (rc) return -1;
        *in = cy_op_filter(p, *in, where);
    }
    if (is_return && cols) {
        *ncols = n;
        *cols = qv_arena_alloc(&p->arena, sizeof(char *) * (n ? n : 1));
        *colslots = outslots;
        for (uint32_t i = 0; i < n; i++) (*cols)[i] = it[i].name;
    }
    return 0;
}

/* ---------------------------------------------------------------- clauses */
static bool clause_writes(const cy_clause *cl) {
    switch (cl->kind) {
    case CC_CREATE: case CC_MERGE: case CC_SET: case CC_REMOVE: case CC_DELETE: case CC_FOREACH: return true;
    default: return false;
    }
}

/* May MATCH cl expand its variable-length relationship without enumerating paths? Only a single-path,
 * single-relationship pattern with no path or relationship variable (nothing can read the hops, and no
 * other relationship of the pattern needs to differ from them), 0 or 1 minimum hops, directly followed by
 * a DISTINCT projection without * (rows' multiplicity cannot be observed). */
static bool prune_ok(const cy_clause *cl, const cy_clause *next) {
    if (!next || (next->kind != CC_WITH && next->kind != CC_RETURN)) return false;
    if (!next->proj.distinct || next->proj.star) return false;
    const cy_pattern *pat = cl->pattern;
    if (!pat || pat->n_paths != 1) return false;
    const cy_path_pat *pp = &pat->paths[0];
    if (pp->kind != CY_PATH_PLAIN || pp->var || pp->n_rels != 1) return false;
    const cy_rel_pat *rp = &pp->rels[0];
    return rp->varlen && !rp->var && rp->min_hops <= 1;
}

/* Does e read the variable `name` only as min(length(name)) (DISTINCT or not), with every other aggregate
 * blind to how many rows there are (count(DISTINCT ...))? Counts the aggregates in *aggs. Conservative: a
 * nested pattern or subquery, a comprehension or map projection reusing the name, or any other aggregate
 * says no. */
static bool minlen_only(const cy_expr *e, const char *name, uint32_t *aggs, uint32_t depth) {
    if (!e) return true;
    if (depth > CY_MAX_DEPTH) return false;
    switch (e->kind) {
    case CX_VAR: return strcmp(e->name, name) != 0;
    case CX_PATTERN: case CX_EXISTS: case CX_PATTERN_COMP: return false;
    case CX_LIST_COMP: case CX_QUANT: case CX_REDUCE:
        if ((e->name && strcmp(e->name, name) == 0) || (e->name2 && strcmp(e->name2, name) == 0)) return false;
        break;
    case CX_MAP_PROJECTION:
        for (uint32_t i = 0; i < e->n_proj_items; i++) {
            const cy_mapproj_item *it = &e->proj_items[i];
            if (it->kind == CMP_VAR && it->key && strcmp(it->key, name) == 0) return false;
            if (!minlen_only(it->expr, name, aggs, depth + 1)) return false;
        }
        break;
    case CX_CALL: {
        cy_aggkind k = cy_agg_kind(e->name, e->star);
        if (!k) break;
        (*aggs)++;
        if (k == CY_AGG_MIN && e->n_args == 1) {
            const cy_expr *a = e->args[0];
            if (a->kind == CX_CALL && strcasecmp(a->name, "length") == 0 && a->n_args == 1 &&
                a->args[0]->kind == CX_VAR && strcmp(a->args[0]->name, name) == 0)
                return true;
        }
        if (k != CY_AGG_COUNT || !e->distinct) return false;
        break;
    }
    default: break;
    }
    if (!minlen_only(e->a, name, aggs, depth + 1) || !minlen_only(e->b, name, aggs, depth + 1) ||
        !minlen_only(e->c, name, aggs, depth + 1))
        return false;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!minlen_only(e->args[i], name, aggs, depth + 1)) return false;
    return true;
}

/* Does e never mention `name` and aggregate nothing? */
static bool no_mention(const cy_expr *e, const char *name) {
    uint32_t aggs = 0;
    return minlen_only(e, name, &aggs, 0) && aggs == 0;
}

/* May MATCH cl expand its variable-length relationship breadth-first, one row per end node carrying one
 * shortest trail, instead of enumerating every path? Only a single-path, single-relationship pattern with a
 * path variable and no relationship variable, 0 or 1 minimum hops, the path mentioned nowhere in the MATCH,
 * directly followed by an aggregating projection without * that reads the path only as min(length(p)) and
 * aggregates nothing else but count(DISTINCT ...): the groups and their rows other than p are the same
 * whether one row or every path reaches an end node, and the smallest length per (start, end) is the BFS
 * depth (varexpand_prune.c proves it). The path goes out of scope at the projection. */
static bool minpath_ok(const cy_clause *cl, const cy_clause *next) {
    if (!next || (next->kind != CC_WITH && next->kind != CC_RETURN) || next->proj.star) return false;
    const cy_pattern *pat = cl->pattern;
    if (!pat || pat->n_paths != 1) return false;
    const cy_path_pat *pp = &pat->paths[0];
    if (pp->kind != CY_PATH_PLAIN || !pp->var || pp->n_rels != 1) return false;
    const cy_rel_pat *rp = &pp->rels[0];
    if (!rp->varlen || rp->var || rp->min_hops > 1 || !no_mention(rp->props, pp->var)) return false;
    for (uint32_t j = 0; j <= pp->n_rels; j++)
        if (!no_mention(pp->nodes[j].props, pp->var)) return false;
    if (!no_mention(cl->where, pp->var)) return false;
    const cy_projection *pr = &next->proj;
    uint32_t aggs = 0;
    for (uint32_t i = 0; i < pr->n_items; i++)
        if (!minlen_only(pr->items[i].expr, pp->var, &aggs, 0)) return false;
    if (aggs == 0) return false;   /* not aggregating: every row would be seen */
    for (uint32_t i = 0; i < pr->n_order; i++)
        if (!minlen_only(pr->order[i].expr, pp->var, &aggs, 0)) return false;
    return minlen_only(next->where, pp->var, &aggs, 0) && no_mention(pr->skip, pp->var) &&
           no_mention(pr->limit, pp->var);
}

int pl_clauses(pctx *c, xop **in, cy_clause **cls, uint32_t n, bool top, const char ***cols, int32_t **colslots,
               uint32_t *ncols) {
    for (uint32_t i = 0; i < n; i++) {
        cy_clause *cl = cls[i];
        bool reads = cl->kind == CC_MATCH || cl->kind == CC_MERGE || cl->kind == CC_CALL || cl->kind == CC_DELETE;
        if ((reads && c->wrote) || (clause_writes(cl) && c->read)) {
            /* clause-at-a-time: what a clause reads is not changed by a later clause's writes */
            *in = cy_op_eager(c->p, *in);
            c->wrote = false;
            c->read = false;
        }
        int rc = 0;
        switch (cl->kind) {
        case CC_MATCH:
            if (cl->optional) {
                uint32_t mark = c->sc.n;
                xop *inner = cy_op_argument(c->p);
                rc = pl_match(c, &inner, cl->pattern, cl->where, NULL);
                if (rc) break;
                int32_t *nulls = qv_arena_alloc(&c->p->arena, sizeof(int32_t) * (c->sc.n - mark + 1));
                uint32_t nn = 0;
                for (uint32_t j = mark; j < c->sc.n; j++) nulls[nn++] = c->sc.v[j].slot;
                *in = cy_op_optional(c->p, *in, inner, nulls, nn);
            } else {
                c->prune_varlen = prune_ok(cl, i + 1 < n ? cls[i + 1] : NULL);
                c->minpath_varlen = !c->prune_varlen && minpath_ok(cl, i + 1 < n ? cls[i + 1] : NULL);
                rc = pl_match(c, in, cl->pattern, cl->where, NULL);
                c->prune_varlen = false;
                c->minpath_varlen = false;
            }
            break;
        case CC_UNWIND: {
            rc = pl_expr(c, cl->expr);
            if (rc) break;
            int32_t s = pl_slot(c);
            *in = cy_op_unwind(c->p, *in, cl->expr, s);
            sc_push(c, cl->var, s, SYM_VALUE);
            break;
        }
        case CC_WITH:
            rc = plan_projection(c, in, &cl->proj, cl->where, false, NULL, NULL, NULL);
            break;
        case CC_RETURN:
            rc = plan_projection(c, in, &cl->proj, NULL, true, cols, colslots, ncols);
            break;
        case CC_CREATE: rc = pl_create(c, in, cl); break;
        case CC_MERGE: rc = pl_merge(c, in, cl); break;
        case CC_SET: case CC_REMOVE: rc = pl_set(c, in, cl); break;
        case CC_DELETE: rc = pl_delete(c, in, cl); break;
        case CC_FOREACH: rc = pl_foreach(c, in, cl); break;
        case CC_CALL: rc = pl_call(c, in, cl, top && n == 1, cols, colslots, ncols); break;
        default: rc = cy_err(c->err, CYE_UNSUPPORTED, NULL, (int32_t)cl->pos, "unsupported clause");
        }
        if (rc) return -1;
        if (clause_writes(cl)) {
            c->wrote = true;
            c->p->writes = true;
        }
        if (cl->kind == CC_MATCH || cl->kind == CC_CALL) c->read = true;
    }
    return 0;
}

static bool is_row_local(const cy_plan *p);

#define CY_MAX_OPS 5000

/* ---------------------------------------------------------------- statements */
int cy_plan_build(cy_plan *p, const struct cy_ast *q, cy_procs *procs, gview *v, cy_error *err) {
    p->q = q;
    if (q->kind != CY_STMT_QUERY) {
        p->schema = true;
        p->writes = q->kind != CY_STMT_SHOW_INDEXES && q->kind != CY_STMT_SHOW_CONSTRAINTS;
        return 0;
    }
    pctx c = {.p = p, .procs = procs, .v = v, .err = err};
    xop *prev = NULL;
    const char **pcols = NULL;
    int32_t *pslots = NULL;
    uint32_t pn = 0;
    bool any_distinct = false;
    for (uint32_t i = 0; i < q->n_parts; i++) {
        c.sc = (scope){0};
        c.wrote = false;
        c.read = false;
        xop *op = cy_op_argument(p);
        const char **cols = NULL;
        int32_t *slots = NULL;
        uint32_t n = 0;
        if (pl_clauses(&c, &op, q->parts[i].clauses, q->parts[i].n_clauses, true, &cols, &slots, &n)) return -1;
        if (i == 0) {
            prev = op;
            pcols = cols;
            pslots = slots;
            pn = n;
            continue;
        }
        if (n != pn)
            return cy_err(err, CYE_SYNTAX, "DifferentColumnsInUnion", (int32_t)q->pos,
                          "all sub queries in a UNION must have the same return column names");
        for (uint32_t j = 0; j < n; j++)
            if (strcmp(cols[j], pcols[j]) != 0)
                return cy_err(err, CYE_SYNTAX, "DifferentColumnsInUnion", (int32_t)q->pos,
                              "all sub queries in a UNION must have the same return column names");
        int32_t *out = qv_arena_alloc(&p->arena, sizeof(int32_t) * (n ? n : 1));
        for (uint32_t j = 0; j < n; j++) out[j] = (int32_t)p->nslots++;
        prev = cy_op_union(p, prev, op, pslots, slots, out, n);
        pslots = out;
        if (!q->union_all[i - 1]) any_distinct = true;
    }
    if (any_distinct) prev = cy_op_distinct(p, prev, pslots, pn);
    if (p->nops > CY_MAX_OPS)   /* operators recurse into their inputs: bound the depth */
        return cy_err(err, CYE_UNSUPPORTED, NULL, (int32_t)q->pos,
                      "the query needs %u operators, more than the %d quiver plans", p->nops, CY_MAX_OPS);
    p->root = prev;
    p->row_local = q->n_parts == 1 && is_row_local(p);
    p->ncols = pn;
    p->colnames = pcols;
    p->colslots = pslots;
    return 0;
}

/* Operators below the top projection that keep nothing from the arena across rows; OPTIONAL MATCH when
 * its inner plan is made of them too. */
static bool chain_row_local(const xop *op) {
    static const char *below[] = {"Filter", "AllNodesScan", "NodeByLabelScan", "Expand", "NodeByExtId", "Argument",
                                  "SkipLimit", "Optional", "RelationshipTypeScan"};
    for (; op; op = op->in) {
        bool ok = cy_op_unwind_stable(op);
        for (size_t i = 0; i < sizeof below / sizeof below[0]; i++) ok |= strcmp(op->vt->name, below[i]) == 0;
        if (!ok) return false;
        if (op->in2 && (strcmp(op->vt->name, "Optional") != 0 || !chain_row_local(op->in2))) return false;
    }
    return true;
}

/* The top projection (with SKIP/LIMIT and filters above it) over operators that keep nothing from the arena
 * across rows: scans, expansions, external-id seeks, filters. */
static bool is_row_local(const cy_plan *p) {
    static const char *top[] = {"Projection", "SkipLimit", "Filter"};
    if (p->writes || p->schema || p->nsubs) return false;
    const xop *op = p->root;
    bool seen_project = false;
    for (; op && !seen_project; op = op->in) {
        bool ok = false;
        for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) ok |= strcmp(op->vt->name, top[i]) == 0;
        if (!ok || op->in2) return false;
        seen_project = strcmp(op->vt->name, "Projection") == 0;
    }
    if (!seen_project) return false;
    return chain_row_local(op);
}

/* ---------------------------------------------------------------- explain */
static void explain_op(const xop *op, qv_arena *a, int depth, const char ***lines, uint32_t *n, uint32_t *cap) {
    for (; op; op = op->in, depth++) {
        if (*n == *cap) {
            uint32_t nc = *cap ? *cap * 2 : 16;
            const char **nl = qv_arena_alloc(a, sizeof(char *) * nc);
            if (*n) memcpy(nl, *lines, sizeof(char *) * *n);
            *lines = nl;
            *cap = nc;
        }
        const char *detail = op->vt->explain ? op->vt->explain(op, a) : NULL;
        size_t len = (size_t)depth * 2 + strlen(op->vt->name) + (detail ? strlen(detail) + 3 : 0) + 1;
        char *b = qv_arena_alloc(a, len);
        int w = snprintf(b, len, "%*s%s", depth * 2, "", op->vt->name);
        if (detail) snprintf(b + w, len - (size_t)w, "(%s)", detail);
        (*lines)[(*n)++] = b;
        if (op->in2) explain_op(op->in2, a, depth + 1, lines, n, cap);
    }
}

uint32_t cy_plan_explain(const cy_plan *p, qv_arena *a, const char ***lines) {
    uint32_t n = 0, cap = 0;
    *lines = NULL;
    if (p->schema) {
        *lines = qv_arena_alloc(a, sizeof(char *));
        (*lines)[0] = "SchemaCommand";
        return 1;
    }
    explain_op(p->root, a, 0, lines, &n, &cap);
    return n;
}
