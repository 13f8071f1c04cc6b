/* test_cypher_exec_nodestream.c — the exact queries Nodestream's Neptune plugin sends (reference
 * neptune-and-nodestream.md §1.6: node upserts N1/N2 with and without extra labels, relationship upserts
 * R1/R2, TTL deletes T1/T2, every migration query, the copy queries), with 150-row `UNWIND $params`
 * batches checked element by element, and the ingest rate of the N1 path measured embedded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"

#define N1 "\nUNWIND $params as param\nMERGE (node: Person {`~id` : param.__node_id}) ON CREATE SET node = " \
           "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\")"
#define N1_LABELS N1 " SET node:Employee"
#define N1_COMPANY "\nUNWIND $params as param\nMERGE (node: Company {`~id` : param.__node_id}) ON CREATE SET node = " \
                   "removeKeyFromMap(param, \"__node_id\") ON MATCH SET node += removeKeyFromMap(param, \"__node_id\")"
#define N2 "\nUNWIND $params as param\nMATCH (node: Person {`~id` : param.__node_id}) SET node += " \
           "removeKeyFromMap(param, \"__node_id\") SET node:Employee"
#define R1 "\nUNWIND $params as param\nMATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company " \
           "{`~id` : param.__to_node_id}) MERGE (from_node)-[rel: WORKS_AT {role : param.role}]->(to_node) ON CREATE " \
           "SET rel = removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\") ON MATCH SET rel " \
           "+= removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")"
#define R2 "\nUNWIND $params as param\nMATCH (from_node: Person {`~id` : param.__from_node_id}) , (to_node: Company " \
           "{`~id` : param.__to_node_id}) CREATE (from_node)-[rel: WORKS_AT {role : param.role}]->(to_node) SET rel " \
           "+= removeKeyFromMap(removeKeyFromMap(param, \"__from_node_id\"), \"__to_node_id\")"
#define T1 "MATCH (x: Person) WHERE x.last_ingested_at <= $earliest_allowed_time DETACH DELETE x"
#define T2 "MATCH ()-[x: WORKS_AT]->() WHERE x.last_ingested_at <= $earliest_allowed_time DELETE x"

#define ROWS 150


static qval str(qv_arena *a, const char *fmt, int i) {
    char b[128];
    int n = snprintf(b, sizeof b, fmt, i);
    return qv_str_copy(a, b, (size_t)n);
}

/* {"params": [{"__node_id": "<prefix><i>", "last_ingested_at": ts, "last_ingested_by_p-1_at": ts,
 *              "was_ingested_by_p-1": true, "age": i + bump}, ...]} */
static qval node_params(qv_arena *a, const char *idfmt, int base, int n, double ts, int bump) {
    qval *rows = qv_arena_alloc(a, sizeof(qval) * (size_t)n);
    for (int i = 0; i < n; i++)
        rows[i] = tmap(a, 5, "__node_id", str(a, idfmt, base + i), "last_ingested_at", qv_float(ts),
                       "last_ingested_by_p-1_at", qv_float(ts), "was_ingested_by_p-1", qv_bool(true), "age",
                       qv_int(base + i + bump));
    return tmap(a, 1, "params", qv_list_ref(rows, (uint32_t)n));
}

static qval rel_params(qv_arena *a, int n, double ts, const char *role) {
    qval *rows = qv_arena_alloc(a, sizeof(qval) * (size_t)n);
    for (int i = 0; i < n; i++)
        rows[i] = tmap(a, 6, "role", qv_str_cstr(a, role), "last_ingested_at", qv_float(ts), "since", qv_int(2000 + i),
                       "__from_node_id", str(a, "Person_name:John%d", i), "__to_node_id", str(a, "Company_id:c%d", i % 10),
                       "was_ingested_by_p-1", qv_bool(true));
    return tmap(a, 1, "params", qv_list_ref(rows, (uint32_t)n));
}

