/* ast_debug.c — a compact one-line rendering of an AST, for parser tests and debugging.
 *
 * Owns: cy_ast_debug. Operators render as s-expressions "(op a b)" so precedence is visible; property
 * access, indexing, lists, maps, patterns and clauses render close to Cypher ("n.k", "[1, 2]",
 * "(a:L)-[r:T*1..3]->(b)", "MATCH ... WHERE ...").
 * Must not: be used for anything users see (column names come from the source text, not from here).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/ast.h"
#include "util/buf.h"

static void expr(qv_buf *b, const cy_expr *e);
static void query(qv_buf *b, const cy_ast *q);

static const char *op_name(cy_op op) {
    switch (op) {
    case CXO_OR: return "or";
    case CXO_XOR: return "xor";
    case CXO_AND: return "and";
    case CXO_NOT: return "not";
    case CXO_EQ: return "=";
    case CXO_NEQ: return "<>";
    case CXO_LT: return "<";
    case CXO_GT: return ">";
    case CXO_LE: return "<=";
    case CXO_GE: return ">=";
    case CXO_ADD: return "+";
    case CXO_SUB: return "-";
    case CXO_MUL: return "*";
    case CXO_DIV: return "/";
    case CXO_MOD: return "%";
    case CXO_POW: return "^";
    case CXO_NEG: return "neg";
    case CXO_POS: return "pos";
    case CXO_IN: return "in";
    case CXO_STARTS_WITH: return "starts_with";
    case CXO_ENDS_WITH: return "ends_with";
    case CXO_CONTAINS: return "contains";
    case CXO_REGEX: return "=~";
    case CXO_NONE: break;
    }
    return "?";
}

static void str_lit(qv_buf *b, const char *s, uint32_t n) {
    qv_buf_append_byte(b, '\'');
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'' || c == '\\') { qv_buf_append_byte(b, '\\'); qv_buf_append_byte(b, c); }
        else if (c < 0x20 || c == 0x7F) qv_buf_printf(b, "\\x%02x", c);
        else qv_buf_append_byte(b, c);
    }
    qv_buf_append_byte(b, '\'');
}

static void labels(qv_buf *b, const char *const *l, uint32_t n, char sep) {
    for (uint32_t i = 0; i < n; i++) {
        qv_buf_append_byte(b, i ? (uint8_t)sep : ':');
        qv_buf_append_str(b, l[i]);
    }
}

static void exprs(qv_buf *b, cy_expr *const *v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_str(b, ", ");
        expr(b, v[i]);
    }
}

static void node(qv_buf *b, const cy_node_pat *n) {
    qv_buf_append_byte(b, '(');
    if (n->var) qv_buf_append_str(b, n->var);
    labels(b, n->labels, n->n_labels, ':');
    if (n->props) { qv_buf_append_byte(b, ' '); expr(b, n->props); }
    qv_buf_append_byte(b, ')');
}

static void rel(qv_buf *b, const cy_rel_pat *r) {
    qv_buf_append_str(b, r->dir == CY_DIR_LEFT ? "<-[" : "-[");
    if (r->var) qv_buf_append_str(b, r->var);
    labels(b, r->types, r->n_types, '|');
    if (r->varlen) {
        qv_buf_printf(b, "*%" PRId64 "..", r->min_hops);
        if (r->max_hops >= 0) qv_buf_printf(b, "%" PRId64, r->max_hops);
    }
    if (r->props) { qv_buf_append_byte(b, ' '); expr(b, r->props); }
    qv_buf_append_str(b, r->dir == CY_DIR_RIGHT ? "]->" : "]-");
}

static void path(qv_buf *b, const cy_path_pat *p) {
    if (p->var) qv_buf_printf(b, "%s = ", p->var);
    if (p->kind != CY_PATH_PLAIN) qv_buf_append_str(b, p->kind == CY_PATH_SHORTEST ? "shortestPath(" : "allShortestPaths(");
    node(b, &p->nodes[0]);
    for (uint32_t i = 0; i < p->n_rels; i++) {
        rel(b, &p->rels[i]);
        node(b, &p->nodes[i + 1]);
    }
    if (p->kind != CY_PATH_PLAIN) qv_buf_append_byte(b, ')');
}

static void pattern(qv_buf *b, const cy_pattern *p) {
    for (uint32_t i = 0; i < p->n_paths; i++) {
        if (i) qv_buf_append_str(b, ", ");
        path(b, &p->paths[i]);
    }
}

static void expr(qv_buf *b, const cy_expr *e) {
    if (!e) { qv_buf_append_str(b, "<nil>"); return; }
    switch (e->kind) {
    case CX_NULL: qv_buf_append_str(b, "null"); break;
    case CX_BOOL: qv_buf_append_str(b, e->lit.b ? "true" : "false"); break;
    case CX_INT: qv_buf_printf(b, "%" PRId64, e->lit.i); break;
    case CX_FLOAT: {
        char t[40];
        for (int prec = 15; prec <= 17; prec++) {   /* the shortest form that reads back exactly */
            snprintf(t, sizeof t, "%.*g", prec, e->lit.f);
            if (strtod(t, NULL) == e->lit.f) break;
        }
        if (isfinite(e->lit.f) && !strpbrk(t, ".e")) strcat(t, ".0");
        qv_buf_append_str(b, t);
        break;
    }
    case CX_STRING: str_lit(b, e->lit.s, e->lit.len); break;
    case CX_PARAM: qv_buf_printf(b, "$%s", e->name); break;
    case CX_VAR: qv_buf_append_str(b, e->name); break;
    case CX_PROP: expr(b, e->a); qv_buf_printf(b, ".%s", e->name); break;
    case CX_LIST: qv_buf_append_byte(b, '['); exprs(b, e->args, e->n_args); qv_buf_append_byte(b, ']'); break;
    case CX_MAP:
        qv_buf_append_byte(b, '{');
        for (uint32_t i = 0; i < e->n_args; i++) {
            qv_buf_printf(b, "%s%s: ", i ? ", " : "", e->keys[i]);
            expr(b, e->args[i]);
        }
        qv_buf_append_byte(b, '}');
        break;
    case CX_MAP_PROJECTION:
        expr(b, e->a);
        qv_buf_append_byte(b, '{');
        for (uint32_t i = 0; i < e->n_proj_items; i++) {
            const cy_mapproj_item *it = &e->proj_items[i];
            if (i) qv_buf_append_str(b, ", ");
            if (it->kind == CMP_PROP) qv_buf_printf(b, ".%s", it->key);
            else if (it->kind == CMP_ALL) qv_buf_append_str(b, ".*");
            else if (it->kind == CMP_VAR) qv_buf_append_str(b, it->key);
            else { qv_buf_printf(b, "%s: ", it->key); expr(b, it->expr); }
        }
        qv_buf_append_byte(b, '}');
        break;
    case CX_INDEX: expr(b, e->a); qv_buf_append_byte(b, '['); expr(b, e->b); qv_buf_append_byte(b, ']'); break;
    case CX_SLICE:
        expr(b, e->a);
        qv_buf_append_byte(b, '[');
        if (e->b) expr(b, e->b);
        qv_buf_append_str(b, "..");
        if (e->c) expr(b, e->c);
        qv_buf_append_byte(b, ']');
        break;
    case CX_UNARY: qv_buf_printf(b, "(%s ", op_name(e->op)); expr(b, e->a); qv_buf_append_byte(b, ')'); break;
    case CX_BINARY:
        qv_buf_printf(b, "(%s ", op_name(e->op));
        expr(b, e->a);
        qv_buf_append_byte(b, ' ');
        expr(b, e->b);
        qv_buf_append_byte(b, ')');
        break;
    case CX_IS_NULL: qv_buf_append_str(b, "(is_null "); expr(b, e->a); qv_buf_append_byte(b, ')'); break;
    case CX_IS_NOT_NULL: qv_buf_append_str(b, "(is_not_null "); expr(b, e->a); qv_buf_append_byte(b, ')'); break;
    case CX_HAS_LABELS:
        qv_buf_append_str(b, "(has ");
        expr(b, e->a);
        qv_buf_append_byte(b, ' ');
        labels(b, e->labels, e->n_labels, ':');
        qv_buf_append_byte(b, ')');
        break;
    case CX_CALL:
        qv_buf_printf(b, "%s(", e->name);
        if (e->star) qv_buf_append_byte(b, '*');
        if (e->distinct) qv_buf_append_str(b, "DISTINCT ");
        exprs(b, e->args, e->n_args);
        qv_buf_append_byte(b, ')');
        break;
    case CX_CASE:
        qv_buf_append_str(b, "(case");
        if (e->a) { qv_buf_append_byte(b, ' '); expr(b, e->a); }
        for (uint32_t i = 0; i + 1 < e->n_args; i += 2) {
            qv_buf_append_str(b, " (when ");
            expr(b, e->args[i]);
            qv_buf_append_byte(b, ' ');
            expr(b, e->args[i + 1]);
            qv_buf_append_byte(b, ')');
        }
        if (e->b) { qv_buf_append_str(b, " (else "); expr(b, e->b); qv_buf_append_byte(b, ')'); }
        qv_buf_append_byte(b, ')');
        break;
    case CX_LIST_COMP:
        qv_buf_printf(b, "[%s IN ", e->name);
        expr(b, e->a);
        if (e->b) { qv_buf_append_str(b, " WHERE "); expr(b, e->b); }
        if (e->c) { qv_buf_append_str(b, " | "); expr(b, e->c); }
        qv_buf_append_byte(b, ']');
        break;
    case CX_PATTERN_COMP:
        qv_buf_append_byte(b, '[');
        if (e->name) qv_buf_printf(b, "%s = ", e->name);
        pattern(b, e->pattern);
        if (e->b) { qv_buf_append_str(b, " WHERE "); expr(b, e->b); }
        qv_buf_append_str(b, " | ");
        expr(b, e->c);
        qv_buf_append_byte(b, ']');
        break;
    case CX_QUANT: {
        static const char *const qn[] = {"?", "all", "any", "none", "single"};
        qv_buf_printf(b, "(%s %s IN ", qn[e->quant <= CXQ_SINGLE ? e->quant : 0], e->name);
        expr(b, e->a);
        if (e->b) { qv_buf_append_str(b, " WHERE "); expr(b, e->b); }
        qv_buf_append_byte(b, ')');
        break;
    }
    case CX_REDUCE:
        qv_buf_printf(b, "(reduce %s = ", e->name2);
        expr(b, e->b);
        qv_buf_printf(b, ", %s IN ", e->name);
        expr(b, e->a);
        qv_buf_append_str(b, " | ");
        expr(b, e->c);
        qv_buf_append_byte(b, ')');
        break;
    case CX_PATTERN: pattern(b, e->pattern); break;
    case CX_EXISTS:
        qv_buf_append_str(b, "exists{");
        if (e->subquery) query(b, e->subquery);
        else pattern(b, e->pattern);
        if (e->b) { qv_buf_append_str(b, " WHERE "); expr(b, e->b); }
        qv_buf_append_byte(b, '}');
        break;
    case CX_COUNT_STAR_INTERNAL_UNUSED: qv_buf_append_str(b, "<?>"); break;
    }
}

