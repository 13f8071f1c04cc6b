/* eval.c — the expression evaluator (see eval.h).
 *
 * Owns: cy_eval over every cy_expr kind. Nested plans (pattern predicates, pattern comprehensions,
 * EXISTS subqueries) run through cy_x_sub on the current row.
 * Must not: allocate outside x->arena, recurse on anything but the (depth-bounded) AST.
 */
#include "cypher/eval.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#if __has_include("value/temporal.h")
#include "value/temporal.h"
#include "cypher/func_int.h"
#define CY_HAVE_TEMPORAL 1
#endif

#define EXT_ID_KEY "~id"

static int type_err(cy_x *x, const cy_expr *e, const char *what, qval v) {
    return cy_err(x->err, CYE_TYPE, "InvalidArgumentType", e ? (int32_t)e->pos : -1, "%s: got %s", what,
                  qv_type_name((qtype)v.type));
}

int cy_eval_entity_prop(cy_x *x, qval ent, const char *key, qval *out, int32_t pos) {
    *out = qv_null();
    if (ent.type == QT_NODE) {
        if (key[0] == '~' && strcmp(key, EXT_ID_KEY) == 0) {
            if (!gview_node_exists(x->v, ent.id))
                return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos,
                              "the node was deleted in this query");
            qval id = gview_node_ext_id(x->v, ent.id);
            if (id.type == QT_INT) {
                char b[32];
                int n = snprintf(b, sizeof b, "%lld", (long long)id.i);
                id = qv_str_copy(x->arena, b, (size_t)n);
            }
            *out = id;
            return 0;
        }
        int64_t k = cy_x_key(x, key);
        if (k >= 0 && gview_node_prop(x->v, ent.id, (uint32_t)k, out) && (!x->t || gview_node_exists(x->v, ent.id)))
            return 0;
        *out = qv_null();
        if (!gview_node_exists(x->v, ent.id))
            return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos,
                          "property '%s' of a node deleted in this query", key);
        return 0;
    }
    if (ent.type == QT_REL) {
        if (key[0] == '~' && strcmp(key, EXT_ID_KEY) == 0) {
            *out = gview_rel_ext_id(x->v, ent.id, x->arena);
            return 0;
        }
        int64_t k = cy_x_key(x, key);
        if (k >= 0 && gview_rel_prop(x->v, ent.id, (uint32_t)k, out) && (!x->t || gview_rel_exists(x->v, ent.id)))
            return 0;
        *out = qv_null();
        if (!gview_rel_exists(x->v, ent.id))
            return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos,
                          "property '%s' of a relationship deleted in this query", key);
        return 0;
    }
    return cy_err(x->err, CYE_INTERNAL, NULL, pos, "not an entity");
}

int cy_eval_entity_props(cy_x *x, qval ent, qval *out, int32_t pos) {
    gprop *ps = NULL;
    uint32_t n;
    if (ent.type == QT_NODE) {
        if (!gview_node_exists(x->v, ent.id))
            return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos, "the node was deleted");
        n = gview_node_props(x->v, ent.id, x->arena, &ps);
    } else if (ent.type == QT_REL) {
        if (!gview_rel_exists(x->v, ent.id))
            return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", pos,
                          "the relationship was deleted");
        n = gview_rel_props(x->v, ent.id, x->arena, &ps);
    } else {
        return cy_err(x->err, CYE_INTERNAL, NULL, pos, "not an entity");
    }
    qmap_b b;
    qmap_b_init(&b, x->arena, n);
    for (uint32_t i = 0; i < n; i++) {
        const char *k = gview_key_name(x->v, ps[i].key);
        qmap_b_set(&b, k, strlen(k), ps[i].value);
    }
    *out = qmap_b_done(&b);
    return 0;
}

static int eval_prop(cy_x *x, const cy_expr *e, qval *out) {
    qval base;
    if (cy_eval(x, e->a, &base)) return -1;
    switch (base.type) {
    case QT_NULL: *out = qv_null(); return 0;
    case QT_NODE:
    case QT_REL: return cy_eval_entity_prop(x, base, e->name, out, (int32_t)e->pos);
    case QT_MAP: {
        const qval *v = qv_map_get(base, e->name, strlen(e->name));
        *out = v ? *v : qv_null();
        return 0;
    }
    default:
#ifdef CY_HAVE_TEMPORAL
        if (base.type >= QT_DATE && base.type <= QT_DURATION) {
            if (qtemporal_component(x->arena, base, e->name, out, x->err)) {
                if (x->err->offset < 0) x->err->offset = (int32_t)e->pos;
                return -1;
            }
            return 0;
        }
#endif
        return type_err(x, e, "property access needs a node, relationship or map", base);
    }
}

