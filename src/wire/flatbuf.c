/* flatbuf.c — the bounds-checked FlatBuffers reader and the back-to-front builder (see flatbuf.h).
 * Owns the byte-level rules of the format. Reading never allocates and never trusts an offset before
 * checking it against the buffer length; building asserts only on programming errors (too many slots,
 * tables over 64 KiB). Must not: know what any table means (arrow_ipc*.c does). */
#include "wire/flatbuf.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* ---- reading ---------------------------------------------------------------------------------- */

static int bad(qv_err *err, const char *what, size_t at, const char *why) {
    return qv_err_set(err, QV_EINVAL, "malformed flatbuffer: %s at byte %zu: %s", what, at, why);
}

/* Validates the table whose soffset is at `pos` and fills *t. */
static int table_at(const uint8_t *buf, size_t len, size_t pos, fb_table *t, const char *what,
                    qv_err *err) {
    if (pos > len || len - pos < 4) return bad(err, what, pos, "table starts past the end of the buffer");
    if (pos & 3) return bad(err, what, pos, "table is not 4-byte aligned");
    int32_t soff;
    memcpy(&soff, buf + pos, 4);
    int64_t vt = (int64_t)pos - (int64_t)soff;
    if (vt < 0 || (uint64_t)vt > len - 4)
        return bad(err, what, pos, "vtable offset points outside the buffer");
    if (vt & 1) return bad(err, what, pos, "vtable is not 2-byte aligned");
    size_t vtlen = fb_load_u16(buf + vt), objlen = fb_load_u16(buf + vt + 2);
    if (vtlen < 4 || (vtlen & 1) || vtlen > len - (size_t)vt)
        return bad(err, what, (size_t)vt, "vtable size is invalid or runs past the end of the buffer");
    if (objlen < 4 || objlen > len - pos)
        return bad(err, what, pos, "table size is invalid or runs past the end of the buffer");
    t->buf = buf;
    t->len = len;
    t->pos = pos;
    t->vt = (size_t)vt;
    t->vtlen = vtlen;
    t->objlen = objlen;
    return 0;
}

int fb_root(const uint8_t *buf, size_t len, fb_table *root, const char *what, qv_err *err) {
    if (!buf || len < 8)
        return qv_err_set(err, QV_EINVAL, "malformed flatbuffer: %s is %zu bytes, too short to hold a table",
                          what, buf ? len : 0);
    if (len > FB_MAX_BUFFER)
        return qv_err_set(err, QV_EINVAL, "malformed flatbuffer: %s is %zu bytes, over the 2 GiB limit", what,
                          len);
    uint32_t at = fb_load_u32(buf);
    if (at == 0 || at > 0x7fffffffu) return bad(err, what, 0, "root offset is zero or negative");
    return table_at(buf, len, at, root, what, err);
}

size_t fb_field_pos(const fb_table *t, unsigned slot) {
    size_t e = 4 + 2 * (size_t)slot;
    if (e + 2 > t->vtlen) return 0;
    size_t fo = fb_load_u16(t->buf + t->vt + e);
    return fo ? t->pos + fo : 0;
}

/* Position of a present field of `size` bytes, checked to lie inside its table and be aligned;
 * 0 when absent, (size_t)-1 on error. */
static size_t field_at(const fb_table *t, unsigned slot, size_t size, const char *what, qv_err *err) {
    size_t pos = fb_field_pos(t, slot);
    if (!pos) return 0;
    if (pos - t->pos + size > t->objlen) {
        bad(err, what, pos, "field runs past the end of its table");
        return (size_t)-1;
    }
    if (pos & (size - 1)) {
        bad(err, what, pos, "field is not aligned to its size");
        return (size_t)-1;
    }
    return pos;
}

#define FB_READ_SCALAR(fname, type)                                                                     \
    int fname(const fb_table *t, unsigned slot, type def, type *out, const char *what, qv_err *err) {   \
        size_t pos = field_at(t, slot, sizeof(type), what, err);                                        \
        if (pos == (size_t)-1) return -1;                                                               \
        if (!pos) {                                                                                     \
            *out = def;                                                                                 \
            return 0;                                                                                   \
        }                                                                                               \
        memcpy(out, t->buf + pos, sizeof(type));                                                        \
        return 0;                                                                                       \
    }

FB_READ_SCALAR(fb_read_u8, uint8_t)
FB_READ_SCALAR(fb_read_i8, int8_t)
FB_READ_SCALAR(fb_read_i16, int16_t)
FB_READ_SCALAR(fb_read_i32, int32_t)
FB_READ_SCALAR(fb_read_i64, int64_t)

