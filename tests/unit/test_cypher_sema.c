/* test_cypher_sema.c — semantic analysis on ASTs built by hand (independent of the parser): scoping through
 * WITH, pattern binding rules of MATCH / CREATE / MERGE, aggregation placement and ambiguity, ORDER BY
 * scopes, SKIP / LIMIT, UNION, CALL against signatures, parameters, and that errors carry class, phase,
 * detail and position. The TCK's queries through the parser are in test_cypher_sema_tck.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cypher/sema.h"

static qv_arena A;

static int setup(void **state) {
    (void)state;
    qv_arena_init(&A);
    return 0;
}
static int teardown(void **state) {
    (void)state;
    qv_arena_free(&A);
    return 0;
}

/* ---------------------------------------------------------------- a tiny AST builder */
static uint32_t next_pos;

static cy_expr *ex(cy_expr_kind k) {
    cy_expr *e = qv_arena_zalloc(&A, sizeof *e);
    e->kind = k;
    e->pos = next_pos++;
    e->slot = -1;
    return e;
}
static cy_expr *var(const char *n) {
    cy_expr *e = ex(CX_VAR);
    e->name = n;
    return e;
}
static cy_expr *lint(int64_t v) {
    cy_expr *e = ex(CX_INT);
    e->lit = qv_int(v);
    return e;
}
static cy_expr *lfloat(double v) {
    cy_expr *e = ex(CX_FLOAT);
    e->lit = qv_float(v);
    return e;
}
static cy_expr *lbool(bool v) {
    cy_expr *e = ex(CX_BOOL);
    e->lit = qv_bool(v);
    return e;
}
static cy_expr *lstr(const char *s) {
    cy_expr *e = ex(CX_STRING);
    e->lit = qv_str_ref(s, (uint32_t)strlen(s));
    return e;
}
static cy_expr *param(const char *n) {
    cy_expr *e = ex(CX_PARAM);
    e->name = n;
    return e;
}
static cy_expr *prop(cy_expr *a, const char *k) {
    cy_expr *e = ex(CX_PROP);
    e->a = a;
    e->name = k;
    return e;
}
static cy_expr *bin(cy_op op, cy_expr *a, cy_expr *b) {
    cy_expr *e = ex(CX_BINARY);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}
static cy_expr *call(const char *f, cy_expr *arg) {
    cy_expr *e = ex(CX_CALL);
    e->name = f;
    if (arg) {
        e->args = qv_arena_alloc(&A, sizeof *e->args);
        e->args[0] = arg;
        e->n_args = 1;
    }
    return e;
}
static cy_expr *count_star(void) {
    cy_expr *e = call("count", NULL);
    e->star = true;
    return e;
}
static cy_expr *list1(cy_expr *x) {
    cy_expr *e = ex(CX_LIST);
    e->args = qv_arena_alloc(&A, sizeof *e->args);
    e->args[0] = x;
    e->n_args = 1;
    return e;
}
static cy_expr *list_comp(const char *v, cy_expr *in, cy_expr *proj) {
    cy_expr *e = ex(CX_LIST_COMP);
    e->name = v;
    e->a = in;
    e->c = proj;
    return e;
}

/* A path from a compact description: node vars separated by rels, e.g. path("a", "r", "b"); NULL = anonymous.
 * Relationships get type T and direction -> unless changed afterwards. */
static cy_path_pat *path_n(int n, const char **names) {
    cy_path_pat *p = qv_arena_zalloc(&A, sizeof *p);
    p->n_rels = (uint32_t)(n / 2);
    p->nodes = qv_arena_zalloc(&A, (p->n_rels + 1) * sizeof *p->nodes);
    p->rels = qv_arena_zalloc(&A, (p->n_rels ? p->n_rels : 1) * sizeof *p->rels);
    for (int i = 0; i < n; i++) {
        if (i % 2 == 0) {
            p->nodes[i / 2].var = names[i];
            p->nodes[i / 2].pos = next_pos++;
        } else {
            cy_rel_pat *r = &p->rels[i / 2];
            r->var = names[i];
            r->pos = next_pos++;
            r->dir = CY_DIR_RIGHT;
            r->types = qv_arena_alloc(&A, sizeof *r->types);
            r->types[0] = "T";
            r->n_types = 1;
            r->min_hops = 1;
            r->max_hops = -1;
        }
    }
    return p;
}
#define PATH(...)                                                                                                      \
    path_n((int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)), (const char *[]){__VA_ARGS__})

