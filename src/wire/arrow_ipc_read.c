/* arrow_ipc_read.c — the stream reader: Schema, DictionaryBatch (replacement and delta) and RecordBatch
 * messages turned into arw_array trees.
 *
 * Owns: arw_reader and the body walk. Every FieldNode and Buffer is checked (counts per layout, ranges
 * inside the body, validity bitmap sizes, data sizes, offsets non-negative, non-decreasing and within
 * the data or child, dictionary indices below the dictionary length where valid); compressed buffers
 * are decompressed under a per-message cap. Arrays point into the caller's body when it is 8-byte
 * aligned and uncompressed, else into the reader's arena. Metadata work is O(fields) with no
 * allocation in steady state; only offsets and dictionary indices are scanned, in tight loops.
 * Must not: interpret column meaning (api/ does), or keep pointers into a caller's body past a feed.
 */
#include "wire/arrow_ipc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct arw_dict {
    int64_t id;
    const arw_field *field;  /* the first schema field encoded with this id */
    arw_field values_field;  /* *field seen as the values' type (dictionary = false) */
    bool present;            /* a DictionaryBatch has arrived */
    arw_owned owned;
    arw_array *scratch;      /* arrays of an incoming DictionaryBatch (tree size of field) */
    arw_array *views;        /* arrays viewing `owned`; views[0] is what batch arrays point to */
} arw_dict;

struct arw_reader {
    bool have_schema;
    arw_schema schema;
    arw_array *pool;         /* arrays of the current RecordBatch: one per schema field, all levels */
    arw_batch batch;
    bool have_batch;
    arw_dict *dicts;
    int ndicts;
    arw_arena arena;
    arw_dctx *dctx;
    uint64_t max_decompressed;
};

arw_reader *arw_reader_new(void) {
    arw_reader *r = qv_calloc(1, sizeof *r);
    arw_arena_init(&r->arena);
    r->dctx = arw_dctx_new();
    r->max_decompressed = (uint64_t)4 << 30;
    return r;
}

/* Drops the schema and everything derived from it (dictionaries, array pools). */
static void drop_schema(arw_reader *r) {
    for (int i = 0; i < r->ndicts; i++) {
        arw_owned_free(&r->dicts[i].owned);
        free(r->dicts[i].scratch);
        free(r->dicts[i].views);
    }
    free(r->dicts);
    free(r->pool);
    arw_schema_free(&r->schema);
    r->dicts = NULL;
    r->ndicts = 0;
    r->pool = NULL;
    r->have_schema = false;
    r->have_batch = false;
}

void arw_reader_free(arw_reader *r) {
    if (!r) return;
    drop_schema(r);
    arw_arena_free(&r->arena);
    arw_dctx_free(r->dctx);
    free(r);
}

void arw_reader_set_max_decompressed(arw_reader *r, uint64_t bytes) { r->max_decompressed = bytes; }

const arw_schema *arw_reader_schema(const arw_reader *r) { return r->have_schema ? &r->schema : NULL; }

const arw_batch *arw_reader_batch(const arw_reader *r) { return r->have_batch ? &r->batch : NULL; }

/* ---- schema set-up ---------------------------------------------------------------------------- */

static arw_dict *find_dict(arw_reader *r, int64_t id) {
    for (int i = 0; i < r->ndicts; i++)
        if (r->dicts[i].id == id) return &r->dicts[i];
    return NULL;
}

static void values_type_name(const arw_field *f, char *out, size_t cap) {
    arw_field v = *f;
    v.dictionary = false;
    arw_type_name(&v, out, cap);
}

static int count_dicts(const arw_field *f) {
    int n = f->dictionary;
    for (int i = 0; i < f->nchildren; i++) n += count_dicts(&f->children[i]);
    return n;
}

