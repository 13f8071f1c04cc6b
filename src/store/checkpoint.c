/* checkpoint.c — a database's committed state as one file: its base arrays as a mappable image, plus what the
 * transactions changed as change lists, read back by mapping the image and replaying the changes through gtxn.
 *
 * Owns: the checkpoint format (README.md, "Checkpoint format"). Version 2 (written): the snapshot layout of
 * version 2 (snapshot_write.c: header, 64-byte aligned sections, table of contents, CRC32C per section) under
 * the magic QVCKPT, holding the graph's base arrays (the bulk load's, untouched by transactions: names, ids,
 * label sets, columns, CSR both ways, type flags) and two more sections: 'delta' (change-list blocks in the
 * write-ahead log's frames) and 'ckpt' (identity, log position, id high-water marks, counts). The changes
 * turn the base into the committed state: base entities a transaction wrote get their labels, properties or
 * deletion; every entity above the base is created (deleted ids as placeholders), then the placeholders and
 * the deleted base entities are deleted, then the indexes and constraints. Replaying gives back the same
 * node, relationship and name ids, so the write-ahead log after the checkpoint applies. Version 1 (a meta
 * frame, change-list frames rebuilding the graph from nothing, an end frame) is still read.
 * Must not: fsync or rename (store.c does), or read graph internals beyond gview.h and gmap.h.
 */
#include "graph/gmap.h"
#include "store/snapshot.h"
#include "store/wal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKPT_BLOCK_CHANGES 65536u
#define CKPT_BLOCK_BYTES (4u << 20)

typedef struct ckpt_out {
    snap_out *so;        /* version 2: blocks go to the 'delta' section */
    int fd;
    qv_buf *mem;
    const char *what;
    qv_buf buf;          /* framed blocks waiting to be written */
    gchange *ch;         /* the block being built */
    size_t n, cap;
    qv_arena a;          /* property payloads of the block */
    uint64_t blocks, changes;
} ckpt_out;