static int eval_index(cy_x *x, const cy_expr *e, qval *out) {
    qval a, b;
    if (cy_eval(x, e->a, &a) || cy_eval(x, e->b, &b)) return -1;
    *out = qv_null();
    if (a.type == QT_NULL || b.type == QT_NULL) return 0;
    if (a.type == QT_LIST) {
        if (b.type != QT_INT) return type_err(x, e->b, "a list index must be an integer", b);
        int64_t i = b.i;
        if (i < 0) i += a.len;
        if (i >= 0 && i < (int64_t)a.len) *out = a.items[i];
        return 0;
    }
    if (a.type == QT_MAP || a.type == QT_NODE || a.type == QT_REL) {
        if (b.type != QT_STRING) return type_err(x, e->b, "a map key must be a string", b);
        char *k = qv_arena_strndup(x->arena, b.s, b.len);
        if (a.type == QT_MAP) {
            const qval *v = qv_map_get(a, k, b.len);
            if (v) *out = *v;
            return 0;
        }
        return cy_eval_entity_prop(x, a, k, out, (int32_t)e->pos);
    }
    return type_err(x, e->a, "only lists, maps and entities can be indexed", a);
}

static int eval_slice(cy_x *x, const cy_expr *e, qval *out) {
    qval a, lo = qv_int(0), hi;
    if (cy_eval(x, e->a, &a)) return -1;
    if (e->b && cy_eval(x, e->b, &lo)) return -1;
    hi = qv_int(a.type == QT_LIST ? a.len : 0);
    if (e->c && cy_eval(x, e->c, &hi)) return -1;
    *out = qv_null();
    if (a.type == QT_NULL || lo.type == QT_NULL || hi.type == QT_NULL) return 0;
    if (a.type != QT_LIST) return type_err(x, e->a, "only lists can be sliced", a);
    if (lo.type != QT_INT) return type_err(x, e->b, "a slice bound must be an integer", lo);
    if (hi.type != QT_INT) return type_err(x, e->c, "a slice bound must be an integer", hi);
    int64_t n = a.len, s = lo.i, t = hi.i;
    if (s < 0) s += n;
    if (t < 0) t += n;
    if (s < 0) s = 0;
    if (t > n) t = n;
    if (t < s) t = s;
    *out = qv_list_ref(a.items + s, (uint32_t)(t - s));
    return 0;
}

static int as_tri(cy_x *x, const cy_expr *e, qval v, qtri *t) {
    if (v.type == QT_NULL) { *t = QTRI_NULL; return 0; }
    if (v.type == QT_BOOL) { *t = v.b ? QTRI_TRUE : QTRI_FALSE; return 0; }
    return type_err(x, e, "a boolean operator needs booleans", v);
}

static int eval_in(cy_x *x, const cy_expr *e, qval a, qval b, qval *out) {
    if (b.type == QT_NULL) { *out = qv_null(); return 0; }
    if (b.type != QT_LIST) return type_err(x, e->b, "IN needs a list", b);
    bool saw_null = false;
    for (uint32_t i = 0; i < b.len; i++) {
        qtri t = qv_equals(a, b.items[i]);
        if (t == QTRI_TRUE) { *out = qv_bool(true); return 0; }
        if (t == QTRI_NULL) saw_null = true;
    }
    *out = saw_null ? qv_null() : qv_bool(false);
    return 0;
}

static bool str_has(qval a, qval b, cy_op op) {
    if (b.len > a.len) return false;
    switch (op) {
    case CXO_STARTS_WITH: return memcmp(a.s, b.s, b.len) == 0;
    case CXO_ENDS_WITH: return memcmp(a.s + a.len - b.len, b.s, b.len) == 0;
    default:
        if (b.len == 0) return true;
        for (uint32_t i = 0; i + b.len <= a.len; i++)
            if (memcmp(a.s + i, b.s, b.len) == 0) return true;
        return false;
    }
}

