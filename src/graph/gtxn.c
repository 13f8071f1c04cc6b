/* gtxn.c — a graph's single writer: the FIFO writer slot, begin / commit / rollback, names, and schema
 * (indexes and uniqueness constraints). Entity writes are in gwrite.c.
 * Writes are applied in place, stamped with csn = last committed + 1, which no view but the transaction's own
 * can see; commit publishes a new snapshot record with one release store. Rollback undoes through the undo
 * lists (versions popped, vector lengths restored, new indexes killed, drops revived): nothing it did stays
 * observable. Must not: make a view wait, or free anything a view may still read (gdelta_retire does). */
#include "graph/gdelta.h"
#include "graph/gwrite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void tokens_settle(gtxn *t, uint8_t to);

/* Transaction records are reused: the previous transaction's buffers (change list, undo lists, label set)
 * keep their capacity, so a stream of small commits does not malloc and regrow them every time. Buffers past
 * these sizes (a bulk transaction) are freed rather than kept. */
#define GTX_KEEP_CH (1u << 16)
#define GTX_KEEP_IDS (1u << 16)

void gtx_spare_free(gtxn *t) {
    if (!t) return;
    free(t->label_count);
    free(t->type_count);
    free(t->cow_n);
    free(t->cow_r);
    free(t->uv);
    free(t->dropped);
    free(t->ch);
    free(t->lset);
    free(t);
}

/* A zeroed transaction holding the kept buffers (empty) of the last one, if any (writer slot held). */
static gtxn *txn_take(gdelta *d) {
    gtxn *o = d->spare;
    d->spare = NULL;
    if (!o) return qv_calloc(1, sizeof *o);
    gtxn k = *o;
    memset(o, 0, sizeof *o);
    o->label_count = k.label_count;
    o->type_count = k.type_count;
    o->cow_n = k.cow_n, o->cap_cow_n = k.cap_cow_n;
    o->cow_r = k.cow_r, o->cap_cow_r = k.cap_cow_r;
    o->uv = k.uv, o->cap_uv = k.cap_uv;
    o->dropped = k.dropped, o->cap_dropped = k.cap_dropped;
    o->ch = k.ch, o->cap_ch = k.cap_ch;
    if (k.lset) {
        if (k.lset_used) memset(k.lset, 0, (k.lset_mask + 1) * sizeof *k.lset);
        o->lset = k.lset, o->lset_mask = k.lset_mask;
    }
    return o;
}

/* Keeps t for the next transaction, its large buffers freed (writer slot still held). */
static void txn_keep(gdelta *d, gtxn *t) {
#define GTX_SHRINK(arr, n, cap, lim)         \
    if ((cap) > (lim)) {                     \
        free(arr);                           \
        (arr) = NULL;                        \
        (n) = (cap) = 0;                     \
    }
    GTX_SHRINK(t->ch, t->n_ch, t->cap_ch, GTX_KEEP_CH);
    GTX_SHRINK(t->cow_n, t->n_cow_n, t->cap_cow_n, GTX_KEEP_IDS);
    GTX_SHRINK(t->cow_r, t->n_cow_r, t->cap_cow_r, GTX_KEEP_IDS);
    GTX_SHRINK(t->uv, t->n_uv, t->cap_uv, GTX_KEEP_IDS);
#undef GTX_SHRINK
    if (t->lset_mask + 1 > 2 * GTX_KEEP_IDS) {
        free(t->lset);
        t->lset = NULL;
        t->lset_mask = t->lset_used = 0;
    }
    gtx_spare_free(d->spare);
    d->spare = t;
}