static void test_node_upserts(void **state) {
    tenv *t = *state;
    EXPECT(t, "MATCH (n) RETURN count(n)", "0");
    assert_string_equal(tqp(t, N1, node_params(&t->a, "Person_name:John%d", 0, ROWS, 1700000000.5, 0)), "");
    assert_int_equal(t->last_stats.nodes_created, ROWS);
    EXPECT(t, "MATCH (n:Person) RETURN count(n)", "150");
    /* element by element: ext id, label, exactly the row's properties (not __node_id) */
    for (int i = 0; i < ROWS; i += 7) {
        char q[256], want[256];
        snprintf(q, sizeof q, "MATCH (n {`~id`: 'Person_name:John%d'}) RETURN n, n.`~id`", i);
        snprintf(want, sizeof want,
                 "(:Person {age: %d, last_ingested_at: 1.7000000005E9, last_ingested_by_p-1_at: 1.7000000005E9, "
                 "was_ingested_by_p-1: true}), 'Person_name:John%d'", i, i);
        assert_string_equal(tq(t, q), want);
    }
    /* again with new values: ON MATCH SET += updates, nothing created */
    assert_string_equal(tqp(t, N1, node_params(&t->a, "Person_name:John%d", 0, ROWS, 1700000100.25, 1000)), "");
    assert_int_equal(t->last_stats.nodes_created, 0);
    EXPECT(t, "MATCH (n:Person) RETURN count(n), min(n.age), max(n.age), min(n.last_ingested_at)",
           "150, 1000, 1149, 1.70000010025E9");
    /* extra labels */
    assert_string_equal(tqp(t, N1_LABELS, node_params(&t->a, "Person_name:John%d", 100, ROWS, 1700000200.0, 0)), "");
    assert_int_equal(t->last_stats.nodes_created, 100);
    EXPECT(t, "MATCH (n:Person:Employee) RETURN count(n)", "150");
    EXPECT(t, "MATCH (n:Person) RETURN count(n)", "250");
    EXPECT(t, "MATCH (n {`~id`: 'Person_name:John120'}) RETURN labels(n), n.age", "['Person', 'Employee'], 120");
    /* N2 (MATCH_ONLY): updates existing, ignores unknown ids */
    assert_string_equal(tqp(t, N2, node_params(&t->a, "Person_name:John%d", 240, 20, 1700000300.0, 7)), "");
    assert_int_equal(t->last_stats.nodes_created, 0);
    EXPECT(t, "MATCH (n:Employee) RETURN count(n)", "150");
    EXPECT(t, "MATCH (n {`~id`: 'Person_name:John249'}) RETURN n.age, n.last_ingested_at", "256, 1.7000003E9");
    EXPECT(t, "MATCH (n {`~id`: 'Person_name:John250'}) RETURN n", "");
    /* a MERGE on the same ~id under another label does not match it and cannot create it */
    const char *r = tqp(t, N1_COMPANY, node_params(&t->a, "Person_name:John%d", 0, 1, 1.0, 0));
    assert_string_equal(r, "ERR DuplicateDataException DuplicateId");
}

