/* checkpoint.c — a database's committed state as one file, written through a gview and read back through gtxn.
 *
 * Owns: the checkpoint format (README.md, "Checkpoint format"): a header, then CRC32C frames holding a meta
 * block, change-list blocks in the write-ahead log's encoding, and an end block with the counts. The change
 * lists rebuild the graph from nothing: every name in id order, every node id below the high-water mark in
 * order (live ones with their external id, labels and properties; deleted ones as placeholders), every
 * relationship id likewise, then the placeholders deleted, then the indexes and constraints. Replaying them
 * gives back the same node, relationship and name ids, so the write-ahead log after the checkpoint applies.
 * Must not: touch files by name, fsync or rename (store.c does), or read graph internals beyond gview.h.
 */
#include "store/wal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CKPT_BLOCK_CHANGES 65536u
#define CKPT_BLOCK_BYTES (4u << 20)

typedef struct ckpt_out {
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

static void put_opt_str(qv_buf *b, const char *s) {
    qv_buf_append_byte(b, s ? 1 : 0);
    if (s) wal_put_str(b, s, strlen(s));
}

static int emit_names(ckpt_out *o, gview *v, qv_err *err) {
    uint32_t counts[3] = {gview_n_labels(v), gview_n_types(v), gview_n_keys(v)};
    for (uint8_t kind = 0; kind < 3; kind++)
        for (uint32_t i = 0; i < counts[kind]; i++) {
            const char *s = kind == 0 ? gview_label_name(v, i) : kind == 1 ? gview_type_name(v, i) : gview_key_name(v, i);
            if (!s) return qv_err_set(err, QV_EINTERNAL, "name %u of kind %u has no text", i, kind);
            if (out_push(o, (gchange){.kind = GCH_TOKEN, .aux = kind, .token = i, .value = qv_str_ref(s, (uint32_t)strlen(s))},
                         err) < 0 || out_entity_done(o, err) < 0)
                return -1;
        }
    return 0;
}

static int emit_nodes(ckpt_out *o, gview *v, uint64_t hwm, qv_err *err) {
    uint32_t lab[256];
    for (uint64_t id = 0; id < hwm; id++) {
        if (!gview_node_exists(v, id)) {
            if (out_push(o, (gchange){.kind = GCH_NODE_CREATE, .id = id}, err) < 0 || out_entity_done(o, err) < 0)
                return -1;
            continue;
        }
        if (out_push(o, (gchange){.kind = GCH_NODE_CREATE, .id = id, .value = gview_node_ext_id(v, id)}, err) < 0)
            return -1;
        uint32_t nl = gview_node_labels(v, id, lab, 256);
        uint32_t *labels = lab;
        if (nl > 256) {
            labels = qv_arena_alloc(&o->a, nl * sizeof *labels);
            gview_node_labels(v, id, labels, nl);
        }
        for (uint32_t i = 0; i < nl; i++)
            if (out_push(o, (gchange){.kind = GCH_LABEL_ADD, .id = id, .token = labels[i]}, err) < 0) return -1;
        gprop *props;
        uint32_t np = gview_node_props(v, id, &o->a, &props);
        for (uint32_t i = 0; i < np; i++)
            if (!qv_is_null(props[i].value) &&
                out_push(o, (gchange){.kind = GCH_NODE_SET, .id = id, .token = props[i].key, .value = props[i].value}, err) < 0)
                return -1;
        if (out_entity_done(o, err) < 0) return -1;
    }
    return 0;
}

static int emit_rels(ckpt_out *o, gview *v, uint64_t hwm, qv_err *err) {
    for (uint64_t id = 0; id < hwm; id++) {
        uint64_t s, d;
        uint32_t type;
        gview_rel_info(v, id, &s, &d, &type);
        if (out_push(o, (gchange){.kind = GCH_REL_CREATE, .id = id, .src = s, .dst = d, .token = type}, err) < 0)
            return -1;
        if (!gview_rel_exists(v, id)) {
            if (out_entity_done(o, err) < 0) return -1;
            continue;
        }
        gprop *props;
        uint32_t np = gview_rel_props(v, id, &o->a, &props);
        for (uint32_t i = 0; i < np; i++)
            if (!qv_is_null(props[i].value) &&
                out_push(o, (gchange){.kind = GCH_REL_SET, .id = id, .token = props[i].key, .value = props[i].value}, err) < 0)
                return -1;
        if (out_entity_done(o, err) < 0) return -1;
    }
    for (uint64_t id = 0; id < hwm; id++)
        if (!gview_rel_exists(v, id) &&
            (out_push(o, (gchange){.kind = GCH_REL_DELETE, .id = id}, err) < 0 || out_entity_done(o, err) < 0))
            return -1;
    return 0;
}

/* Raises the high-water marks to cover every live id (they come from the log's bookkeeping; this makes a
 * checkpoint whole even if that bookkeeping were short). */
static void cover_live(gview *v, ckpt_info *info) {
    uint64_t ids[512];
    uint32_t k;
    gnode_iter ni;
    gview_nodes(v, -1, &ni);
    while ((k = gnode_iter_next(&ni, ids, 512)) > 0)
        for (uint32_t i = 0; i < k; i++)
            if (ids[i] + 1 > info->node_hwm) info->node_hwm = ids[i] + 1;
    grel_iter ri;
    gview_rels(v, -1, &ri);
    while ((k = grel_iter_next(&ri, ids, 512)) > 0)
        for (uint32_t i = 0; i < k; i++)
            if (ids[i] + 1 > info->rel_hwm) info->rel_hwm = ids[i] + 1;
}

int ckpt_write(gview *v, const ckpt_info *info_in, int fd, qv_buf *mem, const char *what, qv_err *err) {
    graph *g = gview_graph(v);
    ckpt_info inf = *info_in, *info = &inf;
    cover_live(v, info);
    ckpt_out o = {.fd = fd, .mem = mem, .what = what};
    qv_buf_init(&o.buf);
    qv_arena_init(&o.a);
    uint8_t h[CKPT_HEADER] = {0};
    memcpy(h, CKPT_MAGIC, 8);
    uint32_t version = CKPT_VERSION;
    memcpy(h + 8, &version, 4);
    qv_buf_append(&o.buf, h, sizeof h);
    size_t start = wal_frame_begin(&o.buf);
    qv_buf_append_byte(&o.buf, CKPT_BODY_META);
    wal_put_str(&o.buf, g->name, strlen(g->name));
    put_opt_str(&o.buf, g->database_name);
    qv_buf_append_byte(&o.buf, g->durable ? 1 : 0);
    qv_buf_append_byte(&o.buf, (uint8_t)g->id_type);
    put_opt_str(&o.buf, g->id_property);
    wal_put_u64(&o.buf, g->created_ms);
    wal_put_u64(&o.buf, info->ident);
    wal_put_u64(&o.buf, info->base_seq);
    wal_put_varint(&o.buf, info->node_hwm);
    wal_put_varint(&o.buf, info->rel_hwm);
    int rc = wal_frame_end(&o.buf, start, err);
    if (rc == 0) rc = emit_names(&o, v, err);
    if (rc == 0) rc = emit_nodes(&o, v, info->node_hwm, err);
    if (rc == 0) rc = emit_rels(&o, v, info->rel_hwm, err);
    for (uint64_t id = 0; rc == 0 && id < info->node_hwm; id++)
        if (!gview_node_exists(v, id)) {
            rc = out_push(&o, (gchange){.kind = GCH_NODE_DELETE, .id = id}, err);
            if (rc == 0) rc = out_entity_done(&o, err);
        }
    if (rc == 0) {
        gindex_info *ix;
        uint32_t nix = gview_indexes(v, &o.a, &ix);
        for (uint32_t i = 0; i < nix && rc == 0; i++) {
            const char *name = ix[i].unique && ix[i].constraint ? ix[i].constraint : ix[i].name;
            rc = out_push(&o, (gchange){.kind = ix[i].unique ? GCH_CONSTRAINT_CREATE : GCH_INDEX_CREATE,
                                        .aux = (uint8_t)ix[i].entity, .token = ix[i].token, .id = ix[i].key,
                                        .value = qv_str_ref(name, (uint32_t)strlen(name))}, err);
        }
    }
    if (rc == 0) rc = out_flush_block(&o, err);
    if (rc == 0) {
        start = wal_frame_begin(&o.buf);
        qv_buf_append_byte(&o.buf, CKPT_BODY_END);
        wal_put_varint(&o.buf, o.blocks);
        wal_put_varint(&o.buf, o.changes);
        rc = wal_frame_end(&o.buf, start, err);
        if (rc == 0) rc = out_drain(&o, err);
    }
    qv_buf_free(&o.buf);
    qv_arena_free(&o.a);
    free(o.ch);
    return rc;
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

int ckpt_read_meta(const uint8_t *p, size_t n, char **name, ckpt_info *info, qv_err *err) {
    *name = NULL;
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

static int apply_block(graph *g, wal_cur *c, uint64_t *changes, qv_err *err) {
    qv_arena a;
    qv_arena_init(&a);
    gchange *ch;
    size_t n;
    int rc = wal_get_changes(c, &a, &ch, &n, err);
    if (rc == 0 && c->p != c->end) rc = qv_err_set(err, QV_EINVAL, "bytes after a change list");
    gtxn *t = rc == 0 ? gtxn_begin(g, err) : NULL;
    if (rc == 0 && !t) rc = -1;
    if (rc == 0 && wal_apply(t, ch, n, err) < 0) {
        gtxn_rollback(t);
        rc = -1;
    } else if (rc == 0) {
        rc = gtxn_commit(t, err);
    }
    qv_arena_free(&a);
    *changes += n;
    return rc;
}

int ckpt_read(const uint8_t *p, size_t n, graph **out, ckpt_info *info, qv_err *err) {
    *out = NULL;
    if (!ckpt_is_checkpoint(p, n) || n < CKPT_HEADER) return qv_err_set(err, QV_EINVAL, "not a quiver checkpoint");
    uint32_t version, flags;
    memcpy(&version, p + 8, 4);
    memcpy(&flags, p + 12, 4);
    if (version != CKPT_VERSION || flags != 0)
        return qv_err_set(err, QV_EINVAL, "checkpoint format version %u (flags %u) is not supported by this quiver "
                          "(it reads version %u)", version, flags, CKPT_VERSION);
    size_t off = CKPT_HEADER;
    graph *g = NULL;
    uint64_t blocks = 0, changes = 0;
    bool ended = false;
    int rc = 0;
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
            rc = apply_block(g, &c, &changes, err);
            if (rc < 0) qv_err_prefix(err, "checkpoint block at offset %zu", at);
            blocks++;
        } else if (kind == CKPT_BODY_END) {
            wal_cur c = {body + 1, body + blen, false};
            uint64_t nb, nc;
            if (wal_get_varint(&c, &nb) < 0 || wal_get_varint(&c, &nc) < 0 || c.p != c.end || nb != blocks || nc != changes)
                rc = qv_err_set(err, QV_EINVAL, "the checkpoint's end block does not match its contents");
            ended = true;
        } else {
            rc = qv_err_set(err, QV_EINVAL, "unknown checkpoint block kind %u at offset %zu", kind, at);
        }
    }
    if (rc < 0) {
        graph_free(g);
        return -1;
    }
    *out = g;
    return 0;
}
