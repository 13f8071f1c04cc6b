/* columns.c — Arrow columns of a DoPut stream -> loader chunks.
 *
 * Owns: which column plays which role (nodeId, labels, sourceNodeId, ...; everything else is a
 * property), which Arrow types are accepted for each role and what they are stored as, and the per-batch
 * conversion into the malloc'd arrays of a gnode_chunk / grel_chunk. Every value is checked on the way
 * (null or negative ids, label types, numeric relationship properties) and errors name the column and row.
 * The loader owns the chunks once they are handed over.
 */
#include "api/flight/columns.h"
#include "util/buf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void col_plan_init(col_plan *p, put_entity e, graph_id_type id_type, gloader *loader, gproploader *props) {
    memset(p, 0, sizeof *p);
    p->entity = e;
    p->id_type = id_type;
    p->loader = loader;
    p->props = props;
    p->id_col = p->src_col = p->tgt_col = p->type_col = p->labels_col = p->src_labels_col = p->tgt_labels_col = -1;
    qv_strtab_init(&p->name_cache);
    qv_strtab_init(&p->set_cache);
}

void col_plan_free(col_plan *p) {
    free(p->cols);
    qv_strtab_free(&p->name_cache);
    qv_strtab_free(&p->set_cache);
    free(p->name_ids);
    free(p->set_ids);
}

void col_plan_common_label(col_plan *p, const char *name, size_t len) {
    if (p->ncommon < (int)(sizeof p->common_labels / sizeof p->common_labels[0]))
        p->common_labels[p->ncommon++] = gloader_label(p->loader, name, len);
}

/* ---- schema ------------------------------------------------------------------------------------- */

static bool is_string_kind(arw_kind k) { return k == ARW_UTF8 || k == ARW_LARGE_UTF8; }
static bool is_list_kind(arw_kind k) { return k == ARW_LIST || k == ARW_LARGE_LIST || k == ARW_FIXED_SIZE_LIST; }

static int bad_type(const arw_field *f, const char *what, qv_err *err) {
    char tn[96];
    arw_type_name(f, tn, sizeof tn);
    return qv_err_set(err, QV_EINVAL, "column '%s' has type %s; %s", f->name, tn, what);
}

static int check_id_field(const col_plan *p, const arw_field *f, qv_err *err) {
    if (p->id_type == GRAPH_ID_STRING) {
        if (!f->dictionary && is_string_kind(f->kind)) return 0;
        return bad_type(f, "this database was created with id_type STRING, so ids must be utf8 strings", err);
    }
    if (!f->dictionary && f->kind == ARW_INT) return 0;
    return bad_type(f, "node ids must be integers (int64) for graphs with INTEGER ids", err);
}

static int check_labels_field(const arw_field *f, qv_err *err) {
    if (is_string_kind(f->kind)) return 0; /* plain or dictionary-encoded strings */
    if (!f->dictionary && (f->kind == ARW_LIST || f->kind == ARW_LARGE_LIST) && f->nchildren == 1 &&
        !f->children[0].dictionary && is_string_kind(f->children[0].kind))
        return 0;
    return bad_type(f, "labels must be a string, a dictionary-encoded string, or a list of strings", err);
}

static int node_prop_type(const arw_field *f, gprop_type *t, qv_err *err) {
    if (f->dictionary) {
        if (is_string_kind(f->kind)) return *t = GPROP_STRING, 0;
    } else if (f->kind == ARW_INT) {
        return *t = GPROP_INT64, 0; /* uint64 values above INT64_MAX are rejected per row */
    } else if (f->kind == ARW_FLOAT && f->bit_width >= 32) {
        return *t = GPROP_DOUBLE, 0;
    } else if (f->kind == ARW_BOOL) {
        return *t = GPROP_BOOL, 0;
    } else if (is_string_kind(f->kind)) {
        return *t = GPROP_STRING, 0;
    } else if (is_list_kind(f->kind) && f->nchildren == 1 && !f->children[0].dictionary) {
        const arw_field *c = &f->children[0];
        if (c->kind == ARW_INT) return *t = GPROP_INT64_LIST, 0;
        if (c->kind == ARW_FLOAT && c->bit_width == 64) return *t = GPROP_DOUBLE_LIST, 0;
        if (c->kind == ARW_FLOAT && c->bit_width == 32) return *t = GPROP_FLOAT_LIST, 0;
    }
    return bad_type(f, "node properties may be integers, floating point, bool, strings, or lists of integers, "
                       "doubles or floats",
                    err);
}

