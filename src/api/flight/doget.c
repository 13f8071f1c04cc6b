/* doget.c — DoGet and GetFlightInfo: exporting a graph as an Arrow stream.
 *
 * Owns: the stream (the ticket itself is read by export_ticket.c): Schema, then the relationship-type
 * DictionaryBatch (every type name; indices are type ids), then RecordBatches of --export-batch-size rows
 * (node batches with large string/list values end early at EXPORT_BATCH_MAX_BYTES)
 * built from the graph's columns (ids, property values with validity bitmaps, label lists). Output is
 * produced incrementally: batches until the call's send queue passes EXPORT_QUEUE_HIGH bytes, then more
 * from on_writable, so a huge export never buffers more than a few MiB. The call holds a catalog
 * reference to the graph until on_close (also when the client disconnects mid-stream).
 * A graph written by transactions (graph_has_writes) is exported from one snapshot (gs->view): live nodes and
 * relationships only, labels and values as committed; a loader column keeps its type (a value of another
 * type reads as null), a key only openCypher wrote has the type of its values (export_ticket.c), and a node
 * whose external id does not fit the column (a UUID string in an integer graph) gets -1.
 * GetFlightInfo takes the same ticket as a CMD descriptor and answers the schema, the row count and one
 * endpoint per partition (the ticket's `concurrency`, default 4), each a bare ticket body with
 * partition_offset / partition_size (a range of node or relationship ids) that DoGet serves.
 */
#include "api/flight/export.h"
#include "util/log.h"
#include "wire/arrow_ipc.h"
#include "wire/flight_proto.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_QUEUE_HIGH (8u << 20)
/* A node batch with large string or list values ends early at about this many bytes, so that every
 * FlightData fits the 4 MiB default receive limit of grpc-js and similar clients (reference §6 item 8). */
#define EXPORT_BATCH_MAX_BYTES (3u << 20)

static flight_service *svc(qv_grpc_call *call) { return qv_grpc_call_service_ctx(call); }

/* ---- output ------------------------------------------------------------------------------------ */

/* The FlightData goes into a message buffer recycled from this call's earlier batches (see
 * qv_grpc_call_msg_buf): a fresh multi-MiB buffer per batch made malloc serve new pages for every batch
 * in some runs (its mmap threshold and heap trimming follow the allocation history), and the export then
 * spent its time faulting them in. */
static void send_message(qv_grpc_call *call, get_stream *gs) {
    qv_buf msg;
    qv_grpc_call_msg_buf(call, &msg, gs->hdr.len + gs->body.len + 64);
    const void *parts[1] = {gs->body.data};
    size_t lens[1] = {gs->body.len};
    fp_encode_flight_data(&msg, gs->hdr.data, gs->hdr.len, parts, lens, gs->body.len ? 1 : 0);
    qv_grpc_call_send_buf(call, &msg);
    qv_buf_free(&msg);
    qv_buf_reset(&gs->hdr);
    qv_buf_reset(&gs->body);
    gs->messages++;
}

/* ---- relationship batches without the body copy ------------------------------------------------- */

/* A batch whose columns are all ids and type indices (fixed width, never null) has a body that is just
 * their value buffers, each padded to 8 bytes, and a header that depends only on the row count. The first
 * batch of each row count goes through the Arrow writer as every other batch does, and its body is checked
 * against that layout; once it matches, the later batches of that count reuse the writer's header and hand
 * the column buffers straight to the FlightData encoder: one copy of the body (into the message) instead
 * of two (into the writer's body, then into the message), 20 bytes a row less to move per copy. Any other
 * column, or a body that does not match, keeps the writer. */
#define DIRECT_MAX_COLS 4

static const uint8_t zero_pad[8];

static bool direct_cols(const get_stream *gs) {
    if (!gs->is_rel || gs->direct_off || gs->ncols > DIRECT_MAX_COLS) return false;
    for (int i = 0; i < gs->ncols; i++) {
        col_role r = gs->roles[i];
        const arw_array *a = &gs->cols[i].arr;
        if (r != C_SRC && r != C_TGT && r != C_TYPE) return false;
        /* ids: int64 unless a STRING database's (utf8); the type: dictionary indices (kind is the values') */
        if (r == C_TYPE ? !gs->fields[i].dictionary : gs->fields[i].kind == ARW_UTF8) return false;
        if (a->validity || a->null_count || a->offsets || a->nchildren || !a->values) return false;
    }
    return true;
}

