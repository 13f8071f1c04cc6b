/* test_wire_json.c — the JSON parser and writer (src/wire/json.c).
 *
 * Owns: checks of what a client sending JSON would notice: values and numbers parsed exactly, every
 * escape decoded, malformed text rejected with the right byte offset (including every truncation),
 * output that any JSON parser reads back to the same value, and a parse-speed figure (printed only).
 * Must not: depend on anything but the wire module.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <time.h>

#include "wire/json.h"

/* ---- helpers ---------------------------------------------------------------------------------------- */

/* Parses an exact heap copy of text[0..n), so that ASan reports any read past the end. */
static json_doc *parse_n(const char *text, size_t n, qv_err *err) {
    char *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n) memcpy(c, text, n);
    json_doc *d = json_parse(c, n, err);
    free(c);  /* the tree must not point into the input */
    return d;
}

static json_doc *parse_ok(const char *text) {
    qv_err err = {0};
    json_doc *d = parse_n(text, strlen(text), &err);
    if (!d) {
        print_error("parse of %s failed: %s\n", text, err.msg);
        fail();
    }
    return d;
}

/* Asserts the text is rejected with a message containing want (which names the byte offset). */
static void parse_fails(const char *text, size_t n, const char *want) {
    qv_err err = {0};
    json_doc *d = parse_n(text, n, &err);
    if (d || err.code != QV_EINVAL || !strstr(err.msg, want)) {
        print_error("input \"%.*s\": got %s \"%s\", expected an error containing \"%s\"\n", (int)n, text,
                    d ? "success" : "error", err.msg, want);
        json_doc_free(d);
        fail();
    }
}
#define FAILS(lit, want) parse_fails(lit, sizeof(lit) - 1, want)

static char *write_val(const json_val *v) {
    qv_buf b;
    qv_buf_init(&b);
    json_write_val(&b, v);
    qv_buf_append_byte(&b, 0);
    return (char *)qv_buf_steal(&b, NULL);
}

static void assert_writes(const char *in, const char *out) {
    json_doc *d = parse_ok(in);
    char *s = write_val(json_doc_root(d));
    assert_string_equal(s, out);
    json_doc *d2 = parse_ok(s);
    assert_true(json_equal(json_doc_root(d), json_doc_root(d2)));
    json_doc_free(d2);
    free(s);
    json_doc_free(d);
}

static void assert_str_output(const char *in, size_t n, const char *want) {
    qv_buf b;
    qv_buf_init(&b);
    json_write_str(&b, in, n);
    qv_buf_append_byte(&b, 0);
    assert_string_equal((char *)b.data, want);
    qv_buf_free(&b);
}

static char *double_text(double v) {
    qv_buf b;
    qv_buf_init(&b);
    json_write_double(&b, v);
    qv_buf_append_byte(&b, 0);
    return (char *)qv_buf_steal(&b, NULL);
}

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- values ----------------------------------------------------------------------------------------- */

static void test_scalars(void **state) {
    (void)state;
    json_doc *d = parse_ok("null");
    assert_int_equal(json_doc_root(d)->type, JSON_NULL);
    json_doc_free(d);
    d = parse_ok(" \t\r\n true \n");
    assert_int_equal(json_doc_root(d)->type, JSON_BOOL);
    assert_true(json_doc_root(d)->b);
    json_doc_free(d);
    d = parse_ok("false");
    assert_false(json_doc_root(d)->b);
    json_doc_free(d);
    d = parse_ok("\"hi\"");
    assert_true(json_is_str(json_doc_root(d), "hi"));
    assert_false(json_is_str(json_doc_root(d), "h"));
    assert_int_equal(json_doc_root(d)->str.s[2], 0);  /* NUL-terminated */
    json_doc_free(d);
}

struct num_case {
    const char *text;
    bool is_int;
    int64_t i;
};