static int eval_regex(cy_x *x, const cy_expr *e, qval a, qval b, qval *out) {
    *out = qv_null();
    if (a.type != QT_STRING || b.type != QT_STRING) return 0;
    char *pat = qv_arena_alloc(x->arena, (size_t)b.len + 8);
    memcpy(pat, "^(", 2);
    memcpy(pat + 2, b.s, b.len);
    memcpy(pat + 2 + b.len, ")$", 3);
    regex_t re;
    if (regcomp(&re, pat, REG_EXTENDED | REG_NOSUB) != 0)
        return cy_err(x->err, CYE_ARGUMENT, "InvalidArgumentValue", (int32_t)e->pos, "invalid regular expression");
    char *subj = qv_arena_strndup(x->arena, a.s, a.len);
    int rc = regexec(&re, subj, 0, NULL, 0);
    regfree(&re);
    *out = qv_bool(rc == 0);
    return 0;
}

static int eval_binary(cy_x *x, const cy_expr *e, qval *out) {
    qval a, b;
    if (cy_eval(x, e->a, &a) || cy_eval(x, e->b, &b)) return -1;
    int rc = 0;
    switch (e->op) {
    case CXO_AND: case CXO_OR: case CXO_XOR: {
        qtri p = QTRI_NULL, q = QTRI_NULL;
        if (as_tri(x, e->a, a, &p) || as_tri(x, e->b, b, &q)) return -1;
        qtri r;
        if (e->op == CXO_AND)
            r = (p == QTRI_FALSE || q == QTRI_FALSE) ? QTRI_FALSE
                : (p == QTRI_NULL || q == QTRI_NULL) ? QTRI_NULL : QTRI_TRUE;
        else if (e->op == CXO_OR)
            r = (p == QTRI_TRUE || q == QTRI_TRUE) ? QTRI_TRUE
                : (p == QTRI_NULL || q == QTRI_NULL) ? QTRI_NULL : QTRI_FALSE;
        else
            r = (p == QTRI_NULL || q == QTRI_NULL) ? QTRI_NULL : (p != q ? QTRI_TRUE : QTRI_FALSE);
        *out = qv_tri(r);
        return 0;
    }
    case CXO_EQ: *out = qv_tri(qv_equals(a, b)); return 0;
    case CXO_NEQ: {
        qtri t = qv_equals(a, b);
        *out = t == QTRI_NULL ? qv_null() : qv_bool(t == QTRI_FALSE);
        return 0;
    }
    case CXO_LT: case CXO_GT: case CXO_LE: case CXO_GE: {
        int c = 0;
        if ((a.type == QT_FLOAT && a.f != a.f && qv_is_number(b)) || (b.type == QT_FLOAT && b.f != b.f && qv_is_number(a))) {
            *out = qv_bool(false);   /* NaN is not ordered against any number */
            return 0;
        }
        if (qv_compare(a, b, &c) == QTRI_NULL) { *out = qv_null(); return 0; }
        bool r = e->op == CXO_LT ? c < 0 : e->op == CXO_GT ? c > 0 : e->op == CXO_LE ? c <= 0 : c >= 0;
        *out = qv_bool(r);
        return 0;
    }
    case CXO_ADD: rc = qv_add(x->arena, a, b, out, x->err); break;
    case CXO_SUB: rc = qv_sub(x->arena, a, b, out, x->err); break;
    case CXO_MUL: rc = qv_mul(x->arena, a, b, out, x->err); break;
    case CXO_DIV: rc = qv_div(x->arena, a, b, out, x->err); break;
    case CXO_MOD: rc = qv_mod(x->arena, a, b, out, x->err); break;
    case CXO_POW: rc = qv_pow(x->arena, a, b, out, x->err); break;
    case CXO_IN: return eval_in(x, e, a, b, out);
    case CXO_STARTS_WITH: case CXO_ENDS_WITH: case CXO_CONTAINS:
        if (a.type != QT_STRING || b.type != QT_STRING) *out = qv_null();
        else *out = qv_bool(str_has(a, b, e->op));
        return 0;
    case CXO_REGEX: return eval_regex(x, e, a, b, out);
    default: return cy_err(x->err, CYE_INTERNAL, NULL, (int32_t)e->pos, "unknown binary operator %d", e->op);
    }
    if (rc && x->err->offset < 0) x->err->offset = (int32_t)e->pos;
    return rc;
}

