/* test_wire_arrow_ipc.c — the Arrow IPC reader and writer (src/wire/arrow_ipc*.c, flatbuf.c).
 *
 * Covers: the flatbuffer reader/builder; streams written by apache-arrow JS (arrow_vectors.h) decoded
 * value by value, aligned and misaligned; round trips of every supported type through our writer and
 * reader (nulls, no nulls, empty batches, sliced inputs, LZ4 and ZSTD bodies, dictionaries with
 * replacement and delta); malformed input, each rejected with a message naming the problem.
 * With QV_ARROW_IPC_OUT=<dir> it also writes quiver_{plain,lz4,zstd}.arrows for
 * tests/vectors/check_quiver_ipc.mjs to read with apache-arrow JS.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arrow_vectors.h"
#include "wire/arrow_ipc.h"
#include "wire/flatbuf.h"

/* ---- helpers ---------------------------------------------------------------------------------- */

static arw_field fld(const char *name, arw_kind kind, int bits, bool is_signed) {
    arw_field f;
    memset(&f, 0, sizeof f);
    f.name = (char *)name;
    f.nullable = true;
    f.kind = kind;
    f.bit_width = bits;
    f.is_signed = is_signed;
    return f;
}

/* Feeds messages to a reader, optionally from copies at an odd address (to force the copy paths). */
typedef struct feeder {
    arw_reader *r;
    int misalign;
    uint8_t *hcopy, *bcopy;
    qv_err err;
} feeder;

static void fd_init(feeder *f, int misalign) {
    memset(f, 0, sizeof *f);
    f->r = arw_reader_new();
    f->misalign = misalign;
}

static void fd_free(feeder *f) {
    arw_reader_free(f->r);
    free(f->hcopy);
    free(f->bcopy);
}

static int fd_feed(feeder *f, const uint8_t *h, size_t hl, const uint8_t *b, size_t bl, arw_msg_type *t) {
    free(f->hcopy);
    free(f->bcopy);
    f->hcopy = f->bcopy = NULL;
    if (f->misalign) {
        f->hcopy = malloc(hl + 8);
        memcpy(f->hcopy + f->misalign, h, hl);
        h = f->hcopy + f->misalign;
        if (b) {
            f->bcopy = malloc(bl + 8);
            memcpy(f->bcopy + f->misalign, b, bl);
            b = f->bcopy + f->misalign;
        }
    }
    arw_msg_type tmp;
    qv_err_clear(&f->err);
    return arw_reader_feed(f->r, h, hl, b, bl, t ? t : &tmp, &f->err);
}

static void fd_ok(feeder *f, const arw_vector_msg *m, arw_msg_type want) {
    arw_msg_type t;
    if (fd_feed(f, m->header, m->header_len, m->body, m->body_len, &t))
        fail_msg("feed failed: %s", f->err.msg);
    assert_int_equal(t, want);
}

static void assert_aligned(const void *p) {
    if (p) assert_int_equal((uintptr_t)p & 7, 0);
}

/* Every pointer the reader hands out must be 8-byte aligned. */
static void assert_tree_aligned(const arw_array *a) {
    assert_aligned(a->validity);
    assert_aligned(a->offsets);
    assert_aligned(a->values);
    for (int i = 0; i < a->nchildren; i++) assert_tree_aligned(&a->children[i]);
    if (a->dict) assert_tree_aligned(a->dict);
}

static const char *str_at(const arw_array *a, int64_t i, size_t *len) {
    int64_t s, e;
    if (a->field->kind == ARW_LARGE_UTF8 || a->field->kind == ARW_LARGE_BINARY) {
        s = ((const int64_t *)a->offsets)[i];
        e = ((const int64_t *)a->offsets)[i + 1];
    } else {
        s = ((const int32_t *)a->offsets)[i];
        e = ((const int32_t *)a->offsets)[i + 1];
    }
    *len = (size_t)(e - s);
    return (const char *)a->values + s;
}

/* Asserts row i of a string column (or NULL = a null row). */
static void assert_str(const arw_array *a, int64_t i, const char *want) {
    if (!want) {
        assert_false(arw_is_valid(a, i));
        return;
    }
    assert_true(arw_is_valid(a, i));
    size_t n;
    const char *s = str_at(a, i, &n);
    if (n != strlen(want) || memcmp(s, want, n)) fail_msg("row %lld: got '%.*s', want '%s'", (long long)i, (int)n, s, want);
}

static int64_t dict_index(const arw_array *a, int64_t i) {
    switch (a->field->index_bit_width) {
    case 8: return ((const int8_t *)a->values)[i];
    case 16: return ((const int16_t *)a->values)[i];
    case 32: return ((const int32_t *)a->values)[i];
    default: return ((const int64_t *)a->values)[i];
    }
}

static void assert_dict_str(const arw_array *a, int64_t i, const char *want) {
    if (!want) {
        assert_false(arw_is_valid(a, i));
        return;
    }
    assert_true(arw_is_valid(a, i));
    assert_non_null(a->dict);
    int64_t k = dict_index(a, i);
    assert_true(k >= 0 && k < a->dict->length);
    assert_str(a->dict, k, want);
}

static int64_t list_start(const arw_array *a, int64_t i) {
    return a->field->kind == ARW_LARGE_LIST ? ((const int64_t *)a->offsets)[i] : ((const int32_t *)a->offsets)[i];
}

static int64_t list_len(const arw_array *a, int64_t i) { return list_start(a, i + 1) - list_start(a, i); }

static const arw_array *col(const arw_batch *b, const char *name) {
    for (int i = 0; i < b->ncolumns; i++)
        if (!strcmp(b->columns[i].field->name, name)) return &b->columns[i];
    fail_msg("no column %s", name);
    return NULL;
}

/* ---- flatbuffers ------------------------------------------------------------------------------ */

static void test_flatbuf_roundtrip(void **state) {
    (void)state;
    fb_builder b;
    fb_builder_init(&b);
    int64_t structs[4] = {1, 2, -3, 4};
    fb_ref vec = fb_create_vector_raw(&b, structs, 2, 16, 8);
    fb_ref name = fb_create_string(&b, "héllo", strlen("héllo"));
    fb_table_start(&b);
    fb_add_i32(&b, 0, 77);
    fb_ref inner = fb_table_end(&b);
    fb_ref kids[2] = {inner, inner};
    fb_ref kvec = fb_create_vector_refs(&b, kids, 2);
    fb_table_start(&b);
    fb_add_u8(&b, 0, 9);
    fb_add_i64(&b, 1, -1234567890123LL);
    fb_add_ref(&b, 2, name);
    fb_add_i16(&b, 3, -7);
    fb_add_ref(&b, 4, vec);
    fb_add_ref(&b, 6, kvec);
    fb_ref root = fb_table_end(&b);
    qv_buf out;
    qv_buf_init(&out);
    qv_buf_append(&out, "xyz", 3); /* the builder appends: the flatbuffer starts at byte 3 */
    fb_finish(&b, root, &out);
    fb_builder_free(&b);
    assert_int_equal((out.len - 3) % 8, 0);

    const uint8_t *p = out.data + 3; /* deliberately misaligned in memory */
    size_t n = out.len - 3;
    qv_err err;
    fb_table t, it;
    assert_int_equal(fb_root(p, n, &t, "root", &err), 0);
    uint8_t u8;
    int64_t i64;
    int16_t i16;
    int32_t i32;
    bool present;
    assert_int_equal(fb_read_u8(&t, 0, 0, &u8, "u8", &err), 0);
    assert_int_equal(u8, 9);
    assert_int_equal(fb_read_i64(&t, 1, 0, &i64, "i64", &err), 0);
    assert_true(i64 == -1234567890123LL);
    assert_int_equal(fb_field_pos(&t, 1) % 8, 0); /* aligned relative to the buffer start */
    assert_int_equal(fb_read_i16(&t, 3, 0, &i16, "i16", &err), 0);
    assert_int_equal(i16, -7);
    assert_int_equal(fb_read_i32(&t, 5, 42, &i32, "absent", &err), 0);
    assert_int_equal(i32, 42); /* absent field: the default */
    const char *s;
    size_t sl;
    assert_int_equal(fb_read_string(&t, 2, &s, &sl, &present, "s", &err), 0);
    assert_true(present);
    assert_int_equal(sl, strlen("héllo"));
    assert_memory_equal(s, "héllo", sl);
    fb_vec v;
    assert_int_equal(fb_read_vector(&t, 4, 16, 8, &v, &present, "v", &err), 0);
    assert_int_equal(v.count, 2);
    assert_int_equal(v.pos % 8, 0);
    assert_true(fb_load_i64(fb_vec_at(&v, 1)) == -3);
    assert_int_equal(fb_read_vector(&t, 6, 4, 4, &v, &present, "kids", &err), 0);
    assert_int_equal(v.count, 2);
    assert_int_equal(fb_vec_table(&v, 1, &it, "kid", &err), 0);
    assert_int_equal(fb_read_i32(&it, 0, 0, &i32, "kid.x", &err), 0);
    assert_int_equal(i32, 77);
    assert_int_equal(fb_read_table(&t, 7, &it, &present, "absent", &err), 0);
    assert_false(present);
    qv_buf_free(&out);
}

static void test_flatbuf_malformed(void **state) {
    (void)state;
    qv_err err;
    fb_table t;
    uint8_t small[4] = {4, 0, 0, 0};
    assert_int_equal(fb_root(small, sizeof small, &t, "Message", &err), -1);
    assert_non_null(strstr(err.msg, "too short"));

    uint8_t far[16] = {200, 0, 0, 0};
    assert_int_equal(fb_root(far, sizeof far, &t, "Message", &err), -1);
    assert_non_null(strstr(err.msg, "past the end"));

    /* root at 8 whose soffset puts the vtable outside the buffer */
    uint8_t badvt[16] = {8, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x80};
    assert_int_equal(fb_root(badvt, sizeof badvt, &t, "Message", &err), -1);
    assert_non_null(strstr(err.msg, "vtable"));
    assert_non_null(strstr(err.msg, "byte 8"));

    /* misaligned table */
    uint8_t mis[16] = {6, 0, 0, 0};
    assert_int_equal(fb_root(mis, sizeof mis, &t, "Message", &err), -1);
    assert_non_null(strstr(err.msg, "aligned"));

    /* a string whose length runs past the buffer, and one without its NUL */
    fb_builder b;
    fb_builder_init(&b);
    fb_ref s = fb_create_string(&b, "abc", 3);
    fb_table_start(&b);
    fb_add_ref(&b, 0, s);
    fb_ref root = fb_table_end(&b);
    qv_buf out;
    qv_buf_init(&out);
    fb_finish(&b, root, &out);
    fb_builder_free(&b);
    assert_int_equal(fb_root(out.data, out.len, &t, "T", &err), 0);
    size_t at = out.len - 8; /* the string is last: 4-byte length, "abc", NUL */
    assert_int_equal(out.data[at], 3);
    const char *str;
    size_t sl;
    bool present;
    out.data[at + 7] = 'x';
    assert_int_equal(fb_read_string(&t, 0, &str, &sl, &present, "T.name", &err), -1);
    assert_non_null(strstr(err.msg, "NUL"));
    out.data[at] = 200;
    assert_int_equal(fb_read_string(&t, 0, &str, &sl, &present, "T.name", &err), -1);
    assert_non_null(strstr(err.msg, "T.name"));
    qv_buf_free(&out);
}

/* ---- vectors written by apache-arrow JS -------------------------------------------------------- */