/* The direct body as pieces; returns their count, *total their bytes. */
static int direct_parts(const get_stream *gs, const void **parts, size_t *lens, size_t *total) {
    int k = 0;
    size_t t = 0;
    for (int i = 0; i < gs->ncols; i++) {
        const arw_array *a = &gs->cols[i].arr;
        parts[k] = a->values;
        lens[k++] = a->values_len;
        size_t pad = (8 - (a->values_len & 7)) & 7;
        if (pad) {
            parts[k] = zero_pad;
            lens[k++] = pad;
        }
        t += a->values_len + pad;
    }
    *total = t;
    return k;
}

static bool direct_matches(const get_stream *gs, const qv_buf *body) {
    const void *parts[2 * DIRECT_MAX_COLS];
    size_t lens[2 * DIRECT_MAX_COLS], total, off = 0;
    int k = direct_parts(gs, parts, lens, &total);
    if (total != body->len) return false;
    for (int j = 0; j < k; j++) {
        if (memcmp(body->data + off, parts[j], lens[j]) != 0) return false;
        off += lens[j];
    }
    return true;
}

static void send_direct(qv_grpc_call *call, get_stream *gs) {
    const void *parts[2 * DIRECT_MAX_COLS];
    size_t lens[2 * DIRECT_MAX_COLS], total;
    int k = direct_parts(gs, parts, lens, &total);
    qv_buf msg;
    qv_grpc_call_msg_buf(call, &msg, gs->dhdr.len + total + 64);
    fp_encode_flight_data(&msg, gs->dhdr.data, gs->dhdr.len, parts, lens, k);
    qv_grpc_call_send_buf(call, &msg);
    qv_buf_free(&msg);
    gs->messages++;
    atomic_fetch_add(&gs->fs->export_direct, 1);
}

static void cb_reset(colbuf *cb) {
    qv_buf_reset(&cb->valid);
    qv_buf_reset(&cb->off);
    qv_buf_reset(&cb->val);
    qv_buf_reset(&cb->coff);
    qv_buf_reset(&cb->cval);
    memset(&cb->arr, 0, sizeof cb->arr);
    memset(&cb->child, 0, sizeof cb->child);
}

static void cb_free(colbuf *cb) {
    qv_buf_free(&cb->valid);
    qv_buf_free(&cb->off);
    qv_buf_free(&cb->val);
    qv_buf_free(&cb->coff);
    qv_buf_free(&cb->cval);
}

static void put_i32(qv_buf *b, int32_t v) { qv_buf_append(b, &v, 4); }

typedef struct gview_value_ctx {
    gview *v;
    bool rel;
    gprop_type type;
    uint32_t key;
} gview_value_ctx;

/* Node ids of rows as int64 (external or internal) or utf8 (STRING databases). */
static void build_ids_view(get_stream *gs, colbuf *cb, const arw_field *f, const uint64_t *rows, int64_t n) {
    if (f->kind == ARW_UTF8) {
        put_i32(&cb->off, 0);
        for (int64_t i = 0; i < n; i++) {
            qval x = gview_node_ext_id(gs->view, rows[i]);
            if (x.type == QT_STRING) qv_buf_append(&cb->val, x.s, x.len);
            else if (x.type == QT_INT) qv_buf_printf(&cb->val, "%lld", (long long)x.i);
            put_i32(&cb->off, (int32_t)cb->val.len);
        }
        cb->arr.offsets = cb->off.data;
    } else {
        int64_t *d = (int64_t *)qv_buf_extend(&cb->val, (size_t)n * 8);
        for (int64_t i = 0; i < n; i++) {
            qval x = gs->consecutive ? qv_int((int64_t)rows[i]) : gview_node_ext_id(gs->view, rows[i]);
            d[i] = x.type == QT_INT ? x.i : -1;
        }
    }
    cb->arr.values = cb->val.data;
    cb->arr.values_len = cb->val.len;
}

#define ID_PREFETCH 32   /* rows ahead whose external id is prefetched */

