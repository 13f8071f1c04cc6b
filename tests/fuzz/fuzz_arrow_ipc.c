/* fuzz_arrow_ipc.c — libFuzzer target for the Arrow IPC reader (src/wire/arrow_ipc*.c, flatbuf.c).
 *
 * Input: one flag byte, then records of [u32 little-endian length][bytes]. Record 0 is a Schema
 * header (also given to arw_schema_decode); after it records alternate header, body, header, body...
 * Flag bit 0 feeds bodies from an odd address (the copy path); bit 1 instead treats everything after
 * the flag byte as an encapsulated stream read with arw_frame_read.
 * After every decoded batch the target reads every value the API promises is readable (so ASan sees
 * any range the reader failed to check), then re-encodes the batch with the writer and requires a
 * second reader to accept it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/arrow_ipc.h"

static volatile uint64_t sink;

static void touch(const arw_array *a, int64_t n);

static void touch_range(const arw_array *a, int64_t first, int64_t n) {
    const arw_field *f = a->field;
    if (n <= 0) return;
    if (a->validity) sink += a->validity[(first + n - 1) >> 3] + a->validity[first >> 3];
    if (f->dictionary) {
        int w = f->index_bit_width / 8;
        for (int64_t i = first; i < first + n; i++) {
            if (!arw_is_valid(a, i)) continue;
            int64_t k;
            switch (w) {
            case 1: k = f->index_signed ? ((const int8_t *)a->values)[i] : ((const uint8_t *)a->values)[i]; break;
            case 2: k = f->index_signed ? ((const int16_t *)a->values)[i] : ((const uint16_t *)a->values)[i]; break;
            case 4: k = f->index_signed ? ((const int32_t *)a->values)[i] : (int64_t)((const uint32_t *)a->values)[i]; break;
            default: k = ((const int64_t *)a->values)[i]; break;
            }
            if (k < 0 || k >= a->dict->length) abort(); /* the reader promised indices are in range */
            touch_range(a->dict, k, 1);
        }
        return;
    }
    switch (f->kind) {
    case ARW_INT:
    case ARW_FLOAT: sink += ((const uint8_t *)a->values)[(first + n) * (f->bit_width / 8) - 1]; break;
    case ARW_BOOL: sink += ((const uint8_t *)a->values)[(first + n - 1) >> 3]; break;
    case ARW_UTF8:
    case ARW_BINARY:
    case ARW_LARGE_UTF8:
    case ARW_LARGE_BINARY: {
        bool wide = f->kind == ARW_LARGE_UTF8 || f->kind == ARW_LARGE_BINARY;
        int64_t s = wide ? ((const int64_t *)a->offsets)[first] : ((const int32_t *)a->offsets)[first];
        int64_t e = wide ? ((const int64_t *)a->offsets)[first + n] : ((const int32_t *)a->offsets)[first + n];
        if (s < 0 || e < s || (uint64_t)e > a->values_len) abort();
        if (e > s) sink += ((const uint8_t *)a->values)[s] + ((const uint8_t *)a->values)[e - 1];
        break;
    }
    case ARW_LIST:
    case ARW_LARGE_LIST: {
        bool wide = f->kind == ARW_LARGE_LIST;
        int64_t s = wide ? ((const int64_t *)a->offsets)[first] : ((const int32_t *)a->offsets)[first];
        int64_t e = wide ? ((const int64_t *)a->offsets)[first + n] : ((const int32_t *)a->offsets)[first + n];
        if (s < 0 || e < s || e > a->children[0].length) abort();
        touch_range(&a->children[0], s, e - s);
        break;
    }
    case ARW_FIXED_SIZE_LIST: touch_range(&a->children[0], first * f->list_size, n * f->list_size); break;
    case ARW_STRUCT:
        for (int i = 0; i < a->nchildren; i++) touch_range(&a->children[i], first, n);
        break;
    default: break;
    }
}

static void touch(const arw_array *a, int64_t n) { touch_range(a, 0, n); }

static bool has_unsupported(const arw_field *f) {
    if (f->kind == ARW_UNSUPPORTED) return true;
    for (int i = 0; i < f->nchildren; i++)
        if (has_unsupported(&f->children[i])) return true;
    return false;
}

/* Writes each dictionary the batch needs as a DictionaryBatch (replacements are fine). An all-null
 * dictionary column needs none, and its dictionary may never have arrived. */
