/* snapshot_write.c — encodes a graph as a snapshot (format in README.md) to a file descriptor or memory.
 *
 * Owns: the order of sections and the encoding of every field of struct graph that is saved. Large
 * arrays are written straight from the graph's memory (no staging copy); small sections go through a
 * buffer. Must not open, fsync or rename files (store.c does), and must not modify the graph: it only
 * takes the graph's column lock for reading while it reads the node columns.
 */
#include "store/checksum.h"
#include "store/snapshot.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT  (1u << 20)  /* staged bytes that trigger a write */
#define DIRECT_AT (64u << 10) /* payloads at least this big bypass the staging buffer */

typedef struct out {
    int fd; /* -1: append to mem */
    qv_buf *mem;
    qv_buf stage;
    const char *what;
    const graph *g;
    qv_err *err;
    uint64_t nsec;
    int failed;
} out;

static void write_all(out *o, const uint8_t *p, size_t n) {
    while (n > 0 && !o->failed) {
        ssize_t w = write(o->fd, p, n > (1u << 30) ? (1u << 30) : n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            qv_err_set(o->err, QV_EIO, "cannot write %s: %s", o->what, w < 0 ? strerror(errno) : "no progress");
            o->failed = 1;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void flush(out *o) {
    if (o->fd >= 0 && o->stage.len) write_all(o, o->stage.data, o->stage.len);
    qv_buf_reset(&o->stage);
}

static void emit(out *o, const void *p, size_t n) {
    if (o->failed || n == 0) return;
    if (o->fd < 0) {
        qv_buf_append(o->mem, p, n);
        return;
    }
    if (n >= DIRECT_AT) {
        flush(o);
        write_all(o, p, n);
        return;
    }
    qv_buf_append(&o->stage, p, n);
    if (o->stage.len >= FLUSH_AT) flush(o);
}

static void section(out *o, uint32_t id, uint32_t index, const void *p, uint64_t len) {
    uint8_t h[SNAP_SECTION_HEADER];
    uint64_t sum = store_checksum64(p, (size_t)len, snap_section_seed(id, index));
    memcpy(h, &id, 4);
    memcpy(h + 4, &index, 4);
    memcpy(h + 8, &len, 8);
    memcpy(h + 16, &sum, 8);
    uint64_t hsum = store_checksum64(h, 24, SNAP_HEADER_SEED);
    memcpy(h + 24, &hsum, 8);
    static const uint8_t zeros[SNAP_ALIGN];
    emit(o, h, sizeof h);
    emit(o, p, (size_t)len);
    emit(o, zeros, (size_t)snap_pad(len));
    o->nsec++;
}

/* An array of the graph; a NULL pointer is only acceptable for an empty array. */
static void array(out *o, uint32_t id, uint32_t index, const void *p, uint64_t len) {
    if (o->failed) return;
    if (!p && len) {
        char name[64];
        snap_section_name(id, index, name, sizeof name);
        qv_err_set(o->err, QV_EINTERNAL, "cannot save graph '%s': its %s array is missing", o->g->name, name);
        o->failed = 1;
        return;
    }
    section(o, id, index, p, len);
}

/* An offsets array of n+1 entries; an empty graph may have none, which is saved as the single 0. */
static void offsets(out *o, uint32_t id, uint32_t index, const uint64_t *off, uint64_t n) {
    static const uint64_t zero = 0;
    if (!off && n == 0) off = &zero;
    array(o, id, index, off, (n + 1) * 8);
}

static void put_u32(qv_buf *b, uint32_t v) { qv_buf_append(b, &v, 4); }
static void put_u64(qv_buf *b, uint64_t v) { qv_buf_append(b, &v, 8); }
static void put_str(qv_buf *b, const char *s) {
    if (!s) {
        put_u32(b, SNAP_STR_NULL);
        return;
    }
    size_t n = strlen(s);
    put_u32(b, (uint32_t)n);
    qv_buf_append(b, s, n);
}

static void small(out *o, uint32_t id, uint32_t index, qv_buf *b) {
    section(o, id, index, b->data, b->len);
    qv_buf_reset(b);
}

static void strtab(out *o, uint32_t id, const qv_strtab *t, qv_buf *b) {
    put_u32(b, t->count);
    for (uint32_t i = 0; i < t->count; i++) {
        put_u32(b, t->lens[i]);
        qv_buf_append(b, t->names[i], t->lens[i]);
    }
    small(o, id, 0, b);
}

/* One property column over `rows` rows; base is SEC_NODE_COL or SEC_REL_COL. */
static void column(out *o, uint32_t base, uint32_t i, const gcolumn *c, uint64_t rows, qv_buf *b) {
    size_t elem = snap_prop_elem_size(c->type);
    if (!elem) {
        qv_err_set(o->err, QV_EINTERNAL, "cannot save graph '%s': column %u has unknown type %d", o->g->name, i,
                   (int)c->type);
        o->failed = 1;
        return;
    }
    put_u32(b, c->key);
    put_u32(b, (uint32_t)c->type);
    put_u32(b, c->present ? SNAP_COL_HAS_PRESENT : 0);
    put_u32(b, 0);
    small(o, base, i, b);
    if (c->present) array(o, base + 1, i, c->present, (rows + 63) / 64 * 8);
    uint64_t nvalues = rows;
    if (snap_prop_has_offsets(c->type)) {
        offsets(o, base + 2, i, c->offsets, rows);
        nvalues = c->offsets ? c->offsets[rows] : 0;
    }
    array(o, base + 3, i, c->values, nvalues * elem);
}

static void body(out *o, const graph *g, qv_buf *b) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    /* Node columns can be added to a live graph (PUT_NODE_PROPERTIES): hold their lock from the count in
     * META to the last node column. The lock is not graph state, hence the cast. */
    pthread_rwlock_t *cols_lock = (pthread_rwlock_t *)&g->cols_lock;
    pthread_rwlock_rdlock(cols_lock);
    uint32_t ncols = (uint32_t)g->n_node_cols;
    put_u32(b, g->durable ? 1 : 0);
    put_u32(b, (uint32_t)g->id_type);
    put_u64(b, g->created_ms);
    put_u64(b, n);
    put_u64(b, m);
    put_u32(b, g->n_labelsets);
    put_u32(b, ncols);
    put_u32(b, (uint32_t)g->n_rel_cols);
    put_str(b, g->name);
    put_str(b, g->database_name);
    put_str(b, g->id_property);
    small(o, SEC_META, 0, b);

    strtab(o, SEC_LABELS, &g->labels, b);
    strtab(o, SEC_REL_TYPES, &g->rel_types, b);
    strtab(o, SEC_PROP_KEYS, &g->prop_keys, b);

    if (g->id_type == GRAPH_ID_STRING) {
        offsets(o, SEC_EXT_STR_OFF, 0, g->ext_str_off, n);
        array(o, SEC_EXT_STR, 0, g->ext_str, g->ext_str_off ? g->ext_str_off[n] : 0);
    } else {
        array(o, SEC_EXT_IDS, 0, g->ext_ids, n * 8);
    }
    array(o, SEC_NODE_LABELSET, 0, g->node_labelset, n * 4);
    static const uint32_t zero = 0;
    const uint32_t *lso = g->labelset_off ? g->labelset_off : (g->n_labelsets == 0 ? &zero : NULL);
    array(o, SEC_LABELSET_OFF, 0, lso, ((uint64_t)g->n_labelsets + 1) * 4);
    array(o, SEC_LABELSET_LABELS, 0, g->labelset_labels, lso ? (uint64_t)lso[g->n_labelsets] * 4 : 0);

    for (uint32_t i = 0; i < ncols; i++)
        column(o, SEC_NODE_COL, i, &g->node_cols[i], n, b);
    pthread_rwlock_unlock(cols_lock);

    offsets(o, SEC_OUT_OFF, 0, g->out_off, n);
    array(o, SEC_OUT_TGT, 0, g->out_tgt, m * 4);
    array(o, SEC_REL_TYPE, 0, g->rel_type, m * 2);
    offsets(o, SEC_IN_OFF, 0, g->in_off, n);
    array(o, SEC_IN_REL, 0, g->in_rel, m * 4);
    array(o, SEC_IN_SRC, 0, g->in_src, m * 4);
    for (int i = 0; i < g->n_rel_cols; i++)
        column(o, SEC_REL_COL, (uint32_t)i, &g->rel_cols[i], m, b);

    uint32_t nt = g->rel_types.count;
    for (uint32_t t = 0; t < nt; t++)
        put_u64(b, g->type_count ? g->type_count[t] : 0);
    for (uint32_t t = 0; t < nt; t++)
        qv_buf_append_byte(b, g->type_undirected && g->type_undirected[t]);
    for (uint32_t t = 0; t < nt; t++)
        qv_buf_append_byte(b, g->type_inverse && g->type_inverse[t]);
    small(o, SEC_TYPES, 0, b);

    put_u64(b, o->nsec);
    small(o, SEC_END, 0, b);
}

int snap_write(const graph *g, int fd, qv_buf *mem, const char *what, qv_err *err) {
    if (!snap_host_little_endian())
        return qv_err_set(err, QV_EUNIMPL, "snapshots can only be written on little-endian machines");
    out o = {.fd = fd, .mem = mem, .what = what, .g = g, .err = err};
    qv_buf_init(&o.stage);
    uint8_t h[SNAP_FILE_HEADER] = {0};
    uint32_t version = SNAP_VERSION;
    memcpy(h, SNAP_MAGIC, SNAP_MAGIC_LEN);
    memcpy(h + 8, &version, 4);
    emit(&o, h, sizeof h);

    qv_buf b;
    qv_buf_init(&b);
    body(&o, g, &b);
    flush(&o);
    qv_buf_free(&b);
    qv_buf_free(&o.stage);
    return o.failed ? -1 : 0;
}
