/* plan_update.c — planning the updating clauses (CREATE, MERGE, SET, REMOVE, DELETE, FOREACH) and CALL.
 * Must not: plan reads other than MERGE's match part (plan_match.c does it).
 */
#include <string.h>

#include "cypher/plan_int.h"

static const char *token_of(const char **v, uint32_t n) { return n ? v[0] : NULL; }

/* A CREATE / MERGE path: new variables get slots (named ones enter the scope as they are created). */
static int build_cpath(pctx *c, cy_path_pat *pp, cy_cpath *cp, const int32_t *nslots, const int32_t *rslots,
                       int32_t pslot, uint32_t scope_before) {
    cy_plan *p = c->p;
    cp->n_nodes = pp->n_rels + 1;
    cp->n_rels = pp->n_rels;
    cp->nodes = qv_arena_zalloc(&p->arena, sizeof(cy_cnode) * cp->n_nodes);
    cp->rels = qv_arena_zalloc(&p->arena, sizeof(cy_crel) * (cp->n_rels ? cp->n_rels : 1));
    int32_t *order = qv_arena_alloc(&p->arena, sizeof(int32_t) * cp->n_nodes);
    for (uint32_t j = 0; j < cp->n_nodes; j++) {
        cy_node_pat *nd = &pp->nodes[j];
        cy_cnode *cn = &cp->nodes[j];
        order[j] = (int32_t)j;
        cn->pos = nd->pos;
        cn->labels = nd->labels;
        cn->n_labels = nd->n_labels;
        cn->props = nd->props;
        if (nslots) {   /* MERGE: slots from the match plan; bound if the variable existed before */
            cn->slot = nslots[j];
            const sym *s = nd->var ? sc_find(&c->sc, nd->var) : NULL;
            cn->bound = s && (uint32_t)(s - c->sc.v) < scope_before;
            if (cn->bound && pp->n_rels == 0 && (nd->n_labels || nd->props))
                return cy_err(c->err, CYE_SYNTAX, "VariableAlreadyBound", (int32_t)nd->pos,
                              "variable `%s` already declared", nd->var);
            continue;
        }
        if (nd->props && pl_expr(c, nd->props)) return -1;
        const sym *s = nd->var ? sc_find(&c->sc, nd->var) : NULL;
        if (s) {
            if (nd->n_labels || nd->props)
                return cy_err(c->err, CYE_SYNTAX, "VariableAlreadyBound", (int32_t)nd->pos,
                              "variable `%s` already declared", nd->var);
            cn->slot = s->slot;
            cn->bound = true;
        } else {
            cn->slot = pl_slot(c);
            if (nd->var) sc_push(c, nd->var, cn->slot, SYM_NODE);
        }
    }
    for (uint32_t j = 0; j < cp->n_rels; j++) {
        cy_rel_pat *rp = &pp->rels[j];
        cy_crel *cr = &cp->rels[j];
        cr->pos = rp->pos;
        cr->type = token_of(rp->types, rp->n_types);
        if (!cr->type || rp->n_types != 1)
            return cy_err(c->err, CYE_SYNTAX, "NoSingleRelationshipType", (int32_t)rp->pos,
                          "a relationship must have exactly one type to be created");
        if (rp->varlen)
            return cy_err(c->err, CYE_SYNTAX, "CreatingVarLength", (int32_t)rp->pos,
                          "variable length relationships cannot be created");
        cr->props = rp->props;
        bool left = rp->dir == CY_DIR_LEFT;
        cr->src = left ? j + 1 : j;
        cr->dst = left ? j : j + 1;
        if (rslots) {
            cr->slot = rslots[j];
            continue;
        }
        if (rp->dir == CY_DIR_BOTH)
            return cy_err(c->err, CYE_SYNTAX, "RequiresDirectedRelationship", (int32_t)rp->pos,
                          "only directed relationships can be created");
        if (rp->props && pl_expr(c, rp->props)) return -1;
        if (rp->var && sc_find(&c->sc, rp->var))
            return cy_err(c->err, CYE_SYNTAX, "VariableAlreadyBound", (int32_t)rp->pos,
                          "variable `%s` already declared", rp->var);
        cr->slot = pl_slot(c);
        if (rp->var) sc_push(c, rp->var, cr->slot, SYM_REL);
    }
    cp->path_slot = -1;
    cp->path_nodes = order;
    if (pslot >= 0) cp->path_slot = pslot;
    else if (pp->var && !nslots) {
        cp->path_slot = pl_slot(c);
        sc_push(c, pp->var, cp->path_slot, SYM_PATH);
    }
    return 0;
}

