/* test_cypher_parse.c — the openCypher lexer and parser: every Nodestream query shape (ingest, TTL,
 * migrations, copy) parses to the expected AST; operator precedence; every literal form; atoms, patterns,
 * clauses and schema statements; projection column text and expression ranges; syntax errors with their
 * TCK detail and offset; deep nesting that must fail cleanly instead of overflowing the stack.
 * ASTs are compared through cy_ast_debug's compact rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cypher/ast.h"

typedef struct pcase {
    const char *q;
    const char *want;   /* cy_ast_debug rendering */
} pcase;

static void check_cases(const pcase *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        qv_arena a;
        qv_arena_init(&a);
        cy_error err;
        cy_ast *q = cy_parse(&a, c[i].q, (uint32_t)strlen(c[i].q), &err);
        if (!q) fail_msg("query %zu does not parse: %s\n  at %d: %s", i, c[i].q, err.offset, err.msg);
        const char *got = cy_ast_debug(&a, q);
        if (strcmp(got, c[i].want) != 0) fail_msg("query %zu: %s\n  got:  %s\n  want: %s", i, c[i].q, got, c[i].want);
        qv_arena_free(&a);
    }
}

typedef struct ecase {
    const char *q;
    const char *detail;
    int32_t offset;
    const char *msg_part;   /* a substring the message must contain, or NULL */
} ecase;

static void check_errors(const ecase *c, size_t n) {
    for (size_t i = 0; i < n; i++) {
        qv_arena a;
        qv_arena_init(&a);
        cy_error err;
        cy_ast *q = cy_parse(&a, c[i].q, (uint32_t)strlen(c[i].q), &err);
        if (q) fail_msg("query %zu parses but must fail: %s -> %s", i, c[i].q, cy_ast_debug(&a, q));
        if (err.cls != CYE_SYNTAX || err.phase != CY_PHASE_COMPILE)
            fail_msg("query %zu: class %d phase %d", i, err.cls, err.phase);
        if (!err.detail || strcmp(err.detail, c[i].detail) != 0)
            fail_msg("query %zu: %s\n  detail %s, want %s (%s)", i, c[i].q, err.detail ? err.detail : "(null)",
                     c[i].detail, err.msg);
        if (err.offset != c[i].offset)
            fail_msg("query %zu: %s\n  offset %d, want %d (%s)", i, c[i].q, err.offset, c[i].offset, err.msg);
        if (c[i].msg_part && !strstr(err.msg, c[i].msg_part))
            fail_msg("query %zu: message '%s' lacks '%s'", i, err.msg, c[i].msg_part);
        assert_true(strlen(err.msg) > 0);
        assert_true(err.line >= 1 && err.column >= 1);
        qv_arena_free(&a);
    }
}

#define CHECK(cases) check_cases(cases, sizeof cases / sizeof *cases)
#define CHECK_ERRORS(cases) check_errors(cases, sizeof cases / sizeof *cases)

/* ---------------------------------------------------------------- Nodestream (reference §1.6) */

static void test_nodestream_ingest(void **state) {
    (void)state;
    static const pcase c[] = {
        {"\nUNWIND $params as param\nMERGE (node: Person {`~id` : param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\")",
         "UNWIND $params AS param MERGE (node:Person {~id: param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, '__node_id') ON MATCH SET node += removeKeyFromMap(param, '__node_id')"},
        {"\nUNWIND $params as param\nMERGE (node: Person {`~id` : param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\") SET "
         "node:Employee",
         "UNWIND $params AS param MERGE (node:Person {~id: param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, '__node_id') ON MATCH SET node += removeKeyFromMap(param, '__node_id') SET "
         "node:Employee"},
        {"\nUNWIND $params as param\nMERGE (node: Person {`~id` : param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\") SET "
         "node:ExtraTypeOne:ExtraTypeTwo",
         "UNWIND $params AS param MERGE (node:Person {~id: param.__node_id}) ON CREATE SET node = "
         "removeKeyFromMap(param, '__node_id') ON MATCH SET node += removeKeyFromMap(param, '__node_id') SET "
         "node:ExtraTypeOne:ExtraTypeTwo"},
        {"\nUNWIND $params as param\nMATCH (node: Person {`~id` : param.__node_id}) SET node += "
         "removeKeyFromMap(param, \"__node_id\") SET node:Employee",
         "UNWIND $params AS param MATCH (node:Person {~id: param.__node_id}) SET node += "
         "removeKeyFromMap(param, '__node_id') SET node:Employee"},
        {"\nUNWIND $params as param\nMATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company "
         "{`~id` : param.__to_node_id}) MERGE (from_node)-[rel: WORKS_AT {role : param.role}]->(to_node) ON CREATE "
         "SET rel = removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\") ON MATCH SET "
         "rel += removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")",
         "UNWIND $params AS param MATCH (from_node:Person {~id: param.__from_node_id}), (to_node:Company {~id: "
         "param.__to_node_id}) MERGE (from_node)-[rel:WORKS_AT {role: param.role}]->(to_node) ON CREATE SET rel = "
         "removeKeyFromMap(removeKeyFromMap(param, '__from_node_id'), '__to_node_id') ON MATCH SET rel += "
         "removeKeyFromMap(removeKeyFromMap(param, '__from_node_id'), '__to_node_id')"},
        {"\nUNWIND $params as param\nMATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company "
         "{`~id` : param.__to_node_id}) MERGE (from_node)-[rel: RELATED_TO]->(to_node) ON CREATE SET rel = "
         "removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\") ON MATCH SET rel += "
         "removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")",
         "UNWIND $params AS param MATCH (from_node:Person {~id: param.__from_node_id}), (to_node:Company {~id: "
         "param.__to_node_id}) MERGE (from_node)-[rel:RELATED_TO]->(to_node) ON CREATE SET rel = "
         "removeKeyFromMap(removeKeyFromMap(param, '__from_node_id'), '__to_node_id') ON MATCH SET rel += "
         "removeKeyFromMap(removeKeyFromMap(param, '__from_node_id'), '__to_node_id')"},
        {"\nUNWIND $params as param\nMATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company "
         "{`~id` : param.__to_node_id}) CREATE (from_node)-[rel: WORKS_AT {k1 : param.k1, k2 : param.k2}]->(to_node) "
         "SET rel += removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")",
         "UNWIND $params AS param MATCH (from_node:Person {~id: param.__from_node_id}), (to_node:Company {~id: "
         "param.__to_node_id}) CREATE (from_node)-[rel:WORKS_AT {k1: param.k1, k2: param.k2}]->(to_node) SET rel += "
         "removeKeyFromMap(removeKeyFromMap(param, '__from_node_id'), '__to_node_id')"},
        {"\nUNWIND $params as param\nRETURN param", "UNWIND $params AS param RETURN param"},
    };
    CHECK(c);
}