static int add_dicts(arw_reader *r, const arw_field *f, qv_err *err) {
    if (f->dictionary) {
        arw_dict *d = find_dict(r, f->dict_id);
        if (d) {
            char a[128], b[128];
            values_type_name(d->field, a, sizeof a);
            values_type_name(f, b, sizeof b);
            if (strcmp(a, b))
                return qv_err_set(err, QV_EINVAL,
                                  "schema fields '%s' (%s) and '%s' (%s) share dictionary id %lld but not a type",
                                  d->field->name, a, f->name, b, (long long)f->dict_id);
        } else {
            d = &r->dicts[r->ndicts++];
            d->id = f->dict_id;
            d->field = f;
            d->values_field = *f;
            d->values_field.dictionary = false;
            arw_owned_init(&d->owned, f);
            int n = arw_field_tree_size(f);
            d->scratch = qv_calloc((size_t)n, sizeof(arw_array));
            d->views = qv_calloc((size_t)n, sizeof(arw_array));
            arw_array *p = d->views + 1;
            arw_owned_view(&d->owned, &d->values_field, &d->views[0], &p);
        }
    }
    for (int i = 0; i < f->nchildren; i++)
        if (add_dicts(r, &f->children[i], err)) return -1;
    return 0;
}

static int setup_schema(arw_reader *r, const fb_table *t, qv_err *err) {
    if (arw_schema_from_table(t, &r->schema, err)) {
        drop_schema(r);
        return qv_err_prefix(err, "Schema");
    }
    int total = 0, ndicts = 0;
    for (int i = 0; i < r->schema.nfields; i++) {
        total += arw_field_tree_size(&r->schema.fields[i]);
        ndicts += count_dicts(&r->schema.fields[i]);
    }
    r->pool = qv_calloc((size_t)(total ? total : 1), sizeof(arw_array));
    if (ndicts) r->dicts = qv_calloc((size_t)ndicts, sizeof(arw_dict));
    for (int i = 0; i < r->schema.nfields; i++)
        if (add_dicts(r, &r->schema.fields[i], err)) {
            drop_schema(r);
            return qv_err_prefix(err, "Schema");
        }
    r->have_schema = true;
    return 0;
}

/* ---- body walk -------------------------------------------------------------------------------- */

typedef struct dec {
    arw_reader *r;
    const uint8_t *body;
    size_t body_len;
    fb_vec nodes, bufs;
    uint32_t ni, bi;
    int codec;                 /* -1: uncompressed */
    uint64_t inflated;         /* bytes decompressed so far in this message */
    arw_array *pool_next;
    const arw_field *stack[ARW_MAX_DEPTH + 2];
    int depth;
    char what[96];             /* "RecordBatch" or "DictionaryBatch id 3" */
    qv_err *err;
} dec;

