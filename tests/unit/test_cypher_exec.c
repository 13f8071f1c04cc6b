/* test_cypher_exec.c — the query engine end to end through cypher.h on an empty in-memory graph:
 * reading and writing clauses, expressions, aggregation, ordering, OPTIONAL MATCH, MERGE, DELETE,
 * variable-length paths, UNION, procedures, errors and their phases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "cypher/engine_int.h"
#include "test_cypher_exec_util.h"


/* A graph whose Arrow import is still running cannot be queried: a phase error that says why, not "no such
 * graph"; an unknown name is GraphNotFound. */
static void test_graph_being_built(void **state) {
    tenv *t = *state;
    qv_err ge;
    assert_int_equal(gcatalog_reserve(t->cat, "loading", false, &ge), 0);
    cy_query_opts o = {.graph = "loading"};
    cy_result *r = NULL;
    cy_error err;
    assert_int_equal(cy_query(t->e, "MATCH (n) RETURN n", 18, &o, &r, &err), -1);
    assert_int_equal(err.cls, CYE_PHASE);
    assert_non_null(strstr(err.msg, "being built"));
    gcatalog_unreserve(t->cat, "loading");
    assert_int_equal(cy_query(t->e, "MATCH (n) RETURN n", 18, &o, &r, &err), -1);
    assert_int_equal(err.cls, CYE_NOT_FOUND);
}

static void test_create_match_return(void **state) {
    tenv *t = *state;
    EXPECT(t, "CREATE (a:A {name: 'x', n: 1})-[:R {w: 2}]->(b:B {name: 'y'}) RETURN a.name, b.name", "'x', 'y'");
    assert_int_equal(t->last_stats.nodes_created, 2);
    assert_int_equal(t->last_stats.rels_created, 1);
    EXPECT(t, "MATCH (a:A)-[r:R]->(b) RETURN a, r, b", "(:A {n: 1, name: 'x'}), [:R {w: 2}], (:B {name: 'y'})");
    EXPECT(t, "MATCH (b)<-[r]-(a) RETURN a.name, b.name", "'x', 'y'");
    EXPECT(t, "MATCH (a)--(b) RETURN a.name, b.name ORDER BY a.name", "'x', 'y'\n'y', 'x'");
    EXPECT(t, "MATCH (n) WHERE n.name = 'y' RETURN n.name", "'y'");
    EXPECT(t, "MATCH (n:A) RETURN count(*)", "1");
    EXPECT(t, "MATCH (n:Nope) RETURN count(*)", "0");
    EXPECT(t, "MATCH p = (a)-[:R]->(b) RETURN p", "<(:A {n: 1, name: 'x'})-[:R {w: 2}]->(:B {name: 'y'})>");
}

static void test_expressions(void **state) {
    tenv *t = *state;
    EXPECT(t, "RETURN 1 + 2 AS x, 'a' + 'b', [1, 2, 3][1], [1, 2, 3][-1], {a: 1}.a", "3, 'ab', 2, 3, 1");
    EXPECT(t, "RETURN null = null, null AND false, null OR true, NOT null, 1 < 2", "null, false, true, null, true");
    EXPECT(t, "RETURN [x IN range(1, 5) WHERE x % 2 = 1 | x * 10]", "[10, 30, 50]");
    EXPECT(t, "RETURN reduce(acc = 0, x IN [1, 2, 3] | acc + x), all(x IN [1, 2] WHERE x > 0)", "6, true");
    EXPECT(t, "RETURN CASE WHEN 1 > 2 THEN 'a' ELSE 'b' END, CASE 2 WHEN 1 THEN 'x' WHEN 2 THEN 'y' END", "'b', 'y'");
    EXPECT(t, "RETURN [1, 2, 3, 4][1..3], 3 IN [1, 2, 3], 'abc' STARTS WITH 'ab', 'abc' =~ 'a.c'", "[2, 3], true, true, true");
    EXPECT(t, "RETURN 9223372036854775807 + 1", "ERR ArithmeticError IntegerOverflow");
    EXPECT(t, "RETURN $x + 1", "ERR ParameterMissing MissingParameter");
    EXPECT(t, "WITH {a: {b: 2}} AS m RETURN m.a.b, m['a']", "2, {b: 2}");
    EXPECT(t, "RETURN 1 AS a, 2 AS b ORDER BY b DESC", "1, 2");
    /* property access, indexing and their errors */
    EXPECT(t, "WITH null AS n RETURN n.x, n[0], [1][null]", "null, null, null");
    EXPECT(t, "WITH 1 AS n RETURN n.x", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "UNWIND [{a: 1}, 1] AS n RETURN n.a", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "RETURN [1, 2]['a']", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "RETURN {a: 1}[0]", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "RETURN [1, 2][5], [1, 2][-5], {a: 1}['b'], [1, 2, 3][-2..]", "null, null, null, [2, 3]");
    EXPECT(t, "RETURN -9223372036854775807 - 2", "ERR ArithmeticError IntegerOverflow");
    EXPECT(t, "RETURN 2 IN [1, null], 1 IN [1, null], null IN []", "null, true, false");
    EXPECT(t, "RETURN NOT 1", "ERR SyntaxError InvalidArgumentType");   /* known at compile time */
    EXPECT(t, "UNWIND [true, 1] AS b RETURN NOT b", "ERR TypeError InvalidArgumentType");
}