static cy_pattern *pat(cy_path_pat *p1, cy_path_pat *p2) {
    cy_pattern *p = qv_arena_zalloc(&A, sizeof *p);
    p->n_paths = p2 ? 2 : 1;
    p->paths = qv_arena_zalloc(&A, p->n_paths * sizeof *p->paths);
    p->paths[0] = *p1;
    if (p2)
        p->paths[1] = *p2;
    return p;
}

static cy_clause *clause(cy_clause_kind k) {
    cy_clause *c = qv_arena_zalloc(&A, sizeof *c);
    c->kind = k;
    c->pos = next_pos++;
    return c;
}
static cy_clause *match(cy_pattern *p, cy_expr *where) {
    cy_clause *c = clause(CC_MATCH);
    c->pattern = p;
    c->where = where;
    return c;
}
static cy_clause *create(cy_pattern *p) {
    cy_clause *c = clause(CC_CREATE);
    c->pattern = p;
    return c;
}
static cy_clause *merge(cy_pattern *p) {
    cy_clause *c = clause(CC_MERGE);
    c->pattern = p;
    return c;
}
static cy_clause *unwind(cy_expr *e, const char *v) {
    cy_clause *c = clause(CC_UNWIND);
    c->expr = e;
    c->var = v;
    return c;
}

/* proj(kind, n, expr1, alias1, expr2, alias2, ...) */
static cy_clause *proj(cy_clause_kind k, int n, ...) {
    cy_clause *c = clause(k);
    c->proj.items = qv_arena_zalloc(&A, (size_t)(n ? n : 1) * sizeof *c->proj.items);
    c->proj.n_items = (uint32_t)n;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        c->proj.items[i].expr = va_arg(ap, cy_expr *);
        c->proj.items[i].alias = va_arg(ap, const char *);
        c->proj.items[i].text = c->proj.items[i].alias ? c->proj.items[i].alias : "expr";
    }
    va_end(ap);
    return c;
}
static void order_by(cy_clause *c, cy_expr *e) {
    c->proj.order = qv_arena_zalloc(&A, sizeof *c->proj.order);
    c->proj.order[0].expr = e;
    c->proj.n_order = 1;
}

static cy_ast *query_n(int n, cy_clause **cl) {
    cy_ast *q = qv_arena_zalloc(&A, sizeof *q);
    q->kind = CY_STMT_QUERY;
    q->n_parts = 1;
    q->parts = qv_arena_zalloc(&A, sizeof *q->parts);
    q->parts[0].clauses = qv_arena_alloc(&A, (size_t)n * sizeof *cl);
    memcpy(q->parts[0].clauses, cl, (size_t)n * sizeof *cl);
    q->parts[0].n_clauses = (uint32_t)n;
    return q;
}
#define QUERY(...)                                                                                                     \
    query_n((int)(sizeof((cy_clause *[]){__VA_ARGS__}) / sizeof(cy_clause *)), (cy_clause *[]){__VA_ARGS__})

/* ---------------------------------------------------------------- checking */
static cy_error E;

static int check_opts(const cy_ast *q, const cy_sema_opts *o) {
    cy_error_clear(&E);
    return cy_sema_check(&A, q, o, &E);
}
static int check(const cy_ast *q) {
    return check_opts(q, NULL);
}

static void expect_err(const cy_ast *q, cy_errclass cls, const char *detail) {
    int rc = check(q);
    if (rc == 0)
        fail_msg("expected %s, the check passed", detail);
    if (E.cls != cls || !E.detail || strcmp(E.detail, detail) != 0)
        fail_msg("expected %s/%s, got %s/%s: %s", cy_errclass_name(cls), detail, cy_errclass_name(E.cls),
                 E.detail ? E.detail : "-", E.msg);
    assert_int_equal(E.phase, CY_PHASE_COMPILE);
    assert_true(E.offset >= 0);
    assert_true(E.msg[0] != 0);
}
static void expect_ok(const cy_ast *q) {
    if (check(q) != 0)
        fail_msg("expected OK, got %s/%s: %s", cy_errclass_name(E.cls), E.detail ? E.detail : "-", E.msg);
}