gtxn *gtxn_begin(graph *g, qv_err *err) {
    gdelta *d = gdelta_get(g);
    if (__atomic_load_n(&g->dropped, __ATOMIC_ACQUIRE))
        return qv_err_set(err, QV_EPHASE, "graph '%s' was dropped; it cannot be written", g->name), NULL;
    pthread_mutex_lock(&d->wmu);
    uint64_t me = d->ticket_next++;
    while (d->ticket_serving != me) pthread_cond_wait(&d->wcv[me % GDELTA_WAIT_CVS], &d->wmu);
    if (__atomic_load_n(&g->dropped, __ATOMIC_ACQUIRE)) {   /* dropped or replaced while we queued */
        d->ticket_serving++;
        pthread_cond_broadcast(&d->wcv[d->ticket_serving % GDELTA_WAIT_CVS]);
        pthread_mutex_unlock(&d->wmu);
        return qv_err_set(err, QV_EPHASE, "graph '%s' was dropped or replaced; it cannot be written", g->name), NULL;
    }
    pthread_mutex_unlock(&d->wmu);
    gtxn *t = txn_take(d);
    t->g = g;
    t->d = d;
    const gsnap *s = d->snap;
    t->csn = s->csn + 1;
    t->nodes_hwm0 = d->nodes_hwm;
    t->rels_hwm0 = d->rels_hwm;
    t->n_idx0 = d->n_idx;
    t->node_count = s->node_count;
    t->rel_count = s->rel_count;
    t->n_lc = s->n_labels;
    t->n_tc = s->n_types;
    t->label_count = qv_realloc(t->label_count, ((size_t)t->n_lc + 1) * sizeof *t->label_count);
    t->type_count = qv_realloc(t->type_count, ((size_t)t->n_tc + 1) * sizeof *t->type_count);
    memcpy(t->label_count, s->label_count, t->n_lc * sizeof *t->label_count);
    memcpy(t->type_count, s->type_count, t->n_tc * sizeof *t->type_count);
    gv_init(&t->view, g, d);
    t->view.t = t;
    t->view.gen = d->gen;
    t->view.s = s;
    t->view.snap = t->csn;
    return t;
}

gtxn *gtxn_begin_replay(graph *g, qv_err *err) {
    gtxn *t = gtxn_begin(g, err);
    if (t) t->replay = true;
    return t;
}

void gtx_defer_ext(gtxn *t, uint64_t hash, uint64_t node) {
    if (t->n_rext == t->cap_rext) {
        t->cap_rext = t->cap_rext ? t->cap_rext * 2 : 1024;
        t->rext = qv_realloc(t->rext, t->cap_rext * sizeof *t->rext);
    }
    t->rext[t->n_rext++] = (gxent){hash | 1, node};
}

gview *gtxn_view(gtxn *t) { return &t->view; }

const gchange *gtxn_changes(gtxn *t, size_t *n) {
    *n = t->n_ch;
    return t->ch;
}

void graph_set_commit_hook(graph *g, gcommit_hook hook, void *ctx) {
    gdelta *d = gdelta_get(g);
    pthread_mutex_lock(&d->wmu);
    d->hook = hook;
    d->append = NULL;
    d->wait = NULL;
    d->hook_ctx = ctx;
    pthread_mutex_unlock(&d->wmu);
}

void graph_set_commit_hooks(graph *g, gcommit_append append, gcommit_wait wait, void *ctx) {
    gdelta *d = gdelta_get(g);
    pthread_mutex_lock(&d->wmu);
    d->hook = NULL;
    d->append = append;
    d->wait = wait;
    d->hook_ctx = ctx;
    pthread_mutex_unlock(&d->wmu);
}

static void txn_end(gtxn *t) {
    gdelta *d = t->d;
    free(t->rext);
    t->rext = NULL;
    t->n_rext = t->cap_rext = 0;
    gdelta_reclaim(d);
    qv_arena_free(&t->view.a);
    txn_keep(d, t);
    pthread_mutex_lock(&d->wmu);
    d->ticket_serving++;
    pthread_cond_broadcast(&d->wcv[d->ticket_serving % GDELTA_WAIT_CVS]);   /* the next ticket's sleepers only */
    pthread_mutex_unlock(&d->wmu);
}

