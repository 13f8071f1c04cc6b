/* test_cypher_exec_merge_node.c — the one-pass MERGE create of ingest streams (ops/merge_node.c): a node
 * MERGEd on `~id` alone whose ON CREATE starts with `SET n = map` / `SET n += map`. Its memo of the map's keys
 * by position must never leak one row's keys into another (keys reordered, added, missing, null, dropped,
 * `~id` in the map), it must fail exactly as the general path does and leave nothing behind, and shapes it
 * does not take (long keys, long maps, other pattern properties) must still come out right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "graph/gview.h"
#include "test_cypher_exec_util.h"

#define N1 "UNWIND $params AS param MERGE (node:L {`~id`: param.__node_id}) " \
           "ON CREATE SET node = removeKeyFromMap(param, '__node_id') " \
           "ON MATCH SET node += removeKeyFromMap(param, '__node_id')"


static qval s_(tenv *t, const char *s) { return qv_str_copy(&t->a, s, strlen(s)); }

static qval params1(tenv *t, qval list) { return tmap(&t->a, 1, "params", list); }

static qval list_of(tenv *t, int n, const qval *items) {
    qval *it = qv_arena_alloc(&t->a, sizeof(qval) * (size_t)n);
    memcpy(it, items, sizeof(qval) * (size_t)n);
    return qv_list_ref(it, (uint32_t)n);
}

/* Rows whose keys move around: every node must hold its own row's properties, nothing of another row's. */
static void test_keys_change_between_rows(void **state) {
    tenv *t = *state;
    qval rows[] = {
        tmap(&t->a, 4, "__node_id", s_(t, "a"), "x", qv_int(1), "y", s_(t, "one"), "z", qv_float(1.5)),
        tmap(&t->a, 4, "__node_id", s_(t, "b"), "x", qv_int(2), "y", s_(t, "two"), "z", qv_float(2.5)),
        tmap(&t->a, 4, "y", s_(t, "three"), "__node_id", s_(t, "c"), "z", qv_null(), "x", qv_int(3)),
        tmap(&t->a, 3, "__node_id", s_(t, "d"), "w", qv_bool(true), "x", qv_int(4)),
        tmap(&t->a, 5, "__node_id", s_(t, "e"), "x", qv_int(5), "`~id`", qv_int(9), "~id", s_(t, "ignored"),
             "y", qv_list_ref(NULL, 0)),
        tmap(&t->a, 1, "__node_id", s_(t, "f")),
        tmap(&t->a, 4, "__node_id", s_(t, "g"), "x", qv_int(7), "y", s_(t, ""), "z", qv_float(7.5)),
    };
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 7, rows))), "");
    assert_int_equal(t->last_stats.nodes_created, 7);
    assert_int_equal(t->last_stats.props_set, 3 + 3 + 2 + 2 + 3 + 0 + 3);
    EXPECT(t, "MATCH (n:L) RETURN id(n), n ORDER BY id(n)",
           "'a', (:L {x: 1, y: 'one', z: 1.5})\n"
           "'b', (:L {x: 2, y: 'two', z: 2.5})\n"
           "'c', (:L {x: 3, y: 'three'})\n"
           "'d', (:L {w: true, x: 4})\n"
           "'e', (:L {`~id`: 9, x: 5, y: []})\n"
           "'f', (:L)\n"
           "'g', (:L {x: 7, y: '', z: 7.5})");
    /* the same ids again: every row matches, nothing is created, += updates */
    qval again[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(10)),
                    tmap(&t->a, 2, "__node_id", s_(t, "h"), "q", qv_int(11))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 2, again))), "");
    assert_int_equal(t->last_stats.nodes_created, 1);
    EXPECT(t, "MATCH (n:L) WHERE id(n) IN ['a', 'h'] RETURN n ORDER BY id(n)",
           "(:L {x: 10, y: 'one', z: 1.5})\n(:L {q: 11})");
}

/* Keys of the same length at the same position that differ in one byte anywhere (start, middle words, end):
 * the memo must see every difference. */
