/* arrow_ipc_dict.c — dictionary values kept by the reader between messages.
 *
 * Owns: arw_owned, a growable copy of an array tree in reader-owned memory. A DictionaryBatch's values
 * point into the caller's body, which is gone after the feed, so they are copied here; a replacement
 * dictionary clears and copies, a delta appends (offsets rebased, bitmaps shifted). Copies are
 * normalised: offsets start at 0 and children hold only the referenced range. Must not: parse
 * messages or validate untrusted data (the arrays it copies were already checked by the reader).
 */
#include "wire/arrow_ipc_int.h"

#include <stdlib.h>
#include <string.h>

void arw_owned_init(arw_owned *o, const arw_field *f) {
    memset(o, 0, sizeof *o);
    qv_buf_init(&o->validity);
    qv_buf_init(&o->offsets);
    qv_buf_init(&o->values);
    o->nchildren = f->nchildren;
    if (f->nchildren) o->children = qv_calloc((size_t)f->nchildren, sizeof *o->children);
    for (int i = 0; i < f->nchildren; i++) arw_owned_init(&o->children[i], &f->children[i]);
}

void arw_owned_free(arw_owned *o) {
    for (int i = 0; i < o->nchildren; i++) arw_owned_free(&o->children[i]);
    free(o->children);
    qv_buf_free(&o->validity);
    qv_buf_free(&o->offsets);
    qv_buf_free(&o->values);
    memset(o, 0, sizeof *o);
}

void arw_owned_clear(arw_owned *o) {
    for (int i = 0; i < o->nchildren; i++) arw_owned_clear(&o->children[i]);
    qv_buf_reset(&o->validity);
    qv_buf_reset(&o->offsets);
    qv_buf_reset(&o->values);
    o->length = o->null_count = 0;
}

/* The [first, last) range of child rows (or data bytes) that rows [off, off + n) of src reference. */
static void span(const arw_array *src, bool wide, int64_t off, int64_t n, int64_t *first, int64_t *last) {
    if (wide) {
        const int64_t *s = src->offsets;
        *first = s[off];
        *last = s[off + n];
    } else {
        const int32_t *s = src->offsets;
        *first = s[off];
        *last = s[off + n];
    }
}

int arw_owned_can_append(const arw_owned *o, const arw_field *f, const arw_array *src, int64_t off, int64_t n,
                         qv_err *err) {
    int w;
    int64_t a, b;
    arw_layout lay = arw_field_layout(f, true, &w);
    switch (lay) {
    case ARW_LAY_VAR32:
        span(src, false, off, n, &a, &b);
        if ((int64_t)o->values.len + (b - a) > INT32_MAX)
            return qv_err_set(err, QV_ETOOBIG, "dictionary '%s' would hold more than 2 GiB of data", f->name);
        return 0;
    case ARW_LAY_LIST32:
    case ARW_LAY_LIST64:
        span(src, lay == ARW_LAY_LIST64, off, n, &a, &b);
        if (lay == ARW_LAY_LIST32 && o->children[0].length + (b - a) > INT32_MAX)
            return qv_err_set(err, QV_ETOOBIG, "dictionary '%s' would hold more than 2^31 list items", f->name);
        return arw_owned_can_append(&o->children[0], &f->children[0], &src->children[0], a, b - a, err);
    case ARW_LAY_FSL:
        return arw_owned_can_append(&o->children[0], &f->children[0], &src->children[0], off * f->list_size,
                                    n * f->list_size, err);
    case ARW_LAY_STRUCT:
        for (int i = 0; i < f->nchildren; i++)
            if (arw_owned_can_append(&o->children[i], &f->children[i], &src->children[i], off, n, err)) return -1;
        return 0;
    default: return 0;
    }
}

/* Grows a bitmap buffer to hold nbits, zero-filling new bytes. */
static uint8_t *bits_room(qv_buf *b, int64_t nbits) {
    size_t need = (size_t)((nbits + 7) >> 3);
    if (b->len < need) memset(qv_buf_extend(b, need - b->len), 0, need - b->len);
    return b->data;
}