static int rel_prop_type(const arw_field *f, qv_err *err) {
    if (!f->dictionary && (f->kind == ARW_INT || (f->kind == ARW_FLOAT && f->bit_width >= 32))) return 0;
    return bad_type(f, "relationship properties must be numeric (they are stored as double)", err);
}

static bool named(const arw_field *f, const char *name) { return strcmp(f->name, name) == 0; }

static int find_field(const arw_schema *s, const char *name) {
    for (int i = 0; i < s->nfields; i++)
        if (named(&s->fields[i], name)) return i;
    return -1;
}

int col_plan_schema(col_plan *p, const arw_schema *s, qv_err *err) {
    free(p->cols);
    p->ncols = s->nfields;
    p->cols = qv_calloc((size_t)(s->nfields ? s->nfields : 1), sizeof *p->cols);
    p->id_col = p->src_col = p->tgt_col = p->type_col = p->labels_col = p->src_labels_col = p->tgt_labels_col = -1;
    bool nodes = p->entity == ENT_NODE || p->entity == ENT_NODE_PROPS;
    int type_col = find_field(s, "relationshipType");
    if (type_col < 0) type_col = find_field(s, "type"); /* the GDS docs' alias */
    for (int i = 0; i < s->nfields; i++) {
        const arw_field *f = &s->fields[i];
        for (int j = 0; j < i; j++)
            if (named(&s->fields[j], f->name))
                return qv_err_set(err, QV_EINVAL, "column '%s' appears twice in the schema", f->name);
        col_spec *c = &p->cols[i];
        if (named(f, "__index_level_0__")) continue; /* pandas index column: not data */
        if (nodes && named(f, "nodeId")) {
            if (check_id_field(p, f, err) < 0) return -1;
            c->role = ROLE_ID, p->id_col = i;
        } else if (nodes && named(f, "labels")) {
            if (p->entity == ENT_NODE_PROPS) continue; /* labels come from the graph */
            if (check_labels_field(f, err) < 0) return -1;
            c->role = ROLE_LABELS, p->labels_col = i;
        } else if (!nodes && (named(f, "sourceNodeId") || (p->entity == ENT_TRIPLET && named(f, "sourceNode")))) {
            if (p->src_col >= 0) return qv_err_set(err, QV_EINVAL, "both sourceNode and sourceNodeId columns were sent");
            if (check_id_field(p, f, err) < 0) return -1;
            c->role = ROLE_SRC, p->src_col = i;
        } else if (!nodes && (named(f, "targetNodeId") || (p->entity == ENT_TRIPLET && named(f, "targetNode")))) {
            if (p->tgt_col >= 0) return qv_err_set(err, QV_EINVAL, "both targetNode and targetNodeId columns were sent");
            if (check_id_field(p, f, err) < 0) return -1;
            c->role = ROLE_TGT, p->tgt_col = i;
        } else if (!nodes && i == type_col) {
            if (!is_string_kind(f->kind))
                return bad_type(f, "the relationship type must be a string or a dictionary-encoded string", err);
            c->role = ROLE_TYPE, p->type_col = i;
        } else if (p->entity == ENT_TRIPLET && (named(f, "sourceNodeLabels") || named(f, "targetNodeLabels"))) {
            if (check_labels_field(f, err) < 0) return -1;
            bool src = named(f, "sourceNodeLabels");
            c->role = src ? ROLE_SRC_LABELS : ROLE_TGT_LABELS;
            *(src ? &p->src_labels_col : &p->tgt_labels_col) = i;
        } else {
            c->role = ROLE_PROP;
            if (nodes) {
                if (node_prop_type(f, &c->type, err) < 0) return -1;
            } else {
                if (rel_prop_type(f, err) < 0) return -1;
                c->type = GPROP_DOUBLE;
            }
            int rc = p->entity == ENT_NODE_PROPS ? gproploader_prop_key(p->props, f->name, c->type, &c->key, err)
                                                 : gloader_prop_key(p->loader, !nodes, f->name, c->type, &c->key, err);
            if (rc < 0) return qv_err_prefix(err, "column '%s'", f->name);
        }
    }
    if (nodes && p->id_col < 0)
        return qv_err_set(err, QV_EINVAL, "the %s stream is missing the required column 'nodeId'",
                          p->entity == ENT_NODE ? "node" : "node-property");
    if (!nodes && p->src_col < 0)
        return qv_err_set(err, QV_EINVAL, "the %s stream is missing the required column '%s'",
                          p->entity == ENT_REL ? "relationship" : "triplet",
                          p->entity == ENT_REL ? "sourceNodeId" : "sourceNode");
    if (!nodes && p->tgt_col < 0)
        return qv_err_set(err, QV_EINVAL, "the %s stream is missing the required column '%s'",
                          p->entity == ENT_REL ? "relationship" : "triplet",
                          p->entity == ENT_REL ? "targetNodeId" : "targetNode");
    if (p->entity == ENT_NODE) p->common_labelset = gloader_labelset(p->loader, p->common_labels, p->ncommon);
    if (!nodes && p->type_col < 0 && gloader_rel_type(p->loader, "__ALL__", 7, &p->default_type, err) < 0) return -1;
    return 0;
}