/* ---------------------------------------------------------------- tests */
static void test_scoping(void **state) {
    (void)state;
    /* MATCH (a) RETURN a */
    expect_ok(QUERY(match(pat(PATH("a"), NULL), NULL), proj(CC_RETURN, 1, var("a"), NULL)));
    /* MATCH () RETURN foo */
    expect_err(QUERY(match(pat(PATH(NULL), NULL), NULL), proj(CC_RETURN, 1, var("foo"), NULL)), CYE_SYNTAX,
               "UndefinedVariable");
    /* MATCH (a), (b) WITH a RETURN b: only projected variables survive WITH */
    cy_ast *q = QUERY(match(pat(PATH("a"), PATH("b")), NULL), proj(CC_WITH, 1, var("a"), NULL),
                        proj(CC_RETURN, 1, var("b"), NULL));
    expect_err(q, CYE_SYNTAX, "UndefinedVariable");
    /* the position is the undefined variable's */
    assert_int_equal(E.offset, (int32_t)q->parts[0].clauses[2]->proj.items[0].expr->pos);
    /* UNWIND [1] AS x RETURN [y IN [x] | y + x] AS l */
    expect_ok(QUERY(unwind(list1(lint(1)), "x"),
                    proj(CC_RETURN, 1, list_comp("y", list1(var("x")), bin(CXO_ADD, var("y"), var("x"))), "l")));
    /* ... | z] is undefined, and y does not leak out of the comprehension */
    expect_err(QUERY(unwind(list1(lint(1)), "x"), proj(CC_RETURN, 1, list_comp("y", list1(var("x")), var("z")), "l")),
               CYE_SYNTAX, "UndefinedVariable");
    expect_err(QUERY(unwind(list1(lint(1)), "x"),
                     proj(CC_RETURN, 2, list_comp("y", list1(var("x")), var("y")), "l", var("y"), NULL)),
               CYE_SYNTAX, "UndefinedVariable");
    /* UNWIND ... AS x when x is bound */
    expect_err(
        QUERY(match(pat(PATH("x"), NULL), NULL), unwind(list1(lint(1)), "x"), proj(CC_RETURN, 1, var("x"), NULL)),
        CYE_SYNTAX, "VariableAlreadyBound");
}

