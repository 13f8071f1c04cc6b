/* grelid.c — relationship external ids: the per-generation table (grelid.h), reads through a view, creation
 * with an id through a transaction, and what a compaction carries over.
 * Owns: struct grelid and its memory (all in the generation's value arena: freed with the generation),
 * gtxn_rel_create_ext, gview_rel_by_ext_id, gview_rel_user_ext_id.
 * Must not: allocate for graphs whose relationships have no ids; hold a lock on any read path.
 */
#include "graph/grelid.h"
#include "graph/gwrite_int.h"
#include "util/hash.h"

#include <stdio.h>
#include <string.h>

/* An id string, in the generation's arena. */
typedef struct grxrec {
    uint32_t len;
    char s[];
} grxrec;

/* An open-addressing table over the log: one word a slot, the hash's upper 32 bits over entry index + 1 (0 =
 * empty), so a reader loads a slot whole; probing starts at the hash's lower bits. */
typedef struct grxtab {
    uint64_t mask, used;
    uint64_t e[];
} grxtab;

/* log: 2 words per entry (relationship id, grxrec pointer); a gvec so that the transaction's undo list can cut
 * a rolled-back transaction's entries off (gtxn_rollback restores log->n). Id strings are packed 4-byte aligned
 * in pool blocks. Everything lives in the generation's arena (outgrown logs and tables stay there for views
 * still reading them, until the generation is freed; a compaction builds its table at its final size). */
struct grelid {
    gvec *log;
    grxtab *byrel, *byext;
    char *pool;
    uint32_t pool_left;
};

static uint64_t hash_rel(uint64_t rel) { return qv_hash_u64(rel ^ 0x72656c6964ull); }
static uint64_t hash_ext(const char *s, uint32_t len) { return qv_hash_bytes(s, len); }
static uint64_t slot_word(uint64_t h, uint64_t e) { return (h >> 32 << 32) | (e + 1); }

static uint64_t log_word(const gvec *log, uint64_t i) { return gvec_at(log->a, i); }
static const grxrec *log_rec(const gvec *log, uint64_t e) { return (const grxrec *)(uintptr_t)log_word(log, 2 * e + 1); }

uint64_t grelid_count(const ggen *gen) {
    const struct grelid *x = LOAD(&gen->relid);
    return x ? gvec_len(LOAD(&x->log)) / 2 : 0;
}

/* ---- reading ---- */
static const grxrec *lookup_rel(const struct grelid *x, uint64_t rel) {
    const grxtab *t = LOAD(&x->byrel);
    if (!t) return NULL;
    uint64_t h = hash_rel(rel);
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t w = LOAD(&t->e[i]);
        if (!w) return NULL;
        if (w >> 32 != h >> 32) continue;
        uint64_t e = (uint32_t)w - 1;
        const gvec *log = LOAD(&x->log);   /* loaded after the slot: it covers every entry the table names */
        if (e < gvec_len(log) / 2 && log_word(log, 2 * e) == rel) return log_rec(log, e);
    }
}

qval grelid_get(const gview *v, uint64_t rel) {
    const struct grelid *x = LOAD(&v->gen->relid);
    if (!x) return qv_null();
    const grxrec *r = lookup_rel(x, rel);
    return r ? qv_str_ref(r->s, r->len) : qv_null();
}

uint64_t grelid_find(const gview *v, const char *s, uint32_t len) {
    const struct grelid *x = LOAD(&v->gen->relid);
    const grxtab *t = x ? LOAD(&x->byext) : NULL;
    if (!t) return GID_NONE;
    uint64_t h = hash_ext(s, len), end = gv_rels_end(v);
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t w = LOAD(&t->e[i]);
        if (!w) return GID_NONE;
        if (w >> 32 != h >> 32) continue;
        uint64_t e = (uint32_t)w - 1;
        const gvec *log = LOAD(&x->log);
        if (e >= gvec_len(log) / 2) continue;
        uint64_t rel = log_word(log, 2 * e);
        const grxrec *r = log_rec(log, e);
        /* an entry of a deleted relationship may share the id with a live one: liveness decides */
        if (rel < end && r->len == len && memcmp(r->s, s, len) == 0 && gv_rel_live(v, rel)) return rel;
    }
}

/* "r" + decimal digits: the form of the ids relationships without one read as. *rel gets the number when the
 * digits are canonical (no leading zero, fits 63 bits), else GID_NONE. */
static bool reserved_form(const char *s, uint32_t len, uint64_t *rel) {
    *rel = GID_NONE;
    if (len < 2 || s[0] != 'r') return false;
    uint64_t n = 0;
    bool fits = len <= 19 && (s[1] != '0' || len == 2);
    for (uint32_t i = 1; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        if (fits) n = n * 10 + (uint64_t)(s[i] - '0');
    }
    if (fits) *rel = n;
    return true;
}

