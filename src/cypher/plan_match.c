/* plan_match.c — planning MATCH patterns: slot assignment for pattern variables, the choice of each
 * path's starting point from the view's statistics (external-id seek > relationship external-id seek >
 * property-index seek > the smallest label scan > all nodes), expansions outward from it ("into" when both ends are bound),
 * relationship uniqueness within the pattern, named paths, shortestPath, and predicate push-down (label
 * and property constraints of the pattern and the WHERE conjuncts become filters right after the operator
 * that binds their last variable). Disconnected parts become nested scans (a cartesian product).
 * Must not: plan anything but patterns.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "cypher/ops/expand_common.h"
#include "cypher/ops/varexpand_prune.h"
#include "cypher/plan_int.h"

#define EXT_ID_KEY "~id"

enum { K_GENERIC = 0, K_LABEL, K_PROP };

typedef struct conj {
    cy_expr *e;
    int kind;
    int32_t slot;            /* K_LABEL / K_PROP: the node's slot */
    const char *label;
    const char *key;
    cy_expr *value;          /* K_PROP */
    int32_t *needs;          /* pattern slots the conjunct reads */
    uint32_t n_needs;
    bool opaque, done;
    int synth;               /* 1: only .value needs resolving; 2: nothing does (built with slots) */
} conj;

typedef struct mctx {
    pctx *c;
    cy_pattern *pat;
    int32_t **nslot;         /* [path][node] */
    int32_t **rslot;         /* [path][rel] */
    int32_t *pslot;          /* [path] path variable slot or -1 */
    uint8_t *isnew, *bound;  /* over slots */
    uint32_t nbits;
    conj *cj;
    uint32_t ncj, capcj;
    int32_t *rels_bound;     /* relationship slots bound so far (uniqueness) */
    uint32_t n_rels_bound;
    bool prune;              /* pctx.prune_varlen when this pattern was started (nested plans never prune) */
    bool minpath;            /* pctx.minpath_varlen, likewise */
} mctx;

static bool is_bound(const mctx *m, int32_t s) { return s >= 0 && (uint32_t)s < m->nbits && m->bound[s]; }
static void set_bound(mctx *m, int32_t s) { if (s >= 0 && (uint32_t)s < m->nbits) m->bound[s] = 1; }

static void add_conj(mctx *m, conj cj) {
    if (m->ncj == m->capcj) {
        uint32_t nc = m->capcj ? m->capcj * 2 : 16;
        conj *nv = qv_arena_alloc(&m->c->p->arena, sizeof(conj) * nc);
        if (m->ncj) memcpy(nv, m->cj, sizeof(conj) * m->ncj);
        m->cj = nv;
        m->capcj = nc;
    }
    m->cj[m->ncj++] = cj;
}

/* `n.`~id` = x` or `id(n) = x` (either side) on a variable of this pattern: a candidate ext-id seek. */
static bool ext_id_side(const mctx *m, const cy_expr *e, int32_t *slot) {
    const cy_expr *v = NULL;
    if (e->kind == CX_PROP && e->a && e->a->kind == CX_VAR && strcmp(e->name, EXT_ID_KEY) == 0) v = e->a;
    if (e->kind == CX_CALL && e->n_args == 1 && e->args[0]->kind == CX_VAR && strcasecmp(e->name, "id") == 0)
        v = e->args[0];
    if (!v) return false;
    const sym *s = sc_find(&m->c->sc, v->name);
    if (!s || (s->kind != SYM_NODE && s->kind != SYM_REL)) return false;
    for (uint32_t i = 0; i < m->pat->n_paths; i++) {
        if (s->kind == SYM_REL) {   /* a relationship of this pattern: the relationship ext-id seek */
            for (uint32_t j = 0; j < m->pat->paths[i].n_rels; j++)
                if (m->rslot[i][j] == s->slot && !m->pat->paths[i].rels[j].varlen) { *slot = s->slot; return true; }
            continue;
        }
        for (uint32_t j = 0; j <= m->pat->paths[i].n_rels; j++)
            if (m->nslot[i][j] == s->slot) { *slot = s->slot; return true; }
    }
    return false;
}