static int derr(dec *d, qv_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int derr(dec *d, qv_code code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    qv_err_vset(d->err, code, fmt, ap);
    va_end(ap);
    char path[256];
    size_t n = 0;
    path[0] = 0;
    for (int i = 0; i < d->depth && n + 1 < sizeof path; i++) {
        int k = snprintf(path + n, sizeof path - n, "%s%s", i ? "." : "", d->stack[i]->name);
        if (k < 0) break;
        n += (size_t)k;
    }
    if (n >= sizeof path) n = sizeof path - 1;
    if (d->depth) return qv_err_prefix(d->err, "%s: column '%s'", d->what, path);
    return qv_err_prefix(d->err, "%s", d->what);
}

/* Decompresses buffer idx. apache-arrow JS up to 21.x writes the compressed size in the prefix (fixed
 * upstream in arrow-js#470), so a prefix equal to the compressed size means "unknown": the buffer is
 * decompressed to whatever it really holds, within the codec's expansion bound and the message cap.
 * Any other prefix must match the output exactly. */
static int take_compressed(dec *d, uint32_t idx, const char *role, int64_t off, const uint8_t *p, size_t n,
                           uint64_t claimed, const uint8_t **out, size_t *out_len) {
    arw_codec codec = (arw_codec)d->codec;
    uint64_t room = d->r->max_decompressed - d->inflated;
    bool exact = claimed != n;
    char why[QV_ERR_MSG_MAX];
    if (!exact) {
        claimed = arw_max_expansion(codec, n);
        if (claimed > room) claimed = room;
    } else {
        if (arw_decompress_check(codec, n, claimed, d->err)) {
            snprintf(why, sizeof why, "%s", d->err->msg);
            return derr(d, QV_EINVAL, "buffer %u (%s) at body offset %lld: %s", idx, role, (long long)off, why);
        }
        if (claimed > room)
            return derr(d, QV_ETOOBIG, "buffer %u (%s) would decompress the message past the %llu-byte limit",
                        idx, role, (unsigned long long)d->r->max_decompressed);
    }
    uint8_t *plain;
    size_t got;
    if (arw_decompress(d->r->dctx, codec, p, n, (size_t)claimed, exact, &plain, &got, d->err)) {
        snprintf(why, sizeof why, "%s", d->err->msg);
        return derr(d, QV_EINVAL, "buffer %u (%s) at body offset %lld: %s", idx, role, (long long)off, why);
    }
    arw_arena_adopt(&d->r->arena, plain);
    d->inflated += got;
    *out = plain;
    *out_len = got;
    return 0;
}

/* The next buffer, decompressed and 8-byte aligned. Zero-length buffers yield the zero block. */
static int take_buffer(dec *d, const char *role, const uint8_t **out, size_t *out_len) {
    if (d->bi >= d->bufs.count)
        return derr(d, QV_EINVAL, "the message lists %u buffers, fewer than the schema's columns need (ran out at the %s buffer)",
                    d->bufs.count, role);
    uint32_t idx = d->bi++;
    const uint8_t *e = fb_vec_at(&d->bufs, idx);
    int64_t off = fb_load_i64(e), len = fb_load_i64(e + 8);
    if (off < 0 || len < 0 || (uint64_t)off > d->body_len || (uint64_t)len > d->body_len - (uint64_t)off)
        return derr(d, QV_EINVAL, "buffer %u (%s) at body offset %lld, length %lld lies outside the %zu-byte body",
                    idx, role, (long long)off, (long long)len, d->body_len);
    if (len == 0) {
        *out = (const uint8_t *)arw_zero_block;
        *out_len = 0;
        return 0;
    }
    const uint8_t *p = d->body + off;
    size_t n = (size_t)len;
    if (d->codec >= 0) {
        if (n < 8)
            return derr(d, QV_EINVAL, "compressed buffer %u (%s) at body offset %lld is %zu bytes, too short for its 8-byte length prefix",
                        idx, role, (long long)off, n);
        int64_t claimed = fb_load_i64(p);
        p += 8;
        n -= 8;
        if (claimed != -1) {
            if (claimed < 0)
                return derr(d, QV_EINVAL, "compressed buffer %u (%s) claims a negative uncompressed length %lld",
                            idx, role, (long long)claimed);
            return take_compressed(d, idx, role, off, p, n, (uint64_t)claimed, out, out_len);
        }
    }
    if ((uintptr_t)p & 7) {
        uint8_t *copy = arw_arena_alloc(&d->r->arena, n);
        memcpy(copy, p, n);
        p = copy;
    }
    *out = p;
    *out_len = n;
    return 0;
}

static int take_validity(dec *d, arw_array *a) {
    const uint8_t *p;
    size_t n;
    if (take_buffer(d, "validity", &p, &n)) return -1;
    if (a->null_count == 0) return 0; /* null_count 0: any bitmap is ignored, as Arrow C++ does */
    uint64_t need = ((uint64_t)a->length + 7) / 8;
    if (n == 0)
        return derr(d, QV_EINVAL, "null_count is %lld but no validity bitmap was sent", (long long)a->null_count);
    if (n < need)
        return derr(d, QV_EINVAL, "validity bitmap is %zu bytes but %lld rows need %llu", n, (long long)a->length,
                    (unsigned long long)need);
    /* The bitmap is what arw_is_valid reads, so null_count is recounted from it (a popcount). */
    a->null_count = a->length - arw_bits_count(p, 0, a->length);
    a->validity = a->null_count ? p : NULL;
    return 0;
}

/* Offsets: length + 1 entries, first >= 0, non-decreasing. The caller checks the last one. */
static int take_offsets(dec *d, arw_array *a, bool wide) {
    const uint8_t *p;
    size_t n;
    if (take_buffer(d, "offsets", &p, &n)) return -1;
    size_t w = wide ? 8 : 4;
    if (n == 0 && a->length == 0) {
        a->offsets = arw_zero_block;
        return 0;
    }
    if ((uint64_t)a->length >= n / w)
        return derr(d, QV_EINVAL, "offsets buffer is %zu bytes but %lld rows need %llu", n, (long long)a->length,
                    ((unsigned long long)a->length + 1) * w);
    int64_t len = a->length;
    bool bad = false;
    if (wide) {
        const int64_t *o = (const int64_t *)p;
        if (o[0] < 0) return derr(d, QV_EINVAL, "first offset %lld is negative", (long long)o[0]);
        for (int64_t i = 0; i < len; i++) bad |= o[i + 1] < o[i];
        if (bad)
            for (int64_t i = 0; i < len; i++)
                if (o[i + 1] < o[i])
                    return derr(d, QV_EINVAL, "offsets decrease at row %lld (%lld then %lld)", (long long)i,
                                (long long)o[i], (long long)o[i + 1]);
    } else {
        const int32_t *o = (const int32_t *)p;
        if (o[0] < 0) return derr(d, QV_EINVAL, "first offset %d is negative", o[0]);
        for (int64_t i = 0; i < len; i++) bad |= o[i + 1] < o[i];
        if (bad)
            for (int64_t i = 0; i < len; i++)
                if (o[i + 1] < o[i])
                    return derr(d, QV_EINVAL, "offsets decrease at row %lld (%d then %d)", (long long)i, o[i],
                                o[i + 1]);
    }
    a->offsets = p;
    return 0;
}

static int64_t last_offset(const arw_array *a, bool wide) {
    return wide ? ((const int64_t *)a->offsets)[a->length] : ((const int32_t *)a->offsets)[a->length];
}

/* Largest index among valid rows, as unsigned (negative signed indices become huge). */
#define MAX_INDEX(T, WIDEN)                                                                             \
    static uint64_t max_index_##T(const arw_array *a) {                                                 \
        const T *v = a->values;                                                                         \
        uint64_t mx = 0;                                                                                \
        int64_t n = a->length;                                                                          \
        if (!a->validity) {                                                                             \
            for (int64_t i = 0; i < n; i++) {                                                           \
                uint64_t x = WIDEN(v[i]);                                                               \
                mx = x > mx ? x : mx;                                                                   \
            }                                                                                           \
        } else {                                                                                        \
            const uint8_t *vb = a->validity;                                                            \
            for (int64_t i = 0; i < n; i++) {                                                           \
                uint64_t x = WIDEN(v[i]) & (0 - (uint64_t)((vb[i >> 3] >> (i & 7)) & 1));               \
                mx = x > mx ? x : mx;                                                                   \
            }                                                                                           \
        }                                                                                               \
        return mx;                                                                                      \
    }