static void build_ids(get_stream *gs, colbuf *cb, const arw_field *f, const uint64_t *rows, int64_t n) {
    const graph *g = gs->g;
    if (gs->view) {
        build_ids_view(gs, cb, f, rows, n);
        return;
    }
    if (f->kind == ARW_UTF8) {
        put_i32(&cb->off, 0);
        for (int64_t i = 0; i < n; i++) {
            uint64_t v = rows[i];
            qv_buf_append(&cb->val, g->ext_str + g->ext_str_off[v], g->ext_str_off[v + 1] - g->ext_str_off[v]);
            put_i32(&cb->off, (int32_t)cb->val.len);
        }
        cb->arr.offsets = cb->off.data;
    } else if (gs->consecutive) {
        int64_t *d = (int64_t *)qv_buf_extend(&cb->val, (size_t)n * 8);
        for (int64_t i = 0; i < n; i++) d[i] = (int64_t)rows[i];
    } else {
        /* A relationship export's targets are random nodes: ext_ids is read out of the cache for almost
         * every row, so the reads are prefetched a fixed distance ahead. Without it the loop waited on one
         * miss after another, and its time followed whatever else shared the memory system (the export's
         * largest and most variable part in a profile of 10 consecutive 64 M exports). */
        int64_t *d = (int64_t *)qv_buf_extend(&cb->val, (size_t)n * 8);
        const int64_t *ext = g->ext_ids;
        int64_t i = 0;
        for (; i + ID_PREFETCH < n; i++) {
            __builtin_prefetch(&ext[rows[i + ID_PREFETCH]]);
            d[i] = ext[rows[i]];
        }
        for (; i < n; i++) d[i] = ext[rows[i]];
    }
    cb->arr.values = cb->val.data;
    cb->arr.values_len = cb->val.len;
}

static bool prop_is_list(gprop_type t) {
    return t == GPROP_INT64_LIST || t == GPROP_DOUBLE_LIST || t == GPROP_FLOAT_LIST;
}

/* Starts a property column of n rows of type t in cb: the validity bitmap (returned, all zero), the first
 * offset of string and list columns, zeroed fixed-width values. */
static uint8_t *prop_begin(colbuf *cb, gprop_type t, int64_t n) {
    uint8_t *valid = qv_buf_extend(&cb->valid, (size_t)(n + 7) / 8);
    memset(valid, 0, (size_t)(n + 7) / 8);
    if (t == GPROP_STRING || prop_is_list(t)) put_i32(&cb->off, 0);
    if (t == GPROP_BOOL) memset(qv_buf_extend(&cb->val, (size_t)(n + 7) / 8), 0, (size_t)(n + 7) / 8);
    else if (t == GPROP_INT64 || t == GPROP_DOUBLE) memset(qv_buf_extend(&cb->val, (size_t)n * 8), 0, (size_t)n * 8);
    return valid;
}

/* Points cb's Arrow array at the buffers prop_begin and the rows filled. */
static void prop_end(colbuf *cb, const arw_field *f, gprop_type t, int64_t nulls) {
    bool list = prop_is_list(t);
    cb->arr.null_count = nulls;
    cb->arr.validity = nulls ? cb->valid.data : NULL;
    if (t == GPROP_STRING || list) cb->arr.offsets = cb->off.data;
    if (list) {
        cb->child.field = &f->children[0];
        cb->child.length = (int64_t)(cb->cval.len / (t == GPROP_FLOAT_LIST ? 4 : 8));
        cb->child.values = cb->cval.data;
        cb->child.values_len = cb->cval.len;
        cb->arr.nchildren = 1;
        cb->arr.children = &cb->child;
    } else {
        cb->arr.values = cb->val.data;
        cb->arr.values_len = cb->val.len;
    }
}

/* Values of column c at rows, absent values as nulls. */
static void build_prop(colbuf *cb, const arw_field *f, const gcolumn *c, const uint64_t *rows, int64_t n) {
    uint8_t *valid = prop_begin(cb, c->type, n);
    int64_t nulls = 0;
    size_t ew = c->type == GPROP_FLOAT_LIST ? 4 : 8;
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = rows[i];
        bool has = gcolumn_has(c, r);
        if (has) valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        else nulls++;
        switch (c->type) {
        case GPROP_INT64:
        case GPROP_DOUBLE:
            if (has) memcpy(cb->val.data + i * 8, (const uint8_t *)c->values + r * 8, 8);
            break;
        case GPROP_BOOL:
            if (has && ((const uint8_t *)c->values)[r]) cb->val.data[i >> 3] |= (uint8_t)(1u << (i & 7));
            break;
        case GPROP_STRING:
            if (has) qv_buf_append(&cb->val, (const char *)c->values + c->offsets[r], c->offsets[r + 1] - c->offsets[r]);
            put_i32(&cb->off, (int32_t)cb->val.len);
            break;
        default:
            if (has)
                qv_buf_append(&cb->cval, (const uint8_t *)c->values + c->offsets[r] * ew,
                              (c->offsets[r + 1] - c->offsets[r]) * ew);
            put_i32(&cb->off, (int32_t)(cb->cval.len / ew));
            break;
        }
    }
    prop_end(cb, f, c->type, nulls);
}