static int eval_labels(cy_x *x, const cy_expr *e, qval *out) {
    qval n;
    if (cy_eval(x, e->a, &n)) return -1;
    if (n.type == QT_NULL) { *out = qv_null(); return 0; }
    if (n.type == QT_REL) {
        uint64_t s, d;
        uint32_t ty;
        gview_rel_info(x->v, n.id, &s, &d, &ty);
        const char *tn = gview_type_name(x->v, ty);
        bool ok = true;
        for (uint32_t i = 0; i < e->n_labels; i++) if (strcmp(tn, e->labels[i]) != 0) ok = false;
        *out = qv_bool(ok);
        return 0;
    }
    if (n.type != QT_NODE) return type_err(x, e->a, "label predicates need a node", n);
    for (uint32_t i = 0; i < e->n_labels; i++) {
        int64_t l = cy_x_plan_label(x, e->labels[i]);
        if (l < 0 || !gview_node_has_label(x->v, n.id, (uint32_t)l)) { *out = qv_bool(false); return 0; }
    }
    *out = qv_bool(true);
    return 0;
}

static int eval_call(cy_x *x, const cy_expr *e, qval *out) {
    if (e->slot <= -2) { *out = x->row[CY_AGG_SLOT_OF(e->slot)]; return 0; }
    if (e->slot < 0 || (uint32_t)e->slot >= x->plan->nfns)
        return cy_err(x->err, CYE_SYNTAX, "UnknownFunction", (int32_t)e->pos, "unknown function %s()", e->name);
    const cy_fn *f = x->plan->fns[e->slot];
    if (!f) {   /* exists(n.prop): the property is present */
        if (e->n_args != 1) return cy_err(x->err, CYE_SYNTAX, "InvalidNumberOfArguments", (int32_t)e->pos,
                                          "exists() takes one argument");
        qval v;
        if (cy_eval(x, e->args[0], &v)) return -1;
        *out = qv_bool(v.type != QT_NULL);
        return 0;
    }
    qval stack[8];
    qval *args = e->n_args <= 8 ? stack : qv_arena_alloc(x->arena, sizeof(qval) * e->n_args);
    for (uint32_t i = 0; i < e->n_args; i++)
        if (cy_eval(x, e->args[i], &args[i])) return -1;
    if (x->t && e->n_args == 1 && (args[0].type == QT_NODE || args[0].type == QT_REL)) {
        bool alive = args[0].type == QT_NODE ? gview_node_exists(x->v, args[0].id) : gview_rel_exists(x->v, args[0].id);
        if (!alive && (strcasecmp(f->name, "labels") == 0 || strcasecmp(f->name, "keys") == 0 ||
                       strcasecmp(f->name, "properties") == 0))
            return cy_err(x->err, CYE_ENTITY_NOT_FOUND, "DeletedEntityAccess", (int32_t)e->pos,
                          "%s() of an entity deleted in this query", f->name);
    }
    x->fc.pos = (int32_t)e->pos;
    if (f->impl(&x->fc, args, e->n_args, out, x->err)) {
        if (x->err->offset < 0) x->err->offset = (int32_t)e->pos;
        return -1;
    }
    return 0;
}

int cy_eval_map_drop(cy_x *x, const cy_expr *e, qval *out, cy_mapdrop *drop) {
    drop->n = 0;
    drop->storable = false;
    const cy_expr *m = e, *calls[CY_MAPDROP_MAX];
    while (m->kind == CX_CALL && drop->n < CY_MAPDROP_MAX && m->n_args == 2 && m->slot >= 0 &&
           (uint32_t)m->slot < x->plan->nfns && x->plan->fns[m->slot] &&
           x->plan->fns[m->slot]->impl == cyfn_removekeyfrommap && m->args[1]->kind == CX_STRING &&
           m->args[1]->lit.type == QT_STRING) {
        calls[drop->n] = m;
        drop->key[drop->n] = m->args[1]->lit.s;
        drop->len[drop->n++] = m->args[1]->lit.len;
        m = m->args[0];
    }
    if (drop->n == 0) return cy_eval(x, e, out);
    if (cy_eval(x, m, out)) return -1;
    if (out->type == QT_MAP) return 0;
    /* null, or not a map: apply the calls as written, innermost first (null, or the function's TypeError) */
    for (uint32_t i = drop->n; i-- > 0;) {
        qval args[2] = {*out, calls[i]->args[1]->lit};
        x->fc.pos = (int32_t)calls[i]->pos;
        if (cyfn_removekeyfrommap(&x->fc, args, 2, out, x->err)) {
            if (x->err->offset < 0) x->err->offset = (int32_t)calls[i]->pos;
            drop->n = 0;
            return -1;
        }
    }
    drop->n = 0;
    return 0;
}

