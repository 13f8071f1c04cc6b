/* snapshot_read.c — decodes a snapshot (format in README.md) from memory or from a file into a graph.
 *
 * Owns: the meaning of every section on input, in their fixed order: the length each must have given
 * the counts read before it, the small encoded sections (meta, names, column headers, types), and
 * assembling the graph, with the incoming side from a streamed save's appendix or rebuilt without one;
 * then the structural checks (snapshot_check.c) and the id index build. The bytes are untrusted: nothing
 * is handed out before every id and offset has been validated. Must not touch the catalog or the data
 * directory, nor read bytes except through snapshot_in.h.
 */
#include "graph/csr.h"
#include "graph/gmap.h"
#include "store/snapshot.h"
#include "store/snapshot_in.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ULL(x)    ((unsigned long long)(x))
#define MAX_NODES UINT32_MAX /* internal ids are uint32; the id index reserves UINT32_MAX */
#define MAX_RELS  UINT32_MAX /* in_rel holds uint32 relationship ids */
#define MAX_TYPES 65536u     /* rel_type is uint16 */

typedef struct dec {
    snap_in in;
    gmap *map; /* a mapped file, until the graph takes it */
    graph *g;
    uint64_t n, m;
    uint32_t n_labelsets, n_node_cols, n_rel_cols;
    /* SNAP2_FLAG_IN_AFTER: the appendix (NULL when the file ends before it) and the file it extends */
    const uint8_t *app;
    uint64_t app_at, app_n;
    snap_file_id id;
} dec;

/* A string of META: NULL allowed or not, never empty, never with a NUL byte. */
static int get_name(dec *d, snap_cur *c, const snap_sec *s, const char *what, int nullable, char **out) {
    *out = NULL;
    uint32_t len = snap_get_u32(c);
    if (c->short_) return snap_cur_done(&d->in, c, s);
    if (len == SNAP_STR_NULL) {
        if (nullable) return 0;
        return snap_in_bad(&d->in, "section '%s': the %s is missing (file corrupt)", s->name, what);
    }
    const uint8_t *p = snap_take(c, len);
    if (!p) return snap_cur_done(&d->in, c, s);
    if (len == 0 && !nullable)
        return snap_in_bad(&d->in, "section '%s': the %s is empty (file corrupt)", s->name, what);
    if (memchr(p, 0, len))
        return snap_in_bad(&d->in, "section '%s': the %s contains a NUL byte (file corrupt)", s->name, what);
    *out = qv_strndup((const char *)p, len);
    return 0;
}

static int read_meta(dec *d) {
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(&d->in, SEC_META, 0, &s, &p) < 0) return -1;
    snap_cur c = {.p = p, .n = s.len};
    uint32_t durable = snap_get_u32(&c), id_type = snap_get_u32(&c);
    uint64_t created = snap_get_u64(&c);
    d->n = snap_get_u64(&c);
    d->m = snap_get_u64(&c);
    d->n_labelsets = snap_get_u32(&c);
    d->n_node_cols = snap_get_u32(&c);
    d->n_rel_cols = snap_get_u32(&c);
    char *name = NULL, *db = NULL, *idp = NULL;
    int rc = -1;
    if (get_name(d, &c, &s, "graph name", 0, &name) < 0 || get_name(d, &c, &s, "database name", 1, &db) < 0 ||
        get_name(d, &c, &s, "id property", 1, &idp) < 0 || snap_cur_done(&d->in, &c, &s) < 0)
        goto out;
    if (durable > 1 || id_type > 1) {
        snap_in_bad(&d->in, "section 'meta': unknown flags (durable %u, id type %u) (file corrupt)", durable, id_type);
        goto out;
    }
    if (d->n > MAX_NODES || d->m > MAX_RELS) {
        snap_in_bad(
            &d->in,
            "section 'meta': %llu nodes and %llu relationships exceed what this version supports (file corrupt)",
            ULL(d->n), ULL(d->m));
        goto out;
    }
    d->g = graph_new(name, db, durable == 1, (graph_id_type)id_type, idp);
    d->g->created_ms = created;
    d->g->map = d->map; /* from now on graph_free releases the mapping (and never frees what is in it) */
    d->map = NULL;
    rc = 0;
out:
    free(name);
    free(db);
    free(idp);
    free(p);
    return rc;
}