static void test_match_binding(void **state) {
    (void)state;
    /* MATCH ()-[r]-() MATCH (r) RETURN r: a relationship used as a node */
    expect_err(QUERY(match(pat(PATH(NULL, "r", NULL), NULL), NULL), match(pat(PATH("r"), NULL), NULL),
                     proj(CC_RETURN, 1, var("r"), NULL)),
               CYE_SYNTAX, "VariableTypeConflict");
    /* MATCH (a)-[r]->()-[r]->(a): one relationship twice in a pattern */
    expect_err(QUERY(match(pat(PATH("a", "r", NULL, "r", "a"), NULL), NULL), proj(CC_RETURN, 1, var("r"), NULL)),
               CYE_SYNTAX, "RelationshipUniquenessViolation");
    /* ... but again in a later MATCH it is the same relationship: fine */
    expect_ok(QUERY(match(pat(PATH("a", "r", "b"), NULL), NULL), match(pat(PATH(NULL, "r", NULL), NULL), NULL),
                    proj(CC_RETURN, 1, var("r"), NULL)));
    /* MATCH p = (p)-->() : a path variable must be new */
    cy_path_pat *pp = PATH("p", NULL, NULL);
    pp->var = "p";
    expect_err(QUERY(match(pat(pp, NULL), NULL), proj(CC_RETURN, 1, var("p"), NULL)), CYE_SYNTAX,
               "VariableAlreadyBound");
    /* WITH 123 AS n MATCH (n): a known non-node */
    expect_err(
        QUERY(proj(CC_WITH, 1, lint(123), "n"), match(pat(PATH("n"), NULL), NULL), proj(CC_RETURN, 1, var("n"), NULL)),
        CYE_SYNTAX, "VariableTypeConflict");
    /* WITH $x AS n MATCH (n): unknown, so fine */
    static const qmapent ents[] = {{"x", 1, {0}}};
    cy_sema_opts o = {.params = qv_map_ref(ents, 1)};
    assert_int_equal(check_opts(QUERY(proj(CC_WITH, 1, param("x"), "n"), match(pat(PATH("n"), NULL), NULL),
                                      proj(CC_RETURN, 1, var("n"), NULL)),
                                &o),
                     0);
    /* MATCH (n {k: $p}) : a parameter cannot be a pattern's property map in MATCH */
    cy_path_pat *np = PATH("n");
    np->nodes[0].props = param("p");
    expect_err(QUERY(match(pat(np, NULL), NULL), proj(CC_RETURN, 1, var("n"), NULL)), CYE_SYNTAX,
               "InvalidParameterUse");
    /* MATCH (b {id: a.bid})-->(a): property maps see every variable of the pattern */
    cy_path_pat *bp = PATH("b", NULL, "a");
    cy_expr *m = ex(CX_MAP);
    m->args = qv_arena_alloc(&A, sizeof *m->args);
    m->keys = qv_arena_alloc(&A, sizeof *m->keys);
    m->args[0] = prop(var("a"), "bid");
    m->keys[0] = "id";
    m->n_args = 1;
    bp->nodes[0].props = m;
    expect_ok(QUERY(match(pat(bp, NULL), NULL), proj(CC_RETURN, 1, var("b"), NULL)));
    /* ... but not variables bound nowhere: CREATE (b {name: missing}) */
    cy_path_pat *cp = PATH("b");
    cy_expr *m2 = ex(CX_MAP);
    m2->args = qv_arena_alloc(&A, sizeof *m2->args);
    m2->keys = qv_arena_alloc(&A, sizeof *m2->keys);
    m2->args[0] = var("missing");
    m2->keys[0] = "name";
    m2->n_args = 1;
    cp->nodes[0].props = m2;
    expect_err(QUERY(create(pat(cp, NULL))), CYE_SYNTAX, "UndefinedVariable");
    /* a pattern predicate cannot introduce variables: MATCH (n) WHERE (n)-->(a) */
    cy_expr *pe = ex(CX_PATTERN);
    pe->pattern = pat(PATH("n", NULL, "a"), NULL);
    expect_err(QUERY(match(pat(PATH("n"), NULL), pe), proj(CC_RETURN, 1, var("n"), NULL)), CYE_SYNTAX,
               "UndefinedVariable");
    /* ... and is not a value: RETURN (n)-->() */
    cy_expr *pv = ex(CX_PATTERN);
    pv->pattern = pat(PATH("n", NULL, NULL), NULL);
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), proj(CC_RETURN, 1, pv, "x")), CYE_SYNTAX, "UnexpectedSyntax");
}

static void test_create_merge(void **state) {
    (void)state;
    /* MATCH (a) CREATE (a) */
    expect_err(QUERY(match(pat(PATH("a"), NULL), NULL), create(pat(PATH("a"), NULL))), CYE_SYNTAX,
               "VariableAlreadyBound");
    /* MATCH (a) CREATE (a)-[:T]->(b): a bound endpoint is fine */
    expect_ok(QUERY(match(pat(PATH("a"), NULL), NULL), create(pat(PATH("a", NULL, "b"), NULL))));
    /* MATCH (a) CREATE (a:L)-[:T]->(b): but not with labels */
    cy_path_pat *p = PATH("a", NULL, "b");
    static const char *lab[] = {"L"};
    p->nodes[0].labels = lab;
    p->nodes[0].n_labels = 1;
    expect_err(QUERY(match(pat(PATH("a"), NULL), NULL), create(pat(p, NULL))), CYE_SYNTAX, "VariableAlreadyBound");
    /* CREATE ()-->() : no type */
    p = PATH(NULL, NULL, NULL);
    p->rels[0].n_types = 0;
    expect_err(QUERY(create(pat(p, NULL))), CYE_SYNTAX, "NoSingleRelationshipType");
    /* CREATE ()-[:T]-() : no direction; MERGE allows it */
    p = PATH(NULL, NULL, NULL);
    p->rels[0].dir = CY_DIR_BOTH;
    expect_err(QUERY(create(pat(p, NULL))), CYE_SYNTAX, "RequiresDirectedRelationship");
    expect_ok(QUERY(merge(pat(p, NULL))));
    /* CREATE ()-[:T*2]->() */
    p = PATH(NULL, NULL, NULL);
    p->rels[0].varlen = true;
    expect_err(QUERY(create(pat(p, NULL))), CYE_SYNTAX, "CreatingVarLength");
    /* MATCH ()-[r]->() MERGE ()-[r]->() */
    expect_err(QUERY(match(pat(PATH(NULL, "r", NULL), NULL), NULL), merge(pat(PATH(NULL, "r", NULL), NULL))),
               CYE_SYNTAX, "VariableAlreadyBound");
}