void gtxn_rollback(gtxn *t) {
    if (!t) return;
    gdelta *d = t->d;
    for (uint32_t i = t->n_cow_r; i-- > 0;) {
        grslot *s = gdelta_rslot(d->gen, t->cow_r[i]);
        grver *x = s->ver;
        if (x && x->csn == t->csn) {
            STORE(&s->ver, x->older);
            gdelta_retire(d, x, grver_free);
        }
    }
    for (uint32_t i = t->n_cow_n; i-- > 0;) {
        gnslot *s = gdelta_nslot(d->gen, t->cow_n[i]);
        gnver *x = s->ver;
        if (x && x->csn == t->csn) {
            STORE(&s->ver, x->older);
            gdelta_retire(d, x, gnver_free);
        }
    }
    for (uint32_t i = t->n_uv; i-- > 0;) {
        gvec *v = *t->uv[i].holder;
        if (v) STORE(&v->n, t->uv[i].n);
    }
    for (uint32_t i = t->n_idx0; i < d->n_idx; i++) STORE(&d->idx[i]->created_csn, GCSN_NEVER);
    for (uint32_t i = 0; i < t->n_dropped; i++) STORE(&t->dropped[i]->dropped_csn, GCSN_NEVER);
    d->nodes_hwm = t->nodes_hwm0;
    d->rels_hwm = t->rels_hwm0;
    tokens_settle(t, 0);
    txn_end(t);
}

/* Replay's new nodes' external ids into the table (replay looks none up when it creates a node). A log whose
 * checksums hold over records no writer made can give two live nodes one id: that fails the commit, as a
 * creation under a taken id fails outside replay, instead of leaving one of the nodes unfindable. The entries
 * placed stay: a lookup skips entries of nodes that are not live or hold another id. */
static int replay_index_ext(gtxn *t, qv_err *err) {
    gxpair *same;
    uint64_t n = gext_insert_many(t->d, t->rext, t->n_rext, &same);
    int rc = 0;
    for (uint64_t i = 0; i < n && rc == 0; i++) {
        const gnslot *a = gdelta_nslot(t->d->gen, same[i].a), *b = gdelta_nslot(t->d->gen, same[i].b);
        if (same[i].a == same[i].b || !a || !b || !gv_node_live(&t->view, same[i].a) ||
            !gv_node_live(&t->view, same[i].b) || a->ext.type != b->ext.type || !gval_eq(a->ext, b->ext))
            continue;
        rc = gext_err_taken(err, same[i].a, same[i].b, a->ext);
    }
    free(same);
    return rc;
}

int gext_err_taken(qv_err *err, uint64_t a, uint64_t b, qval ext) {
    char vb[160];
    gtx_fmt_value(ext, vb, sizeof vb);
    return qv_err_set(err, QV_EEXISTS, "the log gives nodes %llu and %llu the same id %s", (unsigned long long)a,
                      (unsigned long long)b, vb);
}

int gtxn_commit(gtxn *t, qv_err *err) {
    gdelta *d = t->d;
    if (!t->n_ch && !t->replay_wrote) {
        txn_end(t);
        return 0;
    }
    /* group commit (gcommit.h): the record is written here, its sync waited for after the slot is released */
    uint64_t ticket = 0;
    gcommit_wait wait = d->wait;
    void *wait_ctx = d->hook_ctx;
    if (!t->replay && (d->append ? d->append(d->hook_ctx, t->g, t->csn, t->ch, t->n_ch, &ticket, err) != 0
                                 : d->hook && d->hook(d->hook_ctx, t->g, t->csn, t->ch, t->n_ch, err) != 0)) {
        gtxn_rollback(t);
        return -1;
    }
    if (t->n_rext && replay_index_ext(t, err) < 0) {   /* replay: its new nodes' external ids */
        gtxn_rollback(t);
        return -1;
    }
    gsnap *s = gdelta_snap_new(t->n_lc, t->n_tc);
    s->csn = t->csn;
    s->n_nodes = d->nodes_hwm;
    s->n_rels = d->rels_hwm;
    s->node_count = t->node_count;
    s->rel_count = t->rel_count;
    memcpy(s->label_count, t->label_count, t->n_lc * sizeof *s->label_count);
    memcpy(s->type_count, t->type_count, t->n_tc * sizeof *s->type_count);
    tokens_settle(t, 1);
    gsnap *old = d->snap;
    STORE(&d->snap, s);
    gdelta_retire(d, old, free);
    d->changes += t->rel_changes;
    gcompact_maybe(d);
    txn_end(t);
    if (!ticket || !wait) return 0;
    /* group commit's hint: a transaction holds or awaits the slot just released (its record comes next) */
    pthread_mutex_lock(&d->wmu);
    bool successor = d->ticket_next != d->ticket_serving;
    pthread_mutex_unlock(&d->wmu);
    return wait(wait_ctx, ticket, successor, err);
}

