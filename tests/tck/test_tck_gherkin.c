/* test_tck_gherkin.c — the TCK runner's Gherkin reader (tests/tck/tck_gherkin.c): outlines and their
 * expansion, background steps, tags, doc-string indentation, table cell escapes, CRLF files, scenario ids,
 * and the errors it reports. No engine needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tck/tck_gherkin.h"

static const char FEATURE[] =
    "#encoding: utf-8\n"
    "@feat\n"
    "Feature: Demo - things\n"
    "  Some description text.\n"
    "\n"
    "  Background:\n"
    "    Given an empty graph\n"
    "\n"
    "  @mytag\n"
    "  Scenario: [1] Plain one\n"
    "    And having executed:\n"
    "      \"\"\"\n"
    "      CREATE (:A)\n"
    "        CREATE (:B)\n"
    "      \"\"\"\n"
    "    When executing query:\n"
    "      \"\"\"\n"
    "      MATCH (n) RETURN n\n"
    "      \"\"\"\n"
    "    Then the result should be, in any order:\n"
    "      | n    |\n"
    "      | (:A) |\n"
    "      | 'a\\|b' | 'x\\\\y' | '\\n' | '\\q' |\n"
    "    # a comment\n"
    "    And no side effects\n"
    "\n"
    "  Scenario Outline: [2] Outline <what>\n"
    "    When executing query:\n"
    "      \"\"\"\n"
    "      RETURN <expr> AS x\n"
    "      \"\"\"\n"
    "    Then the result should be, in any order:\n"
    "      | x        |\n"
    "      | <result> |\n"
    "    And no side effects\n"
    "\n"
    "    Examples:\n"
    "      | expr  | result | what |\n"
    "      | 1 + 1 | 2      | add  |\n"
    "      | 'a'   | 'a'    | str  |\n"
    "\n"
    "    @more\n"
    "    Examples:\n"
    "      | expr | result |\n"
    "      | null | null   |\n"
    "\n"
    "  Scenario Outline: [3] No examples rows\n"
    "    When executing query:\n"
    "      \"\"\"\n"
    "      RETURN 1\n"
    "      \"\"\"\n"
    "\n"
    "    Examples:\n"
    "      | a |\n";

static void test_expansion(void **state) {
    (void)state;
    tck_feature f;
    char err[256];
    assert_int_equal(tck_feature_parse(&f, "dir/Demo.feature", FEATURE, strlen(FEATURE), err, sizeof err), 0);
    assert_string_equal(f.name, "Demo - things");
    assert_int_equal(f.n_scenarios, 4);   /* 1 plain + 3 outline rows + 0 */

    const tck_scenario *s = &f.scenarios[0];
    assert_string_equal(s->id, "dir/Demo.feature:10 [1] Plain one");
    assert_int_equal(s->example, 0);
    assert_int_equal(s->n_tags, 2);
    assert_string_equal(s->tags[0], "feat");
    assert_string_equal(s->tags[1], "mytag");
    assert_int_equal(s->n_steps, 5);                       /* background first */
    assert_string_equal(s->steps[0].keyword, "Given");
    assert_string_equal(s->steps[0].text, "an empty graph");
    assert_string_equal(s->steps[1].text, "having executed:");
    assert_string_equal(s->steps[1].doc, "CREATE (:A)\n  CREATE (:B)");   /* fence indentation removed */
    const tck_table *t = s->steps[3].table;
    assert_non_null(t);
    assert_int_equal(t->n_rows, 3);
    assert_string_equal(t->rows[0].cells[0], "n");
    assert_int_equal(t->rows[2].n, 4);
    assert_string_equal(t->rows[2].cells[0], "'a|b'");
    assert_string_equal(t->rows[2].cells[1], "'x\\y'");
    assert_string_equal(t->rows[2].cells[2], "'\n'");
    assert_string_equal(t->rows[2].cells[3], "'\\q'");
    assert_string_equal(s->steps[4].text, "no side effects");

    s = &f.scenarios[1];
    assert_string_equal(s->id, "dir/Demo.feature:27[1] [2] Outline <what>");
    assert_int_equal(s->example, 1);
    assert_string_equal(s->steps[1].doc, "RETURN 1 + 1 AS x");
    assert_string_equal(s->steps[2].table->rows[1].cells[0], "2");
    s = &f.scenarios[2];
    assert_string_equal(s->steps[1].doc, "RETURN 'a' AS x");
    assert_string_equal(s->steps[2].table->rows[1].cells[0], "'a'");
    s = &f.scenarios[3];
    assert_string_equal(s->id, "dir/Demo.feature:27[3] [2] Outline <what>");   /* rows count across blocks */
    assert_string_equal(s->steps[1].doc, "RETURN null AS x");
    assert_int_equal(s->n_tags, 2);
    assert_string_equal(s->tags[1], "more");
    tck_feature_free(&f);
}

static void test_crlf_and_empty_rows(void **state) {
    (void)state;
    const char text[] =
        "Feature: F\r\n"
        "  Scenario: S\r\n"
        "    Given any graph\r\n"
        "    And there exists a procedure test.doNothing() :: ():\r\n"
        "      |\r\n"
        "    When executing query:\r\n"
        "      \"\"\"\r\n"
        "      CALL test.doNothing()\r\n"
        "      \"\"\"\r\n"
        "    Then the result should be empty\r\n";
    tck_feature f;
    char err[256];
    assert_int_equal(tck_feature_parse(&f, "F.feature", text, strlen(text), err, sizeof err), 0);
    assert_int_equal(f.n_scenarios, 1);
    const tck_scenario *s = &f.scenarios[0];
    assert_int_equal(s->n_steps, 4);
    assert_string_equal(s->steps[1].text, "there exists a procedure test.doNothing() :: ():");
    assert_int_equal(s->steps[1].table->n_rows, 1);
    assert_int_equal(s->steps[1].table->rows[0].n, 0);
    assert_string_equal(s->steps[2].doc, "CALL test.doNothing()");
    assert_string_equal(s->steps[3].text, "the result should be empty");
    tck_feature_free(&f);
}

static void parse_error(const char *text, const char *part) {
    tck_feature f;
    char err[256];
    assert_int_equal(tck_feature_parse(&f, "E.feature", text, strlen(text), err, sizeof err), -1);
    if (!strstr(err, part)) fail_msg("error '%s' lacks '%s'", err, part);
}

static void test_errors(void **state) {
    (void)state;
    parse_error("Feature: F\n  Scenario: S\n    Given any graph\n    When executing query:\n      \"\"\"\n      x\n",
                "E.feature:6: unterminated doc-string");
    parse_error("Feature: F\n  Given any graph\n", "step outside a scenario");
    parse_error("Feature: F\n  Scenario: S\n    Examples:\n", "Examples outside a Scenario Outline");
    parse_error("Feature: F\n  | a |\n", "table outside a step");
    parse_error("Feature: F\n  Scenario: S\n    Given any graph\n    Whenever something\n", "not a step");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expansion),
        cmocka_unit_test(test_crlf_and_empty_rows),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