static void test_aggregation(void **state) {
    (void)state;
    /* MATCH (a) WHERE count(a) > 10 RETURN a */
    expect_err(QUERY(match(pat(PATH("a"), NULL), bin(CXO_GT, call("count", var("a")), lint(10))),
                     proj(CC_RETURN, 1, var("a"), NULL)),
               CYE_SYNTAX, "InvalidAggregation");
    /* RETURN count(count(*)) */
    expect_err(QUERY(proj(CC_RETURN, 1, call("count", count_star()), NULL)), CYE_SYNTAX, "NestedAggregation");
    /* MATCH (me)--(you) RETURN me.age + count(you.age) */
    expect_err(
        QUERY(match(pat(PATH("me", NULL, "you"), NULL), NULL),
              proj(CC_RETURN, 1, bin(CXO_ADD, prop(var("me"), "age"), call("count", prop(var("you"), "age"))), NULL)),
        CYE_SYNTAX, "AmbiguousAggregationExpression");
    /* RETURN me.age, me.age + count(*): the property is a grouping key */
    expect_ok(QUERY(
        match(pat(PATH("me", NULL, "you"), NULL), NULL),
        proj(CC_RETURN, 2, prop(var("me"), "age"), NULL, bin(CXO_ADD, prop(var("me"), "age"), count_star()), "c")));
    /* RETURN [x IN [1] | count(*)] */
    expect_err(
        QUERY(match(pat(PATH("n"), NULL), NULL), proj(CC_RETURN, 1, list_comp("x", list1(lint(1)), count_star()), "l")),
        CYE_SYNTAX, "InvalidAggregation");
    /* WITH n.a AS foo ORDER BY max(n.b): aggregation in ORDER BY of a non-aggregating WITH */
    cy_clause *w = proj(CC_WITH, 1, prop(var("n"), "a"), "foo");
    order_by(w, call("max", prop(var("n"), "b")));
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), w, proj(CC_RETURN, 1, var("foo"), NULL)), CYE_SYNTAX,
               "InvalidAggregation");
    /* RETURN count(n.x) AS c ORDER BY n.y: after aggregation only projected columns are visible */
    cy_clause *r = proj(CC_RETURN, 1, call("count", prop(var("n"), "x")), "c");
    order_by(r, prop(var("n"), "y"));
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), r), CYE_SYNTAX, "UndefinedVariable");
    /* RETURN n.x AS x ORDER BY n.y: without aggregation the previous scope is visible */
    r = proj(CC_RETURN, 1, prop(var("n"), "x"), "x");
    order_by(r, prop(var("n"), "y"));
    expect_ok(QUERY(match(pat(PATH("n"), NULL), NULL), r));
    /* RETURN DISTINCT n.x ORDER BY n.x: the sort key is the projected expression */
    r = proj(CC_RETURN, 1, prop(var("n"), "x"), NULL);
    r->proj.distinct = true;
    order_by(r, prop(var("n"), "x"));
    expect_ok(QUERY(match(pat(PATH("n"), NULL), NULL), r));
    /* count(rand()) */
    expect_err(QUERY(proj(CC_RETURN, 1, call("count", call("rand", NULL)), NULL)), CYE_SYNTAX, "NonConstantExpression");
}

