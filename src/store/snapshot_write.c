/* snapshot_write.c — encodes a graph's base arrays as a version-2 file (format in README.md) to a file
 * descriptor or memory: the snapshot of a bulk load, and the image part of a checkpoint.
 *
 * Owns: the order of sections and the encoding of every field of struct graph that is saved, and of the
 * incoming-index appendix a streamed save adds after its install (snap_write_appendix); the layout that
 * lets a reader map the file instead of parsing it (every section 64-byte aligned, a table of contents with a
 * CRC32C per section at the end, the header with the table's place written last). Bytes go in file order to
 * snapshot_pipe.c (aligned buffers written by two threads, O_DIRECT where possible); a big array is
 * checksummed and handed over a 256 KiB slice at a time, so its copy reads what the CRC just cached. Must not open,
 * fsync or rename files (store.c does), and must not modify the graph: the names, column list and type arrays
 * are copied under the graph's column lock (writers intern names and grow the type arrays under it), the big
 * arrays, which never change once built, are written after it is released.
 */
#include "store/checksum.h"
#include "store/snapshot.h"
#include "store/snapshot_pipe.h"

#include <stdlib.h>
#include <string.h>

#define CRC_SLICE (256u << 10) /* a big payload is checksummed and copied a slice at a time (the copy hits cache) */

typedef struct toc_ent {
    uint32_t id, index;
    uint64_t off, len;
    uint32_t crc;
} toc_ent;

struct snap_out {
    snap_pipe *pipe; /* NULL: append to mem */
    qv_buf *mem;
    size_t mem_start;
    const char *what;
    const graph *g;
    qv_err *err;
    uint64_t pos; /* bytes of the file so far */
    toc_ent *toc;
    uint32_t ntoc, cap;
    uint32_t hflags; /* SNAP2_FLAG_* */
    int failed;
    /* a file written in two parts (snap_split_*): phase 1 writes the sections that are final early and reserves
     * table entries for the others (deferred[]), phase 2 walks the same sections and fills those */
    int phase;         /* 0: one pass; 1 or 2 */
    bool skip;         /* the current section's data is not written in this phase */
    uint32_t cur;      /* the table entry receiving data */
    uint32_t *deferred, ndeferred, next_deferred;
    bool rel_type_early; /* some relationship has a type other than 0: rel_type is written in phase 1 */
    bool in_after;       /* the incoming side is left out, for an appendix written after the install */
    uint32_t hcrc;       /* the header's CRC, once written (an appendix names its file by it) */
};

static void emit(snap_out *o, const void *p, size_t n) {
    if (o->failed || n == 0) return;
    o->pos += n;
    if (!o->pipe) {
        qv_buf_append(o->mem, p, n);
        return;
    }
    if (snap_pipe_append(o->pipe, p, n, o->err) < 0) o->failed = 1;
}

static void pad_to(snap_out *o, uint64_t align) {
    static const uint8_t zeros[SNAP2_ALIGN];
    emit(o, zeros, (size_t)((align - o->pos % align) % align));
}

uint64_t snap_out_bytes(const snap_out *o) { return o->pos; }

/* Sections a split write leaves to phase 2: the small ones that name things and the label sets (the loader
 * installs the names and label sets, and sets created_ms, when it hands the graph out), rel_type unless some
 * relationship has another type than 0 (its omission depends on the type count, known in phase 2), the incoming
 * side of the CSR, and end. */
static bool deferred_section(const snap_out *o, uint32_t id) {
    if (id == SEC_REL_TYPE) return !o->rel_type_early;
    switch (id) {
    case SEC_META: case SEC_LABELS: case SEC_REL_TYPES: case SEC_PROP_KEYS: case SEC_LABELSET_OFF:
    case SEC_LABELSET_LABELS: case SEC_REL_TYPE: case SEC_IN_OFF:
    case SEC_IN_REL: case SEC_IN_SRC: case SEC_TYPES: case SEC_END: return true;
    default: return false;
    }
}