/* An integer id is its decimal string (buf holds it). */
static bool id_text(qval x, char *buf, size_t cap, const char **s, uint32_t *len) {
    if (x.type == QT_STRING) {
        *s = x.s;
        *len = x.len;
        return true;
    }
    if (x.type != QT_INT) return false;
    int n = snprintf(buf, cap, "%lld", (long long)x.i);
    *s = buf;
    *len = (uint32_t)n;
    return true;
}

qval gview_rel_user_ext_id(gview *v, uint64_t rel) { return grelid_get(v, rel); }

uint64_t gview_rel_by_ext_id(gview *v, qval ext_id) {
    char buf[24];
    const char *s;
    uint32_t len;
    if (!id_text(ext_id, buf, sizeof buf, &s, &len)) return GID_NONE;
    uint64_t rel;
    if (reserved_form(s, len, &rel)) {   /* "r<id>" names a relationship created without an id */
        if (rel == GID_NONE || !gv_rel_live(v, rel) || !qv_is_null(grelid_get(v, rel))) return GID_NONE;
        return rel;
    }
    return grelid_find(v, s, len);
}

/* ---- writing (the graph's writer, or a compaction building a generation no view sees yet) ---- */
/* A table (and the log) for at least n entries: slots keep the load at or below 3/4 until n. */
static struct grelid *relid_new(qv_arena *a, uint64_t n) {
    struct grelid *x = qv_arena_zalloc(a, sizeof *x);
    uint64_t cap = n < 8 ? 16 : 2 * n;
    x->log = qv_arena_zalloc(a, sizeof(gvec) + cap * sizeof(uint64_t));
    x->log->cap = cap;
    return x;
}

static grxtab *tab_new(qv_arena *a, uint64_t slots) {
    grxtab *t = qv_arena_zalloc(a, sizeof *t + slots * sizeof(uint64_t));
    t->mask = slots - 1;
    return t;
}

static void tab_place(grxtab *t, uint64_t h, uint64_t e) {
    for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask)
        if (!t->e[i]) {
            STORE(&t->e[i], slot_word(h, e));
            t->used++;
            return;
        }
}

static uint64_t slots_for(uint64_t n) {
    uint64_t slots = 64;
    while (slots * 3 < n * 4) slots *= 2;   /* load <= 3/4 */
    return slots;
}

/* Room for one more entry after the n in the log. A full table is rebuilt from the log (which also drops the
 * entries rollbacks left) at twice the size its entries need, so that growth stays amortised. */
static void tabs_fit(struct grelid *x, qv_arena *a, uint64_t n, uint64_t want) {
    const grxtab *t = x->byrel;
    if (t && (t->used + 1) * 4 <= (t->mask + 1) * 3) return;
    uint64_t slots = slots_for(want > n + 1 ? want : 2 * (n + 1));
    grxtab *br = tab_new(a, slots), *be = tab_new(a, slots);
    const gvec *log = x->log;
    for (uint64_t e = 0; e < n; e++) {
        const grxrec *r = log_rec(log, e);
        tab_place(br, hash_rel(log_word(log, 2 * e)), e);
        tab_place(be, hash_ext(r->s, r->len), e);
    }
    STORE(&x->byrel, br);   /* the old tables stay in the arena: views may still probe them */
    STORE(&x->byext, be);
}

static grxrec *rec_new(struct grelid *x, qv_arena *a, const char *s, uint32_t len) {
    uint32_t need = (uint32_t)((sizeof(grxrec) + len + 1 + 3) & ~3ull);
    if (need > x->pool_left) {
        uint32_t block = need > 16384 ? need : 16384;
        x->pool = qv_arena_alloc(a, block);
        x->pool_left = block;
    }
    grxrec *r = (grxrec *)x->pool;
    x->pool += need;
    x->pool_left -= need;
    r->len = len;
    memcpy(r->s, s, len);
    r->s[len] = 0;
    return r;
}

/* Appends (rel, id) to x; returns the log length (words) before. Old logs stay in the arena for readers. want:
 * the entries the table is sized for when it is made (a compaction knows them all). */