/* ---- names ---- */
void gtx_change(gtxn *t, uint8_t kind, uint8_t aux, uint32_t token, uint64_t id, uint64_t src, uint64_t dst, qval value) {
    if (t->replay) { /* nothing is logged while replaying the log */
        t->replay_wrote = true;
        return;
    }
    if (t->n_ch == t->cap_ch) {
        t->cap_ch = t->cap_ch ? t->cap_ch * 2 : 64;
        t->ch = qv_realloc(t->ch, t->cap_ch * sizeof *t->ch);
    }
    gchange *c = &t->ch[t->n_ch++];
    gtx_change_put(c, kind, aux, token, id, src, dst, value);
}

gchange *gtx_changes_reserve(gtxn *t, size_t n) {
    if (t->replay) {
        t->replay_wrote = true;
        return NULL;
    }
    if (t->n_ch + n > t->cap_ch) {
        size_t cap = t->cap_ch ? t->cap_ch * 2 : 64;
        while (cap < t->n_ch + n) cap *= 2;
        t->ch = qv_realloc(t->ch, cap * sizeof *t->ch);
        t->cap_ch = cap;
    }
    return &t->ch[t->n_ch];
}

static const qv_strtab *tab_of(graph *g, int kind) {
    return kind == 0 ? &g->labels : kind == 1 ? &g->rel_types : &g->prop_keys;
}

static uint32_t intern(gtxn *t, qv_strtab *tab, int kind, const char *name, size_t len) {
    graph *g = t->g;
    int64_t f = qv_strtab_find(tab, name, len);   /* no lock: only the writer (this thread) changes names */
    if (f >= 0) {
        gtx_token(t, kind, (uint32_t)f);
        return (uint32_t)f;
    }
    pthread_rwlock_wrlock(&g->cols_lock);
    uint32_t id = qv_strtab_intern(tab, name, len);
    if (kind == 1) {   /* arrays other modules index by type id grow with the names */
        uint32_t n = tab->count;
        g->type_undirected = qv_realloc(g->type_undirected, n * sizeof *g->type_undirected);
        g->type_inverse = qv_realloc(g->type_inverse, n * sizeof *g->type_inverse);
        g->type_count = qv_realloc(g->type_count, n * sizeof *g->type_count);
        g->type_undirected[id] = g->type_inverse[id] = false;
        g->type_count[id] = 0;
    }
    pthread_rwlock_unlock(&g->cols_lock);
    gtx_token(t, kind, id);
    return id;
}


/* The durability state of name id (NULL if it is not a name), the array grown as names are added. */
static uint8_t *tok_slot(gtxn *t, int kind, uint32_t id) {
    gdelta *d = t->d;
    if (id >= tab_of(t->g, kind)->count) return NULL;
    if (id >= d->tok_cap[kind]) {
        uint32_t cap = id + 64 > d->tok_cap[kind] * 2 ? id + 64 : d->tok_cap[kind] * 2;
        d->tok_state[kind] = qv_realloc(d->tok_state[kind], cap);
        memset(d->tok_state[kind] + d->tok_cap[kind], 0, cap - d->tok_cap[kind]);
        d->tok_cap[kind] = cap;
    }
    return &d->tok_state[kind][id];
}

/* Every name a committed change uses is in a committed GCH_TOKEN first (the WAL replays names before their
 * uses): a name first interned by a transaction that rolled back is recorded again by the next one using it. */
void gtx_token_slow(gtxn *t, int kind, uint32_t id) {
    uint8_t *st = tok_slot(t, kind, id);
    if (!st || *st) return;
    if (t->replay) { /* replayed from the log: durable already */
        *st = 1;
        return;
    }
    *st = 2;
    t->n_tok_ch++;
    const qv_strtab *tab = tab_of(t->g, kind);
    gtx_change(t, GCH_TOKEN, (uint8_t)kind, id, 0, 0, 0, qv_str_ref(tab->names[id], tab->lens[id]));
}

void gtx_token_durable(gtxn *t, int kind, uint32_t id) {
    uint8_t *st = tok_slot(t, kind, id);
    if (st) *st = 1;
}

