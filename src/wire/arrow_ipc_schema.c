/* arrow_ipc_schema.c — opening a Message flatbuffer and parsing its Schema into arw_field trees; type
 * names for error messages; the buffer layout of each type.
 *
 * Owns: Message-level checks (metadata version, header union, body length) and every Schema/Field/type
 * table. Untrusted input: depth and total field count are capped, every table read is checked by
 * flatbuf.c, every parameter (bit widths, precisions, child counts) is validated, and errors name the
 * field by its dotted path. Must not: look at message bodies (arrow_ipc_read.c does) or allocate per
 * anything but the fields themselves.
 */
#include "wire/arrow_ipc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int64_t arw_zero_block[2] = {0, 0};

static const char *header_name(uint8_t t) {
    switch (t) {
    case 0: return "NONE";
    case ARW_MSG_SCHEMA: return "Schema";
    case ARW_MSG_DICTIONARY: return "DictionaryBatch";
    case ARW_MSG_RECORD_BATCH: return "RecordBatch";
    case 4: return "Tensor";
    case 5: return "SparseTensor";
    }
    return "unknown";
}

int arw_msg_open(const uint8_t *buf, size_t len, arw_msg *m, qv_err *err) {
    fb_table root;
    memset(m, 0, sizeof *m);
    if (fb_root(buf, len, &root, "Message", err)) return -1;
    if (fb_read_i16(&root, MSG_VERSION, 0, &m->version, "Message.version", err) ||
        fb_read_u8(&root, MSG_HEADER_TYPE, 0, &m->type, "Message.header_type", err) ||
        fb_read_table(&root, MSG_HEADER, &m->header, &m->has_header, "Message.header", err) ||
        fb_read_i64(&root, MSG_BODY_LENGTH, 0, &m->body_length, "Message.bodyLength", err))
        return -1;
    if (m->version < ARW_V4)
        return qv_err_set(err, QV_EINVAL,
                          "Arrow IPC metadata version V%d is too old: quiver reads V4 and V5 (use Arrow >= 1.0)",
                          m->version + 1);
    if (m->version > ARW_V5)
        return qv_err_set(err, QV_EINVAL,
                          "Arrow IPC metadata version V%d is newer than V5, the latest quiver reads",
                          m->version + 1);
    if (m->body_length < 0)
        return qv_err_set(err, QV_EINVAL, "Message.bodyLength is negative (%lld)", (long long)m->body_length);
    if (m->type >= 1 && m->type <= 3 && !m->has_header)
        return qv_err_set(err, QV_EINVAL, "%s message has no header table", header_name(m->type));
    return 0;
}

/* ---- schema parsing --------------------------------------------------------------------------- */

typedef struct sctx {
    int nfields;
    qv_err *err;
    char path[256];
} sctx;