/* A value read through the view as column type t: false (null) when it is absent or of another type. */
static bool view_value(const gview_value_ctx *c, uint64_t row, qval *x) {
    bool has = c->rel ? gview_rel_prop(c->v, row, c->key, x) : gview_node_prop(c->v, row, c->key, x);
    if (!has) return false;
    switch (c->type) {
    case GPROP_INT64: return x->type == QT_INT;
    case GPROP_DOUBLE:
        if (x->type == QT_INT) *x = qv_float((double)x->i);
        return x->type == QT_FLOAT;
    case GPROP_BOOL: return x->type == QT_BOOL;
    case GPROP_STRING: return x->type == QT_STRING;
    case GPROP_INT64_LIST:
        return x->type == QT_LIST && (x->len == 0 || x->items[0].type == QT_INT);
    default:
        return x->type == QT_LIST && (x->len == 0 || x->items[0].type == QT_FLOAT || x->items[0].type == QT_INT);
    }
}

static void build_prop_view(get_stream *gs, colbuf *cb, const arw_field *f, gprop_type type, const char *key,
                            const uint64_t *rows, int64_t n) {
    int64_t k = gview_key_id(gs->view, key, strlen(key));
    gview_value_ctx c = {.v = gs->view, .rel = gs->is_rel, .type = type, .key = k < 0 ? UINT32_MAX : (uint32_t)k};
    uint8_t *valid = prop_begin(cb, type, n);
    int64_t nulls = 0;
    size_t ew = type == GPROP_FLOAT_LIST ? 4 : 8;
    for (int64_t i = 0; i < n; i++) {
        qval x;
        bool has = k >= 0 && view_value(&c, rows[i], &x);
        if (has) valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        else nulls++;
        switch (type) {
        case GPROP_INT64: if (has) memcpy(cb->val.data + i * 8, &x.i, 8); break;
        case GPROP_DOUBLE: if (has) memcpy(cb->val.data + i * 8, &x.f, 8); break;
        case GPROP_BOOL: if (has && x.b) cb->val.data[i >> 3] |= (uint8_t)(1u << (i & 7)); break;
        case GPROP_STRING:
            if (has) qv_buf_append(&cb->val, x.s, x.len);
            put_i32(&cb->off, (int32_t)cb->val.len);
            break;
        default:
            for (uint32_t j = 0; has && j < x.len; j++) {
                qval e = x.items[j];
                if (type == GPROP_INT64_LIST) qv_buf_append(&cb->cval, &e.i, 8);
                else {
                    double dv = e.type == QT_INT ? (double)e.i : e.f;
                    float fv = (float)dv;
                    if (type == GPROP_FLOAT_LIST) qv_buf_append(&cb->cval, &fv, 4);
                    else qv_buf_append(&cb->cval, &dv, 8);
                }
            }
            put_i32(&cb->off, (int32_t)(cb->cval.len / ew));
            break;
        }
    }
    prop_end(cb, f, type, nulls);
}

static void build_labels(get_stream *gs, colbuf *cb, const arw_field *f, const uint64_t *rows, int64_t n) {
    const graph *g = gs->g;
    put_i32(&cb->off, 0);
    put_i32(&cb->coff, 0);
    int32_t items = 0;
    uint32_t buf[64];
    for (int64_t i = 0; i < n; i++) {
        uint32_t nl;
        const uint32_t *ls;
        if (gs->view) {
            nl = gview_node_labels(gs->view, rows[i], buf, 64);
            if (nl > 64) nl = 64;
            ls = buf;
        } else {
            ls = graph_node_labels(g, rows[i], &nl);
        }
        for (uint32_t j = 0; j < nl; j++) {
            const char *name = gs->view ? gview_label_name(gs->view, ls[j]) : g->labels.names[ls[j]];
            qv_buf_append(&cb->cval, name, gs->view ? strlen(name) : g->labels.lens[ls[j]]);
            put_i32(&cb->coff, (int32_t)cb->cval.len);
        }
        items += (int32_t)nl;
        put_i32(&cb->off, items);
    }
    cb->arr.offsets = cb->off.data;
    cb->arr.nchildren = 1;
    cb->arr.children = &cb->child;
    cb->child.field = &f->children[0];
    cb->child.length = items;
    cb->child.offsets = cb->coff.data;
    cb->child.values = cb->cval.data;
    cb->child.values_len = cb->cval.len;
}

/* Collects the next batch's rows; returns the count (0 at the end). Node exports: caller holds cols_lock
 * and has set gs->pcols. */