static void test_numbers(void **state) {
    (void)state;
    static const struct num_case cases[] = {
        {"0", true, 0},
        {"-0", true, 0},
        {"7", true, 7},
        {"-123", true, -123},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, 0},
        {"-9223372036854775809", false, 0},
        {"18446744073709551616", false, 0},
        {"123456789012345678901234567890", false, 0},
        {"1.0", false, 0},
        {"1e2", false, 0},
        {"1E+2", false, 0},
        {"0.1", false, 0},
        {"-2.5e-3", false, 0},
        {"1e308", false, 0},
        {"1.7976931348623157e308", false, 0},
        {"2.2250738585072014e-308", false, 0},
        {"4.9406564584124654e-324", false, 0},
        {"5e-324", false, 0},
        {"1e-400", false, 0},
        {"0e99999999999", false, 0},
        {"0.30000000000000004", false, 0},
        {"3.141592653589793238462643383279", false, 0},
        {"0.1000000000000000055511151231257827021181583404541015625", false, 0},
        {"12345678901234567890e-10", false, 0},
        {"9007199254740993", true, 9007199254740993},
        {"0.000000000000000000000000000001234", false, 0},
        {"1234567890123456789", true, 1234567890123456789},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        json_doc *d = parse_ok(cases[k].text);
        const json_val *v = json_doc_root(d);
        assert_int_equal(v->type, JSON_NUMBER);
        if (v->num.is_int != cases[k].is_int) {
            print_error("%s: is_int %d\n", cases[k].text, v->num.is_int);
            fail();
        }
        if (cases[k].is_int) assert_true(v->num.i == cases[k].i);
        double want = strtod(cases[k].text, NULL);  /* glibc's strtod is correctly rounded */
        if (memcmp(&v->num.d, &want, sizeof want) != 0) {
            print_error("%s: got %.17g want %.17g\n", cases[k].text, v->num.d, want);
            fail();
        }
        json_doc_free(d);
    }
    json_doc *d = parse_ok("-0");
    assert_true(signbit(json_doc_root(d)->num.d));
    json_doc_free(d);
}

/* Random numbers in every shape, compared bit for bit with strtod. */
static void test_numbers_random(void **state) {
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    char t[96];
    for (int k = 0; k < 20000; k++) {
        size_t n = 0;
        if (rng_next(&s) & 1) t[n++] = '-';
        int ndig = 1 + (int)(rng_next(&s) % 22);
        t[n++] = (char)('1' + rng_next(&s) % 9);
        for (int j = 1; j < ndig; j++) t[n++] = (char)('0' + rng_next(&s) % 10);
        int shape = (int)(rng_next(&s) % 3);
        if (shape >= 1) {
            t[n++] = '.';
            int nf = 1 + (int)(rng_next(&s) % 20);
            for (int j = 0; j < nf; j++) t[n++] = (char)('0' + rng_next(&s) % 10);
        }
        if (shape == 2) n += (size_t)snprintf(t + n, sizeof t - n, "e%d", (int)(rng_next(&s) % 640) - 330);
        t[n] = 0;
        qv_err err = {0};
        json_doc *d = json_parse(t, n, &err);
        double want = strtod(t, NULL);
        if (isinf(want)) {
            assert_null(d);
            continue;
        }
        assert_non_null(d);
        double got = json_doc_root(d)->num.d;
        if (memcmp(&got, &want, sizeof got) != 0) {
            print_error("%s: got %.17g want %.17g\n", t, got, want);
            fail();
        }
        if (shape == 0) {
            char *end;
            errno = 0;
            long long ll = strtoll(t, &end, 10);
            bool fits = errno == 0;
            assert_int_equal(json_doc_root(d)->num.is_int, fits);
            if (fits) assert_true(json_doc_root(d)->num.i == ll);
        } else {
            assert_false(json_doc_root(d)->num.is_int);
        }
        json_doc_free(d);
    }
}