int pl_create(pctx *c, xop **in, cy_clause *cl) {
    cy_pattern *pat = cl->pattern;
    cy_cpath *paths = qv_arena_zalloc(&c->p->arena, sizeof(cy_cpath) * (pat->n_paths ? pat->n_paths : 1));
    for (uint32_t i = 0; i < pat->n_paths; i++)
        if (build_cpath(c, &pat->paths[i], &paths[i], NULL, NULL, -1, c->sc.n)) return -1;
    *in = cy_op_create(c->p, *in, paths, pat->n_paths);
    return 0;
}

int pl_setops(pctx *c, cy_set_item *items, uint32_t n, cy_setop **out) {
    cy_setop *ops = qv_arena_zalloc(&c->p->arena, sizeof(cy_setop) * (n ? n : 1));
    for (uint32_t i = 0; i < n; i++) {
        cy_set_item *it = &items[i];
        cy_setop *o = &ops[i];
        o->kind = it->kind;
        o->pos = it->pos;
        o->labels = it->labels;
        o->n_labels = it->n_labels;
        o->var_slot = -1;
        if (it->target) {
            if (pl_expr(c, it->target)) return -1;
            o->target = it->target;
        }
        if (it->var) {
            const sym *s = sc_find(&c->sc, it->var);
            if (!s) return cy_err(c->err, CYE_SYNTAX, "UndefinedVariable", (int32_t)it->pos,
                                  "variable `%s` not defined", it->var);
            o->var_slot = s->slot;
        }
        if (it->value) {
            if (pl_expr(c, it->value)) return -1;
            o->value = it->value;
        }
    }
    *out = ops;
    return 0;
}

int pl_merge(pctx *c, xop **in, cy_clause *cl) {
    cy_pattern *pat = cl->pattern;
    if (pat->n_paths != 1)
        return cy_err(c->err, CYE_SYNTAX, "UnexpectedSyntax", (int32_t)cl->pos, "MERGE takes one path");
    uint32_t before = c->sc.n;
    xop *match = cy_op_argument(c->p);
    pl_slots sl;
    if (pl_match(c, &match, pat, NULL, &sl)) return -1;
    cy_cpath *cp = qv_arena_zalloc(&c->p->arena, sizeof(cy_cpath));
    if (build_cpath(c, &pat->paths[0], cp, sl.n[0], sl.r[0], sl.p[0], before)) return -1;
    cp->merge = true;
    cy_setop *oc = NULL, *om = NULL;
    if (pl_setops(c, cl->on_create, cl->n_on_create, &oc) || pl_setops(c, cl->on_match, cl->n_on_match, &om))
        return -1;
    *in = cy_op_merge(c->p, *in, match, cp, oc, cl->n_on_create, om, cl->n_on_match);
    /* the created entity the first ON CREATE item may fuse into: a lone new node, or one new relationship
     * between bound nodes */
    int32_t target = -1;
    if (cp->n_nodes == 1 && cp->n_rels == 0 && !cp->nodes[0].bound) target = cp->nodes[0].slot;
    else if (cp->n_nodes == 2 && cp->n_rels == 1 && cp->nodes[0].bound && cp->nodes[1].bound) target = cp->rels[0].slot;
    if (target >= 0 && cl->n_on_create > 0 && (oc[0].kind == CY_SET_ALL || oc[0].kind == CY_SET_MERGE) &&
        oc[0].var_slot == target) {
        uint8_t *set = qv_arena_zalloc(&c->p->arena, c->p->nslots + 1);
        bool opaque = false;
        pl_expr_slots(oc[0].value, set, c->p->nslots, &opaque);
        if (!opaque && !set[target] && (cp->path_slot < 0 || !set[cp->path_slot])) cy_op_merge_fuse(*in);
    }
    return 0;
}

int pl_set(pctx *c, xop **in, cy_clause *cl) {
    cy_setop *ops;
    if (pl_setops(c, cl->items, cl->n_items, &ops)) return -1;
    *in = cy_op_set(c->p, *in, ops, cl->n_items);
    return 0;
}

int pl_delete(pctx *c, xop **in, cy_clause *cl) {
    for (uint32_t i = 0; i < cl->n_exprs; i++)
        if (pl_expr(c, cl->exprs[i])) return -1;
    *in = cy_op_eager(c->p, *in);   /* every row is read before anything is deleted */
    *in = cy_op_delete(c->p, *in, (const cy_expr *const *)cl->exprs, cl->n_exprs, cl->detach);
    return 0;
}

