/* arrow_ipc_write.c — building Arrow IPC messages: Schema, RecordBatch and DictionaryBatch flatbuffers
 * (metadata version V5) with 8-byte padded bodies, optional LZ4_FRAME/ZSTD body compression, and the
 * encapsulated stream framing.
 *
 * Owns: the writer side of the layouts in arrow_ipc_int.h. Arrays may be slices of larger arrays
 * (offsets not starting at 0, list children with extra items): the writer normalises them so every
 * offsets buffer starts at 0 and bitmaps start at bit 0, as Arrow readers expect. Columns with
 * null_count == 0 get no validity buffer. Must not: read messages, or accept ARW_UNSUPPORTED columns
 * as data (they are written as Null columns: the writer has no layout for them).
 */
#include "wire/arrow_ipc_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- schema ----------------------------------------------------------------------------------- */

static fb_ref int_table(fb_builder *b, int bits, bool is_signed) {
    fb_table_start(b);
    fb_add_i32(b, INT_BIT_WIDTH, bits);
    fb_add_u8(b, INT_IS_SIGNED, is_signed);
    return fb_table_end(b);
}

static uint8_t type_table(fb_builder *b, const arw_field *f, fb_ref *ref) {
    uint8_t tt;
    switch (f->kind) {
    case ARW_INT: *ref = int_table(b, f->bit_width, f->is_signed); return T_INT;
    case ARW_FLOAT:
        fb_table_start(b);
        fb_add_i16(b, 0, f->bit_width == 16 ? 0 : f->bit_width == 32 ? 1 : 2);
        *ref = fb_table_end(b);
        return T_FLOAT;
    case ARW_FIXED_SIZE_LIST:
        fb_table_start(b);
        fb_add_i32(b, 0, f->list_size);
        *ref = fb_table_end(b);
        return T_FIXED_SIZE_LIST;
    case ARW_BOOL: tt = T_BOOL; break;
    case ARW_UTF8: tt = T_UTF8; break;
    case ARW_LARGE_UTF8: tt = T_LARGE_UTF8; break;
    case ARW_BINARY: tt = T_BINARY; break;
    case ARW_LARGE_BINARY: tt = T_LARGE_BINARY; break;
    case ARW_LIST: tt = T_LIST; break;
    case ARW_LARGE_LIST: tt = T_LARGE_LIST; break;
    case ARW_STRUCT: tt = T_STRUCT; break;
    default: tt = T_NULL; break; /* ARW_NULL, and the kinds the writer has no layout for */
    }
    fb_table_start(b);
    *ref = fb_table_end(b);
    return tt;
}

static bool writes_children(const arw_field *f) {
    return f->kind == ARW_LIST || f->kind == ARW_LARGE_LIST || f->kind == ARW_FIXED_SIZE_LIST ||
           f->kind == ARW_STRUCT;
}

static fb_ref field_table(fb_builder *b, const arw_field *f) {
    int nk = writes_children(f) ? f->nchildren : 0;
    fb_ref *kids = nk ? qv_malloc((size_t)nk * sizeof *kids) : NULL;
    for (int i = 0; i < nk; i++) kids[i] = field_table(b, &f->children[i]);
    fb_ref children = fb_create_vector_refs(b, kids, (size_t)nk);
    free(kids);
    const char *name = f->name ? f->name : "";
    fb_ref nm = fb_create_string(b, name, strlen(name));
    fb_ref type;
    uint8_t tt = type_table(b, f, &type);
    fb_ref dict = 0;
    if (f->dictionary) {
        fb_ref it = int_table(b, f->index_bit_width ? f->index_bit_width : 32,
                              f->index_bit_width ? f->index_signed : true);
        fb_table_start(b);
        fb_add_i64(b, DICTENC_ID, f->dict_id);
        fb_add_ref(b, DICTENC_INDEX_TYPE, it);
        dict = fb_table_end(b);
    }
    fb_table_start(b);
    fb_add_ref(b, FIELD_NAME, nm);
    fb_add_u8(b, FIELD_NULLABLE, f->nullable);
    fb_add_u8(b, FIELD_TYPE_TYPE, tt);
    fb_add_ref(b, FIELD_TYPE, type);
    if (dict) fb_add_ref(b, FIELD_DICTIONARY, dict);
    fb_add_ref(b, FIELD_CHILDREN, children);
    return fb_table_end(b);
}

static void finish_message(fb_builder *b, uint8_t header_type, fb_ref header, int64_t body_length, qv_buf *out) {
    fb_table_start(b);
    fb_add_i64(b, MSG_BODY_LENGTH, body_length);
    fb_add_ref(b, MSG_HEADER, header);
    fb_add_i16(b, MSG_VERSION, ARW_V5);
    fb_add_u8(b, MSG_HEADER_TYPE, header_type);
    fb_ref msg = fb_table_end(b);
    fb_finish(b, msg, out);
}

