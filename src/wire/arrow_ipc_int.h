/* arrow_ipc_int.h — what the arrow_ipc_*.c files share and nobody else uses.
 *
 * Owns: the Message.fbs / Schema.fbs slot numbers and enum values, the buffer layout of each field
 * type, the per-message arena, bitmap helpers, body (de)compression, and dictionaries kept by the reader
 * in memory it owns. Must not: be included outside src/wire/arrow_ipc*.c.
 */
#ifndef QV_ARROW_IPC_INT_H
#define QV_ARROW_IPC_INT_H

#include "wire/arrow_ipc.h"
#include "wire/flatbuf.h"

/* ---- Message.fbs / Schema.fbs ----------------------------------------------------------------- */

enum { ARW_V4 = 3, ARW_V5 = 4 };                   /* MetadataVersion */
enum { MSG_VERSION = 0, MSG_HEADER_TYPE = 1, MSG_HEADER = 2, MSG_BODY_LENGTH = 3 };
enum { SCHEMA_ENDIANNESS = 0, SCHEMA_FIELDS = 1 };
enum { FIELD_NAME = 0, FIELD_NULLABLE = 1, FIELD_TYPE_TYPE = 2, FIELD_TYPE = 3, FIELD_DICTIONARY = 4,
       FIELD_CHILDREN = 5 };
enum { DICTENC_ID = 0, DICTENC_INDEX_TYPE = 1, DICTENC_ORDERED = 2, DICTENC_KIND = 3 };
enum { INT_BIT_WIDTH = 0, INT_IS_SIGNED = 1 };
enum { RB_LENGTH = 0, RB_NODES = 1, RB_BUFFERS = 2, RB_COMPRESSION = 3, RB_VARIADIC = 4 };
enum { DB_ID = 0, DB_DATA = 1, DB_IS_DELTA = 2 };
enum { COMP_CODEC = 0, COMP_METHOD = 1 };

/* Type union tags. */
enum {
    T_NONE = 0, T_NULL = 1, T_INT = 2, T_FLOAT = 3, T_BINARY = 4, T_UTF8 = 5, T_BOOL = 6, T_DECIMAL = 7,
    T_DATE = 8, T_TIME = 9, T_TIMESTAMP = 10, T_INTERVAL = 11, T_LIST = 12, T_STRUCT = 13, T_UNION = 14,
    T_FIXED_SIZE_BINARY = 15, T_FIXED_SIZE_LIST = 16, T_MAP = 17, T_DURATION = 18, T_LARGE_BINARY = 19,
    T_LARGE_UTF8 = 20, T_LARGE_LIST = 21, T_RUN_END_ENCODED = 22, T_BINARY_VIEW = 23, T_UTF8_VIEW = 24,
    T_LIST_VIEW = 25, T_LARGE_LIST_VIEW = 26,
};

/* Limits on untrusted schemas. */
#define ARW_MAX_DEPTH 64       /* nesting of child fields */
#define ARW_MAX_FIELDS 100000  /* fields in one schema, all levels */

/* An opened Message: its version, header union and declared body length. */
typedef struct arw_msg {
    int16_t version;
    uint8_t type;        /* MessageHeader */
    bool has_header;
    fb_table header;
    int64_t body_length;
} arw_msg;

int arw_msg_open(const uint8_t *buf, size_t len, arw_msg *m, qv_err *err);
/* Parses a Schema table into *out (which the caller frees with arw_schema_free, even on error). */
int arw_schema_from_table(const fb_table *t, arw_schema *out, qv_err *err);
/* Number of arw_field nodes in a tree (the field itself and all descendants). */
int arw_field_tree_size(const arw_field *f);

/* ---- layouts ---------------------------------------------------------------------------------- */

typedef enum {
    ARW_LAY_NONE,    /* Null: no buffers */
    ARW_LAY_FIXED,   /* validity, data of `width` bits per value */
    ARW_LAY_BITS,    /* Bool: validity, bit-packed data */
    ARW_LAY_VAR32,   /* validity, int32 offsets, data bytes */
    ARW_LAY_VAR64,   /* validity, int64 offsets, data bytes */
    ARW_LAY_LIST32,  /* validity, int32 offsets; one child */
    ARW_LAY_LIST64,  /* validity, int64 offsets; one child */
    ARW_LAY_FSL,     /* validity; one child of length * list_size */
    ARW_LAY_STRUCT,  /* validity; children as long as the parent */
    ARW_LAY_OPAQUE,  /* a layout quiver does not know (union, views, run-end encoded) */
} arw_layout;