static int read_strtab(dec *d, uint32_t id, qv_strtab *t, uint32_t max) {
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(&d->in, id, 0, &s, &p) < 0) return -1;
    snap_cur c = {.p = p, .n = s.len};
    uint32_t count = snap_get_u32(&c);
    int rc = 0;
    if (count > max || count > s.len / 4) {
        rc = snap_in_bad(&d->in, "section '%s' claims %u names, more than it can hold (file corrupt)", s.name, count);
        goto out;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t len = snap_get_u32(&c);
        const uint8_t *name = snap_take(&c, len);
        if (!name) break;
        if (qv_strtab_intern(t, (const char *)name, len) != i) {
            rc = snap_in_bad(&d->in, "section '%s': name %u repeats an earlier name (file corrupt)", s.name, i);
            goto out;
        }
    }
    rc = snap_cur_done(&d->in, &c, &s);
out:
    free(p);
    return rc;
}

/* One property column of `rows` rows; base is SEC_NODE_COL or SEC_REL_COL, first..c-1 are the columns
 * already read (their keys must differ from this one's). */
static int read_column(dec *d, uint32_t base, uint32_t i, uint64_t rows, gcolumn *cols) {
    gcolumn *c = &cols[i];
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(&d->in, base, i, &s, &p) < 0) return -1;
    snap_cur k = {.p = p, .n = s.len};
    uint32_t key = snap_get_u32(&k), type = snap_get_u32(&k), flags = snap_get_u32(&k), reserved = snap_get_u32(&k);
    free(p);
    if (snap_cur_done(&d->in, &k, &s) < 0) return -1;
    size_t elem = type <= GPROP_FLOAT_LIST ? snap_prop_elem_size((gprop_type)type) : 0;
    if (key >= d->g->prop_keys.count)
        return snap_in_bad(&d->in, "section '%s': property key %u is not among the %u keys (file corrupt)", s.name, key,
                           d->g->prop_keys.count);
    if (!elem || (flags & ~SNAP_COL_HAS_PRESENT) || reserved)
        return snap_in_bad(&d->in, "section '%s': unknown type %u or flags %#x (file corrupt, or from a newer version)",
                           s.name, type, flags);
    if (base == SEC_REL_COL && type != GPROP_DOUBLE)
        return snap_in_bad(&d->in,
                           "section '%s': relationship property '%s' has type %s, but only double is supported (file "
                           "corrupt)",
                           s.name, qv_strtab_name(&d->g->prop_keys, key), gprop_type_name((gprop_type)type));
    for (uint32_t j = 0; j < i; j++)
        if (cols[j].key == key)
            return snap_in_bad(&d->in, "section '%s': property '%s' appears twice (file corrupt)", s.name,
                               qv_strtab_name(&d->g->prop_keys, key));
    c->key = key;
    c->type = (gprop_type)type;
    if ((flags & SNAP_COL_HAS_PRESENT) && snap_in_array(&d->in, base + 1, i, (rows + 63) / 64, 8, &c->present) < 0)
        return -1;
    uint64_t nvalues = rows;
    if (snap_prop_has_offsets(c->type)) {
        if (snap_in_array(&d->in, base + 2, i, rows + 1, 8, &c->offsets) < 0) return -1;
        char name[64];
        snap_section_name(base + 2, i, name, sizeof name);
        if (snap_check_offsets64(c->offsets, rows, c->offsets[rows], name, d->in.err) < 0) return -1;
        nvalues = c->offsets[rows];
    }
    return snap_in_array(&d->in, base + 3, i, nvalues, elem, &c->values);
}

static int read_columns(dec *d, uint32_t base, uint32_t n, uint64_t rows, gcolumn **cols, int *ncols) {
    if (n > d->g->prop_keys.count)
        return snap_in_bad(&d->in, "section 'meta': %u property columns but only %u property keys (file corrupt)", n,
                           d->g->prop_keys.count);
    free(*cols);
    *cols = calloc(n ? n : 1, sizeof **cols);
    if (!*cols) return qv_err_set(d->in.err, QV_ENOMEM, "not enough memory for %u property columns", n);
    *ncols = (int)n; /* set now: graph_free releases whatever was read if a later column fails */
    for (uint32_t i = 0; i < n; i++)
        if (read_column(d, base, i, rows, *cols) < 0) return -1;
    return 0;
}