static void write_dicts(const arw_array *a, qv_buf *out_h, qv_buf *out_b, arw_reader *r2) {
    if (a->field->dictionary && a->dict && a->null_count < a->length) {
        qv_buf_reset(out_h);
        qv_buf_reset(out_b);
        arw_write_dictionary_batch(out_h, out_b, a->field->dict_id, a->dict, false, ARW_CODEC_NONE);
        arw_msg_type t;
        qv_err err;
        if (arw_reader_feed(r2, out_h->data, out_h->len, out_b->data, out_b->len, &t, &err)) {
            fprintf(stderr, "re-encoded dictionary rejected: %s\n", err.msg);
            abort();
        }
    }
    for (int i = 0; i < a->nchildren; i++) write_dicts(&a->children[i], out_h, out_b, r2);
}

/* Our writer's output for an accepted batch must be accepted by a fresh reader. */
static void reencode(const arw_schema *s, const arw_batch *b, int codec) {
    for (int i = 0; i < s->nfields; i++)
        if (has_unsupported(&s->fields[i])) return;
    arw_reader *r2 = arw_reader_new();
    qv_buf h, body;
    qv_buf_init(&h);
    qv_buf_init(&body);
    qv_err err;
    arw_msg_type t;
    arw_write_schema(&h, s);
    if (arw_reader_feed(r2, h.data, h.len, NULL, 0, &t, &err)) {
        fprintf(stderr, "re-encoded schema rejected: %s\n", err.msg);
        abort();
    }
    for (int i = 0; i < b->ncolumns; i++) write_dicts(&b->columns[i], &h, &body, r2);
    qv_buf_reset(&h);
    qv_buf_reset(&body);
    arw_write_record_batch(&h, &body, b->length, b->columns, b->ncolumns, (arw_codec)codec);
    if (arw_reader_feed(r2, h.data, h.len, body.data, body.len, &t, &err)) {
        fprintf(stderr, "re-encoded batch rejected: %s\n", err.msg);
        abort();
    }
    qv_buf_free(&h);
    qv_buf_free(&body);
    arw_reader_free(r2);
}

static void after_feed(arw_reader *r, arw_msg_type t, int codec) {
    const arw_schema *s = arw_reader_schema(r);
    char name[256];
    if (t == ARW_MSG_SCHEMA)
        for (int i = 0; i < s->nfields; i++) arw_type_name(&s->fields[i], name, sizeof name);
    if (t != ARW_MSG_RECORD_BATCH) return;
    const arw_batch *b = arw_reader_batch(r);
    for (int i = 0; i < b->ncolumns; i++) touch(&b->columns[i], b->length);
    reencode(s, b, codec);
}

static int next_record(const uint8_t **p, size_t *n, const uint8_t **rec, size_t *len) {
    if (*n < 4) return 0;
    uint32_t l;
    memcpy(&l, *p, 4);
    *p += 4;
    *n -= 4;
    if (l > *n) l = (uint32_t)*n;
    *rec = *p;
    *len = l;
    *p += l;
    *n -= l;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    uint8_t flags = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    int codec = (flags >> 2) % 3 - 1;
    arw_reader *r = arw_reader_new();
    arw_reader_set_max_decompressed(r, (uint64_t)16 << 20);
    qv_err err;
    arw_msg_type t;

    if (flags & 2) {
        size_t pos = 0;
        while (pos < n) {
            const uint8_t *h, *b;
            size_t hl, bl, used;
            if (arw_frame_read(p + pos, n - pos, &h, &hl, &b, &bl, &used, &err) || !h) break;
            pos += used;
            if (arw_reader_feed(r, h, hl, b, bl, &t, &err) == 0) after_feed(r, t, codec);
        }
        arw_reader_free(r);
        return 0;
    }

    const uint8_t *rec;
    size_t len;
    if (!next_record(&p, &n, &rec, &len)) {
        arw_reader_free(r);
        return 0;
    }
    arw_schema s;
    if (arw_schema_decode(rec, len, &s, &err) == 0) arw_schema_free(&s);
    if (arw_reader_feed(r, rec, len, NULL, 0, &t, &err) == 0) after_feed(r, t, codec);

    uint8_t *copy = NULL;
    const uint8_t *h;
    size_t hl;
    while (next_record(&p, &n, &h, &hl)) {
        const uint8_t *b = NULL;
        size_t bl = 0;
        next_record(&p, &n, &b, &bl);
        free(copy);
        copy = NULL;
        if ((flags & 1) && bl) {
            copy = malloc(bl + 1);
            memcpy(copy + 1, b, bl);
            b = copy + 1;
        }
        if (arw_reader_feed(r, h, hl, b, bl, &t, &err) == 0) after_feed(r, t, codec);
    }
    free(copy);
    arw_reader_free(r);
    return 0;
}