/* The physical layout of f. as_values: describe the dictionary values, not the indices. */
arw_layout arw_field_layout(const arw_field *f, bool as_values, int *width_bits);

/* Eight zero bytes, 8-aligned: what empty buffers point to (never NULL, never written). */
extern const int64_t arw_zero_block[2];

/* ---- arena: reader-owned memory that lives until the next message ----------------------------- */

typedef struct arw_arena {
    uint8_t *block;
    size_t cap, used, want;  /* want: bytes the last round needed, so the next block can hold them */
    void **extra;            /* separately malloc'd pieces, freed on reset */
    size_t nextra, capextra;
} arw_arena;

void arw_arena_init(arw_arena *a);
void arw_arena_free(arw_arena *a);
void arw_arena_reset(arw_arena *a);
void *arw_arena_alloc(arw_arena *a, size_t n); /* 16-byte aligned */
void arw_arena_adopt(arw_arena *a, void *p);   /* p (from malloc) is freed on the next reset */

/* ---- bitmaps (LSB first) ---------------------------------------------------------------------- */

void arw_bits_copy(uint8_t *dst, int64_t doff, const uint8_t *src, int64_t soff, int64_t n);
void arw_bits_fill(uint8_t *dst, int64_t off, int64_t n, bool v);
int64_t arw_bits_count(const uint8_t *src, int64_t off, int64_t n); /* set bits in [off, off + n) */

/* ---- compression ------------------------------------------------------------------------------ */

typedef struct arw_dctx arw_dctx;
arw_dctx *arw_dctx_new(void);
void arw_dctx_free(arw_dctx *c);
/* Decompresses one buffer body (after its 8-byte prefix) that claims `claimed` bytes. The output is
 * malloc'd as it grows, so a lying claim costs no more memory than the real output. With `exact` the
 * result must be exactly `claimed` bytes; without, `claimed` is only an upper bound. *out (16-byte
 * aligned, *out_len bytes) belongs to the caller. */
int arw_decompress(arw_dctx *c, arw_codec codec, const uint8_t *src, size_t n, size_t claimed, bool exact,
                   uint8_t **out, size_t *out_len, qv_err *err);
/* The most n compressed bytes of this codec can expand to. */
uint64_t arw_max_expansion(arw_codec codec, size_t n);
/* -1 (with a message) when `claimed` bytes cannot come from n compressed bytes of this codec. */
int arw_decompress_check(arw_codec codec, size_t n, uint64_t claimed, qv_err *err);
/* Appends the prefix and compressed form of src to out (or prefix -1 and the raw bytes when
 * compression does not shrink it). *zctx caches a zstd context across calls; free with arw_compress_end. */
void arw_compress(arw_codec codec, void **zctx, qv_buf *out, const uint8_t *src, size_t n);
void arw_compress_end(void **zctx);

/* ---- dictionaries owned by the reader --------------------------------------------------------- */

typedef struct arw_owned arw_owned;
struct arw_owned {
    qv_buf validity;   /* empty until a null arrives */
    qv_buf offsets;
    qv_buf values;
    int64_t length, null_count;
    int nchildren;
    arw_owned *children;
};

/* f describes the values: its dictionary flag is ignored (layouts are taken as_values at every level;
 * the reader refuses dictionaries nested inside dictionary values). */
void arw_owned_init(arw_owned *o, const arw_field *f);
void arw_owned_free(arw_owned *o);
void arw_owned_clear(arw_owned *o);
/* Checks that appending src[off, off + n) keeps every int32 offset in range; then append it. */
int arw_owned_can_append(const arw_owned *o, const arw_field *f, const arw_array *src, int64_t off,
                         int64_t n, qv_err *err);
void arw_owned_append(arw_owned *o, const arw_field *f, const arw_array *src, int64_t off,
                      int64_t n);
/* Fills *out (and children from *pool, advancing it) with arrays pointing at o's memory. */
void arw_owned_view(const arw_owned *o, const arw_field *f, arw_array *out, arw_array **pool);

#endif