/* ---- value access helpers ----------------------------------------------------------------------- */

static int64_t int_at(const arw_array *a, int64_t i, int bits, bool sign, bool *overflow) {
    const uint8_t *v = a->values;
    switch (bits) {
    case 8: return sign ? (int64_t)((const int8_t *)v)[i] : (int64_t)v[i];
    case 16: return sign ? (int64_t)((const int16_t *)v)[i] : (int64_t)((const uint16_t *)v)[i];
    case 32: return sign ? (int64_t)((const int32_t *)v)[i] : (int64_t)((const uint32_t *)v)[i];
    default: {
        if (sign) return ((const int64_t *)v)[i];
        uint64_t u = ((const uint64_t *)v)[i];
        if (u > INT64_MAX) *overflow = true;
        return (int64_t)u;
    }
    }
}

static double float_at(const arw_array *a, int64_t i) {
    return a->field->bit_width == 32 ? (double)((const float *)a->values)[i] : ((const double *)a->values)[i];
}

/* Offsets of a utf8/list array as int64. */
static int64_t off_at(const arw_array *a, int64_t i) {
    bool large = a->field->kind == ARW_LARGE_UTF8 || a->field->kind == ARW_LARGE_LIST ||
                 a->field->kind == ARW_LARGE_BINARY;
    return large ? ((const int64_t *)a->offsets)[i] : (int64_t)((const int32_t *)a->offsets)[i];
}

/* The string at row i of a utf8 column, resolving dictionary encoding. */
static const char *str_at(const arw_array *a, int64_t i, size_t *len) {
    if (a->field->dictionary) {
        int64_t k;
        bool ov = false;
        k = int_at(a, i, a->field->index_bit_width, a->field->index_signed, &ov);
        a = a->dict;
        i = k;
    }
    int64_t s = off_at(a, i), e = off_at(a, i + 1);
    *len = (size_t)(e - s);
    return (const char *)a->values + s;
}