#define WIDEN_S(x) ((uint64_t)(int64_t)(x))
#define WIDEN_U(x) ((uint64_t)(x))
MAX_INDEX(int8_t, WIDEN_S)
MAX_INDEX(int16_t, WIDEN_S)
MAX_INDEX(int32_t, WIDEN_S)
MAX_INDEX(int64_t, WIDEN_S)
MAX_INDEX(uint8_t, WIDEN_U)
MAX_INDEX(uint16_t, WIDEN_U)
MAX_INDEX(uint32_t, WIDEN_U)
MAX_INDEX(uint64_t, WIDEN_U)

static int64_t index_at(const arw_array *a, int64_t i) {
    const arw_field *f = a->field;
    switch (f->index_bit_width) {
    case 8: return f->index_signed ? (int64_t)((const int8_t *)a->values)[i] : (int64_t)((const uint8_t *)a->values)[i];
    case 16:
        return f->index_signed ? (int64_t)((const int16_t *)a->values)[i] : (int64_t)((const uint16_t *)a->values)[i];
    case 32:
        return f->index_signed ? (int64_t)((const int32_t *)a->values)[i] : (int64_t)((const uint32_t *)a->values)[i];
    default: return ((const int64_t *)a->values)[i];
    }
}

static int check_indices(dec *d, arw_array *a) {
    const arw_field *f = a->field;
    arw_dict *dict = find_dict(d->r, f->dict_id);
    if (!dict) return derr(d, QV_EINTERNAL, "dictionary id %lld has no entry", (long long)f->dict_id);
    a->dict = &dict->views[0];
    if (a->length == a->null_count) return 0; /* all null: the dictionary may not have arrived yet */
    if (!dict->present)
        return derr(d, QV_EINVAL, "uses dictionary id %lld, but no DictionaryBatch with that id has arrived",
                    (long long)f->dict_id);
    uint64_t mx;
    bool s = f->index_signed;
    switch (f->index_bit_width) {
    case 8: mx = s ? max_index_int8_t(a) : max_index_uint8_t(a); break;
    case 16: mx = s ? max_index_int16_t(a) : max_index_uint16_t(a); break;
    case 32: mx = s ? max_index_int32_t(a) : max_index_uint32_t(a); break;
    default: mx = s ? max_index_int64_t(a) : max_index_uint64_t(a); break;
    }
    int64_t dlen = dict->owned.length;
    if (mx < (uint64_t)dlen) return 0;
    for (int64_t i = 0; i < a->length; i++) {
        if (!arw_is_valid(a, i)) continue;
        int64_t x = index_at(a, i);
        bool out = (!s && f->index_bit_width == 64) ? (uint64_t)x >= (uint64_t)dlen : (x < 0 || x >= dlen);
        if (out)
            return derr(d, QV_EINVAL, "dictionary index %lld at row %lld is out of range: dictionary %lld has %lld values",
                        s || f->index_bit_width < 64 ? (long long)x : (long long)(uint64_t)x, (long long)i,
                        (long long)f->dict_id, (long long)dlen);
    }
    return 0;
}