static int eval_case(cy_x *x, const cy_expr *e, qval *out) {
    qval subject = qv_null();
    if (e->a && cy_eval(x, e->a, &subject)) return -1;
    for (uint32_t i = 0; i + 1 < e->n_args; i += 2) {
        qval w;
        if (cy_eval(x, e->args[i], &w)) return -1;
        bool hit;
        if (e->a) hit = qv_equals(subject, w) == QTRI_TRUE;
        else {
            if (w.type != QT_BOOL && w.type != QT_NULL) return type_err(x, e->args[i], "WHEN needs a boolean", w);
            hit = w.type == QT_BOOL && w.b;
        }
        if (hit) return cy_eval(x, e->args[i + 1], out);
    }
    if (e->b) return cy_eval(x, e->b, out);
    *out = qv_null();
    return 0;
}

static int eval_list_comp(cy_x *x, const cy_expr *e, qval *out) {
    qval l;
    if (cy_eval(x, e->a, &l)) return -1;
    if (l.type == QT_NULL) { *out = qv_null(); return 0; }
    if (l.type != QT_LIST) return type_err(x, e->a, "a list comprehension needs a list", l);
    qlist_b b;
    qlist_b_init(&b, x->arena, l.len);
    qval saved = x->row[e->slot];
    for (uint32_t i = 0; i < l.len; i++) {
        if (cy_x_tick(x)) return -1;
        x->row[e->slot] = l.items[i];
        if (e->b) {
            bool ok = false;
            if (cy_eval_pred(x, e->b, &ok)) return -1;
            if (!ok) continue;
        }
        qval v = l.items[i];
        if (e->c && cy_eval(x, e->c, &v)) return -1;
        qlist_b_push(&b, v);
    }
    x->row[e->slot] = saved;
    *out = qlist_b_done(&b);
    return 0;
}

static int eval_quant(cy_x *x, const cy_expr *e, qval *out) {
    qval l;
    if (cy_eval(x, e->a, &l)) return -1;
    if (l.type == QT_NULL) { *out = qv_null(); return 0; }
    if (l.type != QT_LIST) return type_err(x, e->a, "a quantifier needs a list", l);
    uint32_t n_true = 0, n_null = 0;
    qval saved = x->row[e->slot];
    for (uint32_t i = 0; i < l.len; i++) {
        if (cy_x_tick(x)) return -1;
        x->row[e->slot] = l.items[i];
        qval v = qv_bool(true);
        if (e->b && cy_eval(x, e->b, &v)) return -1;
        if (v.type == QT_NULL) n_null++;
        else if (v.type != QT_BOOL) return type_err(x, e->b, "a quantifier predicate must be boolean", v);
        else if (v.b) n_true++;
    }
    x->row[e->slot] = saved;
    uint32_t n = l.len, n_false = n - n_true - n_null;
    qtri r;
    switch (e->quant) {
    case CXQ_ALL: r = n_false ? QTRI_FALSE : n_null ? QTRI_NULL : QTRI_TRUE; break;
    case CXQ_ANY: r = n_true ? QTRI_TRUE : n_null ? QTRI_NULL : QTRI_FALSE; break;
    case CXQ_NONE: r = n_true ? QTRI_FALSE : n_null ? QTRI_NULL : QTRI_TRUE; break;
    default: r = n_true > 1 ? QTRI_FALSE : n_null ? QTRI_NULL : n_true == 1 ? QTRI_TRUE : QTRI_FALSE; break;
    }
    *out = qv_tri(r);
    return 0;
}