static uint64_t *presence_of(const arw_array *a) {
    if (!a->validity || a->null_count == 0) return NULL;
    size_t words = ((size_t)a->length + 63) / 64;
    uint64_t *bits = qv_calloc(words ? words : 1, sizeof *bits);
    memcpy(bits, a->validity, ((size_t)a->length + 7) / 8);
    if (a->length % 64) bits[words - 1] &= (1ull << (a->length % 64)) - 1;
    return bits;
}

/* ---- ids ---------------------------------------------------------------------------------------- */

static int convert_int_ids(const arw_array *a, const char *col, int64_t **out, qv_err *err) {
    int64_t n = a->length;
    int64_t *ids = qv_malloc((size_t)(n ? n : 1) * sizeof *ids);
    int bits = a->field->bit_width;
    bool sign = a->field->is_signed, ov = false;
    if (bits == 64 && sign && a->null_count == 0) {
        /* one pass: copy and check the sign together (the body is read once) */
        const uint8_t *v = (const uint8_t *)a->values;
        int64_t neg = 0;
        for (int64_t i = 0; i < n; i++) {
            int64_t x;
            memcpy(&x, v + (size_t)i * sizeof x, sizeof x);   /* no alignment assumed */
            ids[i] = x;
            neg |= x;
        }
        if (neg < 0) goto scan;
        *out = ids;
        return 0;
    }
scan:
    for (int64_t i = 0; i < n; i++) {
        if (!arw_is_valid(a, i)) {
            free(ids);
            return qv_err_set(err, QV_EINVAL, "column '%s' has a null id in row %lld", col, (long long)i);
        }
        ids[i] = int_at(a, i, bits, sign, &ov);
        if (ids[i] < 0 || ov) {
            free(ids);
            return qv_err_set(err, QV_EINVAL, "column '%s' has a negative or out-of-range id in row %lld (%lld); node "
                              "ids must be non-negative", col, (long long)i, (long long)int_at(a, i, bits, sign, &ov));
        }
    }
    *out = ids;
    return 0;
}

static int convert_str_ids(const arw_array *a, const char *col, uint64_t **off_out, char **str_out, qv_err *err) {
    int64_t n = a->length;
    int64_t base = off_at(a, 0), total = off_at(a, n) - base;
    uint64_t *off = qv_malloc((size_t)(n + 1) * sizeof *off);
    char *str = qv_malloc((size_t)(total ? total : 1));
    for (int64_t i = 0; i < n; i++) {
        if (!arw_is_valid(a, i)) {
            free(off);
            free(str);
            return qv_err_set(err, QV_EINVAL, "column '%s' has a null id in row %lld", col, (long long)i);
        }
        off[i] = (uint64_t)(off_at(a, i) - base);
    }
    off[n] = (uint64_t)total;
    memcpy(str, (const char *)a->values + base, (size_t)total);
    *off_out = off;
    *str_out = str;
    return 0;
}

/* ---- labels and types ----------------------------------------------------------------------------- */

/* Global id of a label or type name, through the per-stream cache. */
static int cached_name(col_plan *p, bool type, const char *s, size_t n, uint32_t *out, qv_err *err) {
    int64_t k = qv_strtab_find(&p->name_cache, s, n);
    if (k >= 0) {
        *out = p->name_ids[k];
        return 0;
    }
    uint32_t id;
    if (type) {
        uint16_t t;
        if (gloader_rel_type(p->loader, s, n, &t, err) < 0) return -1;
        id = t;
    } else {
        id = gloader_label(p->loader, s, n);
    }
    uint32_t idx = qv_strtab_intern(&p->name_cache, s, n);
    p->name_ids = qv_realloc(p->name_ids, p->name_cache.count * sizeof *p->name_ids);
    p->name_ids[idx] = id;
    *out = id;
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Label-set id of a list of label ids (plus the common labels when `common`), through the cache. */
static uint32_t cached_set(col_plan *p, uint32_t *ids, int n, bool common) {
    if (common)
        for (int i = 0; i < p->ncommon; i++) ids[n++] = p->common_labels[i];
    qsort(ids, (size_t)n, sizeof *ids, cmp_u32);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || ids[m - 1] != ids[i]) ids[m++] = ids[i];
    int64_t k = qv_strtab_find(&p->set_cache, (const char *)ids, (size_t)m * sizeof *ids);
    if (k >= 0) return p->set_ids[k];
    uint32_t set = gloader_labelset(p->loader, ids, m);
    uint32_t idx = qv_strtab_intern(&p->set_cache, (const char *)ids, (size_t)m * sizeof *ids);
    p->set_ids = qv_realloc(p->set_ids, p->set_cache.count * sizeof *p->set_ids);
    p->set_ids[idx] = set;
    return set;
}