static void test_nodestream_ttl_migrations_copy(void **state) {
    (void)state;
    static const pcase c[] = {
        {"MATCH (x: Person) WHERE x.last_ingested_at <= $earliest_allowed_time DETACH DELETE x",
         "MATCH (x:Person) WHERE (<= x.last_ingested_at $earliest_allowed_time) DETACH DELETE x"},
        {"MATCH ()-[x: WORKS_AT]->() WHERE x.last_ingested_at <= $earliest_allowed_time DELETE x",
         "MATCH ()-[x:WORKS_AT]->() WHERE (<= x.last_ingested_at $earliest_allowed_time) DELETE x"},
        {"MATCH (m:__NodestreamMigration__) RETURN m.name as name", "MATCH (m:__NodestreamMigration__) RETURN m.name AS name"},
        {"MERGE (:__NodestreamMigration__ {name: $name})", "MERGE (:__NodestreamMigration__ {name: $name})"},
        {"MATCH (n:`Person`) DETACH DELETE n", "MATCH (n:Person) DETACH DELETE n"},
        {"MATCH ()-[r:`KNOWS`]->() DELETE r", "MATCH ()-[r:KNOWS]->() DELETE r"},
        {"MATCH (n:`Person`) SET n.`age` = coalesce(n.`age`, $value)", "MATCH (n:Person) SET n.age = coalesce(n.age, $value)"},
        {"MATCH ()-[r:`KNOWS`]->() SET r.`since` = coalesce(r.`since`, $value)",
         "MATCH ()-[r:KNOWS]->() SET r.since = coalesce(r.since, $value)"},
        {"MATCH (n:`Person`) SET n.`new_name` = n.`old_name` REMOVE n.`old_name`",
         "MATCH (n:Person) SET n.new_name = n.old_name REMOVE n.old_name"},
        {"MATCH ()-[r:`KNOWS`]->() SET r.`new_name` = r.`old_name` REMOVE r.`old_name`",
         "MATCH ()-[r:KNOWS]->() SET r.new_name = r.old_name REMOVE r.old_name"},
        {"MATCH (n:`Old`) SET n:`New` REMOVE n:`Old`", "MATCH (n:Old) SET n:New REMOVE n:Old"},
        {"MATCH (n)-[r:`OLD`]->(m) CREATE (n)-[r2:`NEW`]->(m) SET r2 += r WITH r DELETE r",
         "MATCH (n)-[r:OLD]->(m) CREATE (n)-[r2:NEW]->(m) SET r2 += r WITH r DELETE r"},
        {"MATCH ()-[r:`KNOWS`]->() REMOVE r.`since`", "MATCH ()-[r:KNOWS]->() REMOVE r.since"},
        {"MATCH (n:`Person`) REMOVE n.`age`", "MATCH (n:Person) REMOVE n.age"},
        {"\nMATCH (n:Person)\nRETURN n SKIP $offset LIMIT $limit\n", "MATCH (n:Person) RETURN n SKIP $offset LIMIT $limit"},
        {"\nMATCH (a)-[r:KNOWS]->(b)\nRETURN a, r, b SKIP $offset LIMIT $limit\n",
         "MATCH (a)-[r:KNOWS]->(b) RETURN a, r, b SKIP $offset LIMIT $limit"},
        /* Neptune query hints and a trailing ';' */
        {"USING QUERY: PLANCACHE \"enabled\"\nMATCH (n) RETURN n;", "MATCH (n) RETURN n"},
        {"  using   query: PLANCACHE \"disabled\"\n USING QUERY: X\nRETURN 1", "RETURN 1"},
        {"USING QUERY: assumeConsistentDataTypes \"true\" MATCH (n) RETURN n", "MATCH (n) RETURN n"},
        {"USING QUERY: assumeConsistentDataTypes=true, PLANCACHE 'x MATCH' RETURN 1", "RETURN 1"},
        {"USING QUERY: PLANCACHE \"enabled\"\r\nUSING QUERY:TIMEOUTMILLISECONDS 100 WITH 1 AS x RETURN x",
         "WITH 1 AS x RETURN x"},
    };
    CHECK(c);
}

/* ---------------------------------------------------------------- expressions */