void snap_sec_begin(snap_out *o, uint32_t id, uint32_t index) {
    if (o->failed) return;
    bool late = o->phase && deferred_section(o, id);
    o->skip = (o->phase == 1 && late) || (o->phase == 2 && !late);
    if (o->phase == 2) {
        if (!late) return;
        uint32_t slot = o->next_deferred < o->ndeferred ? o->deferred[o->next_deferred++] : UINT32_MAX;
        if (slot == UINT32_MAX || o->toc[slot].id != id || o->toc[slot].index != index) {
            qv_err_set(o->err, QV_EINTERNAL, "cannot save graph '%s': its sections changed between the two parts "
                       "of the write", o->g->name);
            o->failed = 1;
            return;
        }
        pad_to(o, SNAP2_ALIGN);
        o->toc[slot].off = o->pos;
        o->cur = slot;
        return;
    }
    if (!o->skip) pad_to(o, SNAP2_ALIGN);
    if (o->ntoc == o->cap) o->toc = qv_realloc(o->toc, (o->cap = o->cap ? o->cap * 2 : 64) * sizeof *o->toc);
    if (o->skip) {
        o->deferred = qv_realloc(o->deferred, (o->ndeferred + 1) * sizeof *o->deferred);
        o->deferred[o->ndeferred++] = o->ntoc;
    }
    o->cur = o->ntoc;
    o->toc[o->ntoc++] = (toc_ent){.id = id, .index = index, .off = o->skip ? 0 : o->pos};
}

void snap_sec_data(snap_out *o, const void *p, size_t n) {
    if (o->failed || o->skip || !n) return;
    toc_ent *e = &o->toc[o->cur];
    e->len += n;
    for (const uint8_t *b = p; n > 0 && !o->failed;) {
        size_t k = n < CRC_SLICE ? n : CRC_SLICE;
        e->crc = snap_crc32c(e->crc, b, k);
        emit(o, b, k);
        b += k;
        n -= k;
    }
}

int snap_sec_end(snap_out *o) { return o->failed ? -1 : 0; }

static void section(snap_out *o, uint32_t id, uint32_t index, const void *p, uint64_t len) {
    snap_sec_begin(o, id, index);
    snap_sec_data(o, p, (size_t)len);
}

/* An array of the graph; a NULL pointer is only acceptable for an empty array. */
static void array(snap_out *o, uint32_t id, uint32_t index, const void *p, uint64_t len) {
    if (o->failed) return;
    snap_sec_begin(o, id, index);
    if (o->skip || o->failed) return; /* not this part's: the array may not exist yet */
    if (!p && len) {
        char name[64];
        snap_section_name(id, index, name, sizeof name);
        qv_err_set(o->err, QV_EINTERNAL, "cannot save graph '%s': its %s array is missing", o->g->name, name);
        o->failed = 1;
        return;
    }
    snap_sec_data(o, p, (size_t)len);
}