#define MAX_LABELS_PER_NODE 256

static int convert_labels(col_plan *p, const arw_array *a, bool common, uint32_t **out, qv_err *err) {
    int64_t n = a->length;
    uint32_t *sets = qv_malloc((size_t)(n ? n : 1) * sizeof *sets);
    uint32_t ids[MAX_LABELS_PER_NODE + 64];
    const char *col = a->field->name;
    bool list = a->field->kind == ARW_LIST || a->field->kind == ARW_LARGE_LIST;
    for (int64_t i = 0; i < n; i++) {
        int m = 0;
        if (arw_is_valid(a, i)) {
            if (list) {
                const arw_array *c = &a->children[0];
                int64_t s = off_at(a, i), e = off_at(a, i + 1);
                if (e - s > MAX_LABELS_PER_NODE) {
                    free(sets);
                    return qv_err_set(err, QV_EINVAL, "column '%s' row %lld has %lld labels (at most %d)", col,
                                      (long long)i, (long long)(e - s), MAX_LABELS_PER_NODE);
                }
                for (int64_t j = s; j < e; j++) {
                    if (!arw_is_valid(c, j)) continue;
                    size_t len;
                    const char *str = str_at(c, j, &len);
                    if (cached_name(p, false, str, len, &ids[m++], err) < 0) goto fail;
                }
            } else {
                size_t len;
                const char *str = str_at(a, i, &len);
                if (cached_name(p, false, str, len, &ids[m++], err) < 0) goto fail;
            }
        }
        sets[i] = cached_set(p, ids, m, common);
    }
    *out = sets;
    return 0;
fail:
    free(sets);
    return -1;
}

static int convert_types(col_plan *p, const arw_array *a, uint16_t **out, qv_err *err) {
    int64_t n = a->length;
    uint16_t *types = qv_malloc((size_t)(n ? n : 1) * sizeof *types);
    for (int64_t i = 0; i < n; i++) {
        if (!arw_is_valid(a, i)) {
            free(types);
            return qv_err_set(err, QV_EINVAL, "column '%s' has a null relationship type in row %lld", a->field->name,
                              (long long)i);
        }
        size_t len;
        const char *s = str_at(a, i, &len);
        uint32_t t;
        if (cached_name(p, true, s, len, &t, err) < 0) {
            free(types);
            return -1;
        }
        types[i] = (uint16_t)t;
    }
    *out = types;
    return 0;
}

/* ---- properties ------------------------------------------------------------------------------------ */

static void set_elem(gprop_type t, void *vals, uint64_t k, const arw_array *c, int64_t j) {
    bool ok = arw_is_valid(c, j), ov = false;
    if (t == GPROP_INT64_LIST)
        ((int64_t *)vals)[k] = ok ? int_at(c, j, c->field->bit_width, c->field->is_signed, &ov) : 0;
    else if (t == GPROP_DOUBLE_LIST) ((double *)vals)[k] = ok ? float_at(c, j) : NAN;
    else ((float *)vals)[k] = ok ? (float)float_at(c, j) : NAN;
}