static void test_precedence(void **state) {
    (void)state;
    static const pcase c[] = {
        {"RETURN -2^2, 2^-1, 2^3^2, -3 ^ 2, -(3 ^ 2)", "RETURN (^ -2 2), (^ 2 -1), (^ (^ 2 3) 2), (^ -3 2), (neg (^ 3 2))"},
        {"RETURN 1 + 2 * 3 - 4 / 5 % 6", "RETURN (- (+ 1 (* 2 3)) (% (/ 4 5) 6))"},
        {"RETURN 4 ^ 3 * 2 ^ 3, 4 * (2 + 3) * 2", "RETURN (* (^ 4 3) (^ 2 3)), (* (* 4 (+ 2 3)) 2)"},
        {"RETURN a < b <= c, a = b <> c, a < b < c < d",
         "RETURN (and (< a b) (<= b c)), (and (= a b) (<> b c)), (and (and (< a b) (< b c)) (< c d))"},
        {"RETURN a + b IN l, x IS NULL = false, y IS NOT NULL, a IN l IS NULL",
         "RETURN (in (+ a b) l), (= (is_null x) false), (is_not_null y), (is_null (in a l))"},
        {"RETURN n.s STARTS WITH 'A' AND n.s ENDS WITH 'z' OR n.s CONTAINS 'q', s =~ 'a.*'",
         "RETURN (or (and (starts_with n.s 'A') (ends_with n.s 'z')) (contains n.s 'q')), (=~ s 'a.*')"},
        {"RETURN a OR b OR c, a AND b AND c AND d, a XOR b XOR c XOR d XOR e",
         "RETURN (or (or a b) c), (and (and a b) (and c d)), (xor (xor (xor a b) c) (xor d e))"},
        {"RETURN NOT a = b, NOT NOT x, a OR b XOR c AND NOT d, NOT false >= false",
         "RETURN (not (= a b)), (not (not x)), (or a (xor b (and c (not d)))), (not (>= false false))"},
        {"RETURN false = true IN [true, false], NOT true IN [true]",
         "RETURN (= false (in true [true, false])), (not (in true [true]))"},
        {"RETURN - - 1, -x.y, +x, - (3)", "RETURN (neg -1), (neg x.y), (pos x), (neg 3)"},
        {"RETURN n.a.b, l[0], l[1..], l[..2], l[1..3], n:A:B, (n).x, m[$k]",
         "RETURN n.a.b, l[0], l[1..], l[..2], l[1..3], (has n :A:B), n.x, m[$k]"},
        {"RETURN a.b[0].c, [1, 2][0][..1]", "RETURN a.b[0].c, [1, 2][0][..1]"},
    };
    CHECK(c);
}

static void test_literals(void **state) {
    (void)state;
    static const pcase c[] = {
        {"RETURN 0, 42, 0x1F, 0XfF, 0o17, 017, 9223372036854775807", "RETURN 0, 42, 31, 255, 15, 15, 9223372036854775807"},
        {"RETURN -9223372036854775808, -0x8000000000000000, -0o1000000000000000000000, -0",
         "RETURN -9223372036854775808, -9223372036854775808, -9223372036854775808, 0"},
        {"RETURN 0.5, .5, 1e10, 1E9, 1.5E-3, 12e-1, .1e+2, -.0, 3985764.3405892687",
         "RETURN 0.5, 0.5, 10000000000.0, 1000000000.0, 0.0015, 1.2, 10.0, -0.0, 3985764.3405892686"},
        {"RETURN 1e308, 123456789e300", "RETURN 1e+308, 1.23456789e+308"},
        {"RETURN true, FALSE, null, NULL", "RETURN true, false, null, null"},
        {"RETURN 'a\\tb\\\\c\\'d\"e', \"x\\\"y\", '', \"\"", "RETURN 'a\\x09b\\\\c\\'d\"e', 'x\"y', '', ''"},
        {"RETURN '\\u00e9\\U0001F600', '\\uD83D\\uDE00', '\\b\\f\\n\\r', 'keep \\d'",
         "RETURN '\xc3\xa9\xf0\x9f\x98\x80', '\xf0\x9f\x98\x80', '\\x08\\x0c\\x0a\\x0d', 'keep \\\\d'"},
        {"RETURN '\xf0\x9f\xa7\x90\xf0\x9f\x8d\x8c', '\\u0000x'", "RETURN '\xf0\x9f\xa7\x90\xf0\x9f\x8d\x8c', '\\x00x'"},
        {"RETURN [], [1, 'a', [null]], {}, {a: 1, `b c`: [], d: {e: 2}}, $p, $0, $`odd name`",
         "RETURN [], [1, 'a', [null]], {}, {a: 1, b c: [], d: {e: 2}}, $p, $0, $odd name"},
    };
    CHECK(c);

    /* literal values and the string length with an embedded NUL */
    qv_arena a;
    qv_arena_init(&a);
    const char *q = "RETURN -9223372036854775808, '\\u0000x', 1.5";
    cy_ast *r = cy_parse(&a, q, (uint32_t)strlen(q), NULL);
    assert_non_null(r);
    cy_proj_item *it = r->parts[0].clauses[0]->proj.items;
    assert_int_equal(it[0].expr->kind, CX_INT);
    assert_true(it[0].expr->lit.i == INT64_MIN);
    assert_int_equal(it[1].expr->kind, CX_STRING);
    assert_int_equal(it[1].expr->lit.type, QT_STRING);
    assert_int_equal(it[1].expr->lit.len, 2);
    assert_memory_equal(it[1].expr->lit.s, "\0x", 2);
    assert_int_equal(it[2].expr->lit.type, QT_FLOAT);
    assert_true(it[2].expr->lit.f == 1.5);
    qv_arena_free(&a);
}