static void set_items(qv_buf *b, const cy_set_item *v, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        const cy_set_item *s = &v[i];
        if (i) qv_buf_append_str(b, ", ");
        switch (s->kind) {
        case CY_SET_PROP: expr(b, s->target); qv_buf_append_str(b, " = "); expr(b, s->value); break;
        case CY_SET_ALL: qv_buf_printf(b, "%s = ", s->var); expr(b, s->value); break;
        case CY_SET_MERGE: qv_buf_printf(b, "%s += ", s->var); expr(b, s->value); break;
        case CY_SET_LABELS:
        case CY_REMOVE_LABELS: qv_buf_append_str(b, s->var); labels(b, s->labels, s->n_labels, ':'); break;
        case CY_REMOVE_PROP: expr(b, s->target); break;
        }
    }
}

static void projection(qv_buf *b, const cy_projection *p) {
    if (p->distinct) qv_buf_append_str(b, "DISTINCT ");
    if (p->star) qv_buf_append_str(b, p->n_items ? "*, " : "*");
    for (uint32_t i = 0; i < p->n_items; i++) {
        if (i) qv_buf_append_str(b, ", ");
        expr(b, p->items[i].expr);
        if (p->items[i].alias) qv_buf_printf(b, " AS %s", p->items[i].alias);
    }
    for (uint32_t i = 0; i < p->n_order; i++) {
        qv_buf_append_str(b, i ? ", " : " ORDER BY ");
        expr(b, p->order[i].expr);
        if (p->order[i].descending) qv_buf_append_str(b, " DESC");
    }
    if (p->skip) { qv_buf_append_str(b, " SKIP "); expr(b, p->skip); }
    if (p->limit) { qv_buf_append_str(b, " LIMIT "); expr(b, p->limit); }
}

