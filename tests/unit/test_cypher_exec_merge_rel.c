/* test_cypher_exec_merge_rel.c — the one-pass MERGE create of relationship ingest streams (ops/merge_rel.c):
 * a relationship between two bound nodes whose ON CREATE starts with `SET r = map` / `SET r += map`
 * (Nodestream's R1). Each batch runs twice: through the fast path (type T) and through the general path of
 * create.c (type G, forced by naming the path, which the fast path leaves alone); the relationships, their
 * properties, the statistics and the errors must be the same, and a failed batch must leave nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_cypher_exec_util.h"

#define SET_MAP "removeKeyFromMap(removeKeyFromMap(param, 'f'), 't')"
/* %s: the pattern's variable part ("" or "p = "), the arrow's start, the type, the arrow's end */
#define R1_FMT "UNWIND $params AS param MATCH (f:A {`~id`: param.f}), (t:B {`~id`: param.t}) " \
               "MERGE %s(f)%s[rel:%s]%s(t) ON CREATE SET rel %s " SET_MAP " ON MATCH SET rel += " SET_MAP

static qval s_(tenv *t, const char *s) { return qv_str_copy(&t->a, s, strlen(s)); }

static qval rows_param(tenv *t, int n, const qval *items) {
    qval *it = qv_arena_alloc(&t->a, sizeof(qval) * (size_t)n);
    memcpy(it, items, sizeof(qval) * (size_t)n);
    return tmap(&t->a, 1, "params", qv_list_ref(it, (uint32_t)n));
}

static void make_nodes(tenv *t) {
    EXPECT(t, "UNWIND range(1, 60) AS i CREATE (:A {`~id`: 'a' + i}), (:B {`~id`: 'b' + i})", "");
}

/* Runs the batch through both paths (`=` or `+=`, out or in); returns the fast path's answer (its statistics in
 * t->last_stats) after checking that the general path gives the same answer, statistics and relationships. */
static const char *both(tenv *t, qval params, bool replace, bool in) {
    char q[1024];
    const char *l = in ? "<-" : "-", *r = in ? "-" : "->", *op = replace ? "=" : "+=";
    snprintf(q, sizeof q, R1_FMT, "", l, "T", r, op);
    const char *fast = tqp(t, q, params);
    cy_stats fs = t->last_stats;
    snprintf(q, sizeof q, R1_FMT, "p = ", l, "G", r, op);
    const char *general = tqp(t, q, params);
    assert_string_equal(fast, general);
    assert_int_equal(fs.rels_created, t->last_stats.rels_created);
    assert_int_equal(fs.props_set, t->last_stats.props_set);
    const char *rt = "MATCH (x)-[r:T]->(y) RETURN id(x), id(y), properties(r) ORDER BY id(x), id(y), r.n";
    const char *rg = "MATCH (x)-[r:G]->(y) RETURN id(x), id(y), properties(r) ORDER BY id(x), id(y), r.n";
    const char *want = tq(t, rg);
    assert_string_equal(tq(t, rt), want);
    t->last_stats = fs;
    return fast;
}

/* Rows whose keys move around, with nulls, `~id`, empty strings, lists and the same pair twice (the second
 * row matches what the first created): every relationship holds its own row's properties. */
static void test_keys_change_between_rows(void **state) {
    tenv *t = *state;
    make_nodes(t);
    qval l2[2] = {qv_int(1), qv_int(2)};
    qval *lp = qv_arena_alloc(&t->a, sizeof l2);
    memcpy(lp, l2, sizeof l2);
    qval rows[] = {
        tmap(&t->a, 5, "f", s_(t, "a1"), "t", s_(t, "b1"), "n", qv_int(1), "x", s_(t, "one"), "z", qv_float(1.5)),
        tmap(&t->a, 5, "f", s_(t, "a1"), "t", s_(t, "b2"), "n", qv_int(2), "x", s_(t, "two"), "z", qv_float(2.5)),
        tmap(&t->a, 5, "x", s_(t, "three"), "t", s_(t, "b3"), "z", qv_null(), "f", s_(t, "a2"), "n", qv_int(3)),
        tmap(&t->a, 4, "f", s_(t, "a3"), "w", qv_bool(true), "t", s_(t, "b1"), "n", qv_int(4)),
        tmap(&t->a, 6, "f", s_(t, "a4"), "t", s_(t, "b4"), "n", qv_int(5), "~id", s_(t, "ignored"), "y",
             qv_list_ref(lp, 2), "x", s_(t, "")),
        tmap(&t->a, 2, "f", s_(t, "a5"), "t", s_(t, "b5")),
        tmap(&t->a, 4, "f", s_(t, "a1"), "t", s_(t, "b1"), "n", qv_int(7), "q", qv_int(70)),   /* a match */
        tmap(&t->a, 4, "f", s_(t, "a99"), "t", s_(t, "b1"), "n", qv_int(8), "x", s_(t, "no node")),
    };
    for (int k = 0; k < 4; k++) {
        assert_string_equal(both(t, rows_param(t, 8, rows), k & 1, k & 2), "");
        assert_int_equal(t->last_stats.rels_created, k & 1 ? 0 : 6);   /* `+=` rows all match the `=` ones */
    }
    assert_string_equal(tq(t, "MATCH (x {`~id`: 'a1'})-[r:T]->(y {`~id`: 'b1'}) RETURN r"),
                        "[:T {n: 7, q: 70, x: 'one', z: 1.5}]");
    assert_string_equal(tq(t, "MATCH (x {`~id`: 'a4'})-[r:T]->(y {`~id`: 'b4'}) RETURN r"),
                        "[:T {n: 5, x: '', y: [1, 2]}]");
    assert_string_equal(tq(t, "MATCH (x {`~id`: 'b4'})-[r:T]->(y {`~id`: 'a4'}) RETURN r"),
                        "[:T {n: 5, x: '', y: [1, 2]}]");
    assert_string_equal(tq(t, "MATCH ()-[r:T]->() RETURN count(r), sum(r.n)"), "12, 42");
}

