/* sema_pattern.c — binding the variables of a pattern: MATCH, CREATE, MERGE, patterns used as predicates and
 * the local patterns of pattern comprehensions and EXISTS.
 *
 * Owns: the rules on (re)binding node, relationship and path variables (VariableAlreadyBound,
 * VariableTypeConflict, RelationshipUniquenessViolation), what CREATE and MERGE require of relationships
 * (one type, a direction, fixed length), and where a parameter may stand for a property map.
 * Must not: check anything about clauses around the pattern.
 */
#include <string.h>

#include "cypher/sema_int.h"

typedef struct pstate {
    sctx *c;
    sscope *s;
    sema_pmode mode;
    uint32_t binder;     /* this pattern's id: variables it binds carry it */
} pstate;

static const char *mode_name(sema_pmode m) {
    return m == PM_CREATE ? "CREATE" : m == PM_MERGE ? "MERGE" : "MATCH";
}

static bool node_compatible(stype t) { return t.k == ST_ANY || t.k == ST_NODE || t.k == ST_NULL; }

static int check_props(pstate *ps, const cy_expr *props) {
    if (!props) return 0;
    if (props->kind == CX_PARAM && (ps->mode == PM_MATCH || ps->mode == PM_MERGE || ps->mode == PM_PRED ||
                                    ps->mode == PM_LOCAL))
        return sema_fail(ps->c, CYE_SYNTAX, "InvalidParameterUse", props->pos,
                         "a parameter cannot stand for the property map of a pattern in %s; write "
                         "{key: $param.key, ...}",
                         ps->mode == PM_MERGE ? "MERGE" : "MATCH");
    stype t;
    if (sema_expr(ps->c, ps->s, props, 0, &t) < 0) return -1;
    if (t.k != ST_ANY && t.k != ST_NULL && t.k != ST_MAP)
        return sema_fail(ps->c, CYE_SYNTAX, "InvalidArgumentType", props->pos, "a pattern's properties must be a map");
    return 0;
}

static int bind_node(pstate *ps, const cy_node_pat *np, bool lone) {
    sctx *c = ps->c;
    if (np->var) {
        svar *v = sema_lookup(ps->s, np->var);
        if (v) {
            if (!node_compatible(v->t))
                return sema_fail(c, CYE_SYNTAX, "VariableTypeConflict", np->pos,
                                 "variable '%s' is not a node here (it is bound to another kind of value)",
                                 np->var);
            if ((ps->mode == PM_CREATE || ps->mode == PM_MERGE) && (lone || np->n_labels || np->props))
                return sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", np->pos,
                                 "variable '%s' is already bound; %s cannot create it again or add labels or "
                                 "properties to it (use SET)",
                                 np->var, mode_name(ps->mode));
            if (v->t.k != ST_NODE) v->t = st_make(ST_NODE);
        } else {
            if (ps->mode == PM_PRED)
                return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", np->pos,
                                 "variable '%s' is not defined (a pattern used as a predicate cannot introduce "
                                 "new variables)",
                                 np->var);
            if (!sema_declare(c, ps->s, np->var, st_make(ST_NODE), ps->binder)) return -1;
        }
    }
    return 0;
}