/* Relationship uniqueness within one MATCH, not across MATCH clauses. */
static void test_relationship_uniqueness(void **state) {
    tenv *t = *state;
    tq(t, "CREATE (a:U)-[:R]->(b:U)");
    EXPECT(t, "MATCH (a)-[r1]-(b)-[r2]-(c) RETURN count(*)", "0");
    EXPECT(t, "MATCH (a)-[r1]-(b) MATCH (b)-[r2]-(c) RETURN count(*)", "2");
    EXPECT(t, "MATCH (a)-[*2]-(c) RETURN count(*)", "0");
    EXPECT(t, "MATCH (a)-[r]->(b) RETURN count(*)", "1");
    tq(t, "MATCH (a:U) CREATE (a)-[:S]->(a)");
    EXPECT(t, "MATCH (a)-[:S]-(b) RETURN count(*)", "2");
    EXPECT(t, "MATCH (a)-[:S]->(a) RETURN count(*)", "2");
}

static void test_unwind_with_aggregation(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND [3, 1, 2, 1] AS x RETURN x ORDER BY x", "1\n1\n2\n3");
    EXPECT(t, "UNWIND [3, 1, 2, 1] AS x RETURN DISTINCT x ORDER BY x DESC", "3\n2\n1");
    EXPECT(t, "UNWIND [3, 1, 2, 1] AS x RETURN count(*), count(DISTINCT x), sum(x), min(x), max(x), avg(x)",
           "4, 3, 7, 1, 3, 1.75");
    EXPECT(t, "UNWIND [1, 2, 3, 4] AS x WITH x % 2 AS k, x RETURN k, collect(x) ORDER BY k", "0, [2, 4]\n1, [1, 3]");
    EXPECT(t, "UNWIND [1, 2, 3] AS x WITH x WHERE x > 1 RETURN sum(x) AS s", "5");
    EXPECT(t, "UNWIND [1, 2, 3, 4, 5] AS x RETURN x ORDER BY x SKIP 1 LIMIT 2", "2\n3");
    EXPECT(t, "UNWIND [] AS x RETURN count(x), collect(x), sum(x), avg(x)", "0, [], 0, null");
    EXPECT(t, "UNWIND [1, 2, 3] AS x RETURN count(*) + 1 AS c, collect(x)[0] AS f", "4, 1");
    EXPECT(t, "UNWIND [10, 20, 30] AS x RETURN percentileDisc(x, 0.5), percentileCont(x, 0.25)", "20, 15.0");
    /* top-n: ORDER BY with LIMIT over more rows than it keeps, ties in input order */
    EXPECT(t, "UNWIND range(1, 5000) AS x RETURN x % 7 AS k, x ORDER BY k DESC, x SKIP 2 LIMIT 3", "6, 20\n6, 27\n6, 34");
    EXPECT(t, "UNWIND range(1, 5000) AS x WITH x ORDER BY -x LIMIT 2 RETURN collect(x)", "[5000, 4999]");
    EXPECT(t, "UNWIND [1, 2] AS x RETURN x UNION ALL UNWIND [2, 3] AS x RETURN x", "1\n2\n2\n3");
    EXPECT(t, "UNWIND [1, 2] AS x RETURN x UNION UNWIND [2, 3] AS x RETURN x", "1\n2\n3");
}