int fb_read_bool(const fb_table *t, unsigned slot, bool def, bool *out, const char *what, qv_err *err) {
    uint8_t v;
    if (fb_read_u8(t, slot, def ? 1 : 0, &v, what, err)) return -1;
    *out = v != 0;
    return 0;
}

/* Follows the uoffset stored at field `slot`; *target = 0 when absent. */
static int follow(const fb_table *t, unsigned slot, size_t *target, const char *what, qv_err *err) {
    size_t pos = field_at(t, slot, 4, what, err);
    if (pos == (size_t)-1) return -1;
    if (!pos) {
        *target = 0;
        return 0;
    }
    uint32_t uo = fb_load_u32(t->buf + pos);
    uint64_t to = (uint64_t)pos + uo;
    if (uo == 0 || uo > 0x7fffffffu) return bad(err, what, pos, "offset is zero or negative");
    if (to >= t->len) return bad(err, what, pos, "offset points past the end of the buffer");
    *target = (size_t)to;
    return 0;
}

int fb_read_table(const fb_table *t, unsigned slot, fb_table *out, bool *present, const char *what,
                  qv_err *err) {
    size_t to = 0;
    *present = false;
    if (follow(t, slot, &to, what, err)) return -1;
    if (!to) return 0;
    if (table_at(t->buf, t->len, to, out, what, err)) return -1;
    *present = true;
    return 0;
}

static int vector_at(const uint8_t *buf, size_t len, size_t to, size_t elem_size, size_t elem_align,
                     fb_vec *out, const char *what, qv_err *err) {
    if (to & 3) return bad(err, what, to, "vector is not 4-byte aligned");
    if (len - to < 4) return bad(err, what, to, "vector length runs past the end of the buffer");
    uint32_t count = fb_load_u32(buf + to);
    size_t first = to + 4;
    if ((uint64_t)count * elem_size > len - first)
        return bad(err, what, to, "vector elements run past the end of the buffer");
    if (count && elem_align > 1 && (first & (elem_align - 1)))
        return bad(err, what, first, "vector elements are misaligned");
    out->buf = buf;
    out->len = len;
    out->pos = first;
    out->count = count;
    out->elem = elem_size;
    return 0;
}

int fb_read_vector(const fb_table *t, unsigned slot, size_t elem_size, size_t elem_align, fb_vec *out,
                   bool *present, const char *what, qv_err *err) {
    size_t to = 0;
    *present = false;
    out->count = 0;
    if (follow(t, slot, &to, what, err)) return -1;
    if (!to) return 0;
    if (vector_at(t->buf, t->len, to, elem_size, elem_align, out, what, err)) return -1;
    *present = true;
    return 0;
}

int fb_read_string(const fb_table *t, unsigned slot, const char **s, size_t *n, bool *present,
                   const char *what, qv_err *err) {
    fb_vec v = {0};
    *s = "";
    *n = 0;
    if (fb_read_vector(t, slot, 1, 1, &v, present, what, err)) return -1;
    if (!*present) return 0;
    if (v.pos + v.count >= v.len || v.buf[v.pos + v.count] != 0)
        return bad(err, what, v.pos - 4, "string is not NUL-terminated inside the buffer");
    *s = (const char *)v.buf + v.pos;
    *n = v.count;
    return 0;
}

int fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out, const char *what, qv_err *err) {
    size_t at = v->pos + (size_t)i * 4;
    uint32_t uo = fb_load_u32(v->buf + at);
    uint64_t to = (uint64_t)at + uo;
    if (uo == 0 || uo > 0x7fffffffu) return bad(err, what, at, "offset is zero or negative");
    if (to >= v->len) return bad(err, what, at, "offset points past the end of the buffer");
    return table_at(v->buf, v->len, (size_t)to, out, what, err);
}

/* ---- building --------------------------------------------------------------------------------- */

void fb_builder_init(fb_builder *b) {
    memset(b, 0, sizeof *b);
    b->minalign = 1;
}

void fb_builder_free(fb_builder *b) {
    free(b->buf);
    fb_builder_init(b);
}

void fb_builder_reset(fb_builder *b) {
    b->size = 0;
    b->minalign = 1;
    b->in_table = false;
}

static void grow(fb_builder *b, size_t need) {
    if (b->cap - b->size >= need) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->size < need) cap *= 2;
    uint8_t *nb = qv_malloc(cap);
    if (b->size) memcpy(nb + cap - b->size, b->buf + b->cap - b->size, b->size);
    free(b->buf);
    b->buf = nb;
    b->cap = cap;
}