static void clause(qv_buf *b, const cy_clause *c) {
    switch (c->kind) {
    case CC_MATCH:
        qv_buf_append_str(b, c->optional ? "OPTIONAL MATCH " : "MATCH ");
        pattern(b, c->pattern);
        break;
    case CC_UNWIND: qv_buf_append_str(b, "UNWIND "); expr(b, c->expr); qv_buf_printf(b, " AS %s", c->var); break;
    case CC_WITH: qv_buf_append_str(b, "WITH "); projection(b, &c->proj); break;
    case CC_RETURN: qv_buf_append_str(b, "RETURN "); projection(b, &c->proj); break;
    case CC_CREATE: qv_buf_append_str(b, "CREATE "); pattern(b, c->pattern); break;
    case CC_MERGE:
        qv_buf_append_str(b, "MERGE ");
        pattern(b, c->pattern);
        if (c->n_on_create) { qv_buf_append_str(b, " ON CREATE SET "); set_items(b, c->on_create, c->n_on_create); }
        if (c->n_on_match) { qv_buf_append_str(b, " ON MATCH SET "); set_items(b, c->on_match, c->n_on_match); }
        break;
    case CC_SET: qv_buf_append_str(b, "SET "); set_items(b, c->items, c->n_items); break;
    case CC_REMOVE: qv_buf_append_str(b, "REMOVE "); set_items(b, c->items, c->n_items); break;
    case CC_DELETE:
        qv_buf_append_str(b, c->detach ? "DETACH DELETE " : "DELETE ");
        exprs(b, c->exprs, c->n_exprs);
        break;
    case CC_CALL:
        qv_buf_printf(b, "CALL %s", c->proc_name);
        if (c->has_arg_list) { qv_buf_append_byte(b, '('); exprs(b, c->args, c->n_args); qv_buf_append_byte(b, ')'); }
        if (c->yield_star) qv_buf_append_str(b, " YIELD *");
        for (uint32_t i = 0; i < c->n_yields; i++) {
            qv_buf_append_str(b, i ? ", " : " YIELD ");
            qv_buf_append_str(b, c->yields[i].name);
            if (c->yields[i].alias) qv_buf_printf(b, " AS %s", c->yields[i].alias);
        }
        break;
    case CC_FOREACH:
        qv_buf_printf(b, "FOREACH (%s IN ", c->var);
        expr(b, c->expr);
        qv_buf_append_str(b, " |");
        for (uint32_t i = 0; i < c->n_body; i++) { qv_buf_append_byte(b, ' '); clause(b, c->body[i]); }
        qv_buf_append_byte(b, ')');
        break;
    }
    if (c->where) { qv_buf_append_str(b, " WHERE "); expr(b, c->where); }
}