static uint64_t relid_append(struct grelid *x, qv_arena *a, uint64_t rel, const char *s, uint32_t len, uint64_t want) {
    grxrec *r = rec_new(x, a, s, len);
    gvec *log = x->log;
    uint64_t n = log->n;
    if (n + 2 > log->cap) {
        gvec *nl = qv_arena_alloc(a, sizeof *nl + 2 * log->cap * sizeof(uint64_t));
        nl->cap = 2 * log->cap;
        nl->n = n;
        memcpy(nl->a, log->a, n * sizeof(uint64_t));
        STORE(&x->log, nl);
        log = nl;
    }
    __atomic_store_n(&log->a[n], rel, __ATOMIC_RELAXED);
    __atomic_store_n(&log->a[n + 1], (uint64_t)(uintptr_t)r, __ATOMIC_RELAXED);
    STORE(&log->n, n + 2);
    tabs_fit(x, a, n / 2, want);
    uint64_t e = n / 2;
    tab_place(x->byrel, hash_rel(rel), e);
    tab_place(x->byext, hash_ext(r->s, len), e);
    return n;
}

/* Copies the entries of from's log at or above word `from_word` whose relationship passes keep. */
static struct grelid *copy_entries(struct grelid *into, ggen *ng, const struct grelid *from, uint64_t from_word,
                                   bool (*keep)(const void *ctx, uint64_t rel), const void *ctx) {
    const gvec *log = LOAD(&from->log);
    uint64_t n = gvec_len(log), k = 0;
    for (uint64_t w = from_word; w + 1 < n; w += 2) k += keep(ctx, log_word(log, w));
    for (uint64_t w = from_word; w + 1 < n; w += 2) {   /* sized once: no outgrown log or table in ng */
        uint64_t rel = log_word(log, w);
        if (!keep(ctx, rel)) continue;
        const grxrec *r = log_rec(log, w / 2);
        if (!into) into = relid_new(&ng->vals, k);
        relid_append(into, &ng->vals, rel, r->s, r->len, k);
    }
    return into;
}

typedef struct { const gview *v; uint64_t m; } keep_live;
static bool keep_live_at(const void *ctx, uint64_t rel) {
    const keep_live *k = ctx;
    return rel < k->m && gv_rel_live(k->v, rel);   /* entries at or above m may be rewritten by a rollback */
}
static bool keep_created_since(const void *ctx, uint64_t rel) { return rel >= *(const uint64_t *)ctx; }

struct grelid *grelid_build(const gview *v, ggen *ng, uint64_t m) {
    const struct grelid *old = LOAD(&v->gen->relid);
    if (!old) return NULL;
    keep_live k = {v, m};
    return copy_entries(NULL, ng, old, 0, keep_live_at, &k);
}

void grelid_catch_up(gdelta *d, const ggen *old, ggen *ng, uint64_t m_c) {
    (void)d;
    const struct grelid *o = old->relid;
    if (!o) return;
    struct grelid *x = copy_entries(ng->relid, ng, o, 0, keep_created_since, &m_c);
    if (x != ng->relid) STORE(&ng->relid, x);
}

int gtxn_rel_create_ext(gtxn *t, uint64_t src, uint64_t dst, uint32_t type, const gprop *props, uint32_t n_props,
                        qval ext_id, uint64_t *out, qv_err *err) {
    if (qv_is_null(ext_id)) return gtxn_rel_create(t, src, dst, type, props, n_props, out, err);
    char buf[24];
    const char *s;
    uint32_t len;
    if (!id_text(ext_id, buf, sizeof buf, &s, &len))
        return qv_err_set(err, QV_EINVAL, "a relationship `~id` must be a string or an integer, not a %s",
                          gtx_type_name(ext_id.type));
    uint64_t r;
    if (reserved_form(s, len, &r))
        return qv_err_set(err, QV_EINVAL, "relationship `~id` '%.*s' is reserved: ids of the form r<digits> name "
                          "relationships created without one; choose another id", (int)(len > 100 ? 100 : len), s);
    if (grelid_find(&t->view, s, len) != GID_NONE)
        return qv_err_set(err, QV_EEXISTS, "a relationship with id '%.*s' already exists", (int)(len > 100 ? 100 : len), s);
    uint64_t id;
    if (gtxn_rel_create(t, src, dst, type, props, n_props, &id, err)) return -1;
    gdelta *d = t->d;
    ggen *gen = d->gen;
    struct grelid *x = gen->relid;
    if (!x) {
        x = relid_new(&gen->vals, 0);
        STORE(&gen->relid, x);
    }
    uint64_t before = relid_append(x, &gen->vals, id, s, len, 0);
    GPUSH(t->uv, t->n_uv, t->cap_uv, ((gundo_vec){&x->log, before}));   /* rollback cuts the entry off */
    /* the change list: GCH_REL_CREATE carries the id (the log and checkpoints replay it through here) */
    for (size_t i = t->n_ch; i-- > 0;)
        if (t->ch[i].kind == GCH_REL_CREATE && t->ch[i].id == id) {
            const grxrec *rec = log_rec(x->log, before / 2);
            t->ch[i].value = qv_str_ref(rec->s, rec->len);
            break;
        }
    *out = id;
    return 0;
}