static int64_t next_rows_view(get_stream *gs) {
    int64_t n = 0;
    uint32_t ls[64];
    uint64_t bytes = 0;
    while (gs->pos < gs->end && (uint64_t)n < gs->batch_rows && bytes < EXPORT_BATCH_MAX_BYTES) {
        uint64_t id = gs->pos++;
        if (gs->is_rel) {
            if (!gview_rel_exists(gs->view, id)) continue;
            uint64_t s, t;
            uint32_t ty;
            gview_rel_info(gs->view, id, &s, &t, &ty);
            if (gs->type_sel && (ty >= gs->g->rel_types.count || !gs->type_sel[ty])) continue;
            gs->rows[n] = id;
            gs->srcs[n++] = s;
            continue;
        }
        if (!gview_node_exists(gs->view, id)) continue;
        uint32_t nl = gview_node_labels(gs->view, id, ls, 64);
        if (gs->label_sel) {
            bool ok = false;
            for (uint32_t j = 0; j < nl && j < 64 && !ok; j++) ok = ls[j] < gs->g->labels.count && gs->label_sel[ls[j]];
            if (!ok) continue;
        }
        gs->rows[n++] = id;
        bytes += 8 * (uint64_t)gs->ncols + 16 * (uint64_t)nl;
        for (int i = 0; i < gs->ncols; i++) {   /* strings and lists: their size */
            qval x;
            if (gs->roles[i] == C_PROP && gs->pcols[i] && gs->pcols[i]->offsets &&
                gview_node_prop(gs->view, id, gs->pcols[i]->key, &x))
                bytes += x.type == QT_STRING ? x.len : x.type == QT_LIST ? 8ull * x.len : 8;
        }
    }
    return n;
}

static int64_t next_rows(get_stream *gs) {
    const graph *g = gs->g;
    int64_t n = 0;
    if (gs->view) return next_rows_view(gs);
    if (gs->is_rel) {
        /* locals: stores through gs->rows would make the compiler reload every gs field each row */
        const uint64_t *off = g->out_off;
        const uint16_t *rt = g->rel_type;
        const bool *sel = gs->type_sel;
        uint64_t *rows = gs->rows, *srcs = gs->srcs, pos = gs->pos, end = gs->end, src = gs->src;
        uint64_t cap = gs->batch_rows;
        while (pos < end && (uint64_t)n < cap) {
            uint64_t r = pos++;
            while (off[src + 1] <= r) src++;
            if (sel && !sel[rt[r]]) continue;
            rows[n] = r;
            srcs[n] = src;
            n++;
        }
        gs->pos = pos;
        gs->src = src;
        return n;
    }
    uint64_t bytes = 0;
    while (gs->pos < gs->end && (uint64_t)n < gs->batch_rows && bytes < EXPORT_BATCH_MAX_BYTES) {
        uint64_t v = gs->pos++;
        uint32_t nl;
        const uint32_t *ls = graph_node_labels(g, v, &nl);
        if (gs->label_sel) {
            bool ok = false;
            for (uint32_t j = 0; j < nl && !ok; j++) ok = gs->label_sel[ls[j]];
            if (!ok) continue;
        }
        gs->rows[n++] = v;
        /* estimate: 8 bytes per column and label, plus string and list values */
        bytes += 8 * (uint64_t)gs->ncols + 16 * (uint64_t)nl;
        for (int i = 0; i < gs->ncols; i++) {
            const gcolumn *c = gs->pcols[i];
            if (!c || !c->offsets || !gcolumn_has(c, v)) continue;
            uint64_t w = c->type == GPROP_STRING ? 1 : c->type == GPROP_FLOAT_LIST ? 4 : 8;
            bytes += (c->offsets[v + 1] - c->offsets[v]) * w;
        }
    }
    return n;
}