static void test_atoms(void **state) {
    (void)state;
    static const pcase c[] = {
        {"RETURN count(*), count(DISTINCT n.x), COUNT(n), date.truncate('month', d), `my fn`(1), a.b.c(2)",
         "RETURN count(*), count(DISTINCT n.x), COUNT(n), date.truncate('month', d), my fn(1), a.b.c(2)"},
        {"MATCH (n) WHERE exists(n.prop) AND exists((n)-->()) RETURN n",
         "MATCH (n) WHERE (and exists(n.prop) exists{(n)-[]->()}) RETURN n"},
        {"RETURN [x IN l WHERE x > 1 | x * 2], [x IN l | x], [x IN l WHERE x], [x IN l]",
         "RETURN [x IN l WHERE (> x 1) | (* x 2)], [x IN l | x], [x IN l WHERE x], [x IN l]"},
        {"MATCH (a) RETURN [(a)-->(b:B) WHERE b.x > 0 | b.y], [p = (a)-[:T*]->() | length(p)], size([(a)--() | 1])",
         "MATCH (a) RETURN [(a)-[]->(b:B) WHERE (> b.x 0) | b.y], [p = (a)-[:T*1..]->() | length(p)], size([(a)-[]-() | 1])"},
        {"RETURN all(x IN l WHERE x > 0), any(x IN l WHERE x), none(x IN l WHERE x), single(x IN l WHERE x)",
         "RETURN (all x IN l WHERE (> x 0)), (any x IN l WHERE x), (none x IN l WHERE x), (single x IN l WHERE x)"},
        {"RETURN reduce(acc = 0, x IN l | acc + x), any(x IN [1])", "RETURN (reduce acc = 0, x IN l | (+ acc x)), (any x IN [1])"},
        {"RETURN CASE x WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END, CASE WHEN x > 1 THEN true END",
         "RETURN (case x (when 1 'a') (when 2 'b') (else 'c')), (case (when (> x 1) true))"},
        {"MATCH (n) RETURN n{.a, .*, b: n.c + 1, x}, n {}", "MATCH (n) RETURN n{.a, .*, b: (+ n.c 1), x}, n{}"},
        {"MATCH (n) WHERE exists { (n)-[:R]->(m) WHERE m.x = 1 } AND EXISTS { MATCH (n)-->(o) RETURN o } RETURN n",
         "MATCH (n) WHERE (and exists{(n)-[:R]->(m) WHERE (= m.x 1)} exists{MATCH (n)-[]->(o) RETURN o}) RETURN n"},
        {"MATCH (n) WHERE exists { MATCH (n)-->(m) WITH m WHERE m.x = 1 } RETURN n",
         "MATCH (n) WHERE exists{MATCH (n)-[]->(m) WITH m WHERE (= m.x 1)} RETURN n"},
        {"MATCH (n) WHERE n:A OR n:B RETURN n", "MATCH (n) WHERE (or (has n :A) (has n :B)) RETURN n"},
        {"MATCH (a) WHERE NOT (a)-[:T]->() AND ((a)<--() OR (a)--()) RETURN a",
         "MATCH (a) WHERE (and (not (a)-[:T]->()) (or (a)<-[]-() (a)-[]-())) RETURN a"},
        {"MATCH (a), (b) RETURN shortestPath((a)-[*]-(b))", "MATCH (a), (b) RETURN shortestPath((a)-[*1..]-(b))"},
        {"RETURN (1), ((a)), (a) - (b), (a)-1, (a)--1, (a)<-1, (a)<--1", "RETURN 1, a, (- a b), (- a 1), (- a -1), (< a -1), (< a (neg -1))"},
    };
    CHECK(c);
}

/* ---------------------------------------------------------------- patterns and clauses */

static void test_patterns(void **state) {
    (void)state;
    static const pcase c[] = {
        {"MATCH p = (a:A:B {x: 1})<-[r:T|:U|V *2..5 {w: 2}]-(b $props)--(c)<--(d)-->(e) RETURN p",
         "MATCH p = (a:A:B {x: 1})<-[r:T|U|V*2..5 {w: 2}]-(b $props)-[]-(c)<-[]-(d)-[]->(e) RETURN p"},
        {"MATCH (a)-[*]->(b), (a)-[*3]->(b), (a)-[*..3]->(b), (a)-[*2..]->(b), (a)-[r*0..1]-(b), (a)<-[*1..1]->(b) RETURN a",
         "MATCH (a)-[*1..]->(b), (a)-[*3..3]->(b), (a)-[*1..3]->(b), (a)-[*2..]->(b), (a)-[r*0..1]-(b), (a)-[*1..1]-(b) RETURN a"},
        {"MATCH q = shortestPath((a)-[*]-(e)), allShortestPaths((a)-[*..3]->(b)), ((x)-->(y)) RETURN q",
         "MATCH q = shortestPath((a)-[*1..]-(e)), allShortestPaths((a)-[*1..3]->(b)), (x)-[]->(y) RETURN q"},
        {"MATCH (`~id` {`a``b`: 1}) // comment\n/* block\ncomment */ RETURN `~id`", "MATCH (~id {a`b: 1}) RETURN ~id"},
        {"CREATE (a), (b), (a)-[:R {since: $s}]->(b)", "CREATE (a), (b), (a)-[:R {since: $s}]->(b)"},
    };
    CHECK(c);

    qv_arena a;
    qv_arena_init(&a);
    const char *q = "MATCH (a)<-[r:T*2..]-(b)-[*]->(c)--(d) RETURN a";
    cy_ast *r = cy_parse(&a, q, (uint32_t)strlen(q), NULL);
    assert_non_null(r);
    const cy_path_pat *pp = &r->parts[0].clauses[0]->pattern->paths[0];
    assert_int_equal(pp->n_rels, 3);
    assert_int_equal(pp->rels[0].dir, CY_DIR_LEFT);
    assert_true(pp->rels[0].varlen);
    assert_int_equal(pp->rels[0].min_hops, 2);
    assert_int_equal(pp->rels[0].max_hops, -1);
    assert_string_equal(pp->rels[0].var, "r");
    assert_int_equal(pp->rels[1].dir, CY_DIR_RIGHT);
    assert_int_equal(pp->rels[1].min_hops, 1);
    assert_int_equal(pp->rels[2].dir, CY_DIR_BOTH);
    assert_false(pp->rels[2].varlen);
    assert_null(pp->nodes[1].var == NULL ? NULL : pp->nodes[3].labels);
    assert_string_equal(pp->nodes[3].var, "d");
    qv_arena_free(&a);
}