static void check_js_prim(int misalign) {
    feeder f;
    fd_init(&f, misalign);
    fd_ok(&f, &vec_prim[0], ARW_MSG_SCHEMA);
    const arw_schema *s = arw_reader_schema(f.r);
    assert_non_null(s);
    assert_int_equal(s->nfields, 11);
    char tn[64];
    arw_type_name(&s->fields[3], tn, sizeof tn);
    assert_string_equal(tn, "int64");
    arw_type_name(&s->fields[7], tn, sizeof tn);
    assert_string_equal(tn, "uint64");
    arw_type_name(&s->fields[8], tn, sizeof tn);
    assert_string_equal(tn, "float32");

    fd_ok(&f, &vec_prim[1], ARW_MSG_RECORD_BATCH);
    const arw_batch *b = arw_reader_batch(f.r);
    assert_int_equal(b->length, 4);
    for (int i = 0; i < b->ncolumns; i++) assert_tree_aligned(&b->columns[i]);
    const arw_array *a = col(b, "i8");
    assert_int_equal(a->null_count, 1);
    assert_int_equal(((const int8_t *)a->values)[0], 1);
    assert_int_equal(((const int8_t *)a->values)[1], -2);
    assert_false(arw_is_valid(a, 2));
    assert_int_equal(((const int8_t *)a->values)[3], 127);
    a = col(b, "i16");
    assert_int_equal(((const int16_t *)a->values)[0], -32768);
    assert_int_equal(((const int16_t *)a->values)[2], 300);
    assert_false(arw_is_valid(a, 3));
    a = col(b, "i32");
    assert_int_equal(((const int32_t *)a->values)[0], 2147483647);
    assert_int_equal(((const int32_t *)a->values)[3], 42);
    a = col(b, "i64");
    assert_true(((const int64_t *)a->values)[0] == 9007199254740993LL);
    assert_true(((const int64_t *)a->values)[1] == -5);
    assert_false(arw_is_valid(a, 2));
    a = col(b, "u8");
    assert_int_equal(((const uint8_t *)a->values)[0], 255);
    assert_false(a->field->is_signed);
    a = col(b, "u16");
    assert_null(a->validity); /* no nulls: no bitmap */
    assert_int_equal(((const uint16_t *)a->values)[0], 65535);
    a = col(b, "u32");
    assert_true(((const uint32_t *)a->values)[0] == 4294967295u);
    a = col(b, "u64");
    assert_true(((const uint64_t *)a->values)[0] == UINT64_MAX);
    assert_false(arw_is_valid(a, 3));
    a = col(b, "f32");
    assert_true(((const float *)a->values)[0] == 1.5f);
    assert_true(((const float *)a->values)[1] == -0.25f);
    a = col(b, "f64");
    assert_true(fabs(((const double *)a->values)[0] - M_PI) < 1e-15);
    assert_true(((const double *)a->values)[1] == -1e300);
    a = col(b, "b");
    const uint8_t *bits = a->values;
    assert_int_equal(bits[0] & 1, 1);
    assert_int_equal((bits[0] >> 1) & 1, 0);
    assert_false(arw_is_valid(a, 2));
    assert_int_equal((bits[0] >> 3) & 1, 1);

    fd_ok(&f, &vec_prim[2], ARW_MSG_RECORD_BATCH);
    b = arw_reader_batch(f.r);
    assert_int_equal(b->length, 3);
    for (int i = 0; i < b->ncolumns; i++) {
        assert_int_equal(b->columns[i].null_count, 0);
        assert_null(b->columns[i].validity);
    }
    assert_int_equal(((const int8_t *)col(b, "i8")->values)[0], -128);
    assert_true(((const int64_t *)col(b, "i64")->values)[0] == INT64_MIN);
    assert_true(((const int64_t *)col(b, "i64")->values)[1] == INT64_MAX);
    assert_true(((const double *)col(b, "f64")->values)[1] == 1e-300);
    fd_free(&f);
}

static void test_js_prim(void **state) {
    (void)state;
    check_js_prim(0);
    check_js_prim(1);
    check_js_prim(4);
}

static void check_js_nested(int misalign) {
    feeder f;
    fd_init(&f, misalign);
    fd_ok(&f, &vec_nested[0], ARW_MSG_SCHEMA);
    const arw_schema *s = arw_reader_schema(f.r);
    char tn[64];
    const char *names[] = {"utf8", "large_utf8", "list<utf8>", "list<int64>", "list<float64>", "list<float32>",
                           "fixed_size_list<float32, 3>", "large_list<int32>"};
    for (int i = 0; i < 8; i++) {
        arw_type_name(&s->fields[i], tn, sizeof tn);
        assert_string_equal(tn, names[i]);
    }
    fd_ok(&f, &vec_nested[1], ARW_MSG_RECORD_BATCH);
    const arw_batch *b = arw_reader_batch(f.r);
    assert_int_equal(b->length, 4);
    for (int i = 0; i < b->ncolumns; i++) assert_tree_aligned(&b->columns[i]);
    const arw_array *a = col(b, "s");
    assert_str(a, 0, "alpha");
    assert_str(a, 1, NULL);
    assert_str(a, 2, "");
    assert_str(a, 3, "δέλτα");
    a = col(b, "ls");
    assert_str(a, 0, "x");
    assert_str(a, 1, "yy");
    assert_str(a, 2, NULL);
    assert_str(a, 3, "zzz");

    a = col(b, "tags"); /* [['a','b'], [], null, ['c']] */
    assert_int_equal(list_len(a, 0), 2);
    assert_str(&a->children[0], list_start(a, 0), "a");
    assert_str(&a->children[0], list_start(a, 0) + 1, "b");
    assert_int_equal(list_len(a, 1), 0);
    assert_false(arw_is_valid(a, 2));
    assert_int_equal(list_len(a, 3), 1);
    assert_str(&a->children[0], list_start(a, 3), "c");

    a = col(b, "li"); /* [[1,2,3], null, [], [-4]] */
    const int64_t *iv = a->children[0].values;
    assert_int_equal(list_len(a, 0), 3);
    assert_true(iv[list_start(a, 0) + 2] == 3);
    assert_false(arw_is_valid(a, 1));
    assert_int_equal(list_len(a, 2), 0);
    assert_true(iv[list_start(a, 3)] == -4);

    a = col(b, "ld"); /* [[0.5], [1.5, 2.5], null, []] */
    const double *dv = a->children[0].values;
    assert_true(dv[list_start(a, 0)] == 0.5);
    assert_true(dv[list_start(a, 1) + 1] == 2.5);
    assert_false(arw_is_valid(a, 2));

    a = col(b, "lf"); /* [[1], [], [2, 3], null] */
    const float *fv = a->children[0].values;
    assert_true(fv[list_start(a, 2) + 1] == 3.0f);
    assert_false(arw_is_valid(a, 3));

    a = col(b, "fsl"); /* [[1,2,3], [4,5,6], null, [7,8,9]] */
    assert_int_equal(a->field->list_size, 3);
    fv = a->children[0].values;
    assert_true(fv[0] == 1.0f && fv[5] == 6.0f && fv[9] == 7.0f && fv[11] == 9.0f);
    assert_false(arw_is_valid(a, 2));

    a = col(b, "ll"); /* [[1], [2, 3], [], null] */
    const int32_t *i32 = a->children[0].values;
    assert_int_equal(list_len(a, 1), 2);
    assert_int_equal(i32[list_start(a, 1) + 1], 3);
    assert_false(arw_is_valid(a, 3));
    fd_free(&f);
}

static void test_js_nested(void **state) {
    (void)state;
    check_js_nested(0);
    check_js_nested(3);
}

static void test_js_dictionary(void **state) {
    (void)state;
    for (int mis = 0; mis < 2; mis++) {
        feeder f;
        fd_init(&f, mis);
        fd_ok(&f, &vec_dict[0], ARW_MSG_SCHEMA);
        const arw_schema *s = arw_reader_schema(f.r);
        char tn[64];
        arw_type_name(&s->fields[0], tn, sizeof tn);
        assert_string_equal(tn, "dictionary<int32, utf8>");
        arw_type_name(&s->fields[1], tn, sizeof tn);
        assert_string_equal(tn, "dictionary<int8, utf8>");
        assert_int_equal(s->fields[0].kind, ARW_UTF8);
        assert_true(s->fields[0].dictionary);
        fd_ok(&f, &vec_dict[1], ARW_MSG_DICTIONARY);
        fd_ok(&f, &vec_dict[2], ARW_MSG_DICTIONARY);
        fd_ok(&f, &vec_dict[3], ARW_MSG_RECORD_BATCH);
        const arw_batch *b = arw_reader_batch(f.r);
        const arw_array *t = col(b, "type"), *l = col(b, "label");
        assert_tree_aligned(t);
        assert_int_equal(t->dict->length, 2);
        assert_dict_str(t, 0, "KNOWS");
        assert_dict_str(t, 1, "LIKES");
        assert_dict_str(t, 2, NULL);
        assert_dict_str(l, 0, "City");
        assert_dict_str(l, 1, "Person");
        assert_dict_str(l, 2, "City");

        fd_ok(&f, &vec_dict[4], ARW_MSG_DICTIONARY); /* delta: + HATES */
        fd_ok(&f, &vec_dict[5], ARW_MSG_RECORD_BATCH);
        b = arw_reader_batch(f.r);
        t = col(b, "type");
        l = col(b, "label");
        assert_int_equal(t->dict->length, 3);
        assert_dict_str(t, 0, "HATES");
        assert_dict_str(t, 1, "KNOWS");
        assert_dict_str(t, 2, "LIKES");
        assert_dict_str(l, 0, "Person");
        assert_dict_str(l, 1, NULL);

        fd_ok(&f, &vec_dict[6], ARW_MSG_DICTIONARY); /* replacement: X, Y */
        fd_ok(&f, &vec_dict[7], ARW_MSG_RECORD_BATCH);
        b = arw_reader_batch(f.r);
        t = col(b, "type");
        assert_int_equal(t->dict->length, 2);
        assert_dict_str(t, 0, "Y");
        assert_dict_str(t, 1, NULL);
        assert_dict_str(t, 2, "X");
        assert_dict_str(col(b, "label"), 2, "Person");
        fd_free(&f);
    }
}

static void check_js_compressed(const arw_vector_msg *msgs) {
    for (int mis = 0; mis < 2; mis++) {
        feeder f;
        fd_init(&f, mis);
        fd_ok(&f, &msgs[0], ARW_MSG_SCHEMA);
        fd_ok(&f, &msgs[1], ARW_MSG_RECORD_BATCH);
        const arw_batch *b = arw_reader_batch(f.r);
        assert_int_equal(b->length, 100);
        const arw_array *id = col(b, "id"), *name = col(b, "name"), *score = col(b, "score");
        assert_tree_aligned(id);
        assert_tree_aligned(name);
        assert_tree_aligned(score);
        for (int i = 0; i < 100; i++) {
            assert_true(((const int64_t *)id->values)[i] == i);
            char want[16];
            snprintf(want, sizeof want, "node-%d", i % 5);
            assert_str(name, i, want);
            if (i % 7 == 0) {
                assert_false(arw_is_valid(score, i));
            } else {
                assert_true(arw_is_valid(score, i));
                assert_true(((const double *)score->values)[i] == i / 2.0);
            }
        }
        fd_free(&f);
    }
}

static void test_js_lz4(void **state) {
    (void)state;
    check_js_compressed(vec_lz4);
}

static void test_js_zstd(void **state) {
    (void)state;
    check_js_compressed(vec_zstd);
}

static void test_js_unsupported_types(void **state) {
    (void)state;
    feeder f;
    fd_init(&f, 0);
    fd_ok(&f, &vec_unsupported[0], ARW_MSG_SCHEMA);
    const arw_schema *s = arw_reader_schema(f.r);
    assert_int_equal(s->fields[1].kind, ARW_UNSUPPORTED);
    assert_int_equal(s->fields[1].type_id, 8);
    assert_int_equal(s->fields[2].kind, ARW_UNSUPPORTED);
    assert_int_equal(s->fields[2].type_id, 10);
    char tn[32];
    arw_type_name(&s->fields[1], tn, sizeof tn);
    assert_string_equal(tn, "date");
    arw_type_name(&s->fields[2], tn, sizeof tn);
    assert_string_equal(tn, "timestamp");
    /* fixed-width unsupported columns still decode, so the batch's other columns are usable */
    fd_ok(&f, &vec_unsupported[1], ARW_MSG_RECORD_BATCH);
    const arw_batch *b = arw_reader_batch(f.r);
    assert_int_equal(((const int32_t *)col(b, "id")->values)[2], 3);
    assert_int_equal(((const int32_t *)col(b, "day")->values)[2], 19000);
    assert_true(((const int64_t *)col(b, "ts")->values)[2] == 1700000000000LL);

    /* arw_schema_decode on its own */
    arw_schema sch;
    qv_err err;
    assert_int_equal(arw_schema_decode(vec_unsupported[0].header, vec_unsupported[0].header_len, &sch, &err), 0);
    assert_int_equal(sch.nfields, 3);
    assert_string_equal(sch.fields[2].name, "ts");
    arw_schema_free(&sch);
    assert_int_equal(arw_schema_decode(vec_unsupported[1].header, vec_unsupported[1].header_len, &sch, &err), -1);
    assert_non_null(strstr(err.msg, "expected a Schema"));
    fd_free(&f);
}

/* ---- round trips through our writer and reader ------------------------------------------------- */