void arw_write_schema(qv_buf *header, const arw_schema *schema) {
    fb_builder b;
    fb_builder_init(&b);
    int n = schema->nfields;
    fb_ref *refs = n ? qv_malloc((size_t)n * sizeof *refs) : NULL;
    for (int i = 0; i < n; i++) refs[i] = field_table(&b, &schema->fields[i]);
    fb_ref fields = fb_create_vector_refs(&b, refs, (size_t)n);
    free(refs);
    fb_table_start(&b);
    fb_add_ref(&b, SCHEMA_FIELDS, fields);
    fb_ref s = fb_table_end(&b);
    finish_message(&b, ARW_MSG_SCHEMA, s, 0, header);
    fb_builder_free(&b);
}

/* ---- bodies ----------------------------------------------------------------------------------- */

typedef struct wctx {
    qv_buf *body;
    size_t start;      /* body->len when this message's body began */
    qv_buf nodes;      /* FieldNode structs, wire form */
    qv_buf bufs;       /* Buffer structs, wire form */
    arw_codec codec;
    void *zctx;
    qv_buf scratch;    /* rebased offsets and shifted bitmaps */
} wctx;

static void put_struct(qv_buf *b, int64_t x, int64_t y) {
    int64_t v[2] = {x, y};
    qv_buf_append(b, v, 16);
}

static void put_buffer(wctx *w, const void *p, size_t n) {
    size_t off = w->body->len - w->start;
    if (n) {
        if (w->codec == ARW_CODEC_NONE) qv_buf_append(w->body, p, n);
        else arw_compress(w->codec, &w->zctx, w->body, p, n);
    }
    size_t len = w->body->len - w->start - off;
    size_t pad = (8 - (len & 7)) & 7;
    if (pad) memset(qv_buf_extend(w->body, pad), 0, pad);
    put_struct(&w->bufs, (int64_t)off, (int64_t)len);
}

static void put_bits(wctx *w, const uint8_t *bits, int64_t off, int64_t n) {
    size_t bytes = (size_t)((n + 7) >> 3);
    if (!(off & 7)) {
        put_buffer(w, bits + (off >> 3), bytes);
        return;
    }
    qv_buf_reset(&w->scratch);
    uint8_t *d = qv_buf_extend(&w->scratch, bytes);
    memset(d, 0, bytes);
    arw_bits_copy(d, 0, bits, off, n);
    put_buffer(w, d, bytes);
}

/* Offsets of rows [off, off + n), rebased to start at 0. Returns the referenced [first, last). */
static void put_offsets(wctx *w, const arw_array *a, bool wide, int64_t off, int64_t n, int64_t *first,
                        int64_t *last) {
    size_t width = wide ? 8 : 4;
    *first = *last = 0;
    if (!a->offsets || n == 0) {
        put_buffer(w, arw_zero_block, width);
        return;
    }
    if (wide) {
        const int64_t *o = (const int64_t *)a->offsets + off;
        *first = o[0];
        *last = o[n];
        if (!o[0]) {
            put_buffer(w, o, (size_t)(n + 1) * 8);
            return;
        }
        qv_buf_reset(&w->scratch);
        int64_t *d = (int64_t *)qv_buf_extend(&w->scratch, (size_t)(n + 1) * 8);
        for (int64_t i = 0; i <= n; i++) d[i] = o[i] - o[0];
    } else {
        const int32_t *o = (const int32_t *)a->offsets + off;
        *first = o[0];
        *last = o[n];
        if (!o[0]) {
            put_buffer(w, o, (size_t)(n + 1) * 4);
            return;
        }
        qv_buf_reset(&w->scratch);
        int32_t *d = (int32_t *)qv_buf_extend(&w->scratch, (size_t)(n + 1) * 4);
        for (int64_t i = 0; i <= n; i++) d[i] = o[i] - o[0];
    }
    put_buffer(w, w->scratch.data, w->scratch.len);
}