/* At the end of a transaction: its names become durable (commit) or not (rollback). */
static void tokens_settle(gtxn *t, uint8_t to) {
    if (!t->n_tok_ch) return;   /* the common case: every name was durable already */
    for (size_t i = 0; i < t->n_ch; i++)
        if (t->ch[i].kind == GCH_TOKEN && t->d->tok_state[t->ch[i].aux][t->ch[i].token] == 2)
            t->d->tok_state[t->ch[i].aux][t->ch[i].token] = to;
}

uint32_t gtxn_label(gtxn *t, const char *name, size_t len) { return intern(t, &t->g->labels, 0, name, len); }
uint32_t gtxn_type(gtxn *t, const char *name, size_t len) { return intern(t, &t->g->rel_types, 1, name, len); }
uint32_t gtxn_key(gtxn *t, const char *name, size_t len) { return intern(t, &t->g->prop_keys, 2, name, len); }

/* ---- schema ---- */
static bool maintained(const gpindex *ix, uint64_t csn) {
    return ix->created_csn != GCSN_NEVER && (ix->dropped_csn == GCSN_NEVER || ix->dropped_csn == csn);
}

static bool visible(const gpindex *ix, uint64_t csn) { return ix->created_csn <= csn && ix->dropped_csn > csn; }

static gpindex *by_name(gtxn *t, const char *name) {
    for (uint32_t i = 0; i < t->d->n_idx; i++) {
        gpindex *ix = t->d->idx[i];
        if (visible(ix, t->csn) && (strcmp(ix->name, name) == 0 || (ix->constraint && strcmp(ix->constraint, name) == 0)))
            return ix;
    }
    return NULL;
}

static const char *tok_name(gtxn *t, gindex_entity ent, uint32_t tok) {
    const char *s = ent == GINDEX_NODE ? gview_label_name(&t->view, tok) : gview_type_name(&t->view, tok);
    return s ? s : "?";
}

void gtx_fmt_value(qval v, char *buf, size_t n) {
    switch (v.type) {
    case QT_INT: snprintf(buf, n, "%lld", (long long)v.i); break;
    case QT_FLOAT: snprintf(buf, n, "%g", v.f); break;
    case QT_BOOL: snprintf(buf, n, "%s", v.b ? "true" : "false"); break;
    case QT_STRING: snprintf(buf, n, "'%.*s'", (int)(v.len > 100 ? 100 : v.len), v.s); break;
    default: snprintf(buf, n, "(a %s value)", v.type == QT_LIST ? "list" : "temporal"); break;
    }
}