static int decode_array(dec *d, const arw_field *f, arw_array *a);

static int decode_children(dec *d, const arw_field *f, arw_array *a) {
    a->nchildren = f->nchildren;
    a->children = d->pool_next;
    d->pool_next += f->nchildren;
    for (int i = 0; i < f->nchildren; i++)
        if (decode_array(d, &f->children[i], &a->children[i])) return -1;
    return 0;
}

static int decode_layout(dec *d, const arw_field *f, arw_array *a) {
    int w;
    arw_layout lay = arw_field_layout(f, false, &w);
    const uint8_t *p;
    size_t n;
    uint64_t len = (uint64_t)a->length;
    switch (lay) {
    case ARW_LAY_NONE: return 0;
    case ARW_LAY_OPAQUE: {
        char tn[96];
        arw_type_name(f, tn, sizeof tn);
        return derr(d, QV_EINVAL, "has type %s, whose buffers quiver cannot decode; leave this column out", tn);
    }
    case ARW_LAY_FIXED:
    case ARW_LAY_BITS: {
        if (take_validity(d, a) || take_buffer(d, f->dictionary ? "indices" : "data", &p, &n)) return -1;
        uint64_t need = lay == ARW_LAY_BITS ? (len + 7) / 8 : 0;
        bool ok = lay == ARW_LAY_BITS ? n >= need : len <= n / (size_t)(w / 8);
        if (!ok) {
            need = lay == ARW_LAY_BITS ? need : len * (uint64_t)(w / 8);
            if (len > (UINT64_MAX >> 8)) need = UINT64_MAX;
            return derr(d, QV_EINVAL, "data buffer is %zu bytes but %lld rows need %llu", n, (long long)a->length,
                        (unsigned long long)need);
        }
        a->values = p;
        a->values_len = n;
        return f->dictionary ? check_indices(d, a) : 0;
    }
    case ARW_LAY_VAR32:
    case ARW_LAY_VAR64: {
        bool wide = lay == ARW_LAY_VAR64;
        if (take_validity(d, a) || take_offsets(d, a, wide) || take_buffer(d, "data", &p, &n)) return -1;
        int64_t last = last_offset(a, wide);
        if ((uint64_t)last > n)
            return derr(d, QV_EINVAL, "last offset %lld is past the end of the %zu-byte data buffer", (long long)last, n);
        a->values = p;
        a->values_len = n;
        return 0;
    }
    case ARW_LAY_LIST32:
    case ARW_LAY_LIST64: {
        bool wide = lay == ARW_LAY_LIST64;
        if (take_validity(d, a) || take_offsets(d, a, wide) || decode_children(d, f, a)) return -1;
        int64_t last = last_offset(a, wide);
        if (last > a->children[0].length)
            return derr(d, QV_EINVAL, "last offset %lld is past the end of the %lld-item child array", (long long)last,
                        (long long)a->children[0].length);
        return 0;
    }
    case ARW_LAY_FSL: {
        if (take_validity(d, a) || decode_children(d, f, a)) return -1;
        int64_t need;
        if (__builtin_mul_overflow(a->length, (int64_t)f->list_size, &need))
            return derr(d, QV_EINVAL, "%lld lists of %d items overflow the child length", (long long)a->length,
                        (int)f->list_size);
        if (need > a->children[0].length)
            return derr(d, QV_EINVAL, "%lld lists of %d need %lld child items but the child array has %lld",
                        (long long)a->length, (int)f->list_size, (long long)need, (long long)a->children[0].length);
        return 0;
    }
    case ARW_LAY_STRUCT:
        if (take_validity(d, a) || decode_children(d, f, a)) return -1;
        for (int i = 0; i < f->nchildren; i++)
            if (a->children[i].length < a->length)
                return derr(d, QV_EINVAL, "child '%s' has %lld rows, fewer than the struct's %lld", f->children[i].name,
                            (long long)a->children[i].length, (long long)a->length);
        return 0;
    }
    return 0;
}