static int read_nodes(dec *d) {
    graph *g = d->g;
    uint64_t n = d->n;
    g->n_nodes = n;
    if (g->id_type == GRAPH_ID_STRING) {
        if (snap_in_array(&d->in, SEC_EXT_STR_OFF, 0, n + 1, 8, &g->ext_str_off) < 0) return -1;
        if (snap_check_offsets64(g->ext_str_off, n, g->ext_str_off[n], "ext_str_off", d->in.err) < 0) return -1;
        if (snap_in_array(&d->in, SEC_EXT_STR, 0, g->ext_str_off[n], 1, &g->ext_str) < 0) return -1;
    } else {
        if (snap_in_array(&d->in, SEC_EXT_IDS, 0, n, 8, &g->ext_ids) < 0) return -1;
    }
    if (snap_in_array(&d->in, SEC_NODE_LABELSET, 0, n, 4, &g->node_labelset) < 0) return -1;
    g->n_labelsets = 0; /* until both arrays are read, for the checks below */
    if (snap_in_array(&d->in, SEC_LABELSET_OFF, 0, (uint64_t)d->n_labelsets + 1, 4, &g->labelset_off) < 0) return -1;
    if (snap_in_array(&d->in, SEC_LABELSET_LABELS, 0, g->labelset_off[d->n_labelsets], 4, &g->labelset_labels) < 0)
        return -1;
    g->n_labelsets = d->n_labelsets;
    if (snap_check_labelsets(g, d->in.err) < 0) return -1;
    return read_columns(d, SEC_NODE_COL, d->n_node_cols, n, &g->node_cols, &g->n_node_cols);
}

/* rel_type; with SNAP2_FLAG_TYPES_ZERO the section is empty and the zeros come from calloc (big ones are
 * untouched zero pages: no memory until something writes them). */
static int read_rel_type(dec *d) {
    graph *g = d->g;
    if (!(d->in.hflags & SNAP2_FLAG_TYPES_ZERO)) return snap_in_array(&d->in, SEC_REL_TYPE, 0, d->m, 2, &g->rel_type);
    if (g->rel_types.count > 1)
        return snap_in_bad(&d->in, "the header says every relationship has type 0, but the file names %u types "
                                   "(file corrupt)", g->rel_types.count);
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(&d->in, SEC_REL_TYPE, 0, &s, &p) < 0) return -1;
    free(p);
    if (s.len) return snap_in_bad(&d->in, "section 'rel_type' holds %llu bytes, but the header says it is empty "
                                          "(file corrupt)", ULL(s.len));
    free(g->rel_type);
    g->rel_type = calloc(d->m ? d->m : 1, 2);
    if (!g->rel_type)
        return qv_err_set(d->in.err, QV_ENOMEM, "not enough memory for %llu relationship types", ULL(d->m));
    return 0;
}

static int read_rels(dec *d) {
    graph *g = d->g;
    uint64_t n = d->n, m = d->m;
    g->n_rels = m;
    if (snap_in_array(&d->in, SEC_OUT_OFF, 0, n + 1, 8, &g->out_off) < 0 ||
        snap_in_array(&d->in, SEC_OUT_TGT, 0, m, 4, &g->out_tgt) < 0 ||
        read_rel_type(d) < 0)
        return -1;
    if (!(d->in.hflags & SNAP2_FLAG_IN_AFTER) &&
        (snap_in_array(&d->in, SEC_IN_OFF, 0, n + 1, 8, &g->in_off) < 0 ||
         snap_in_array(&d->in, SEC_IN_REL, 0, m, 4, &g->in_rel) < 0 ||
         snap_in_array(&d->in, SEC_IN_SRC, 0, m, 4, &g->in_src) < 0))
        return -1;
    return read_columns(d, SEC_REL_COL, d->n_rel_cols, m, &g->rel_cols, &g->n_rel_cols);
}

static int read_types(dec *d) {
    graph *g = d->g;
    uint32_t nt = g->rel_types.count;
    snap_sec s;
    uint8_t *p;
    if (snap_in_blob(&d->in, SEC_TYPES, 0, &s, &p) < 0) return -1;
    int rc = 0;
    if (s.len != (uint64_t)nt * 10) {
        rc = snap_in_bad(&d->in, "section 'types' holds %llu bytes where %u types need %llu (file corrupt)", ULL(s.len),
                         nt, ULL((uint64_t)nt * 10));
        goto out;
    }
    free(g->type_count);
    free(g->type_undirected);
    free(g->type_inverse);
    g->type_count = malloc((size_t)nt * 8 + 8);
    g->type_undirected = malloc((size_t)nt + 1);
    g->type_inverse = malloc((size_t)nt + 1);
    if (!g->type_count || !g->type_undirected || !g->type_inverse) {
        rc = qv_err_set(d->in.err, QV_ENOMEM, "not enough memory for %u relationship types", nt);
        goto out;
    }
    snap_cur c = {.p = p, .n = s.len};
    for (uint32_t t = 0; t < nt; t++)
        g->type_count[t] = snap_get_u64(&c);
    for (int pass = 0; pass < 2; pass++) {
        bool *flags = pass ? g->type_inverse : g->type_undirected;
        for (uint32_t t = 0; t < nt; t++) {
            uint8_t v = snap_get_u8(&c);
            if (v > 1) {
                rc = snap_in_bad(&d->in, "section 'types': flag byte %u of type %u is neither 0 nor 1 (file corrupt)",
                                 v, t);
                goto out;
            }
            flags[t] = v == 1;
        }
    }
    rc = snap_cur_done(&d->in, &c, &s);
out:
    free(p);
    return rc;
}