static void test_keys_differing_in_one_byte(void **state) {
    tenv *t = *state;
    static const char *const base[] = {"a", "ab", "abc", "abcde", "abcdefg", "abcdefgh", "abcdefghijk",
                                       "abcdefghijklmnop", "abcdefghijklmnopqrstuvwxy",
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"};   /* 1 .. 40 bytes */
    enum { NB = sizeof base / sizeof *base };
    qval rows[NB * 41];
    char ids[NB * 41][16];
    char keys[NB * 41][48];
    int n = 0;
    for (int b = 0; b < NB; b++) {
        size_t len = strlen(base[b]);
        for (size_t at = 0; at <= len; at++, n++) {   /* at == len: the key unchanged */
            memcpy(keys[n], base[b], len + 1);
            if (at < len) keys[n][at] = '_';
            snprintf(ids[n], sizeof ids[n], "k%d", n);
            rows[n] = tmap(&t->a, 3, "__node_id", s_(t, ids[n]), keys[n], qv_int(n), "last", qv_int(-n));
        }
    }
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, n, rows))), "");
    assert_int_equal(t->last_stats.nodes_created, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        char q[400], want[80];
        snprintf(q, sizeof q, "MATCH (n:L {`~id`: '%.15s'}) RETURN n.`%.47s`, n.last, size(keys(n))", ids[i], keys[i]);
        snprintf(want, sizeof want, "%d, %d, 2", i, -i);
        assert_string_equal(tq(t, q), want);
    }
}

/* One batch naming the same id twice: the second row matches the node the first created. */
static void test_same_id_twice_in_a_batch(void **state) {
    tenv *t = *state;
    qval rows[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(1)),
                   tmap(&t->a, 2, "__node_id", s_(t, "a"), "y", qv_int(2))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 2, rows))), "");
    assert_int_equal(t->last_stats.nodes_created, 1);
    EXPECT(t, "MATCH (n:L) RETURN id(n), n", "'a', (:L {x: 1, y: 2})");
}

/* Errors are the general path's, at the same point, and the whole query leaves nothing behind. */
static void test_errors_leave_nothing(void **state) {
    tenv *t = *state;
    qval bad_value[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(1)),
                        tmap(&t->a, 2, "__node_id", s_(t, "b"), "m", tmap(&t->a, 1, "k", qv_int(1)))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 2, bad_value))), "ERR TypeError InvalidPropertyType");
    qval mixed[2] = {qv_int(1), s_(t, "x")};
    qval bad_list[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "l", list_of(t, 2, mixed))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 1, bad_list))), "ERR TypeError InvalidPropertyType");
    /* a dropped key may hold anything: it is not stored */
    qval dropped_map[] = {tmap(&t->a, 2, "__node_id", s_(t, "ok"), "x", qv_int(1))};
    assert_string_equal(tqp(t, "UNWIND $params AS p MERGE (n:L {`~id`: p.__node_id}) "
                               "ON CREATE SET n = removeKeyFromMap(p, '__node_id') RETURN n.x",
                            params1(t, list_of(t, 1, dropped_map))),
                        "1");
    assert_string_equal(tqp(t, "MATCH (n:L {`~id`: 'ok'}) DELETE n", qv_null()), "");
    qval null_id[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(1)),
                      tmap(&t->a, 2, "__node_id", qv_null(), "x", qv_int(2))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 2, null_id))), "ERR SemanticError MergeReadOwnWrites");
    qval float_id[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(1)),
                       tmap(&t->a, 2, "__node_id", qv_float(1.5), "x", qv_int(2))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 2, float_id))), "ERR TypeError InvalidPropertyType");
    EXPECT(t, "MATCH (n) RETURN count(n)", "0");
    /* the names those failed queries interned are still usable, and recorded by the next commit */
    qval good[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "x", qv_int(1))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 1, good))), "");
    EXPECT(t, "MATCH (n:L) RETURN id(n), n", "'a', (:L {x: 1})");
}