static void test_relationships_ttl(void **state) {
    tenv *t = *state;
    tqp(t, N1, node_params(&t->a, "Person_name:John%d", 0, ROWS, 100.0, 0));
    tqp(t, N1_COMPANY, node_params(&t->a, "Company_id:c%d", 0, 10, 100.0, 0));
    assert_string_equal(tqp(t, R1, rel_params(&t->a, ROWS, 100.0, "eng")), "");
    assert_int_equal(t->last_stats.rels_created, ROWS);
    EXPECT(t, "MATCH (:Person)-[r:WORKS_AT]->(:Company) RETURN count(r), min(r.since), max(r.since)", "150, 2000, 2149");
    EXPECT(t, "MATCH (p {`~id`: 'Person_name:John13'})-[r]->(c) RETURN r, c.`~id`",
           "[:WORKS_AT {last_ingested_at: 100.0, role: 'eng', since: 2013, was_ingested_by_p-1: true}], 'Company_id:c3'");
    /* MERGE again: matched, ON MATCH += */
    assert_string_equal(tqp(t, R1, rel_params(&t->a, ROWS, 200.0, "eng")), "");
    assert_int_equal(t->last_stats.rels_created, 0);
    EXPECT(t, "MATCH ()-[r:WORKS_AT]->() RETURN count(r), min(r.last_ingested_at)", "150, 200.0");
    /* another role key: new relationships */
    assert_string_equal(tqp(t, R1, rel_params(&t->a, ROWS, 50.0, "mgr")), "");
    assert_int_equal(t->last_stats.rels_created, ROWS);
    /* R2 always creates */
    assert_string_equal(tqp(t, R2, rel_params(&t->a, ROWS, 50.0, "eng")), "");
    assert_int_equal(t->last_stats.rels_created, ROWS);
    EXPECT(t, "MATCH ()-[r:WORKS_AT]->() RETURN r.role, count(*) ORDER BY r.role", "'eng', 300\n'mgr', 150");
    /* T2: relationships older than 100 */
    assert_string_equal(tqp(t, T2, tmap(&t->a, 1, "earliest_allowed_time", qv_float(100.0))), "");
    assert_int_equal(t->last_stats.rels_deleted, 300);
    EXPECT(t, "MATCH ()-[r:WORKS_AT]->() RETURN count(r)", "150");
    /* T1: people older than 150 (all, ingested at 100), with their relationships */
    tqp(t, N1, node_params(&t->a, "Person_name:John%d", 0, 10, 500.0, 0));
    assert_string_equal(tqp(t, T1, tmap(&t->a, 1, "earliest_allowed_time", qv_float(150.0))), "");
    assert_int_equal(t->last_stats.nodes_deleted, 140);
    EXPECT(t, "MATCH (n:Person) RETURN count(n)", "10");
    EXPECT(t, "MATCH ()-[r]->() RETURN count(r)", "10");
}

