/* test_tck_values.c — the TCK runner's value parser and comparator (tests/tck/tck_value.c), and the
 * engine-free verdicts (tests/tck/tck_check.c): result tables, side-effect counters and the sorted-set diffs
 * behind them, error steps, procedure signatures. Links without the engine. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tck/tck_check.h"
#include "tck/tck_value.h"

static qv_arena A;

static int setup(void **state) { (void)state; qv_arena_init(&A); return 0; }
static int teardown(void **state) { (void)state; qv_arena_free(&A); return 0; }

static const tckv *P(const char *s) {
    char err[256];
    const tckv *v = tckv_parse(&A, s, strlen(s), err, sizeof err);
    if (!v) fail_msg("parse '%s': %s", s, err);
    return v;
}

static void parse_fails(const char *s, const char *msg_part) {
    char err[256];
    const tckv *v = tckv_parse(&A, s, strlen(s), err, sizeof err);
    if (v) fail_msg("'%s' parsed but should not", s);
    if (msg_part && !strstr(err, msg_part)) fail_msg("'%s': message '%s' lacks '%s'", s, err, msg_part);
}

static void roundtrip(const char *s, const char *rendered) {
    assert_string_equal(tckv_render(&A, P(s)), rendered ? rendered : s);
}

static void test_scalars(void **state) {
    (void)state;
    const tckv *v = P(" 42 ");
    assert_int_equal(v->kind, TV_INT);
    assert_int_equal(v->i, 42);
    assert_int_equal(P("-9223372036854775808")->i, INT64_MIN);
    parse_fails("9223372036854775808", "out of range");
    v = P("1.2635418652381264e305");
    assert_int_equal(v->kind, TV_FLOAT);
    assert_true(v->f == 1.2635418652381264e305);
    assert_true(P("-1e-5")->f == -1e-5);
    assert_true(P(".5")->f == 0.5);
    assert_true(P("1.0")->kind == TV_FLOAT);
    assert_true(isnan(P("NaN")->f));
    assert_true(isinf(P("Inf")->f) && P("Inf")->f > 0);
    assert_true(isinf(P("-Inf")->f) && P("-Inf")->f < 0);
    assert_int_equal(P("true")->kind, TV_BOOL);
    assert_true(P("true")->b);
    assert_false(P("false")->b);
    assert_int_equal(P("null")->kind, TV_NULL);
    parse_fails("nul", NULL);
    parse_fails("truex", NULL);
    parse_fails("1e", "exponent");
    parse_fails("", "expected a value");
    parse_fails("1 2", "after the value");
}

static void test_strings(void **state) {
    (void)state;
    const tckv *v = P("'it\\'s'");
    assert_int_equal(v->kind, TV_STRING);
    assert_string_equal(v->s, "it's");
    /* after Gherkin's cell unescaping, 'a\\bcn5t\'"\\//\\"\'' is the TCK text for a\bcn5t'"\//\"' */
    v = P("'a\\\\bcn5t\\'\"\\\\//\\\\\"\\''");
    assert_string_equal(v->s, "a\\bcn5t'\"\\//\\\"'");
    v = P("'\\n'");   /* other escapes stay as written */
    assert_string_equal(v->s, "\\n");
    assert_int_equal(P("''")->len, 0);
    parse_fails("'open", "unterminated");
    roundtrip("'it\\'s'", NULL);
}

static void test_containers(void **state) {
    (void)state;
    const tckv *v = P("[1, 'a', [null, 2.5], {}]");
    assert_int_equal(v->kind, TV_LIST);
    assert_int_equal(v->len, 4);
    assert_int_equal(v->items[2]->kind, TV_LIST);
    assert_int_equal(P("[]")->len, 0);
    v = P("{b: 1, a: 'x', `c d`: true, ``: null}");
    assert_int_equal(v->kind, TV_MAP);
    assert_int_equal(v->len, 4);
    assert_string_equal(v->keys[0], "");       /* sorted */
    assert_string_equal(v->keys[1], "a");
    assert_string_equal(v->keys[3], "c d");
    roundtrip("{b: 1, a: 'x'}", "{a: 'x', b: 1}");
    roundtrip("{``: 0}", NULL);
    parse_fails("{a: 1, a: 2}", "duplicate");
    parse_fails("[1, 2", NULL);
    parse_fails("{a 1}", NULL);
    /* bounded nesting */
    char deep[401];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    deep[400] = 0;
    parse_fails(deep, "nested");
}