static void test_number_errors(void **state) {
    (void)state;
    FAILS("01", "invalid JSON at byte 0: numbers may not have leading zeros");
    FAILS("-01", "at byte 1: numbers may not have leading zeros");
    FAILS("-", "at byte 1: expected a digit after '-', found end of input");
    FAILS("-a", "at byte 1: expected a digit after '-', found 'a'");
    FAILS("1.", "at byte 2: expected a digit after '.'");
    FAILS("1.e5", "at byte 2: expected a digit after '.', found 'e'");
    FAILS(".5", "at byte 0: expected a value, found '.'");
    FAILS("+1", "at byte 0: expected a value, found '+'");
    FAILS("1e", "at byte 2: expected a digit in the exponent");
    FAILS("1e+", "at byte 3: expected a digit in the exponent");
    FAILS("[1E-x]", "at byte 4: expected a digit in the exponent, found 'x'");
    FAILS("1e400", "at byte 0: number 1e400 is too large for a double");
    FAILS("[0, -1.5e309]", "at byte 4: number -1.5e309 is too large");
    FAILS("0x10", "at byte 1: unexpected 'x' after the JSON value");
    FAILS("1.5.2", "at byte 3: unexpected '.' after the JSON value");
    FAILS("NaN", "at byte 0: expected a value, found 'N'");
    FAILS("Infinity", "at byte 0: expected a value");
    FAILS("-Infinity", "at byte 1: expected a digit after '-'");
}