static void test_optional_and_patterns(void **state) {
    tenv *t = *state;
    tq(t, "CREATE (a:P {n: 'a'}), (b:P {n: 'b'}), (c:P {n: 'c'}), (a)-[:K]->(b), (b)-[:K]->(c)");
    EXPECT(t, "MATCH (x:P) OPTIONAL MATCH (x)-[:K]->(y) RETURN x.n, y.n ORDER BY x.n",
           "'a', 'b'\n'b', 'c'\n'c', null");
    EXPECT(t, "MATCH (a:P {n: 'a'})-[:K*]->(z) RETURN z.n ORDER BY z.n", "'b'\n'c'");
    EXPECT(t, "MATCH (a:P {n: 'a'})-[r:K*2]->(z) RETURN z.n, size(r)", "'c', 2");
    EXPECT(t, "MATCH (a:P {n: 'a'})-[:K*0..1]->(z) RETURN z.n ORDER BY z.n", "'a'\n'b'");
    EXPECT(t, "MATCH (x:P) WHERE (x)-[:K]->() RETURN x.n ORDER BY x.n", "'a'\n'b'");
    EXPECT(t, "MATCH (x:P) WHERE NOT (x)-[:K]->() RETURN x.n", "'c'");
    EXPECT(t, "MATCH (x:P {n: 'b'}) RETURN [(x)-[:K]->(y) | y.n]", "['c']");
    EXPECT(t, "MATCH (x:P {n: 'a'}), (y:P {n: 'c'}) RETURN length(shortestPath((x)-[*]->(y)))", "2");
    EXPECT(t, "MATCH (x:P {n: 'a'}), (y:P) RETURN count(*)", "3");
    EXPECT(t, "MATCH (a)-[r1]->(b)-[r2]->(c) RETURN a.n, c.n", "'a', 'c'");
    EXPECT(t, "MATCH (a)-[r1]-(b)-[r2]-(c) RETURN count(*)", "2");
    EXPECT(t, "MATCH (x:P) WHERE EXISTS { MATCH (x)-[:K]->(:P {n: 'c'}) } RETURN x.n", "'b'");
}

static void test_merge_set_delete(void **state) {
    tenv *t = *state;
    EXPECT(t, "MERGE (n:M {k: 1}) ON CREATE SET n.c = 1 ON MATCH SET n.m = 1 RETURN n", "(:M {c: 1, k: 1})");
    EXPECT(t, "MERGE (n:M {k: 1}) ON CREATE SET n.c = 2 ON MATCH SET n.m = 1 RETURN n", "(:M {c: 1, k: 1, m: 1})");
    EXPECT(t, "UNWIND [1, 2, 2, 3] AS k MERGE (n:M {k: k}) RETURN count(*)", "4");
    EXPECT(t, "MATCH (n:M) RETURN count(*)", "3");
    EXPECT(t, "MATCH (n:M {k: 2}) SET n += {a: 1, b: 'x'}, n:Extra RETURN n", "(:Extra:M {a: 1, b: 'x', k: 2})");
    EXPECT(t, "MATCH (n:M {k: 2}) SET n = {z: true} RETURN n", "(:Extra:M {z: true})");
    EXPECT(t, "MATCH (n:M {z: true}) SET n.z = null REMOVE n:Extra RETURN n", "(:M)");
    EXPECT(t, "MATCH (n:M {k: 1}) SET n.bad = {a: 1}", "ERR TypeError InvalidPropertyType");
    EXPECT(t, "MERGE ({num: null})", "ERR SemanticError MergeReadOwnWrites");
    tq(t, "MATCH (a:M {k: 1}), (b:M {k: 3}) CREATE (a)-[:L]->(b)");
    EXPECT(t, "MATCH (a:M {k: 1}) DELETE a", "ERR ConstraintVerificationFailed DeleteConnectedNode");
    EXPECT(t, "MATCH (n:M) RETURN count(*)", "3");
    EXPECT(t, "MATCH (a:M {k: 1})-[r]->() DELETE r, a", "");
    EXPECT(t, "MATCH (n:M) RETURN count(*)", "2");
    EXPECT(t, "MATCH (n:M) DETACH DELETE n", "");
    assert_int_equal(t->last_stats.nodes_deleted, 2);
    EXPECT(t, "MATCH (n:M) RETURN count(*)", "0");
    EXPECT(t, "CREATE (n:D) DELETE n RETURN n.x", "ERR EntityNotFound DeletedEntityAccess");
    EXPECT(t, "MATCH (n:D) RETURN count(*)", "0");
    EXPECT(t, "FOREACH (i IN [1, 2, 3] | CREATE (:F {i: i}))", "");
    EXPECT(t, "MATCH (f:F) RETURN sum(f.i)", "6");
}

