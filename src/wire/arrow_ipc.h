/* arrow_ipc.h — reading and writing Arrow IPC messages (Schema, DictionaryBatch, RecordBatch).
 *
 * Owns: the Arrow IPC metadata format (flatbuffers, parsed and built by hand: Message.fbs, Schema.fbs)
 * and the body layout (buffers, validity bitmaps, offsets, LZ4_FRAME/ZSTD body compression). Input is
 * untrusted: every flatbuffer offset, vtable, buffer range, offset array and dictionary index is checked
 * before use, and an error names the field or column and the byte offset. Nothing here knows what the
 * columns mean (that is api/).
 *
 * Messages arrive as Flight does: the bare flatbuffer `Message` (FlightData.data_header) and the body
 * (FlightData.data_body) separately. The encapsulated stream framing (0xFFFFFFFF, length) is handled by
 * arw_frame_* helpers for the places that need it (FlightInfo.schema).
 *
 * Arrays returned by the reader point into the caller's body when it is 8-byte aligned and uncompressed,
 * and otherwise into memory the reader owns; every pointer handed out is 8-byte aligned. They stay valid
 * until the next arw_reader_feed or arw_reader_free.
 *
 * Compressed bodies: each buffer's 8-byte prefix must equal its decompressed size, except that a prefix
 * equal to the compressed size is taken as "unknown" (apache-arrow JS up to 21.x writes that; fixed
 * upstream in arrow-js#470). Decompression is bounded by the codec's maximum ratio and a per-message cap.
 */
#ifndef QV_ARROW_IPC_H
#define QV_ARROW_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

typedef enum {
    ARW_NA = 0,          /* unset */
    ARW_NULL,
    ARW_BOOL,
    ARW_INT,             /* bit_width 8/16/32/64, is_signed */
    ARW_FLOAT,           /* bit_width 16/32/64 */
    ARW_UTF8,            /* int32 offsets */
    ARW_LARGE_UTF8,      /* int64 offsets */
    ARW_BINARY,
    ARW_LARGE_BINARY,
    ARW_LIST,            /* int32 offsets, one child */
    ARW_LARGE_LIST,      /* int64 offsets, one child */
    ARW_FIXED_SIZE_LIST, /* list_size, one child */
    ARW_STRUCT,          /* children */
    ARW_UNSUPPORTED,     /* a type quiver does not read (decimal, date, ...): type_id says which */
} arw_kind;

typedef struct arw_field arw_field;
struct arw_field {
    char *name;
    bool nullable;
    arw_kind kind;         /* for a dictionary-encoded field: the kind of the dictionary VALUES */
    int type_id;           /* the flatbuffer Type enum value, e.g. 7 = Decimal (for error messages) */
    int bit_width;         /* ARW_INT, ARW_FLOAT; for ARW_UNSUPPORTED fixed-width types (decimal, date, time,
                              timestamp, interval, duration, fixed_size_binary) the value width, else 0 */
    bool is_signed;        /* ARW_INT */
    int32_t list_size;     /* ARW_FIXED_SIZE_LIST */
    int nchildren;
    arw_field *children;
    bool dictionary;       /* dictionary-encoded: batch arrays hold indices */
    int64_t dict_id;
    int index_bit_width;   /* 8/16/32/64 (default 32) */
    bool index_signed;
};

typedef struct arw_schema {
    int nfields;
    arw_field *fields;
} arw_schema;

typedef struct arw_array arw_array;
struct arw_array {
    const arw_field *field;
    int64_t length;
    int64_t null_count;        /* reader: recounted from the bitmap, so it always agrees with validity */
    const uint8_t *validity;   /* LSB bitmap, 1 = valid; NULL when there are no nulls */
    const void *offsets;       /* length+1 entries: int32 (UTF8/BINARY/LIST) or int64 (LARGE_*);
                                  checked: first >= 0, non-decreasing, last within the data/child */
    const void *values;        /* primitive data (bits for ARW_BOOL); for dictionary-encoded fields
                                  the indices, of width field->index_bit_width, each checked < dict->length
                                  where valid */
    size_t values_len;         /* bytes */
    int nchildren;
    arw_array *children;
    const arw_array *dict;     /* dictionary-encoded: the dictionary values (kind field->kind) */
};