/* The appendix's arrays, into g when all is well; its big sections join the file's background check. */
static int read_appendix(dec *d, qv_err *err) {
    graph *g = d->g;
    uint64_t n = d->n, m = d->m, *off = NULL;
    uint32_t *rel = NULL, *src = NULL;
    snap_in a = {.mem = d->app, .fd = -1, .size = d->app_n, .err = err, .magic = SNAP_APPENDIX_MAGIC,
                 .map = d->in.map, .lazy_at = d->in.lazy_at};
    snap_sec s;
    uint8_t *p = NULL;
    int rc = snap_in_header(&a) < 0 || snap_in_blob(&a, SEC_IN_OWNER, 0, &s, &p) < 0 ? -1 : 0;
    if (rc == 0) {
        snap_cur c = {.p = p, .n = s.len};
        uint32_t hcrc = snap_get_u32(&c), zero = snap_get_u32(&c);
        uint64_t size = snap_get_u64(&c), nn = snap_get_u64(&c), mm = snap_get_u64(&c);
        if (snap_cur_done(&a, &c, &s) < 0) rc = -1;
        else if (zero || hcrc != d->id.hcrc || size != d->id.size || nn != n || mm != m)
            rc = snap_in_bad(&a, "it belongs to another file (header CRC %08x, %llu bytes, %llu nodes, %llu "
                             "relationships)", hcrc, ULL(size), ULL(nn), ULL(mm));
    }
    free(p);
    if (rc == 0 && (snap_in_array(&a, SEC_IN_OFF, 0, n + 1, 8, &off) < 0 ||
                    snap_check_offsets64(off, n, m, "in_off", err) < 0 ||
                    snap_in_array(&a, SEC_IN_REL, 0, m, 4, &rel) < 0 ||
                    snap_in_array(&a, SEC_IN_SRC, 0, m, 4, &src) < 0 ||
                    snap_in_end(&a) < 0))
        rc = -1;
    if (rc < 0) {
        if (!a.map) {
            free(off);
            free(rel);
            free(src);
        }
        free(a.lazy);
        return -1;
    }
    free(g->in_off);
    g->in_off = off;
    g->in_rel = rel;
    g->in_src = src;
    for (uint32_t i = 0; i < a.nlazy; i++) { /* offsets within the file */
        a.lazy[i].off += d->app_at;
        snap_in_defer(&d->in, &a.lazy[i]);
    }
    free(a.lazy);
    return 0;
}

/* SNAP2_FLAG_IN_AFTER: the incoming side from the appendix, or rebuilt from the outgoing side when there is
 * none (the server stopped between the install and the appendix's fsync) or it is unusable. Either way the
 * graph is the same: the appendix holds only what the outgoing side determines. */
static int incoming_after(dec *d, qv_pool *pool) {
    graph *g = d->g;
    qv_err aerr;
    qv_err_clear(&aerr);
    if (d->app && read_appendix(d, &aerr) == 0) return 0;
    /* the build indexes by these: check them whatever the background check would do later */
    if (snap_check_offsets64(g->out_off, d->n, d->m, "out_off", d->in.err) < 0) return -1;
    for (uint64_t r = 0; r < d->m; r++)
        if (g->out_tgt[r] >= d->n)
            return snap_in_bad(&d->in, "section 'out_tgt': relationship %llu has target %u, but there are %llu nodes "
                               "(file corrupt)", ULL(r), g->out_tgt[r], ULL(d->n));
    uint64_t t0 = qv_now_ns();
    free(g->in_off);
    g->in_off = NULL;
    if (gcsr_build_incoming(g, pool, d->in.err) < 0) return -1;
    if (d->app)
        QV_WARN("database '%s': the incoming index appended to its file is unusable (%s): rebuilt from the outgoing "
                "side in %.3f s (%llu relationships); the database itself is whole", g->name, aerr.msg,
                qv_seconds_since(t0), ULL(d->m));
    else
        QV_WARN("database '%s': its file has no incoming index yet (it is appended after the install; the server "
                "stopped first): rebuilt from the outgoing side in %.3f s (%llu relationships)", g->name,
                qv_seconds_since(t0), ULL(d->m));
    return 0;
}