/* Row-wise equality of two arrays of the same type (dictionary columns compare decoded values). */
static bool row_eq(const arw_array *x, int64_t xi, const arw_array *y, int64_t yi);

static bool value_eq(const arw_array *x, int64_t xi, const arw_array *y, int64_t yi, const arw_field *f) {
    size_t lx, ly;
    const char *sx, *sy;
    switch (f->kind) {
    case ARW_NULL: return true;
    case ARW_INT:
    case ARW_FLOAT: {
        size_t w = (size_t)f->bit_width / 8;
        return !memcmp((const uint8_t *)x->values + xi * (int64_t)w, (const uint8_t *)y->values + yi * (int64_t)w, w);
    }
    case ARW_BOOL: {
        const uint8_t *bx = x->values, *by = y->values;
        return ((bx[xi >> 3] >> (xi & 7)) & 1) == ((by[yi >> 3] >> (yi & 7)) & 1);
    }
    case ARW_UTF8:
    case ARW_LARGE_UTF8:
    case ARW_BINARY:
    case ARW_LARGE_BINARY:
        sx = str_at(x, xi, &lx);
        sy = str_at(y, yi, &ly);
        return lx == ly && !memcmp(sx, sy, lx);
    case ARW_LIST:
    case ARW_LARGE_LIST: {
        int64_t n = list_len(x, xi);
        if (n != list_len(y, yi)) return false;
        for (int64_t k = 0; k < n; k++)
            if (!row_eq(&x->children[0], list_start(x, xi) + k, &y->children[0], list_start(y, yi) + k)) return false;
        return true;
    }
    case ARW_FIXED_SIZE_LIST:
        for (int64_t k = 0; k < f->list_size; k++)
            if (!row_eq(&x->children[0], xi * f->list_size + k, &y->children[0], yi * f->list_size + k)) return false;
        return true;
    case ARW_STRUCT:
        for (int c = 0; c < f->nchildren; c++)
            if (!row_eq(&x->children[c], xi, &y->children[c], yi)) return false;
        return true;
    default: return false;
    }
}

static bool row_eq(const arw_array *x, int64_t xi, const arw_array *y, int64_t yi) {
    const arw_field *f = x->field;
    if (f->kind == ARW_NULL) return true;
    bool vx = arw_is_valid(x, xi), vy = arw_is_valid(y, yi);
    if (vx != vy) return false;
    if (!vx) return true;
    if (f->dictionary) return row_eq(x->dict, dict_index(x, xi), y->dict, dict_index(y, yi));
    return value_eq(x, xi, y, yi, f);
}

static void assert_columns_equal(const arw_array *want, const arw_array *got, int64_t n) {
    char a[128], b[128];
    arw_type_name(want->field, a, sizeof a);
    arw_type_name(got->field, b, sizeof b);
    if (strcmp(a, b)) fail_msg("column %s: type %s came back as %s", want->field->name, a, b);
    assert_int_equal(got->length, n);
    for (int64_t i = 0; i < n; i++)
        if (!row_eq(want, i, got, i)) fail_msg("column %s (%s): row %lld differs", want->field->name, a, (long long)i);
}

#define NT 22
#define MAXMEM 128

/* Columns of every supported type, generated deterministically. */
typedef struct fixture {
    arw_field f[NT];
    arw_field kids[NT][2];
    arw_array a[NT];
    arw_array ka[NT][2];
    void *mem[MAXMEM];
    int nmem;
    int64_t n;
} fixture;

static void *fx_alloc(fixture *x, size_t n) {
    assert_true(x->nmem < MAXMEM);
    void *p = calloc(1, n + 16);
    x->mem[x->nmem++] = p;
    return p;
}

static void fx_free(fixture *x) {
    for (int i = 0; i < x->nmem; i++) free(x->mem[i]);
}

static uint64_t lcg(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* A validity bitmap with row i null when nulls && (i + salt) % 5 == 3. */
static const uint8_t *fx_validity(fixture *x, arw_array *a, int64_t n, bool nulls, int salt) {
    a->null_count = 0;
    if (!nulls) return NULL;
    uint8_t *v = fx_alloc(x, (size_t)(n + 7) / 8);
    for (int64_t i = 0; i < n; i++) {
        if ((i + salt) % 5 == 3) a->null_count++;
        else v[i >> 3] |= (uint8_t)(1u << (i & 7));
    }
    return a->null_count ? v : NULL;
}

static void fx_fixed(fixture *x, arw_array *a, const arw_field *f, int64_t n, bool nulls, int salt) {
    memset(a, 0, sizeof *a);
    a->field = f;
    a->length = n;
    a->validity = fx_validity(x, a, n, nulls, salt);
    size_t w = f->kind == ARW_BOOL ? 1 : (size_t)f->bit_width / 8;
    size_t bytes = f->kind == ARW_BOOL ? (size_t)(n + 7) / 8 : (size_t)n * w;
    uint8_t *p = fx_alloc(x, bytes);
    uint64_t s = (uint64_t)salt * 977 + 1;
    for (size_t i = 0; i < bytes; i++) p[i] = (uint8_t)lcg(&s);
    if (f->kind == ARW_FLOAT && f->bit_width == 64)
        for (int64_t i = 0; i < n; i++) ((double *)p)[i] = (double)(int64_t)lcg(&s) / 7.0;
    if (f->kind == ARW_FLOAT && f->bit_width == 32)
        for (int64_t i = 0; i < n; i++) ((float *)p)[i] = (float)(lcg(&s) % 100000) / 8.0f;
    a->values = p;
    a->values_len = bytes;
}

static void fx_strings(fixture *x, arw_array *a, const arw_field *f, int64_t n, bool nulls, int salt) {
    bool wide = f->kind == ARW_LARGE_UTF8;
    memset(a, 0, sizeof *a);
    a->field = f;
    a->length = n;
    a->validity = fx_validity(x, a, n, nulls, salt);
    void *off = fx_alloc(x, (size_t)(n + 1) * 8);
    char *data = fx_alloc(x, (size_t)n * 11 + 1);
    int64_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        if (wide) ((int64_t *)off)[i] = pos;
        else ((int32_t *)off)[i] = (int32_t)pos;
        int64_t len = arw_is_valid(a, i) ? (i * 7 + salt) % 11 : 0;
        for (int64_t j = 0; j < len; j++) data[pos++] = (char)('a' + (i + j) % 26);
    }
    if (wide) ((int64_t *)off)[n] = pos;
    else ((int32_t *)off)[n] = (int32_t)pos;
    a->offsets = off;
    a->values = data;
    a->values_len = (size_t)pos;
}

static void fx_column(fixture *x, arw_array *a, const arw_field *f, int64_t n, bool nulls, int salt);

static void fx_list(fixture *x, int c, int64_t n, bool nulls) {
    arw_array *a = &x->a[c];
    const arw_field *f = &x->f[c];
    bool wide = f->kind == ARW_LARGE_LIST;
    memset(a, 0, sizeof *a);
    a->field = f;
    a->length = n;
    a->validity = fx_validity(x, a, n, nulls, c);
    void *off = fx_alloc(x, (size_t)(n + 1) * 8);
    int64_t pos = 0;
    for (int64_t i = 0; i < n; i++) {
        if (wide) ((int64_t *)off)[i] = pos;
        else ((int32_t *)off)[i] = (int32_t)pos;
        pos += arw_is_valid(a, i) ? (i + c) % 4 : 0;
    }
    if (wide) ((int64_t *)off)[n] = pos;
    else ((int32_t *)off)[n] = (int32_t)pos;
    a->offsets = off;
    a->nchildren = 1;
    a->children = x->ka[c];
    fx_column(x, &x->ka[c][0], &x->kids[c][0], pos, nulls, c + 1);
}

static void fx_column(fixture *x, arw_array *a, const arw_field *f, int64_t n, bool nulls, int salt) {
    switch (f->kind) {
    case ARW_UTF8:
    case ARW_LARGE_UTF8:
    case ARW_BINARY: fx_strings(x, a, f, n, nulls, salt); break;
    default: fx_fixed(x, a, f, n, nulls, salt); break;
    }
}

static void fx_init(fixture *x, int64_t n, bool nulls) {
    memset(x, 0, sizeof *x);
    x->n = n;
    const struct { const char *name; arw_kind kind; int bits; bool sign; } cols[NT] = {
        {"i8", ARW_INT, 8, true},      {"i16", ARW_INT, 16, true},    {"i32", ARW_INT, 32, true},
        {"i64", ARW_INT, 64, true},    {"u8", ARW_INT, 8, false},     {"u16", ARW_INT, 16, false},
        {"u32", ARW_INT, 32, false},   {"u64", ARW_INT, 64, false},   {"f32", ARW_FLOAT, 32, false},
        {"f64", ARW_FLOAT, 64, false}, {"flag", ARW_BOOL, 0, false},  {"s", ARW_UTF8, 0, false},
        {"ls", ARW_LARGE_UTF8, 0, false}, {"tags", ARW_LIST, 0, false}, {"li", ARW_LIST, 0, false},
        {"ld", ARW_LIST, 0, false},    {"lf", ARW_LIST, 0, false},    {"ll", ARW_LARGE_LIST, 0, false},
        {"fsl", ARW_FIXED_SIZE_LIST, 0, false}, {"st", ARW_STRUCT, 0, false}, {"nul", ARW_NULL, 0, false},
        {"bin", ARW_BINARY, 0, false},
    };
    for (int c = 0; c < NT; c++) x->f[c] = fld(cols[c].name, cols[c].kind, cols[c].bits, cols[c].sign);
    x->kids[13][0] = fld("item", ARW_UTF8, 0, false);
    x->kids[14][0] = fld("item", ARW_INT, 64, true);
    x->kids[15][0] = fld("item", ARW_FLOAT, 64, false);
    x->kids[16][0] = fld("item", ARW_FLOAT, 32, false);
    x->kids[17][0] = fld("item", ARW_INT, 64, true);
    x->kids[18][0] = fld("item", ARW_FLOAT, 32, false);
    x->kids[19][0] = fld("a", ARW_INT, 32, true);
    x->kids[19][1] = fld("b", ARW_UTF8, 0, false);
    for (int c = 13; c <= 19; c++) {
        x->f[c].children = x->kids[c];
        x->f[c].nchildren = c == 19 ? 2 : 1;
    }
    x->f[18].list_size = 3;
    for (int c = 0; c < NT; c++) {
        arw_field *f = &x->f[c];
        arw_array *a = &x->a[c];
        switch (f->kind) {
        case ARW_LIST:
        case ARW_LARGE_LIST: fx_list(x, c, n, nulls); break;
        case ARW_FIXED_SIZE_LIST:
            memset(a, 0, sizeof *a);
            a->field = f;
            a->length = n;
            a->validity = fx_validity(x, a, n, nulls, c);
            a->nchildren = 1;
            a->children = x->ka[c];
            fx_column(x, &x->ka[c][0], &x->kids[c][0], n * 3, nulls, c + 1);
            break;
        case ARW_STRUCT:
            memset(a, 0, sizeof *a);
            a->field = f;
            a->length = n;
            a->validity = fx_validity(x, a, n, nulls, c);
            a->nchildren = 2;
            a->children = x->ka[c];
            fx_column(x, &x->ka[c][0], &x->kids[c][0], n, nulls, c + 1);
            fx_column(x, &x->ka[c][1], &x->kids[c][1], n, nulls, c + 2);
            break;
        case ARW_NULL:
            memset(a, 0, sizeof *a);
            a->field = f;
            a->length = n;
            a->null_count = n;
            break;
        default: fx_column(x, a, f, n, nulls, c); break;
        }
    }
}

/* Writes schema + one batch of x (with codec), reads them back (from a body copy at body_shift bytes
 * past an 8-aligned address) and compares every row of every column. */
static void roundtrip(fixture *x, arw_codec codec, int body_shift) {
    arw_schema schema = {NT, x->f};
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    feeder f;
    fd_init(&f, body_shift);
    arw_write_schema(&h, &schema);
    assert_int_equal(h.len % 8, 0);
    if (fd_feed(&f, h.data, h.len, NULL, 0, NULL)) fail_msg("schema: %s", f.err.msg);
    const arw_schema *got = arw_reader_schema(f.r);
    assert_int_equal(got->nfields, NT);
    for (int c = 0; c < NT; c++) {
        char t1[128], t2[128];
        arw_type_name(&x->f[c], t1, sizeof t1);
        arw_type_name(&got->fields[c], t2, sizeof t2);
        assert_string_equal(t1, t2);
        assert_string_equal(x->f[c].name, got->fields[c].name);
        assert_true(got->fields[c].nullable);
    }
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &b, x->n, x->a, NT, codec);
    assert_int_equal(b.len % 8, 0);
    if (fd_feed(&f, h.data, h.len, b.data, b.len, NULL))
        fail_msg("batch (codec %d, shift %d, %lld rows): %s", codec, body_shift, (long long)x->n, f.err.msg);
    const arw_batch *bt = arw_reader_batch(f.r);
    assert_int_equal(bt->length, x->n);
    for (int c = 0; c < NT; c++) {
        assert_tree_aligned(&bt->columns[c]);
        assert_columns_equal(&x->a[c], &bt->columns[c], x->n);
        if (x->a[c].null_count == 0) assert_null(bt->columns[c].validity);
    }
    fd_free(&f);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