static void test_clauses(void **state) {
    (void)state;
    static const pcase c[] = {
        {"OPTIONAL MATCH (n) WITH DISTINCT n, n.x AS x ORDER BY x DESC, n.y ASCENDING SKIP 1 LIMIT 2 WHERE x > 1 "
         "RETURN *, x AS y ORDER BY y DESCENDING",
         "OPTIONAL MATCH (n) WITH DISTINCT n, n.x AS x ORDER BY x DESC, n.y SKIP 1 LIMIT 2 WHERE (> x 1) RETURN *, x AS y "
         "ORDER BY y DESC"},
        {"UNWIND [1, 2] AS x CREATE (n {v: x}) SET n.a = 1, n = {b: 2}, n += {c: 3}, n:L1:L2, (n).d = 4 "
         "REMOVE n.a, n:L1 DETACH DELETE n, m",
         "UNWIND [1, 2] AS x CREATE (n {v: x}) SET n.a = 1, n = {b: 2}, n += {c: 3}, n:L1:L2, n.d = 4 REMOVE n.a, n:L1 "
         "DETACH DELETE n, m"},
        {"FOREACH (x IN [1, 2] | CREATE (:N {v: x}) FOREACH (y IN [x] | MERGE (:M {v: y})))",
         "FOREACH (x IN [1, 2] | CREATE (:N {v: x}) FOREACH (y IN [x] | MERGE (:M {v: y})))"},
        {"MERGE (a:A) ON MATCH SET a.m = 1 ON CREATE SET a.c = 1 ON MATCH SET a.n = 2",
         "MERGE (a:A) ON CREATE SET a.c = 1 ON MATCH SET a.m = 1, a.n = 2"},
        {"CALL db.labels() YIELD label AS l, count WHERE l <> 'x' RETURN l",
         "CALL db.labels() YIELD label AS l, count WHERE (<> l 'x') RETURN l"},
        {"CALL test.my.proc YIELD *", "CALL test.my.proc YIELD *"},
        {"MATCH (n) CALL test.doNothing() RETURN n", "MATCH (n) CALL test.doNothing() RETURN n"},
        {"RETURN 1 AS a UNION RETURN 2 AS a UNION RETURN 3 AS a;", "RETURN 1 AS a UNION RETURN 2 AS a UNION RETURN 3 AS a"},
        {"RETURN 1 AS a UNION ALL RETURN 2 AS a", "RETURN 1 AS a UNION ALL RETURN 2 AS a"},
        {"match (n) where n.x in [1,2] return distinct n order by n.x limit 3",
         "MATCH (n) WHERE (in n.x [1, 2]) RETURN DISTINCT n ORDER BY n.x LIMIT 3"},
        {"WITH 1 AS x WITH *, x + 1 AS y RETURN y", "WITH 1 AS x WITH *, (+ x 1) AS y RETURN y"},
        {"CREATE (a) WITH a MATCH (b) RETURN b", "CREATE (a) WITH a MATCH (b) RETURN b"},
        {"RETURN 1 AS r\xc3\xa9sum\xc3\xa9, \xe6\x97\xa5\xe6\x9c\xac AS x, 1 AS `a``b`",
         "RETURN 1 AS r\xc3\xa9sum\xc3\xa9, \xe6\x97\xa5\xe6\x9c\xac AS x, 1 AS a`b"},
    };
    CHECK(c);

    qv_arena a;
    qv_arena_init(&a);
    const char *q1 = "CALL p.q", *q2 = "CALL p.q()", *q3 = "RETURN 1 AS a UNION ALL RETURN 2 AS a UNION ALL RETURN 3 AS a";
    cy_ast *r = cy_parse(&a, q1, (uint32_t)strlen(q1), NULL);
    assert_non_null(r);
    assert_false(r->parts[0].clauses[0]->has_arg_list);
    assert_string_equal(r->parts[0].clauses[0]->proc_name, "p.q");
    r = cy_parse(&a, q2, (uint32_t)strlen(q2), NULL);
    assert_true(r->parts[0].clauses[0]->has_arg_list);
    assert_int_equal(r->parts[0].clauses[0]->n_args, 0);
    r = cy_parse(&a, q3, (uint32_t)strlen(q3), NULL);
    assert_int_equal(r->n_parts, 3);
    assert_true(r->union_all[0] && r->union_all[1]);
    qv_arena_free(&a);
}

