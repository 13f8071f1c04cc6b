/* fuzz_json.c — libFuzzer target for the JSON parser and writer.
 *
 * Owns: the properties checked on arbitrary bytes: json_parse either builds a tree or fails with
 * QV_EINVAL naming a byte inside the input; a parsed tree written by json_write_val parses back to an
 * identical tree and writes to the same bytes again; json_write_str of any bytes is a JSON string that
 * parses, and gives the bytes back unchanged when they were valid UTF-8.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/json.h"

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_json: %s\n", what);
        abort();
    }
}

static void check_round_trip(const json_val *root) {
    qv_buf b1, b2;
    qv_buf_init(&b1);
    qv_buf_init(&b2);
    json_write_val(&b1, root);
    qv_err err;
    json_doc *d2 = json_parse((const char *)b1.data, b1.len, &err);
    if (!d2) fprintf(stderr, "re-parse of %.*s failed: %s\n", (int)(b1.len > 200 ? 200 : b1.len), b1.data, err.msg);
    check(d2 != NULL, "json_write_val output does not parse");
    check(json_equal(root, json_doc_root(d2)), "re-parsed tree differs");
    json_write_val(&b2, json_doc_root(d2));
    check(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, "second serialisation differs");
    json_doc_free(d2);
    qv_buf_free(&b1);
    qv_buf_free(&b2);
}

static void check_write_str(const uint8_t *data, size_t size) {
    qv_buf b;
    qv_buf_init(&b);
    json_write_str(&b, (const char *)data, size);
    qv_err err;
    json_doc *d = json_parse((const char *)b.data, b.len, &err);
    check(d != NULL, "json_write_str output does not parse");
    const json_val *s = json_doc_root(d);
    check(s->type == JSON_STRING, "json_write_str output is not a string");
    /* The input was valid UTF-8 exactly when it parses as the body of a JSON string with no changes;
     * then the round trip must give the same bytes. Otherwise U+FFFD took the place of bad bytes. */
    qv_buf q;
    qv_buf_init(&q);
    qv_buf_append_byte(&q, '"');
    int plain = 1;
    for (size_t k = 0; k < size; k++) plain &= data[k] >= 0x20 && data[k] != '"' && data[k] != '\\';
    qv_buf_append(&q, data, size);
    qv_buf_append_byte(&q, '"');
    json_doc *raw = plain ? json_parse((const char *)q.data, q.len, NULL) : NULL;
    if (raw) check(json_equal(json_doc_root(raw), s), "valid UTF-8 changed by json_write_str");
    json_doc_free(raw);
    qv_buf_free(&q);
    json_doc_free(d);
    qv_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qv_err err = {0};
    json_doc *d = json_parse((const char *)data, size, &err);
    if (!d) {
        check(err.code == QV_EINVAL, "parse error without QV_EINVAL");
        check(strncmp(err.msg, "invalid JSON at byte ", 21) == 0, "parse error message without a byte offset");
        check(strtoull(err.msg + 21, NULL, 10) <= size, "parse error offset beyond the input");
    } else {
        check(json_doc_root(d) != NULL, "parsed document without a root");
        check_round_trip(json_doc_root(d));
        json_doc_free(d);
    }
    if (size <= 4096) check_write_str(data, size);
    return 0;
}
