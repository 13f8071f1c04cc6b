/* wal_codec.c — the bytes of the write-ahead log and of checkpoints: CRC32C frames, varints, storable values,
 * change lists, transaction records, and replaying a change list through a graph transaction.
 *
 * Owns: encoding and decoding only (no files, no threads). Everything decoded is untrusted: every read is
 * bounds-checked, recursion is one level (lists hold scalars), and replay checks that the graph assigns the
 * ids the record names, so a log that does not fit its graph is an error, never silent divergence.
 * Must not: know about segments, fsync or the catalog (wal.c, recovery.c).
 */
#include "store/checksum.h"
#include "store/wal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* ---- frames ---- */
size_t wal_frame_begin(qv_buf *b) {
    size_t start = b->len;
    memset(qv_buf_extend(b, WAL_FRAME_HEADER), 0, WAL_FRAME_HEADER);
    return start;
}

int wal_frame_end(qv_buf *b, size_t start, qv_err *err) {
    size_t body = b->len - start - WAL_FRAME_HEADER;
    if (body > WAL_FRAME_MAX) {
        b->len = start;
        return qv_err_set(err, QV_ETOOBIG, "a write-ahead log record of %zu bytes is over the %u-byte limit; split the "
                          "transaction", body, WAL_FRAME_MAX);
    }
    uint8_t *h = b->data + start;
    put_u32(h, WAL_FRAME_MAGIC);
    put_u32(h + 4, (uint32_t)body);
    put_u32(h + 8, store_crc32c(0, h + WAL_FRAME_HEADER, body));
    put_u32(h + 12, store_crc32c(0, h, 12));
    return 0;
}

/* [walprep] */
static bool wal_all_zero(const uint8_t *p, size_t n) {
    if (n && p[0]) return false;   /* the common case: a record's magic */
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        acc |= v;
        if ((i & 4095) == 4088 && acc) return false;
    }
    for (; i < n; i++) acc |= p[i];
    return acc == 0;
}

int wal_frame_head(const uint8_t *p, size_t n, size_t *off, const uint8_t **body, size_t *body_len, qv_err *why) {
    size_t o = *off;
    if (o == n) return 0;
    /* [walprep] a preallocated log segment (wal.c) holds zeros after its last record: nothing but zeros to the
     * end is the clean end; a zero header with anything after it is still torn (reported at its offset) */
    if (wal_all_zero(p + o, n - o)) {
        *off = n;
        return 0;
    }
    if (n - o < WAL_FRAME_HEADER)
        return qv_err_set(why, QV_EINVAL, "%zu stray bytes where a record header (16 bytes) should start", n - o);
    const uint8_t *h = p + o;
    if (get_u32(h) != WAL_FRAME_MAGIC) return qv_err_set(why, QV_EINVAL, "no record magic");
    if (store_crc32c(0, h, 12) != get_u32(h + 12)) return qv_err_set(why, QV_EINVAL, "record header checksum mismatch");
    uint32_t len = get_u32(h + 4);
    if (len > WAL_FRAME_MAX || len > n - o - WAL_FRAME_HEADER)
        return qv_err_set(why, QV_EINVAL, "record of %u bytes runs past the end (%zu bytes left)", len,
                          n - o - WAL_FRAME_HEADER);
    *body = h + WAL_FRAME_HEADER;
    *body_len = len;
    *off = o + WAL_FRAME_HEADER + len;
    return 1;
}

int wal_frame_body_ok(const uint8_t *body, size_t body_len, qv_err *why) {
    if (store_crc32c(0, body, body_len) != get_u32(body - WAL_FRAME_HEADER + 8))
        return qv_err_set(why, QV_EINVAL, "record checksum mismatch (%zu-byte record)", body_len);
    return 0;
}

int wal_frame_next(const uint8_t *p, size_t n, size_t *off, const uint8_t **body, size_t *body_len, qv_err *why) {
    size_t o = *off;
    int k = wal_frame_head(p, n, off, body, body_len, why);
    if (k == 1 && wal_frame_body_ok(*body, *body_len, why) < 0) {
        *off = o;
        return -1;
    }
    return k;
}