static void test_graph_elements(void **state) {
    (void)state;
    const tckv *n = P("(:B:A {name: 'x', num: 1})");
    assert_int_equal(n->kind, TV_NODE);
    assert_int_equal(n->n_labels, 2);
    assert_string_equal(n->labels[0], "A");
    assert_int_equal(n->props->len, 2);
    roundtrip("()", NULL);
    roundtrip("({name: 'a'})", NULL);
    roundtrip("(:B:A)", "(:A:B)");
    const tckv *r = P("[:T {p: 0}]");
    assert_int_equal(r->kind, TV_REL);
    assert_string_equal(r->s, "T");
    assert_int_equal(r->props->len, 1);
    roundtrip("[:T]", NULL);
    parse_fails("[:]", NULL);
    const tckv *p = P("<(:A)-[:R]->(:B)<-[:S {w: 1}]-(:C)>");
    assert_int_equal(p->kind, TV_PATH);
    assert_int_equal(p->len, 2);
    assert_true(p->items[1]->b);
    assert_false(p->items[3]->b);
    roundtrip("<(:A)-[:R]->(:B)<-[:S {w: 1}]-(:C)>", NULL);
    roundtrip("<()>", NULL);
    parse_fails("<(:A)-[:R]-(:B)>", "path");
    parse_fails("<(:A)<-[:R]->(:B)>", "path");
}

static void test_equality(void **state) {
    (void)state;
    assert_true(tckv_equal(P("1"), P("1"), false));
    assert_false(tckv_equal(P("1"), P("1.0"), false));    /* integers and floats are different types */
    assert_true(tckv_equal(P("0.1"), P("0.1"), false));
    assert_false(tckv_equal(P("0.1"), P("0.10000000000000002"), false));
    assert_true(tckv_equal(P("NaN"), P("NaN"), false));
    assert_true(tckv_equal(P("null"), P("null"), false));
    assert_false(tckv_equal(P("null"), P("false"), false));
    assert_false(tckv_equal(P("'a'"), P("'A'"), false));
    assert_false(tckv_equal(P("[1, 2]"), P("[2, 1]"), false));
    assert_true(tckv_equal(P("[1, 2]"), P("[2, 1]"), true));
    assert_true(tckv_equal(P("[[1, 2], [3]]"), P("[[3], [2, 1]]"), true));
    assert_false(tckv_equal(P("[1, 1, 2]"), P("[1, 2, 2]"), true));   /* multisets, not sets */
    assert_false(tckv_equal(P("[1]"), P("[1, 1]"), true));
    assert_true(tckv_equal(P("{a: 1, b: [1]}"), P("{b: [1], a: 1}"), false));
    assert_false(tckv_equal(P("{a: 1}"), P("{a: 1, b: null}"), false));
    /* nodes: labels as a set, properties as a map, no identity */
    assert_true(tckv_equal(P("(:A:B {p: 1})"), P("(:B:A {p: 1})"), false));
    assert_false(tckv_equal(P("(:A)"), P("(:A:B)"), false));
    assert_false(tckv_equal(P("(:A {p: 1})"), P("(:A {p: 1.0})"), false));
    assert_false(tckv_equal(P("()"), P("[:T]"), false));
    assert_true(tckv_equal(P("[:T {p: 'x'}]"), P("[:T {p: 'x'}]"), false));
    assert_false(tckv_equal(P("[:T]"), P("[:U]"), false));
    /* paths: hop by hop with direction */
    assert_true(tckv_equal(P("<(:A)-[:R]->(:B)>"), P("<(:A)-[:R]->(:B)>"), false));
    assert_false(tckv_equal(P("<(:A)-[:R]->(:B)>"), P("<(:A)<-[:R]-(:B)>"), false));
    assert_false(tckv_equal(P("<(:A)-[:R]->(:B)>"), P("<(:B)<-[:R]-(:A)>"), false));
    assert_false(tckv_equal(P("<()>"), P("()"), false));
}

static void test_render_floats(void **state) {
    (void)state;
    roundtrip("1.0", NULL);
    roundtrip("0.1", NULL);
    roundtrip("-2.5", NULL);
    roundtrip("NaN", NULL);
    roundtrip("-Inf", NULL);
    const tckv *v = P("1.2635418652381264e305");
    assert_true(P(tckv_render(&A, v))->f == v->f);    /* exact round trip */
}