int snap_in_after_state(const graph *g) {
    const gmap *map = g->map;
    uint32_t flags;
    if (!map || map->len < SNAP2_HEADER || memcmp(map->base, SNAP_MAGIC, SNAP_MAGIC_LEN) != 0) return -1;
    memcpy(&flags, map->base + 12, 4);
    if (!(flags & SNAP2_FLAG_IN_AFTER)) return -1;
    return gmap_holds(map, g->in_off) ? 1 : 0;
}

static int decode(dec *d, qv_pool *pool, graph **out) {
    *out = NULL;
    if (!snap_host_little_endian())
        return qv_err_set(d->in.err, QV_EUNIMPL, "snapshots can only be read on little-endian machines");
    if (snap_in_header(&d->in) < 0 || read_meta(d) < 0) return -1;
    graph *g = d->g;
    if (read_strtab(d, SEC_LABELS, &g->labels, UINT32_MAX) < 0 ||
        read_strtab(d, SEC_REL_TYPES, &g->rel_types, MAX_TYPES) < 0 ||
        read_strtab(d, SEC_PROP_KEYS, &g->prop_keys, INT32_MAX) < 0 || read_nodes(d) < 0 || read_rels(d) < 0 ||
        read_types(d) < 0 || snap_in_end(&d->in) < 0)
        goto fail;
    if ((d->in.hflags & SNAP2_FLAG_IN_AFTER) && incoming_after(d, pool) < 0) goto fail;
    /* a mapped file with sections left unverified leaves the O(relationships) checks to the background check
     * (snap_verify_start): start-up then reads only what the id index and the small sections need */
    if (!d->in.nlazy && (snap_check_csr(g, pool, d->in.err) < 0 || snap_check_types(g, d->in.err) < 0)) goto fail;
    gidindex_free(&g->idx);
    int rc = g->id_type == GRAPH_ID_STRING
                 ? gidindex_build_str(&g->idx, g->ext_str_off, g->ext_str, g->n_nodes, pool, d->in.err)
                 : gidindex_build_int(&g->idx, g->ext_ids, g->n_nodes, pool, d->in.err);
    if (rc < 0) {
        qv_err_prefix(d->in.err, "node ids");
        goto fail;
    }
    *out = g;
    return 0;
fail:
    graph_free(g);
    d->g = NULL;
    return -1;
}

/* Whether start-up may leave big sections of a mapped file to the background check. */
static uint64_t lazy_at(uint64_t size) {
    const char *v = getenv("QV_STORE_VERIFY");
    if (v && strcmp(v, "full") == 0) return 0;
    if (v && strcmp(v, "lazy") == 0) return SNAP2_LAZY_SECTION;
    return size > SNAP2_LAZY_FILE ? SNAP2_LAZY_SECTION : 0;
}

int snap_decode2(gmap *map, const uint8_t *p, size_t n, const char *magic, unsigned flags, qv_pool *pool,
                 graph **out, qv_err *err) {
    static const uint8_t empty[1];
    dec d = {.in = {.mem = p ? p : empty, .fd = -1, .size = p ? n : 0, .err = err, .magic = magic,
                    .ckpt = (flags & SNAP2_CKPT) != 0, .map = map != NULL,
                    .lazy_at = map && !(flags & SNAP2_FULL) ? lazy_at(n) : 0},
             .map = map};
    if (p && n >= SNAP2_HEADER && snap_in_is_v2(p, n, magic)) { /* the header is verified by the decode */
        uint32_t hflags;
        memcpy(&hflags, p + 12, 4);
        memcpy(&d.id.size, p + 16, 8);
        memcpy(&d.id.hcrc, p + 60, 4);
        if ((hflags & SNAP2_FLAG_IN_AFTER) && d.id.size < n) { /* an appendix may follow the file's own bytes */
            d.in.size = d.id.size;
            d.app_at = snap_appendix_at(d.id.size);
            if (d.app_at < n) {
                d.app = p + d.app_at;
                d.app_n = n - d.app_at;
            }
        }
    }
    int rc = decode(&d, pool, out);
    if (rc == 0 && d.in.version != 2) { /* callers route version 1 elsewhere; a mapping must not stay */
        graph_free(*out);
        *out = NULL;
        rc = qv_err_set(err, QV_EINTERNAL, "snap_decode2 of a version-1 file");
    }
    gmap_release(d.map); /* not taken by a graph: nothing points into it */
    if (rc == 0 && d.in.nlazy) snap_verify_start(*out, d.in.lazy, d.in.nlazy);
    else free(d.in.lazy);
    return rc;
}