typedef struct arw_batch {
    int64_t length;
    int ncolumns;              /* == schema nfields */
    arw_array *columns;
} arw_batch;

static inline bool arw_is_valid(const arw_array *a, int64_t i) {
    return !a->validity || (a->validity[i >> 3] >> (i & 7)) & 1;
}

typedef enum { ARW_MSG_SCHEMA = 1, ARW_MSG_DICTIONARY = 2, ARW_MSG_RECORD_BATCH = 3 } arw_msg_type;

/* Reader: one per stream. Keeps the schema and the current dictionaries (replacement and delta). */
typedef struct arw_reader arw_reader;
arw_reader *arw_reader_new(void);
void arw_reader_free(arw_reader *r);
/* Feeds one message. The first must be a Schema. Returns 0 and sets *type, or -1 with err
 * (QV_EINVAL for malformed or unsupported input, QV_EUNIMPL for Tensor messages etc.). */
int arw_reader_feed(arw_reader *r, const uint8_t *header, size_t header_len, const uint8_t *body,
                    size_t body_len, arw_msg_type *type, qv_err *err);
const arw_schema *arw_reader_schema(const arw_reader *r);  /* NULL before the schema */
/* Caps the bytes one compressed message may decompress to (default 4 GiB); a larger claim fails with
 * QV_ETOOBIG before anything is allocated. */
void arw_reader_set_max_decompressed(arw_reader *r, uint64_t bytes);
const arw_batch *arw_reader_batch(const arw_reader *r);    /* after ARW_MSG_RECORD_BATCH */

/* Parses a standalone Schema message (bare flatbuffer). The caller frees with arw_schema_free. */
int arw_schema_decode(const uint8_t *header, size_t len, arw_schema *out, qv_err *err);
void arw_schema_free(arw_schema *s);
/* Human-readable type, e.g. "int64", "list<utf8>", "dictionary<int8, utf8>", "decimal". */
void arw_type_name(const arw_field *f, char *out, size_t cap);

/* Writer: builds bare flatbuffer Messages (metadata version V5) and 8-byte padded bodies, valid for
 * the Arrow C++ flatbuffers verifier. Schema fields are described with arw_field (dictionary fields:
 * kind = value kind, dictionary = true, dict_id, index_bit_width/index_signed). Arrays with
 * null_count == 0 are written without a validity buffer. */
typedef enum { ARW_CODEC_NONE = -1, ARW_CODEC_LZ4_FRAME = 0, ARW_CODEC_ZSTD = 1 } arw_codec;
void arw_write_schema(qv_buf *header, const arw_schema *schema);
void arw_write_record_batch(qv_buf *header, qv_buf *body, int64_t length, const arw_array *columns,
                            int ncolumns, arw_codec codec);
void arw_write_dictionary_batch(qv_buf *header, qv_buf *body, int64_t dict_id, const arw_array *values,
                                bool is_delta, arw_codec codec);
/* Encapsulated framing: 0xFFFFFFFF, int32 length (padded to 8), flatbuffer, padding. */
void arw_frame_message(qv_buf *out, const uint8_t *header, size_t len);
/* Reads one encapsulated message from in[0, len): the 0xFFFFFFFF marker (or a pre-1.0 bare length),
 * the metadata length, the flatbuffer, then Message.bodyLength body bytes. At end of stream (length 0)
 * returns 0 with *header = NULL. *consumed = bytes used. Pointers point into `in`. */
int arw_frame_read(const uint8_t *in, size_t len, const uint8_t **header, size_t *header_len,
                   const uint8_t **body, size_t *body_len, size_t *consumed, qv_err *err);

#endif