static int convert_prop(const col_spec *spec, const arw_array *a, gchunk_col *out, qv_err *err) {
    int64_t n = a->length;
    const char *col = a->field->name;
    out->key = spec->key;
    out->type = spec->type;
    switch (spec->type) {
    case GPROP_INT64: {
        int64_t *v = qv_malloc((size_t)(n ? n : 1) * sizeof *v);
        int bits = a->field->bit_width;
        bool sign = a->field->is_signed, ov = false;
        if (bits == 64 && sign) memcpy(v, a->values, (size_t)n * sizeof *v);
        else
            for (int64_t i = 0; i < n; i++) {
                v[i] = int_at(a, i, bits, sign, &ov);
                if (ov && arw_is_valid(a, i)) {
                    free(v);
                    return qv_err_set(err, QV_EINVAL, "column '%s' row %lld: value does not fit in int64", col,
                                      (long long)i);
                }
            }
        out->values = v;
        out->present = presence_of(a);
        return 0;
    }
    case GPROP_DOUBLE: {
        double *v = qv_malloc((size_t)(n ? n : 1) * sizeof *v);
        if (a->field->kind == ARW_INT) {
            bool ov = false;
            for (int64_t i = 0; i < n; i++)
                v[i] = arw_is_valid(a, i) ? (double)int_at(a, i, a->field->bit_width, a->field->is_signed, &ov) : NAN;
        } else if (a->field->bit_width == 64 && a->null_count == 0) {
            memcpy(v, a->values, (size_t)n * sizeof *v);
        } else {
            for (int64_t i = 0; i < n; i++) v[i] = arw_is_valid(a, i) ? float_at(a, i) : NAN; /* null -> NaN (GDS) */
        }
        out->values = v;
        out->present = NULL;
        return 0;
    }
    case GPROP_BOOL: {
        uint8_t *v = qv_malloc((size_t)(n ? n : 1));
        const uint8_t *bits = a->values;
        for (int64_t i = 0; i < n; i++) v[i] = (bits[i >> 3] >> (i & 7)) & 1;
        out->values = v;
        out->present = presence_of(a);
        return 0;
    }
    case GPROP_STRING: {
        uint64_t *off = qv_malloc((size_t)(n + 1) * sizeof *off);
        qv_buf s;
        qv_buf_init(&s);
        for (int64_t i = 0; i < n; i++) {
            off[i] = s.len;
            if (!arw_is_valid(a, i)) continue;
            size_t len;
            const char *str = str_at(a, i, &len);
            qv_buf_append(&s, str, len);
        }
        off[n] = s.len;
        out->offsets = off;
        out->values = s.data ? s.data : qv_malloc(1);
        out->present = presence_of(a);
        return 0;
    }
    case GPROP_INT64_LIST:
    case GPROP_DOUBLE_LIST:
    case GPROP_FLOAT_LIST: {
        const arw_array *c = &a->children[0];
        bool fixed = a->field->kind == ARW_FIXED_SIZE_LIST;
        int64_t size = a->field->list_size;
        uint64_t *off = qv_malloc((size_t)(n + 1) * sizeof *off);
        uint64_t total = 0;
        for (int64_t i = 0; i < n; i++) {
            off[i] = total;
            if (arw_is_valid(a, i)) total += (uint64_t)(fixed ? size : off_at(a, i + 1) - off_at(a, i));
        }
        off[n] = total;
        size_t esz = spec->type == GPROP_FLOAT_LIST ? 4 : 8;
        uint8_t *vals = qv_malloc(total ? total * esz : 1);
        for (int64_t i = 0; i < n; i++) {
            if (!arw_is_valid(a, i)) continue;
            int64_t s = fixed ? i * size : off_at(a, i);
            uint64_t k = off[i];
            for (int64_t j = s; k < off[i + 1]; j++, k++) set_elem(spec->type, vals, k, c, j);
        }
        out->offsets = off;
        out->values = vals;
        out->present = presence_of(a);
        return 0;
    }
    }
    return qv_err_set(err, QV_EINTERNAL, "column '%s': no conversion for its type", col);
}