static void split_and(mctx *m, cy_expr *e) {
    if (e->kind == CX_BINARY && e->op == CXO_AND) {
        split_and(m, e->a);
        split_and(m, e->b);
        return;
    }
    int32_t slot;
    if (e->kind == CX_BINARY && e->op == CXO_EQ) {
        if (ext_id_side(m, e->a, &slot)) {
            add_conj(m, (conj){.e = e, .kind = K_PROP, .slot = slot, .key = EXT_ID_KEY, .value = e->b});
            return;
        }
        if (ext_id_side(m, e->b, &slot)) {
            add_conj(m, (conj){.e = e, .kind = K_PROP, .slot = slot, .key = EXT_ID_KEY, .value = e->a});
            return;
        }
    }
    add_conj(m, (conj){.e = e, .kind = K_GENERIC, .slot = -1});
}

static bool ready(const mctx *m, const conj *cj) {
    if (cj->done) return false;
    for (uint32_t i = 0; i < cj->n_needs; i++)
        if (!is_bound(m, cj->needs[i])) return false;
    if (cj->opaque)   /* nested plans: wait until every pattern variable is bound */
        for (uint32_t s = 0; s < m->nbits; s++)
            if (m->isnew[s] && !m->bound[s]) return false;
    return true;
}

static bool value_ready(const mctx *m, const cy_expr *v) {
    uint8_t *set = qv_arena_zalloc(&m->c->p->arena, m->nbits ? m->nbits : 1);
    bool opaque = false;
    pl_expr_slots(v, set, m->nbits, &opaque);
    if (opaque) return false;
    for (uint32_t s = 0; s < m->nbits; s++)
        if (set[s] && m->isnew[s] && !m->bound[s]) return false;
    return true;
}

static void emit_ready(mctx *m, xop **in) {
    for (uint32_t i = 0; i < m->ncj; i++) {
        conj *cj = &m->cj[i];
        if (!ready(m, cj)) continue;
        cj->done = true;
        *in = cy_op_filter(m->c->p, *in, cj->e);
    }
}

/* Binds the node at slot with the cheapest start operator; consumes the conjuncts it enforces. */
static double start_cost(mctx *m, int32_t slot, int *how, uint32_t *ci, uint32_t *ci2) {
    gview *v = m->c->v;
    double best = v ? (double)gview_node_count(v) + 10.0 : 1e15;
    *how = 0;
    for (uint32_t i = 0; i < m->ncj; i++) {
        conj *cj = &m->cj[i];
        if (cj->done || cj->slot != slot) continue;
        if (cj->kind == K_PROP && strcmp(cj->key, EXT_ID_KEY) == 0 && value_ready(m, cj->value)) {
            *how = 1;
            *ci = i;
            return 0.0;
        }
    }
    for (uint32_t i = 0; i < m->ncj; i++) {
        conj *cj = &m->cj[i];
        if (cj->done || cj->slot != slot || cj->kind != K_LABEL) continue;
        double cost = 1e14;
        int64_t l = -1;
        if (v) {
            l = gview_label_id(v, cj->label, strlen(cj->label));
            cost = l < 0 ? 0.5 : (double)gview_label_count(v, (uint32_t)l) + 2.0;
        }
        if (v && l >= 0) {
            for (uint32_t j = 0; j < m->ncj; j++) {
                conj *pj = &m->cj[j];
                if (pj->done || pj->slot != slot || pj->kind != K_PROP || !value_ready(m, pj->value)) continue;
                int64_t k = gview_key_id(v, pj->key, strlen(pj->key));
                if (k >= 0 && gview_has_node_index(v, (uint32_t)l, (uint32_t)k)) {
                    double ic = 1.0 + log2(cost + 1.0) / 64.0;
                    if (ic < best) { best = ic; *how = 3; *ci = i; *ci2 = j; }
                }
            }
        }
        if (cost < best) { best = cost; *how = 2; *ci = i; }
    }
    return best;
}