static void test_roundtrip_all_types(void **state) {
    (void)state;
    const int64_t sizes[] = {1000, 1, 13};
    for (int s = 0; s < 3; s++)
        for (int nulls = 0; nulls < 2; nulls++) {
            fixture x;
            fx_init(&x, sizes[s], nulls);
            roundtrip(&x, ARW_CODEC_NONE, 0);
            roundtrip(&x, ARW_CODEC_NONE, 1);
            roundtrip(&x, ARW_CODEC_LZ4_FRAME, 0);
            roundtrip(&x, ARW_CODEC_ZSTD, 3);
            fx_free(&x);
        }
}

static void test_roundtrip_empty_batch(void **state) {
    (void)state;
    fixture x;
    fx_init(&x, 0, false);
    roundtrip(&x, ARW_CODEC_NONE, 0);
    roundtrip(&x, ARW_CODEC_ZSTD, 0);
    fx_free(&x);
}

/* Compression really happens (the body shrinks) and a body that does not compress is stored raw. */
static void test_compression_sizes(void **state) {
    (void)state;
    arw_field f = fld("v", ARW_INT, 64, true);
    int64_t *v = calloc(10000, 8);
    for (int i = 0; i < 10000; i++) v[i] = i % 3;
    arw_array a = {.field = &f, .length = 10000, .values = v, .values_len = 80000};
    qv_buf h, plain, lz4, zstd;
    qv_buf_init(&h);
    qv_buf_init(&plain);
    qv_buf_init(&lz4);
    qv_buf_init(&zstd);
    arw_write_record_batch(&h, &plain, 10000, &a, 1, ARW_CODEC_NONE);
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &lz4, 10000, &a, 1, ARW_CODEC_LZ4_FRAME);
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &zstd, 10000, &a, 1, ARW_CODEC_ZSTD);
    assert_int_equal(plain.len, 80000);
    assert_true(lz4.len < 4000);
    if (zstd.len >= 2000) fail_msg("zstd body is %zu bytes", zstd.len);
    /* random bytes do not compress: the buffer is stored with the -1 prefix */
    uint64_t s = 5;
    for (int i = 0; i < 10000; i++) v[i] = (int64_t)(lcg(&s) * 0x9e3779b97f4a7c15ULL);
    qv_buf_reset(&h);
    qv_buf_reset(&lz4);
    arw_write_record_batch(&h, &lz4, 10000, &a, 1, ARW_CODEC_LZ4_FRAME);
    int64_t prefix;
    memcpy(&prefix, lz4.data, 8);
    assert_true(prefix == -1);
    feeder fd;
    fd_init(&fd, 0);
    arw_schema sch = {1, &f};
    qv_buf sh;
    qv_buf_init(&sh);
    arw_write_schema(&sh, &sch);
    assert_int_equal(fd_feed(&fd, sh.data, sh.len, NULL, 0, NULL), 0);
    assert_int_equal(fd_feed(&fd, h.data, h.len, lz4.data, lz4.len, NULL), 0);
    const arw_batch *b = arw_reader_batch(fd.r);
    assert_memory_equal(b->columns[0].values, v, 80000);
    fd_free(&fd);
    qv_buf_free(&sh);
    qv_buf_free(&h);
    qv_buf_free(&plain);
    qv_buf_free(&lz4);
    qv_buf_free(&zstd);
    free(v);
}

/* Input arrays whose offsets do not start at 0 and whose list children hold extra items (as slices of
 * larger arrays do): the writer must send only the referenced range, rebased. */
static void test_writer_normalises_slices(void **state) {
    (void)state;
    arw_field fs = fld("s", ARW_UTF8, 0, false);
    arw_field item = fld("item", ARW_BOOL, 0, false);
    arw_field fl = fld("l", ARW_LIST, 0, false);
    fl.children = &item;
    fl.nchildren = 1;
    int32_t soff[] = {3, 5, 5, 9};                         /* "ab", "", "cdef" */
    const char *sdata = "xxxabcdefgh";
    uint8_t svalid = 0x5;                                  /* row 1 null */
    arw_array as = {.field = &fs, .length = 3, .null_count = 1, .validity = &svalid, .offsets = soff,
                    .values = sdata, .values_len = 11};
    /* bools at child positions 3..9: [T,F,T,T,F,F]; list rows: [T,F,T], [T], [F,F] */
    uint8_t bits[2] = {(uint8_t)((1 << 3) | (1 << 5) | (1 << 6)), 0};
    uint8_t ivalid[2] = {0xff, 0xff};
    ivalid[0] &= (uint8_t)~(1 << 4); /* child 4 (second item of row 0) is null */
    arw_array ai = {.field = &item, .length = 12, .null_count = 1, .validity = ivalid, .values = bits, .values_len = 2};
    int32_t loff[] = {3, 6, 7, 9};
    arw_array al = {.field = &fl, .length = 3, .offsets = loff, .nchildren = 1, .children = &ai};
    arw_array cols[2] = {as, al};
    arw_field fields[2] = {fs, fl};
    cols[0].field = &fields[0];
    cols[1].field = &fields[1];
    arw_schema sch = {2, fields};
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    feeder f;
    fd_init(&f, 0);
    arw_write_schema(&h, &sch);
    assert_int_equal(fd_feed(&f, h.data, h.len, NULL, 0, NULL), 0);
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &b, 3, cols, 2, ARW_CODEC_NONE);
    if (fd_feed(&f, h.data, h.len, b.data, b.len, NULL)) fail_msg("%s", f.err.msg);
    const arw_batch *bt = arw_reader_batch(f.r);
    const arw_array *gs = &bt->columns[0], *gl = &bt->columns[1];
    assert_int_equal(((const int32_t *)gs->offsets)[0], 0);
    assert_int_equal(gs->values_len, 6); /* only "abcdef" was sent */
    assert_str(gs, 0, "ab");
    assert_str(gs, 1, NULL);
    assert_str(gs, 2, "cdef");
    assert_int_equal(((const int32_t *)gl->offsets)[0], 0);
    assert_int_equal(gl->children[0].length, 6);
    assert_int_equal(gl->children[0].null_count, 1);
    assert_columns_equal(&cols[1], gl, 3);
    const uint8_t *gb = gl->children[0].values;
    assert_int_equal(gb[0] & 0x3f, 0x0d); /* T,F,T,T,F,F from bit 0 */
    assert_false(arw_is_valid(&gl->children[0], 1));
    fd_free(&f);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

/* The reader recounts null_count from the bitmap, so arw_is_valid and null_count always agree. */
static void test_null_count_recounted(void **state) {
    (void)state;
    arw_field f = fld("v", ARW_INT, 32, true);
    int32_t v[10] = {0};
    uint8_t valid[2] = {0xfe, 0x03}; /* one null (row 0) */
    arw_array a = {.field = &f, .length = 10, .null_count = 4, .validity = valid, .values = v, .values_len = 40};
    arw_schema sch = {1, &f};
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    feeder fd;
    fd_init(&fd, 0);
    arw_write_schema(&h, &sch);
    assert_int_equal(fd_feed(&fd, h.data, h.len, NULL, 0, NULL), 0);
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &b, 10, &a, 1, ARW_CODEC_NONE);
    assert_int_equal(fd_feed(&fd, h.data, h.len, b.data, b.len, NULL), 0);
    const arw_array *got = &arw_reader_batch(fd.r)->columns[0];
    assert_int_equal(got->null_count, 1);
    assert_false(arw_is_valid(got, 0));
    assert_true(arw_is_valid(got, 9));
    /* a bitmap with no zero bits: no nulls, no bitmap handed out */
    valid[0] = 0xff;
    qv_buf_reset(&h);
    qv_buf_reset(&b);
    arw_write_record_batch(&h, &b, 10, &a, 1, ARW_CODEC_NONE);
    assert_int_equal(fd_feed(&fd, h.data, h.len, b.data, b.len, NULL), 0);
    got = &arw_reader_batch(fd.r)->columns[0];
    assert_int_equal(got->null_count, 0);
    assert_null(got->validity);
    fd_free(&fd);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

/* ---- dictionaries through our writer ---------------------------------------------------------- */

typedef struct strcol {
    int32_t off[16];
    char data[128];
    uint8_t valid[2];
    arw_array a;
} strcol;

/* A utf8 array of n strings (NULL entries become null rows). */
static void mkstr(strcol *s, const arw_field *f, const char *const *v, int n) {
    memset(s, 0, sizeof *s);
    int pos = 0;
    uint8_t *valid = s->valid;
    int nulls = 0;
    for (int i = 0; i < n; i++) {
        s->off[i] = pos;
        if (v[i]) {
            memcpy(s->data + pos, v[i], strlen(v[i]));
            pos += (int)strlen(v[i]);
            valid[i >> 3] |= (uint8_t)(1 << (i & 7));
        } else {
            nulls++;
        }
    }
    s->off[n] = pos;
    s->a.field = f;
    s->a.length = n;
    s->a.null_count = nulls;
    s->a.validity = nulls ? valid : NULL;
    s->a.offsets = s->off;
    s->a.values = s->data;
    s->a.values_len = (size_t)pos;
}

typedef struct msgbuf {
    qv_buf h, b;
} msgbuf;

static void feed_ok(feeder *f, msgbuf *m) {
    if (fd_feed(f, m->h.data, m->h.len, m->b.data, m->b.len, NULL)) fail_msg("%s", f->err.msg);
    qv_buf_reset(&m->h);
    qv_buf_reset(&m->b);
}

