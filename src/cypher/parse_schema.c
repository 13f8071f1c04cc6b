/* parse_schema.c — Neo4j 5 schema statements.
 *
 * Owns: CREATE INDEX [name] [IF NOT EXISTS] FOR (n:L) ON (n.p[, n.q]) and the relationship form
 * FOR ()-[r:T]-() ON (r.p); CREATE CONSTRAINT [name] [IF NOT EXISTS] FOR (n:L) REQUIRE n.p IS UNIQUE (or
 * REQUIRE (n.p, n.q) IS UNIQUE); the Neo4j 4 spellings CREATE INDEX ON :L(p) and
 * CREATE CONSTRAINT ON (n:L) ASSERT n.p IS UNIQUE; DROP INDEX|CONSTRAINT name [IF EXISTS];
 * SHOW INDEXES / SHOW CONSTRAINTS.
 * Must not: touch the catalog (the engine runs these statements).
 */
#include "cypher/parse_int.h"

#include <string.h>

bool cyp_at_schema(const cy_parser *p) {
    if (cyp_kw(p, 0, "CREATE") || cyp_kw(p, 0, "DROP"))
        return cyp_kw(p, 1, "INDEX") || cyp_kw(p, 1, "CONSTRAINT");
    return cyp_kw(p, 0, "SHOW");
}

static bool push_key(cy_parser *p, cy_ast *q, uint32_t *cap, const char *k) {
    cyp_push(p, &q->schema_keys, &q->n_schema_keys, cap, &k, sizeof k);
    return true;
}

/* var.key — the variable must be the one of the FOR pattern. */
static bool var_key(cy_parser *p, cy_ast *q, uint32_t *cap) {
    uint32_t pos = cyp_pos(p);
    const char *v = cyp_var(p, "a variable");
    if (!v || !cyp_expect(p, CT_DOT, "'.'")) return false;
    const char *k = cyp_name(p, "a property key name");
    if (!k) return false;
    if (strcmp(v, q->schema_var) != 0) {
        cyp_fail_at(p, pos, "UndefinedVariable", "Variable `%s` not defined: the property must be on `%s`", v,
                    q->schema_var);
        return false;
    }
    return push_key(p, q, cap, k);
}

/* FOR (n:L) or FOR ()-[r:T]-() (any arrow direction) */
static bool for_pattern(cy_parser *p, cy_ast *q, bool allow_rel) {
    if (!cyp_expect(p, CT_LPAREN, "'('")) return false;
    if (allow_rel && cyp_is(p, 0, CT_RPAREN)) {
        cyp_next(p);
        q->schema_rel = true;
        cyp_accept(p, CT_LT);
        if (!cyp_expect(p, CT_MINUS, "'-'") || !cyp_expect(p, CT_LBRACK, "'['") ||
            !(q->schema_var = cyp_var(p, "a variable")) || !cyp_expect(p, CT_COLON, "':'") ||
            !(q->schema_token = cyp_name(p, "a relationship type")) || !cyp_expect(p, CT_RBRACK, "']'") ||
            !cyp_expect(p, CT_MINUS, "'-'"))
            return false;
        cyp_accept(p, CT_GT);
        return cyp_expect(p, CT_LPAREN, "'('") && cyp_expect(p, CT_RPAREN, "')'");
    }
    return (q->schema_var = cyp_var(p, "a variable")) && cyp_expect(p, CT_COLON, "':'") &&
           (q->schema_token = cyp_name(p, "a label")) && cyp_expect(p, CT_RPAREN, "')'");
}

/* [name] [IF NOT EXISTS] */
static bool name_and_if(cy_parser *p, cy_ast *q) {
    bool if_next = cyp_kw(p, 0, "IF") && cyp_kw(p, 1, "NOT");
    bool keyword_next = cyp_kw(p, 0, "FOR") || cyp_kw(p, 0, "ON");
    if (cyp_at_name(p, 0) && !if_next && !keyword_next) q->schema_name = cyp_name(p, "a name");
    if (cyp_kw(p, 0, "IF")) {
        cyp_next(p);
        if (!cyp_expect_kw(p, "NOT") || !cyp_expect_kw(p, "EXISTS")) return false;
        q->if_not_exists = true;
    }
    return !p->failed;
}

