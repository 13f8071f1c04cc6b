/* cypher_gen.h — a grammar-driven openCypher query generator steered by fuzzer bytes.
 *
 * Owns: cygen_query, which turns bytes into one query over the fixture graph of fuzz_cypher_exec.c
 * (labels A/B/C, types R/S, keys name/num/f/l/s/t/d/dt/dur/w, parameters $i $s $l $f $n $id): MATCH and
 * OPTIONAL MATCH patterns (variable length, named paths, `~id`), WHERE, WITH, UNWIND, aggregation,
 * ORDER BY / SKIP / LIMIT, CREATE / MERGE (ON CREATE / ON MATCH) / SET / DELETE / DETACH DELETE / REMOVE,
 * UNION, CALL of the built-in procedures, and expressions: literals at the edges of their ranges, lists,
 * maps, CASE, list and pattern comprehensions, quantifiers, EXISTS, every function of the registry with a
 * fitting argument count, temporal constructors. It tracks which variables are in scope and their kinds, so
 * most queries pass semantic analysis and reach the operators; the rest exercise the error paths.
 * Every choice reads one byte; when the bytes run out every choice is 0, which always terminates (depth
 * and counts are bounded).
 * Must not: keep state between calls (header-only for the single-file fuzz target).
 */
#ifndef QV_TESTS_CYPHER_GEN_H
#define QV_TESTS_CYPHER_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cypher/func.h"
#include "util/buf.h"

#define CYGEN_MAX_VARS 16
#define CYGEN_MAX_DEPTH 5

typedef enum { GV_NODE, GV_REL, GV_PATH, GV_VALUE, GV_LIST } cygen_kind;

typedef struct cygen_var {
    char name[12];
    cygen_kind kind;
} cygen_var;

typedef struct cygen {
    const uint8_t *d;
    size_t n, i;
    qv_buf *out;
    int depth;
    int next_name;
    cygen_var vars[CYGEN_MAX_VARS];
    int nvars;
    bool agg_ok;          /* aggregates allowed here (RETURN / WITH items) */
} cygen;

static inline unsigned cg_byte(cygen *g) { return g->i < g->n ? g->d[g->i++] : 0; }
static inline unsigned cg_pick(cygen *g, unsigned n) { return n ? cg_byte(g) % n : 0; }
static inline void cg_s(cygen *g, const char *s) { qv_buf_append_str(g->out, s); }

static inline const char *cg_var_new(cygen *g, cygen_kind k) {
    if (g->nvars == CYGEN_MAX_VARS) g->nvars--;   /* forget the newest: it stays bound, just unused */
    snprintf(g->vars[g->nvars].name, sizeof g->vars[0].name, "v%d", g->next_name++);
    g->vars[g->nvars].kind = k;
    return g->vars[g->nvars++].name;
}

/* A variable of kind k in scope, or NULL. */
static inline const char *cg_var_of(cygen *g, cygen_kind k) {
    int c[CYGEN_MAX_VARS], nc = 0;
    for (int i = 0; i < g->nvars; i++)
        if (g->vars[i].kind == k) c[nc++] = i;
    return nc ? g->vars[c[cg_pick(g, (unsigned)nc)]].name : NULL;
}

static const char *const cg_labels[] = {"A", "B", "C", "D"};
static const char *const cg_types[] = {"R", "S", "T"};
static const char *const cg_keys[] = {"name", "num", "f", "l", "s", "t", "d", "dt", "dur", "w", "x", "`~id`"};
static const char *const cg_ints[] = {"0", "1", "-1", "2", "3", "10", "9223372036854775807",
                                      "-9223372036854775808", "4294967296", "0x7f", "0o17", "1000"};
static const char *const cg_floats[] = {"0.0", "1.5", "-2.5e3", "1e308", "1.0e-320", "0.1", "-0.0", "3.14"};
static const char *const cg_strs[] = {"''", "'a'", "'alpha'", "'e1'", "'\\u00e9t\\u00e9'", "'2015-07-21'",
                                      "'P1Y2M'", "'12:30:00+01:00'", "'true'", "'42'", "'1.5e3'", "' pad '"};