static void test_projection_rules(void **state) {
    (void)state;
    /* MATCH (a) WITH a, count(*) RETURN a */
    expect_err(QUERY(match(pat(PATH("a"), NULL), NULL), proj(CC_WITH, 2, var("a"), NULL, count_star(), NULL),
                     proj(CC_RETURN, 1, var("a"), NULL)),
               CYE_SYNTAX, "NoExpressionAlias");
    /* RETURN 1 AS a, 2 AS a */
    expect_err(QUERY(proj(CC_RETURN, 2, lint(1), "a", lint(2), "a")), CYE_SYNTAX, "ColumnNameConflict");
    /* MATCH () RETURN * */
    cy_clause *r = proj(CC_RETURN, 0);
    r->proj.star = true;
    expect_err(QUERY(match(pat(PATH(NULL), NULL), NULL), r), CYE_SYNTAX, "NoVariablesInScope");
    /* SKIP n.count / SKIP -1 / LIMIT 1.5 / LIMIT $l */
    r = proj(CC_RETURN, 1, var("n"), NULL);
    r->proj.skip = prop(var("n"), "count");
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), r), CYE_SYNTAX, "NonConstantExpression");
    r = proj(CC_RETURN, 1, var("n"), NULL);
    r->proj.skip = lint(-1);
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), r), CYE_SYNTAX, "NegativeIntegerArgument");
    r = proj(CC_RETURN, 1, var("n"), NULL);
    r->proj.limit = lfloat(1.5);
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), r), CYE_SYNTAX, "InvalidArgumentType");
    r = proj(CC_RETURN, 1, var("n"), NULL);
    r->proj.limit = param("l");
    cy_sema_opts o = {.no_param_check = true};
    assert_int_equal(check_opts(QUERY(match(pat(PATH("n"), NULL), NULL), r), &o), 0);
}

static void test_types(void **state) {
    (void)state;
    expect_err(QUERY(proj(CC_RETURN, 1, bin(CXO_AND, lint(123), lbool(true)), NULL)), CYE_SYNTAX,
               "InvalidArgumentType");
    expect_err(QUERY(proj(CC_RETURN, 1, bin(CXO_IN, lint(1), lstr("foo")), NULL)), CYE_SYNTAX, "InvalidArgumentType");
    /* WITH 123 AS x RETURN x.num is a TypeError */
    expect_err(QUERY(proj(CC_WITH, 1, lint(123), "x"), proj(CC_RETURN, 1, prop(var("x"), "num"), NULL)), CYE_TYPE,
               "InvalidArgumentType");
    /* MATCH (r) RETURN type(r) */
    expect_err(QUERY(match(pat(PATH("r"), NULL), NULL), proj(CC_RETURN, 1, call("type", var("r")), NULL)), CYE_SYNTAX,
               "InvalidArgumentType");
    /* RETURN foo(1) */
    expect_err(QUERY(proj(CC_RETURN, 1, call("foo", lint(1)), NULL)), CYE_SYNTAX, "UnknownFunction");
    /* WITH 'a' AS s RETURN s + 1, [1] + 2: + concatenates, no error */
    expect_ok(QUERY(proj(CC_WITH, 1, lstr("a"), "s"), proj(CC_RETURN, 2, bin(CXO_ADD, var("s"), lint(1)), "x",
                                                           bin(CXO_ADD, list1(lint(1)), lint(2)), "y")));
    /* MATCH (n) DELETE 1 + 1 */
    cy_clause *d = clause(CC_DELETE);
    d->exprs = qv_arena_alloc(&A, sizeof *d->exprs);
    d->exprs[0] = bin(CXO_ADD, lint(1), lint(1));
    d->n_exprs = 1;
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), d), CYE_SYNTAX, "InvalidArgumentType");
    /* MATCH (n) DELETE n:L */
    cy_expr *hl = ex(CX_HAS_LABELS);
    hl->a = var("n");
    static const char *lab[] = {"L"};
    hl->labels = lab;
    hl->n_labels = 1;
    d->exprs[0] = hl;
    expect_err(QUERY(match(pat(PATH("n"), NULL), NULL), d), CYE_SYNTAX, "InvalidDelete");
}