/* Writes one RecordBatch: 1, or 0 when there is nothing left, or -1 when the call was ended with an error. */
static int write_batch(qv_grpc_call *call, get_stream *gs) {
    graph *g = gs->g;
    if (!gs->is_rel) pthread_rwlock_rdlock(&g->cols_lock);
    for (int i = 0; i < gs->ncols; i++) {
        if (gs->roles[i] != C_PROP) continue;
        const gcolumn *c = gs->is_rel ? graph_rel_col(g, gs->keys[i]) : graph_node_col(g, gs->keys[i]);
        if (gs->view) {   /* values come through the snapshot; a base column only helps estimate sizes */
            gs->pcols[i] = c && c->type == gs->ptypes[i] ? c : NULL;
            continue;
        }
        if (!c || c->type != gs->ptypes[i]) { /* columns are only ever added; defensive */
            if (!gs->is_rel) pthread_rwlock_unlock(&g->cols_lock);
            qv_buf msg;
            qv_buf_init(&msg);
            qv_buf_printf(&msg, "property '%s' of graph '%s' changed during the export", gs->keys[i], g->name);
            qv_buf_append_byte(&msg, 0);
            qv_grpc_call_finish(call, GRPC_ABORTED, (const char *)msg.data);
            qv_buf_free(&msg);
            return -1;
        }
        gs->pcols[i] = c;
    }
    int64_t n = next_rows(gs);
    if (n == 0) {
        if (!gs->is_rel) pthread_rwlock_unlock(&g->cols_lock);
        return 0;
    }
    for (int i = 0; i < gs->ncols; i++) {
        colbuf *cb = &gs->cols[i];
        const arw_field *f = &gs->fields[i];
        cb_reset(cb);
        cb->arr.field = f;
        cb->arr.length = n;
        switch (gs->roles[i]) {
        case C_SRC: build_ids(gs, cb, f, gs->srcs, n); break;
        case C_NODE: build_ids(gs, cb, f, gs->rows, n); break;
        case C_TGT: {
            uint64_t *t = (uint64_t *)qv_buf_extend(&cb->coff, (size_t)n * 8);
            const uint64_t *rows = gs->rows;
            if (gs->view) {
                for (int64_t j = 0; j < n; j++) {
                    uint64_t s;
                    uint32_t ty;
                    gview_rel_info(gs->view, rows[j], &s, &t[j], &ty);
                }
            } else {
                const uint32_t *out = g->out_tgt;
                for (int64_t j = 0; j < n; j++) t[j] = out[rows[j]];
            }
            build_ids(gs, cb, f, t, n);
            break;
        }
        case C_TYPE: {
            int32_t *d = (int32_t *)qv_buf_extend(&cb->val, (size_t)n * 4);
            const uint64_t *rows = gs->rows;
            if (gs->view) {
                for (int64_t j = 0; j < n; j++) {
                    uint64_t s, t;
                    uint32_t ty = 0;
                    gview_rel_info(gs->view, rows[j], &s, &t, &ty);
                    d[j] = (int32_t)ty;
                }
            } else {
                const uint16_t *rt = g->rel_type;
                for (int64_t j = 0; j < n; j++) d[j] = rt[rows[j]];
            }
            cb->arr.values = cb->val.data;
            cb->arr.values_len = cb->val.len;
            break;
        }
        case C_PROP:
            if (gs->view) build_prop_view(gs, cb, f, gs->ptypes[i], gs->keys[i], gs->rows, n);
            else build_prop(cb, f, gs->pcols[i], gs->rows, n);
            break;
        case C_LABELS: build_labels(gs, cb, f, gs->rows, n); break;
        }
    }
    bool direct = direct_cols(gs);
    if (direct && gs->dhdr_rows == n) {
        send_direct(call, gs);
    } else {
        arw_array *arrs = qv_malloc((size_t)gs->ncols * sizeof *arrs);
        for (int i = 0; i < gs->ncols; i++) arrs[i] = gs->cols[i].arr;
        arw_write_record_batch(&gs->hdr, &gs->body, n, arrs, gs->ncols, ARW_CODEC_NONE);
        free(arrs);
        if (direct && direct_matches(gs, &gs->body)) {
            qv_buf_reset(&gs->dhdr);
            qv_buf_append(&gs->dhdr, gs->hdr.data, gs->hdr.len);
            gs->dhdr_rows = n;
        } else if (direct) {
            gs->direct_off = true;
        }
        if (!gs->is_rel) pthread_rwlock_unlock(&g->cols_lock);
        send_message(call, gs);
    }
    gs->batches++;
    gs->nrows += (uint64_t)n;
    return 1;
}

static void pump(qv_grpc_call *call) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs || !gs->g || qv_grpc_call_is_finished(call)) return;
    while (qv_grpc_call_queued(call) < EXPORT_QUEUE_HIGH) {
        int r = write_batch(call, gs);
        if (r < 0) return;
        if (r == 0) {
            QV_DEBUG("flight: DoGet of '%s' to %s: %llu rows in %llu batches", gs->g->name, qv_grpc_call_peer(call),
                     (unsigned long long)gs->nrows, (unsigned long long)gs->batches);
            qv_grpc_call_finish(call, GRPC_OK, NULL);
            return;
        }
    }
}

static void write_head(qv_grpc_call *call, get_stream *gs) {
    arw_schema s = {.nfields = gs->ncols, .fields = gs->fields};
    arw_write_schema(&gs->hdr, &s);
    send_message(call, gs);
    if (!gs->is_rel) return;
    const qv_strtab *t = &gs->g->rel_types;
    colbuf *cb = &gs->cols[2];
    cb_reset(cb);
    put_i32(&cb->off, 0);
    for (uint32_t i = 0; i < t->count; i++) {
        qv_buf_append(&cb->val, t->names[i], t->lens[i]);
        put_i32(&cb->off, (int32_t)cb->val.len);
    }
    cb->arr.field = &gs->fields[2];
    cb->arr.length = t->count;
    cb->arr.offsets = cb->off.data;
    cb->arr.values = cb->val.data;
    cb->arr.values_len = cb->val.len;
    arw_write_dictionary_batch(&gs->hdr, &gs->body, 0, &cb->arr, false, ARW_CODEC_NONE);
    send_message(call, gs);
}