/* An offsets array of n+1 entries; an empty graph may have none, which is saved as the single 0. */
static void offsets(snap_out *o, uint32_t id, uint32_t index, const uint64_t *off, uint64_t n) {
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

static void strtab(qv_buf *b, const qv_strtab *t) {
    put_u32(b, t->count);
    for (uint32_t i = 0; i < t->count; i++) {
        put_u32(b, t->lens[i]);
        qv_buf_append(b, t->names[i], t->lens[i]);
    }
}

/* What is read under the column lock: the small sections, encoded, and the column list. */
typedef struct small_parts {
    qv_buf meta, names[3], types;
    uint32_t ncols, ntypes;
    gcolumn *cols; /* copies of the node column structs (their arrays never change) */
} small_parts;

static void take_small(const graph *g, small_parts *sp) {
    /* The lock is not graph state, hence the cast. */
    pthread_rwlock_t *cols_lock = (pthread_rwlock_t *)&g->cols_lock;
    pthread_rwlock_rdlock(cols_lock);
    sp->ncols = (uint32_t)g->n_node_cols;
    sp->cols = qv_calloc(sp->ncols ? sp->ncols : 1, sizeof *sp->cols);
    if (sp->ncols) memcpy(sp->cols, g->node_cols, sp->ncols * sizeof *sp->cols);
    qv_buf *b = &sp->meta;
    put_u32(b, g->durable ? 1 : 0);
    put_u32(b, (uint32_t)g->id_type);
    put_u64(b, g->created_ms);
    put_u64(b, g->n_nodes);
    put_u64(b, g->n_rels);
    put_u32(b, g->n_labelsets);
    put_u32(b, sp->ncols);
    put_u32(b, (uint32_t)g->n_rel_cols);
    put_str(b, g->name);
    put_str(b, g->database_name);
    put_str(b, g->id_property);
    strtab(&sp->names[0], &g->labels);
    strtab(&sp->names[1], &g->rel_types);
    strtab(&sp->names[2], &g->prop_keys);
    uint32_t nt = g->rel_types.count;
    sp->ntypes = nt;
    b = &sp->types;
    for (uint32_t t = 0; t < nt; t++)
        put_u64(b, g->type_count ? g->type_count[t] : 0);
    for (uint32_t t = 0; t < nt; t++)
        qv_buf_append_byte(b, g->type_undirected && g->type_undirected[t]);
    for (uint32_t t = 0; t < nt; t++)
        qv_buf_append_byte(b, g->type_inverse && g->type_inverse[t]);
    pthread_rwlock_unlock(cols_lock);
}

static void small_free(small_parts *sp) {
    qv_buf_free(&sp->meta);
    for (int i = 0; i < 3; i++) qv_buf_free(&sp->names[i]);
    qv_buf_free(&sp->types);
    free(sp->cols);
}

/* One property column over `rows` rows; base is SEC_NODE_COL or SEC_REL_COL. */
static void column(snap_out *o, uint32_t base, uint32_t i, const gcolumn *c, uint64_t rows) {
    size_t elem = snap_prop_elem_size(c->type);
    if (!elem) {
        qv_err_set(o->err, QV_EINTERNAL, "cannot save graph '%s': column %u has unknown type %d", o->g->name, i,
                   (int)c->type);
        o->failed = 1;
        return;
    }
    uint32_t h[4] = {c->key, (uint32_t)c->type, c->present ? SNAP_COL_HAS_PRESENT : 0, 0};
    section(o, base, i, h, sizeof h);
    if (c->present) array(o, base + 1, i, c->present, (rows + 63) / 64 * 8);
    uint64_t nvalues = rows;
    if (snap_prop_has_offsets(c->type)) {
        offsets(o, base + 2, i, c->offsets, rows);
        nvalues = c->offsets ? c->offsets[rows] : 0;
    }
    array(o, base + 3, i, c->values, nvalues * elem);
}

static void incoming(snap_out *o, const graph *g) {
    offsets(o, SEC_IN_OFF, 0, g->in_off, g->n_nodes);
    array(o, SEC_IN_REL, 0, g->in_rel, g->n_rels * 4);
    array(o, SEC_IN_SRC, 0, g->in_src, g->n_rels * 4);
}

static void body(snap_out *o, const graph *g, const small_parts *sp) {
    uint64_t n = g->n_nodes, m = g->n_rels;
    section(o, SEC_META, 0, sp->meta.data, sp->meta.len);
    section(o, SEC_LABELS, 0, sp->names[0].data, sp->names[0].len);
    section(o, SEC_REL_TYPES, 0, sp->names[1].data, sp->names[1].len);
    section(o, SEC_PROP_KEYS, 0, sp->names[2].data, sp->names[2].len);
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
    for (uint32_t i = 0; i < sp->ncols; i++)
        column(o, SEC_NODE_COL, i, &sp->cols[i], n);
    offsets(o, SEC_OUT_OFF, 0, g->out_off, n);
    array(o, SEC_OUT_TGT, 0, g->out_tgt, m * 4);
    /* At most one type name: every base relationship has type 0 (types only ever grow, and the base's are below
     * the count), so the zeros are not written (an eighth of a big file); the reader supplies them. */
    if (sp->ntypes <= 1 && !o->rel_type_early) o->hflags |= SNAP2_FLAG_TYPES_ZERO; /* early: two types at least */
    array(o, SEC_REL_TYPE, 0, g->rel_type, o->hflags & SNAP2_FLAG_TYPES_ZERO ? 0 : m * 2);
    if (!o->in_after) incoming(o, g);
    for (int i = 0; i < g->n_rel_cols; i++)
        column(o, SEC_REL_COL, (uint32_t)i, &g->rel_cols[i], m);
    section(o, SEC_TYPES, 0, sp->types.data, sp->types.len);
}

/* The table of contents, then the header (over the placeholder at the start). */
static void finish(snap_out *o, const char *magic) {
    if (o->failed) return;
    qv_buf t;
    qv_buf_init(&t);
    for (uint32_t i = 0; i < o->ntoc; i++) {
        const toc_ent *e = &o->toc[i];
        uint8_t r[SNAP2_TOC_ENTRY] = {0};
        memcpy(r, &e->id, 4);
        memcpy(r + 4, &e->index, 4);
        memcpy(r + 8, &e->off, 8);
        memcpy(r + 16, &e->len, 8);
        memcpy(r + 24, &e->crc, 4);
        qv_buf_append(&t, r, sizeof r);
    }
    pad_to(o, SNAP2_ALIGN);
    uint64_t toc_off = o->pos;
    emit(o, t.data, t.len);
    uint8_t h[SNAP2_HEADER] = {0};
    uint32_t version = SNAP_VERSION, toc_crc = snap_crc32c(0, t.data, t.len);
    memcpy(h, magic, SNAP_MAGIC_LEN);
    memcpy(h + 8, &version, 4);
    memcpy(h + 12, &o->hflags, 4);
    memcpy(h + 16, &o->pos, 8);
    memcpy(h + 24, &toc_off, 8);
    memcpy(h + 32, &o->ntoc, 4);
    memcpy(h + 36, &toc_crc, 4);
    uint32_t hcrc = snap_crc32c(0, h, 60);
    memcpy(h + 60, &hcrc, 4);
    o->hcrc = hcrc;
    qv_buf_free(&t);
    if (o->failed) return;
    if (!o->pipe) {
        memcpy(o->mem->data + o->mem_start, h, sizeof h);
        return;
    }
    if (snap_pipe_finish(o->pipe, h, sizeof h, o->err) < 0) o->failed = 1;
}

int snap_write_image(const graph *g, const char *magic, int (*extra)(snap_out *o, void *arg, qv_err *err),
                     void *arg, int fd, qv_buf *mem, const char *what, qv_err *err) {
    if (!snap_host_little_endian())
        return qv_err_set(err, QV_EUNIMPL, "snapshots can only be written on little-endian machines");
    snap_out o = {.mem = mem, .mem_start = mem ? mem->len : 0, .what = what, .g = g, .err = err};
    if (fd >= 0) o.pipe = snap_pipe_open(fd, what);
    small_parts sp = {0};
    for (int i = 0; i < 3; i++) qv_buf_init(&sp.names[i]);
    qv_buf_init(&sp.meta);
    qv_buf_init(&sp.types);
    take_small(g, &sp);
    uint8_t h[SNAP2_HEADER] = {0}; /* placeholder: the real header is written once the table is */
    emit(&o, h, sizeof h);
    body(&o, g, &sp);
    if (!o.failed && extra && extra(&o, arg, err) < 0) o.failed = 1;
    if (!o.failed) {
        uint64_t count = o.ntoc;
        section(&o, SEC_END, 0, &count, 8);
    }
    finish(&o, magic);
    small_free(&sp);
    snap_pipe_free(o.pipe);
    free(o.toc);
    return o.failed ? -1 : 0;
}

/* ---- a snapshot written in two parts ------------------------------------------------------------------ */

static void small_init(small_parts *sp) {
    memset(sp, 0, sizeof *sp);
    for (int i = 0; i < 3; i++) qv_buf_init(&sp->names[i]);
    qv_buf_init(&sp->meta);
    qv_buf_init(&sp->types);
}

struct snap_split {
    snap_out o;
    qv_err err; /* the writer's errors, whichever thread runs a part */
    uint32_t ncols;
};

snap_split *snap_split_begin(const graph *g, int fd, const char *what, bool in_after) {
    snap_split *w = qv_calloc(1, sizeof *w);
    w->o = (snap_out){.what = what, .g = g, .err = &w->err, .phase = 1, .in_after = in_after};
    /* type counts are final with the outgoing side: a count of type 0 below n_rels means two types or more, so
     * rel_type is needed whatever the names turn out to be */
    w->o.rel_type_early = g->n_rels > 0 && g->type_count && g->type_count[0] != g->n_rels;
    if (!snap_host_little_endian()) {
        qv_err_set(&w->err, QV_EUNIMPL, "snapshots can only be written on little-endian machines");
        w->o.failed = 1;
        return w;
    }
    w->o.pipe = snap_pipe_open(fd, what);
    /* only the column list is read now: the names are not the graph's yet (no take_small) */
    small_parts sp;
    small_init(&sp);
    pthread_rwlock_t *cols_lock = (pthread_rwlock_t *)&g->cols_lock;
    pthread_rwlock_rdlock(cols_lock);
    sp.ncols = (uint32_t)g->n_node_cols;
    sp.cols = qv_calloc(sp.ncols ? sp.ncols : 1, sizeof *sp.cols);
    if (sp.ncols) memcpy(sp.cols, g->node_cols, sp.ncols * sizeof *sp.cols);
    pthread_rwlock_unlock(cols_lock);
    w->ncols = sp.ncols;
    uint8_t h[SNAP2_HEADER] = {0};
    emit(&w->o, h, sizeof h);
    body(&w->o, g, &sp);
    snap_sec_begin(&w->o, SEC_END, 0); /* reserved */
    small_free(&sp);
    return w;
}

int snap_split_finish(snap_split *w, const graph *g, snap_file_id *id, qv_err *err) {
    snap_out *o = &w->o;
    if (!o->failed) {
        small_parts sp;
        small_init(&sp);
        take_small(g, &sp);
        if (sp.ncols != w->ncols) {
            qv_err_set(&w->err, QV_EINTERNAL, "cannot save graph '%s': its columns changed during the save", g->name);
            o->failed = 1;
        }
        o->phase = 2;
        o->g = g;
        o->hflags = o->in_after ? SNAP2_FLAG_IN_AFTER : 0;
        body(o, g, &sp);
        uint64_t count = o->ntoc - 1; /* end is the last entry */
        section(o, SEC_END, 0, &count, 8);
        if (!o->failed && o->next_deferred != o->ndeferred) {
            qv_err_set(&w->err, QV_EINTERNAL, "cannot save graph '%s': %u sections left unwritten", g->name,
                       o->ndeferred - o->next_deferred);
            o->failed = 1;
        }
        finish(o, SNAP_MAGIC);
        small_free(&sp);
    }
    int rc = o->failed ? -1 : 0;
    if (rc == 0 && id) *id = (snap_file_id){.size = o->pos, .hcrc = o->hcrc};
    if (rc < 0 && err) *err = w->err;
    snap_split_free(w);
    return rc;
}

void snap_split_free(snap_split *w) {
    if (!w) return;
    snap_pipe_free(w->o.pipe);
    free(w->o.toc);
    free(w->o.deferred);
    free(w);
}

/* ---- the incoming index written after the install ---------------------------------------------------- */

int snap_write_appendix(const graph *g, int fd, snap_file_id of, const char *what, qv_err *err) {
    snap_out o = {.what = what, .g = g, .err = err};
    o.pipe = snap_pipe_open_at(fd, snap_appendix_at(of.size), what);
    uint8_t h[SNAP2_HEADER] = {0};
    emit(&o, h, sizeof h);
    uint8_t owner[32] = {0}; /* the file's header CRC and size, then the counts the arrays are for */
    memcpy(owner, &of.hcrc, 4);
    memcpy(owner + 8, &of.size, 8);
    memcpy(owner + 16, &g->n_nodes, 8);
    memcpy(owner + 24, &g->n_rels, 8);
    section(&o, SEC_IN_OWNER, 0, owner, sizeof owner);
    incoming(&o, g);
    uint64_t count = o.ntoc;
    section(&o, SEC_END, 0, &count, 8);
    finish(&o, SNAP_APPENDIX_MAGIC);
    snap_pipe_free(o.pipe);
    free(o.toc);
    return o.failed ? -1 : 0;
}

int snap_write(const graph *g, int fd, qv_buf *mem, const char *what, qv_err *err) {
    return snap_write_image(g, SNAP_MAGIC, NULL, NULL, fd, mem, what, err);
}