static void test_neptune_ids(void **state) {
    tenv *t = *state;
    EXPECT(t, "CREATE (n:Person {`~id`: 'p1', name: 'ann'}) RETURN n.`~id`, id(n)", "'p1', 'p1'");
    EXPECT(t, "CREATE (n:Person {`~id`: 'p1'})", "ERR DuplicateDataException DuplicateId");
    EXPECT(t, "MATCH (n:Person {`~id`: 'p1'}) RETURN n.name", "'ann'");
    EXPECT(t, "MATCH (n:Company {`~id`: 'p1'}) RETURN n.name", "");
    EXPECT(t, "MATCH (n {`~id`: 'p1'}) SET n = {age: 3} RETURN n, n.`~id`", "(:Person {age: 3}), 'p1'");
    /* MERGE with ON CREATE SET n = / += map (created in one write) keeps MERGE's semantics */
    EXPECT(t, "MERGE (n:Q {`~id`: 'q1', p: 1}) ON CREATE SET n += {q: 2, p: null, `~id`: 'zz'} RETURN n, id(n)",
           "(:Q {q: 2}), 'q1'");
    EXPECT(t, "MERGE (n:Q {`~id`: 'q2', p: 1}) ON CREATE SET n += {q: 2} RETURN n", "(:Q {p: 1, q: 2})");
    EXPECT(t, "MERGE (n:Q {`~id`: 'q3', p: 1}) ON CREATE SET n = {q: 2}, n.r = 3 RETURN n", "(:Q {q: 2, r: 3})");
    /* p: 1 no longer matches, and a new node cannot take the same ~id */
    EXPECT(t, "MERGE (n:Q {`~id`: 'q3', p: 1}) ON CREATE SET n = {q: 2} RETURN n", "ERR DuplicateDataException DuplicateId");
    EXPECT(t, "MERGE (n:Q {`~id`: 'q3'}) ON CREATE SET n = {q: 2} ON MATCH SET n += {s: 4} RETURN n",
           "(:Q {q: 2, r: 3, s: 4})");
    EXPECT(t, "MERGE (n:Q {`~id`: 'q4'}) ON CREATE SET n = {bad: {x: 1}}", "ERR TypeError InvalidPropertyType");
    EXPECT(t, "MATCH (n:Q) RETURN count(*)", "3");
    /* ids are strings to Neptune clients: "42" finds an integer id 42 and back */
    EXPECT(t, "CREATE (n:Num {`~id`: 42}) RETURN n.`~id`", "'42'");
    EXPECT(t, "MATCH (n:Num {`~id`: '42'}) RETURN count(*)", "1");
    EXPECT(t, "MATCH (n:Num {`~id`: 42}) RETURN count(*)", "1");
    EXPECT(t, "MATCH (n {`~id`: 'p1'}), (m {`~id`: '042'}) RETURN count(*)", "0");
    /* relationship ids can be chosen too (test_cypher_relid.c); without one they read as "r<id>" */
    EXPECT(t, "MATCH (n {`~id`: 'p1'}) CREATE (n)-[r:K {`~id`: 'e1'}]->(n) RETURN id(r)", "'e1'");
    EXPECT(t, "MATCH (n {`~id`: 'p1'}) CREATE (n)-[r:K]->(n) RETURN r.`~id` IS NOT NULL", "true");
}