static const char *const cg_temporal[] = {
    "date('2020-02-29')", "date({year: 1984, week: 10, dayOfWeek: 3})", "localtime('12:31:14.645876123')",
    "time('21:40:32.142+0100')", "localdatetime('2015W30-2T214032.142')",
    "datetime('2015-07-21T21:40:32.142[Europe/London]')", "datetime({epochSeconds: 1000})",
    "duration('P1Y2M10DT12H45M30.25S')", "duration({days: 1.5, hours: -2})", "date.truncate('month', date())",
    "datetime.fromepochmillis(1)", "duration.between(date('2000-01-01'), date('2020-02-29'))",
    "date({year: 999999999, month: 12, day: 31})", "localtime.statement()", "time.realtime('+05:00')"};
static const char *const cg_aggs[] = {"count", "sum", "avg", "min", "max", "collect", "stDev", "stDevP",
                                      "percentileCont", "percentileDisc"};

static void cg_expr(cygen *g);
static void cg_pred(cygen *g);

static inline void cg_literal(cygen *g) {
    switch (cg_pick(g, 7)) {
    case 0: cg_s(g, cg_ints[cg_pick(g, sizeof cg_ints / sizeof *cg_ints)]); break;
    case 1: cg_s(g, cg_floats[cg_pick(g, sizeof cg_floats / sizeof *cg_floats)]); break;
    case 2: cg_s(g, cg_strs[cg_pick(g, sizeof cg_strs / sizeof *cg_strs)]); break;
    case 3: cg_s(g, cg_pick(g, 2) ? "true" : "false"); break;
    case 4: cg_s(g, "null"); break;
    case 5: cg_s(g, cg_temporal[cg_pick(g, sizeof cg_temporal / sizeof *cg_temporal)]); break;
    default: {
        static const char *const params[] = {"$i", "$s", "$l", "$f", "$n", "$id", "$missing"};
        cg_s(g, params[cg_pick(g, 7)]);
    }
    }
}

static inline void cg_list(cygen *g) {
    unsigned n = cg_pick(g, 4);
    if (g->depth < CYGEN_MAX_DEPTH && cg_pick(g, 3) == 0) {
        cg_s(g, cg_pick(g, 2) ? "range(" : "range(-");
        cg_expr(g);
        cg_s(g, ", ");
        cg_expr(g);
        if (cg_pick(g, 2)) {
            cg_s(g, ", ");
            cg_expr(g);
        }
        cg_s(g, ")");
        return;
    }
    cg_s(g, "[");
    for (unsigned i = 0; i < n; i++) {
        if (i) cg_s(g, ", ");
        cg_expr(g);
    }
    cg_s(g, "]");
}