static void test_union(void **state) {
    (void)state;
    cy_ast *q = QUERY(proj(CC_RETURN, 1, lint(1), "a"));
    q->n_parts = 3;
    cy_single_query *parts = qv_arena_zalloc(&A, 3 * sizeof *parts);
    const char *names[] = {"a", "a", "b"};
    for (int i = 0; i < 3; i++) {
        parts[i].clauses = qv_arena_alloc(&A, sizeof *parts[i].clauses);
        parts[i].clauses[0] = proj(CC_RETURN, 1, lint(i), names[i]);
        parts[i].n_clauses = 1;
    }
    q->parts = parts;
    bool flags[2] = {false, true};
    q->union_all = flags;
    expect_err(q, CYE_SYNTAX, "InvalidClauseComposition");
    flags[1] = false;
    expect_err(q, CYE_SYNTAX, "DifferentColumnsInUnion");
    names[2] = "a";
    parts[2].clauses[0] = proj(CC_RETURN, 1, lint(2), "a");
    expect_ok(q);
}

static bool lookup(void *ctx, const char *name, cy_proc_sig *sig) {
    cy_proc_sig *known = ctx;
    if (strcmp(name, known->name) != 0)
        return false;
    *sig = *known;
    return true;
}

static void test_call(void **state) {
    (void)state;
    cy_proc_sig sig;
    cy_error_clear(&E);
    const char *text = "test.my.proc(name :: STRING?, in :: INTEGER?) :: (out :: INTEGER?)";
    assert_int_equal(cy_proc_sig_parse(&A, text, strlen(text), &sig, &E), 0);
    assert_string_equal(sig.name, "test.my.proc");
    assert_int_equal(sig.n_in, 2);
    assert_int_equal(sig.in[1].type, CY_PT_INTEGER);
    assert_int_equal(sig.n_out, 1);
    assert_false(sig.is_void);
    cy_proc_sig v;
    assert_int_equal(cy_proc_sig_parse(&A, "test.doNothing() :: ()", 22, &v, &E), 0);
    assert_true(v.is_void);
    assert_int_equal(cy_proc_sig_parse(&A, "bad(in :: WHAT?) :: ()", 22, &v, &E), -1);

    static const qmapent ents[] = {{"name", 4, {0}}};
    cy_sema_opts o = {.params = qv_map_ref(ents, 1), .proc_lookup = lookup, .proc_ctx = &sig};
    cy_clause *c = clause(CC_CALL);
    c->proc_name = "test.my.proc";
    /* standalone, implicit arguments: $in is missing */
    assert_int_equal(check_opts(QUERY(c), &o), -1);
    assert_int_equal(E.cls, CYE_PARAMETER_MISSING);
    assert_string_equal(E.detail, "MissingParameter");
    /* ... the same check alone, for plans cached across parameters */
    static const qmapent both[] = {{"name", 4, {0}}, {"in", 2, {0}}};
    assert_int_equal(cy_sema_check_params(&A, QUERY(c), &o, &E), -1);
    o.params = qv_map_ref(both, 2);
    assert_int_equal(cy_sema_check_params(&A, QUERY(c), &o, &E), 0);
    assert_int_equal(check_opts(QUERY(c), &o), 0);
    o.params = qv_map_ref(ents, 1);
    /* explicit, one argument short */
    c->has_arg_list = true;
    c->args = qv_arena_alloc(&A, 2 * sizeof *c->args);
    c->args[0] = lstr("Dobby");
    c->n_args = 1;
    assert_int_equal(check_opts(QUERY(c), &o), -1);
    assert_string_equal(E.detail, "InvalidNumberOfArguments");
    /* wrong literal type */
    c->args[1] = lbool(true);
    c->n_args = 2;
    assert_int_equal(check_opts(QUERY(c), &o), -1);
    assert_string_equal(E.detail, "InvalidArgumentType");
    /* in-query, YIELD out AS x RETURN x */
    c->args[1] = lint(1);
    c->yields = qv_arena_zalloc(&A, sizeof *c->yields);
    c->yields[0].name = "out";
    c->yields[0].alias = "x";
    c->n_yields = 1;
    assert_int_equal(check_opts(QUERY(c, proj(CC_RETURN, 1, var("x"), NULL)), &o), 0);
    /* unknown procedure */
    c->proc_name = "nope";
    assert_int_equal(check_opts(QUERY(c, proj(CC_RETURN, 1, var("x"), NULL)), &o), -1);
    assert_int_equal(E.cls, CYE_PROCEDURE);
    assert_string_equal(E.detail, "ProcedureNotFound");
}