static int decode_array(dec *d, const arw_field *f, arw_array *a) {
    memset(a, 0, sizeof *a);
    a->field = f;
    if (d->depth >= ARW_MAX_DEPTH + 1) return derr(d, QV_EINVAL, "nests too deeply");
    d->stack[d->depth++] = f;
    if (d->ni >= d->nodes.count)
        return derr(d, QV_EINVAL, "the message has %u field nodes, fewer than the schema's columns need",
                    d->nodes.count);
    const uint8_t *e = fb_vec_at(&d->nodes, d->ni++);
    a->length = fb_load_i64(e);
    a->null_count = fb_load_i64(e + 8);
    if (a->length < 0) return derr(d, QV_EINVAL, "field node length %lld is negative", (long long)a->length);
    if (a->null_count < 0 || a->null_count > a->length)
        return derr(d, QV_EINVAL, "null_count %lld is not between 0 and the length %lld", (long long)a->null_count,
                    (long long)a->length);
    if (decode_layout(d, f, a)) return -1;
    d->depth--;
    return 0;
}

/* Walks a RecordBatch table's nodes and buffers over `fields`, filling cols[0, nfields) and children
 * from `pool`. */
static int decode_batch(dec *d, const fb_table *rb, const arw_field *fields, int nfields, arw_array *cols,
                        arw_array *pool, int64_t *length) {
    fb_table comp;
    bool has_comp, has;
    if (fb_read_i64(rb, RB_LENGTH, 0, length, "RecordBatch.length", d->err) ||
        fb_read_vector(rb, RB_NODES, 16, 8, &d->nodes, &has, "RecordBatch.nodes", d->err) ||
        fb_read_vector(rb, RB_BUFFERS, 16, 8, &d->bufs, &has, "RecordBatch.buffers", d->err) ||
        fb_read_table(rb, RB_COMPRESSION, &comp, &has_comp, "RecordBatch.compression", d->err))
        return qv_err_prefix(d->err, "%s", d->what);
    if (*length < 0) return derr(d, QV_EINVAL, "length %lld is negative", (long long)*length);
    d->codec = -1;
    if (has_comp) {
        int8_t codec, method;
        if (fb_read_i8(&comp, COMP_CODEC, 0, &codec, "BodyCompression.codec", d->err) ||
            fb_read_i8(&comp, COMP_METHOD, 0, &method, "BodyCompression.method", d->err))
            return qv_err_prefix(d->err, "%s", d->what);
        if (codec != ARW_CODEC_LZ4_FRAME && codec != ARW_CODEC_ZSTD)
            return derr(d, QV_EINVAL, "unknown compression codec %d (quiver reads LZ4_FRAME = 0 and ZSTD = 1)", codec);
        if (method != 0) return derr(d, QV_EINVAL, "unknown body compression method %d (only BUFFER = 0)", method);
        d->codec = codec;
    }
    d->pool_next = pool;
    for (int i = 0; i < nfields; i++) {
        if (decode_array(d, &fields[i], &cols[i])) return -1;
        if (cols[i].length != *length) {
            d->stack[0] = &fields[i];
            d->depth = 1;
            return derr(d, QV_EINVAL, "has %lld rows but the batch has %lld", (long long)cols[i].length,
                        (long long)*length);
        }
    }
    if (d->ni != d->nodes.count)
        return derr(d, QV_EINVAL, "the message has %u field nodes but the schema's columns use %u", d->nodes.count,
                    d->ni);
    if (d->bi != d->bufs.count)
        return derr(d, QV_EINVAL, "the message has %u buffers but the schema's columns use %u", d->bufs.count, d->bi);
    return 0;
}