static void test_procedures_and_explain(void **state) {
    tenv *t = *state;
    tq(t, "CREATE (:A {x: 1})-[:T]->(:B)");
    EXPECT(t, "CALL db.labels() YIELD label RETURN label ORDER BY label", "'A'\n'B'");
    EXPECT(t, "CALL db.relationshipTypes()", "'T'");
    qval rows[4] = {qv_int(1), qv_str_cstr(&t->a, "one"), qv_int(2), qv_str_cstr(&t->a, "two")};
    cy_error err;
    assert_int_equal(cy_engine_add_table_procedure(t->e, "test.my.proc(in :: INTEGER?) :: (out :: STRING?)", rows, 2, &err), 0);
    EXPECT(t, "CALL test.my.proc(2) YIELD out RETURN out", "'two'");
    EXPECT(t, "CALL test.nope()", "ERR ProcedureError ProcedureNotFound");
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, "MATCH (n:A {`~id`: $id}) RETURN n", tmap(&t->a, 1, "id", qv_int(1)), &o);
    assert_non_null(strstr(plan, "NodeByExtId"));
    /* WHERE id(n) = x and WHERE n.`~id` = x seek too */
    plan = tq_opts(t, "MATCH (n:A) WHERE id(n) = $id RETURN n", tmap(&t->a, 1, "id", qv_int(1)), &o);
    assert_non_null(strstr(plan, "NodeByExtId"));
    plan = tq_opts(t, "MATCH (m)-->(n) WHERE $id = n.`~id` RETURN n", tmap(&t->a, 1, "id", qv_int(1)), &o);
    assert_non_null(strstr(plan, "NodeByExtId"));
    EXPECT(t, "CREATE (:X {`~id`: 'x1'})-[:T]->(:X {`~id`: 'x2', v: 2})", "");
    EXPECT(t, "MATCH (m)-->(n) WHERE n.`~id` = 'x2' RETURN m.`~id`, n.v", "'x1', 2");
    EXPECT(t, "MATCH (n) WHERE id(n) = 'x2' AND n.v = 2 RETURN n.v", "2");
    EXPECT(t, "MATCH (n) WHERE id(n) = 'x2' AND n.v = 3 RETURN n.v", "");
}

static void test_errors_and_phases(void **state) {
    tenv *t = *state;
    cy_result *r;
    cy_error err;
    cy_query_opts o = {.graph = "g"};
    assert_int_equal(cy_query(t->e, "MATCH (n RETURN n", 17, &o, &r, &err), -1);
    assert_int_equal(err.cls, CYE_SYNTAX);
    assert_int_equal(err.phase, CY_PHASE_COMPILE);
    assert_int_equal(cy_query(t->e, "RETURN 1 / 0", 12, &o, &r, &err), 0);
    const qval *row;
    assert_int_equal(cy_result_next(r, &row, &err), -1);
    assert_int_equal(err.phase, CY_PHASE_RUNTIME);
    cy_result_free(r);
    /* a very long query is refused, not a stack overflow */
    size_t cap = 20000 * 24 + 64, n = 0;
    char *big = malloc(cap);
    for (int i = 0; i < 20000; i++) n += (size_t)snprintf(big + n, cap - n, "WITH 1 AS x%d ", i);
    n += (size_t)snprintf(big + n, cap - n, "RETURN 1");
    assert_int_equal(cy_query(t->e, big, n, &o, &r, &err), -1);
    free(big);
    o.graph = "nope";
    assert_int_equal(cy_query(t->e, "RETURN 1", 8, &o, &r, &err), -1);
    assert_int_equal(err.cls, CYE_NOT_FOUND);
}

/* A write failing on its 1,000th row leaves the graph unchanged. */
static void test_atomic_failure(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND range(1, 1000) AS i CREATE (:T {v: 10 / (1000 - i)})", "ERR ArithmeticError DivisionByZero");
    EXPECT(t, "MATCH (n:T) RETURN count(*)", "0");
    EXPECT(t, "UNWIND range(1, 999) AS i CREATE (:T {v: 10 / (1000 - i)})", "");
    EXPECT(t, "MATCH (n:T) RETURN count(*)", "999");
}

static void test_timeout_and_cancel(void **state) {
    tenv *t = *state;
    cy_query_opts o = {.timeout_ms = 1};
    EXPECT(t, "UNWIND range(1, 3000) AS i CREATE (:Big)", "");
    const char *r = tq_opts(t, "MATCH (a:Big), (b:Big), (c:Big) RETURN count(*)", qv_null(), &o);
    assert_string_equal(r, "ERR TimeLimitExceeded -");
    atomic_bool cancel = true;
    cy_query_opts oc = {.cancel = &cancel};
    r = tq_opts(t, "MATCH (a:Big), (b:Big) RETURN count(*)", qv_null(), &oc);
    assert_string_equal(r, "ERR CancelledByUser -");
}