static void append_offsets(arw_owned *o, const arw_array *src, bool wide, int64_t off, int64_t n) {
    if (wide) {
        if (!o->offsets.len) memset(qv_buf_extend(&o->offsets, 8), 0, 8);
        int64_t base;
        memcpy(&base, o->offsets.data + o->offsets.len - 8, 8);
        const int64_t *s = (const int64_t *)src->offsets + off;
        int64_t *d = (int64_t *)qv_buf_extend(&o->offsets, (size_t)n * 8);
        for (int64_t i = 0; i < n; i++) d[i] = base + (s[i + 1] - s[0]);
    } else {
        if (!o->offsets.len) memset(qv_buf_extend(&o->offsets, 4), 0, 4);
        int32_t base;
        memcpy(&base, o->offsets.data + o->offsets.len - 4, 4);
        const int32_t *s = (const int32_t *)src->offsets + off;
        int32_t *d = (int32_t *)qv_buf_extend(&o->offsets, (size_t)n * 4);
        for (int64_t i = 0; i < n; i++) d[i] = base + (s[i + 1] - s[0]);
    }
}

void arw_owned_append(arw_owned *o, const arw_field *f, const arw_array *src, int64_t off, int64_t n) {
    int w;
    arw_layout lay = arw_field_layout(f, true, &w);
    int64_t nulls = 0;
    if (lay == ARW_LAY_NONE) {
        o->length += n;
        o->null_count += n;
        return;
    }
    if (src->validity && n) nulls = n - arw_bits_count(src->validity, off, n);
    if (nulls || o->validity.len) {
        bool fresh = !o->validity.len;
        uint8_t *v = bits_room(&o->validity, o->length + n);
        if (fresh) arw_bits_fill(v, 0, o->length, true);
        if (src->validity) arw_bits_copy(v, o->length, src->validity, off, n);
        else arw_bits_fill(v, o->length, n, true);
    }
    int64_t a, b;
    switch (lay) {
    case ARW_LAY_FIXED:
        qv_buf_append(&o->values, (const uint8_t *)src->values + off * (w / 8), (size_t)(n * (w / 8)));
        break;
    case ARW_LAY_BITS:
        arw_bits_copy(bits_room(&o->values, o->length + n), o->length, src->values, off, n);
        break;
    case ARW_LAY_VAR32:
    case ARW_LAY_VAR64:
        span(src, lay == ARW_LAY_VAR64, off, n, &a, &b);
        append_offsets(o, src, lay == ARW_LAY_VAR64, off, n);
        qv_buf_append(&o->values, (const uint8_t *)src->values + a, (size_t)(b - a));
        break;
    case ARW_LAY_LIST32:
    case ARW_LAY_LIST64:
        span(src, lay == ARW_LAY_LIST64, off, n, &a, &b);
        append_offsets(o, src, lay == ARW_LAY_LIST64, off, n);
        arw_owned_append(&o->children[0], &f->children[0], &src->children[0], a, b - a);
        break;
    case ARW_LAY_FSL:
        arw_owned_append(&o->children[0], &f->children[0], &src->children[0], off * f->list_size,
                         n * f->list_size);
        break;
    case ARW_LAY_STRUCT:
        for (int i = 0; i < f->nchildren; i++)
            arw_owned_append(&o->children[i], &f->children[i], &src->children[i], off, n);
        break;
    case ARW_LAY_NONE:
    case ARW_LAY_OPAQUE: break;
    }
    o->length += n;
    o->null_count += nulls;
}

void arw_owned_view(const arw_owned *o, const arw_field *f, arw_array *out, arw_array **pool) {
    int w;
    arw_layout lay = arw_field_layout(f, true, &w);
    memset(out, 0, sizeof *out);
    out->field = f;
    out->length = o->length;
    out->null_count = o->null_count;
    if (o->null_count && o->validity.len && lay != ARW_LAY_NONE) out->validity = o->validity.data;
    if (lay == ARW_LAY_VAR32 || lay == ARW_LAY_VAR64 || lay == ARW_LAY_LIST32 || lay == ARW_LAY_LIST64)
        out->offsets = o->offsets.len ? (const void *)o->offsets.data : (const void *)arw_zero_block;
    if (lay != ARW_LAY_NONE && lay != ARW_LAY_LIST32 && lay != ARW_LAY_LIST64 && lay != ARW_LAY_FSL &&
        lay != ARW_LAY_STRUCT) {
        out->values = o->values.len ? (const void *)o->values.data : (const void *)arw_zero_block;
        out->values_len = o->values.len;
    }
    out->nchildren = o->nchildren;
    if (!o->nchildren) return;
    out->children = *pool;
    *pool += o->nchildren;
    for (int i = 0; i < o->nchildren; i++) arw_owned_view(&o->children[i], &f->children[i], &out->children[i], pool);
}