/* Converts the property columns into *out (allocated for all of them); *nout counts those converted so
 * far, so a failure leaves a chunk the caller can release. */
static int convert_props(col_plan *p, const arw_batch *b, gchunk_col **out, int *nout, qv_err *err) {
    int n = 0;
    for (int i = 0; i < p->ncols; i++) n += p->cols[i].role == ROLE_PROP;
    *out = qv_calloc((size_t)(n ? n : 1), sizeof **out);
    *nout = 0;
    for (int i = 0; i < p->ncols; i++) {
        if (p->cols[i].role != ROLE_PROP) continue;
        if (convert_prop(&p->cols[i], &b->columns[i], &(*out)[*nout], err) < 0) return -1;
        (*nout)++;
    }
    return 0;
}

/* ---- batches ----------------------------------------------------------------------------------------- */

/* The loader moves the chunk's arrays out (and zeroes the struct); the struct itself stays ours. */
static int node_batch(col_plan *p, const arw_batch *b, qv_err *err) {
    gnode_chunk chunk = {0}, *c = &chunk;
    c->n = (uint64_t)b->length;
    c->common_labelset = p->common_labelset;
    const arw_array *ids = &b->columns[p->id_col];
    int rc = p->id_type == GRAPH_ID_STRING ? convert_str_ids(ids, "nodeId", &c->str_off, &c->str, err)
                                           : convert_int_ids(ids, "nodeId", &c->ids, err);
    if (rc == 0 && p->labels_col >= 0 && p->entity == ENT_NODE)
        rc = convert_labels(p, &b->columns[p->labels_col], true, &c->labelset, err);
    if (rc == 0) rc = convert_props(p, b, &c->cols, &c->ncols, err);
    if (rc < 0) { /* nothing was handed over yet: free what was converted */
        gnode_chunk_release(c);
        return -1;
    }
    return p->entity == ENT_NODE ? gloader_add_nodes(p->loader, c, err) : gproploader_add(p->props, c, err);
}

static int rel_batch(col_plan *p, const arw_batch *b, qv_err *err) {
    grel_chunk chunk = {0}, *c = &chunk;
    c->n = (uint64_t)b->length;
    c->common_type = p->default_type;
    const arw_array *src = &b->columns[p->src_col], *tgt = &b->columns[p->tgt_col];
    int rc;
    if (p->id_type == GRAPH_ID_STRING) {
        rc = convert_str_ids(src, src->field->name, &c->src_off, &c->src_str, err);
        if (rc == 0) rc = convert_str_ids(tgt, tgt->field->name, &c->tgt_off, &c->tgt_str, err);
    } else {
        rc = convert_int_ids(src, src->field->name, &c->src, err);
        if (rc == 0) rc = convert_int_ids(tgt, tgt->field->name, &c->tgt, err);
    }
    if (rc == 0 && p->type_col >= 0) rc = convert_types(p, &b->columns[p->type_col], &c->type, err);
    if (rc == 0 && p->src_labels_col >= 0)
        rc = convert_labels(p, &b->columns[p->src_labels_col], false, &c->src_labelset, err);
    if (rc == 0 && p->tgt_labels_col >= 0)
        rc = convert_labels(p, &b->columns[p->tgt_labels_col], false, &c->tgt_labelset, err);
    if (rc == 0) rc = convert_props(p, b, &c->cols, &c->ncols, err);
    if (rc < 0) {
        grel_chunk_release(c);
        return -1;
    }
    return gloader_add_rels(p->loader, c, err);
}

int col_plan_batch(col_plan *p, const arw_batch *b, qv_err *err) {
    if (b->ncolumns != p->ncols)
        return qv_err_set(err, QV_EINVAL, "record batch has %d columns but the schema has %d", b->ncolumns, p->ncols);
    if (p->entity == ENT_NODE || p->entity == ENT_NODE_PROPS) return node_batch(p, b, err);
    return rel_batch(p, b, err);
}