static int eval_reduce(cy_x *x, const cy_expr *e, qval *out) {
    qval acc, l;
    if (cy_eval(x, e->b, &acc) || cy_eval(x, e->a, &l)) return -1;
    if (l.type == QT_NULL) { *out = qv_null(); return 0; }
    if (l.type != QT_LIST) return type_err(x, e->a, "reduce() needs a list", l);
    int32_t vs = e->slot, as = e->slot + 1;
    qval sv = x->row[vs], sa = x->row[as];
    for (uint32_t i = 0; i < l.len; i++) {
        if (cy_x_tick(x)) return -1;
        x->row[vs] = l.items[i];
        x->row[as] = acc;
        if (cy_eval(x, e->c, &acc)) return -1;
    }
    x->row[vs] = sv;
    x->row[as] = sa;
    *out = acc;
    return 0;
}

/* Nested plans: expr->slot is the subplan index; the plan leaves its result (the comprehension's element)
 * in the slot the planner recorded as the expression's c (projected by the subplan's last operator). */
static int eval_sub_exists(cy_x *x, const cy_expr *e, qval *out) {
    cy_opstate *s = cy_x_sub(x, (uint32_t)e->slot);
    if (!s) return -1;
    qval *saved = qv_arena_alloc(x->arena, sizeof(qval) * x->nslots);
    cy_row_save(x, saved);
    if (cy_op_open(s, x)) return -1;
    int r = cy_op_next(s, x);
    int32_t vs = x->plan->sub_vals[e->slot];
    qval val = r == 1 && vs >= 0 ? x->row[vs] : qv_null();
    cy_row_load(x, saved);
    if (r < 0) return -1;
    *out = vs >= 0 ? val : qv_bool(r == 1);
    return 0;
}

static int eval_pattern_comp(cy_x *x, const cy_expr *e, qval *out) {
    cy_opstate *s = cy_x_sub(x, (uint32_t)e->slot);
    if (!s) return -1;
    qval *saved = qv_arena_alloc(x->arena, sizeof(qval) * x->nslots);
    cy_row_save(x, saved);
    if (cy_op_open(s, x)) return -1;
    qlist_b b;
    qlist_b_init(&b, x->arena, 4);
    for (;;) {
        int r = cy_op_next(s, x);
        if (r < 0) return -1;
        if (r == 0) break;
        if (e->b) {
            bool ok = false;
            if (cy_eval_pred(x, e->b, &ok)) return -1;
            if (!ok) continue;
        }
        qval v;
        if (cy_eval(x, e->c, &v)) return -1;
        qlist_b_push(&b, v);
    }
    cy_row_load(x, saved);
    *out = qlist_b_done(&b);
    return 0;
}

static int eval_mapproj(cy_x *x, const cy_expr *e, qval *out) {
    qval base;
    if (cy_eval(x, e->a, &base)) return -1;
    if (base.type == QT_NULL) { *out = qv_null(); return 0; }
    if (base.type != QT_NODE && base.type != QT_REL && base.type != QT_MAP)
        return type_err(x, e->a, "a map projection needs a node, relationship or map", base);
    qmap_b b;
    qmap_b_init(&b, x->arena, e->n_proj_items + 4);
    for (uint32_t i = 0; i < e->n_proj_items; i++) {
        const cy_mapproj_item *it = &e->proj_items[i];
        qval v;
        switch (it->kind) {
        case CMP_ALL: {
            qval all = base;
            if (base.type != QT_MAP && cy_eval_entity_props(x, base, &all, (int32_t)e->pos)) return -1;
            for (uint32_t j = 0; j < all.len; j++) qmap_b_set(&b, all.ents[j].key, all.ents[j].klen, all.ents[j].v);
            continue;
        }
        case CMP_PROP:
            if (base.type == QT_MAP) {
                const qval *p = qv_map_get(base, it->key, strlen(it->key));
                v = p ? *p : qv_null();
            } else if (cy_eval_entity_prop(x, base, it->key, &v, (int32_t)e->pos)) {
                return -1;
            }
            break;
        default:   /* CMP_LITERAL, CMP_VAR (the planner gave CMP_VAR a CX_VAR expression) */
            if (!it->expr || cy_eval(x, it->expr, &v)) {
                if (!it->expr) return cy_err(x->err, CYE_INTERNAL, NULL, (int32_t)e->pos, "unresolved map item");
                return -1;
            }
            break;
        }
        qmap_b_set(&b, it->key, strlen(it->key), v);
    }
    *out = qmap_b_done(&b);
    return 0;
}