static void push(fb_builder *b, const void *p, size_t n) {
    grow(b, n);
    b->size += n;
    memcpy(b->buf + b->cap - b->size, p, n);
}

static void push_zeros(fb_builder *b, size_t n) {
    grow(b, n);
    b->size += n;
    memset(b->buf + b->cap - b->size, 0, n);
}

/* Pads so that after `extra` more bytes the size is a multiple of `align` (a power of two). */
static void prealign(fb_builder *b, size_t extra, size_t align) {
    if (align > b->minalign) b->minalign = align;
    size_t pad = (size_t)(-(b->size + extra)) & (align - 1);
    if (pad) push_zeros(b, pad);
}

static void push_uoffset(fb_builder *b, fb_ref r) {
    prealign(b, 4, 4);
    uint32_t v = (uint32_t)(b->size + 4 - r);
    push(b, &v, 4);
}

fb_ref fb_create_string(fb_builder *b, const char *s, size_t n) {
    assert(!b->in_table);
    prealign(b, n + 1, 4);
    push_zeros(b, 1);
    if (n) push(b, s, n);
    uint32_t count = (uint32_t)n;
    push(b, &count, 4);
    return (fb_ref)b->size;
}

fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t n) {
    assert(!b->in_table);
    prealign(b, 4 * n, 4);
    for (size_t i = n; i-- > 0;) push_uoffset(b, refs[i]);
    uint32_t count = (uint32_t)n;
    push(b, &count, 4);
    return (fb_ref)b->size;
}

fb_ref fb_create_vector_raw(fb_builder *b, const void *elems, size_t n, size_t elem_size, size_t align) {
    assert(!b->in_table);
    prealign(b, n * elem_size, 4);
    prealign(b, n * elem_size, align);
    if (n) push(b, elems, n * elem_size);
    uint32_t count = (uint32_t)n;
    push(b, &count, 4);
    return (fb_ref)b->size;
}

void fb_table_start(fb_builder *b) {
    assert(!b->in_table);
    b->in_table = true;
    b->table_start = b->size;
    b->nslots = 0;
    memset(b->slots, 0, sizeof b->slots);
}

static void add_scalar(fb_builder *b, unsigned slot, const void *v, size_t n) {
    assert(b->in_table && slot < FB_MAX_SLOTS);
    prealign(b, n, n);
    push(b, v, n);
    b->slots[slot] = (fb_ref)b->size;
    if (slot + 1 > b->nslots) b->nslots = slot + 1;
}

void fb_add_u8(fb_builder *b, unsigned slot, uint8_t v) { add_scalar(b, slot, &v, 1); }
void fb_add_i16(fb_builder *b, unsigned slot, int16_t v) { add_scalar(b, slot, &v, 2); }
void fb_add_i32(fb_builder *b, unsigned slot, int32_t v) { add_scalar(b, slot, &v, 4); }
void fb_add_i64(fb_builder *b, unsigned slot, int64_t v) { add_scalar(b, slot, &v, 8); }

void fb_add_ref(fb_builder *b, unsigned slot, fb_ref r) {
    assert(b->in_table && slot < FB_MAX_SLOTS);
    push_uoffset(b, r);
    b->slots[slot] = (fb_ref)b->size;
    if (slot + 1 > b->nslots) b->nslots = slot + 1;
}

fb_ref fb_table_end(fb_builder *b) {
    assert(b->in_table);
    prealign(b, 4, 4);
    int32_t placeholder = 0;
    push(b, &placeholder, 4);
    fb_ref obj = (fb_ref)b->size;
    size_t objlen = obj - b->table_start;
    size_t vtlen = 4 + 2 * (size_t)b->nslots;
    assert(objlen <= 0xffff);
    uint16_t vt[2 + FB_MAX_SLOTS];
    vt[0] = (uint16_t)vtlen;
    vt[1] = (uint16_t)objlen;
    for (unsigned k = 0; k < b->nslots; k++) vt[2 + k] = b->slots[k] ? (uint16_t)(obj - b->slots[k]) : 0;
    push(b, vt, vtlen);
    int32_t soff = (int32_t)(b->size - obj);
    memcpy(b->buf + b->cap - obj, &soff, 4);
    b->in_table = false;
    return obj;
}

void fb_finish(fb_builder *b, fb_ref root, qv_buf *out) {
    assert(!b->in_table);
    prealign(b, 4, b->minalign > 4 ? b->minalign : 4);
    push_uoffset(b, root);
    qv_buf_append(out, b->buf + b->cap - b->size, b->size);
}