static bool create_index(cy_parser *p, cy_ast *q) {
    q->kind = CY_STMT_CREATE_INDEX;
    if (!name_and_if(p, q)) return false;
    uint32_t cap = 0;
    if (cyp_accept_kw(p, "ON")) {   /* Neo4j 4: ON :Label(p, q) */
        if (!cyp_expect(p, CT_COLON, "':'") || !(q->schema_token = cyp_name(p, "a label")) ||
            !cyp_expect(p, CT_LPAREN, "'('"))
            return false;
        do {
            const char *k = cyp_name(p, "a property key name");
            if (!k) return false;
            push_key(p, q, &cap, k);
        } while (cyp_accept(p, CT_COMMA));
        return cyp_expect(p, CT_RPAREN, "')'");
    }
    if (!cyp_expect_kw(p, "FOR") || !for_pattern(p, q, true) || !cyp_expect_kw(p, "ON") ||
        !cyp_expect(p, CT_LPAREN, "'('"))
        return false;
    do {
        if (!var_key(p, q, &cap)) return false;
    } while (cyp_accept(p, CT_COMMA));
    return cyp_expect(p, CT_RPAREN, "')'");
}

static bool create_constraint(cy_parser *p, cy_ast *q) {
    q->kind = CY_STMT_CREATE_CONSTRAINT;
    if (!name_and_if(p, q)) return false;
    bool old = cyp_kw(p, 0, "ON");
    if (!old && !cyp_kw(p, 0, "FOR")) {
        cyp_fail_expected(p, "FOR");
        return false;
    }
    cyp_next(p);
    if (!for_pattern(p, q, false) || !cyp_expect_kw(p, old ? "ASSERT" : "REQUIRE")) return false;
    uint32_t cap = 0;
    if (cyp_accept(p, CT_LPAREN)) {
        do {
            if (!var_key(p, q, &cap)) return false;
        } while (cyp_accept(p, CT_COMMA));
        if (!cyp_expect(p, CT_RPAREN, "')'")) return false;
    } else if (!var_key(p, q, &cap)) {
        return false;
    }
    return cyp_expect_kw(p, "IS") && cyp_expect_kw(p, "UNIQUE");
}

cy_ast *cyp_schema(cy_parser *p) {
    cy_ast *q = qv_arena_zalloc(p->a, sizeof *q);
    q->pos = cyp_pos(p);
    bool ok;
    if (cyp_accept_kw(p, "SHOW")) {
        cyp_accept_kw(p, "ALL");
        if (cyp_accept_kw(p, "INDEX") || cyp_accept_kw(p, "INDEXES")) q->kind = CY_STMT_SHOW_INDEXES;
        else if (cyp_accept_kw(p, "CONSTRAINT") || cyp_accept_kw(p, "CONSTRAINTS")) q->kind = CY_STMT_SHOW_CONSTRAINTS;
        else cyp_fail_expected(p, "INDEXES or CONSTRAINTS");
        ok = !p->failed;
    } else if (cyp_accept_kw(p, "DROP")) {
        q->kind = cyp_accept_kw(p, "INDEX") ? CY_STMT_DROP_INDEX : CY_STMT_DROP_CONSTRAINT;
        if (q->kind == CY_STMT_DROP_CONSTRAINT) cyp_next(p);
        ok = (q->schema_name = cyp_name(p, "an index or constraint name")) != NULL;
        if (ok && cyp_accept_kw(p, "IF")) {
            ok = cyp_expect_kw(p, "EXISTS");
            q->if_exists = ok;
        }
    } else {
        cyp_next(p);   /* CREATE */
        bool index = cyp_accept_kw(p, "INDEX");
        if (!index) cyp_next(p);
        ok = index ? create_index(p, q) : create_constraint(p, q);
    }
    return ok && !p->failed ? q : NULL;
}