int pl_foreach(pctx *c, xop **in, cy_clause *cl) {
    if (pl_expr(c, cl->expr)) return -1;
    scope saved = c->sc;
    bool wrote = c->wrote, read = c->read;
    c->sc = sc_copy(c, &saved);
    int32_t slot = pl_slot(c);
    sc_push(c, cl->var, slot, SYM_VALUE);
    xop *body = cy_op_argument(c->p);
    int rc = pl_clauses(c, &body, cl->body, cl->n_body, false, NULL, NULL, NULL);
    c->sc = saved;
    c->wrote = wrote;
    c->read = read;
    if (rc) return -1;
    *in = cy_op_foreach(c->p, *in, cl->expr, slot, body);
    return 0;
}

int pl_call(pctx *c, xop **in, cy_clause *cl, bool standalone, const char ***cols, int32_t **colslots,
            uint32_t *ncols) {
    cy_plan *p = c->p;
    const cy_proc *pr = c->procs ? cy_procs_find(c->procs, cl->proc_name) : NULL;
    if (!pr) return cy_err(c->err, CYE_PROCEDURE, "ProcedureNotFound", (int32_t)cl->pos,
                           "there is no procedure named %s", cl->proc_name);
    cy_expr **args;
    uint32_t nargs = pr->n_in;
    if (cl->has_arg_list) {
        if (cl->n_args != pr->n_in)
            return cy_err(c->err, CYE_SYNTAX, "InvalidNumberOfArguments", (int32_t)cl->pos,
                          "procedure %s takes %u arguments, got %u", pr->name, pr->n_in, cl->n_args);
        args = cl->args;
        for (uint32_t i = 0; i < nargs; i++)
            if (pl_expr(c, args[i])) return -1;
    } else {
        if (!standalone && pr->n_in)
            return cy_err(c->err, CYE_SYNTAX, "InvalidArgumentPassingMode", (int32_t)cl->pos,
                          "in-query procedure calls need explicit arguments");
        args = qv_arena_alloc(&p->arena, sizeof(cy_expr *) * (nargs ? nargs : 1));
        for (uint32_t i = 0; i < nargs; i++) {
            cy_expr *e = qv_arena_zalloc(&p->arena, sizeof(cy_expr));
            e->kind = CX_PARAM;
            e->name = pr->in_names[i];
            e->pos = cl->pos;
            e->slot = -1;
            args[i] = e;
        }
    }
    uint32_t nout = 0;
    uint32_t *ocols = qv_arena_alloc(&p->arena, sizeof(uint32_t) * (pr->n_out + cl->n_yields + 1));
    int32_t *oslots = qv_arena_alloc(&p->arena, sizeof(int32_t) * (pr->n_out + cl->n_yields + 1));
    const char **onames = qv_arena_alloc(&p->arena, sizeof(char *) * (pr->n_out + cl->n_yields + 1));
    if (cl->n_yields) {
        for (uint32_t i = 0; i < cl->n_yields; i++) {
            uint32_t k = 0;
            while (k < pr->n_out && strcmp(pr->out_names[k], cl->yields[i].name) != 0) k++;
            if (k == pr->n_out)
                return cy_err(c->err, CYE_SYNTAX, "UndefinedVariable", (int32_t)cl->pos,
                              "procedure %s has no output named %s", pr->name, cl->yields[i].name);
            const char *name = cl->yields[i].alias ? cl->yields[i].alias : cl->yields[i].name;
            if (sc_find(&c->sc, name))
                return cy_err(c->err, CYE_SYNTAX, "VariableAlreadyBound", (int32_t)cl->pos,
                              "variable `%s` already declared", name);
            ocols[nout] = k;
            oslots[nout] = pl_slot(c);
            onames[nout++] = name;
        }
    } else if (cl->yield_star || standalone) {
        for (uint32_t k = 0; k < pr->n_out; k++) {
            ocols[nout] = k;
            oslots[nout] = pl_slot(c);
            onames[nout++] = pr->out_names[k];
        }
    }
    *in = cy_op_proccall(p, *in, pr, (const cy_expr *const *)args, nargs, ocols, oslots, nout);
    for (uint32_t i = 0; i < nout; i++) sc_push(c, onames[i], oslots[i], SYM_VALUE);
    if (cl->where) {
        if (pl_expr(c, cl->where)) return -1;
        *in = cy_op_filter(p, *in, cl->where);
    }
    if (standalone && cols) {
        *cols = onames;
        *colslots = oslots;
        *ncols = nout;
    }
    return 0;
}