/* Shapes the one-pass create leaves to the general path still come out right. */
static void test_other_shapes(void **state) {
    tenv *t = *state;
    /* a key longer than the memo holds, and a map longer than it */
    const char *longk = "a_property_key_longer_than_forty_bytes_in_all_of_it";
    qval r1 = tmap(&t->a, 3, "__node_id", s_(t, "long"), longk, qv_int(1), "x", qv_int(2));
    qmap_b b;
    qmap_b_init(&b, &t->a, 40);
    qmap_b_set(&b, "__node_id", 9, s_(t, "wide"));
    char k[8];
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof k, "k%02d", i);
        qmap_b_set(&b, k, strlen(k), qv_int(i));
    }
    qval rows[] = {r1, qmap_b_done(&b), tmap(&t->a, 2, "__node_id", s_(t, "short"), "x", qv_int(3))};
    assert_string_equal(tqp(t, N1, params1(t, list_of(t, 3, rows))), "");
    assert_int_equal(t->last_stats.nodes_created, 3);
    EXPECT(t, "MATCH (n:L {`~id`: 'long'}) RETURN n", "(:L {a_property_key_longer_than_forty_bytes_in_all_of_it: 1, x: 2})");
    EXPECT(t, "MATCH (n:L {`~id`: 'wide'}) RETURN size(keys(n)), n.k00, n.k39", "40, 0, 39");
    EXPECT(t, "MATCH (n:L {`~id`: 'short'}) RETURN n", "(:L {x: 3})");
    /* += with other pattern properties: the pattern's are kept unless the map sets them */
    EXPECT(t, "UNWIND [{id: 'p', a: 1}, {id: 'q', b: 2}] AS r MERGE (n:M {`~id`: r.id, a: 0, c: 5}) "
              "ON CREATE SET n += removeKeyFromMap(r, 'id') RETURN n ORDER BY n.c, n.a",
           "(:M {a: 0, b: 2, c: 5})\n(:M {a: 1, c: 5})");
    /* two labels; a pattern with no properties (a fresh external id), then a match of it */
    EXPECT(t, "UNWIND [{v: 1}, {v: 2}] AS r MERGE (n:P:Q {v: r.v}) ON CREATE SET n = r RETURN n",
           "(:P:Q {v: 1})\n(:P:Q {v: 2})");
    EXPECT(t, "UNWIND [{v: 1}, {v: 2}] AS r MERGE (n:Z:Y) ON CREATE SET n = r ON MATCH SET n.m = r.v RETURN n.v, n.m",
           "1, null\n1, 2");
    /* the ON CREATE map runs a nested lookup by `~id` of its own: the node still gets the pattern's id */
    EXPECT(t, "CREATE (:S {`~id`: 'x1z', v: 7})", "");
    EXPECT(t, "UNWIND [{id: 'x1'}, {id: 'x2'}] AS p MERGE (n:S {`~id`: p.id}) "
              "ON CREATE SET n = {c: EXISTS { MATCH (m:S {`~id`: p.id + 'z'}) }} RETURN id(n), n.c ORDER BY id(n)",
           "'x1', true\n'x2', false");
    EXPECT(t, "UNWIND [{`~id`: 'u1', v: 1}, {`~id`: 'u2', v: 2}] AS r MERGE (n:R {`~id`: r.`~id`}) "
              "ON CREATE SET n = r, n.w = r.v * 10 RETURN id(n), n",
           "'u1', (:R {v: 1, w: 10})\n'u2', (:R {v: 2, w: 20})");
}

/* ON MATCH SET n += map in one pass (merge_node.c: cy_mnode_match) gives what applying the map key by key
 * gives (the general path, forced here by an ON MATCH whose first item is another SET): unchanged values,
 * changed ones, types that change, nulls removing keys, `~id` in the map ignored, dropped keys. */
static void compact(tenv *t) {
    graph *g = gcatalog_get(t->cat, "g");
    assert_non_null(g);
    qv_err err;
    assert_int_equal(graph_compact(g, &err), 0);
    gcatalog_release(t->cat, g);
}