/* A ready `r.`~id` = value` / `id(r) = value` conjunct on the relationship at slot, or -1. */
static int32_t rel_extid_conj(mctx *m, int32_t slot) {
    for (uint32_t i = 0; i < m->ncj; i++) {
        conj *cj = &m->cj[i];
        if (!cj->done && cj->slot == slot && cj->kind == K_PROP && strcmp(cj->key, EXT_ID_KEY) == 0 &&
            value_ready(m, cj->value))
            return (int32_t)i;
    }
    return -1;
}

static void bind_start(mctx *m, xop **in, int32_t slot) {
    int how;
    uint32_t ci = 0, ci2 = 0;
    start_cost(m, slot, &how, &ci, &ci2);
    cy_plan *p = m->c->p;
    switch (how) {
    case 1:
        *in = cy_op_node_by_extid(p, *in, slot, m->cj[ci].value);
        m->cj[ci].done = true;
        break;
    case 2:
        *in = cy_op_scan(p, *in, slot, m->cj[ci].label);
        m->cj[ci].done = true;
        p->stats_sensitive = true;
        break;
    case 3:
        *in = cy_op_index_seek(p, *in, slot, m->cj[ci].label, m->cj[ci2].key, m->cj[ci2].value);
        m->cj[ci].done = true;
        m->cj[ci2].done = true;
        break;
    default:
        *in = cy_op_scan(p, *in, slot, NULL);
        p->stats_sensitive = true;
    }
    set_bound(m, slot);
    emit_ready(m, in);
}

static void expand(mctx *m, xop **in, cy_rel_pat *rp, int32_t from, int32_t rel, int32_t to, bool reverse) {
    cy_expand_spec s = {0};
    s.from = from;
    s.rel = rel;
    s.to = to;
    s.types = rp->types;
    s.n_types = rp->n_types;
    s.dir = rp->dir;
    if (reverse) s.dir = rp->dir == CY_DIR_RIGHT ? CY_DIR_LEFT : rp->dir == CY_DIR_LEFT ? CY_DIR_RIGHT : CY_DIR_BOTH;
    s.into = is_bound(m, to);
    s.uniq.slots = qv_arena_dup(&m->c->p->arena, m->rels_bound, sizeof(int32_t) * (m->n_rels_bound + 1));
    s.uniq.n = m->n_rels_bound;
    if (rp->varlen) {
        s.varlen = true;
        s.min_hops = rp->min_hops;
        s.max_hops = rp->max_hops;
        s.rel_props = rp->props;
        s.reverse_list = reverse;
        if (m->prune && !rp->var && rp->min_hops <= 1) *in = cy_op_varexpand_prune(m->c->p, *in, &s);
        else if (m->minpath && !rp->var && rp->min_hops <= 1) *in = cy_op_varexpand_minpath(m->c->p, *in, &s);
        else *in = cy_op_varexpand(m->c->p, *in, &s);
    } else {
        int32_t ci = rel_extid_conj(m, rel);   /* `~id` of the relationship known: one lookup, not the adjacency */
        if (ci >= 0) {
            *in = cy_op_rel_by_extid(m->c->p, *in, &s, m->cj[ci].value, true);
            m->cj[ci].done = true;
        } else {
            *in = cy_op_expand(m->c->p, *in, &s);
        }
    }
    m->rels_bound[m->n_rels_bound++] = rel;
    set_bound(m, rel);
    set_bound(m, to);
    emit_ready(m, in);
}