/* A long read-only result does not keep every row's values. */
static void test_streaming_memory(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND range(1, 20000) AS i CREATE (:S {i: i})", "");
    cy_query_opts o = {.graph = "g"};
    cy_result *r;
    cy_error err;
    const char *q = "MATCH (n:S) WHERE n.i % 2 = 0 RETURN toString(n.i) + ' and some text to make it longer' AS s";
    assert_int_equal(cy_query(t->e, q, strlen(q), &o, &r, &err), 0);
    const qval *row;
    uint64_t n = 0;
    size_t peak = 0;
    while (cy_result_next(r, &row, &err) == 1) {
        assert_int_equal(row[0].type, QT_STRING);
        n++;
        if (cy_result_arena(r)->total > peak) peak = cy_result_arena(r)->total;
    }
    assert_int_equal(n, 10000);
    assert_true(peak < 64 * 1024);
    cy_result_free(r);
    /* UNWIND $ids is row-local too (the parameters outlive the rows) */
    qval ids[3] = {qv_int(2), qv_int(4), qv_int(6)};
    const char *q2 = "UNWIND $ids AS i MATCH (n:S) WHERE n.i = i RETURN toString(n.i) + '!' AS s";
    qval pm = tmap(&t->a, 1, "ids", qv_list_ref(ids, 3));
    cy_query_opts o2 = {.graph = "g", .params = pm};
    assert_int_equal(cy_query(t->e, q2, strlen(q2), &o2, &r, &err), 0);
    tbuf b = {0};
    while (cy_result_next(r, &row, &err) == 1) { tb_put(&b, row[0].s, row[0].len); tb_str(&b, " "); }
    assert_string_equal(b.s, "2! 4! 6! ");
    free(b.s);
    cy_result_free(r);
    /* and OPTIONAL MATCH over such operators */
    EXPECT(t, "MATCH (n:S) WHERE n.i < 4 OPTIONAL MATCH (n)-->(m) RETURN toString(n.i) + 'x', m ORDER BY n.i",
           "'1x', null\n'2x', null\n'3x', null");
    const char *q3 = "MATCH (n:S) WHERE n.i % 1000 = 0 OPTIONAL MATCH (n)-->(m) RETURN toString(n.i) + 'x' AS s, m";
    assert_int_equal(cy_query(t->e, q3, strlen(q3), &o, &r, &err), 0);
    n = 0;
    while (cy_result_next(r, &row, &err) == 1) n++;
    assert_int_equal(n, 20);
    cy_result_free(r);
    /* a plan that holds values across rows (UNWIND) keeps them: results stay correct */
    EXPECT(t, "UNWIND [toString(1) + 'x', toString(2) + 'y'] AS s MATCH (n:S) WHERE n.i < 3 RETURN s, n.i ORDER BY s, n.i",
           "'1x', 1\n'1x', 2\n'2y', 1\n'2y', 2");
}

/* Plans are cached by text and parameter shape; parameters change results, not plans. */
static void test_plan_cache_and_params(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND range(1, 5) AS i CREATE (:C {i: i})", "");
    uint64_t h0 = t->e->cache.hits, m0 = t->e->cache.misses;
    const char *q = "MATCH (n:C) WHERE n.i >= $min RETURN count(*)";
    assert_string_equal(tqp(t, q, tmap(&t->a, 1, "min", qv_int(2))), "4");
    assert_string_equal(tqp(t, q, tmap(&t->a, 1, "min", qv_int(4))), "2");
    assert_string_equal(tqp(t, q, tmap(&t->a, 1, "min", qv_int(5))), "1");
    assert_int_equal(t->e->cache.misses - m0, 1);
    assert_int_equal(t->e->cache.hits - h0, 2);
    /* another parameter kind is another plan (and the same answer rules) */
    assert_string_equal(tqp(t, q, tmap(&t->a, 1, "min", qv_float(4.5))), "1");
    assert_int_equal(t->e->cache.misses - m0, 2);
    assert_string_equal(tqp(t, q, qv_null()), "ERR ParameterMissing MissingParameter");
    /* a label-scan plan made on a small graph is made again once the graph has grown a lot */
    EXPECT(t, "MATCH (n:C) RETURN count(*)", "5");
    EXPECT(t, "UNWIND range(1, 3000) AS i CREATE (:Big2)", "");
    cy_plan *before = NULL;
    for (int i = 0; i < CY_CACHE_SLOTS; i++)
        if (t->e->cache.ents[i].plan && strstr(t->e->cache.ents[i].key + 2, "MATCH (n:C) RETURN count(*)"))
            before = t->e->cache.ents[i].plan;
    assert_non_null(before);
    EXPECT(t, "MATCH (n:C) RETURN count(*)", "5");
    int same = 0, entries = 0;
    for (int i = 0; i < CY_CACHE_SLOTS; i++)
        if (t->e->cache.ents[i].plan && strstr(t->e->cache.ents[i].key + 2, "MATCH (n:C) RETURN count(*)")) {
            entries++;
            same += t->e->cache.ents[i].plan == before;
        }
    assert_int_equal(entries, 1);   /* replaced, not added */
    assert_int_equal(same, 0);
    /* lists and maps as parameters */
    qval l[3] = {qv_int(1), qv_int(3), qv_int(9)};
    assert_string_equal(tqp(t, "MATCH (n:C) WHERE n.i IN $l RETURN n.i ORDER BY n.i",
                            tmap(&t->a, 1, "l", qv_list_ref(l, 3))), "1\n3");
    assert_string_equal(tqp(t, "CREATE (n:P $m) RETURN n", tmap(&t->a, 1, "m", tmap(&t->a, 2, "a", qv_int(1), "b", qv_null()))),
                        "(:P {a: 1})");
}