/* ---- the call ---------------------------------------------------------------------------------- */

static void get_start(qv_grpc_call *call) {
    if (flight_auth_check(svc(call)->auth, call) < 0) return;
    get_stream *gs = qv_calloc(1, sizeof *gs);
    gs->fs = svc(call);
    qv_grpc_call_set_user(call, gs);
}

static void get_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs || qv_grpc_call_is_finished(call)) return;
    if (gs->have_ticket) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "DoGet takes exactly one Ticket message");
        return;
    }
    fp_bytes t;
    qv_err err;
    if (fp_decode_ticket(msg, len, &t, &err) < 0) {
        qv_err_prefix(&err, "malformed Ticket message");
        flight_finish_err(call, &err);
        return;
    }
    qv_buf_append(&gs->ticket, t.p, t.n);
    gs->have_ticket = true;
}

static void get_half_close(qv_grpc_call *call) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs || qv_grpc_call_is_finished(call)) return;
    if (!gs->have_ticket) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "DoGet needs a Ticket message");
        return;
    }
    qv_err err;
    qv_err_clear(&err);
    if (export_open(gs, gs->ticket.data, gs->ticket.len, NULL, NULL, &err) < 0) {
        QV_INFO("flight: DoGet from %s failed: %s %s", qv_grpc_call_peer(call), qv_code_name(err.code), err.msg);
        flight_finish_err(call, &err);
        return;
    }
    write_head(call, gs);
    pump(call);
}

/* ---- GetFlightInfo: the same ticket as a CMD descriptor; one endpoint per partition --------------- */

#define FLIGHT_INFO_MAX_PARTITIONS 1024

static void info_message(qv_grpc_call *call, const uint8_t *msg, size_t len) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs || qv_grpc_call_is_finished(call)) return;
    if (gs->have_ticket) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "GetFlightInfo takes exactly one FlightDescriptor");
        return;
    }
    fp_descriptor d;
    qv_err err;
    if (fp_decode_descriptor(msg, len, &d, &err) < 0) {
        qv_err_prefix(&err, "malformed FlightDescriptor");
        flight_finish_err(call, &err);
        return;
    }
    if (d.type != FP_DESC_CMD) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT,
                            "GetFlightInfo needs a CMD descriptor holding a GET_COMMAND ticket body");
        return;
    }
    qv_buf_append(&gs->ticket, d.cmd.p, d.cmd.n);
    gs->have_ticket = true;
}

/* Rows the export will have, or -1 when a label filter makes it unknown without a scan. */
static int64_t total_records(const get_stream *gs) {
    const graph *g = gs->g;
    if (gs->view) {
        if (!gs->is_rel) return gs->label_sel ? -1 : (int64_t)gview_node_count(gs->view);
        if (!gs->type_sel) return (int64_t)gview_rel_count(gs->view);
        uint64_t n = 0;
        for (uint32_t t = 0; t < g->rel_types.count; t++)
            if (gs->type_sel[t]) n += gview_type_count(gs->view, t);
        return (int64_t)n;
    }
    if (!gs->is_rel) return gs->label_sel ? -1 : (int64_t)g->n_nodes;
    if (!gs->type_sel) return (int64_t)g->n_rels;
    uint64_t n = 0;
    for (uint32_t t = 0; t < g->rel_types.count; t++)
        if (gs->type_sel[t] && g->type_count) n += g->type_count[t];
    return (int64_t)n;
}