static void test_migrations_and_copy(void **state) {
    tenv *t = *state;
    EXPECT(t, "MATCH (m:__NodestreamMigration__) RETURN m.name as name", "");
    assert_string_equal(tqp(t, "MERGE (:__NodestreamMigration__ {name: $name})",
                            tmap(&t->a, 1, "name", qv_str_cstr(&t->a, "0001_init"))), "");
    tqp(t, "MERGE (:__NodestreamMigration__ {name: $name})", tmap(&t->a, 1, "name", qv_str_cstr(&t->a, "0001_init")));
    EXPECT(t, "MATCH (m:__NodestreamMigration__) RETURN m.name as name", "'0001_init'");
    tq(t, "UNWIND range(1, 5) AS i CREATE (a:Old {`~id`: 'o' + toString(i), p: i})-[:R_OLD {w: i}]->(:Other)");
    EXPECT(t, "MATCH (n:`Old`) SET n.`q` = coalesce(n.`q`, $value)", "ERR ParameterMissing MissingParameter");
    assert_string_equal(tqp(t, "MATCH (n:`Old`) SET n.`q` = coalesce(n.`q`, $value)", tmap(&t->a, 1, "value", qv_int(9))), "");
    assert_string_equal(tqp(t, "MATCH ()-[r:`R_OLD`]->() SET r.`q` = coalesce(r.`q`, $value)",
                            tmap(&t->a, 1, "value", qv_int(8))), "");
    EXPECT(t, "MATCH (n:`Old`) SET n.`p2` = n.`p` REMOVE n.`p`", "");
    EXPECT(t, "MATCH ()-[r:`R_OLD`]->() SET r.`w2` = r.`w` REMOVE r.`w`", "");
    EXPECT(t, "MATCH (n:`Old`) SET n:`New` REMOVE n:`Old`", "");
    EXPECT(t, "MATCH (n)-[r:`R_OLD`]->(m) CREATE (n)-[r2:`R_NEW`]->(m) SET r2 += r WITH r DELETE r", "");
    EXPECT(t, "MATCH (n:New)-[r]->() RETURN n.`~id`, n.p2, n.q, r ORDER BY n.p2 LIMIT 2",
           "'o1', 1, 9, [:R_NEW {q: 8, w2: 1}]\n'o2', 2, 9, [:R_NEW {q: 8, w2: 2}]");
    EXPECT(t, "MATCH (n:Old) RETURN count(n)", "0");
    EXPECT(t, "MATCH ()-[r:`R_NEW`]->() REMOVE r.`q`", "");
    EXPECT(t, "MATCH (n:`New`) REMOVE n.`q`", "");
    EXPECT(t, "MATCH (n:New)-[r]->() RETURN n.q, r.q LIMIT 1", "null, null");
    /* copy: pages of nodes and relationships */
    qval page = tmap(&t->a, 2, "offset", qv_int(1), "limit", qv_int(2));
    assert_string_equal(tqp(t, "\nMATCH (n:New)\nRETURN n SKIP $offset LIMIT $limit\n", page),
                        "(:New {p2: 2})\n(:New {p2: 3})");
    assert_string_equal(tqp(t, "\nMATCH (a)-[r:R_NEW]->(b)\nRETURN a, r, b SKIP $offset LIMIT $limit\n", page),
                        "(:New {p2: 2}), [:R_NEW {w2: 2}], (:Other)\n(:New {p2: 3}), [:R_NEW {w2: 3}], (:Other)");
    EXPECT(t, "MATCH ()-[r:`R_NEW`]->() DELETE r", "");
    EXPECT(t, "MATCH (n:`New`) DETACH DELETE n", "");
    EXPECT(t, "MATCH (n) RETURN count(n)", "6");
}

/* SET n = / += removeKeyFromMap(...) skips the removed keys without copying the map (cy_eval_map_drop): the
 * keys are gone, a value under a removed key is never checked, nulls and non-maps behave as the function does. */
static void test_remove_key_sets(void **state) {
    tenv *t = *state;
    qv_arena *a = &t->a;
    qval bad = tmap(a, 1, "nested", qv_int(1));   /* a map: not storable, but under a removed key */
    qval row = tmap(a, 4, "__from", qv_str_cstr(a, "x"), "__meta", bad, "k", qv_int(1), "__node_id", qv_str_cstr(a, "n1"));
    qval p = tmap(a, 1, "p", row);
    const char *m1 = "MERGE (n:T {`~id`: $p.__node_id}) ON CREATE SET n = removeKeyFromMap(removeKeyFromMap("
                     "removeKeyFromMap($p, '__node_id'), '__meta'), '__from') ON MATCH SET n += removeKeyFromMap("
                     "removeKeyFromMap(removeKeyFromMap($p, '__node_id'), '__meta'), '__from')";
    assert_string_equal(tqp(t, m1, p), "");
    assert_int_equal(t->last_stats.nodes_created, 1);
    EXPECT(t, "MATCH (n:T) RETURN n, n.`~id`", "(:T {k: 1}), 'n1'");
    assert_string_equal(tqp(t, m1, p), "");   /* ON MATCH += */
    assert_int_equal(t->last_stats.nodes_created, 0);
    EXPECT(t, "MATCH (n:T) RETURN n", "(:T {k: 1})");
    /* without removing __meta, the map value fails as before */
    assert_string_equal(tqp(t, "MATCH (n:T) SET n += removeKeyFromMap($p, '__from')", p),
                        "ERR TypeError InvalidPropertyType");
    /* a removed key that is not there, and a relationship: SET r = ... */
    tq(t, "MATCH (n:T) CREATE (n)-[:R]->(:U {`~id`: 'u1'})");
    assert_string_equal(tqp(t, "MATCH (a:T)-[r:R]->(b) SET r = removeKeyFromMap(removeKeyFromMap($p, '__meta'), 'nope')", p), "");
    EXPECT(t, "MATCH ()-[r:R]->() RETURN r", "[:R {__from: 'x', __node_id: 'n1', k: 1}]");
    /* relationship MERGE fused with ON CREATE SET r = removeKeyFromMap(...) */
    const char *r1 = "MATCH (a:T {`~id`: 'n1'}), (b:U {`~id`: 'u1'}) MERGE (a)-[r:S]->(b) ON CREATE SET r = "
                     "removeKeyFromMap(removeKeyFromMap($p, '__meta'), '__node_id')";
    assert_string_equal(tqp(t, r1, p), "");
    assert_int_equal(t->last_stats.rels_created, 1);
    EXPECT(t, "MATCH ()-[r:S]->() RETURN r", "[:S {__from: 'x', k: 1}]");
    /* null map: SET n += null changes nothing; a non-map argument is the function's TypeError */
    EXPECT(t, "MATCH (n:T) SET n += removeKeyFromMap(null, 'k') RETURN n.k", "1");
    EXPECT(t, "MATCH (n:T) SET n = removeKeyFromMap(removeKeyFromMap(5, 'a'), 'b')", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "MERGE (n:V {`~id`: 'v'}) ON CREATE SET n = removeKeyFromMap([1], 'a')", "ERR TypeError InvalidArgumentType");
    EXPECT(t, "MATCH (n:V) RETURN count(n)", "0");
}