static void test_schema(void **state) {
    (void)state;
    static const pcase c[] = {
        {"CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)",
         "CREATE INDEX person_name IF NOT EXISTS FOR (n:Person) ON (n.name)"},
        {"CREATE INDEX FOR ()-[r:KNOWS]-() ON (r.since, r.weight)", "CREATE INDEX FOR ()-[r:KNOWS]-() ON (r.since, r.weight)"},
        {"create index for ()-[r:KNOWS]->() on (r.since)", "CREATE INDEX FOR ()-[r:KNOWS]-() ON (r.since)"},
        {"CREATE INDEX ON :Person(name)", "CREATE INDEX FOR (:Person) ON (.name)"},
        {"CREATE CONSTRAINT uniq IF NOT EXISTS FOR (n:Person) REQUIRE n.email IS UNIQUE",
         "CREATE CONSTRAINT uniq IF NOT EXISTS FOR (n:Person) REQUIRE (n.email) IS UNIQUE"},
        {"CREATE CONSTRAINT FOR (n:P) REQUIRE (n.a, n.b) IS UNIQUE", "CREATE CONSTRAINT FOR (n:P) REQUIRE (n.a, n.b) IS UNIQUE"},
        {"CREATE CONSTRAINT ON (n:P) ASSERT n.a IS UNIQUE", "CREATE CONSTRAINT FOR (n:P) REQUIRE (n.a) IS UNIQUE"},
        {"DROP INDEX person_name IF EXISTS", "DROP INDEX person_name IF EXISTS"},
        {"DROP CONSTRAINT `uniq`;", "DROP CONSTRAINT uniq"},
        {"SHOW INDEXES", "SHOW INDEXES"},
        {"show constraints;", "SHOW CONSTRAINTS"},
    };
    CHECK(c);
    qv_arena a;
    qv_arena_init(&a);
    const char *q = "CREATE INDEX i FOR ()-[r:T]-() ON (r.p)";
    cy_ast *r = cy_parse(&a, q, (uint32_t)strlen(q), NULL);
    assert_non_null(r);
    assert_int_equal(r->kind, CY_STMT_CREATE_INDEX);
    assert_true(r->schema_rel);
    assert_string_equal(r->schema_name, "i");
    assert_string_equal(r->schema_var, "r");
    assert_string_equal(r->schema_token, "T");
    assert_int_equal(r->n_schema_keys, 1);
    assert_string_equal(r->schema_keys[0], "p");
    qv_arena_free(&a);
}

/* ---------------------------------------------------------------- column names and ranges */

static void test_column_text(void **state) {
    (void)state;
    const char *q = "MATCH (n) RETURN count(n.num), n.name, a.x  +  1, (a), [1, 2][0], n{.a}, "
                    "CASE WHEN true THEN 1 END, -1, 'x', n:A, count(*), a IS NULL, [x IN l | x], exists((n)-->()), "
                    "$p, -x, NOT y, l[1..2], n.name AS alias";
    static const char *const want[] = {
        "count(n.num)", "n.name", "a.x  +  1", "(a)", "[1, 2][0]", "n{.a}", "CASE WHEN true THEN 1 END", "-1", "'x'",
        "n:A", "count(*)", "a IS NULL", "[x IN l | x]", "exists((n)-->())", "$p", "-x", "NOT y", "l[1..2]", "n.name",
    };
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    cy_ast *r = cy_parse(&a, q, (uint32_t)strlen(q), &err);
    if (!r) fail_msg("%s", err.msg);
    const cy_projection *pr = &r->parts[0].clauses[1]->proj;
    assert_int_equal(pr->n_items, sizeof want / sizeof *want);
    for (uint32_t i = 0; i < pr->n_items; i++) {
        assert_string_equal(pr->items[i].text, want[i]);
        /* the expression's own range is the same text */
        const cy_expr *e = pr->items[i].expr;
        assert_true(e->end > e->pos);
        if (strlen(want[i]) != e->end - e->pos || memcmp(q + e->pos, want[i], e->end - e->pos) != 0)
            fail_msg("item %u: range [%u,%u) is '%.*s', want '%s'", i, e->pos, e->end, (int)(e->end - e->pos), q + e->pos,
                     want[i]);
    }
    assert_null(pr->items[0].alias);
    assert_string_equal(pr->items[pr->n_items - 1].alias, "alias");
    /* inner ranges: a.x  +  1 */
    const cy_expr *add = pr->items[2].expr;
    assert_int_equal(add->kind, CX_BINARY);
    assert_int_equal(add->a->end - add->a->pos, 3);
    assert_memory_equal(q + add->a->pos, "a.x", 3);
    assert_memory_equal(q + add->b->pos, "1", 1);
    qv_arena_free(&a);
}

/* ---------------------------------------------------------------- errors */