static int add_index(gtxn *t, const char *name, gindex_entity ent, uint32_t token, uint32_t key, bool unique,
                     bool ine, qv_err *err) {
    gdelta *d = t->d;
    gtx_token(t, ent == GINDEX_NODE ? 0 : 1, token);
    gtx_token(t, 2, key);
    const char *what = unique ? "constraint" : "index";
    const char *tn = tok_name(t, ent, token), *kn = gview_key_name(&t->view, key);
    for (uint32_t i = 0; i < d->n_idx; i++) {
        gpindex *ix = d->idx[i];
        if (!visible(ix, t->csn) || ix->entity != ent || ix->token != token || ix->key != key) continue;
        if (ine && ix->unique == unique) return 0;
        return qv_err_set(err, QV_EEXISTS, "an %s on %s%s(%s) already exists ('%s'), so this %s cannot be created",
                          ix->unique ? "index backing a uniqueness constraint" : "index", ent == GINDEX_NODE ? ":" : "[:",
                          tn, kn ? kn : "?", ix->constraint ? ix->constraint : ix->name, what);
    }
    char gen[64];
    if (!name || !*name) {
        snprintf(gen, sizeof gen, "%s_%08x", what,
                 (unsigned)(((uint64_t)ent * 0x9e3779b97f4a7c15ull ^ (uint64_t)token << 20 ^ key) * 0xff51afd7ed558ccdull >> 32));
        name = gen;
    }
    if (by_name(t, name)) {
        if (ine) return 0;
        return qv_err_set(err, QV_EEXISTS, "an index or constraint named '%s' already exists", name);
    }
    if (d->n_idx >= GMAX_INDEXES)
        return qv_err_set(err, QV_ETOOBIG, "a graph can have at most %u indexes and constraints", GMAX_INDEXES);
    gpindex *ix = qv_calloc(1, sizeof *ix);
    ix->name = qv_strdup(name);
    if (unique) ix->constraint = qv_strdup(name);
    ix->entity = ent;
    ix->token = token;
    ix->key = key;
    ix->unique = unique;
    ix->created_csn = t->csn;
    ix->dropped_csn = GCSN_NEVER;
    uint64_t ids[256];
    uint32_t k;
    if (ent == GINDEX_NODE) {
        gnode_iter it;
        gview_nodes(&t->view, token, &it);
        while ((k = gnode_iter_next(&it, ids, 256)) > 0)
            for (uint32_t i = 0; i < k; i++) {
                qval v;
                if (!gview_node_prop(&t->view, ids[i], key, &v)) continue;
                uint64_t other = unique ? gindex_conflict(&t->view, ix, v, ids[i]) : GID_NONE;
                if (other != GID_NONE) {
                    char vb[160];
                    gtx_fmt_value(v, vb, sizeof vb);
                    gindex_free(ix);
                    return qv_err_set(err, QV_ECONSTRAINT,
                                      "cannot create constraint '%s': nodes %llu and %llu both have label %s and "
                                      "property %s = %s", name, (unsigned long long)other, (unsigned long long)ids[i],
                                      tn, kn ? kn : "?", vb);
                }
                gindex_insert(d, ix, v, ids[i]);
            }
    } else {
        grel_iter it;
        gview_rels(&t->view, token, &it);
        while ((k = grel_iter_next(&it, ids, 256)) > 0)
            for (uint32_t i = 0; i < k; i++) {
                qval v;
                if (gview_rel_prop(&t->view, ids[i], key, &v)) gindex_insert(d, ix, v, ids[i]);
            }
    }
    d->idx[d->n_idx] = ix;
    STORE(&d->n_idx, d->n_idx + 1);
    gtx_change(t, unique ? GCH_CONSTRAINT_CREATE : GCH_INDEX_CREATE, (uint8_t)ent, token, key, 0, 0, qv_str_ref(ix->name, (uint32_t)strlen(ix->name)));
    return 0;
}

int gtxn_create_index(gtxn *t, const char *name, gindex_entity ent, uint32_t token, uint32_t key, bool if_not_exists,
                      qv_err *err) {
    return add_index(t, name, ent, token, key, false, if_not_exists, err);
}

int gtxn_create_unique(gtxn *t, const char *name, uint32_t label, uint32_t key, bool if_not_exists, qv_err *err) {
    return add_index(t, name, GINDEX_NODE, label, key, true, if_not_exists, err);
}

static int drop(gtxn *t, const char *name, bool constraint, bool if_exists, qv_err *err) {
    gpindex *ix = name ? by_name(t, name) : NULL;
    if (ix && constraint != ix->unique)
        return qv_err_set(err, QV_EINVAL, "'%s' is %s; drop it with DROP %s", name,
                          ix->unique ? "a constraint" : "an index", ix->unique ? "CONSTRAINT" : "INDEX");
    if (!ix) {
        if (if_exists) return 0;
        return qv_err_set(err, QV_ENOTFOUND, "there is no %s named '%s'", constraint ? "constraint" : "index",
                          name ? name : "");
    }
    STORE(&ix->dropped_csn, t->csn);
    GPUSH(t->dropped, t->n_dropped, t->cap_dropped, ix);
    gtx_change(t, constraint ? GCH_CONSTRAINT_DROP : GCH_INDEX_DROP, (uint8_t)ix->entity, ix->token, ix->key, 0, 0, qv_str_ref(ix->name, (uint32_t)strlen(ix->name)));
    return 0;
}

int gtxn_drop_index(gtxn *t, const char *name, bool if_exists, qv_err *err) { return drop(t, name, false, if_exists, err); }
int gtxn_drop_constraint(gtxn *t, const char *name, bool if_exists, qv_err *err) {
    return drop(t, name, true, if_exists, err);
}

/* Indexes the writer keeps up to date: every index not rolled back and not dropped by an earlier commit. */
uint32_t gtx_indexes(gtxn *t, gpindex ***out) {
    *out = t->d->idx;
    return t->d->n_idx;
}

bool gtx_maintained(gtxn *t, const gpindex *ix) { return maintained(ix, t->csn); }
bool gtx_visible(gtxn *t, const gpindex *ix) { return visible(ix, t->csn); }