static void test_string_escapes(void **state) {
    (void)state;
    json_doc *d = parse_ok("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
    const json_val *v = json_doc_root(d);
    assert_int_equal(v->str.len, 8);
    assert_memory_equal(v->str.s, "\"\\/\b\f\n\r\t", 8);
    json_doc_free(d);

    static const struct {
        const char *in, *out;
        size_t outlen;
    } cases[] = {
        {"\"\\u0041\"", "A", 1},
        {"\"\\u00e9\\u00C9\"", "\xc3\xa9\xc3\x89", 4},
        {"\"\\u20AC\"", "\xe2\x82\xac", 3},
        {"\"\\uFFFF\"", "\xef\xbf\xbf", 3},
        {"\"\\u07ff\\u0800\"", "\xdf\xbf\xe0\xa0\x80", 5},
        {"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4},
        {"\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4},
        {"\"a\\u0000b\"", "a\0b", 3},
        {"\"x\\n\\u0041y\\\\\"", "x\nAy\\", 5},
        {"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14},
        {"\"\xf4\x8f\xbf\xbf\"", "\xf4\x8f\xbf\xbf", 4},
        {"\"\"", "", 0},
        {"\"long plain ascii run to take the eight-byte path, then \\\"an escape\\\" and more text\"",
         "long plain ascii run to take the eight-byte path, then \"an escape\" and more text", 80},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        d = parse_ok(cases[k].in);
        v = json_doc_root(d);
        assert_int_equal(v->type, JSON_STRING);
        assert_int_equal(v->str.len, cases[k].outlen);
        assert_memory_equal(v->str.s, cases[k].out, cases[k].outlen);
        assert_int_equal(v->str.s[v->str.len], 0);
        json_doc_free(d);
    }
}

static void test_string_errors(void **state) {
    (void)state;
    FAILS("\"\\ud83d\"", "at byte 1: lone high surrogate \\uD83D");
    FAILS("\"\\ud83d\\u0041\"", "at byte 1: lone high surrogate");
    FAILS("\"\\ud83dx\"", "at byte 1: lone high surrogate");
    FAILS("\"ab\\ude00\"", "at byte 3: lone low surrogate \\uDE00");
    FAILS("\"\\ud83d\\ud83d\"", "at byte 1: lone high surrogate");
    FAILS("\"\\x\"", "at byte 2: invalid escape: a backslash may not be followed by 'x'");
    FAILS("\"\\'\"", "at byte 2: invalid escape");
    FAILS("\"\\u12\"", "at byte 1: \\u must be followed by 4 hex digits");
    FAILS("\"\\u12g4\"", "at byte 1: \\u must be followed by 4 hex digits");
    FAILS("\"\\u", "at byte 1: \\u must be followed by 4 hex digits");
    FAILS("\"a\x01\"", "at byte 2: control character 0x01 in a string must be escaped");
    FAILS("\"line\nbreak\"", "at byte 5: control character 0x0a");
    FAILS("\"tab\there\"", "at byte 4: control character 0x09");
    FAILS("\"abc", "at byte 4: unexpected end of input in the string that starts at byte 0");
    FAILS("[\"abc\\", "at byte 6: unexpected end of input in the string that starts at byte 1");
    FAILS("\"\xff\"", "at byte 1: invalid UTF-8 in a string (byte 0xff)");
    FAILS("\"ok \xc0\x80\"", "at byte 4: invalid UTF-8");
    FAILS("\"\xe0\x80\xaf\"", "at byte 1: invalid UTF-8");      /* overlong '/' */
    FAILS("\"\xed\xa0\x80\"", "at byte 1: invalid UTF-8");      /* encoded surrogate */
    FAILS("\"\xf4\x90\x80\x80\"", "at byte 1: invalid UTF-8");  /* above U+10FFFF */
    FAILS("\"\xf5\x80\x80\x80\"", "at byte 1: invalid UTF-8");
    FAILS("\"\xe2\x82\"", "at byte 1: invalid UTF-8");          /* truncated sequence */
    FAILS("\"\xe2\x82", "at byte 1: invalid UTF-8");
    FAILS("\"\x80\"", "at byte 1: invalid UTF-8");              /* stray continuation byte */
    FAILS("\xef\xbb\xbf{}", "at byte 0: expected a value, found byte 0xef");  /* no BOM */
}

static void test_structure(void **state) {
    (void)state;
    json_doc *d = parse_ok(" { \"a\" : [ 1 , [ ] , { } , \"x\" ] ,\n\t\"b\":{\"c\":null}, \"a\": 2 } ");
    const json_val *r = json_doc_root(d);
    assert_int_equal(r->type, JSON_OBJECT);
    assert_int_equal(r->obj.n, 3);  /* the duplicate key is kept */
    const json_val *a0 = r->obj.members[0].val;
    assert_int_equal(a0->type, JSON_ARRAY);
    assert_int_equal(a0->arr.n, 4);
    assert_int_equal(a0->arr.items[1]->type, JSON_ARRAY);
    assert_int_equal(a0->arr.items[1]->arr.n, 0);
    assert_int_equal(a0->arr.items[2]->type, JSON_OBJECT);
    assert_int_equal(a0->arr.items[2]->obj.n, 0);
    assert_true(json_is_str(a0->arr.items[3], "x"));
    const json_val *a = json_get(r, "a");  /* lookups see the last duplicate */
    assert_non_null(a);
    assert_int_equal(a->type, JSON_NUMBER);
    assert_true(a->num.i == 2);
    assert_int_equal(json_get(json_get(r, "b"), "c")->type, JSON_NULL);
    assert_null(json_get(r, "missing"));
    assert_null(json_get(a0, "a"));    /* not an object */
    assert_null(json_get(NULL, "a"));
    assert_null(json_get_str(r, "a"));  /* not a string */
    json_doc_free(d);

    d = parse_ok("{\"k\\u00e9y\":\"v\",\"k\":\"w\",\"\":\"empty key\"}");
    r = json_doc_root(d);
    assert_string_equal(json_get_str(r, "k\xc3\xa9y"), "v");
    assert_string_equal(json_get_str(r, "k"), "w");
    assert_string_equal(json_get_str(r, ""), "empty key");
    assert_null(json_get(r, "ke"));
    json_doc_free(d);

    d = parse_ok("[[[[]]],[[{}]]]");
    assert_int_equal(json_doc_root(d)->arr.n, 2);
    json_doc_free(d);
}

static void test_structure_errors(void **state) {
    (void)state;
    FAILS("", "at byte 0: unexpected end of input, expected a value");
    FAILS(" \n ", "at byte 3: unexpected end of input, expected a value");
    FAILS("[1,]", "at byte 3: expected a value, found ']'");
    FAILS("[1 2]", "at byte 3: expected ',' or ']' after an element of the array that starts at byte 0, found '2'");
    FAILS("[", "at byte 1: unexpected end of input, expected a value");
    FAILS("[1", "at byte 2: expected ',' or ']' after an element of the array that starts at byte 0, found end");
    FAILS("]", "at byte 0: expected a value, found ']'");
    FAILS("{\"a\" 1}", "at byte 5: expected ':' after an object key, found '1'");
    FAILS("{\"a\":1,}", "at byte 7: expected a string key in the object that starts at byte 0, found '}'");
    FAILS("{\"a\":}", "at byte 5: expected a value, found '}'");
    FAILS("{1:2}", "at byte 1: expected a string key");
    FAILS("{'a':2}", "at byte 1: expected a string key in the object that starts at byte 0, found '''");
    FAILS("{\"a\":1 \"b\":2}", "at byte 7: expected ',' or '}' after a member");
    FAILS("{", "at byte 1: expected a string key in the object that starts at byte 0, found end of input");
    FAILS("tru", "at byte 3: unexpected end of input in 'true'");
    FAILS("nul", "at byte 3: unexpected end of input in 'null'");
    FAILS("nulL", "at byte 3: expected 'null' (a value), found 'L'");
    FAILS("True", "at byte 0: expected a value, found 'T'");
    FAILS("[true false]", "at byte 6: expected ',' or ']'");
    FAILS("[1]x", "at byte 3: unexpected 'x' after the JSON value");
    FAILS("{} {}", "at byte 3: unexpected '{' after the JSON value");
    FAILS("1 // comment", "at byte 2: unexpected '/' after the JSON value");
    FAILS("[1,\x0b 2]", "at byte 3: expected a value, found byte 0x0b");  /* vertical tab is not whitespace */
    FAILS("\"a\"\0", "at byte 3: unexpected byte 0x00 after the JSON value");
    qv_err err = {0};
    assert_null(json_parse(NULL, 0, &err));
    assert_int_equal(err.code, QV_EINVAL);
    json_doc *d = json_parse("1", 1, NULL);  /* err is optional */
    assert_non_null(d);
    json_doc_free(d);
    assert_null(json_parse("x", 1, NULL));
    json_doc_free(NULL);
    assert_null(json_doc_root(NULL));
}

static void test_depth_limit(void **state) {
    (void)state;
    for (int depth = 511; depth <= 513; depth++) {
        for (int obj = 0; obj < 2; obj++) {
            qv_buf b;
            qv_buf_init(&b);
            for (int k = 0; k < depth; k++) qv_buf_append_str(&b, obj && k % 2 ? "{\"k\":" : "[");
            if (obj && (depth - 1) % 2) qv_buf_append_str(&b, "0");  /* the innermost object needs a value */
            for (int k = depth; k-- > 0;) qv_buf_append_str(&b, obj && k % 2 ? "}" : "]");
            qv_err err = {0};
            json_doc *d = json_parse((const char *)b.data, b.len, &err);
            if (depth <= 512) {
                if (!d) print_error("depth %d: %s\n", depth, err.msg);
                assert_non_null(d);
            } else {
                assert_null(d);
                assert_non_null(strstr(err.msg, "nested deeper than 512"));
                /* The 513th opening bracket is at byte 512 when all are arrays. */
                if (!obj) assert_non_null(strstr(err.msg, "at byte 512:"));
            }
            json_doc_free(d);
            qv_buf_free(&b);
        }
    }
    /* Far deeper input fails cleanly instead of exhausting the stack. */
    size_t n = 1000000;
    char *deep = malloc(n);
    memset(deep, '[', n);
    qv_err err = {0};
    assert_null(json_parse(deep, n, &err));
    free(deep);
}

/* Every proper prefix of a document that ends with its closing bracket is invalid. */
static void test_truncation_everywhere(void **state) {
    (void)state;
    static const char *docs[] = {
        "{\"query\":\"UNWIND $rows AS r MERGE (n:Person {id: r.id}) SET n += r.props\","
        "\"parameters\":{\"rows\":[{\"id\":\"p-1\",\"props\":{\"name\":\"Ann \\u00e9\\ud83d\\ude00\",\"age\":42,"
        "\"score\":-0.5e-3,\"ok\":true,\"none\":null,\"tags\":[\"a\",\"b\\n\"]}}],\"big\":12345678901234567890}}",
        "[1,-2.5,1e10,true,false,null,\"s\",{},[],{\"a\":[{}]}]",
        "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
    };
    for (size_t k = 0; k < sizeof docs / sizeof docs[0]; k++) {
        size_t n = strlen(docs[k]);
        json_doc *full = parse_n(docs[k], n, NULL);
        assert_non_null(full);
        json_doc_free(full);
        for (size_t cut = 0; cut < n; cut++) {
            qv_err err = {0};
            json_doc *d = parse_n(docs[k], cut, &err);
            if (d) {
                print_error("doc %zu: prefix of %zu bytes parsed\n", k, cut);
                fail();
            }
            assert_int_equal(err.code, QV_EINVAL);
            const char *at = strstr(err.msg, "invalid JSON at byte ");
            assert_non_null(at);
            assert_true(strtoull(at + 21, NULL, 10) <= cut);
        }
    }
}

/* ---- writer ----------------------------------------------------------------------------------------- */

static void test_write_round_trip(void **state) {
    (void)state;
    assert_writes(" { \"a\" : [ 1 , 2.5, -0, -0.0, 1e2, true, null ] , \"b\" : { } , \"c\": [] } ",
                  "{\"a\":[1,2.5,-0,-0.0,100.0,true,null],\"b\":{},\"c\":[]}");
    assert_writes("[\"\\u0001\\u001f\\n\\t\\\"\\\\\\/\\u007f\\u00e9\\ud83d\\ude00\"]",
                  "[\"\\u0001\\u001f\\n\\t\\\"\\\\/\x7f\xc3\xa9\xf0\x9f\x98\x80\"]");
    assert_writes("{\"k\":1,\"k\":2}", "{\"k\":1,\"k\":2}");
    assert_writes("[9223372036854775807,-9223372036854775808,9223372036854775808]",
                  "[9223372036854775807,-9223372036854775808,9.223372036854776e+18]");
    assert_writes("[0.1,1.0,1e308,5e-324,1E-7,123456789012345678901234567890]",
                  "[0.1,1.0,1e+308,5e-324,1e-07,1.2345678901234568e+29]");
    assert_writes("\"a\\u0000b\"", "\"a\\u0000b\"");
}

static void test_write_str(void **state) {
    (void)state;
    assert_str_output("plain", 5, "\"plain\"");
    assert_str_output("", 0, "\"\"");
    assert_str_output("q\"b\\s/", 6, "\"q\\\"b\\\\s/\"");
    assert_str_output("\b\f\n\r\t\x01\x1f\x7f", 8, "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
    assert_str_output("a\0b", 3, "\"a\\u0000b\"");
    assert_str_output("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
    /* Invalid UTF-8: one U+FFFD per maximal ill-formed subpart. */
    assert_str_output("\xff", 1, "\"\xef\xbf\xbd\"");
    assert_str_output("a\xe2\x82z", 4, "\"a\xef\xbf\xbdz\"");
    assert_str_output("\xe2\x82", 2, "\"\xef\xbf\xbd\"");
    assert_str_output("\xf0\x9f\x98", 3, "\"\xef\xbf\xbd\"");
    assert_str_output("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_str_output("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    assert_str_output("\x80\x80x", 3, "\"\xef\xbf\xbd\xef\xbf\xbdx\"");
    assert_str_output("0123456789abcdef\"0123456789\xff", 28, "\"0123456789abcdef\\\"0123456789\xef\xbf\xbd\"");
    /* Whatever bytes go in, the output parses as a JSON string. */
    uint64_t s = 12345;
    for (int k = 0; k < 2000; k++) {
        char in[40];
        size_t n = rng_next(&s) % sizeof in;
        for (size_t j = 0; j < n; j++) in[j] = (char)rng_next(&s);
        qv_buf b;
        qv_buf_init(&b);
        json_write_str(&b, in, n);
        qv_err err = {0};
        json_doc *d = json_parse((const char *)b.data, b.len, &err);
        assert_non_null(d);
        assert_int_equal(json_doc_root(d)->type, JSON_STRING);
        json_doc_free(d);
        qv_buf_free(&b);
    }
    qv_buf b;
    qv_buf_init(&b);
    json_write_cstr(&b, "c");
    json_write_cstr(&b, NULL);
    assert_int_equal(b.len, 7);
    assert_memory_equal(b.data, "\"c\"null", 7);
    qv_buf_free(&b);
}

static void test_write_integers(void **state) {
    (void)state;
    qv_buf b;
    qv_buf_init(&b);
    json_write_i64(&b, INT64_MIN);
    qv_buf_append_byte(&b, ' ');
    json_write_i64(&b, INT64_MAX);
    qv_buf_append_byte(&b, ' ');
    json_write_i64(&b, 0);
    qv_buf_append_byte(&b, ' ');
    json_write_i64(&b, -7);
    qv_buf_append_byte(&b, ' ');
    json_write_u64(&b, UINT64_MAX);
    qv_buf_append_byte(&b, ' ');
    json_write_bool(&b, true);
    json_write_bool(&b, false);
    qv_buf_append_byte(&b, 0);
    assert_string_equal((char *)b.data,
                        "-9223372036854775808 9223372036854775807 0 -7 18446744073709551615 truefalse");
    qv_buf_free(&b);
}

static void test_write_double(void **state) {
    (void)state;
    static const struct {
        double v;
        const char *out;
    } cases[] = {
        {1.0, "1.0"},         {-1.0, "-1.0"},         {0.0, "0.0"},
        {-0.0, "-0.0"},       {0.1, "0.1"},           {0.30000000000000004, "0.30000000000000004"},
        {1.0 / 3, "0.3333333333333333"},              {123456.0, "123456.0"},
        {1e15, "1e+15"},      {999999999999999.0, "999999999999999.0"},
        {9007199254740992.0, "9007199254740992.0"},   {1e21, "1e+21"},
        {1e308, "1e+308"},    {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},         {5e-324, "5e-324"},
        {1.5e-7, "1.5e-07"},  {-2.5e-3, "-0.0025"},   {100.5, "100.5"},
        {NAN, "null"},        {INFINITY, "null"},     {-INFINITY, "null"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *t = double_text(cases[k].v);
        if (strcmp(t, cases[k].out) != 0) {
            print_error("%.17g: got %s want %s\n", cases[k].v, t, cases[k].out);
            fail();
        }
        free(t);
    }
}

/* Random bit patterns: the text reads back to the same double, stays a double (not an integer) for
 * JSON parsers, and has the fewest significant digits that round-trip. */
static void test_write_double_random(void **state) {
    (void)state;
    uint64_t s = 0xdeadbeefcafef00dull;
    for (int k = 0; k < 20000; k++) {
        uint64_t bits = rng_next(&s);
        if (k % 4 == 0) bits &= 0x800fffffffffffffull;  /* subnormals too */
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v)) continue;
        char *t = double_text(v);
        double back = strtod(t, NULL);
        assert_memory_equal(&back, &v, sizeof v);
        json_doc *d = parse_ok(t);
        assert_false(json_doc_root(d)->num.is_int);
        json_doc_free(d);
        int shortest = 1;
        char u[40];
        for (; shortest < 17; shortest++) {
            snprintf(u, sizeof u, "%.*g", shortest, v);
            if (strtod(u, NULL) == v) break;
        }
        /* Significant digits of the mantissa: no sign, point, leading or trailing zeros ("1.0" has 1). */
        char dig[40];
        size_t nd = 0;
        for (const char *c = t; *c && *c != 'e'; c++)
            if (*c >= '0' && *c <= '9' && (nd || *c != '0')) dig[nd++] = *c;
        while (nd && dig[nd - 1] == '0') nd--;
        int sig = (int)nd;
        if (sig > shortest) {
            print_error("%.17g written as %s: %d significant digits, %d would do\n", v, t, sig, shortest);
            fail();
        }
        free(t);
    }
}

/* ---- speed ------------------------------------------------------------------------------------------ */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A Nodestream-shaped Neptune request: UNWIND over rows of node properties. */
static void build_batch(qv_buf *b, int rows, int first) {
    qv_buf_append_str(b, "{\"query\":\"UNWIND $params AS params MERGE (node:Person {id: params.__node_id}) "
                         "SET node += params.__node_properties\",\"parameters\":{\"params\":[");
    for (int r = 0; r < rows; r++) {
        if (r) qv_buf_append_byte(b, ',');
        int id = first + r;
        qv_buf_printf(b,
                      "{\"__node_id\":\"person-%d\",\"__node_properties\":{\"name\":\"Person number %d\","
                      "\"email\":\"person%d@example.com\",\"age\":%d,\"score\":%d.%03d,\"active\":%s,"
                      "\"city\":\"S\\u00e3o Paulo\",\"tags\":[\"customer\",\"tier-%d\"],"
                      "\"last_ingested_at\":\"2024-05-%02dT12:34:56Z\"}}",
                      id, id, id, 18 + id % 60, id % 100, id % 1000, id % 2 ? "true" : "false", id % 5,
                      1 + id % 28);
    }
    qv_buf_append_str(b, "]}}");
}

static void test_parse_speed(void **state) {
    (void)state;
    qv_buf big;
    qv_buf_init(&big);
    build_batch(&big, 20000, 0);
    qv_buf small;
    qv_buf_init(&small);
    build_batch(&small, 150, 7);
    qv_err err = {0};
    json_doc *d = json_parse((const char *)big.data, big.len, &err);
    assert_non_null(d);
    const json_val *rows = json_get(json_get(json_doc_root(d), "parameters"), "params");
    assert_int_equal(rows->arr.n, 20000);
    assert_string_equal(json_get_str(json_get(rows->arr.items[19999], "__node_properties"), "city"),
                        "S\xc3\xa3o Paulo");
    json_doc_free(d);

    const struct {
        const char *what;
        qv_buf *doc;
    } runs[] = {{"one 20000-row document", &big}, {"150-row requests", &small}};
    for (int r = 0; r < 2; r++) {
        size_t bytes = 0;
        double t0 = now_s(), t1;
        do {
            for (int k = 0; k < 10; k++) {
                json_doc *x = json_parse((const char *)runs[r].doc->data, runs[r].doc->len, &err);
                assert_non_null(x);
                json_doc_free(x);
                bytes += runs[r].doc->len;
            }
            t1 = now_s();
        } while (t1 - t0 < 0.4);
        printf("json_parse, %s (%zu bytes): %.0f MB/s\n", runs[r].what, runs[r].doc->len, bytes / (t1 - t0) / 1e6);
    }
    qv_buf out;
    qv_buf_init(&out);
    d = json_parse((const char *)big.data, big.len, &err);
    size_t bytes = 0;
    double t0 = now_s(), t1;
    do {
        qv_buf_reset(&out);
        json_write_val(&out, json_doc_root(d));
        bytes += out.len;
        t1 = now_s();
    } while (t1 - t0 < 0.3);
    printf("json_write_val: %.0f MB/s\n", bytes / (t1 - t0) / 1e6);
    json_doc_free(d);
    qv_buf_free(&out);
    qv_buf_free(&big);
    qv_buf_free(&small);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_numbers_random),
        cmocka_unit_test(test_number_errors),
        cmocka_unit_test(test_string_escapes),
        cmocka_unit_test(test_string_errors),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_truncation_everywhere),
        cmocka_unit_test(test_write_round_trip),
        cmocka_unit_test(test_write_str),
        cmocka_unit_test(test_write_integers),
        cmocka_unit_test(test_write_double),
        cmocka_unit_test(test_write_double_random),
        cmocka_unit_test(test_parse_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