static void test_errors_literals(void **state) {
    (void)state;
    static const ecase c[] = {
        {"RETURN 9223372036854775808 AS literal", "IntegerOverflow", 7, "too large"},
        {"RETURN -9223372036854775809 AS literal", "IntegerOverflow", 7, NULL},
        {"RETURN 0x8000000000000000 AS literal", "IntegerOverflow", 7, NULL},
        {"RETURN -0x8000000000000001 AS literal", "IntegerOverflow", 7, NULL},
        {"RETURN 0o1000000000000000000000 AS literal", "IntegerOverflow", 7, NULL},
        {"RETURN -0o1000000000000000000001 AS literal", "IntegerOverflow", 7, NULL},
        {"RETURN 99999999999999999999999999", "IntegerOverflow", 7, NULL},
        {"RETURN 0x AS literal", "InvalidNumberLiteral", 7, "'0x'"},
        {"RETURN 0x1A2b3j4D5E6f7 AS literal", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 0x1A2b3c4Z5E6f7 AS literal", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 9223372h54775808 AS literal", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 1e", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 0o8", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 019", "InvalidNumberLiteral", 7, NULL},
        {"RETURN 1.34E999", "FloatingPointOverflow", 7, NULL},
        {"RETURN '\\uH'", "InvalidUnicodeLiteral", 7, NULL},
        {"RETURN 'ab\\U0011FFFF'", "InvalidUnicodeLiteral", 7, NULL},
        {"RETURN 42 \xe2\x80\x94 41", "InvalidUnicodeCharacter", 10, NULL},
        {"RETURN 9223372#54775808 AS literal", "UnexpectedSyntax", 14, "'#'"},
        {"RETURN 1.2.3", "UnexpectedSyntax", 10, "'.3'"},
        {"RETURN {1B2c3e67:1} AS literal", "UnexpectedSyntax", 8, "property key"},
        {"RETURN {k1#k: 1} AS literal", "UnexpectedSyntax", 10, NULL},
        {"RETURN {k1.k: 1} AS literal", "UnexpectedSyntax", 10, NULL},
        {"RETURN {, } AS literal", "UnexpectedSyntax", 8, NULL},
        {"RETURN {1} AS literal", "UnexpectedSyntax", 8, NULL},
        {"RETURN {[]} AS literal", "UnexpectedSyntax", 8, NULL},
        {"RETURN {{}} AS literal", "UnexpectedSyntax", 8, NULL},
        {"RETURN {k: {k: {}} AS literal", "UnexpectedSyntax", 19, NULL},
        {"RETURN [, ] AS literal", "UnexpectedSyntax", 8, NULL},
        {"RETURN [[[]] AS literal", "UnexpectedSyntax", 13, "expected ',' or ']'"},
        {"RETURN [[','[]',']] AS literal", "UnexpectedSyntax", 13, NULL},
        {"RETURN 'abc", "UnexpectedSyntax", 7, "not terminated"},
        {"RETURN `abc", "UnexpectedSyntax", 7, "not terminated"},
        {"RETURN 1 /* abc", "UnexpectedSyntax", 9, "comment"},
        {"RETURN $", "UnexpectedSyntax", 7, "parameter name"},
        {"RETURN 'a\xff'", "UnexpectedSyntax", 7, "UTF-8"},
    };
    CHECK_ERRORS(c);
}

static void test_errors_structure(void **state) {
    (void)state;
    static const ecase c[] = {
        {"", "UnexpectedSyntax", 0, "empty"},
        {"  // only a comment\n", "UnexpectedSyntax", 20, "empty"},
        {"RETURN", "UnexpectedSyntax", 6, "end of input"},
        {"MATCH (n) RETURN n,", "UnexpectedSyntax", 19, "end of input"},
        {"MATCH (n RETURN n", "UnexpectedSyntax", 9, "Invalid input 'RETURN'"},
        {"RETURN 1 RETURN 2", "UnexpectedSyntax", 9, NULL},
        {"MATCH (n) RETURN n ORDER n", "UnexpectedSyntax", 25, "expected BY"},
        {"MATCH (n) RETRUN n", "UnexpectedSyntax", 10, NULL},
        {"RETURN a.", "UnexpectedSyntax", 9, NULL},
        {"RETURN CASE END", "UnexpectedSyntax", 12, NULL},
        {"RETURN reduce(a = 0, x IN [1] a + x)", "UnexpectedSyntax", 30, "'|'"},
        {"MATCH (a)-[:LIKES..]->(c) RETURN c.name", "InvalidRelationshipPattern", 17, NULL},
        {"MATCH (a)-[:LIKES*-2]->(c) RETURN c.name", "InvalidRelationshipPattern", 18, NULL},
        {"MATCH ()-[r:T*1.5]->() RETURN r", "InvalidRelationshipPattern", 14, NULL},
        {"RETURN 1 AS a UNION RETURN 2 AS a UNION ALL RETURN 3 AS a", "InvalidClauseComposition", 34, "mixed"},
        {"RETURN 1 AS a UNION ALL RETURN 2 AS a UNION RETURN 3 AS a", "InvalidClauseComposition", 38, NULL},
        {"MATCH (n) WHERE exists {\n  MATCH (n)-->(m)\n  SET m.prop='fail'\n}\nRETURN n", "InvalidClauseComposition",
         45, NULL},
        {"MATCH (n)", "InvalidClauseComposition", 9, "cannot conclude"},
        {"CREATE (n) MATCH (m) RETURN m", "InvalidClauseComposition", 11, "WITH is required"},
        {"FOREACH (x IN [1] | MATCH (n))", "InvalidClauseComposition", 20, NULL},
        {"FOREACH (x IN [1] | CREATE (n) foo)", "UnexpectedSyntax", 31, "updating clause or ')'"},
        {"FOREACH (x IN [1] | )", "UnexpectedSyntax", 20, NULL},
        {"CALL test.my.proc('Stefan', 1) YIELD *\nRETURN city, country_code", "UnexpectedSyntax", 37, "YIELD *"},
        {"MATCH (n) CALL test.my.proc(n) YIELD * RETURN 1", "UnexpectedSyntax", 37, "YIELD *"},
        {"MATCH (n) RETURN (n)-[]->()", "UnexpectedSyntax", 17, "predicate"},
        {"MATCH (n) WITH (n)-[]->() AS x RETURN x", "UnexpectedSyntax", 15, NULL},
        {"MATCH (n) SET n.prop = head(nodes(head((n)-[:REL]->()))).foo", "UnexpectedSyntax", 39, NULL},
        {"MATCH (a), (b), (c) RETURN size((a)-[:REL]->(:C)<-[:REL]-(a {num: 5}))", "UnexpectedSyntax", 32, NULL},
        {"MATCH (n) WHERE (n)-->() = true RETURN n", "UnexpectedSyntax", 16, NULL},
        {"CREATE INDEX FOR (n:P) ON (m.x)", "UndefinedVariable", 27, NULL},
        {"CREATE INDEX FOR (n:P)", "UnexpectedSyntax", 22, "ON"},
        {"SHOW TABLES", "UnexpectedSyntax", 5, NULL},
        {"MATCH (n) RETURN n; MATCH (m) RETURN m", "UnexpectedSyntax", 20, NULL},
        {"RETURN 1 AS end", "UnexpectedSyntax", 12, NULL},
        {"MERGE (a), (b)", "UnexpectedSyntax", 9, NULL},
        {"MATCH (n) SET n", "UnexpectedSyntax", 15, NULL},
        {"MATCH (n) REMOVE n", "UnexpectedSyntax", 18, NULL},
    };
    CHECK_ERRORS(c);
}

/* ---------------------------------------------------------------- nesting */

static char *repeat3(const char *pre, const char *unit, size_t n, const char *mid, const char *unit2, size_t n2,
                     const char *post) {
    size_t len = strlen(pre) + strlen(unit) * n + strlen(mid) + strlen(unit2) * n2 + strlen(post) + 1;
    char *s = malloc(len), *w = s;
    w += sprintf(w, "%s", pre);
    for (size_t i = 0; i < n; i++) w += sprintf(w, "%s", unit);
    w += sprintf(w, "%s", mid);
    for (size_t i = 0; i < n2; i++) w += sprintf(w, "%s", unit2);
    sprintf(w, "%s", post);
    return s;
}

static void expect_depth(char *q, bool ok) {
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    clock_t t0 = clock();
    cy_ast *r = cy_parse(&a, q, (uint32_t)strlen(q), &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    char head[64];
    snprintf(head, sizeof head, "%.60s", q);
    size_t len = strlen(q);
    free(q);
    qv_arena_free(&a);
    if (ok && !r) fail_msg("%s... (%zu bytes) fails: %s", head, len, err.msg);
    if (!ok) {
        if (r) fail_msg("%s... (%zu bytes) parses but is too deep", head, len);
        assert_int_equal(err.cls, CYE_SYNTAX);
        assert_string_equal(err.detail, "UnexpectedSyntax");
        assert_true(err.offset >= 0 && (size_t)err.offset <= len);
    }
    if (secs > 2.0) fail_msg("%s... took %.1f s", head, secs);
}

static void test_error_line_column(void **state) {
    (void)state;
    const char *q = "MATCH (n)\nWHERE n.x = 1\n  RETURN n.x +";
    cy_error err;
    qv_arena a;
    qv_arena_init(&a);
    assert_null(cy_parse(&a, q, (uint32_t)strlen(q), &err));
    assert_int_equal(err.offset, (int32_t)strlen(q));
    assert_int_equal(err.line, 3);
    assert_int_equal(err.column, 15);
    assert_null(cy_parse(&a, "RETURN 1 +", 10, NULL));   /* no error struct: still fails cleanly */
    qv_arena_free(&a);
}

/* The text is bounded by len, never by a NUL: the lexer must not read past it. */
static void test_length_bounded(void **state) {
    (void)state;
    qv_arena a;
    qv_arena_init(&a);
    const char *q = "RETURN 'abc' + 1 garbage";
    cy_ast *r = cy_parse(&a, q, 16, NULL);
    assert_non_null(r);
    assert_string_equal(cy_ast_debug(&a, r), "RETURN (+ 'abc' 1)");
    cy_error err;
    assert_null(cy_parse(&a, q, 10, &err));   /* the string is cut: unterminated */
    assert_int_equal(err.offset, 7);
    char nul[] = {'R', 'E', 'T', 'U', 'R', 'N', ' ', '1', 0, '2'};
    assert_null(cy_parse(&a, nul, sizeof nul, &err));   /* a NUL inside the text is an error, not an end */
    assert_int_equal(err.offset, 8);
    assert_null(cy_parse(&a, NULL, 0, &err));
    assert_string_equal(err.detail, "UnexpectedSyntax");
    qv_arena_free(&a);
}

static void test_deep_nesting(void **state) {
    (void)state;
    const size_t big = 100000;
    expect_depth(repeat3("RETURN ", "(", 100, "1", ")", 100, ""), true);
    expect_depth(repeat3("RETURN ", "[", 100, "1", "]", 100, ""), true);
    expect_depth(repeat3("RETURN ", "(", big, "1", ")", big, ""), false);
    expect_depth(repeat3("RETURN ", "(", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN ", "[", big, "", "]", big, ""), false);
    expect_depth(repeat3("RETURN ", "{a:", big, "1", "}", big, ""), false);
    expect_depth(repeat3("RETURN ", "- ", big, "x", "", 0, ""), false);
    expect_depth(repeat3("RETURN ", "NOT ", big, "x", "", 0, ""), false);
    expect_depth(repeat3("RETURN 1", " + 1", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN 1", " OR 1", big, "", "", 0, ""), true);   /* balanced: shallow */
    expect_depth(repeat3("RETURN x = 1", " OR x = 1", big, "", "", 0, ""), true);
    expect_depth(repeat3("RETURN ", "(1 OR ", big, "1", ")", big, ""), false);
    expect_depth(repeat3("RETURN 1", " < 1", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN 1", " IS NULL", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN x", ".a", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN x", "[0]", big, "", "", 0, ""), false);
    expect_depth(repeat3("RETURN ", "CASE WHEN ", big, "1", "", 0, ""), false);
    expect_depth(repeat3("RETURN ", "exists { MATCH (n) WHERE ", big, "", "", 0, ""), false);
    expect_depth(repeat3("MATCH (a) WHERE ", "(a {p: ", big, "1", "})-->()", big, " RETURN a"), false);
    expect_depth(repeat3("RETURN ", "[(a {p: ", 60, "1", "})-->() | 1]", 60, ""), true);
    expect_depth(repeat3("CREATE ", "(a)-->", big, "(b)", "", 0, ""), true);   /* long, not deep */
    expect_depth(repeat3("RETURN [", "1, ", big, "1]", "", 0, ""), true);
    expect_depth(repeat3("RETURN 1", " + 1", 200, "", "", 0, ""), true);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nodestream_ingest),
        cmocka_unit_test(test_nodestream_ttl_migrations_copy),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_literals),
        cmocka_unit_test(test_atoms),
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_clauses),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_column_text),
        cmocka_unit_test(test_errors_literals),
        cmocka_unit_test(test_errors_structure),
        cmocka_unit_test(test_error_line_column),
        cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_deep_nesting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