static int out_drain(ckpt_out *o, qv_err *err) {
    if (o->so) {
        snap_sec_data(o->so, o->buf.data, o->buf.len);
        qv_buf_reset(&o->buf);
        return snap_sec_end(o->so);
    }
    if (o->fd < 0) {
        qv_buf_append(o->mem, o->buf.data, o->buf.len);
        qv_buf_reset(&o->buf);
        return 0;
    }
    const uint8_t *p = o->buf.data;
    size_t n = o->buf.len;
    while (n) {
        ssize_t k = write(o->fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return qv_err_set(err, QV_EIO, "cannot write %s: %s", o->what, strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    qv_buf_reset(&o->buf);
    return 0;
}

static int out_flush_block(ckpt_out *o, qv_err *err) {
    if (!o->n) return 0;
    size_t start = wal_frame_begin(&o->buf);
    qv_buf_append_byte(&o->buf, CKPT_BODY_CHANGES);
    if (wal_put_changes(&o->buf, o->ch, o->n, err) < 0 || wal_frame_end(&o->buf, start, err) < 0) return -1;
    o->blocks++;
    o->changes += o->n;
    o->n = 0;
    qv_arena_free(&o->a);
    qv_arena_init(&o->a);
    return out_drain(o, err);
}

/* Appends a change. Blocks are flushed only between entities (out_entity_done): a flush frees the arena that
 * holds the entity's property array and values, which the caller may still be iterating. */
static int out_push(ckpt_out *o, gchange c, qv_err *err) {
    (void)err;
    if (o->n == o->cap) o->ch = qv_realloc(o->ch, (o->cap = o->cap ? o->cap * 2 : 1024) * sizeof *o->ch);
    o->ch[o->n++] = c;
    return 0;
}

static int out_entity_done(ckpt_out *o, qv_err *err) {
    return o->n >= CKPT_BLOCK_CHANGES ? out_flush_block(o, err) : 0;
}

/* The non-null properties of entity id as `kind` (GCH_NODE_SET / GCH_REL_SET) changes, then the entity's end. */
static int emit_props_done(ckpt_out *o, gchange_kind kind, uint64_t id, const gprop *props, uint32_t np,
                           qv_err *err) {
    for (uint32_t i = 0; i < np; i++)
        if (!qv_is_null(props[i].value) &&
            out_push(o, (gchange){.kind = kind, .id = id, .token = props[i].key, .value = props[i].value}, err) < 0)
            return -1;
    return out_entity_done(o, err);
}

/* The labels of node id at v: in lab (256 entries) when they fit, else in o's arena. *n is their count. */
static const uint32_t *node_labels(ckpt_out *o, gview *v, uint64_t id, uint32_t *lab, uint32_t *n) {
    uint32_t nl = gview_node_labels(v, id, lab, 256);
    uint32_t *labels = lab;
    if (nl > 256) {
        labels = qv_arena_alloc(&o->a, nl * sizeof *labels);
        gview_node_labels(v, id, labels, nl);
    }
    *n = nl;
    return labels;
}

static int emit_nodes(ckpt_out *o, gview *v, uint64_t from, uint64_t hwm, qv_err *err) {
    uint32_t lab[256];
    for (uint64_t id = from; id < hwm; id++) {
        if (!gview_node_exists(v, id)) {
            if (out_push(o, (gchange){.kind = GCH_NODE_CREATE, .id = id}, err) < 0 || out_entity_done(o, err) < 0)
                return -1;
            continue;
        }
        if (out_push(o, (gchange){.kind = GCH_NODE_CREATE, .id = id, .value = gview_node_ext_id(v, id)}, err) < 0)
            return -1;
        uint32_t nl;
        const uint32_t *labels = node_labels(o, v, id, lab, &nl);
        for (uint32_t i = 0; i < nl; i++)
            if (out_push(o, (gchange){.kind = GCH_LABEL_ADD, .id = id, .token = labels[i]}, err) < 0) return -1;
        gprop *props;
        uint32_t np = gview_node_props(v, id, &o->a, &props);
        if (emit_props_done(o, GCH_NODE_SET, id, props, np, err) < 0) return -1;
    }
    return 0;
}

static int emit_schema(ckpt_out *o, gview *v, qv_err *err) {
    gindex_info *ix;
    uint32_t nix = gview_indexes(v, &o->a, &ix);
    for (uint32_t i = 0; i < nix; i++) {
        const char *name = ix[i].unique && ix[i].constraint ? ix[i].constraint : ix[i].name;
        if (out_push(o, (gchange){.kind = ix[i].unique ? GCH_CONSTRAINT_CREATE : GCH_INDEX_CREATE,
                                  .aux = (uint8_t)ix[i].entity, .token = ix[i].token, .id = ix[i].key,
                                  .value = qv_str_ref(name, (uint32_t)strlen(name))}, err) < 0)
            return -1;
    }
    return 0;
}

static int emit_rels(ckpt_out *o, gview *v, uint64_t from, uint64_t hwm, uint64_t node_hwm, qv_err *err) {
    uint32_t n_types = gview_n_types(v);
    for (uint64_t id = from; id < hwm; id++) {
        uint64_t s = 0, d = 0;
        uint32_t type = 0;
        gview_rel_info(v, id, &s, &d, &type);
        bool live = gview_rel_exists(v, id);   /* relid helper: a live one's user external id (or null) */
        if (!live && (type >= n_types || s >= node_hwm || d >= node_hwm)) {
            /* a deleted relationship a compaction dropped has no endpoints left: its placeholder (created, then
             * deleted below) joins node 0, which exists while relationships are created (placeholders and
             * deleted base nodes are deleted after them), with type 0 (a relationship was created: a type exists) */
            s = d = 0;
            type = 0;
        }
        if (out_push(o, (gchange){.kind = GCH_REL_CREATE, .id = id, .src = s, .dst = d, .token = type,
                                  .value = live ? gview_rel_user_ext_id(v, id) : qv_null()}, err) < 0)
            return -1;
        if (!live) {
            if (out_entity_done(o, err) < 0) return -1;
            continue;
        }
        gprop *props;
        uint32_t np = gview_rel_props(v, id, &o->a, &props);
        if (emit_props_done(o, GCH_REL_SET, id, props, np, err) < 0) return -1;
    }
    for (uint64_t id = from; id < hwm; id++)
        if (!gview_rel_exists(v, id) &&
            (out_push(o, (gchange){.kind = GCH_REL_DELETE, .id = id}, err) < 0 || out_entity_done(o, err) < 0))
            return -1;
    return 0;
}


/* ---- version 2: the difference between the base arrays and the view, as changes ---- */

static bool has_label(const uint32_t *l, uint32_t n, uint32_t x) {
    for (uint32_t i = 0; i < n; i++)
        if (l[i] == x) return true;
    return false;
}

/* A base node a transaction wrote (and that still exists): its labels made the view's, its properties
 * cleared and set to the view's. */
static int emit_written_node(ckpt_out *o, gview *v, uint64_t id, qv_err *err) {
    graph *g = gview_graph(v);
    uint32_t nb = 0, lab[256];
    const uint32_t *base = graph_node_labels(g, id, &nb);
    uint32_t nl;
    const uint32_t *labels = node_labels(o, v, id, lab, &nl);
    for (uint32_t i = 0; i < nb; i++)
        if (!has_label(labels, nl, base[i]) &&
            out_push(o, (gchange){.kind = GCH_LABEL_REMOVE, .id = id, .token = base[i]}, err) < 0)
            return -1;
    for (uint32_t i = 0; i < nl; i++)
        if (!has_label(base, nb, labels[i]) &&
            out_push(o, (gchange){.kind = GCH_LABEL_ADD, .id = id, .token = labels[i]}, err) < 0)
            return -1;
    if (out_push(o, (gchange){.kind = GCH_NODE_CLEAR, .id = id}, err) < 0) return -1;
    gprop *props;
    uint32_t np = gview_node_props(v, id, &o->a, &props);
    return emit_props_done(o, GCH_NODE_SET, id, props, np, err);
}

static int emit_written_rel(ckpt_out *o, gview *v, uint64_t id, qv_err *err) {
    if (out_push(o, (gchange){.kind = GCH_REL_CLEAR, .id = id}, err) < 0) return -1;
    gprop *props;
    uint32_t np = gview_rel_props(v, id, &o->a, &props);
    return emit_props_done(o, GCH_REL_SET, id, props, np, err);
}

/* Base entities first (written ones only), then every id above the base, then the deletions. */
static int emit_delta(ckpt_out *o, gview *v, const ckpt_info *info, qv_err *err) {
    uint64_t bn, br;
    gmap_base_counts(v, &bn, &br);
    for (uint64_t id = gmap_next_written_node(v, 0, bn); id < bn; id = gmap_next_written_node(v, id + 1, bn))
        if (gview_node_exists(v, id) && emit_written_node(o, v, id, err) < 0) return -1;
    if (emit_nodes(o, v, bn, info->node_hwm, err) < 0) return -1;
    for (uint64_t id = gmap_next_written_rel(v, 0, br); id < br; id = gmap_next_written_rel(v, id + 1, br))
        if (gview_rel_exists(v, id) && emit_written_rel(o, v, id, err) < 0) return -1;
    if (emit_rels(o, v, br, info->rel_hwm, info->node_hwm, err) < 0) return -1;
    for (uint64_t id = gmap_next_written_rel(v, 0, br); id < br; id = gmap_next_written_rel(v, id + 1, br))
        if (!gview_rel_exists(v, id) &&
            (out_push(o, (gchange){.kind = GCH_REL_DELETE, .id = id}, err) < 0 || out_entity_done(o, err) < 0))
            return -1;
    for (uint64_t id = gmap_next_written_node(v, 0, bn); id < bn; id = gmap_next_written_node(v, id + 1, bn))
        if (!gview_node_exists(v, id) &&
            (out_push(o, (gchange){.kind = GCH_NODE_DELETE, .id = id}, err) < 0 || out_entity_done(o, err) < 0))
            return -1;
    for (uint64_t id = bn; id < info->node_hwm; id++)
        if (!gview_node_exists(v, id) &&
            (out_push(o, (gchange){.kind = GCH_NODE_DELETE, .id = id}, err) < 0 || out_entity_done(o, err) < 0))
            return -1;
    return emit_schema(o, v, err);
}

/* Raises the high-water marks to the view's (every id committed by then, live or deleted): they come from the
 * log's bookkeeping; this makes a checkpoint whole even if that bookkeeping were short. O(1): a scan of every
 * live id would read each relationship of a big graph once more. */
static void cover_live(gview *v, ckpt_info *info) {
    uint64_t n, r;
    gmap_view_hwm(v, &n, &r);
    if (n > info->node_hwm) info->node_hwm = n;
    if (r > info->rel_hwm) info->rel_hwm = r;
}

typedef struct ckpt_extra {
    gview *v;
    ckpt_info *info;
} ckpt_extra;

/* The checkpoint's own sections: 'delta' (the change-list blocks), then 'ckpt' (with their counts). */
static int write_extra(snap_out *so, void *arg, qv_err *err) {
    ckpt_extra *x = arg;
    ckpt_out o = {.so = so, .fd = -1};
    qv_buf_init(&o.buf);
    qv_arena_init(&o.a);
    snap_sec_begin(so, SEC_DELTA, 0);
    int rc = emit_delta(&o, x->v, x->info, err);
    if (rc == 0) rc = out_flush_block(&o, err);
    if (rc == 0) rc = snap_sec_end(so);
    if (rc == 0) {
        uint64_t f[6] = {x->info->ident, x->info->base_seq, x->info->node_hwm, x->info->rel_hwm, o.blocks, o.changes};
        snap_sec_begin(so, SEC_CKPT, 0);
        snap_sec_data(so, f, sizeof f);
        rc = snap_sec_end(so);
    }
    qv_buf_free(&o.buf);
    qv_arena_free(&o.a);
    free(o.ch);
    return rc;
}

int ckpt_write(gview *v, const ckpt_info *info_in, int fd, qv_buf *mem, const char *what, qv_err *err) {
    graph *g = gview_graph(v);
    ckpt_info inf = *info_in;
    cover_live(v, &inf);
    ckpt_extra x = {.v = v, .info = &inf};
    return snap_write_image(g, CKPT_MAGIC, write_extra, &x, fd, mem, what, err);
}

bool ckpt_is_checkpoint(const uint8_t *p, size_t n) { return n >= 8 && memcmp(p, CKPT_MAGIC, 8) == 0; }

static int get_opt_str(wal_cur *c, char **out) {
    *out = NULL;
    if (c->p >= c->end || *c->p > 1) return -1;
    if (*c->p++ == 0) return 0;
    const char *s;
    size_t n;
    if (wal_get_str(c, &s, &n) < 0) return -1;
    *out = qv_strndup(s, n);
    return 0;
}

static int read_meta(const uint8_t *body, size_t n, graph **out, ckpt_info *info, qv_err *err) {
    wal_cur c = {body, body + n, false};
    const char *name;
    size_t name_len;
    char *dbname = NULL, *idprop = NULL;
    uint64_t created;
    int rc = -1;
    if (n < 1 || *c.p++ != CKPT_BODY_META || wal_get_str(&c, &name, &name_len) < 0 || get_opt_str(&c, &dbname) < 0 ||
        c.end - c.p < 2 || c.p[0] > 1 || c.p[1] > 1)
        goto bad;
    bool durable = c.p[0] == 1;
    graph_id_type idt = c.p[1] == 1 ? GRAPH_ID_STRING : GRAPH_ID_INTEGER;
    c.p += 2;
    if (get_opt_str(&c, &idprop) < 0 || wal_get_u64(&c, &created) < 0 || wal_get_u64(&c, &info->ident) < 0 ||
        wal_get_u64(&c, &info->base_seq) < 0 || wal_get_varint(&c, &info->node_hwm) < 0 ||
        wal_get_varint(&c, &info->rel_hwm) < 0 || c.p != c.end || name_len == 0)
        goto bad;
    char *nm = qv_strndup(name, name_len);
    *out = graph_new(nm, dbname, durable, idt, idprop);
    (*out)->created_ms = created;
    free(nm);
    rc = 0;
    goto done;
bad:
    qv_err_set(err, QV_EINVAL, "the checkpoint's meta block is malformed");
done:
    free(dbname);
    free(idprop);
    return rc;
}

/* ---- version 2 on input ---- */

/* Applying the change blocks: each block its own replay transaction (gcommit.h), except that blocks holding
 * only node creations (what a checkpoint of openCypher-made nodes is mostly made of) go to one bulk builder
 * (graph/greplay.h, as log replay does) while the graph allows it, installed when another kind of block comes or
 * the changes end. */
typedef struct ckpt_apply {
    graph *g;
    gtxn *x;
    greplay *bulk;
    bool bulk_ok;
    wal_rows rows;
    gchange *ch;
    size_t cap;
    qv_arena a;
} ckpt_apply;

static void ca_init(ckpt_apply *ca, graph *g) {
    memset(ca, 0, sizeof *ca);
    ca->g = g;
    wal_rows_init(&ca->rows);
    qv_arena_init(&ca->a);
    const char *b = getenv("QV_REPLAY_BULK");   /* 0: every block through gtxn (comparisons, tests) */
    ca->bulk_ok = !b || strcmp(b, "0") != 0;
}

/* Installs the gathered nodes and commits (commit false: drops everything since the last commit). */
static int ca_end(ckpt_apply *ca, bool commit, qv_err *err) {
    int rc = 0;
    if (ca->bulk) {
        if (commit && greplay_finish(ca->bulk, err) < 0) rc = -1, commit = false;
        else if (!commit) greplay_free(ca->bulk);
        ca->bulk = NULL;
    }
    if (ca->x) {
        if (commit) rc = gtxn_commit(ca->x, err);
        else gtxn_rollback(ca->x);
        ca->x = NULL;
    }
    return rc;
}

static int ca_close(ckpt_apply *ca, bool ok, qv_err *err) {
    int rc = ok ? ca_end(ca, true, err) : 0;
    ca_end(ca, false, NULL);
    wal_rows_free(&ca->rows);
    free(ca->ch);
    qv_arena_free(&ca->a);
    return rc;
}

/* One block; rest: the bytes after it, in blocks of its size (how many more nodes to expect). pre: the block
 * decoded ahead (wal_decoder), or NULL: decoded here. */
static int apply_block(ckpt_apply *ca, wal_cur *c, const wal_slot *pre, double rest, uint64_t *changes, qv_err *err) {
    if (!ca->x && !(ca->x = gtxn_begin_replay(ca->g, err))) return -1;
    wal_cur c0 = *c;
    const wal_rows *rows = pre ? &pre->rows : &ca->rows;
    int k = 0;
    if (pre && ca->bulk_ok) {
        k = pre->bulk;
        if (k < 0) *err = pre->err;
        c->p = k == 1 ? pre->bulk_end : c->p;
    } else if (ca->bulk_ok) {
        k = wal_decode_bulk(c, &ca->rows, err);
    }
    if (k < 0) return -1;
    if (k == 1 && c->p != c->end) return qv_err_set(err, QV_EINVAL, "bytes after a change list");
    if (k == 1 && !ca->bulk && (ca->bulk = greplay_begin(ca->x)))
        greplay_reserve(ca->bulk, rows->n_nodes + (uint64_t)((double)rows->n_nodes * rest));
    if (k == 1 && ca->bulk) {
        *changes += rows->n_changes;
        return wal_rows_apply(ca->x, ca->bulk, rows, err);
    }
    *c = c0;
    if (ca->bulk && ca_end(ca, true, err) < 0) return -1;   /* the nodes gathered so far, then this block */
    if (!ca->x && !(ca->x = gtxn_begin_replay(ca->g, err))) return -1;
    size_t n;
    int rc = wal_get_changes_buf(c, &ca->a, &ca->ch, &ca->cap, &n, err);
    if (rc == 0 && c->p != c->end) rc = qv_err_set(err, QV_EINVAL, "bytes after a change list");
    if (rc == 0) rc = wal_apply(ca->x, ca->ch, n, err);
    if (rc == 0) rc = ca_end(ca, true, err);
    qv_arena_free(&ca->a);
    *changes += n;
    return rc;
}

static bool is_v2(const uint8_t *p, size_t n) {
    uint32_t version;
    if (!ckpt_is_checkpoint(p, n) || n < CKPT_HEADER) return false;
    memcpy(&version, p + 8, 4);
    return version == 2;
}

/* The 'ckpt' section: identity, log position, high-water marks, and the counts of the 'delta' section. */
static int read_ckpt_section(const uint8_t *p, size_t n, ckpt_info *info, uint64_t *blocks, uint64_t *changes,
                             qv_err *err) {
    const uint8_t *b;
    uint64_t len;
    if (snap_find2(p, n, CKPT_MAGIC, SEC_CKPT, &b, &len, err) < 0) return -1;
    uint64_t f[6];
    if (len != sizeof f) return qv_err_set(err, QV_EINVAL, "section 'ckpt' holds %llu bytes, not 48 (file corrupt)",
                                           (unsigned long long)len);
    memcpy(f, b, sizeof f);
    *info = (ckpt_info){.ident = f[0], .base_seq = f[1], .node_hwm = f[2], .rel_hwm = f[3]};
    *blocks = f[4];
    *changes = f[5];
    return 0;
}

/* Replays the 'delta' section into g (each block its own transaction), checking the counts. */
static int apply_delta(graph *g, const uint8_t *p, size_t n, uint64_t want_blocks, uint64_t want_changes, qv_err *err) {
    const uint8_t *d;
    uint64_t len;
    if (snap_find2(p, n, CKPT_MAGIC, SEC_DELTA, &d, &len, err) < 0) return -1;
    uint64_t blocks = 0, changes = 0;
    ckpt_apply ca;
    ca_init(&ca, g);
    int rc = 0;
    wal_decoder *dec = wal_decoder_start(d, (size_t)len, 0, true);   /* blocks decoded on a second thread */
    for (;; wal_decoder_done(dec)) {
        wal_slot *s = wal_decoder_next(dec);
        if (s->k == 0) break;
        if (s->k < 0) {
            *err = s->why;
            rc = qv_err_prefix(err, "section 'delta' is corrupt at offset %zu", s->at);
            break;
        }
        if (s->dec < 0) {
            *err = s->err;
            rc = qv_err_prefix(err, "section 'delta'");
            break;
        }
        wal_cur c = s->changes;
        if (apply_block(&ca, &c, s, (double)(len - s->end) / (double)(s->end - s->at), &changes, err) < 0) {
            rc = qv_err_prefix(err, "section 'delta', block at offset %zu", s->at);
            break;
        }
        blocks++;
    }
    wal_decoder_stop(dec);
    if (ca_close(&ca, rc == 0, err) < 0) rc = -1;
    if (rc < 0) return -1;
    if (blocks != want_blocks || changes != want_changes)
        return qv_err_set(err, QV_EINVAL, "section 'delta' holds %llu blocks of %llu changes where section 'ckpt' "
                          "records %llu of %llu (file corrupt)", (unsigned long long)blocks,
                          (unsigned long long)changes, (unsigned long long)want_blocks, (unsigned long long)want_changes);
    return 0;
}

/* The image (mapped when map is given: p is its bytes, and the graph takes it), then the changes. */
static int read_v2(gmap *map, const uint8_t *p, size_t n, qv_pool *pool, unsigned flags, graph **out, ckpt_info *info,
                   qv_err *err) {
    *out = NULL;
    uint64_t blocks, changes;
    if (read_ckpt_section(p, n, info, &blocks, &changes, err) < 0) {
        gmap_release(map);
        return -1;
    }
    graph *g;
    if (snap_decode2(map, p, n, CKPT_MAGIC, SNAP2_CKPT | flags, pool, &g, err) < 0) return -1;
    if (apply_delta(g, p, n, blocks, changes, err) < 0) {
        graph_free(g);
        return -1;
    }
    *out = g;
    return 0;
}

static int load_file(const char *path, qv_pool *pool, unsigned flags, graph **out, ckpt_info *info, qv_err *err) {
    *out = NULL;
    bool v2 = false;
    if (snap_file_is_v2(path, CKPT_MAGIC, &v2, err) < 0) return -1;
    if (v2) {
        gmap *map;
        if (snap_map_file(path, &map, err) < 0) return -1;
        return read_v2(map, map->base, map->len, pool, flags, out, info, err);
    }
    uint8_t *p = NULL;
    size_t n = 0;
    int rc = wal_read_file(path, &p, &n, err);
    if (rc == 0) rc = ckpt_read(p, n, out, info, err);
    free(p);
    return rc;
}

int ckpt_load_file(const char *path, qv_pool *pool, graph **out, ckpt_info *info, qv_err *err) {
    return load_file(path, pool, 0, out, info, err);
}

int ckpt_load_file_full(const char *path, qv_pool *pool, graph **out, ckpt_info *info, qv_err *err) {
    return load_file(path, pool, SNAP2_FULL, out, info, err);
}

int ckpt_read_meta_file(const char *path, char **name, ckpt_info *info, qv_err *err) {
    *name = NULL;
    bool v2 = false;
    if (snap_file_is_v2(path, CKPT_MAGIC, &v2, err) < 0) return -1;
    if (v2) {
        gmap *map;
        if (snap_map_file(path, &map, err) < 0) return -1;
        int rc = ckpt_read_meta(map->base, map->len, name, info, err);
        gmap_release(map);
        return rc;
    }
    uint8_t *p = NULL;
    size_t n = 0;
    int rc = wal_read_file(path, &p, &n, err);
    if (rc == 0) rc = ckpt_read_meta(p, n, name, info, err);
    free(p);
    return rc;
}

int ckpt_read_meta(const uint8_t *p, size_t n, char **name, ckpt_info *info, qv_err *err) {
    *name = NULL;
    if (is_v2(p, n)) { /* the graph's name from section 'meta', the rest from section 'ckpt' */
        uint64_t blocks, changes, len;
        const uint8_t *m;
        if (read_ckpt_section(p, n, info, &blocks, &changes, err) < 0 ||
            snap_find2(p, n, CKPT_MAGIC, SEC_META, &m, &len, err) < 0)
            return -1;
        uint32_t nl;
        if (len < 48 || (memcpy(&nl, m + 44, 4), nl == 0 || nl > len - 48)) /* name: u32 length at 44 */
            return qv_err_set(err, QV_EINVAL, "section 'meta' is malformed (file corrupt)");
        *name = qv_strndup((const char *)m + 48, nl);
        return 0;
    }
    if (!ckpt_is_checkpoint(p, n) || n < CKPT_HEADER) return qv_err_set(err, QV_EINVAL, "not a quiver checkpoint");
    size_t off = CKPT_HEADER;
    const uint8_t *body;
    size_t blen;
    int k = wal_frame_next(p, n, &off, &body, &blen, err);
    if (k <= 0) return k == 0 ? qv_err_set(err, QV_EINVAL, "the checkpoint has no meta block") : -1;
    graph *g = NULL;
    if (read_meta(body, blen, &g, info, err) < 0) return -1;
    *name = qv_strdup(g->name);
    graph_free(g);
    return 0;
}


int ckpt_read(const uint8_t *p, size_t n, graph **out, ckpt_info *info, qv_err *err) {
    *out = NULL;
    if (!ckpt_is_checkpoint(p, n) || n < CKPT_HEADER) return qv_err_set(err, QV_EINVAL, "not a quiver checkpoint");
    if (is_v2(p, n)) return read_v2(NULL, p, n, NULL, 0, out, info, err);
    uint32_t version, flags;
    memcpy(&version, p + 8, 4);
    memcpy(&flags, p + 12, 4);
    if (version != 1 || flags != 0)
        return qv_err_set(err, QV_EINVAL, "checkpoint format version %u (flags %u) is not supported by this quiver "
                          "(it reads versions 1 and %u)", version, flags, CKPT_VERSION);
    size_t off = CKPT_HEADER;
    graph *g = NULL;
    uint64_t blocks = 0, changes = 0;
    bool ended = false;
    int rc = 0;
    ckpt_apply ca;
    ca_init(&ca, NULL);
    while (rc == 0) {
        const uint8_t *body;
        size_t blen, at = off;
        int k = wal_frame_next(p, n, &off, &body, &blen, err);
        if (k == 0) {
            if (!ended) rc = qv_err_set(err, QV_EINVAL, "the checkpoint is truncated at offset %zu (no end block)", at);
            break;
        }
        if (k < 0) {
            rc = qv_err_prefix(err, "the checkpoint is corrupt at offset %zu", at);
            break;
        }
        if (ended) {
            rc = qv_err_set(err, QV_EINVAL, "data after the checkpoint's end block (offset %zu)", at);
            break;
        }
        uint8_t kind = blen ? body[0] : 0;
        if (!g) {
            rc = kind == CKPT_BODY_META ? read_meta(body, blen, &g, info, err)
                                        : qv_err_set(err, QV_EINVAL, "the checkpoint does not start with its meta block");
        } else if (kind == CKPT_BODY_CHANGES) {
            wal_cur c = {body + 1, body + blen, false};
            ca.g = g;
            rc = apply_block(&ca, &c, NULL, (double)(n - off) / (double)(off - at), &changes, err);
            if (rc < 0) qv_err_prefix(err, "checkpoint block at offset %zu", at);
            blocks++;
        } else if (kind == CKPT_BODY_END) {
            if (ca_close(&ca, true, err) < 0) {   /* the changes are all there: install and commit */
                rc = -1;
                break;
            }
            ca_init(&ca, g);
            wal_cur c = {body + 1, body + blen, false};
            uint64_t nb, nc;
            if (wal_get_varint(&c, &nb) < 0 || wal_get_varint(&c, &nc) < 0 || c.p != c.end || nb != blocks || nc != changes)
                rc = qv_err_set(err, QV_EINVAL, "the checkpoint's end block does not match its contents");
            ended = true;
        } else {
            rc = qv_err_set(err, QV_EINVAL, "unknown checkpoint block kind %u at offset %zu", kind, at);
        }
    }
    if (ca_close(&ca, rc == 0, rc == 0 ? err : NULL) < 0) rc = -1;
    if (rc < 0) {
        graph_free(g);
        return -1;
    }
    *out = g;
    return 0;
}