static void on_match_check(tenv *t, bool packed) {
    static const char *const fast =
        "UNWIND $params AS param MERGE (node:L {`~id`: param.__node_id}) "
        "ON CREATE SET node = removeKeyFromMap(param, '__node_id') "
        "ON MATCH SET node += removeKeyFromMap(param, '__node_id')";
    static const char *const general =
        "UNWIND $params AS param MERGE (node:M {`~id`: param.__node_id + 'm'}) "
        "ON CREATE SET node = removeKeyFromMap(param, '__node_id') "
        "ON MATCH SET node.touched = null, node += removeKeyFromMap(param, '__node_id')";
    qval l2[2] = {qv_int(1), qv_int(2)};
    qval first[] = {
        tmap(&t->a, 5, "__node_id", s_(t, "a"), "x", qv_int(1), "y", s_(t, "one"), "z", qv_float(1.5), "l", list_of(t, 2, l2)),
        tmap(&t->a, 3, "__node_id", s_(t, "b"), "x", qv_int(2), "y", s_(t, "two")),
        tmap(&t->a, 2, "__node_id", s_(t, "c"), "x", qv_int(3)),
    };
    qval second[] = {
        /* a: x same, y changed, z from float to int, l same, w new */
        tmap(&t->a, 6, "__node_id", s_(t, "a"), "x", qv_int(1), "y", s_(t, "uno"), "z", qv_int(1), "l",
             list_of(t, 2, l2), "w", qv_bool(false)),
        /* b: y removed by null, `~id` in the map ignored, x same */
        tmap(&t->a, 4, "__node_id", s_(t, "b"), "y", qv_null(), "~id", s_(t, "nope"), "x", qv_int(2)),
        /* c: nothing changes */
        tmap(&t->a, 2, "__node_id", s_(t, "c"), "x", qv_int(3)),
        /* d: created by this batch, then matched by the next row */
        tmap(&t->a, 2, "__node_id", s_(t, "d"), "x", qv_int(4)),
        tmap(&t->a, 3, "__node_id", s_(t, "d"), "x", qv_int(5), "q", s_(t, "")),
    };
    static const char *const want_fmt = "'a%s', (:%s {l: [1, 2], w: false, x: 1, y: 'uno', z: 1})\n"
                                        "'b%s', (:%s {x: 2})\n"
                                        "'c%s', (:%s {x: 3})\n"
                                        "'d%s', (:%s {q: '', x: 5})";
    char want[400];
    for (int k = 0; k < 2; k++) {
        const char *q = k ? general : fast;
        assert_string_equal(tqp(t, q, params1(t, list_of(t, 3, first))), "");
        if (packed) compact(t);   /* the matched nodes then live in the compaction's pack, with no version */
        assert_string_equal(tqp(t, q, params1(t, list_of(t, 5, second))), "");
        assert_int_equal(t->last_stats.nodes_created, 1);
        assert_int_equal(t->last_stats.props_set, 5 + 1 + 1 + 1 + 2);
        char mq[120];
        const char *lab = k ? "M" : "L";
        snprintf(mq, sizeof mq, "MATCH (n:%s) RETURN id(n), n ORDER BY id(n)", lab);
        const char *sfx = k ? "m" : "";
        snprintf(want, sizeof want, want_fmt, sfx, lab, sfx, lab, sfx, lab, sfx, lab);
        assert_string_equal(tq(t, mq), want);
    }
    /* a value that cannot be stored fails the query and changes nothing, as SET does */
    qval bad[] = {tmap(&t->a, 2, "__node_id", s_(t, "a"), "y", s_(t, "changed")),
                  tmap(&t->a, 2, "__node_id", s_(t, "b"), "m", tmap(&t->a, 1, "k", qv_int(1)))};
    assert_string_equal(tqp(t, fast, params1(t, list_of(t, 2, bad))), "ERR TypeError InvalidPropertyType");
    snprintf(want, sizeof want, want_fmt, "", "L", "", "L", "", "L", "", "L");
    EXPECT(t, "MATCH (n:L) RETURN id(n), n ORDER BY id(n)", want);
    /* the map is not a map: the same error as SET */
    assert_string_equal(tq(t, "MERGE (n:L {`~id`: 'a'}) ON MATCH SET n += 1"), "ERR TypeError InvalidArgumentType");
    /* the same data again: nothing changes, and later reads still see every property */
    if (packed) compact(t);
    assert_string_equal(tqp(t, fast, params1(t, list_of(t, 5, second))), "");
    EXPECT(t, "MATCH (n:L) RETURN id(n), n ORDER BY id(n)", want);
}

static void test_on_match_same_as_general_path(void **state) { on_match_check(*state, false); }
static void test_on_match_packed_nodes(void **state) { on_match_check(*state, true); }

/* A MERGE match's label test (filter.c tests a node's labels directly, remembering their ids once every name
 * is found): a label no node has yet is created by row 1 and found by row 2, and a node without it is never
 * taken for one with it. */
static void test_label_created_by_an_earlier_row(void **state) {
    tenv *t = *state;
    EXPECT(t, "CREATE (:FIRST {`~id`: 'a'})-[:T]->(:FIRST {`~id`: 'c'})", "");
    EXPECT(t, "MATCH (a {`~id`: 'a'}) UNWIND [1, 2] AS i MERGE (a)-[:T]->(b:NEWL) RETURN i, labels(b)",
           "1, ['NEWL']\n2, ['NEWL']");
    assert_int_equal(t->last_stats.nodes_created, 1);
    EXPECT(t, "MATCH (a {`~id`: 'a'})-[:T]->(b:FIRST) RETURN id(b)", "'c'");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_change_between_rows, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_keys_differing_in_one_byte, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_same_id_twice_in_a_batch, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_errors_leave_nothing, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_other_shapes, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_on_match_same_as_general_path, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_on_match_packed_nodes, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_label_created_by_an_earlier_row, tenv_setup, tenv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