int cy_eval(cy_x *x, const cy_expr *e, qval *out) {
    switch (e->kind) {
    case CX_NULL: case CX_BOOL: case CX_INT: case CX_FLOAT: case CX_STRING:
        *out = e->lit;
        return 0;
    case CX_PARAM: {
        const qval *v = x->params.type == QT_MAP ? qv_map_get(x->params, e->name, strlen(e->name)) : NULL;
        if (!v) return cy_err(x->err, CYE_PARAMETER_MISSING, "MissingParameter", (int32_t)e->pos,
                              "expected a parameter named %s", e->name);
        *out = *v;
        return 0;
    }
    case CX_VAR:
        if (e->slot < 0) return cy_err(x->err, CYE_SYNTAX, "UndefinedVariable", (int32_t)e->pos,
                                       "variable `%s` not defined", e->name);
        *out = x->row[e->slot];
        return 0;
    case CX_PROP: return eval_prop(x, e, out);
    case CX_LIST: {
        qval *items = qv_arena_alloc(x->arena, sizeof(qval) * (e->n_args ? e->n_args : 1));
        for (uint32_t i = 0; i < e->n_args; i++)
            if (cy_eval(x, e->args[i], &items[i])) return -1;
        *out = qv_list_ref(items, e->n_args);
        return 0;
    }
    case CX_MAP: {
        qmap_b b;
        qmap_b_init(&b, x->arena, e->n_args);
        for (uint32_t i = 0; i < e->n_args; i++) {
            qval v;
            if (cy_eval(x, e->args[i], &v)) return -1;
            qmap_b_set(&b, e->keys[i], strlen(e->keys[i]), v);
        }
        *out = qmap_b_done(&b);
        return 0;
    }
    case CX_MAP_PROJECTION: return eval_mapproj(x, e, out);
    case CX_INDEX: return eval_index(x, e, out);
    case CX_SLICE: return eval_slice(x, e, out);
    case CX_UNARY: {
        qval a;
        if (cy_eval(x, e->a, &a)) return -1;
        if (e->op == CXO_NOT) {
            qtri t = QTRI_NULL;
            if (as_tri(x, e->a, a, &t)) return -1;
            *out = qv_tri(t == QTRI_NULL ? QTRI_NULL : t == QTRI_TRUE ? QTRI_FALSE : QTRI_TRUE);
            return 0;
        }
        if (e->op == CXO_NEG) {
            if (qv_neg(x->arena, a, out, x->err)) {
                if (x->err->offset < 0) x->err->offset = (int32_t)e->pos;
                return -1;
            }
            return 0;
        }
        if (a.type != QT_NULL && !qv_is_number(a) && a.type != QT_DURATION)
            return type_err(x, e->a, "unary + needs a number", a);
        *out = a;
        return 0;
    }
    case CX_BINARY: return eval_binary(x, e, out);
    case CX_IS_NULL: case CX_IS_NOT_NULL: {
        qval a;
        if (cy_eval(x, e->a, &a)) return -1;
        *out = qv_bool((a.type == QT_NULL) == (e->kind == CX_IS_NULL));
        return 0;
    }
    case CX_HAS_LABELS: return eval_labels(x, e, out);
    case CX_CALL: return eval_call(x, e, out);
    case CX_CASE: return eval_case(x, e, out);
    case CX_LIST_COMP: return eval_list_comp(x, e, out);
    case CX_QUANT: return eval_quant(x, e, out);
    case CX_REDUCE: return eval_reduce(x, e, out);
    case CX_PATTERN: case CX_EXISTS: return eval_sub_exists(x, e, out);
    case CX_PATTERN_COMP: return eval_pattern_comp(x, e, out);
    default:
        return cy_err(x->err, CYE_UNSUPPORTED, NULL, (int32_t)e->pos, "unsupported expression kind %d", e->kind);
    }
}

int cy_eval_pred(cy_x *x, const cy_expr *e, bool *out) {
    qval v;
    if (cy_eval(x, e, &v)) return -1;
    if (v.type == QT_BOOL) { *out = v.b; return 0; }
    if (v.type == QT_NULL) { *out = false; return 0; }
    return type_err(x, e, "a predicate must be a boolean", v);
}