static void dec_init(dec *d, arw_reader *r, const uint8_t *body, size_t body_len, qv_err *err) {
    memset(d, 0, sizeof *d);
    d->r = r;
    d->body = body;
    d->body_len = body ? body_len : 0;
    d->err = err;
}

static int check_body(const arw_msg *m, const uint8_t *body, size_t body_len, const char *what, qv_err *err) {
    size_t have = body ? body_len : 0;
    if ((uint64_t)m->body_length > have)
        return qv_err_set(err, QV_EINVAL, "%s: the message declares a %lld-byte body but %zu bytes arrived", what,
                          (long long)m->body_length, have);
    return 0;
}

static int feed_batch(arw_reader *r, const arw_msg *m, const uint8_t *body, size_t body_len, qv_err *err) {
    dec d;
    if (check_body(m, body, body_len, "RecordBatch", err)) return -1;
    dec_init(&d, r, body, body_len, err);
    snprintf(d.what, sizeof d.what, "RecordBatch");
    int nf = r->schema.nfields;
    if (decode_batch(&d, &m->header, r->schema.fields, nf, r->pool, r->pool + nf, &r->batch.length)) return -1;
    r->batch.ncolumns = nf;
    r->batch.columns = r->pool;
    r->have_batch = true;
    return 0;
}

/* Dictionary values are copied and kept, so every level must have a length its buffers back up. */
static int check_dict_values(const arw_field *f, bool top, const arw_dict *dict, qv_err *err) {
    char tn[96];
    int w;
    arw_layout lay = arw_field_layout(f, true, &w);
    if (!top && f->dictionary)
        return qv_err_set(err, QV_EINVAL, "column '%s': dictionary values that are themselves dictionary-encoded are not supported",
                          dict->field->name);
    if (lay == ARW_LAY_NONE || lay == ARW_LAY_STRUCT || lay == ARW_LAY_OPAQUE ||
        (lay == ARW_LAY_FSL && f->list_size == 0)) {
        values_type_name(f, tn, sizeof tn);
        return qv_err_set(err, QV_EINVAL, "column '%s': dictionary values of type %s are not supported",
                          dict->field->name, tn);
    }
    for (int i = 0; i < f->nchildren; i++)
        if (check_dict_values(&f->children[i], false, dict, err)) return -1;
    return 0;
}

static int feed_dictionary(arw_reader *r, const arw_msg *m, const uint8_t *body, size_t body_len, qv_err *err) {
    int64_t id;
    bool delta, has_data;
    fb_table data;
    if (fb_read_i64(&m->header, DB_ID, 0, &id, "DictionaryBatch.id", err) ||
        fb_read_table(&m->header, DB_DATA, &data, &has_data, "DictionaryBatch.data", err) ||
        fb_read_bool(&m->header, DB_IS_DELTA, false, &delta, "DictionaryBatch.isDelta", err))
        return qv_err_prefix(err, "DictionaryBatch");
    arw_dict *dict = find_dict(r, id);
    if (!dict)
        return qv_err_set(err, QV_EINVAL, "DictionaryBatch id %lld: no schema field uses this dictionary id",
                          (long long)id);
    if (!has_data) return qv_err_set(err, QV_EINVAL, "DictionaryBatch id %lld has no data", (long long)id);
    if (check_dict_values(&dict->values_field, true, dict, err))
        return qv_err_prefix(err, "DictionaryBatch id %lld", (long long)id);
    if (check_body(m, body, body_len, "DictionaryBatch", err)) return -1;
    dec d;
    dec_init(&d, r, body, body_len, err);
    snprintf(d.what, sizeof d.what, "DictionaryBatch id %lld", (long long)id);
    int64_t len;
    if (decode_batch(&d, &data, &dict->values_field, 1, dict->scratch, dict->scratch + 1, &len)) return -1;
    const arw_array *src = &dict->scratch[0];
    bool append = delta && dict->present;
    if ((append ? dict->owned.length : 0) + len > INT32_MAX)
        return qv_err_set(err, QV_ETOOBIG, "DictionaryBatch id %lld: the dictionary would exceed 2^31 values",
                          (long long)id);
    if (append && arw_owned_can_append(&dict->owned, &dict->values_field, src, 0, len, err))
        return qv_err_prefix(err, "DictionaryBatch id %lld", (long long)id);
    if (!append) arw_owned_clear(&dict->owned);
    arw_owned_append(&dict->owned, &dict->values_field, src, 0, len);
    arw_array *p = dict->views + 1;
    arw_owned_view(&dict->owned, &dict->values_field, &dict->views[0], &p);
    dict->present = true;
    return 0;
}