static double clock_s(clockid_t id) {
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The N1 hot path: 150-row batches of 8-property node upserts (first creates, then updates). */
static void test_ingest_rate(void **state) {
    tenv *t = *state;
    const int batches = 400;
    qv_arena pa;
    qv_arena_init(&pa);
    qval *params[2];
    for (int pass = 0; pass < 2; pass++) {   /* the second pass: new timestamps and ages, the rest as before */
        params[pass] = qv_arena_alloc(&pa, sizeof(qval) * batches);
        for (int b = 0; b < batches; b++) {
            qval *rows = qv_arena_alloc(&pa, sizeof(qval) * ROWS);
            for (int i = 0; i < ROWS; i++) {
                int id = b * ROWS + i;
                double ts = 1.7e9 + pass * 3600;
                rows[i] = tmap(&pa, 9, "__node_id", str(&pa, "Person_name:John%d", id), "last_ingested_at",
                               qv_float(ts), "last_ingested_by_p_at", qv_float(ts), "was_ingested_by_p",
                               qv_bool(true), "age", qv_int(id + pass), "name", str(&pa, "John %d", id), "city",
                               qv_str_cstr(&pa, "Oslo"), "score", qv_float(id * 0.5), "active", qv_bool(id & 1));
            }
            params[pass][b] = tmap(&pa, 1, "params", qv_list_ref(rows, ROWS));
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        for (int b = 0; b < batches; b++) {
            cy_query_opts o = {.graph = t->graph, .params = params[pass][b]};
            cy_result *r;
            cy_error err;
            assert_int_equal(cy_query(t->e, N1, strlen(N1), &o, &r, &err), 0);
            cy_result_free(r);
        }
        double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
        fprintf(stderr, "nodestream N1 %s: %d rows in %.3f s = %.0f rows/s (%.0f rows per second of the querying thread's CPU time)\n",
                pass ? "update" : "create", batches * ROWS, dt, batches * ROWS / dt, batches * ROWS / dc);
    }
    EXPECT(t, "MATCH (n:Person) RETURN count(n), sum(n.age), min(n.last_ingested_at), max(n.city)",
           "60000, 1800030000, 1.7000036E9, 'Oslo'");
    qv_arena_free(&pa);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_node_upserts, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_relationships_ttl, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_migrations_and_copy, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_remove_key_sets, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_ingest_rate, tenv_setup, tenv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