/* Keys of the same length at the same position that differ in one byte: no row gets another row's key. */
static void test_keys_differing_in_one_byte(void **state) {
    tenv *t = *state;
    make_nodes(t);
    static const char *const base[] = {"k", "kk", "abcdefgh", "abcdefghijk", "abcdefghijklmnopqrstuvwxy"};
    enum { NB = sizeof base / sizeof *base };
    qval rows[NB * 26];
    char keys[NB * 26][32];
    char from[NB * 26][16];   /* a relationship of its own per row: every row creates */
    int n = 0;
    for (int b = 0; b < NB; b++) {
        size_t len = strlen(base[b]);
        for (size_t at = 0; at <= len; at++, n++) {
            memcpy(keys[n], base[b], len + 1);
            if (at < len) keys[n][at] = '_';
            snprintf(from[n], sizeof from[n], "a%d", 1 + n);
            rows[n] = tmap(&t->a, 4, "f", s_(t, from[n]), "t", s_(t, "b1"), keys[n], qv_int(n), "n", qv_int(-n));
        }
    }
    assert_string_equal(both(t, rows_param(t, n, rows), true, false), "");
    assert_int_equal(t->last_stats.rels_created, (uint64_t)n);
}

/* Errors are the general path's, in the same order, and the failed batch leaves nothing behind. */
static void test_errors_leave_nothing(void **state) {
    tenv *t = *state;
    make_nodes(t);
    qval bad[] = {tmap(&t->a, 3, "f", s_(t, "a1"), "t", s_(t, "b1"), "x", qv_int(1)),
                  tmap(&t->a, 3, "f", s_(t, "a2"), "t", s_(t, "b2"), "m", tmap(&t->a, 1, "k", qv_int(1)))};
    assert_string_equal(both(t, rows_param(t, 2, bad), true, false), "ERR TypeError InvalidPropertyType");
    qval mixed[2] = {qv_int(1), s_(t, "x")};
    qval *mp = qv_arena_alloc(&t->a, sizeof mixed);
    memcpy(mp, mixed, sizeof mixed);
    qval bad_list[] = {tmap(&t->a, 3, "f", s_(t, "a1"), "t", s_(t, "b1"), "l", qv_list_ref(mp, 2))};
    assert_string_equal(both(t, rows_param(t, 1, bad_list), false, false), "ERR TypeError InvalidPropertyType");
    assert_string_equal(tq(t, "MATCH ()-[r]->() RETURN count(r)"), "0");
    /* a missing end node (OPTIONAL MATCH): the general path's error; a bad value in the same row comes first */
    static const char *const opt[2] = {
        "UNWIND $params AS param OPTIONAL MATCH (f:A {`~id`: param.f}) OPTIONAL MATCH (t:B {`~id`: param.t}) "
        "MERGE (f)-[rel:T]->(t) ON CREATE SET rel = " SET_MAP,
        "UNWIND $params AS param OPTIONAL MATCH (f:A {`~id`: param.f}) OPTIONAL MATCH (t:B {`~id`: param.t}) "
        "MERGE p = (f)-[rel:G]->(t) ON CREATE SET rel = " SET_MAP};
    qval nulls[] = {tmap(&t->a, 3, "f", s_(t, "a1"), "t", s_(t, "b1"), "x", qv_int(1)),
                    tmap(&t->a, 3, "f", s_(t, "a1"), "t", s_(t, "nope"), "x", qv_int(2))};
    qval both_bad[] = {tmap(&t->a, 3, "f", s_(t, "nope"), "t", s_(t, "b1"), "m", tmap(&t->a, 1, "k", qv_int(1)))};
    for (int k = 0; k < 2; k++) {
        assert_string_equal(tqp(t, opt[k], rows_param(t, 2, nulls)), "ERR SemanticError CreatingRelationshipWithNullNode");
        assert_string_equal(tqp(t, opt[k], rows_param(t, 1, both_bad)), "ERR TypeError InvalidPropertyType");
    }
    assert_string_equal(tq(t, "MATCH ()-[r]->() RETURN count(r)"), "0");
    /* the names the failed queries interned are still usable and recorded by the next commit */
    qval good[] = {tmap(&t->a, 3, "f", s_(t, "a1"), "t", s_(t, "b1"), "x", qv_int(1))};
    assert_string_equal(both(t, rows_param(t, 1, good), true, false), "");
    assert_string_equal(tq(t, "MATCH ()-[r:T]->() RETURN r"), "[:T {x: 1}]");
}

