/* flatbuf.h — a minimal, bounds-checked FlatBuffers reader and a back-to-front FlatBuffers builder.
 *
 * Owns: the FlatBuffers binary format (root offset, tables with vtables, vectors, strings, unions as a
 * type slot plus a table slot). The reader treats every buffer as untrusted: each access checks that the
 * object lies inside the buffer and is aligned relative to the buffer start (as the flatbuffers Verifier
 * does), reads with memcpy (the buffer itself may sit at any address), and reports the byte offset. It
 * never recurses, so nesting depth and object counts are bounded by the caller that walks the tree.
 * The builder emits buffers the reference Verifier accepts: aligned scalars, vectors and structs, one
 * vtable per table, forward (unsigned) offsets only, total size a multiple of the largest alignment.
 * Must not: know any schema (Arrow's tables live in arrow_ipc*), or allocate while reading.
 * Assumes a little-endian host, as FlatBuffers' wire format is little-endian.
 */
#ifndef QV_FLATBUF_H
#define QV_FLATBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "quiver's flatbuffer code assumes a little-endian host"
#endif

/* Largest buffer accepted (the FlatBuffers limit: offsets are 32-bit). */
#define FB_MAX_BUFFER ((size_t)0x7fffffff)

/* ---- reading ---------------------------------------------------------------------------------- */

typedef struct fb_table {
    const uint8_t *buf;
    size_t len;
    size_t pos;     /* the table's first byte (its soffset to the vtable) */
    size_t vt;      /* the vtable's first byte */
    size_t vtlen;   /* vtable size in bytes (4 + 2 * slots) */
    size_t objlen;  /* table size in bytes, as the vtable declares it */
} fb_table;

typedef struct fb_vec {
    const uint8_t *buf;
    size_t len;
    size_t pos;     /* the first element (just after the 32-bit count) */
    uint32_t count;
    size_t elem;    /* element size in bytes */
} fb_vec;

/* Little-endian loads from any address. */
static inline uint16_t fb_load_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t fb_load_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline int64_t fb_load_i64(const uint8_t *p) { int64_t v; memcpy(&v, p, 8); return v; }

/* The root table of a finished buffer. `what` names the object in error messages ("Message"). */
int fb_root(const uint8_t *buf, size_t len, fb_table *root, const char *what, qv_err *err);

/* Byte position of a table field, or 0 when the field is absent (vtable too short or entry 0). */
size_t fb_field_pos(const fb_table *t, unsigned slot);
static inline bool fb_has(const fb_table *t, unsigned slot) { return fb_field_pos(t, slot) != 0; }

/* Scalar fields: *out = the stored value, or `def` when the field is absent. */
int fb_read_u8(const fb_table *t, unsigned slot, uint8_t def, uint8_t *out, const char *what, qv_err *err);
int fb_read_i8(const fb_table *t, unsigned slot, int8_t def, int8_t *out, const char *what, qv_err *err);
int fb_read_bool(const fb_table *t, unsigned slot, bool def, bool *out, const char *what, qv_err *err);
int fb_read_i16(const fb_table *t, unsigned slot, int16_t def, int16_t *out, const char *what, qv_err *err);
int fb_read_i32(const fb_table *t, unsigned slot, int32_t def, int32_t *out, const char *what, qv_err *err);
int fb_read_i64(const fb_table *t, unsigned slot, int64_t def, int64_t *out, const char *what, qv_err *err);

/* Offset fields. *present = false (and 0 returned) when the field is absent. */
int fb_read_table(const fb_table *t, unsigned slot, fb_table *out, bool *present, const char *what,
                  qv_err *err);
/* A vector of elem_size-byte scalars or structs whose elements need elem_align alignment. A vector of
 * tables or strings has elem_size 4 (offsets). */
int fb_read_vector(const fb_table *t, unsigned slot, size_t elem_size, size_t elem_align, fb_vec *out,
                   bool *present, const char *what, qv_err *err);
/* A string: *s points into the buffer (not NUL-terminated for the caller's purposes; use *n). */
int fb_read_string(const fb_table *t, unsigned slot, const char **s, size_t *n, bool *present,
                   const char *what, qv_err *err);
/* Element i of a vector of tables (i < v->count). */
int fb_vec_table(const fb_vec *v, uint32_t i, fb_table *out, const char *what, qv_err *err);
/* Element i of a vector of scalars or structs (i < v->count): a pointer to read with memcpy. */
static inline const uint8_t *fb_vec_at(const fb_vec *v, uint32_t i) { return v->buf + v->pos + (size_t)i * v->elem; }

/* ---- building --------------------------------------------------------------------------------- */

/* A reference to a finished object: its distance from the end of the buffer being built. */
typedef uint32_t fb_ref;

#define FB_MAX_SLOTS 16

typedef struct fb_builder {
    uint8_t *buf;        /* data occupies buf[cap - size, cap) */
    size_t cap;
    size_t size;
    size_t minalign;     /* largest alignment used so far */
    bool in_table;
    size_t table_start;  /* size when the open table started */
    unsigned nslots;     /* 1 + highest slot used by the open table */
    fb_ref slots[FB_MAX_SLOTS];
} fb_builder;

void fb_builder_init(fb_builder *b);
void fb_builder_free(fb_builder *b);
void fb_builder_reset(fb_builder *b);

/* Objects must be created before the table that refers to them, and not while a table is open. */
fb_ref fb_create_string(fb_builder *b, const char *s, size_t n);
fb_ref fb_create_vector_refs(fb_builder *b, const fb_ref *refs, size_t n);
/* n elements of elem_size bytes each, already in little-endian wire form, in order. */
fb_ref fb_create_vector_raw(fb_builder *b, const void *elems, size_t n, size_t elem_size, size_t align);

void fb_table_start(fb_builder *b);
void fb_add_u8(fb_builder *b, unsigned slot, uint8_t v);
void fb_add_i16(fb_builder *b, unsigned slot, int16_t v);
void fb_add_i32(fb_builder *b, unsigned slot, int32_t v);
void fb_add_i64(fb_builder *b, unsigned slot, int64_t v);
void fb_add_ref(fb_builder *b, unsigned slot, fb_ref r);
fb_ref fb_table_end(fb_builder *b);

/* Writes the root offset and appends the finished buffer to out. The builder can then be reset. */
void fb_finish(fb_builder *b, fb_ref root, qv_buf *out);

#endif