static void info_half_close(qv_grpc_call *call) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs || qv_grpc_call_is_finished(call)) return;
    if (!gs->have_ticket) {
        qv_grpc_call_finish(call, GRPC_INVALID_ARGUMENT, "GetFlightInfo needs a FlightDescriptor");
        return;
    }
    qv_err err;
    qv_err_clear(&err);
    json_doc *doc = NULL;
    json_val *body = NULL;
    if (export_open(gs, gs->ticket.data, gs->ticket.len, &doc, &body, &err) < 0) {
        flight_finish_err(call, &err);
        return;
    }
    const json_val *cv = json_get(body, "concurrency");
    int64_t conc = cv && cv->type == JSON_NUMBER && cv->num.is_int ? cv->num.i : 4;
    if (conc < 1) conc = 1;
    if (conc > FLIGHT_INFO_MAX_PARTITIONS) conc = FLIGHT_INFO_MAX_PARTITIONS;
    uint64_t domain = gs->end - gs->pos, base = gs->pos;
    uint64_t nparts = domain == 0 ? 1 : (domain < (uint64_t)conc ? domain : (uint64_t)conc);
    uint64_t size = domain == 0 ? 0 : (domain + nparts - 1) / nparts;
    nparts = size ? (domain + size - 1) / size : 1;
    /* tickets: the request body without its partition fields, plus this partition's */
    qv_buf tickets;
    qv_buf_init(&tickets);
    size_t *offs = qv_calloc(nparts + 1, sizeof *offs);
    for (uint64_t i = 0; i < nparts; i++) {
        offs[i] = tickets.len;
        qv_buf_append_byte(&tickets, '{');
        for (size_t m = 0; m < body->obj.n; m++) {
            const json_member *mb = &body->obj.members[m];
            if (!strcmp(mb->key, "partition_offset") || !strcmp(mb->key, "partition_size")) continue;
            json_write_str(&tickets, mb->key, mb->key_len);
            qv_buf_append_byte(&tickets, ':');
            json_write_val(&tickets, mb->val);
            qv_buf_append_byte(&tickets, ',');
        }
        uint64_t off = base + i * size, sz = size < gs->end - off ? size : gs->end - off;
        qv_buf_printf(&tickets, "\"partition_offset\":%llu,\"partition_size\":%llu}", (unsigned long long)off,
                      (unsigned long long)sz);
    }
    offs[nparts] = tickets.len;
    fp_endpoint *eps = qv_calloc(nparts, sizeof *eps);
    for (uint64_t i = 0; i < nparts; i++) {
        eps[i].ticket = tickets.data + offs[i];
        eps[i].ticket_len = offs[i + 1] - offs[i];
    }
    arw_schema sch = {.nfields = gs->ncols, .fields = gs->fields};
    arw_write_schema(&gs->hdr, &sch);
    qv_buf framed, msg;
    qv_buf_init(&framed);
    qv_buf_init(&msg);
    arw_frame_message(&framed, gs->hdr.data, gs->hdr.len);
    fp_encode_flight_info(&msg, framed.data, framed.len, gs->ticket.data, gs->ticket.len, eps, (int)nparts,
                          total_records(gs), -1, false);
    qv_grpc_call_send_buf(call, &msg);
    qv_grpc_call_finish(call, GRPC_OK, NULL);
    qv_buf_free(&msg);
    qv_buf_free(&framed);
    free(eps);
    free(offs);
    qv_buf_free(&tickets);
    json_doc_free(doc);
}

static void get_close(qv_grpc_call *call) {
    get_stream *gs = qv_grpc_call_get_user(call);
    if (!gs) return;
    atomic_fetch_add(&gs->fs->export_batches, gs->messages);
    atomic_fetch_add(&gs->fs->export_buf_allocs, qv_grpc_call_fresh_msg_bufs(call));
    gview_close(gs->view);
    if (gs->g) gcatalog_release(gs->fs->cat, gs->g);
    for (int i = 0; i < gs->ncols; i++) {
        free(gs->fields[i].name);
        free(gs->children[i].name);
        free(gs->keys[i]);
        cb_free(&gs->cols[i]);
    }
    free(gs->fields);
    free(gs->children);
    free(gs->roles);
    free(gs->keys);
    free(gs->ptypes);
    free(gs->pcols);
    free(gs->cols);
    free(gs->type_sel);
    free(gs->label_sel);
    free(gs->rows);
    free(gs->srcs);
    qv_buf_free(&gs->ticket);
    qv_buf_free(&gs->hdr);
    qv_buf_free(&gs->body);
    qv_buf_free(&gs->dhdr);
    free(gs);
}

const qv_grpc_method flight_doget_method = {
    .path = "/arrow.flight.protocol.FlightService/DoGet",
    .on_start = get_start,
    .on_message = get_message,
    .on_half_close = get_half_close,
    .on_writable = pump,
    .on_close = get_close,
};

const qv_grpc_method flight_info_method = {
    .path = "/arrow.flight.protocol.FlightService/GetFlightInfo",
    .on_start = get_start,
    .on_message = info_message,
    .on_half_close = info_half_close,
    .on_close = get_close,
};

void flight_service_export_stats(flight_service *fs, uint64_t *messages, uint64_t *buf_allocs) {
    *messages = atomic_load(&fs->export_batches);
    *buf_allocs = atomic_load(&fs->export_buf_allocs);
}

uint64_t flight_service_export_direct(flight_service *fs) { return atomic_load(&fs->export_direct); }
