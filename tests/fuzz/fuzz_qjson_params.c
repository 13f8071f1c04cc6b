/* fuzz_qjson_params.c — libFuzzer target for JSON parameters -> openCypher values -> Neptune JSON.
 *
 * Owns: the properties checked on arbitrary bytes given as query parameters (api/common/qjson.h):
 * qjson_parse_params either gives null or a map (keys unique, every nested map too) or fails with
 * QV_EINVAL and a message; the map written as Neptune JSON is valid JSON that parses back as parameters
 * to an equivalent value (unless it holds infinities: Neptune writes them as strings), and writing that
 * again gives the same bytes; nothing crashes or leaks.
 * Must not: keep state between inputs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/common/qjson.h"
#include "wire/json.h"

static void check(int ok, const char *what, const uint8_t *d, size_t n) {
    if (!ok) {
        fprintf(stderr, "fuzz_qjson_params: %s\ninput: %.*s\n", what, (int)(n > 500 ? 500 : n), (const char *)d);
        abort();
    }
}

/* Keys are unique in every map; strings and keys have their stated lengths. */
static void check_shape(qval v, const uint8_t *d, size_t n, int depth) {
    check(depth < 10000, "nesting deeper than the JSON parser allows", d, n);
    if (v.type == QT_LIST) {
        for (uint32_t i = 0; i < v.len; i++) check_shape(v.items[i], d, n, depth + 1);
    } else if (v.type == QT_MAP) {
        for (uint32_t i = 0; i < v.len; i++) {
            check(v.ents[i].key != NULL, "a map key is NULL", d, n);
            for (uint32_t k = 0; k < i; k++)
                check(v.ents[k].klen != v.ents[i].klen || memcmp(v.ents[k].key, v.ents[i].key, v.ents[i].klen) != 0,
                      "a map with a duplicate key", d, n);
            check_shape(v.ents[i].v, d, n, depth + 1);
        }
    } else {
        check(v.type == QT_NULL || v.type == QT_BOOL || v.type == QT_INT || v.type == QT_FLOAT || v.type == QT_STRING,
              "JSON gave a value of a kind JSON cannot express", d, n);
    }
}

/* Infinities (from numbers too large for a double) are written as strings, as Neptune does: they do not
 * come back as numbers. */
static bool all_finite(qval v) {
    if (v.type == QT_FLOAT) return v.f == v.f && v.f - v.f == 0;
    if (v.type == QT_LIST)
        for (uint32_t i = 0; i < v.len; i++)
            if (!all_finite(v.items[i])) return false;
    if (v.type == QT_MAP)
        for (uint32_t i = 0; i < v.len; i++)
            if (!all_finite(v.ents[i].v)) return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 20) return 0;
    qv_arena a;
    qv_arena_init(&a);
    qv_err err;
    memset(&err, 0, sizeof err);
    qval v;
    if (qjson_parse_params(&a, (const char *)data, size, &v, &err)) {
        check(err.code == QV_EINVAL, "a parameter failure that is not QV_EINVAL", data, size);
        check(err.msg[0] != 0, "a parameter failure without a message", data, size);
        qv_arena_free(&a);
        return 0;
    }
    check(v.type == QT_NULL || v.type == QT_MAP, "parameters that are neither null nor a map", data, size);
    check_shape(v, data, size, 0);

    qv_arena scratch;
    qv_arena_init(&scratch);
    qv_buf b1, b2;
    qv_buf_init(&b1);
    qv_buf_init(&b2);
    qjson_write_value(&b1, NULL, &scratch, v);
    json_doc *d = json_parse((const char *)b1.data, b1.len, &err);
    if (!d) fprintf(stderr, "output %.*s: %s\n", (int)(b1.len > 500 ? 500 : b1.len), (const char *)b1.data, err.msg);
    check(d != NULL, "the Neptune JSON of the parameters does not parse", data, size);
    json_doc_free(d);
    qval v2;
    check(qjson_parse_params(&a, (const char *)b1.data, b1.len, &v2, &err) == 0,
          "the written parameters do not parse as parameters", data, size);
    check(v2.type == v.type, "the written parameters parse to another kind", data, size);
    if (all_finite(v)) {
        if (!qv_equivalent(v, v2))
            fprintf(stderr, "written: %.*s\n", (int)(b1.len > 500 ? 500 : b1.len), (const char *)b1.data);
        check(qv_equivalent(v, v2), "the written parameters parse back to a different value", data, size);
    }
    qjson_write_value(&b2, NULL, &scratch, v2);
    if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
        fprintf(stderr, "first:  %.*s\nsecond: %.*s\n", (int)(b1.len > 500 ? 500 : b1.len), (const char *)b1.data,
                (int)(b2.len > 500 ? 500 : b2.len), (const char *)b2.data);
    check(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0, "writing the parameters is not stable", data,
          size);
    qv_buf_free(&b1);
    qv_buf_free(&b2);
    qv_arena_free(&scratch);
    qv_arena_free(&a);
    return 0;
}