/* Indexes: created, listed, used by the planner, dropped. */
static void test_schema_and_index_seek(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND range(1, 50) AS i CREATE (:I {k: i, s: toString(i)})", "");
    EXPECT(t, "CREATE INDEX idx_k FOR (n:I) ON (n.k)", "");
    assert_int_equal(t->last_stats.indexes_added, 1);
    EXPECT(t, "CREATE INDEX idx_k IF NOT EXISTS FOR (n:I) ON (n.k)", "");
    assert_non_null(strstr(tq(t, "SHOW INDEXES"), "'idx_k', 'ONLINE', 100.0, 'RANGE', 'NODE', ['I'], ['k']"));
    cy_query_opts o = {.explain = true};
    const char *plan = tq_opts(t, "MATCH (n:I {k: 7}) RETURN n.s", qv_null(), &o);
    assert_non_null(strstr(plan, "NodeIndexSeek"));
    EXPECT(t, "MATCH (n:I {k: 7}) RETURN n.s", "'7'");
    EXPECT(t, "MATCH (n:I {k: 7.0}) RETURN n.s", "'7'");
    EXPECT(t, "MATCH (n:I) WHERE n.k = 8 RETURN n.s", "'8'");
    EXPECT(t, "CREATE CONSTRAINT c_s FOR (n:I) REQUIRE n.s IS UNIQUE", "");
    EXPECT(t, "CREATE (:I {s: '3'})", "ERR ConstraintVerificationFailed -");
    EXPECT(t, "DROP INDEX idx_k", "");
    EXPECT(t, "DROP CONSTRAINT c_s", "");
    EXPECT(t, "MATCH (n:I {k: 7}) RETURN n.s", "'7'");
}

static void test_memory_limit(void **state) {
    tenv *t = *state;
    cy_query_opts o = {.memory_limit = 1 << 20};
    const char *r = tq_opts(t, "UNWIND range(1, 1000000) AS i RETURN collect(toString(i))", qv_null(), &o);
    assert_string_equal(r, "ERR MemoryLimitExceeded -");
    /* a value doubling inside one expression is stopped too (not an abort on out of memory) */
    r = tq_opts(t, "RETURN size(reduce(s = 'xxxxxxxx', i IN range(1, 60) | s + s))", qv_null(), &o);
    assert_string_equal(r, "ERR MemoryLimitExceeded -");
    r = tq_opts(t, "UNWIND range(1, 10) AS i RETURN size([x IN range(1, 100000) | toString(x)])", qv_null(), &o);
    assert_string_equal(r, "ERR MemoryLimitExceeded -");
}

/* A write stopped by its time limit leaves nothing behind. */
static void test_write_timeout_rolls_back(void **state) {
    tenv *t = *state;
    cy_query_opts o = {.timeout_ms = 5};
    const char *r = tq_opts(t, "UNWIND range(1, 100000000) AS i CREATE (:W {i: i})", qv_null(), &o);
    assert_string_equal(r, "ERR TimeLimitExceeded -");
    EXPECT(t, "MATCH (n:W) RETURN count(*)", "0");
}

/* One engine, several threads: readers and writers share cached plans; every snapshot is consistent. */
typedef struct cthread {
    tenv *t;
    int id;
    int errors;
} cthread;