static void test_roundtrip_dictionaries(void **state) {
    (void)state;
    for (int codec = -1; codec <= 1; codec++) {
        arw_field fields[3] = {fld("rel", ARW_UTF8, 0, false), fld("lbl", ARW_UTF8, 0, false),
                               fld("u", ARW_UTF8, 0, false)};
        fields[0].dictionary = fields[1].dictionary = fields[2].dictionary = true;
        fields[0].dict_id = 7;
        fields[0].index_bit_width = 32;
        fields[0].index_signed = true;
        fields[1].dict_id = 8;
        fields[1].index_bit_width = 8;
        fields[1].index_signed = true;
        fields[2].dict_id = 9;
        fields[2].index_bit_width = 16;
        fields[2].index_signed = false;
        arw_schema sch = {3, fields};
        msgbuf m;
        qv_buf_init(&m.h);
        qv_buf_init(&m.b);
        feeder f;
        fd_init(&f, codec == 1);
        arw_write_schema(&m.h, &sch);
        feed_ok(&f, &m);
        const arw_schema *gs = arw_reader_schema(f.r);
        char tn[64];
        arw_type_name(&gs->fields[2], tn, sizeof tn);
        assert_string_equal(tn, "dictionary<uint16, utf8>");
        assert_int_equal(gs->fields[0].dict_id, 7);

        strcol d7, d8, d9;
        const char *v7[] = {"KNOWS", "LIKES"}, *v8[] = {"Person", NULL}, *v9[] = {"p", "q", "r"};
        mkstr(&d7, &fields[0], v7, 2);
        mkstr(&d8, &fields[1], v8, 2);
        mkstr(&d9, &fields[2], v9, 3);
        arw_write_dictionary_batch(&m.h, &m.b, 7, &d7.a, false, (arw_codec)codec);
        feed_ok(&f, &m);
        arw_write_dictionary_batch(&m.h, &m.b, 8, &d8.a, false, (arw_codec)codec);
        feed_ok(&f, &m);
        arw_write_dictionary_batch(&m.h, &m.b, 9, &d9.a, false, (arw_codec)codec);
        feed_ok(&f, &m);

        int32_t i7[4] = {1, 0, 0, 1};
        int8_t i8[4] = {0, 1, 0, 0};
        uint16_t i9[4] = {2, 1, 0, 2};
        uint8_t valid7 = 0x0b; /* row 2 null */
        arw_array cols[3] = {
            {.field = &fields[0], .length = 4, .null_count = 1, .validity = &valid7, .values = i7, .values_len = 16},
            {.field = &fields[1], .length = 4, .values = i8, .values_len = 4},
            {.field = &fields[2], .length = 4, .values = i9, .values_len = 8},
        };
        arw_write_record_batch(&m.h, &m.b, 4, cols, 3, (arw_codec)codec);
        feed_ok(&f, &m);
        const arw_batch *b = arw_reader_batch(f.r);
        assert_dict_str(&b->columns[0], 0, "LIKES");
        assert_dict_str(&b->columns[0], 1, "KNOWS");
        assert_dict_str(&b->columns[0], 2, NULL);
        assert_false(arw_is_valid(b->columns[1].dict, 1)); /* a null inside the dictionary */
        assert_str(b->columns[1].dict, 0, "Person");
        assert_int_equal(((const int16_t *)b->columns[2].values)[0], 2);
        assert_str(b->columns[2].dict, 2, "r");

        /* delta for 7, then a batch using the new entry */
        const char *v7b[] = {"HATES", "LOVES"};
        strcol d7b;
        mkstr(&d7b, &fields[0], v7b, 2);
        arw_write_dictionary_batch(&m.h, &m.b, 7, &d7b.a, true, (arw_codec)codec);
        feed_ok(&f, &m);
        i7[2] = 3;
        i7[3] = 2;
        arw_write_record_batch(&m.h, &m.b, 4, cols, 3, (arw_codec)codec);
        feed_ok(&f, &m);
        b = arw_reader_batch(f.r);
        assert_int_equal(b->columns[0].dict->length, 4);
        assert_dict_str(&b->columns[0], 0, "LIKES");
        assert_dict_str(&b->columns[0], 3, "HATES");
        assert_tree_aligned(b->columns[0].dict);

        /* replacement for 7: indices 0..3 now out of range except 0 */
        const char *v7c[] = {"ONLY"};
        strcol d7c;
        mkstr(&d7c, &fields[0], v7c, 1);
        arw_write_dictionary_batch(&m.h, &m.b, 7, &d7c.a, false, (arw_codec)codec);
        feed_ok(&f, &m);
        arw_write_record_batch(&m.h, &m.b, 4, cols, 3, (arw_codec)codec);
        assert_int_equal(fd_feed(&f, m.h.data, m.h.len, m.b.data, m.b.len, NULL), -1);
        assert_non_null(strstr(f.err.msg, "column 'rel'"));
        assert_non_null(strstr(f.err.msg, "dictionary index 1 at row 0 is out of range"));
        qv_buf_reset(&m.h);
        qv_buf_reset(&m.b);
        memset(i7, 0, sizeof i7);
        arw_write_record_batch(&m.h, &m.b, 4, cols, 3, (arw_codec)codec);
        feed_ok(&f, &m);
        b = arw_reader_batch(f.r);
        assert_int_equal(b->columns[0].dict->length, 1);
        assert_dict_str(&b->columns[0], 3, "ONLY");
        fd_free(&f);
        qv_buf_free(&m.h);
        qv_buf_free(&m.b);
    }
}

/* A dictionary column whose rows are all null may arrive before its DictionaryBatch. */
static void test_dictionary_all_null_before_dictionary(void **state) {
    (void)state;
    arw_field fd = fld("t", ARW_UTF8, 0, false);
    fd.dictionary = true;
    fd.index_bit_width = 32;
    fd.index_signed = true;
    arw_schema sch = {1, &fd};
    msgbuf m;
    qv_buf_init(&m.h);
    qv_buf_init(&m.b);
    feeder f;
    fd_init(&f, 0);
    arw_write_schema(&m.h, &sch);
    feed_ok(&f, &m);
    int32_t idx[3] = {0, 0, 0};
    uint8_t none = 0;
    arw_array a = {.field = &fd, .length = 3, .null_count = 3, .validity = &none, .values = idx, .values_len = 12};
    arw_write_record_batch(&m.h, &m.b, 3, &a, 1, ARW_CODEC_NONE);
    feed_ok(&f, &m);
    const arw_batch *b = arw_reader_batch(f.r);
    assert_int_equal(b->columns[0].dict->length, 0);
    assert_false(arw_is_valid(&b->columns[0], 0));
    /* but a valid row needs the dictionary */
    a.null_count = 2;
    none = 1;
    arw_write_record_batch(&m.h, &m.b, 3, &a, 1, ARW_CODEC_NONE);
    assert_int_equal(fd_feed(&f, m.h.data, m.h.len, m.b.data, m.b.len, NULL), -1);
    assert_non_null(strstr(f.err.msg, "no DictionaryBatch with that id has arrived"));
    fd_free(&f);
    qv_buf_free(&m.h);
    qv_buf_free(&m.b);
}

/* ---- a stream for apache-arrow JS (tests/vectors/check_quiver_ipc.mjs) ------------------------- */

/* Writes quiver_<name>.arrows: the values check_quiver_ipc.mjs expects. Returns the stream. */
static void build_js_stream(qv_buf *out, arw_codec codec) {
    arw_field item_s = fld("item", ARW_UTF8, 0, false), item_i = fld("item", ARW_INT, 64, true),
              item_d = fld("item", ARW_FLOAT, 64, false), item_f = fld("item", ARW_FLOAT, 32, false),
              item_f2 = fld("item", ARW_FLOAT, 32, false), item_l = fld("item", ARW_INT, 64, true);
    enum { NC = 14 };
    arw_field fs[NC] = {
        fld("id", ARW_INT, 64, true),  fld("name", ARW_UTF8, 0, false),    fld("big", ARW_LARGE_UTF8, 0, false),
        fld("labels", ARW_LIST, 0, false), fld("li", ARW_LIST, 0, false),  fld("ld", ARW_LIST, 0, false),
        fld("lf", ARW_LIST, 0, false), fld("fsl", ARW_FIXED_SIZE_LIST, 0, false),
        fld("ll", ARW_LARGE_LIST, 0, false), fld("flag", ARW_BOOL, 0, false), fld("u8", ARW_INT, 8, false),
        fld("f32", ARW_FLOAT, 32, false), fld("rel", ARW_UTF8, 0, false), fld("lbl", ARW_UTF8, 0, false),
    };
    arw_field *kids[] = {&item_s, &item_i, &item_d, &item_f, &item_f2, &item_l};
    for (int i = 0; i < 6; i++) {
        fs[3 + i].children = kids[i];
        fs[3 + i].nchildren = 1;
    }
    fs[7].list_size = 2;
    fs[12].dictionary = fs[13].dictionary = true;
    fs[12].dict_id = 0;
    fs[12].index_bit_width = 32;
    fs[12].index_signed = true;
    fs[13].dict_id = 1;
    fs[13].index_bit_width = 8;
    fs[13].index_signed = true;
    arw_schema sch = {NC, fs};

    /* 5 rows. */
    int64_t id[] = {10, -20, 30, 9007199254740993LL, 0};
    strcol name, labels_items;
    const char *namev[] = {"a", NULL, "ccc", "", "δ"};
    mkstr(&name, &fs[1], namev, 5);
    int64_t bigoff[] = {0, 1, 2, 2, 3, 4};
    uint8_t bigvalid = 0x1b; /* row 2 null */
    arw_array abig = {.field = &fs[2], .length = 5, .null_count = 1, .validity = &bigvalid, .offsets = bigoff,
                      .values = "xyzw", .values_len = 4};
    const char *lab[] = {"A", "B", "C", "D", "E", "F"};
    mkstr(&labels_items, &item_s, lab, 6);
    int32_t laboff[] = {0, 2, 2, 2, 3, 6}; /* [A,B], [], null, [C], [D,E,F] */
    uint8_t labvalid = 0x1b;
    int64_t livals[] = {1, 2, 3, -4};
    int32_t lioff[] = {0, 2, 2, 2, 3, 4}; /* [1,2], null, [], [3], [-4] */
    uint8_t livalid = 0x1d;
    double ldvals[] = {0.5, 1.5, 2.5, 3.25};
    int32_t ldoff[] = {0, 1, 3, 3, 3, 4}; /* [0.5], [1.5,2.5], null, [], [3.25] */
    uint8_t ldvalid = 0x1b;
    float lfvals[] = {1, 2, 3, 4};
    int32_t lfoff[] = {0, 1, 1, 3, 3, 4}; /* [1], [], [2,3], null, [4] */
    uint8_t lfvalid = 0x17;
    float fslvals[] = {1, 2, 3, 4, 0, 0, 5, 6, 7, 8}; /* [1,2],[3,4],null,[5,6],[7,8] */
    uint8_t fslvalid = 0x1b;
    int64_t llvals[] = {1, 2, 3, 4};
    int64_t lloff[] = {0, 1, 3, 3, 3, 4}; /* [1],[2,3],[],null,[4] */
    uint8_t llvalid = 0x17;
    uint8_t flagbits = 0x19, flagvalid = 0x1b; /* true,false,null,true,true */
    uint8_t u8v[] = {0, 255, 1, 2, 0}, u8valid = 0x0f;
    float f32v[] = {1.5f, 0, -2, 0, 3};
    uint8_t f32valid_b = 0x1d;
    int32_t rel1[] = {0, 1, 0, 1, 0}, rel2[] = {2, 2, 0, 0, 1}, rel3[] = {0, 0, 0, 0, 0};
    uint8_t relvalid1 = 0x1b, relvalid2 = 0x17; /* row 2 null; row 3 null */
    int8_t lblv[] = {0, 0, 0, 0, 0};

    arw_array kida[6] = {
        labels_items.a,
        {.field = &item_i, .length = 4, .values = livals, .values_len = 32},
        {.field = &item_d, .length = 4, .values = ldvals, .values_len = 32},
        {.field = &item_f, .length = 4, .values = lfvals, .values_len = 16},
        {.field = &item_f2, .length = 10, .values = fslvals, .values_len = 40},
        {.field = &item_l, .length = 4, .values = llvals, .values_len = 32},
    };
    arw_array cols[NC] = {
        {.field = &fs[0], .length = 5, .values = id, .values_len = 40},
        name.a,
        abig,
        {.field = &fs[3], .length = 5, .null_count = 1, .validity = &labvalid, .offsets = laboff, .nchildren = 1,
         .children = &kida[0]},
        {.field = &fs[4], .length = 5, .null_count = 1, .validity = &livalid, .offsets = lioff, .nchildren = 1,
         .children = &kida[1]},
        {.field = &fs[5], .length = 5, .null_count = 1, .validity = &ldvalid, .offsets = ldoff, .nchildren = 1,
         .children = &kida[2]},
        {.field = &fs[6], .length = 5, .null_count = 1, .validity = &lfvalid, .offsets = lfoff, .nchildren = 1,
         .children = &kida[3]},
        {.field = &fs[7], .length = 5, .null_count = 1, .validity = &fslvalid, .nchildren = 1, .children = &kida[4]},
        {.field = &fs[8], .length = 5, .null_count = 1, .validity = &llvalid, .offsets = lloff, .nchildren = 1,
         .children = &kida[5]},
        {.field = &fs[9], .length = 5, .null_count = 1, .validity = &flagvalid, .values = &flagbits, .values_len = 1},
        {.field = &fs[10], .length = 5, .null_count = 1, .validity = &u8valid, .values = u8v, .values_len = 5},
        {.field = &fs[11], .length = 5, .null_count = 1, .validity = &f32valid_b, .values = f32v, .values_len = 20},
        {.field = &fs[12], .length = 5, .null_count = 1, .validity = &relvalid1, .values = rel1, .values_len = 20},
        {.field = &fs[13], .length = 5, .values = lblv, .values_len = 5},
    };
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
#define EMIT()                                                                                                 \
    do {                                                                                                       \
        arw_frame_message(out, h.data, h.len);                                                                 \
        qv_buf_append(out, b.data, b.len);                                                                     \
        qv_buf_reset(&h);                                                                                      \
        qv_buf_reset(&b);                                                                                      \
    } while (0)
    arw_write_schema(&h, &sch);
    EMIT();
    strcol d0, d0delta, d0repl, d1;
    const char *d0v[] = {"KNOWS", "LIKES"}, *d0d[] = {"HATES"}, *d0r[] = {"X"}, *d1v[] = {"Person"};
    mkstr(&d0, &fs[12], d0v, 2);
    mkstr(&d0delta, &fs[12], d0d, 1);
    mkstr(&d0repl, &fs[12], d0r, 1);
    mkstr(&d1, &fs[13], d1v, 1);
    arw_write_dictionary_batch(&h, &b, 0, &d0.a, false, codec);
    EMIT();
    arw_write_dictionary_batch(&h, &b, 1, &d1.a, false, codec);
    EMIT();
    arw_write_record_batch(&h, &b, 5, cols, NC, codec); /* batch 1 */
    EMIT();
    arw_write_dictionary_batch(&h, &b, 0, &d0delta.a, true, codec);
    EMIT();
    /* batch 2: same values, but name and labels come from shifted (sliced-looking) arrays */
    int32_t nameoff2[6];
    char namedata2[64] = "zzzz";
    for (int i = 0; i <= 5; i++) nameoff2[i] = name.off[i] + 4;
    memcpy(namedata2 + 4, name.data, (size_t)name.off[5]);
    cols[1].offsets = nameoff2;
    cols[1].values = namedata2;
    int32_t laboff2[6];
    for (int i = 0; i <= 5; i++) laboff2[i] = laboff[i] + 1;
    const char *lab2[] = {"junk", "A", "B", "C", "D", "E", "F"};
    strcol labels2;
    mkstr(&labels2, &item_s, lab2, 7);
    kida[0] = labels2.a;
    cols[3].offsets = laboff2;
    cols[12].values = rel2;
    cols[12].validity = &relvalid2;
    arw_write_record_batch(&h, &b, 5, cols, NC, codec);
    EMIT();
    arw_write_dictionary_batch(&h, &b, 0, &d0repl.a, false, codec);
    EMIT();
    cols[12].values = rel3;
    cols[12].validity = NULL;
    cols[12].null_count = 0;
    arw_write_record_batch(&h, &b, 5, cols, NC, codec); /* batch 3 */
    EMIT();
    for (int i = 0; i < NC; i++) cols[i].length = 0;
    arw_write_record_batch(&h, &b, 0, cols, NC, codec); /* batch 4: empty */
    EMIT();
#undef EMIT
    uint32_t eos[2] = {0xffffffffu, 0};
    qv_buf_append(out, eos, 8);
    qv_buf_free(&h);
    qv_buf_free(&b);
}