static void test_parameters(void **state) {
    (void)state;
    cy_ast *q = QUERY(proj(CC_RETURN, 1, param("x"), "x"));
    assert_int_equal(check(q), -1); /* no parameters given */
    assert_int_equal(E.cls, CYE_PARAMETER_MISSING);
    assert_string_equal(E.detail, "MissingParameter");
    static const qmapent ents[] = {{"x", 1, {0}}};
    cy_sema_opts o = {.params = qv_map_ref(ents, 1)};
    assert_int_equal(check_opts(q, &o), 0);
    cy_error_clear(&E);
    assert_int_equal(cy_sema_check_params(&A, q, &o, &E), 0);
    assert_int_equal(cy_sema_check_params(&A, q, NULL, &E), -1);
    assert_string_equal(E.detail, "MissingParameter");
}

static void test_deep_expression(void **state) {
    (void)state;
    /* long left-deep operator chains (generated queries) are fine at any length */
    cy_expr *e = lint(0);
    for (int i = 0; i < 20000; i++)
        e = bin(CXO_ADD, e, lint(i));
    expect_ok(QUERY(proj(CC_RETURN, 1, e, "x")));
    e = bin(CXO_EQ, lint(0), lint(1));
    for (int i = 0; i < 20000; i++)
        e = bin(CXO_OR, e, bin(CXO_EQ, lint(i), lint(i)));
    expect_ok(QUERY(proj(CC_RETURN, 1, e, "x")));
    /* ... and still checked: the last operand is a string */
    e = bin(CXO_OR, e, lstr("no"));
    expect_err(QUERY(proj(CC_RETURN, 1, e, "x")), CYE_SYNTAX, "InvalidArgumentType");
    /* other nesting deeper than the checker's bound fails cleanly instead of overflowing the stack */
    e = var("m");
    for (int i = 0; i < 5000; i++)
        e = prop(e, "k");
    expect_err(QUERY(proj(CC_WITH, 1, lint(1), "m"), proj(CC_RETURN, 1, e, "x")), CYE_SYNTAX, "UnexpectedSyntax");
    e = var("m");
    for (int i = 0; i < 300; i++)
        e = prop(e, "k");
    expect_ok(QUERY(proj(CC_WITH, 1, ex(CX_NULL), "m"), proj(CC_RETURN, 1, e, "x")));
}

static void test_many_variables(void **state) {
    (void)state;
    /* 300 variables in one scope (hashed lookups): all visible, rebinding any of them is caught */
    enum { N = 300 };
    cy_clause *cl[N + 2];
    char **names = qv_arena_alloc(&A, N * sizeof *names);
    for (int i = 0; i < N; i++) {
        names[i] = qv_arena_alloc(&A, 16);
        snprintf(names[i], 16, "v%d", i);
        cl[i] = match(pat(PATH(names[i]), NULL), NULL);
    }
    cl[N] = proj(CC_RETURN, 3, var("v0"), NULL, var("v150"), NULL, var("v299"), NULL);
    expect_ok(query_n(N + 1, cl));
    cl[N] = unwind(list1(lint(1)), "v77");
    cl[N + 1] = proj(CC_RETURN, 1, var("v0"), NULL);
    expect_err(query_n(N + 2, cl), CYE_SYNTAX, "VariableAlreadyBound");
    cl[N] = proj(CC_RETURN, 1, var("v300"), NULL);
    expect_err(query_n(N + 1, cl), CYE_SYNTAX, "UndefinedVariable");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scoping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_match_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_merge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projection_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_union, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_expression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_variables, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