static int bind_rel(pstate *ps, const cy_rel_pat *rp) {
    sctx *c = ps->c;
    bool creating = ps->mode == PM_CREATE || ps->mode == PM_MERGE;
    if (rp->var) {
        svar *v = sema_lookup(ps->s, rp->var);
        if (v) {
            if (creating)
                return sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", rp->pos,
                                 "relationship variable '%s' is already bound; %s cannot create it again",
                                 rp->var, mode_name(ps->mode));
            bool rel_like = rp->varlen ? (v->t.k == ST_LIST && (v->t.elem == ST_REL || v->t.elem == ST_ANY))
                                       : v->t.k == ST_REL;
            if (v->t.k == ST_ANY || v->t.k == ST_NULL) rel_like = true;
            if (ps->mode == PM_MATCH && v->binder == ps->binder &&
                (v->t.k == ST_REL || (v->t.k == ST_LIST && v->t.elem == ST_REL)))
                return sema_fail(c, CYE_SYNTAX, "RelationshipUniquenessViolation", rp->pos,
                                 "relationship variable '%s' is used twice in one pattern; a relationship is "
                                 "matched at most once per pattern",
                                 rp->var);
            if (!rel_like)
                return sema_fail(c, CYE_SYNTAX, "VariableTypeConflict", rp->pos,
                                 "variable '%s' is not a %s here", rp->var,
                                 rp->varlen ? "list of relationships" : "relationship");
        } else {
            if (ps->mode == PM_PRED)
                return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", rp->pos,
                                 "variable '%s' is not defined (a pattern used as a predicate cannot introduce "
                                 "new variables)",
                                 rp->var);
            stype t = rp->varlen ? st_list(ST_REL) : st_make(ST_REL);
            if (!sema_declare(c, ps->s, rp->var, t, ps->binder)) return -1;
        }
    }
    if (creating) {
        if (rp->varlen)
            return sema_fail(c, CYE_SYNTAX, "CreatingVarLength", rp->pos,
                             "%s cannot create a variable-length relationship", mode_name(ps->mode));
        if (rp->n_types != 1)
            return sema_fail(c, CYE_SYNTAX, "NoSingleRelationshipType", rp->pos,
                             "%s needs exactly one relationship type, like -[:KNOWS]->", mode_name(ps->mode));
        if (ps->mode == PM_CREATE && rp->dir == CY_DIR_BOTH)
            return sema_fail(c, CYE_SYNTAX, "RequiresDirectedRelationship", rp->pos,
                             "CREATE needs a direction for the relationship: -[:T]-> or <-[:T]-");
    } else if (rp->varlen && (rp->min_hops < 0 || rp->max_hops < -1)) {
        return sema_fail(c, CYE_SYNTAX, "InvalidRelationshipPattern", rp->pos,
                         "the length bounds of a variable-length relationship cannot be negative");
    }
    return 0;
}

static int bind_path(pstate *ps, const cy_path_pat *pp) {
    if (!pp->nodes) return 0;
    bool lone = pp->n_rels == 0;
    for (uint32_t i = 0; i <= pp->n_rels; i++) {
        if (bind_node(ps, &pp->nodes[i], lone) < 0) return -1;
        if (i < pp->n_rels && bind_rel(ps, &pp->rels[i]) < 0) return -1;
    }
    if (pp->var) {
        if (sema_lookup(ps->s, pp->var))
            return sema_fail(ps->c, CYE_SYNTAX, "VariableAlreadyBound", pp->pos,
                             "variable '%s' is already bound; a path variable must be new", pp->var);
        if (ps->mode == PM_PRED)
            return sema_fail(ps->c, CYE_SYNTAX, "UndefinedVariable", pp->pos,
                             "a pattern used as a predicate cannot introduce the path variable '%s'", pp->var);
        if (!sema_declare(ps->c, ps->s, pp->var, st_make(ST_PATH), ps->binder)) return -1;
    }
    return 0;
}

/* Binds every variable of the pattern first, then checks property maps, which may refer to any of them
 * (MATCH (b {id: a.bid})<--(a)). */
int sema_pattern(sctx *c, sscope *s, const cy_pattern *p, sema_pmode mode) {
    if (!p) return 0;
    pstate ps = {c, s, mode, ++c->next_binder};
    for (uint32_t i = 0; i < p->n_paths; i++)
        if (bind_path(&ps, &p->paths[i]) < 0) return -1;
    for (uint32_t i = 0; i < p->n_paths; i++) {
        const cy_path_pat *pp = &p->paths[i];
        for (uint32_t j = 0; pp->nodes && j <= pp->n_rels; j++) {
            if (check_props(&ps, pp->nodes[j].props) < 0) return -1;
            if (j < pp->n_rels && check_props(&ps, pp->rels[j].props) < 0) return -1;
        }
    }
    return 0;
}