static int plan_path(mctx *m, xop **in, uint32_t pi) {
    cy_path_pat *pp = &m->pat->paths[pi];
    int32_t *ns = m->nslot[pi], *rs = m->rslot[pi];
    if (pp->kind != CY_PATH_PLAIN) {
        if (pp->n_rels != 1)
            return cy_err(m->c->err, CYE_SYNTAX, "InvalidArgumentType", (int32_t)pp->pos,
                          "shortestPath needs a pattern with exactly one relationship");
        for (uint32_t j = 0; j < 2; j++)
            if (!is_bound(m, ns[j])) bind_start(m, in, ns[j]);
        cy_rel_pat *rp = &pp->rels[0];
        cy_expand_spec s = {0};
        s.from = ns[0];
        s.rel = rs[0];
        s.to = ns[1];
        s.types = rp->types;
        s.n_types = rp->n_types;
        s.dir = rp->dir;
        s.into = true;
        s.min_hops = rp->varlen ? rp->min_hops : 1;
        s.max_hops = rp->varlen ? rp->max_hops : 1;
        *in = cy_op_shortest(m->c->p, *in, &s, m->pslot[pi], pp->kind == CY_PATH_ALL_SHORTEST);
        set_bound(m, rs[0]);
        set_bound(m, m->pslot[pi]);
        m->rels_bound[m->n_rels_bound++] = rs[0];
        emit_ready(m, in);
        return 0;
    }
    /* start: a node already bound, else the cheapest */
    uint32_t start = UINT32_MAX;
    for (uint32_t j = 0; j <= pp->n_rels && start == UINT32_MAX; j++)
        if (is_bound(m, ns[j])) start = j;
    uint32_t right_from, left_from;   /* expand right from node right_from, left from node left_from */
    if (start == UINT32_MAX) {
        double best = INFINITY;
        for (uint32_t j = 0; j <= pp->n_rels; j++) {
            int how;
            uint32_t a, b;
            double cost = start_cost(m, ns[j], &how, &a, &b);
            if (cost < best) { best = cost; start = j; }
        }
        /* a relationship type rarer than every start node: scan the relationships */
        uint32_t rel_start = UINT32_MAX, rel_ci = UINT32_MAX;
        double rbest = best;
        if (best > 0.0)   /* no node ext-id seek: a relationship ext-id seek binds the whole hop at once */
            for (uint32_t j = 0; j < pp->n_rels && rel_ci == UINT32_MAX; j++) {
                if (pp->rels[j].varlen || is_bound(m, rs[j])) continue;
                int32_t ci = rel_extid_conj(m, rs[j]);
                if (ci >= 0) rel_start = j, rel_ci = (uint32_t)ci, rbest = 0.0;
            }
        for (uint32_t j = 0; m->c->v && rel_ci == UINT32_MAX && j < pp->n_rels; j++) {
            cy_rel_pat *rp = &pp->rels[j];
            if (rp->varlen || rp->n_types == 0 || is_bound(m, rs[j])) continue;
            double cost = 0;
            for (uint32_t k = 0; k < rp->n_types; k++) {
                int64_t ty = gview_type_id(m->c->v, rp->types[k], strlen(rp->types[k]));
                if (ty >= 0) cost += (double)gview_type_count(m->c->v, (uint32_t)ty);
            }
            if (rp->dir == CY_DIR_BOTH) cost *= 2;
            if (cost * 2 + 16 < rbest) { rbest = cost * 2 + 16; rel_start = j; }
        }
        if (rel_start != UINT32_MAX) {
            cy_rel_pat *rp = &pp->rels[rel_start];
            cy_expand_spec s = {0};
            s.from = ns[rel_start];
            s.rel = rs[rel_start];
            s.to = ns[rel_start + 1];
            s.types = rp->types;
            s.n_types = rp->n_types;
            s.dir = rp->dir;
            if (rel_ci != UINT32_MAX) {
                s.uniq.slots = qv_arena_dup(&m->c->p->arena, m->rels_bound, sizeof(int32_t) * (m->n_rels_bound + 1));
                s.uniq.n = m->n_rels_bound;
                *in = cy_op_rel_by_extid(m->c->p, *in, &s, m->cj[rel_ci].value, false);
                m->cj[rel_ci].done = true;
            } else {
                *in = cy_op_relscan(m->c->p, *in, &s);
                m->c->p->stats_sensitive = true;
            }
            m->rels_bound[m->n_rels_bound++] = rs[rel_start];
            set_bound(m, rs[rel_start]);
            set_bound(m, ns[rel_start]);
            set_bound(m, ns[rel_start + 1]);
            emit_ready(m, in);
            right_from = rel_start + 1;
            left_from = rel_start;
        } else {
            bind_start(m, in, ns[start]);
            right_from = left_from = start;
        }
    } else {
        right_from = left_from = start;
    }
    for (uint32_t j = right_from; j < pp->n_rels; j++) expand(m, in, &pp->rels[j], ns[j], rs[j], ns[j + 1], false);
    for (uint32_t j = left_from; j-- > 0;) expand(m, in, &pp->rels[j], ns[j + 1], rs[j], ns[j], true);
    if (m->pslot[pi] >= 0) {
        *in = cy_op_path(m->c->p, *in, m->pslot[pi], ns, rs, pp->n_rels);
        set_bound(m, m->pslot[pi]);
        emit_ready(m, in);
    }
    return 0;
}