int snap_map_file(const char *path, gmap **out, qv_err *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return qv_err_set(err, errno == ENOENT ? QV_ENOTFOUND : QV_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) rc = qv_err_set(err, QV_EIO, "cannot stat %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode)) rc = qv_err_set(err, QV_EINVAL, "%s: not a regular file", path);
    else if (st.st_size < (off_t)SNAP2_HEADER) rc = qv_err_set(err, QV_EINVAL, "%s: too short for a header (file truncated)", path);
    if (rc == 0) {
        *out = gmap_open_file(fd, (size_t)st.st_size, path);
        if (!*out) rc = qv_err_set(err, errno == ENOMEM ? QV_ENOMEM : QV_EIO, "cannot map %s: %s", path, strerror(errno));
    }
    close(fd);
    return rc;
}

/* Whether the file at path starts with magic and version 2 (0 and *yes), or cannot be read (-1). */
int snap_file_is_v2(const char *path, const char *magic, bool *yes, qv_err *err) {
    *yes = false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return qv_err_set(err, errno == ENOENT ? QV_ENOTFOUND : QV_EIO, "cannot open %s: %s", path, strerror(errno));
    uint8_t h[12];
    ssize_t k = pread(fd, h, sizeof h, 0);
    close(fd);
    *yes = k == (ssize_t)sizeof h && snap_in_is_v2(h, sizeof h, magic);
    return 0;
}

int store_snapshot_decode(const uint8_t *p, size_t n, qv_pool *pool, graph **out, qv_err *err) {
    if (p && snap_in_is_v2(p, n, SNAP_MAGIC)) return snap_decode2(NULL, p, n, SNAP_MAGIC, 0, pool, out, err);
    static const uint8_t empty[1];
    dec d = {.in = {.mem = p ? p : empty, .fd = -1, .size = p ? n : 0, .err = err}};
    return decode(&d, pool, out);
}

int store_snapshot_read_file(const char *path, qv_pool *pool, graph **out, qv_err *err) {
    return snap_read_file(path, pool, false, out, err);
}

int snap_read_file(const char *path, qv_pool *pool, bool full, graph **out, qv_err *err) {
    *out = NULL;
    bool v2 = false;
    if (snap_file_is_v2(path, SNAP_MAGIC, &v2, err) < 0) return -1;
    if (v2) { /* mapped: the graph's arrays are the file's sections */
        gmap *map;
        int rc = snap_map_file(path, &map, err);
        if (rc == 0) rc = snap_decode2(map, map->base, map->len, SNAP_MAGIC, full ? SNAP2_FULL : 0, pool, out, err);
        if (rc < 0) qv_err_prefix(err, "%s", path);
        return rc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return qv_err_set(err, errno == ENOENT ? QV_ENOTFOUND : QV_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0) {
        qv_err_set(err, QV_EIO, "cannot stat %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        qv_err_set(err, QV_EINVAL, "%s: not a regular file", path);
        close(fd);
        return -1;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    dec d = {.in = {.fd = fd, .size = (uint64_t)st.st_size, .err = err}};
    int rc = decode(&d, pool, out);
    close(fd);
    if (rc < 0) qv_err_prefix(err, "%s", path);
    return rc;
}

int snap_find2(const uint8_t *p, size_t n, const char *magic, uint32_t id, const uint8_t **payload, uint64_t *len,
               qv_err *err) {
    snap_in in = {.mem = p, .fd = -1, .size = n, .err = err, .magic = magic};
    snap_sec s;
    if (snap_in_header(&in) < 0) return -1;
    if (in.version != 2) return qv_err_set(err, QV_EINVAL, "not a version-2 file");
    if (snap_in_find(&in, id, 0, &s, payload) < 0) return -1;
    *len = s.len;
    return 0;
}