static void test_to_qval(void **state) {
    (void)state;
    char err[256];
    qval q;
    assert_int_equal(tckv_to_qval(&A, P("{name: 'a', xs: [1, 2.5, null], ok: true}"), &q, err, sizeof err), 0);
    assert_int_equal(q.type, QT_MAP);
    assert_int_equal(q.len, 3);
    /* keys come sorted from the parser */
    assert_string_equal(q.ents[0].key, "name");
    assert_int_equal(q.ents[0].v.type, QT_STRING);
    assert_memory_equal(q.ents[0].v.s, "a", 1);
    assert_string_equal(q.ents[2].key, "xs");
    assert_int_equal(q.ents[2].v.type, QT_LIST);
    assert_int_equal(q.ents[2].v.items[1].type, QT_FLOAT);
    assert_int_equal(q.ents[2].v.items[2].type, QT_NULL);
    assert_int_equal(tckv_to_qval(&A, P("(:A)"), &q, err, sizeof err), -1);
    assert_non_null(strstr(err, "parameters"));
}

/* A result table check: rows of actual values built from TCK text (as if read from the engine). */
static tck_status table_check(const char *const *exp_rows, size_t n_exp, const char *const *cols, size_t ncols,
                              const char *const *act, size_t nact, bool ordered, bool unord, char *reason) {
    tck_table t = {.n_rows = n_exp};
    t.rows = qv_arena_zalloc(&A, n_exp * sizeof *t.rows);
    for (size_t i = 0; i < n_exp; i++) {
        /* rows are "a|b|c" */
        char *copy = qv_arena_strndup(&A, exp_rows[i], strlen(exp_rows[i]));
        t.rows[i].cells = qv_arena_zalloc(&A, 8 * sizeof(char *));
        for (char *tok = strtok(copy, "|"); tok; tok = strtok(NULL, "|")) t.rows[i].cells[t.rows[i].n++] = tok;
    }
    const tckv ***rows = qv_arena_zalloc(&A, (nact + 1) * sizeof *rows);
    for (size_t i = 0; i < nact; i++) {
        char *copy = qv_arena_strndup(&A, act[i], strlen(act[i]));
        rows[i] = qv_arena_zalloc(&A, 8 * sizeof **rows);
        size_t c = 0;
        for (char *tok = strtok(copy, "|"); tok; tok = strtok(NULL, "|")) rows[i][c++] = P(tok);
    }
    return tck_compare_table(&A, &t, cols, ncols, (const tckv *const *const *)rows, nact, ordered, unord, reason,
                             1024);
}

static void test_tables(void **state) {
    (void)state;
    char reason[1024];
    const char *cols[] = {"a", "b"};
    const char *exp[] = {"a|b", "1|'x'", "2|'y'", "2|'y'"};
    const char *same_bag[] = {"2|'y'", "1|'x'", "2|'y'"};
    const char *other_bag[] = {"2|'y'", "1|'x'", "1|'x'"};
    assert_int_equal(table_check(exp, 4, cols, 2, same_bag, 3, false, false, reason), TCK_PASS);
    assert_int_equal(table_check(exp, 4, cols, 2, same_bag, 3, true, false, reason), TCK_FAIL);
    assert_non_null(strstr(reason, "mismatch at row"));
    assert_int_equal(table_check(exp, 4, cols, 2, other_bag, 3, false, false, reason), TCK_FAIL);   /* duplicates */
    assert_non_null(strstr(reason, "no match for row | 2 | 'y' |"));
    assert_int_equal(table_check(exp, 4, cols, 2, same_bag, 2, false, false, reason), TCK_FAIL);
    assert_non_null(strstr(reason, "expected 3 rows, got 2"));
    const char *cols2[] = {"b", "a"};
    assert_int_equal(table_check(exp, 4, cols2, 2, same_bag, 3, false, false, reason), TCK_FAIL);
    assert_non_null(strstr(reason, "columns differ"));
    const char *ord[] = {"a|b", "1|[1, 2]", "2|[3, 4]"};
    const char *ord_act[] = {"1|[2, 1]", "2|[4, 3]"};
    assert_int_equal(table_check(ord, 3, cols, 2, ord_act, 2, true, true, reason), TCK_PASS);
    assert_int_equal(table_check(ord, 3, cols, 2, ord_act, 2, true, false, reason), TCK_FAIL);
    const char *bad[] = {"a|b", "1|(:A"};
    assert_int_equal(table_check(bad, 2, cols, 2, ord_act, 1, false, false, reason), TCK_SKIP);
}