/* ---- scalars ---- */
void wal_put_varint(qv_buf *b, uint64_t v) {
    uint8_t t[10];
    int k = 0;
    while (v >= 0x80) {
        t[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[k++] = (uint8_t)v;
    qv_buf_append(b, t, (size_t)k);
}

static uint64_t zz(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static int64_t unzz(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

void wal_put_u64(qv_buf *b, uint64_t v) { qv_buf_append(b, &v, 8); }

void wal_put_str(qv_buf *b, const char *s, size_t n) {
    wal_put_varint(b, n);
    qv_buf_append(b, s, n);
}

static int cur_fail(wal_cur *c) {
    c->bad = true;
    c->p = c->end;
    return -1;
}

static int varint_slow(wal_cur *c, uint64_t *v) {
    uint64_t r = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (c->p >= c->end) return cur_fail(c);
        uint8_t x = *c->p++;
        if (shift == 63 && x > 1) return cur_fail(c);
        r |= (uint64_t)(x & 0x7F) << shift;
        if (!(x & 0x80)) {
            *v = r;
            return 0;
        }
    }
    return cur_fail(c);
}

/* One byte (ids of small graphs, tokens, short lengths) is the common case: one test; up to 9 bytes without
 * a bounds test per byte when the cursor has them. */
static inline int varint(wal_cur *c, uint64_t *v) {
    const uint8_t *p = c->p;
    if (p < c->end && *p < 0x80) {
        *v = *p;
        c->p = p + 1;
        return 0;
    }
    if (c->end - p >= 9) {
        uint64_t r = 0;
        for (int k = 0; k < 9; k++) {
            uint8_t x = p[k];
            r |= (uint64_t)(x & 0x7F) << (7 * k);
            if (!(x & 0x80)) {
                *v = r;
                c->p = p + k + 1;
                return 0;
            }
        }
    }
    return varint_slow(c, v);
}

int wal_get_varint(wal_cur *c, uint64_t *v) { return varint(c, v); }

int wal_get_u64(wal_cur *c, uint64_t *v) {
    if (c->end - c->p < 8) return cur_fail(c);
    memcpy(v, c->p, 8);
    c->p += 8;
    return 0;
}

int wal_get_str(wal_cur *c, const char **s, size_t *n) {
    uint64_t len;
    if (varint(c, &len) < 0 || len > (uint64_t)(c->end - c->p)) return cur_fail(c);
    *s = (const char *)c->p;
    *n = (size_t)len;
    c->p += len;
    return 0;
}

static int get_i64(wal_cur *c, int64_t *v) {
    uint64_t u;
    if (varint(c, &u) < 0) return -1;
    *v = unzz(u);
    return 0;
}

/* ---- values: u8 qtype, then the payload ---- */
int wal_put_value(qv_buf *b, qval v, qv_err *err) {
    qv_buf_append_byte(b, v.type);
    switch (v.type) {
    case QT_NULL: return 0;
    case QT_BOOL: qv_buf_append_byte(b, v.b ? 1 : 0); return 0;
    case QT_INT: wal_put_varint(b, zz(v.i)); return 0;
    case QT_FLOAT: qv_buf_append(b, &v.f, 8); return 0;
    case QT_STRING: wal_put_str(b, v.s, v.len); return 0;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
        wal_put_varint(b, zz(v.tm->days));
        wal_put_varint(b, zz(v.tm->nanos));
        wal_put_varint(b, zz(v.tm->offset));
        if (v.tm->zone) {
            qv_buf_append_byte(b, 1);
            wal_put_str(b, v.tm->zone, strlen(v.tm->zone));
        } else {
            qv_buf_append_byte(b, 0);
        }
        return 0;
    case QT_DURATION:
        wal_put_varint(b, zz(v.dur->months));
        wal_put_varint(b, zz(v.dur->days));
        wal_put_varint(b, zz(v.dur->seconds));
        wal_put_varint(b, zz(v.dur->nanos));
        return 0;
    case QT_LIST:
        wal_put_varint(b, v.len);
        for (uint32_t i = 0; i < v.len; i++) {
            if (v.items[i].type == QT_LIST || v.items[i].type == QT_NULL)
                return qv_err_set(err, QV_EINVAL, "cannot log a list holding a %s (not storable)",
                                  v.items[i].type == QT_LIST ? "list" : "null");
            if (wal_put_value(b, v.items[i], err) < 0) return -1;
        }
        return 0;
    default: return qv_err_set(err, QV_EINVAL, "cannot log a value of type %s (not storable)", qv_type_name(v.type));
    }
}

int wal_get_value(wal_cur *c, qv_arena *a, qval *out, int depth) {
    if (c->p >= c->end) return cur_fail(c);
    uint8_t t = *c->p++;
    qval v = qv_null();
    v.type = t;
    switch (t) {
    case QT_NULL: break;
    case QT_BOOL:
        if (c->p >= c->end || *c->p > 1) return cur_fail(c);
        v.b = *c->p++ == 1;
        break;
    case QT_INT:
        if (get_i64(c, &v.i) < 0) return -1;
        break;
    case QT_FLOAT:
        if (c->end - c->p < 8) return cur_fail(c);
        memcpy(&v.f, c->p, 8);
        c->p += 8;
        break;
    case QT_STRING: {
        const char *s;
        size_t n;
        if (wal_get_str(c, &s, &n) < 0 || n > UINT32_MAX) return cur_fail(c);
        v.s = s; /* into the decoded bytes, which outlive the value (graph writes copy it): no allocation */
        v.len = (uint32_t)n;
        break;
    }
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: {
        qtemporal *tm = qv_arena_zalloc(a, sizeof *tm);
        int64_t off;
        if (get_i64(c, &tm->days) < 0 || get_i64(c, &tm->nanos) < 0 || get_i64(c, &off) < 0) return -1;
        if (off < INT32_MIN || off > INT32_MAX || c->p >= c->end || *c->p > 1) return cur_fail(c);
        tm->offset = (int32_t)off;
        if (*c->p++ == 1) {
            const char *s;
            size_t n;
            if (wal_get_str(c, &s, &n) < 0) return -1;
            tm->zone = qv_arena_strndup(a, s, n);
        }
        v.tm = tm;
        break;
    }
    case QT_DURATION: {
        qduration *d = qv_arena_zalloc(a, sizeof *d);
        if (get_i64(c, &d->months) < 0 || get_i64(c, &d->days) < 0 || get_i64(c, &d->seconds) < 0 ||
            get_i64(c, &d->nanos) < 0)
            return -1;
        v.dur = d;
        break;
    }
    case QT_LIST: {
        uint64_t n;
        if (depth > 0 || varint(c, &n) < 0 || n > (uint64_t)(c->end - c->p) / 2) return cur_fail(c);
        qval *items = qv_arena_alloc(a, (n ? n : 1) * sizeof *items);
        for (uint64_t i = 0; i < n; i++) {
            if (wal_get_value(c, a, &items[i], depth + 1) < 0) return -1;
            if (items[i].type == QT_NULL) return cur_fail(c);
        }
        v.items = items;
        v.len = (uint32_t)n;
        break;
    }
    default: return cur_fail(c);
    }
    *out = v;
    return 0;
}

/* ---- change lists ---- */
static uint8_t *put_varint_p(uint8_t *p, uint64_t v) {
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* Bytes a scalar value takes at most (0: a temporal, duration or list, written by wal_put_value). */
static size_t scalar_max(qval v) {
    switch (v.type) {
    case QT_NULL: case QT_BOOL: case QT_INT: case QT_FLOAT: return 11;
    case QT_STRING: return 11 + (size_t)v.len;
    default: return 0;
    }
}

/* A change is written straight into reserved room (the commit path encodes every change of every commit). */
int wal_put_changes(qv_buf *b, const gchange *ch, size_t n, qv_err *err) {
    wal_put_varint(b, n);
    for (size_t i = 0; i < n; i++) {
        const gchange *c = &ch[i];
        size_t vmax = scalar_max(c->value);
        qv_buf_reserve(b, 42 + vmax);
        uint8_t *p = b->data + b->len;
        *p++ = c->kind;
        *p++ = c->aux;
        p = put_varint_p(p, c->token);
        p = put_varint_p(p, c->id);
        if (c->kind == GCH_REL_CREATE || c->kind == GCH_REL_DELETE) {
            p = put_varint_p(p, c->src);
            p = put_varint_p(p, c->dst);
        }
        if (vmax) {
            qval v = c->value;
            *p++ = v.type;
            if (v.type == QT_BOOL) {
                *p++ = v.b ? 1 : 0;
            } else if (v.type == QT_INT) {
                p = put_varint_p(p, zz(v.i));
            } else if (v.type == QT_FLOAT) {
                memcpy(p, &v.f, 8);
                p += 8;
            } else if (v.type == QT_STRING) {
                p = put_varint_p(p, v.len);
                if (v.len) memcpy(p, v.s, v.len);
                p += v.len;
            }
            b->len = (size_t)(p - b->data);
        } else {
            b->len = (size_t)(p - b->data);
            if (wal_put_value(b, c->value, err) < 0) return -1;
        }
    }
    return 0;
}

static int get_count(wal_cur *c, size_t *count, qv_err *err) {
    uint64_t k = 0;
    *count = 0;
    if (varint(c, &k) < 0 || k > (uint64_t)(c->end - c->p) / 5)
        return qv_err_set(err, QV_EINVAL, "bad change count");
    *count = (size_t)k;
    return 0;
}

static int get_change_list(wal_cur *c, qv_arena *a, gchange *ch, size_t count, qv_err *err) {
    for (size_t i = 0; i < count; i++) {
        gchange *x = &ch[i];
        uint64_t tok, id;
        if (c->end - c->p < 2) return qv_err_set(err, QV_EINVAL, "change %zu is cut short", i);
        x->kind = *c->p++;
        x->aux = *c->p++;
        if (x->kind < GCH_NODE_CREATE || x->kind > GCH_CONSTRAINT_DROP)
            return qv_err_set(err, QV_EINVAL, "change %zu has unknown kind %u", i, x->kind);
        if (varint(c, &tok) < 0 || tok > UINT32_MAX || varint(c, &id) < 0)
            return qv_err_set(err, QV_EINVAL, "change %zu is malformed", i);
        x->token = (uint32_t)tok;
        x->id = id;
        x->src = x->dst = 0;
        if ((x->kind == GCH_REL_CREATE || x->kind == GCH_REL_DELETE) &&
            (varint(c, &x->src) < 0 || varint(c, &x->dst) < 0))
            return qv_err_set(err, QV_EINVAL, "change %zu is malformed", i);
        if (wal_get_value(c, a, &x->value, 0) < 0) return qv_err_set(err, QV_EINVAL, "change %zu has a malformed value", i);
    }
    return 0;
}

int wal_get_changes(wal_cur *c, qv_arena *a, gchange **out, size_t *n, qv_err *err) {
    size_t count;
    if (get_count(c, &count, err) < 0) return -1;
    gchange *ch = qv_arena_zalloc(a, (count ? count : 1) * sizeof *ch);
    if (get_change_list(c, a, ch, count, err) < 0) return -1;
    *out = ch;
    *n = count;
    return 0;
}

int wal_get_changes_buf(wal_cur *c, qv_arena *a, gchange **buf, size_t *cap, size_t *n, qv_err *err) {
    size_t count;
    if (get_count(c, &count, err) < 0) return -1;
    if (count > *cap) {
        free(*buf);
        *cap = count > 2 * *cap ? count : 2 * *cap;
        *buf = qv_malloc(*cap * sizeof **buf);
    }
    if (get_change_list(c, a, *buf, count, err) < 0) return -1;
    *n = count;
    return 0;
}

/* ---- transaction records ---- */
int wal_encode_txn(qv_buf *b, const char *db, uint64_t ident, uint64_t seq, uint64_t csn, const gchange *ch, size_t n,
                   qv_err *err) {
    size_t start = wal_frame_begin(b);
    qv_buf_append_byte(b, WAL_BODY_TXN);
    wal_put_str(b, db, strlen(db));
    wal_put_u64(b, ident);
    wal_put_varint(b, seq);
    wal_put_varint(b, csn);
    if (wal_put_changes(b, ch, n, err) < 0) {
        b->len = start;
        return -1;
    }
    return wal_frame_end(b, start, err);
}

int wal_decode_txn(const uint8_t *body, size_t n, wal_txn *out, qv_err *err) {
    wal_cur c = {body, body + n, false};
    if (n < 1 || *c.p++ != WAL_BODY_TXN) return qv_err_set(err, QV_EINVAL, "not a transaction record");
    if (wal_get_str(&c, &out->db, &out->db_len) < 0 || wal_get_u64(&c, &out->ident) < 0 ||
        wal_get_varint(&c, &out->seq) < 0 || wal_get_varint(&c, &out->csn) < 0)
        return qv_err_set(err, QV_EINVAL, "transaction record header is malformed");
    out->changes = c;
    return 0;
}

/* ---- replay ---- */
static const char *kind_name(uint8_t k) {
    static const char *const names[] = {"?", "node create", "node delete", "relationship create",
                                        "relationship delete", "node property", "relationship property", "node clear",
                                        "relationship clear", "label add", "label remove", "name", "index create",
                                        "index drop", "constraint create", "constraint drop"};
    return k < sizeof names / sizeof *names ? names[k] : "?";
}

static int diverged(qv_err *err, size_t i, const gchange *c, const char *what, uint64_t want, uint64_t got) {
    return qv_err_set(err, QV_EINTERNAL, "replay diverged at change %zu (%s): %s %llu was recorded, the graph gave %llu",
                      i, kind_name(c->kind), what, (unsigned long long)want, (unsigned long long)got);
}

static char *name_of(const gchange *c) {
    return c->value.type == QT_STRING ? qv_strndup(c->value.s, c->value.len) : qv_strdup("");
}

/* A node creation followed by the labels and properties of the same node: one gtxn_node_create. */
/* Label and property arrays for one element, reused from element to element (grown as needed). */
typedef struct scratch {
    uint32_t *l;
    gprop *p;
    size_t lcap, pcap;
} scratch;

static void scratch_fit(scratch *s, size_t nl, size_t np) {
    if (nl > s->lcap) {
        s->lcap = nl > 2 * s->lcap ? nl : 2 * s->lcap;
        s->l = qv_realloc(s->l, s->lcap * sizeof *s->l);
    }
    if (np > s->pcap) {
        s->pcap = np > 2 * s->pcap ? np : 2 * s->pcap;
        s->p = qv_realloc(s->p, s->pcap * sizeof *s->p);
    }
}

static int apply_node_create(gtxn *t, scratch *sc, const gchange *ch, size_t n, size_t *i, qv_err *err) {
    const gchange *c = &ch[*i];
    /* what gtxn_node_create records: labels in increasing id order, then non-null properties by key */
    size_t j = *i + 1, nl = 0, np = 0;
    while (j < n && ch[j].id == c->id && ch[j].kind == GCH_LABEL_ADD && (!nl || ch[j].token > ch[j - 1].token)) {
        nl++;
        j++;
    }
    while (j < n && ch[j].id == c->id && ch[j].kind == GCH_NODE_SET && !qv_is_null(ch[j].value) &&
           (!np || ch[j].token > ch[j - 1].token)) {
        np++;
        j++;
    }
    scratch_fit(sc, nl, np);
    uint32_t *labels = sc->l;
    gprop *props = sc->p;
    nl = np = 0;
    for (size_t k = *i + 1; k < j; k++) {
        if (ch[k].kind == GCH_LABEL_ADD) labels[nl++] = ch[k].token;
        else props[np++] = (gprop){ch[k].token, ch[k].value};
    }
    uint64_t id = 0;
    int rc = gtxn_node_create(t, labels, (uint32_t)nl, props, (uint32_t)np, c->value, &id, err);
    if (rc < 0) return qv_err_prefix(err, "replay failed at change %zu (node create)", *i);
    if (id != c->id) return diverged(err, *i, c, "node id", c->id, id);
    *i = j - 1;
    return 0;
}

static int apply_rel_create(gtxn *t, scratch *sc, const gchange *ch, size_t n, size_t *i, qv_err *err) {
    const gchange *c = &ch[*i];
    size_t j = *i + 1;
    while (j < n && ch[j].id == c->id && ch[j].kind == GCH_REL_SET && !qv_is_null(ch[j].value) &&
           (j == *i + 1 || ch[j].token > ch[j - 1].token))
        j++;
    size_t np = j - *i - 1;
    scratch_fit(sc, 0, np);
    gprop *props = sc->p;
    for (size_t k = 0; k < np; k++) props[k] = (gprop){ch[*i + 1 + k].token, ch[*i + 1 + k].value};
    uint64_t id = 0;
    /* relid helper: the value is the relationship's user external id (or null: the common case, no extra call) */
    int rc = qv_is_null(c->value) ? gtxn_rel_create(t, c->src, c->dst, c->token, props, (uint32_t)np, &id, err)
                                  : gtxn_rel_create_ext(t, c->src, c->dst, c->token, props, (uint32_t)np, c->value, &id, err);
    if (rc < 0) return qv_err_prefix(err, "replay failed at change %zu (relationship create)", *i);
    if (id != c->id) return diverged(err, *i, c, "relationship id", c->id, id);
    *i = j - 1;
    return 0;
}

static int apply_all(gtxn *t, scratch *sc, const gchange *ch, size_t n, qv_err *err);

static int apply_token(gtxn *t, const gchange *c, size_t i, qv_err *err) {
    if (c->value.type != QT_STRING || c->aux > 2)
        return qv_err_set(err, QV_EINVAL, "change %zu: a name record without a name", i);
    uint32_t id = c->aux == 0   ? gtxn_label(t, c->value.s, c->value.len)
                  : c->aux == 1 ? gtxn_type(t, c->value.s, c->value.len)
                                : gtxn_key(t, c->value.s, c->value.len);
    if (id != c->token) return diverged(err, i, c, "name id", c->token, id);
    return 0;
}

/* A value straight from the bytes as the two 8-byte words of a qval (type and length; payload): the decoder
 * stores them into the rows' arrays as such, since a qval built field by field and then copied whole stalls on
 * store forwarding, once per value. Strings point into the bytes; other kinds than string, integer and null go
 * through wal_get_value (payloads in a). */
static inline int get_value_words(wal_cur *c, qv_arena *a, uint64_t *w0, uint64_t *w1) {
    if (c->p >= c->end) return cur_fail(c);
    uint8_t t = *c->p;
    if (t == QT_STRING) {
        c->p++;
        uint64_t len;
        if (varint(c, &len) < 0 || len > (uint64_t)(c->end - c->p) || len > UINT32_MAX) return cur_fail(c);
        *w0 = QT_STRING | len << 32;
        *w1 = (uint64_t)(uintptr_t)c->p;
        c->p += len;
        return 0;
    }
    if (t == QT_INT) {
        c->p++;
        uint64_t u;
        if (varint(c, &u) < 0) return -1;
        *w0 = QT_INT;
        *w1 = (uint64_t)unzz(u);
        return 0;
    }
    if (t == QT_NULL) {
        c->p++;
        *w0 = QT_NULL;
        *w1 = 0;
        return 0;
    }
    qval v;
    if (wal_get_value(c, a, &v, 0) < 0) return -1;
    memcpy(w0, &v, 8);
    memcpy(w1, (const char *)&v + 8, 8);
    return 0;
}

static inline void set_words(qval *v, uint64_t w0, uint64_t w1) {
    memcpy(v, &w0, 8);
    memcpy((char *)v + 8, &w1, 8);
}

void wal_rows_init(wal_rows *w) {
    memset(w, 0, sizeof *w);
    qv_arena_init(&w->a);
}

void wal_rows_free(wal_rows *w) {
    free(w->nodes);
    free(w->labels);
    free(w->props);
    free(w->toks);
    qv_arena_free(&w->a);
    memset(w, 0, sizeof *w);
}

#define ROWS_PUSH(arr, n, cap, x)                                                     \
    do {                                                                              \
        if ((n) == (cap)) {                                                           \
            (cap) = (cap) ? (cap) * 2 : 256;                                          \
            (arr) = qv_realloc((arr), (cap) * sizeof *(arr));                         \
        }                                                                             \
        (arr)[(n)++] = (x);                                                           \
    } while (0)

int wal_decode_bulk(wal_cur *c, wal_rows *w, qv_err *err) {
    const wal_cur start = *c;
    w->n_nodes = w->n_labels = w->n_props = w->n_toks = 0;
    qv_arena_free(&w->a);
    size_t count;
    if (get_count(c, &count, err) < 0) return -1;
    wal_node *cur = NULL;   /* the node being decoded (its labels and properties are the arrays' last ones) */
    bool props = false;
    int rc = 1;
    for (size_t i = 0; i < count && rc == 1; i++) {
        if (c->end - c->p < 2) {
            rc = qv_err_set(err, QV_EINVAL, "change %zu is cut short", i);
            break;
        }
        uint8_t kind = *c->p++, aux = *c->p++;
        uint64_t tok, id, v0, v1;
        if (varint(c, &tok) < 0 || tok > UINT32_MAX || varint(c, &id) < 0) {
            rc = qv_err_set(err, QV_EINVAL, "change %zu is malformed", i);
            break;
        }
        if (kind != GCH_TOKEN && kind != GCH_NODE_CREATE && kind != GCH_LABEL_ADD && kind != GCH_NODE_SET) {
            rc = 0;   /* relationships, deletions, schema, ...: not a bulk record */
            break;
        }
        if (get_value_words(c, &w->a, &v0, &v1) < 0) {
            rc = qv_err_set(err, QV_EINVAL, "change %zu has a malformed value", i);
            break;
        }
        uint8_t vt = (uint8_t)v0;
        if (kind == GCH_TOKEN) {   /* names go first at apply time: ids are interned in log order all the same */
            cur = NULL;
            gchange ch = {.kind = kind, .aux = aux, .token = (uint32_t)tok, .id = id};
            set_words(&ch.value, v0, v1);
            ROWS_PUSH(w->toks, w->n_toks, w->cap_toks, ch);
        } else if (kind == GCH_NODE_CREATE) {
            if (vt != QT_INT && vt != QT_STRING) {
                rc = 0;
                break;
            }
            if (w->n_nodes == w->cap_nodes) {
                w->cap_nodes = w->cap_nodes ? w->cap_nodes * 2 : 256;
                w->nodes = qv_realloc(w->nodes, w->cap_nodes * sizeof *w->nodes);
            }
            cur = &w->nodes[w->n_nodes++];
            cur->id = id;
            set_words(&cur->ext, v0, v1);
            cur->xh = greplay_ext_hash(cur->ext);
            cur->l0 = (uint32_t)w->n_labels, cur->p0 = (uint32_t)w->n_props, cur->nl = cur->np = 0;
            props = false;
        } else if (!cur || id != cur->id) {   /* a label or property of another node: gtxn's */
            rc = 0;
        } else if (kind == GCH_LABEL_ADD) {   /* labels come first, ascending */
            if (props || (cur->nl && tok <= w->labels[w->n_labels - 1])) rc = 0;
            else {
                ROWS_PUSH(w->labels, w->n_labels, w->cap_labels, (uint32_t)tok);
                cur->nl++;
            }
        } else {   /* properties: non-null, ascending keys */
            if (vt == QT_NULL || (cur->np && tok <= w->props[w->n_props - 1].key)) rc = 0;
            else {
                if (w->n_props == w->cap_props) {
                    w->cap_props = w->cap_props ? w->cap_props * 2 : 256;
                    w->props = qv_realloc(w->props, w->cap_props * sizeof *w->props);
                }
                gprop *gp = &w->props[w->n_props++];
                gp->key = (uint32_t)tok;
                set_words(&gp->value, v0, v1);
                cur->np++;
                props = true;
            }
        }
    }
    if (rc == 1) w->n_changes = count;
    else if (rc == 0) *c = start;
    return rc;
}

int wal_rows_apply(gtxn *t, greplay *r, const wal_rows *w, qv_err *err) {
    for (size_t i = 0; i < w->n_toks; i++)
        if (apply_token(t, &w->toks[i], i, err) < 0) return -1;
    for (size_t i = 0; i < w->n_nodes; i++) {
        const wal_node *x = &w->nodes[i];
        const uint32_t *labels = x->nl ? w->labels + x->l0 : NULL;   /* the arrays are NULL while empty */
        const gprop *props = x->np ? w->props + x->p0 : NULL;
        if (greplay_node(r, x->id, x->ext, x->xh, labels, x->nl, props, x->np, err) < 0)
            return qv_err_prefix(err, "replay failed at node %llu (node create)", (unsigned long long)x->id);
    }
    return 0;
}

int wal_apply_bulk(gtxn *t, greplay *r, wal_cur *c, qv_arena *a, size_t *n_changes, qv_err *err) {
    (void)a;
    wal_rows w;
    wal_rows_init(&w);
    int rc = wal_decode_bulk(c, &w, err);
    if (rc == 1 && wal_rows_apply(t, r, &w, err) < 0) rc = -1;
    if (rc == 1) *n_changes = w.n_changes;
    wal_rows_free(&w);
    return rc;
}

int wal_apply(gtxn *t, const gchange *ch, size_t n, qv_err *err) {
    scratch sc = {0};
    int rc = apply_all(t, &sc, ch, n, err);
    free(sc.l);
    free(sc.p);
    return rc;
}

static int apply_all(gtxn *t, scratch *sc, const gchange *ch, size_t n, qv_err *err) {
    for (size_t i = 0; i < n; i++) {
        const gchange *c = &ch[i];
        int rc = 0;
        switch (c->kind) {
        case GCH_NODE_CREATE:
            if (apply_node_create(t, sc, ch, n, &i, err) < 0) return -1;
            continue;
        case GCH_REL_CREATE:
            if (apply_rel_create(t, sc, ch, n, &i, err) < 0) return -1;
            continue;
        case GCH_NODE_DELETE: rc = gtxn_node_delete(t, c->id, true, err); break;
        case GCH_REL_DELETE: rc = gtxn_rel_delete(t, c->id, err); break;
        case GCH_NODE_SET: rc = gtxn_node_set_prop(t, c->id, c->token, c->value, err); break;
        case GCH_REL_SET: rc = gtxn_rel_set_prop(t, c->id, c->token, c->value, err); break;
        case GCH_NODE_CLEAR: rc = gtxn_node_clear_props(t, c->id, err); break;
        case GCH_REL_CLEAR: rc = gtxn_rel_clear_props(t, c->id, err); break;
        case GCH_LABEL_ADD: rc = gtxn_node_add_label(t, c->id, c->token, err); break;
        case GCH_LABEL_REMOVE: rc = gtxn_node_remove_label(t, c->id, c->token, err); break;
        case GCH_TOKEN:
            if (apply_token(t, c, i, err) < 0) return -1;
            break;
        case GCH_INDEX_CREATE: case GCH_CONSTRAINT_CREATE: case GCH_INDEX_DROP: case GCH_CONSTRAINT_DROP: {
            if (c->id > UINT32_MAX || c->aux > GINDEX_REL) return qv_err_set(err, QV_EINVAL, "change %zu: bad schema change", i);
            char *name = name_of(c);
            if (c->kind == GCH_INDEX_CREATE)
                rc = gtxn_create_index(t, name, (gindex_entity)c->aux, c->token, (uint32_t)c->id, false, err);
            else if (c->kind == GCH_CONSTRAINT_CREATE)
                rc = gtxn_create_unique(t, name, c->token, (uint32_t)c->id, false, err);
            else if (c->kind == GCH_INDEX_DROP)
                rc = gtxn_drop_index(t, name, false, err);
            else
                rc = gtxn_drop_constraint(t, name, false, err);
            free(name);
            break;
        }
        default: return qv_err_set(err, QV_EINVAL, "change %zu has unknown kind %u", i, c->kind);
        }
        if (rc < 0) return qv_err_prefix(err, "replay failed at change %zu (%s)", i, kind_name(c->kind));
    }
    return 0;
}