/* Rows [off, off + n) of a, whose type is f (as_values: f's dictionary values, not its indices). */
static void write_array(wctx *w, const arw_array *a, const arw_field *f, int64_t off, int64_t n, bool as_values) {
    int wbits;
    arw_layout lay = arw_field_layout(f, as_values, &wbits);
    bool indices = f->dictionary && !as_values;
    if (lay == ARW_LAY_OPAQUE || (f->kind == ARW_UNSUPPORTED && !indices))
        lay = ARW_LAY_NONE; /* the schema writer declares these Null: no buffers */
    int64_t nulls = 0;
    if (lay == ARW_LAY_NONE) nulls = n;
    else if (a->validity && a->null_count > 0 && n > 0)
        nulls = (off == 0 && n == a->length) ? a->null_count : n - arw_bits_count(a->validity, off, n);
    put_struct(&w->nodes, n, nulls);
    if (lay == ARW_LAY_NONE) return;
    if (nulls) put_bits(w, a->validity, off, n);
    else put_buffer(w, NULL, 0);
    int64_t first, last;
    switch (lay) {
    case ARW_LAY_FIXED:
        put_buffer(w, n ? (const uint8_t *)a->values + off * (wbits / 8) : NULL, (size_t)(n * (wbits / 8)));
        break;
    case ARW_LAY_BITS:
        if (n) put_bits(w, a->values, off, n);
        else put_buffer(w, NULL, 0);
        break;
    case ARW_LAY_VAR32:
    case ARW_LAY_VAR64:
        put_offsets(w, a, lay == ARW_LAY_VAR64, off, n, &first, &last);
        put_buffer(w, last > first ? (const uint8_t *)a->values + first : NULL, (size_t)(last - first));
        break;
    case ARW_LAY_LIST32:
    case ARW_LAY_LIST64:
        put_offsets(w, a, lay == ARW_LAY_LIST64, off, n, &first, &last);
        write_array(w, &a->children[0], &f->children[0], first, last - first, false);
        break;
    case ARW_LAY_FSL:
        write_array(w, &a->children[0], &f->children[0], off * f->list_size, n * f->list_size, false);
        break;
    case ARW_LAY_STRUCT:
        for (int i = 0; i < f->nchildren; i++) write_array(w, &a->children[i], &f->children[i], off, n, false);
        break;
    case ARW_LAY_NONE:
    case ARW_LAY_OPAQUE: break;
    }
}

static void wctx_init(wctx *w, qv_buf *body, arw_codec codec) {
    memset(w, 0, sizeof *w);
    w->body = body;
    w->start = body->len;
    w->codec = codec;
    qv_buf_init(&w->nodes);
    qv_buf_init(&w->bufs);
    qv_buf_init(&w->scratch);
}

static void wctx_free(wctx *w) {
    qv_buf_free(&w->nodes);
    qv_buf_free(&w->bufs);
    qv_buf_free(&w->scratch);
    arw_compress_end(&w->zctx);
}

static fb_ref record_batch_table(fb_builder *b, const wctx *w, int64_t length) {
    fb_ref nodes = fb_create_vector_raw(b, w->nodes.data, w->nodes.len / 16, 16, 8);
    fb_ref bufs = fb_create_vector_raw(b, w->bufs.data, w->bufs.len / 16, 16, 8);
    fb_ref comp = 0;
    if (w->codec != ARW_CODEC_NONE) {
        fb_table_start(b);
        fb_add_u8(b, COMP_CODEC, (uint8_t)w->codec);
        fb_add_u8(b, COMP_METHOD, 0);
        comp = fb_table_end(b);
    }
    fb_table_start(b);
    fb_add_i64(b, RB_LENGTH, length);
    fb_add_ref(b, RB_NODES, nodes);
    fb_add_ref(b, RB_BUFFERS, bufs);
    if (comp) fb_add_ref(b, RB_COMPRESSION, comp);
    return fb_table_end(b);
}

void arw_write_record_batch(qv_buf *header, qv_buf *body, int64_t length, const arw_array *columns, int ncolumns,
                            arw_codec codec) {
    wctx w;
    wctx_init(&w, body, codec);
    for (int i = 0; i < ncolumns; i++) write_array(&w, &columns[i], columns[i].field, 0, length, false);
    fb_builder b;
    fb_builder_init(&b);
    fb_ref rb = record_batch_table(&b, &w, length);
    finish_message(&b, ARW_MSG_RECORD_BATCH, rb, (int64_t)(body->len - w.start), header);
    fb_builder_free(&b);
    wctx_free(&w);
}

void arw_write_dictionary_batch(qv_buf *header, qv_buf *body, int64_t dict_id, const arw_array *values,
                                bool is_delta, arw_codec codec) {
    wctx w;
    wctx_init(&w, body, codec);
    write_array(&w, values, values->field, 0, values->length, true);
    fb_builder b;
    fb_builder_init(&b);
    fb_ref rb = record_batch_table(&b, &w, values->length);
    fb_table_start(&b);
    fb_add_i64(&b, DB_ID, dict_id);
    fb_add_ref(&b, DB_DATA, rb);
    fb_add_u8(&b, DB_IS_DELTA, is_delta);
    fb_ref db = fb_table_end(&b);
    finish_message(&b, ARW_MSG_DICTIONARY, db, (int64_t)(body->len - w.start), header);
    fb_builder_free(&b);
    wctx_free(&w);
}

void arw_frame_message(qv_buf *out, const uint8_t *header, size_t len) {
    size_t padded = (len + 7) & ~(size_t)7;
    uint32_t marker = 0xffffffffu;
    int32_t n = (int32_t)padded;
    qv_buf_append(out, &marker, 4);
    qv_buf_append(out, &n, 4);
    qv_buf_append(out, header, len);
    if (padded > len) memset(qv_buf_extend(out, padded - len), 0, padded - len);
}