int pl_match(pctx *c, xop **in, cy_pattern *pat, cy_expr *where, pl_slots *out) {
    cy_plan *p = c->p;
    mctx m = {.c = c, .pat = pat, .prune = c->prune_varlen, .minpath = c->minpath_varlen};
    c->prune_varlen = false;
    c->minpath_varlen = false;
    uint32_t np = pat->n_paths;
    m.nslot = qv_arena_alloc(&p->arena, sizeof(int32_t *) * (np ? np : 1));
    m.rslot = qv_arena_alloc(&p->arena, sizeof(int32_t *) * (np ? np : 1));
    m.pslot = qv_arena_alloc(&p->arena, sizeof(int32_t) * (np ? np : 1));
    uint32_t first_new = p->nslots, total_rels = 0;
    int32_t *pre = qv_arena_alloc(&p->arena, sizeof(int32_t) * 64);   /* slots bound before this MATCH */
    uint32_t npre = 0, cappre = 64;
    conj *eqs = NULL;
    uint32_t neqs = 0;
    /* 1. slots */
    for (uint32_t i = 0; i < np; i++) {
        cy_path_pat *pp = &pat->paths[i];
        m.nslot[i] = qv_arena_alloc(&p->arena, sizeof(int32_t) * (pp->n_rels + 1));
        m.rslot[i] = qv_arena_alloc(&p->arena, sizeof(int32_t) * (pp->n_rels + 1));
        total_rels += pp->n_rels;
        for (uint32_t j = 0; j <= pp->n_rels; j++) {
            cy_node_pat *nd = &pp->nodes[j];
            const sym *s = nd->var ? sc_find(&c->sc, nd->var) : NULL;
            if (s) {
                m.nslot[i][j] = s->slot;
                if ((uint32_t)s->slot < first_new) {
                    if (npre == cappre) {
                        int32_t *nv = qv_arena_alloc(&p->arena, sizeof(int32_t) * cappre * 2);
                        memcpy(nv, pre, sizeof(int32_t) * npre);
                        pre = nv;
                        cappre *= 2;
                    }
                    pre[npre++] = s->slot;
                }
            } else {
                m.nslot[i][j] = pl_slot(c);
                if (nd->var) sc_push(c, nd->var, m.nslot[i][j], SYM_NODE);
            }
        }
        for (uint32_t j = 0; j < pp->n_rels; j++) {
            cy_rel_pat *rp = &pp->rels[j];
            const sym *s = rp->var ? sc_find(&c->sc, rp->var) : NULL;
            m.rslot[i][j] = pl_slot(c);
            if (s && (uint32_t)s->slot < first_new) {
                /* a relationship bound by an earlier clause: match it again, then require equality */
                cy_expr *eq = pl_mk_bin(c, CXO_EQ, pl_mk_var(c, rp->var, m.rslot[i][j], rp->pos),
                                        pl_mk_var(c, rp->var, s->slot, rp->pos), rp->pos);
                if (!eqs) eqs = qv_arena_alloc(&p->arena, sizeof(conj) * (total_rels + 64));
                eqs[neqs++] = (conj){.e = eq, .kind = K_GENERIC, .slot = -1, .synth = 2};
            } else if (s) {
                m.rslot[i][j] = s->slot;   /* the same relationship twice in one pattern: never matches */
            } else if (rp->var) {
                sc_push(c, rp->var, m.rslot[i][j], SYM_REL);
            }
        }
        m.pslot[i] = -1;
        if (pp->var) {
            m.pslot[i] = pl_slot(c);
            sc_push(c, pp->var, m.pslot[i], SYM_PATH);
        } else if (pp->kind != CY_PATH_PLAIN) {
            m.pslot[i] = pl_slot(c);   /* shortestPath used as a value */
        }
    }
    m.rels_bound = qv_arena_alloc(&p->arena, sizeof(int32_t) * (total_rels + 1));
    /* 2. conjuncts: pattern labels and properties, then WHERE */
    for (uint32_t i = 0; i < np; i++) {
        cy_path_pat *pp = &pat->paths[i];
        for (uint32_t j = 0; j <= pp->n_rels; j++) {
            cy_node_pat *nd = &pp->nodes[j];
            int32_t s = m.nslot[i][j];
            for (uint32_t k = 0; k < nd->n_labels; k++) {
                const char **l = qv_arena_alloc(&p->arena, sizeof(char *));
                l[0] = nd->labels[k];
                add_conj(&m, (conj){.e = pl_mk_labels(c, pl_mk_var(c, nd->var ? nd->var : "", s, nd->pos), l, 1, nd->pos),
                                    .kind = K_LABEL, .slot = s, .label = nd->labels[k], .synth = 2});
            }
            if (nd->props) {
                if (nd->props->kind != CX_MAP)
                    return cy_err(c->err, CYE_SYNTAX, "InvalidParameterUse", (int32_t)nd->props->pos,
                                  "parameter maps cannot be used in MATCH patterns");
                for (uint32_t k = 0; k < nd->props->n_args; k++) {
                    cy_expr *val = nd->props->args[k];
                    cy_expr *e = pl_mk_bin(c, CXO_EQ, pl_mk_prop(c, pl_mk_var(c, "", s, nd->pos), nd->props->keys[k], val->pos),
                                           val, val->pos);
                    add_conj(&m, (conj){.e = e, .kind = K_PROP, .slot = s, .key = nd->props->keys[k], .value = val, .synth = 1});
                }
            }
        }
        for (uint32_t j = 0; j < pp->n_rels; j++) {
            cy_rel_pat *rp = &pp->rels[j];
            if (!rp->props) continue;
            if (rp->varlen) {
                if (pl_expr(c, rp->props)) return -1;
                continue;
            }
            if (rp->props->kind != CX_MAP)
                return cy_err(c->err, CYE_SYNTAX, "InvalidParameterUse", (int32_t)rp->props->pos,
                              "parameter maps cannot be used in MATCH patterns");
            int32_t s = m.rslot[i][j];
            for (uint32_t k = 0; k < rp->props->n_args; k++) {
                cy_expr *val = rp->props->args[k];
                cy_expr *e = pl_mk_bin(c, CXO_EQ, pl_mk_prop(c, pl_mk_var(c, "", s, rp->pos), rp->props->keys[k], val->pos),
                                       val, val->pos);
                bool ext = strcmp(rp->props->keys[k], EXT_ID_KEY) == 0;   /* a relationship ext-id seek candidate */
                add_conj(&m, (conj){.e = e, .kind = ext ? K_PROP : K_GENERIC, .slot = s, .key = ext ? EXT_ID_KEY : NULL,
                                    .value = val, .synth = 1});
            }
        }
    }
    for (uint32_t i = 0; i < neqs; i++) add_conj(&m, eqs[i]);
    if (where) split_and(&m, where);
    /* resolve (variables of the synthesized expressions already carry slots) */
    for (uint32_t i = 0; i < m.ncj; i++) {
        conj *cj = &m.cj[i];
        if (cj->synth == 2) continue;
        if (pl_expr(c, cj->synth == 1 ? cj->value : cj->e)) return -1;
    }
    m.nbits = p->nslots;
    m.isnew = qv_arena_zalloc(&p->arena, m.nbits ? m.nbits : 1);
    m.bound = qv_arena_zalloc(&p->arena, m.nbits ? m.nbits : 1);
    for (uint32_t i = 0; i < np; i++) {
        cy_path_pat *pp = &pat->paths[i];
        for (uint32_t j = 0; j <= pp->n_rels; j++) m.isnew[m.nslot[i][j]] = 1;
        for (uint32_t j = 0; j < pp->n_rels; j++) m.isnew[m.rslot[i][j]] = 1;
        if (m.pslot[i] >= 0) m.isnew[m.pslot[i]] = 1;
    }
    for (uint32_t i = 0; i < npre; i++) { m.isnew[pre[i]] = 0; m.bound[pre[i]] = 1; }
    uint8_t *set = qv_arena_alloc(&p->arena, m.nbits ? m.nbits : 1);
    for (uint32_t i = 0; i < m.ncj; i++) {
        conj *cj = &m.cj[i];
        memset(set, 0, m.nbits ? m.nbits : 1);
        pl_expr_slots(cj->e, set, m.nbits, &cj->opaque);
        uint32_t k = 0;
        for (uint32_t s = 0; s < m.nbits; s++) if (set[s] && m.isnew[s]) k++;
        cj->needs = qv_arena_alloc(&p->arena, sizeof(int32_t) * (k ? k : 1));
        for (uint32_t s = 0; s < m.nbits; s++) if (set[s] && m.isnew[s]) cj->needs[cj->n_needs++] = (int32_t)s;
    }
    /* 3. operators */
    emit_ready(&m, in);
    bool *done = qv_arena_zalloc(&p->arena, np ? np : 1);
    for (uint32_t left = np; left > 0; left--) {
        uint32_t pick = UINT32_MAX;
        for (uint32_t i = 0; i < np && pick == UINT32_MAX; i++) {
            if (done[i]) continue;
            for (uint32_t j = 0; j <= pat->paths[i].n_rels; j++)
                if (is_bound(&m, m.nslot[i][j])) { pick = i; break; }
        }
        if (pick == UINT32_MAX) {
            double best = INFINITY;
            for (uint32_t i = 0; i < np; i++) {
                if (done[i]) continue;
                for (uint32_t j = 0; j <= pat->paths[i].n_rels; j++) {
                    int how;
                    uint32_t a, b;
                    double cost = start_cost(&m, m.nslot[i][j], &how, &a, &b);
                    if (cost < best) { best = cost; pick = i; }
                }
            }
        }
        if (plan_path(&m, in, pick)) return -1;
        done[pick] = true;
    }
    for (uint32_t s = 0; s < m.nbits; s++) if (m.isnew[s]) m.bound[s] = 1;
    emit_ready(&m, in);
    if (out) {
        out->n = m.nslot;
        out->r = m.rslot;
        out->p = m.pslot;
    }
    return 0;
}