/* Shapes the fast path leaves to create.c (a key longer than the memo holds, a map longer than it, pattern
 * properties) still come out right, and rows of the fast shape after them too. */
static void test_other_shapes(void **state) {
    tenv *t = *state;
    make_nodes(t);
    const char *longk = "a_property_key_longer_than_forty_bytes_in_all_of_it";
    qmap_b b;
    qmap_b_init(&b, &t->a, 42);
    qmap_b_set(&b, "f", 1, s_(t, "a2"));
    qmap_b_set(&b, "t", 1, s_(t, "b2"));
    char k[8];
    for (int i = 0; i < 40; i++) {
        snprintf(k, sizeof k, "k%02d", i);
        qmap_b_set(&b, k, strlen(k), qv_int(i));
    }
    qval rows[] = {tmap(&t->a, 4, "f", s_(t, "a1"), "t", s_(t, "b1"), longk, qv_int(1), "n", qv_int(2)),
                   qmap_b_done(&b), tmap(&t->a, 3, "f", s_(t, "a3"), "t", s_(t, "b3"), "n", qv_int(3))};
    assert_string_equal(both(t, rows_param(t, 3, rows), true, false), "");
    assert_int_equal(t->last_stats.rels_created, 3);
    assert_string_equal(tq(t, "MATCH ({`~id`: 'a2'})-[r:T]->() RETURN size(keys(r)), r.k00, r.k39"), "40, 0, 39");
    assert_string_equal(tq(t, "MATCH ({`~id`: 'a1'})-[r:T]->() RETURN r"),
                        "[:T {a_property_key_longer_than_forty_bytes_in_all_of_it: 1, n: 2}]");
    /* pattern properties: += keeps them unless the map sets them */
    EXPECT(t, "UNWIND [{f: 'a4', t: 'b4', n: 4}, {f: 'a5', t: 'b5', w: 0}] AS param "
              "MATCH (f:A {`~id`: param.f}), (t:B {`~id`: param.t}) MERGE (f)-[rel:P {w: 9}]->(t) "
              "ON CREATE SET rel += " SET_MAP " RETURN rel ORDER BY rel.w",
           "[:P {w: 0}]\n[:P {n: 4, w: 9}]");
}

/* MERGE's match of a type no relationship has yet: the type that row 1 creates is found by row 2 (expand.c
 * remembers type ids only once every name was found). */
static void test_type_created_by_an_earlier_row(void **state) {
    tenv *t = *state;
    make_nodes(t);
    EXPECT(t, "MATCH (a {`~id`: 'a1'}), (b {`~id`: 'b1'}) CREATE (a)-[:OLD]->(b)", "");
    EXPECT(t, "UNWIND [1, 2, 3] AS i MATCH (a {`~id`: 'a1'}), (b {`~id`: 'b1'}) MERGE (a)-[r:NEWTYPE]->(b) "
              "ON CREATE SET r = {i: i} ON MATCH SET r.j = i RETURN i, r.i, r.j",
           "1, 1, null\n2, 1, 2\n3, 1, 3");
    assert_int_equal(t->last_stats.rels_created, 1);
    EXPECT(t, "UNWIND [1, 2] AS i MATCH (a {`~id`: 'a2'}), (b {`~id`: 'b2'}) MERGE (a)<-[r:OTHER]-(b) RETURN i",
           "1\n2");
    assert_int_equal(t->last_stats.rels_created, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keys_change_between_rows, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_keys_differing_in_one_byte, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_errors_leave_nothing, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_other_shapes, tenv_setup, tenv_teardown),
        cmocka_unit_test_setup_teardown(test_type_created_by_an_earlier_row, tenv_setup, tenv_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