static void *conc_worker(void *arg) {
    cthread *c = arg;
    qv_arena a;
    qv_arena_init(&a);
    for (int i = 0; i < 200; i++) {
        cy_query_opts o = {.graph = "g"};
        cy_result *r;
        cy_error err;
        const char *q;
        if (c->id % 2 == 0) {   /* writer: two counters move together in one transaction */
            q = "MATCH (a:Ctr {k: 'a'}), (b:Ctr {k: 'b'}) SET a.v = a.v + 1, b.v = b.v + 1 RETURN a.v";
        } else {                /* reader: they are always equal */
            q = "MATCH (a:Ctr {k: 'a'}), (b:Ctr {k: 'b'}) RETURN a.v = b.v AS same, a.v";
        }
        if (cy_query(c->t->e, q, strlen(q), &o, &r, &err)) { c->errors++; continue; }
        const qval *row;
        int rc;
        while ((rc = cy_result_next(r, &row, &err)) == 1)
            if (c->id % 2 == 1 && !(row[0].type == QT_BOOL && row[0].b)) c->errors++;
        if (rc < 0) c->errors++;
        cy_result_free(r);
    }
    qv_arena_free(&a);
    return NULL;
}

static void test_concurrent_queries(void **state) {
    tenv *t = *state;
    EXPECT(t, "CREATE (:Ctr {k: 'a', v: 0}), (:Ctr {k: 'b', v: 0})", "");
    pthread_t th[4];
    cthread c[4];
    for (int i = 0; i < 4; i++) {
        c[i] = (cthread){t, i, 0};
        pthread_create(&th[i], NULL, conc_worker, &c[i]);
    }
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) assert_int_equal(c[i].errors, 0);
    EXPECT(t, "MATCH (a:Ctr) RETURN a.k, a.v ORDER BY a.k", "'a', 400\n'b', 400");
}

/* Patterns that start at a rare relationship type (many nodes, few relationships). */
static void test_relationship_scan_start(void **state) {
    tenv *t = *state;
    EXPECT(t, "UNWIND range(1, 400) AS i CREATE ({i: i})", "");
    EXPECT(t, "CREATE (a:A {n: 'a'})-[:T {w: 1}]->(b:B {n: 'b'})-[:T {w: 2}]->(c:C {n: 'c'}), (c)-[:T {w: 3}]->(c), "
              "(a)-[:U]->(c)", "");
    cy_query_opts o = {.explain = true};
    assert_non_null(strstr(tq_opts(t, "MATCH ()-[r:T]->() RETURN r.w", qv_null(), &o), "RelationshipTypeScan"));
    EXPECT(t, "MATCH ()-[r:T]->() RETURN r.w ORDER BY r.w", "1\n2\n3");
    EXPECT(t, "MATCH (x)-[r:T]->(y) RETURN x.n, r.w, y.n ORDER BY r.w", "'a', 1, 'b'\n'b', 2, 'c'\n'c', 3, 'c'");
    EXPECT(t, "MATCH (x)<-[r:T]-(y) RETURN x.n, r.w, y.n ORDER BY r.w", "'b', 1, 'a'\n'c', 2, 'b'\n'c', 3, 'c'");
    EXPECT(t, "MATCH (x)-[r:T]-(y) RETURN x.n, r.w, y.n ORDER BY r.w, x.n",
           "'a', 1, 'b'\n'b', 1, 'a'\n'b', 2, 'c'\n'c', 2, 'b'\n'c', 3, 'c'");
    EXPECT(t, "MATCH (x)-[r:T]->(x) RETURN x.n, r.w", "'c', 3");
    EXPECT(t, "MATCH (x)-[:T]->(y)-[:T]->(z) RETURN x.n, y.n, z.n ORDER BY x.n, z.n",
           "'a', 'b', 'c'\n'b', 'c', 'c'");
    EXPECT(t, "MATCH (x:A)-[:U]->(z)<-[r:T]-(y) RETURN y.n, r.w ORDER BY r.w", "'b', 2\n'c', 3");
    EXPECT(t, "MATCH ()-[r:T|U]->() RETURN count(r)", "4");
    EXPECT(t, "MATCH ()-[r:T]->() WHERE r.w > 1 DELETE r", "");
    EXPECT(t, "MATCH ()-[r:T]->() RETURN count(r)", "1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_match_return, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_expressions, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_unwind_with_aggregation, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_optional_and_patterns, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_merge_set_delete, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_neptune_ids, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_procedures_and_explain, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_errors_and_phases, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_atomic_failure, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_cancel, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_streaming_memory, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_plan_cache_and_params, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_schema_and_index_seek, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_write_timeout_rolls_back, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_relationship_uniqueness, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_relationship_scan_start, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_queries, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_graph_being_built, tenv_setup, tenv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