int arw_reader_feed(arw_reader *r, const uint8_t *header, size_t header_len, const uint8_t *body, size_t body_len,
                    arw_msg_type *type, qv_err *err) {
    arw_msg m;
    arw_arena_reset(&r->arena);
    r->have_batch = false;
    if (arw_msg_open(header, header_len, &m, err)) return -1;
    switch (m.type) {
    case ARW_MSG_SCHEMA:
        if (r->have_schema)
            return qv_err_set(err, QV_EINVAL, "a second Schema message arrived; a stream has exactly one, first");
        if (setup_schema(r, &m.header, err)) return -1;
        break;
    case ARW_MSG_DICTIONARY:
    case ARW_MSG_RECORD_BATCH:
        if (!r->have_schema)
            return qv_err_set(err, QV_EINVAL, "a %s arrived before the Schema message, which must come first",
                              m.type == ARW_MSG_DICTIONARY ? "DictionaryBatch" : "RecordBatch");
        if (m.type == ARW_MSG_DICTIONARY ? feed_dictionary(r, &m, body, body_len, err)
                                         : feed_batch(r, &m, body, body_len, err))
            return -1;
        break;
    case 4:
    case 5:
        return qv_err_set(err, QV_EUNIMPL, "%s messages are not supported", m.type == 4 ? "Tensor" : "SparseTensor");
    case 0: return qv_err_set(err, QV_EINVAL, "the message has no header (header type NONE)");
    default: return qv_err_set(err, QV_EINVAL, "unknown message type %d", m.type);
    }
    if (type) *type = (arw_msg_type)m.type;
    return 0;
}

/* ---- stream framing --------------------------------------------------------------------------- */

int arw_frame_read(const uint8_t *in, size_t len, const uint8_t **header, size_t *header_len,
                   const uint8_t **body, size_t *body_len, size_t *consumed, qv_err *err) {
    *header = *body = NULL;
    *header_len = *body_len = *consumed = 0;
    if (len < 4) return qv_err_set(err, QV_EINVAL, "IPC stream truncated: %zu bytes where a message length belongs", len);
    uint32_t first = fb_load_u32(in);
    size_t pos = 4;
    int32_t size;
    if (first == 0xffffffffu) {
        if (len < 8) return qv_err_set(err, QV_EINVAL, "IPC stream truncated after the continuation marker");
        memcpy(&size, in + 4, 4);
        pos = 8;
    } else {
        memcpy(&size, in, 4);
    }
    if (size == 0) {
        *consumed = pos;
        return 0;
    }
    if (size < 0 || (size_t)size > len - pos)
        return qv_err_set(err, QV_EINVAL, "IPC stream message at byte %zu declares %d metadata bytes but %zu remain",
                          pos, size, len - pos);
    arw_msg m;
    if (arw_msg_open(in + pos, (size_t)size, &m, err)) return -1;
    size_t hend = pos + (size_t)size;
    if ((uint64_t)m.body_length > len - hend)
        return qv_err_set(err, QV_EINVAL, "IPC stream message declares a %lld-byte body but %zu bytes remain",
                          (long long)m.body_length, len - hend);
    *header = in + pos;
    *header_len = (size_t)size;
    *body = in + hend;
    *body_len = (size_t)m.body_length;
    *consumed = hend + (size_t)m.body_length;
    return 0;
}