static void schema_keys(qv_buf *b, const cy_ast *q) {
    for (uint32_t i = 0; i < q->n_schema_keys; i++)
        qv_buf_printf(b, "%s%s.%s", i ? ", " : "", q->schema_var ? q->schema_var : "", q->schema_keys[i]);
}

static void schema_head(qv_buf *b, const cy_ast *q, const char *what) {
    qv_buf_printf(b, "CREATE %s", what);
    if (q->schema_name) qv_buf_printf(b, " %s", q->schema_name);
    if (q->if_not_exists) qv_buf_append_str(b, " IF NOT EXISTS");
    if (q->schema_rel) qv_buf_printf(b, " FOR ()-[%s:%s]-()", q->schema_var, q->schema_token);
    else qv_buf_printf(b, " FOR (%s:%s)", q->schema_var ? q->schema_var : "", q->schema_token);
}

static void query(qv_buf *b, const cy_ast *q) {
    switch (q->kind) {
    case CY_STMT_QUERY:
        for (uint32_t i = 0; i < q->n_parts; i++) {
            if (i) qv_buf_append_str(b, q->union_all[i - 1] ? " UNION ALL " : " UNION ");
            for (uint32_t k = 0; k < q->parts[i].n_clauses; k++) {
                if (k) qv_buf_append_byte(b, ' ');
                clause(b, q->parts[i].clauses[k]);
            }
        }
        break;
    case CY_STMT_CREATE_INDEX:
        schema_head(b, q, "INDEX");
        qv_buf_append_str(b, " ON (");
        schema_keys(b, q);
        qv_buf_append_byte(b, ')');
        break;
    case CY_STMT_CREATE_CONSTRAINT:
        schema_head(b, q, "CONSTRAINT");
        qv_buf_append_str(b, " REQUIRE (");
        schema_keys(b, q);
        qv_buf_append_str(b, ") IS UNIQUE");
        break;
    case CY_STMT_DROP_INDEX:
    case CY_STMT_DROP_CONSTRAINT:
        qv_buf_printf(b, "DROP %s %s%s", q->kind == CY_STMT_DROP_INDEX ? "INDEX" : "CONSTRAINT", q->schema_name,
                      q->if_exists ? " IF EXISTS" : "");
        break;
    case CY_STMT_SHOW_INDEXES: qv_buf_append_str(b, "SHOW INDEXES"); break;
    case CY_STMT_SHOW_CONSTRAINTS: qv_buf_append_str(b, "SHOW CONSTRAINTS"); break;
    }
}

const char *cy_ast_debug(qv_arena *a, const cy_ast *q) {
    qv_buf b;
    qv_buf_init(&b);
    if (q) query(&b, q);
    else qv_buf_append_str(&b, "<nil>");
    char *s = qv_arena_strndup(a, b.data ? (const char *)b.data : "", b.len);
    qv_buf_free(&b);
    return s;
}