/* Reads a framed stream back with arw_frame_read + our reader; returns the number of record batches. */
static int read_stream(const uint8_t *p, size_t n, int64_t *rows) {
    feeder f;
    fd_init(&f, 0);
    int batches = 0;
    *rows = 0;
    size_t pos = 0;
    for (;;) {
        const uint8_t *h, *b;
        size_t hl, bl, used;
        if (arw_frame_read(p + pos, n - pos, &h, &hl, &b, &bl, &used, &f.err)) fail_msg("%s", f.err.msg);
        pos += used;
        if (!h) break;
        arw_msg_type t;
        if (fd_feed(&f, h, hl, b, bl, &t)) fail_msg("message at %zu: %s", pos, f.err.msg);
        if (t == ARW_MSG_RECORD_BATCH) {
            const arw_batch *bt = arw_reader_batch(f.r);
            batches++;
            *rows += bt->length;
            if (bt->length) {
                assert_dict_str(col(bt, "lbl"), 0, "Person");
                assert_str(col(bt, "name"), 4, "δ");
                const arw_array *l = col(bt, "labels");
                assert_int_equal(list_len(l, 4), 3);
                assert_str(&l->children[0], list_start(l, 4) + 2, "F");
            }
            if (batches == 2) assert_dict_str(col(bt, "rel"), 0, "HATES");
            if (batches == 3) assert_dict_str(col(bt, "rel"), 4, "X");
        }
    }
    assert_int_equal(pos, n);
    fd_free(&f);
    return batches;
}

static void test_stream_for_js(void **state) {
    (void)state;
    const char *dir = getenv("QV_ARROW_IPC_OUT");
    const struct { const char *name; arw_codec codec; } kinds[] = {
        {"plain", ARW_CODEC_NONE}, {"lz4", ARW_CODEC_LZ4_FRAME}, {"zstd", ARW_CODEC_ZSTD}};
    for (int k = 0; k < 3; k++) {
        qv_buf s;
        qv_buf_init(&s);
        build_js_stream(&s, kinds[k].codec);
        int64_t rows;
        assert_int_equal(read_stream(s.data, s.len, &rows), 4);
        assert_int_equal(rows, 15);
        if (dir) {
            char path[512];
            snprintf(path, sizeof path, "%s/quiver_%s.arrows", dir, kinds[k].name);
            FILE *fp = fopen(path, "wb");
            assert_non_null(fp);
            assert_int_equal(fwrite(s.data, 1, s.len, fp), s.len);
            fclose(fp);
        }
        qv_buf_free(&s);
    }
}

/* ---- malformed input -------------------------------------------------------------------------- */

/* A small valid stream: id int64, name utf8, rel dictionary<int32, utf8>, tags list<utf8>. */
typedef struct sample {
    arw_field fields[4], item;
    qv_buf schema, dict_h, dict_b, h, b;
} sample;

static void sample_init(sample *s, arw_codec codec, int32_t rel_index) {
    memset(s, 0, sizeof *s);
    s->fields[0] = fld("id", ARW_INT, 64, true);
    s->fields[1] = fld("name", ARW_UTF8, 0, false);
    s->fields[2] = fld("rel", ARW_UTF8, 0, false);
    s->fields[2].dictionary = true;
    s->fields[2].dict_id = 3;
    s->fields[2].index_bit_width = 32;
    s->fields[2].index_signed = true;
    s->item = fld("item", ARW_UTF8, 0, false);
    s->fields[3] = fld("tags", ARW_LIST, 0, false);
    s->fields[3].children = &s->item;
    s->fields[3].nchildren = 1;
    arw_schema sch = {4, s->fields};
    qv_buf_init(&s->schema);
    qv_buf_init(&s->dict_h);
    qv_buf_init(&s->dict_b);
    qv_buf_init(&s->h);
    qv_buf_init(&s->b);
    arw_write_schema(&s->schema, &sch);
    strcol d, names, items;
    const char *dv[] = {"KNOWS", "LIKES"}, *nv[] = {"ann", "bob", "cy", "dee"}, *iv[] = {"a", "b", "c"};
    mkstr(&d, &s->fields[2], dv, 2);
    arw_write_dictionary_batch(&s->dict_h, &s->dict_b, 3, &d.a, false, codec);
    mkstr(&names, &s->fields[1], nv, 4);
    mkstr(&items, &s->item, iv, 3);
    static const int64_t ids[4] = {1, 2, 3, 4};
    int32_t rel[4] = {0, 1, rel_index, 0};
    static const int32_t toff[5] = {0, 1, 1, 3, 3};
    arw_array cols[4] = {
        {.field = &s->fields[0], .length = 4, .values = ids, .values_len = 32},
        names.a,
        {.field = &s->fields[2], .length = 4, .values = rel, .values_len = 16},
        {.field = &s->fields[3], .length = 4, .offsets = toff, .nchildren = 1, .children = &items.a},
    };
    arw_write_record_batch(&s->h, &s->b, 4, cols, 4, codec);
}

static void sample_free(sample *s) {
    qv_buf_free(&s->schema);
    qv_buf_free(&s->dict_h);
    qv_buf_free(&s->dict_b);
    qv_buf_free(&s->h);
    qv_buf_free(&s->b);
}

/* Feeds schema + dictionary, then the (possibly patched) batch; returns the batch's result. */
static int sample_feed(sample *s, feeder *f) {
    fd_init(f, 0);
    if (fd_feed(f, s->schema.data, s->schema.len, NULL, 0, NULL)) fail_msg("%s", f->err.msg);
    if (fd_feed(f, s->dict_h.data, s->dict_h.len, s->dict_b.data, s->dict_b.len, NULL)) fail_msg("%s", f->err.msg);
    return fd_feed(f, s->h.data, s->h.len, s->b.data, s->b.len, NULL);
}

static void expect_error(sample *s, qv_code code, const char *want1, const char *want2) {
    feeder f;
    if (sample_feed(s, &f) != -1) fail_msg("accepted a malformed message (wanted '%s')", want1);
    assert_int_equal(f.err.code, code);
    if (!strstr(f.err.msg, want1) || (want2 && !strstr(f.err.msg, want2)))
        fail_msg("error '%s' does not mention '%s' / '%s'", f.err.msg, want1, want2 ? want2 : "");
    fd_free(&f);
}

/* The RecordBatch table of a Message we wrote. */
static fb_table rb_table(qv_buf *h) {
    fb_table root, rb;
    bool present;
    qv_err err;
    assert_int_equal(fb_root(h->data, h->len, &root, "Message", &err), 0);
    assert_int_equal(fb_read_table(&root, 2, &rb, &present, "header", &err), 0);
    return rb;
}

/* Byte position in h of element i of RecordBatch vector `slot` (1 = nodes, 2 = buffers). */
static size_t rb_elem(qv_buf *h, unsigned slot, uint32_t i) {
    fb_table rb = rb_table(h);
    fb_vec v;
    bool present;
    qv_err err;
    assert_int_equal(fb_read_vector(&rb, slot, 16, 8, &v, &present, "vec", &err), 0);
    assert_true(i < v.count);
    return v.pos + (size_t)i * 16;
}