static inline void cg_map(cygen *g) {
    unsigned n = cg_pick(g, 4);
    cg_s(g, "{");
    for (unsigned i = 0; i < n; i++) {
        if (i) cg_s(g, ", ");
        cg_s(g, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
        cg_s(g, ": ");
        cg_expr(g);
    }
    cg_s(g, "}");
}

/* A call of a registry function (core or temporal) with a count of arguments it accepts (or one more). */
static inline void cg_call(cygen *g) {
    size_t total = cy_fns_core_n + cy_fns_temporal_n;
    size_t k = ((size_t)cg_byte(g) << 8 | cg_byte(g)) % total;
    const cy_fn *f = k < cy_fns_core_n ? &cy_fns_core[k] : &cy_fns_temporal[k - cy_fns_core_n];
    int lo = f->min_args, hi = f->max_args < 0 ? lo + 3 : f->max_args;
    int n = lo + (int)cg_pick(g, (unsigned)(hi - lo + 2));   /* sometimes one too many */
    cg_s(g, f->name);
    cg_s(g, "(");
    for (int i = 0; i < n; i++) {
        if (i) cg_s(g, ", ");
        cg_expr(g);
    }
    cg_s(g, ")");
}

static inline void cg_pattern_node(cygen *g, bool bind_new, bool may_reuse);
static inline void cg_rel(cygen *g, bool bind_new, bool varlen_ok);

/* A relationship pattern chain starting at a node, for predicates and comprehensions (binds nothing). */
static inline void cg_chain(cygen *g) {
    cg_pattern_node(g, false, true);
    unsigned hops = 1 + cg_pick(g, 2);
    for (unsigned h = 0; h < hops; h++) {
        cg_rel(g, false, true);
        cg_pattern_node(g, false, true);
    }
}

static void cg_expr(cygen *g) {
    if (g->depth >= CYGEN_MAX_DEPTH || (g->depth >= 2 && cg_pick(g, 3) != 0)) {
        const char *v = NULL;
        unsigned k = cg_pick(g, 4);
        if (k == 1) v = cg_var_of(g, GV_VALUE);
        if (k >= 2 && (v = cg_var_of(g, GV_NODE))) {
            qv_buf_printf(g->out, "%s.%s", v, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
            return;
        }
        if (v) cg_s(g, v);
        else cg_literal(g);
        return;
    }
    g->depth++;
    unsigned c = cg_pick(g, 24);
    const char *v;
    switch (c) {
    case 0: case 1: cg_literal(g); break;
    case 2:
        if ((v = cg_var_of(g, GV_VALUE)) || (v = cg_var_of(g, GV_LIST))) cg_s(g, v);
        else cg_literal(g);
        break;
    case 3: case 4:   /* property of an entity */
        if ((v = cg_var_of(g, cg_pick(g, 3) ? GV_NODE : GV_REL))) {
            cg_s(g, v);
            cg_s(g, ".");
            cg_s(g, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
        } else {
            cg_map(g);
            cg_s(g, ".num");
        }
        break;
    case 5: {
        static const char *const ops[] = {" + ", " - ", " * ", " / ", " % ", " ^ ", " = ", " <> ", " < ",
                                          " >= ", " AND ", " OR ", " XOR ", " IN ", " STARTS WITH ",
                                          " ENDS WITH ", " CONTAINS ", " =~ "};
        cg_s(g, "(");
        cg_expr(g);
        cg_s(g, ops[cg_pick(g, sizeof ops / sizeof *ops)]);
        cg_expr(g);
        cg_s(g, ")");
        break;
    }
    case 6:
        cg_s(g, cg_pick(g, 2) ? "NOT (" : "-(");
        cg_expr(g);
        cg_s(g, ")");
        break;
    case 7:
        cg_s(g, "(");
        cg_expr(g);
        cg_s(g, cg_pick(g, 2) ? " IS NULL)" : " IS NOT NULL)");
        break;
    case 8: cg_list(g); break;
    case 9: cg_map(g); break;
    case 10: {   /* CASE, simple or generic */
        bool simple = cg_pick(g, 2);
        cg_s(g, "CASE ");
        if (simple) cg_expr(g);
        unsigned n = 1 + cg_pick(g, 3);
        for (unsigned i = 0; i < n; i++) {
            cg_s(g, " WHEN ");
            cg_expr(g);
            cg_s(g, " THEN ");
            cg_expr(g);
        }
        if (cg_pick(g, 2)) {
            cg_s(g, " ELSE ");
            cg_expr(g);
        }
        cg_s(g, " END");
        break;
    }
    case 11: case 12: {   /* list comprehension or quantifier over a list; the variable is local */
        bool quant = c == 12;
        static const char *const qs[] = {"all", "any", "none", "single"};
        const char *x = cg_var_new(g, GV_VALUE);
        char name[12];
        memcpy(name, x, sizeof name);
        if (quant) cg_s(g, qs[cg_pick(g, 4)]);
        cg_s(g, quant ? "(" : "[");
        cg_s(g, name);
        cg_s(g, " IN ");
        g->nvars--;   /* the list does not see the variable */
        cg_list(g);
        g->nvars++;
        if (quant || cg_pick(g, 2)) {
            cg_s(g, " WHERE ");
            cg_expr(g);
        }
        if (!quant && cg_pick(g, 2)) {
            cg_s(g, " | ");
            cg_expr(g);
        }
        g->nvars--;
        cg_s(g, quant ? ")" : "]");
        break;
    }
    case 13: case 14: cg_call(g); break;
    case 15:   /* subscript or slice */
        cg_list(g);
        cg_s(g, "[");
        if (cg_pick(g, 2)) {
            cg_expr(g);
        } else {
            cg_expr(g);
            cg_s(g, "..");
            cg_expr(g);
        }
        cg_s(g, "]");
        break;
    case 16:   /* pattern predicate or EXISTS subquery */
        if (cg_var_of(g, GV_NODE)) {
            if (cg_pick(g, 2)) {
                cg_s(g, "exists(");
                cg_chain(g);
                cg_s(g, ")");
            } else {
                cg_s(g, "EXISTS { MATCH ");
                cg_chain(g);
                if (cg_pick(g, 2)) {
                    cg_s(g, " WHERE ");
                    cg_expr(g);
                }
                cg_s(g, " }");
            }
        } else {
            cg_literal(g);
        }
        break;
    case 17:   /* pattern comprehension */
        cg_s(g, "[");
        if (cg_pick(g, 2)) cg_s(g, "p = ");
        cg_chain(g);
        if (cg_pick(g, 2)) {
            cg_s(g, " WHERE ");
            cg_expr(g);
        }
        cg_s(g, " | ");
        cg_expr(g);
        cg_s(g, "]");
        break;
    case 18:   /* entity functions and map projections */
        if ((v = cg_var_of(g, GV_NODE))) {
            static const char *const fs[] = {"labels(%s)", "id(%s)", "properties(%s)", "keys(%s)",
                                             "%s{.name, .num, z: 1}", "%s{.*}", "%s:A", "%s:B:C"};
            qv_buf_printf(g->out, fs[cg_pick(g, 8)], v);
        } else if ((v = cg_var_of(g, GV_REL))) {
            static const char *const fs[] = {"type(%s)", "startNode(%s)", "endNode(%s)", "properties(%s)",
                                             "%s{.w}"};
            qv_buf_printf(g->out, fs[cg_pick(g, 5)], v);
        } else if ((v = cg_var_of(g, GV_PATH))) {
            static const char *const fs[] = {"nodes(%s)", "relationships(%s)", "length(%s)", "%s"};
            qv_buf_printf(g->out, fs[cg_pick(g, 4)], v);
        } else {
            cg_literal(g);
        }
        break;
    case 19:   /* an aggregate, where allowed */
        if (g->agg_ok) {
            unsigned k = cg_pick(g, sizeof cg_aggs / sizeof *cg_aggs);
            g->agg_ok = false;
            if (k == 0 && cg_pick(g, 2)) {
                cg_s(g, "count(*)");
            } else {
                cg_s(g, cg_aggs[k]);
                cg_s(g, cg_pick(g, 4) ? "(" : "(DISTINCT ");
                cg_expr(g);
                if (k >= 8) {
                    cg_s(g, ", ");
                    cg_s(g, cg_floats[cg_pick(g, sizeof cg_floats / sizeof *cg_floats)]);
                }
                cg_s(g, ")");
            }
            g->agg_ok = true;
        } else {
            cg_literal(g);
        }
        break;
    case 20:
        if ((v = cg_var_of(g, GV_NODE)) || (v = cg_var_of(g, GV_REL)) || (v = cg_var_of(g, GV_PATH)) ||
            (v = cg_var_of(g, GV_LIST)))
            cg_s(g, v);
        else
            cg_literal(g);
        break;
    default: cg_literal(g); break;
    }
    g->depth--;
}

/* A predicate: mostly comparisons of properties with literals (so rows get through to later clauses), sometimes
 * boolean combinations, pattern predicates or any expression. */
static void cg_pred(cygen *g) {
    static const char *const cmps[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
    const char *v;
    switch (cg_pick(g, 6)) {
    case 0: case 1:
        if ((v = cg_var_of(g, cg_pick(g, 4) ? GV_NODE : GV_REL)))
            qv_buf_printf(g->out, "%s.%s", v, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
        else
            cg_expr(g);
        cg_s(g, cmps[cg_pick(g, 6)]);
        cg_literal(g);
        break;
    case 2:
        if (g->depth < CYGEN_MAX_DEPTH) {
            g->depth++;
            cg_s(g, "(");
            cg_pred(g);
            cg_s(g, cg_pick(g, 2) ? " AND " : cg_pick(g, 2) ? " OR " : " XOR ");
            cg_pred(g);
            cg_s(g, ")");
            g->depth--;
            break;
        }
        /* fall through */
    case 3:
        if ((v = cg_var_of(g, GV_NODE))) {
            qv_buf_printf(g->out, cg_pick(g, 2) ? "%s:%s" : "NOT %s:%s", v,
                          cg_labels[cg_pick(g, sizeof cg_labels / sizeof *cg_labels)]);
            break;
        }
        /* fall through */
    default: cg_expr(g); break;
    }
}

/* (v:L {k: e}): bind_new binds a fresh node variable; may_reuse may name a bound node instead. */
static inline void cg_pattern_node(cygen *g, bool bind_new, bool may_reuse) {
    const char *v = NULL;
    if (may_reuse && cg_pick(g, 3) == 0) v = cg_var_of(g, GV_NODE);
    cg_s(g, "(");
    if (v) {
        cg_s(g, v);
    } else {
        if (bind_new && cg_pick(g, 4)) cg_s(g, cg_var_new(g, GV_NODE));
        unsigned nl = cg_pick(g, 4) == 0 ? 2 : cg_pick(g, 2);
        for (unsigned i = 0; i < nl; i++) {
            cg_s(g, ":");
            cg_s(g, cg_labels[cg_pick(g, sizeof cg_labels / sizeof *cg_labels)]);
        }
        if (cg_pick(g, 4) == 0) {
            cg_s(g, " ");
            cg_map(g);
        }
    }
    cg_s(g, ")");
}

static inline void cg_rel(cygen *g, bool bind_new, bool varlen_ok) {
    unsigned dir = cg_pick(g, 3);
    cg_s(g, dir == 1 ? "<-[" : "-[");
    if (bind_new && cg_pick(g, 3)) cg_s(g, cg_var_new(g, GV_REL));
    unsigned nt = cg_pick(g, 3);
    for (unsigned i = 0; i < nt; i++) {
        cg_s(g, i ? "|" : ":");
        cg_s(g, cg_types[cg_pick(g, sizeof cg_types / sizeof *cg_types)]);
    }
    if (varlen_ok && cg_pick(g, 4) == 0) {
        static const char *const ranges[] = {"*", "*1..2", "*0..3", "*2", "*..3", "*3..1"};
        cg_s(g, ranges[cg_pick(g, 6)]);
    } else if (cg_pick(g, 5) == 0) {
        cg_s(g, " ");
        cg_map(g);
    }
    cg_s(g, dir == 0 ? "]->" : "]-");
}

/* A MATCH / CREATE / MERGE pattern that binds new variables. create: one type, a direction, no varlen. */
static inline void cg_pattern(cygen *g, bool create) {
    unsigned parts = 1 + (cg_pick(g, 4) == 0);
    for (unsigned p = 0; p < parts; p++) {
        if (p) cg_s(g, ", ");
        if (!create && cg_pick(g, 5) == 0) {
            cg_s(g, cg_var_new(g, GV_PATH));
            cg_s(g, " = ");
        }
        cg_pattern_node(g, true, true);
        unsigned hops = cg_pick(g, 3);
        for (unsigned h = 0; h < hops; h++) {
            if (create) {
                bool in = cg_pick(g, 2);
                cg_s(g, in ? "<-[" : "-[");
                if (cg_pick(g, 2)) cg_s(g, cg_var_new(g, GV_REL));
                cg_s(g, ":");
                cg_s(g, cg_types[cg_pick(g, sizeof cg_types / sizeof *cg_types)]);
                if (cg_pick(g, 2)) {
                    cg_s(g, " ");
                    cg_map(g);
                }
                cg_s(g, in ? "]-" : "]->");
            } else {
                cg_rel(g, true, true);
            }
            cg_pattern_node(g, true, true);
        }
    }
}

static inline void cg_set_item(cygen *g) {
    const char *v = cg_var_of(g, cg_pick(g, 4) ? GV_NODE : GV_REL);
    if (!v) v = cg_var_of(g, GV_NODE);
    if (!v) {   /* scope was replaced by a WITH: update a fresh node instead */
        cg_s(g, "x.num = 1");
        return;
    }
    switch (cg_pick(g, 5)) {
    case 0: case 1:
        qv_buf_printf(g->out, "%s.%s = ", v, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
        cg_expr(g);
        break;
    case 2: qv_buf_printf(g->out, "%s:%s", v, cg_labels[cg_pick(g, sizeof cg_labels / sizeof *cg_labels)]); break;
    case 3: qv_buf_printf(g->out, "%s += ", v); cg_map(g); break;
    default: qv_buf_printf(g->out, "%s = ", v); cg_map(g); break;
    }
}

/* Projection items of WITH / RETURN; rebinds the scope to what is projected. */
static inline void cg_projection(cygen *g, bool is_with) {
    if (cg_pick(g, 6) == 0) cg_s(g, "DISTINCT ");
    if (g->nvars && cg_pick(g, 5) == 0) {
        cg_s(g, "*");
    } else {
        cygen_var keep[CYGEN_MAX_VARS];
        int nkeep = 0;
        unsigned n = 1 + cg_pick(g, 3);
        for (unsigned i = 0; i < n; i++) {
            if (i) cg_s(g, ", ");
            int vi = g->nvars ? (int)cg_pick(g, (unsigned)g->nvars) : -1;
            if (vi >= 0 && cg_pick(g, 2)) {   /* pass a variable through */
                bool dup = false;
                for (int k = 0; k < nkeep; k++) dup |= strcmp(keep[k].name, g->vars[vi].name) == 0;
                cg_s(g, g->vars[vi].name);
                if (!dup) keep[nkeep++] = g->vars[vi];
                else qv_buf_printf(g->out, " AS v%d", g->next_name++);
            } else {
                g->agg_ok = true;
                cg_expr(g);
                g->agg_ok = false;
                qv_buf_printf(g->out, " AS v%d", g->next_name);
                if (nkeep < CYGEN_MAX_VARS) {
                    snprintf(keep[nkeep].name, sizeof keep[0].name, "v%d", g->next_name);
                    keep[nkeep++].kind = GV_VALUE;
                }
                g->next_name++;
            }
        }
        memcpy(g->vars, keep, sizeof keep[0] * (size_t)nkeep);
        g->nvars = nkeep;
    }
    if (cg_pick(g, 3) == 0) {
        cg_s(g, " ORDER BY ");
        unsigned n = 1 + cg_pick(g, 2);
        for (unsigned i = 0; i < n; i++) {
            if (i) cg_s(g, ", ");
            cg_expr(g);
            if (cg_pick(g, 2)) cg_s(g, " DESC");
        }
    }
    if (cg_pick(g, 4) == 0) {
        cg_s(g, " SKIP ");
        cg_s(g, cg_ints[cg_pick(g, 6)]);
    }
    if (cg_pick(g, 4) == 0) {
        cg_s(g, " LIMIT ");
        cg_s(g, cg_pick(g, 3) ? cg_ints[cg_pick(g, 6)] : "$i");
    }
    if (is_with && cg_pick(g, 3) == 0) {
        cg_s(g, " WHERE ");
        cg_pred(g);
    }
}

static inline void cg_clause(cygen *g) {
    const char *v;
    unsigned c = cg_pick(g, 14);
    if (c >= 8 && c <= 11 && !cg_var_of(g, GV_NODE)) {   /* updates need something to update */
        cg_s(g, "MATCH (");
        cg_s(g, cg_var_new(g, GV_NODE));
        cg_s(g, cg_pick(g, 2) ? ")-[" : ") OPTIONAL MATCH (");
        if (g->out->data[g->out->len - 1] == '[') {
            cg_s(g, cg_var_new(g, GV_REL));
            cg_s(g, "]->() ");
        } else {
            cg_s(g, g->vars[g->nvars - 1].name);
            cg_s(g, ")-[");
            cg_s(g, cg_var_new(g, GV_REL));
            cg_s(g, "]-() ");
        }
    }
    switch (c) {
    case 0: case 1: case 2:
        cg_s(g, cg_pick(g, 4) ? "MATCH " : "OPTIONAL MATCH ");
        cg_pattern(g, false);
        if (cg_pick(g, 2)) {
            cg_s(g, " WHERE ");
            cg_pred(g);
        }
        break;
    case 3:
        cg_s(g, "UNWIND ");
        if (cg_pick(g, 2) && (v = cg_var_of(g, GV_LIST))) cg_s(g, v);
        else cg_list(g);
        cg_s(g, " AS ");
        cg_s(g, cg_var_new(g, GV_VALUE));
        break;
    case 4: case 5:
        cg_s(g, "WITH ");
        cg_projection(g, true);
        break;
    case 6:
        cg_s(g, "CREATE ");
        cg_pattern(g, true);
        break;
    case 7:
        cg_s(g, "MERGE ");
        cg_pattern(g, true);
        if (cg_pick(g, 2)) {
            cg_s(g, cg_pick(g, 2) ? " ON CREATE SET " : " ON MATCH SET ");
            cg_set_item(g);
        }
        break;
    case 8: case 9:
        cg_s(g, "SET ");
        cg_set_item(g);
        if (cg_pick(g, 2)) {
            cg_s(g, ", ");
            cg_set_item(g);
        }
        break;
    case 10:
        if ((v = cg_var_of(g, GV_NODE)) && cg_pick(g, 2))
            qv_buf_printf(g->out, "REMOVE %s:%s", v, cg_labels[cg_pick(g, sizeof cg_labels / sizeof *cg_labels)]);
        else if ((v = cg_var_of(g, cg_pick(g, 2) ? GV_NODE : GV_REL)))
            qv_buf_printf(g->out, "REMOVE %s.%s", v, cg_keys[cg_pick(g, sizeof cg_keys / sizeof *cg_keys)]);
        else
            cg_s(g, "WITH 1 AS one");
        break;
    case 11:
        if ((v = cg_var_of(g, cg_pick(g, 2) ? GV_NODE : GV_REL)) || (v = cg_var_of(g, GV_PATH)))
            qv_buf_printf(g->out, "%sDELETE %s", cg_pick(g, 2) ? "DETACH " : "", v);
        else
            cg_s(g, "MATCH (x) WHERE x.num > 100 DETACH DELETE x");
        break;
    case 12: {
        static const char *const calls[] = {"CALL db.labels() YIELD label AS ",
                                            "CALL db.relationshipTypes() YIELD relationshipType AS ",
                                            "CALL db.propertyKeys() YIELD propertyKey AS "};
        cg_s(g, calls[cg_pick(g, 3)]);
        cg_s(g, cg_var_new(g, GV_VALUE));
        break;
    }
    default:
        cg_s(g, "MATCH ");
        cg_pattern(g, false);
        break;
    }
}

/* One single query: clauses, then RETURN (or none after an updating clause). In a UNION every part
 * returns one column named u. */
static inline void cg_single(cygen *g, bool union_part) {
    unsigned n = 1 + cg_pick(g, 4);
    for (unsigned i = 0; i < n; i++) {
        cg_clause(g);
        cg_s(g, " ");
    }
    if (union_part) {
        cg_s(g, "RETURN ");
        cg_expr(g);
        cg_s(g, " AS u");
    } else if (cg_pick(g, 6)) {
        cg_s(g, "RETURN ");
        cg_projection(g, false);
    }
}

/* Appends a query generated from data to out. */
static inline void cygen_query(qv_buf *out, const uint8_t *data, size_t n) {
    cygen g;
    memset(&g, 0, sizeof g);
    g.d = data;
    g.n = n;
    g.out = out;
    bool un = cg_pick(&g, 8) == 0;
    cg_single(&g, un);
    if (un) {
        cg_s(&g, cg_pick(&g, 2) ? " UNION " : " UNION ALL ");
        g.nvars = 0;
        cg_single(&g, true);
    }
}

#endif