static void test_effects(void **state) {
    (void)state;
    char reason[512];
    tck_row rows[2] = {{2, (char *[]){"+nodes", "1"}}, {2, (char *[]){"+properties", "2"}}};
    tck_table t = {2, rows};
    tck_effects got = {.nodes_added = 1, .props_added = 2};
    assert_int_equal(tck_compare_effects(&t, &got, reason, sizeof reason), TCK_PASS);
    got.labels_added = 1;
    assert_int_equal(tck_compare_effects(&t, &got, reason, sizeof reason), TCK_FAIL);
    assert_non_null(strstr(reason, "+labels expected 0, got 1"));
    assert_int_equal(tck_compare_effects(NULL, &got, reason, sizeof reason), TCK_FAIL);   /* no side effects */
    tck_effects none = {0};
    assert_int_equal(tck_compare_effects(NULL, &none, reason, sizeof reason), TCK_PASS);
    tck_row bad[1] = {{2, (char *[]){"+edges", "1"}}};
    tck_table tb = {1, bad};
    assert_int_equal(tck_compare_effects(&tb, &none, reason, sizeof reason), TCK_SKIP);
}

static void test_set_diffs(void **state) {
    (void)state;
    uint64_t before[] = {1, 2, 5, 9}, after[] = {2, 5, 7, 8, 9};
    assert_int_equal(tck_count_missing_ids(after, 5, before, 4), 2);    /* +7 +8 */
    assert_int_equal(tck_count_missing_ids(before, 4, after, 5), 1);    /* -1 */
    assert_int_equal(tck_count_missing_ids(before, 0, after, 5), 0);
    char *sb[] = {"n1|name|S1:a", "n2|num|I1"}, *sa[] = {"n1|name|S1:b", "n2|num|I1", "n3|x|B1"};
    assert_int_equal(tck_count_missing_strs(sa, 3, sb, 2), 2);          /* changed value = +1 -1 */
    assert_int_equal(tck_count_missing_strs(sb, 2, sa, 3), 1);
}

static void test_error_steps(void **state) {
    (void)state;
    tck_expected_error e;
    assert_int_equal(tck_parse_error_step("a TypeError should be raised at runtime: InvalidArgumentType", &e), 0);
    assert_string_equal(e.type, "TypeError");
    assert_int_equal(e.phase, 1);
    assert_string_equal(e.detail, "InvalidArgumentType");
    assert_int_equal(tck_parse_error_step("a SyntaxError should be raised at compile time: UndefinedVariable", &e), 0);
    assert_int_equal(e.phase, 0);
    assert_int_equal(tck_parse_error_step("an ArgumentError should be raised at any time: X", &e), 0);
    assert_string_equal(e.type, "ArgumentError");
    assert_int_equal(e.phase, 2);
    assert_int_equal(tck_parse_error_step("a TypeError should be raised at lunchtime: X", &e), -1);
    assert_int_equal(tck_parse_error_step("the result should be empty", &e), -1);
}

static void test_signatures(void **state) {
    (void)state;
    const char *names[8];
    size_t ni, no;
    assert_int_equal(tck_signature_names(&A, "test.my.proc(name :: STRING?, id :: INTEGER?) :: (city :: STRING?, "
                                             "country_code :: INTEGER?)", names, 8, &ni, &no), 0);
    assert_int_equal(ni, 2);
    assert_int_equal(no, 2);
    assert_string_equal(names[1], "id");
    assert_string_equal(names[3], "country_code");
    assert_int_equal(tck_signature_names(&A, "test.doNothing() :: ()", names, 8, &ni, &no), 0);
    assert_int_equal(ni + no, 0);
    assert_int_equal(tck_signature_names(&A, "test.labels() :: (label :: STRING?)", names, 8, &ni, &no), 0);
    assert_int_equal(no, 1);
    assert_int_equal(tck_signature_names(&A, "test.my.proc(in INTEGER?) :: (out :: STRING?)", names, 8, &ni, &no),
                     -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_elements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equality, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_floats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_to_qval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_effects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_diffs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