static int64_t get64(const uint8_t *p) {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void put64(uint8_t *p, int64_t v) { memcpy(p, &v, 8); }

/* Buffers: 0 id validity, 1 id data, 2 name validity, 3 name offsets, 4 name data, 5 rel validity,
 * 6 rel indices, 7 tags validity, 8 tags offsets, 9 item validity, 10 item offsets, 11 item data. */
static void test_malformed_batches(void **state) {
    (void)state;
    sample s;
    feeder f;

    sample_init(&s, ARW_CODEC_NONE, 1);
    assert_int_equal(sample_feed(&s, &f), 0);
    assert_dict_str(&arw_reader_batch(f.r)->columns[2], 1, "LIKES");
    fd_free(&f);

    /* truncated header */
    s.h.len /= 2;
    expect_error(&s, QV_EINVAL, "malformed flatbuffer", "byte");
    sample_free(&s);

    /* bad vtable offset in the root table */
    sample_init(&s, ARW_CODEC_NONE, 1);
    uint32_t root;
    memcpy(&root, s.h.data, 4);
    int32_t bogus = -0x100000;
    memcpy(s.h.data + root, &bogus, 4);
    expect_error(&s, QV_EINVAL, "vtable offset points outside the buffer", "Message");
    sample_free(&s);

    /* buffer out of range */
    sample_init(&s, ARW_CODEC_NONE, 1);
    put64(s.h.data + rb_elem(&s.h, 2, 1) + 8, (int64_t)s.b.len + 8);
    expect_error(&s, QV_EINVAL, "buffer 1 (data) at body offset 0", "column 'id'");
    put64(s.h.data + rb_elem(&s.h, 2, 1), -8);
    expect_error(&s, QV_EINVAL, "lies outside", NULL);
    sample_free(&s);

    /* data buffer too short for the rows */
    sample_init(&s, ARW_CODEC_NONE, 1);
    put64(s.h.data + rb_elem(&s.h, 2, 1) + 8, 24);
    expect_error(&s, QV_EINVAL, "data buffer is 24 bytes but 4 rows need 32", "column 'id'");
    sample_free(&s);

    /* offsets decreasing */
    sample_init(&s, ARW_CODEC_NONE, 1);
    int64_t off3 = get64(s.h.data + rb_elem(&s.h, 2, 3));
    int32_t *noff = (int32_t *)(s.b.data + off3);
    noff[2] = noff[1] - 1;
    expect_error(&s, QV_EINVAL, "offsets decrease at row 1", "column 'name'");
    noff[2] = noff[1];
    noff[4] = 1000;
    expect_error(&s, QV_EINVAL, "last offset 1000 is past the end", "column 'name'");
    noff[4] = noff[3];
    noff[0] = -1;
    expect_error(&s, QV_EINVAL, "first offset -1 is negative", NULL);
    sample_free(&s);

    /* list offsets pointing past the child */
    sample_init(&s, ARW_CODEC_NONE, 1);
    int32_t *toff = (int32_t *)(s.b.data + get64(s.h.data + rb_elem(&s.h, 2, 8)));
    toff[4] = 7;
    expect_error(&s, QV_EINVAL, "past the end of the 3-item child array", "column 'tags'");
    sample_free(&s);

    /* dictionary index out of range, and negative */
    sample_init(&s, ARW_CODEC_NONE, 2);
    expect_error(&s, QV_EINVAL, "dictionary index 2 at row 2 is out of range", "column 'rel'");
    sample_free(&s);
    sample_init(&s, ARW_CODEC_NONE, -1);
    expect_error(&s, QV_EINVAL, "dictionary index -1 at row 2", NULL);
    sample_free(&s);

    /* null_count without a bitmap, and null_count > length */
    sample_init(&s, ARW_CODEC_NONE, 1);
    put64(s.h.data + rb_elem(&s.h, 1, 0) + 8, 1);
    expect_error(&s, QV_EINVAL, "null_count is 1 but no validity bitmap was sent", "column 'id'");
    put64(s.h.data + rb_elem(&s.h, 1, 0) + 8, 5);
    expect_error(&s, QV_EINVAL, "null_count 5 is not between 0 and the length 4", NULL);
    sample_free(&s);

    /* column length differs from the batch length */
    sample_init(&s, ARW_CODEC_NONE, 1);
    put64(s.h.data + rb_elem(&s.h, 1, 0), 3);
    expect_error(&s, QV_EINVAL, "column 'id': has 3 rows but the batch has 4", NULL);
    sample_free(&s);

    /* fewer nodes / buffers than the schema needs, and more */
    sample_init(&s, ARW_CODEC_NONE, 1);
    {
        fb_table rb = rb_table(&s.h);
        fb_vec v;
        bool present;
        qv_err err;
        assert_int_equal(fb_read_vector(&rb, 2, 16, 8, &v, &present, "b", &err), 0);
        uint32_t n = v.count - 1;
        memcpy(s.h.data + v.pos - 4, &n, 4);
        expect_error(&s, QV_EINVAL, "the message lists 11 buffers, fewer than", "column 'tags.item'");
        assert_int_equal(fb_read_vector(&rb, 1, 16, 8, &v, &present, "n", &err), 0);
        n = v.count - 1;
        memcpy(s.h.data + v.pos - 4, &n, 4);
        expect_error(&s, QV_EINVAL, "field nodes, fewer than", NULL);
    }
    sample_free(&s);

    /* body shorter than declared */
    sample_init(&s, ARW_CODEC_NONE, 1);
    s.b.len -= 8;
    expect_error(&s, QV_EINVAL, "declares a", "bytes arrived");
    sample_free(&s);

    /* unknown message type, Tensor, old metadata version */
    sample_init(&s, ARW_CODEC_NONE, 1);
    {
        fb_table rootm;
        qv_err err;
        assert_int_equal(fb_root(s.h.data, s.h.len, &rootm, "Message", &err), 0);
        size_t tpos = fb_field_pos(&rootm, 1), vpos = fb_field_pos(&rootm, 0);
        s.h.data[tpos] = 9;
        expect_error(&s, QV_EINVAL, "unknown message type 9", NULL);
        s.h.data[tpos] = 4;
        expect_error(&s, QV_EUNIMPL, "Tensor messages are not supported", NULL);
        s.h.data[tpos] = 3;
        s.h.data[vpos] = 2;
        expect_error(&s, QV_EINVAL, "metadata version V3 is too old", NULL);
    }
    sample_free(&s);
}

static void test_malformed_compression(void **state) {
    (void)state;
    for (int codec = 0; codec <= 1; codec++) {
        sample s;
        feeder f;
        sample_init(&s, (arw_codec)codec, 1);
        assert_int_equal(sample_feed(&s, &f), 0);
        assert_true(((const int64_t *)arw_reader_batch(f.r)->columns[0].values)[3] == 4);
        fd_free(&f);

        uint8_t *pre = s.b.data + get64(s.h.data + rb_elem(&s.h, 2, 1)); /* id data: 32 bytes */
        int64_t claimed = get64(pre);
        if (claimed == -1) { /* stored raw: nothing to lie about here */
            sample_free(&s);
            continue;
        }
        assert_int_equal(claimed, 32);
        put64(pre, 40);
        expect_error(&s, QV_EINVAL, "decompresses to 32 bytes but its length prefix claims 40", "column 'id'");
        put64(pre, 16);
        expect_error(&s, QV_EINVAL, "decompresses to more than the 16 bytes", NULL);
        put64(pre, (int64_t)1 << 40);
        expect_error(&s, QV_EINVAL, "claims 1099511627776 uncompressed bytes", codec ? "ZSTD" : "LZ4_FRAME");
        put64(pre, -5);
        expect_error(&s, QV_EINVAL, "negative uncompressed length", NULL);
        put64(pre, 32);
        pre[9] ^= 0x55; /* corrupt the frame header */
        expect_error(&s, QV_EINVAL, "data is corrupt", NULL);
        pre[9] ^= 0x55;

        /* the per-message decompression cap */
        fd_init(&f, 0);
        arw_reader_set_max_decompressed(f.r, 16);
        assert_int_equal(fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL), 0);
        assert_int_equal(fd_feed(&f, s.dict_h.data, s.dict_h.len, s.dict_b.data, s.dict_b.len, NULL), 0);
        assert_int_equal(fd_feed(&f, s.h.data, s.h.len, s.b.data, s.b.len, NULL), -1);
        assert_int_equal(f.err.code, QV_ETOOBIG);
        assert_non_null(strstr(f.err.msg, "16-byte limit"));
        fd_free(&f);

        /* unknown codec */
        fb_table rb = rb_table(&s.h), comp;
        bool present;
        qv_err err;
        assert_int_equal(fb_read_table(&rb, 3, &comp, &present, "c", &err), 0);
        assert_true(present);
        size_t cpos = fb_field_pos(&comp, 0);
        assert_true(cpos != 0);
        s.h.data[cpos] = 7;
        expect_error(&s, QV_EINVAL, "unknown compression codec 7", NULL);
        sample_free(&s);
    }
}

static void test_malformed_stream_order(void **state) {
    (void)state;
    sample s;
    sample_init(&s, ARW_CODEC_NONE, 1);
    feeder f;
    fd_init(&f, 0);
    assert_int_equal(fd_feed(&f, s.h.data, s.h.len, s.b.data, s.b.len, NULL), -1);
    assert_non_null(strstr(f.err.msg, "before the Schema"));
    assert_null(arw_reader_schema(f.r));
    assert_int_equal(fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL), 0);
    assert_int_equal(fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL), -1);
    assert_non_null(strstr(f.err.msg, "second Schema"));
    /* a batch whose dictionary never came */
    assert_int_equal(fd_feed(&f, s.h.data, s.h.len, s.b.data, s.b.len, NULL), -1);
    assert_non_null(strstr(f.err.msg, "column 'rel'"));
    assert_non_null(strstr(f.err.msg, "no DictionaryBatch"));
    assert_null(arw_reader_batch(f.r));
    /* a dictionary for an id nobody uses */
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    strcol d;
    const char *dv[] = {"x"};
    mkstr(&d, &s.fields[2], dv, 1);
    arw_write_dictionary_batch(&h, &b, 99, &d.a, false, ARW_CODEC_NONE);
    assert_int_equal(fd_feed(&f, h.data, h.len, b.data, b.len, NULL), -1);
    assert_non_null(strstr(f.err.msg, "id 99: no schema field uses"));
    fd_free(&f);

    /* two fields sharing a dictionary id must share a value type; a failed Schema leaves the reader
     * ready for a good one */
    arw_field two[2] = {fld("a", ARW_UTF8, 0, false), fld("b", ARW_INT, 64, true)};
    for (int i = 0; i < 2; i++) {
        two[i].dictionary = true;
        two[i].dict_id = 5;
        two[i].index_bit_width = 32;
        two[i].index_signed = true;
    }
    arw_schema bad = {2, two};
    qv_buf_reset(&h);
    arw_write_schema(&h, &bad);
    fd_init(&f, 0);
    assert_int_equal(fd_feed(&f, h.data, h.len, NULL, 0, NULL), -1);
    assert_non_null(strstr(f.err.msg, "'a' (utf8) and 'b' (int64) share dictionary id 5"));
    assert_null(arw_reader_schema(f.r));
    assert_int_equal(fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL), 0);
    assert_int_equal(arw_reader_schema(f.r)->nfields, 4);
    fd_free(&f);
    qv_buf_free(&h);
    qv_buf_free(&b);
    sample_free(&s);
}

/* Schemas built by hand: an unsupported union column, bad parameters, deep nesting, big-endian. */
static void schema_with(qv_buf *out, uint8_t type_type, int32_t int_bits, int nkids_of_list) {
    fb_builder b;
    fb_builder_init(&b);
    fb_ref none = fb_create_vector_refs(&b, NULL, 0);
    fb_ref n1 = fb_create_string(&b, "u", 1);
    fb_table_start(&b);
    if (int_bits) fb_add_i32(&b, 0, int_bits);
    fb_ref type = fb_table_end(&b);
    fb_ref kids[2];
    for (int i = 0; i < nkids_of_list; i++) {
        fb_ref kn = fb_create_string(&b, "item", 4);
        fb_table_start(&b);
        fb_ref kt = fb_table_end(&b);
        fb_table_start(&b);
        fb_add_ref(&b, 0, kn);
        fb_add_u8(&b, 2, 5);
        fb_add_ref(&b, 3, kt);
        fb_add_ref(&b, 5, none);
        kids[i] = fb_table_end(&b);
    }
    fb_ref kv = fb_create_vector_refs(&b, kids, (size_t)nkids_of_list);
    fb_table_start(&b);
    fb_add_ref(&b, 0, n1);
    fb_add_u8(&b, 1, 1);
    fb_add_u8(&b, 2, type_type);
    fb_add_ref(&b, 3, type);
    fb_add_ref(&b, 5, kv);
    fb_ref f1 = fb_table_end(&b);
    fb_ref fields = fb_create_vector_refs(&b, &f1, 1);
    fb_table_start(&b);
    fb_add_ref(&b, 1, fields);
    fb_ref sch = fb_table_end(&b);
    fb_table_start(&b);
    fb_add_i16(&b, 0, 4);
    fb_add_u8(&b, 1, 1);
    fb_add_ref(&b, 2, sch);
    fb_ref msg = fb_table_end(&b);
    fb_finish(&b, msg, out);
    fb_builder_free(&b);
}

static void test_malformed_schemas(void **state) {
    (void)state;
    qv_buf h, bh, bb;
    qv_buf_init(&h);
    qv_buf_init(&bh);
    qv_buf_init(&bb);
    arw_schema s;
    qv_err err;

    /* a union column parses as unsupported; a batch with it fails naming the column */
    schema_with(&h, 14, 0, 0);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), 0);
    assert_int_equal(s.fields[0].kind, ARW_UNSUPPORTED);
    assert_int_equal(s.fields[0].type_id, 14);
    char tn[32];
    arw_type_name(&s.fields[0], tn, sizeof tn);
    assert_string_equal(tn, "union");
    arw_schema_free(&s);
    feeder f;
    fd_init(&f, 0);
    assert_int_equal(fd_feed(&f, h.data, h.len, NULL, 0, NULL), 0);
    arw_field fi = fld("x", ARW_INT, 64, true);
    int64_t one = 1;
    arw_array a = {.field = &fi, .length = 1, .values = &one, .values_len = 8};
    arw_write_record_batch(&bh, &bb, 1, &a, 1, ARW_CODEC_NONE);
    assert_int_equal(fd_feed(&f, bh.data, bh.len, bb.data, bb.len, NULL), -1);
    assert_non_null(strstr(f.err.msg, "column 'u': has type union"));
    fd_free(&f);

    /* decimal: unsupported but fixed width (128 bits) */
    qv_buf_reset(&h);
    schema_with(&h, 7, 0, 0);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), 0);
    assert_int_equal(s.fields[0].type_id, 7);
    assert_int_equal(s.fields[0].bit_width, 128);
    arw_type_name(&s.fields[0], tn, sizeof tn);
    assert_string_equal(tn, "decimal");
    arw_schema_free(&s);

    /* Int of 12 bits */
    qv_buf_reset(&h);
    schema_with(&h, 2, 12, 0);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), -1);
    assert_non_null(strstr(err.msg, "schema field 'u': Int bitWidth 12"));

    /* a list with two children */
    qv_buf_reset(&h);
    schema_with(&h, 12, 0, 2);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), -1);
    assert_non_null(strstr(err.msg, "must have 1 child field, this one has 2"));

    /* type NONE */
    qv_buf_reset(&h);
    schema_with(&h, 0, 0, 0);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), -1);
    assert_non_null(strstr(err.msg, "has no type"));

    /* nesting deeper than the limit */
    enum { DEPTH = 80 };
    arw_field *chain = calloc(DEPTH, sizeof *chain);
    for (int i = 0; i < DEPTH; i++) {
        chain[i] = fld("l", i == DEPTH - 1 ? ARW_INT : ARW_LIST, i == DEPTH - 1 ? 32 : 0, true);
        if (i < DEPTH - 1) {
            chain[i].children = &chain[i + 1];
            chain[i].nchildren = 1;
        }
    }
    arw_schema deep = {1, chain};
    qv_buf_reset(&h);
    arw_write_schema(&h, &deep);
    assert_int_equal(arw_schema_decode(h.data, h.len, &s, &err), -1);
    assert_non_null(strstr(err.msg, "nests deeper than 64 levels"));
    free(chain);

    /* every truncation of a valid schema fails cleanly */
    sample sm;
    sample_init(&sm, ARW_CODEC_NONE, 1);
    for (size_t n = 0; n < sm.schema.len; n++) {
        int rc = arw_schema_decode(sm.schema.data, n, &s, &err);
        if (rc == 0) arw_schema_free(&s);
        else assert_true(err.msg[0] != 0);
    }
    sample_free(&sm);
    qv_buf_free(&h);
    qv_buf_free(&bh);
    qv_buf_free(&bb);
}