static int ferr(sctx *c, qv_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ferr(sctx *c, qv_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qv_err_vset(c->err, code, fmt, ap);
    va_end(ap);
    return qv_err_prefix(c->err, "schema field '%s'", c->path);
}

/* A table with no fields: every read yields the default (an absent type table means "all defaults"). */
static const fb_table no_table = {.vtlen = 4, .objlen = 4};

static int parse_int(sctx *c, const fb_table *t, int *bits, bool *is_signed, const char *what) {
    int32_t w;
    if (fb_read_i32(t, INT_BIT_WIDTH, 0, &w, what, c->err) ||
        fb_read_bool(t, INT_IS_SIGNED, false, is_signed, what, c->err))
        return qv_err_prefix(c->err, "schema field '%s'", c->path);
    if (w != 8 && w != 16 && w != 32 && w != 64)
        return ferr(c, QV_EINVAL, "%s bitWidth %d is not 8, 16, 32 or 64", what, (int)w);
    *bits = w;
    return 0;
}

static int read_i16(sctx *c, const fb_table *t, unsigned slot, int16_t def, int16_t *out, const char *what) {
    if (fb_read_i16(t, slot, def, out, what, c->err)) return qv_err_prefix(c->err, "schema field '%s'", c->path);
    return 0;
}

static int read_i32(sctx *c, const fb_table *t, unsigned slot, int32_t def, int32_t *out, const char *what) {
    if (fb_read_i32(t, slot, def, out, what, c->err)) return qv_err_prefix(c->err, "schema field '%s'", c->path);
    return 0;
}

static int want_children(sctx *c, const arw_field *f, int n) {
    if (f->nchildren == n) return 0;
    char tn[64];
    arw_type_name(f, tn, sizeof tn);
    return ferr(c, QV_EINVAL, "a %s field must have %d child field%s, this one has %d", tn, n, n == 1 ? "" : "s",
                f->nchildren);
}

/* Sets kind and parameters from the Type union; unsupported types keep their fixed width in bit_width
 * when they have one, so their buffers can still be walked. */
static int parse_type(sctx *c, uint8_t tt, const fb_table *t, arw_field *f) {
    int16_t s16;
    int32_t s32;
    f->type_id = tt;
    f->kind = ARW_UNSUPPORTED;
    switch (tt) {
    case T_NONE: return ferr(c, QV_EINVAL, "has no type (Field.type_type is NONE)");
    case T_NULL: f->kind = ARW_NULL; return 0;
    case T_INT:
        f->kind = ARW_INT;
        return parse_int(c, t, &f->bit_width, &f->is_signed, "Int");
    case T_FLOAT:
        f->kind = ARW_FLOAT;
        if (read_i16(c, t, 0, 0, &s16, "FloatingPoint.precision")) return -1;
        if (s16 < 0 || s16 > 2) return ferr(c, QV_EINVAL, "FloatingPoint precision %d is not 0, 1 or 2", s16);
        f->bit_width = 16 << s16;
        return 0;
    case T_BINARY: f->kind = ARW_BINARY; return 0;
    case T_UTF8: f->kind = ARW_UTF8; return 0;
    case T_BOOL: f->kind = ARW_BOOL; return 0;
    case T_LARGE_BINARY: f->kind = ARW_LARGE_BINARY; return 0;
    case T_LARGE_UTF8: f->kind = ARW_LARGE_UTF8; return 0;
    case T_LIST: f->kind = ARW_LIST; return 0;
    case T_LARGE_LIST: f->kind = ARW_LARGE_LIST; return 0;
    case T_STRUCT: f->kind = ARW_STRUCT; return 0;
    case T_FIXED_SIZE_LIST:
        f->kind = ARW_FIXED_SIZE_LIST;
        if (read_i32(c, t, 0, 0, &s32, "FixedSizeList.listSize")) return -1;
        if (s32 < 0) return ferr(c, QV_EINVAL, "FixedSizeList listSize %d is negative", (int)s32);
        f->list_size = s32;
        return 0;
    case T_DECIMAL:
        if (read_i32(c, t, 2, 128, &s32, "Decimal.bitWidth")) return -1;
        if (s32 != 32 && s32 != 64 && s32 != 128 && s32 != 256)
            return ferr(c, QV_EINVAL, "Decimal bitWidth %d is not 32, 64, 128 or 256", (int)s32);
        f->bit_width = s32;
        return 0;
    case T_DATE:
        if (read_i16(c, t, 0, 1, &s16, "Date.unit")) return -1;
        if (s16 != 0 && s16 != 1) return ferr(c, QV_EINVAL, "Date unit %d is not DAY (0) or MILLISECOND (1)", s16);
        f->bit_width = s16 == 0 ? 32 : 64;
        return 0;
    case T_TIME:
        if (read_i32(c, t, 1, 32, &s32, "Time.bitWidth")) return -1;
        if (s32 != 32 && s32 != 64) return ferr(c, QV_EINVAL, "Time bitWidth %d is not 32 or 64", (int)s32);
        f->bit_width = s32;
        return 0;
    case T_TIMESTAMP:
    case T_DURATION: f->bit_width = 64; return 0;
    case T_INTERVAL:
        if (read_i16(c, t, 0, 0, &s16, "Interval.unit")) return -1;
        if (s16 < 0 || s16 > 2) return ferr(c, QV_EINVAL, "Interval unit %d is not 0, 1 or 2", s16);
        f->bit_width = 32 << s16;
        return 0;
    case T_FIXED_SIZE_BINARY:
        if (read_i32(c, t, 0, 0, &s32, "FixedSizeBinary.byteWidth")) return -1;
        if (s32 <= 0 || s32 > (1 << 24))
            return ferr(c, QV_EINVAL, "FixedSizeBinary byteWidth %d is out of range", (int)s32);
        f->bit_width = s32 * 8;
        return 0;
    default: return 0; /* Map, Union, RunEndEncoded, views, future types: layout decided later */
    }
}

static int check_children(sctx *c, const arw_field *f) {
    switch (f->kind) {
    case ARW_LIST:
    case ARW_LARGE_LIST:
    case ARW_FIXED_SIZE_LIST: return want_children(c, f, 1);
    case ARW_STRUCT: return 0;
    case ARW_UNSUPPORTED: return f->type_id == T_MAP ? want_children(c, f, 1) : 0;
    default: return want_children(c, f, 0);
    }
}

static int parse_dictionary(sctx *c, const fb_table *d, arw_field *f) {
    fb_table it;
    bool has_it;
    int16_t dkind;
    if (fb_read_i64(d, DICTENC_ID, 0, &f->dict_id, "DictionaryEncoding.id", c->err) ||
        fb_read_table(d, DICTENC_INDEX_TYPE, &it, &has_it, "DictionaryEncoding.indexType", c->err) ||
        fb_read_i16(d, DICTENC_KIND, 0, &dkind, "DictionaryEncoding.dictionaryKind", c->err))
        return qv_err_prefix(c->err, "schema field '%s'", c->path);
    if (dkind != 0) return ferr(c, QV_EINVAL, "dictionaryKind %d is not DenseArray (0)", dkind);
    f->dictionary = true;
    f->index_bit_width = 32;
    f->index_signed = true;
    if (has_it && parse_int(c, &it, &f->index_bit_width, &f->index_signed, "dictionary indexType")) return -1;
    return 0;
}

static int parse_field(sctx *c, const fb_table *ft, arw_field *f, int depth, int index) {
    size_t plen = strlen(c->path);
    const char *name;
    size_t nlen;
    bool has;
    snprintf(c->path + plen, sizeof c->path - plen, "%s#%d", plen ? "." : "", index);
    if (fb_read_string(ft, FIELD_NAME, &name, &nlen, &has, "Field.name", c->err))
        return qv_err_prefix(c->err, "schema field '%s'", c->path);
    if (memchr(name, 0, nlen)) return ferr(c, QV_EINVAL, "name contains a NUL byte");
    f->name = qv_strndup(name, nlen);
    if (nlen) snprintf(c->path + plen, sizeof c->path - plen, "%s%s", plen ? "." : "", f->name);

    uint8_t tt;
    fb_table type, dict;
    bool has_type, has_dict;
    fb_vec kids;
    if (fb_read_bool(ft, FIELD_NULLABLE, false, &f->nullable, "Field.nullable", c->err) ||
        fb_read_u8(ft, FIELD_TYPE_TYPE, 0, &tt, "Field.type_type", c->err) ||
        fb_read_table(ft, FIELD_TYPE, &type, &has_type, "Field.type", c->err) ||
        fb_read_table(ft, FIELD_DICTIONARY, &dict, &has_dict, "Field.dictionary", c->err) ||
        fb_read_vector(ft, FIELD_CHILDREN, 4, 4, &kids, &has, "Field.children", c->err))
        return qv_err_prefix(c->err, "schema field '%s'", c->path);
    if (parse_type(c, tt, has_type ? &type : &no_table, f)) return -1;
    if (has_dict && parse_dictionary(c, &dict, f)) return -1;

    if (kids.count) {
        if (depth + 1 > ARW_MAX_DEPTH)
            return ferr(c, QV_EINVAL, "nests deeper than %d levels", ARW_MAX_DEPTH);
        if (kids.count > (uint32_t)(ARW_MAX_FIELDS - c->nfields))
            return ferr(c, QV_ETOOBIG, "the schema has more than %d fields", ARW_MAX_FIELDS);
        c->nfields += (int)kids.count;
        f->children = qv_calloc(kids.count, sizeof *f->children);
        for (uint32_t i = 0; i < kids.count; i++) {
            fb_table kt;
            f->nchildren = (int)i + 1;
            if (fb_vec_table(&kids, i, &kt, "Field.children", c->err))
                return qv_err_prefix(c->err, "schema field '%s'", c->path);
            if (parse_field(c, &kt, &f->children[i], depth + 1, (int)i)) return -1;
        }
    }
    if (check_children(c, f)) return -1;
    c->path[plen] = 0;
    return 0;
}

int arw_schema_from_table(const fb_table *t, arw_schema *out, qv_err *err) {
    sctx c = {.err = err};
    int16_t endian;
    fb_vec fields;
    bool has;
    memset(out, 0, sizeof *out);
    if (fb_read_i16(t, SCHEMA_ENDIANNESS, 0, &endian, "Schema.endianness", err) ||
        fb_read_vector(t, SCHEMA_FIELDS, 4, 4, &fields, &has, "Schema.fields", err))
        return -1;
    if (endian != 0)
        return qv_err_set(err, QV_EINVAL, "the schema is big-endian; quiver reads little-endian Arrow data only");
    if (fields.count > ARW_MAX_FIELDS)
        return qv_err_set(err, QV_ETOOBIG, "the schema has %u fields, more than the %d quiver accepts",
                          fields.count, ARW_MAX_FIELDS);
    c.nfields = (int)fields.count;
    if (fields.count) out->fields = qv_calloc(fields.count, sizeof *out->fields);
    for (uint32_t i = 0; i < fields.count; i++) {
        fb_table ft;
        out->nfields = (int)i + 1;
        if (fb_vec_table(&fields, i, &ft, "Schema.fields", err)) return qv_err_prefix(err, "schema field #%u", i);
        if (parse_field(&c, &ft, &out->fields[i], 0, (int)i)) return -1;
    }
    return 0;
}

int arw_schema_decode(const uint8_t *header, size_t len, arw_schema *out, qv_err *err) {
    arw_msg m;
    memset(out, 0, sizeof *out);
    if (arw_msg_open(header, len, &m, err)) return -1;
    if (m.type != ARW_MSG_SCHEMA)
        return qv_err_set(err, QV_EINVAL, "expected a Schema message, got %s (header type %d)", header_name(m.type),
                          m.type);
    if (arw_schema_from_table(&m.header, out, err)) {
        arw_schema_free(out);
        return -1;
    }
    return 0;
}

static void field_free(arw_field *f) {
    for (int i = 0; i < f->nchildren; i++) field_free(&f->children[i]);
    free(f->children);
    free(f->name);
}

void arw_schema_free(arw_schema *s) {
    if (!s) return;
    for (int i = 0; i < s->nfields; i++) field_free(&s->fields[i]);
    free(s->fields);
    s->fields = NULL;
    s->nfields = 0;
}

int arw_field_tree_size(const arw_field *f) {
    int n = 1;
    for (int i = 0; i < f->nchildren; i++) n += arw_field_tree_size(&f->children[i]);
    return n;
}

arw_layout arw_field_layout(const arw_field *f, bool as_values, int *width_bits) {
    *width_bits = 0;
    if (f->dictionary && !as_values) {
        *width_bits = f->index_bit_width;
        return ARW_LAY_FIXED;
    }
    switch (f->kind) {
    case ARW_NULL: return ARW_LAY_NONE;
    case ARW_BOOL: return ARW_LAY_BITS;
    case ARW_INT:
    case ARW_FLOAT: *width_bits = f->bit_width; return ARW_LAY_FIXED;
    case ARW_UTF8:
    case ARW_BINARY: return ARW_LAY_VAR32;
    case ARW_LARGE_UTF8:
    case ARW_LARGE_BINARY: return ARW_LAY_VAR64;
    case ARW_LIST: return ARW_LAY_LIST32;
    case ARW_LARGE_LIST: return ARW_LAY_LIST64;
    case ARW_FIXED_SIZE_LIST: return ARW_LAY_FSL;
    case ARW_STRUCT: return ARW_LAY_STRUCT;
    case ARW_UNSUPPORTED:
        if (f->type_id == T_MAP) return ARW_LAY_LIST32;
        if (f->bit_width > 0) {
            *width_bits = f->bit_width;
            return ARW_LAY_FIXED;
        }
        return ARW_LAY_OPAQUE;
    case ARW_NA: break;
    }
    return ARW_LAY_OPAQUE;
}

/* ---- type names ------------------------------------------------------------------------------- */

typedef struct tn {
    char *out;
    size_t cap, len;
} tn;

static void put(tn *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(tn *w, const char *fmt, ...) {
    if (w->len + 1 >= w->cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->out + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n > 0) w->len = (size_t)n >= w->cap - w->len ? w->cap - 1 : w->len + (size_t)n;
}

static const char *unsupported_name(int type_id) {
    switch (type_id) {
    case T_DECIMAL: return "decimal";
    case T_DATE: return "date";
    case T_TIME: return "time";
    case T_TIMESTAMP: return "timestamp";
    case T_INTERVAL: return "interval";
    case T_UNION: return "union";
    case T_FIXED_SIZE_BINARY: return "fixed_size_binary";
    case T_MAP: return "map";
    case T_DURATION: return "duration";
    case T_RUN_END_ENCODED: return "run_end_encoded";
    case T_BINARY_VIEW: return "binary_view";
    case T_UTF8_VIEW: return "utf8_view";
    case T_LIST_VIEW: return "list_view";
    case T_LARGE_LIST_VIEW: return "large_list_view";
    }
    return NULL;
}

static void name_values(tn *w, const arw_field *f, int depth);

static void name_field(tn *w, const arw_field *f, int depth) {
    if (f->dictionary) {
        put(w, "dictionary<%sint%d, ", f->index_signed ? "" : "u", f->index_bit_width);
        name_values(w, f, depth);
        put(w, ">");
    } else {
        name_values(w, f, depth);
    }
}

static void name_values(tn *w, const arw_field *f, int depth) {
    if (depth > ARW_MAX_DEPTH) {
        put(w, "...");
        return;
    }
    switch (f->kind) {
    case ARW_NA: put(w, "none"); return;
    case ARW_NULL: put(w, "null"); return;
    case ARW_BOOL: put(w, "bool"); return;
    case ARW_INT: put(w, "%sint%d", f->is_signed ? "" : "u", f->bit_width); return;
    case ARW_FLOAT: put(w, "float%d", f->bit_width); return;
    case ARW_UTF8: put(w, "utf8"); return;
    case ARW_LARGE_UTF8: put(w, "large_utf8"); return;
    case ARW_BINARY: put(w, "binary"); return;
    case ARW_LARGE_BINARY: put(w, "large_binary"); return;
    case ARW_LIST:
    case ARW_LARGE_LIST:
        put(w, "%s<", f->kind == ARW_LIST ? "list" : "large_list");
        if (f->nchildren) name_field(w, &f->children[0], depth + 1);
        put(w, ">");
        return;
    case ARW_FIXED_SIZE_LIST:
        put(w, "fixed_size_list<");
        if (f->nchildren) name_field(w, &f->children[0], depth + 1);
        put(w, ", %d>", (int)f->list_size);
        return;
    case ARW_STRUCT:
        put(w, "struct<");
        for (int i = 0; i < f->nchildren; i++) {
            put(w, "%s%s: ", i ? ", " : "", f->children[i].name ? f->children[i].name : "");
            name_field(w, &f->children[i], depth + 1);
        }
        put(w, ">");
        return;
    case ARW_UNSUPPORTED: {
        const char *n = unsupported_name(f->type_id);
        if (n) put(w, "%s", n);
        else put(w, "type %d", f->type_id);
        return;
    }
    }
}

void arw_type_name(const arw_field *f, char *out, size_t cap) {
    if (!cap) return;
    tn w = {out, cap, 0};
    out[0] = 0;
    name_field(&w, f, 0);
}