/* Flip every byte of every message of a valid stream (and truncate at every length): the reader must
 * accept or reject each variant without reading out of bounds (ASan/UBSan check the rest). */
static void test_mutation_sweep(void **state) {
    (void)state;
    for (int codec = -1; codec <= 1; codec++) {
        sample s;
        sample_init(&s, (arw_codec)codec, 1);
        qv_buf *parts[3][2] = {{&s.schema, NULL}, {&s.dict_h, &s.dict_b}, {&s.h, &s.b}};
        for (int p = 0; p < 3; p++)
            for (int body = 0; body < 2; body++) {
                qv_buf *t = parts[p][body];
                if (!t) continue;
                for (size_t i = 0; i < t->len; i++) {
                    for (int pass = 0; pass < 2; pass++) {
                        uint8_t old = t->data[i];
                        t->data[i] = pass ? (uint8_t)(old ^ 0xff) : (uint8_t)(old + 1);
                        feeder f;
                        fd_init(&f, 0);
                        int ok = !fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL) &&
                                 !fd_feed(&f, s.dict_h.data, s.dict_h.len, s.dict_b.data, s.dict_b.len, NULL) &&
                                 !fd_feed(&f, s.h.data, s.h.len, s.b.data, s.b.len, NULL);
                        if (!ok) assert_true(f.err.msg[0] != 0);
                        fd_free(&f);
                        t->data[i] = old;
                    }
                }
            }
        for (size_t n = 0; n < s.h.len; n++) {
            feeder f;
            fd_init(&f, 0);
            assert_int_equal(fd_feed(&f, s.schema.data, s.schema.len, NULL, 0, NULL), 0);
            assert_int_equal(fd_feed(&f, s.h.data, n, s.b.data, s.b.len, NULL), -1);
            fd_free(&f);
        }
        sample_free(&s);
    }
}

/* ---- framing ---------------------------------------------------------------------------------- */

static void test_framing(void **state) {
    (void)state;
    sample s;
    sample_init(&s, ARW_CODEC_NONE, 1);
    qv_buf out;
    qv_buf_init(&out);
    arw_frame_message(&out, s.schema.data, s.schema.len);
    assert_int_equal(out.len % 8, 0);
    uint32_t marker;
    int32_t len;
    memcpy(&marker, out.data, 4);
    memcpy(&len, out.data + 4, 4);
    assert_true(marker == 0xffffffffu);
    assert_int_equal((size_t)len, out.len - 8);
    arw_frame_message(&out, s.h.data, s.h.len);
    qv_buf_append(&out, s.b.data, s.b.len);
    uint32_t eos[2] = {0xffffffffu, 0};
    qv_buf_append(&out, eos, 8);

    const uint8_t *h, *b;
    size_t hl, bl, used, pos = 0;
    qv_err err;
    assert_int_equal(arw_frame_read(out.data, out.len, &h, &hl, &b, &bl, &used, &err), 0);
    assert_int_equal(bl, 0);
    arw_schema sch;
    assert_int_equal(arw_schema_decode(h, hl, &sch, &err), 0);
    assert_int_equal(sch.nfields, 4);
    arw_schema_free(&sch);
    pos += used;
    assert_int_equal(arw_frame_read(out.data + pos, out.len - pos, &h, &hl, &b, &bl, &used, &err), 0);
    assert_int_equal(bl, s.b.len);
    assert_memory_equal(b, s.b.data, bl);
    pos += used;
    assert_int_equal(arw_frame_read(out.data + pos, out.len - pos, &h, &hl, &b, &bl, &used, &err), 0);
    assert_null(h);
    assert_int_equal(pos + used, out.len);
    /* truncated body */
    assert_int_equal(arw_frame_read(out.data + 0, out.len - 20, &h, &hl, &b, &bl, &used, &err), 0);
    size_t second = used;
    assert_int_equal(arw_frame_read(out.data + second, 16, &h, &hl, &b, &bl, &used, &err), -1);
    assert_non_null(strstr(err.msg, "metadata bytes"));
    /* legacy framing: bare length */
    qv_buf legacy;
    qv_buf_init(&legacy);
    int32_t l = (int32_t)s.schema.len;
    qv_buf_append(&legacy, &l, 4);
    qv_buf_append(&legacy, s.schema.data, s.schema.len);
    assert_int_equal(arw_frame_read(legacy.data, legacy.len, &h, &hl, &b, &bl, &used, &err), 0);
    assert_int_equal(hl, s.schema.len);
    qv_buf_free(&legacy);
    qv_buf_free(&out);
    sample_free(&s);
}

/* ---- throughput (reported, not asserted: the machine is shared) ------------------------------- */

static void test_decode_throughput(void **state) {
    (void)state;
    enum { ROWS = 1 << 20 };
    arw_field fs[3] = {fld("sourceNodeId", ARW_INT, 64, true), fld("targetNodeId", ARW_INT, 64, true),
                       fld("relationshipType", ARW_UTF8, 0, false)};
    fs[2].dictionary = true;
    fs[2].index_bit_width = 32;
    fs[2].index_signed = true;
    int64_t *src = malloc(ROWS * 8), *dst = malloc(ROWS * 8);
    int32_t *typ = malloc(ROWS * 4);
    for (int i = 0; i < ROWS; i++) {
        src[i] = i;
        dst[i] = ((int64_t)i * 7919) % ROWS;
        typ[i] = i % 3;
    }
    arw_array cols[3] = {{.field = &fs[0], .length = ROWS, .values = src, .values_len = ROWS * 8},
                         {.field = &fs[1], .length = ROWS, .values = dst, .values_len = ROWS * 8},
                         {.field = &fs[2], .length = ROWS, .values = typ, .values_len = ROWS * 4}};
    arw_schema sch = {3, fs};
    msgbuf m;
    qv_buf_init(&m.h);
    qv_buf_init(&m.b);
    feeder f;
    fd_init(&f, 0);
    arw_write_schema(&m.h, &sch);
    feed_ok(&f, &m);
    strcol d;
    const char *dv[] = {"A", "B", "C"};
    mkstr(&d, &fs[2], dv, 3);
    arw_write_dictionary_batch(&m.h, &m.b, 0, &d.a, false, ARW_CODEC_NONE);
    feed_ok(&f, &m);
    arw_write_record_batch(&m.h, &m.b, ROWS, cols, 3, ARW_CODEC_NONE);
    struct timespec t0, t1;
    const int reps = 20;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int r = 0; r < reps; r++)
        if (fd_feed(&f, m.h.data, m.h.len, m.b.data, m.b.len, NULL)) fail_msg("%s", f.err.msg);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("    decode: %.1f M rows/s (int64, int64, dictionary<int32> columns, %d-row batches, zero-copy)\n",
           reps * (double)ROWS / s / 1e6, ROWS);
    assert_true(arw_reader_batch(f.r)->columns[0].values == m.b.data); /* aligned body: no copy */
    fd_free(&f);
    qv_buf_free(&m.h);
    qv_buf_free(&m.b);
    free(src);
    free(dst);
    free(typ);
}

/* ---- fuzz seeds (written only when QV_FUZZ_SEEDS_OUT is set) ---------------------------------- */

static void rec(qv_buf *out, const void *p, size_t n) {
    uint32_t l = (uint32_t)n;
    qv_buf_append(out, &l, 4);
    qv_buf_append(out, p, n);
}

static void save(const char *dir, const char *name, const qv_buf *b) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b->data, 1, b->len, fp), b->len);
    fclose(fp);
}

static void test_write_fuzz_seeds(void **state) {
    (void)state;
    const char *dir = getenv("QV_FUZZ_SEEDS_OUT");
    if (!dir) return;
    qv_buf out;
    qv_buf_init(&out);
    for (int codec = -1; codec <= 1; codec++) {
        sample s;
        sample_init(&s, (arw_codec)codec, 1);
        qv_buf_reset(&out);
        qv_buf_append_byte(&out, (uint8_t)((codec + 1) << 2));
        rec(&out, s.schema.data, s.schema.len);
        rec(&out, s.dict_h.data, s.dict_h.len);
        rec(&out, s.dict_b.data, s.dict_b.len);
        rec(&out, s.h.data, s.h.len);
        rec(&out, s.b.data, s.b.len);
        char name[32];
        snprintf(name, sizeof name, "sample_codec%d", codec);
        save(dir, name, &out);
        sample_free(&s);
    }
    fixture x;
    fx_init(&x, 13, true);
    arw_schema sch = {NT, x.f};
    qv_buf h, b;
    qv_buf_init(&h);
    qv_buf_init(&b);
    qv_buf_reset(&out);
    qv_buf_append_byte(&out, 1);
    arw_write_schema(&h, &sch);
    rec(&out, h.data, h.len);
    qv_buf_reset(&h);
    arw_write_record_batch(&h, &b, x.n, x.a, NT, ARW_CODEC_NONE);
    rec(&out, h.data, h.len);
    rec(&out, b.data, b.len);
    save(dir, "all_types", &out);
    fx_free(&x);
    qv_buf_reset(&out);
    qv_buf_append_byte(&out, 2);
    build_js_stream(&out, ARW_CODEC_NONE);
    save(dir, "framed_stream", &out);
    const struct { const char *name; const arw_vector_msg *m; int n; } js[] = {
        {"js_prim", vec_prim, VEC_PRIM_COUNT}, {"js_nested", vec_nested, VEC_NESTED_COUNT},
        {"js_dict", vec_dict, VEC_DICT_COUNT}, {"js_lz4", vec_lz4, VEC_LZ4_COUNT}};
    for (int k = 0; k < 4; k++) {
        qv_buf_reset(&out);
        qv_buf_append_byte(&out, 0);
        rec(&out, js[k].m[0].header, js[k].m[0].header_len);
        for (int i = 1; i < js[k].n; i++) {
            rec(&out, js[k].m[i].header, js[k].m[i].header_len);
            rec(&out, js[k].m[i].body, js[k].m[i].body_len);
        }
        save(dir, js[k].name, &out);
    }
    qv_buf_free(&h);
    qv_buf_free(&b);
    qv_buf_free(&out);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatbuf_roundtrip),
        cmocka_unit_test(test_flatbuf_malformed),
        cmocka_unit_test(test_js_prim),
        cmocka_unit_test(test_js_nested),
        cmocka_unit_test(test_js_dictionary),
        cmocka_unit_test(test_js_lz4),
        cmocka_unit_test(test_js_zstd),
        cmocka_unit_test(test_js_unsupported_types),
        cmocka_unit_test(test_roundtrip_all_types),
        cmocka_unit_test(test_roundtrip_empty_batch),
        cmocka_unit_test(test_compression_sizes),
        cmocka_unit_test(test_writer_normalises_slices),
        cmocka_unit_test(test_null_count_recounted),
        cmocka_unit_test(test_roundtrip_dictionaries),
        cmocka_unit_test(test_dictionary_all_null_before_dictionary),
        cmocka_unit_test(test_stream_for_js),
        cmocka_unit_test(test_malformed_batches),
        cmocka_unit_test(test_malformed_compression),
        cmocka_unit_test(test_malformed_stream_order),
        cmocka_unit_test(test_malformed_schemas),
        cmocka_unit_test(test_mutation_sweep),
        cmocka_unit_test(test_framing),
        cmocka_unit_test(test_decode_throughput),
        cmocka_unit_test(test_write_fuzz_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
