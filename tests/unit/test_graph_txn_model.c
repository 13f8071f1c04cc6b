/* test_graph_txn_model.c — the writable graph against a plain model: thousands of random writes (creates,
 * deletes, DETACH, properties, labels, relationships) in transactions that commit or roll back, with
 * compactions in between, on an empty graph and on a loader-built one; after every transaction each node and
 * relationship, every count, label scan, expansion (every direction, with a type), external-id lookup and
 * index seek must match the model exactly, and writes that would break the uniqueness constraint on (L1, k0)
 * must fail, exactly those. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/gview.h"
#include "graph/loader.h"
#include "test_graph_util.h"

#define MAXN 400
#define MAXR 900
#define NL 4
#define NK 3
#define NT 2

typedef struct mnode {
    bool live;
    uint32_t labels;                /* bit per model label */
    bool has[NK];
    int64_t val[NK];
    int64_t ext;                    /* >= 0: integer id; -1: a string id (read from the graph) */
} mnode;

typedef struct mrel {
    bool live;
    uint64_t src, dst;
    int type;
    bool has;
    int64_t w;
} mrel;

typedef struct model {
    mnode n[MAXN];
    mrel r[MAXR];
    uint64_t nn, nr;                /* id high-water marks */
} model;

static uint32_t L[NL], K[NK], T[NT];


/* A loader graph the model knows: 6 nodes (ids 100..105, label L0 on even ones, k0 = id), relationships
 * i -> i+1 of type T0 with w = i. */
static graph *loaded(model *m) {
    gloader_config cfg = {.name = "m", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t l0 = gloader_label(l, "L0", 2);
    uint32_t s0 = gloader_labelset(l, &l0, 1), sn = gloader_labelset(l, NULL, 0);
    uint32_t k0, w;
    assert_int_equal(gloader_prop_key(l, false, "k0", GPROP_INT64, &k0, &err), 0);
    assert_int_equal(gloader_prop_key(l, true, "w", GPROP_DOUBLE, &w, &err), 0);
    gnode_chunk c = {.n = 6, .ids = HEAP(int64_t, 100, 101, 102, 103, 104, 105),
                     .labelset = HEAP(uint32_t, s0, sn, s0, sn, s0, sn), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = k0, .type = GPROP_INT64, .values = HEAP(int64_t, 0, 1, 2, 3, 4, 5)})};
    assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t t0;
    assert_int_equal(gloader_rel_type(l, "T0", 2, &t0, &err), 0);
    grel_chunk rc = {.n = 5, .src = HEAP(int64_t, 100, 101, 102, 103, 104), .tgt = HEAP(int64_t, 101, 102, 103, 104, 105),
                     .common_type = t0, .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = w, .type = GPROP_DOUBLE, .values = HEAP(double, 0, 1, 2, 3, 4)})};
    assert_int_equal(gloader_add_rels(l, &rc, &err), 0);
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &n, &g, &err), 0);
    gloader_free(l);
    for (int i = 0; i < 6; i++)
        m->n[i] = (mnode){.live = true, .labels = i % 2 == 0 ? 1u : 0u, .has = {true}, .val = {i}, .ext = 100 + i};
    m->nn = 6;
    for (int i = 0; i < 5; i++) m->r[i] = (mrel){.live = true, .src = (uint64_t)i, .dst = (uint64_t)i + 1, .type = 0, .has = true, .w = i};
    m->nr = 5;
    return g;
}

static qval mval(int64_t v) { return v % 3 == 0 ? qv_float((double)v) : qv_int(v); }   /* floats too: 3 = 3.0 */

static int64_t as_int(qval x) { return x.type == QT_INT ? x.i : (int64_t)x.f; }

/* ---- checking ---- */
static void check(gview *v, const model *m) {
    uint64_t live = 0, lrel = 0, lab[NL] = {0}, typ[NT] = {0};
    for (uint64_t id = 0; id < m->nn; id++) {
        const mnode *x = &m->n[id];
        if (gview_node_exists(v, id) != x->live) fail_msg("node %llu exists: %d", (unsigned long long)id, !x->live);
        if (!x->live) continue;
        live++;
        for (int l = 0; l < NL; l++) {
            bool want = (x->labels >> l) & 1;
            if (want) lab[l]++;
            if (gview_node_has_label(v, id, L[l]) != want) fail_msg("node %llu label %d", (unsigned long long)id, l);
        }
        for (int k = 0; k < NK; k++) {
            qval p;
            bool has = gview_node_prop(v, id, K[k], &p);
            if (has != x->has[k]) fail_msg("node %llu key %d presence %d", (unsigned long long)id, k, has);
            if (has && as_int(p) != x->val[k]) fail_msg("node %llu key %d = %lld", (unsigned long long)id, k, (long long)as_int(p));
        }
        qval e = gview_node_ext_id(v, id);
        if (x->ext >= 0) {
            assert_int_equal(e.type, QT_INT);
            assert_int_equal(e.i, x->ext);
        } else {
            assert_int_equal(e.type, QT_STRING);
        }
        assert_int_equal(gview_node_by_ext_id(v, e), id);
        /* expansions as (rel id) sets against the model */
        for (int dir = 1; dir <= 3; dir++)
            for (int ty = -1; ty < NT; ty++) {
                uint64_t want = 0, got = 0, cnt = 0, wcnt = 0;
                for (uint64_t r = 0; r < m->nr; r++) {
                    const mrel *y = &m->r[r];
                    if (!y->live || (ty >= 0 && y->type != ty)) continue;
                    bool out = y->src == id && (dir & GDIR_OUT), in = y->dst == id && (dir & GDIR_IN);
                    if (out || in) want += r * 2654435761u + 1, wcnt++;
                }
                gadj_iter it;
                gadj buf[8];
                uint32_t k;
                gview_expand(v, id, (gdir)dir, ty >= 0 ? &T[ty] : NULL, ty >= 0 ? 1 : 0, &it);
                while ((k = gadj_iter_next(&it, buf, 8)) > 0)
                    for (uint32_t i = 0; i < k; i++) {
                        got += buf[i].rel * 2654435761u + 1;
                        cnt++;
                        const mrel *y = &m->r[buf[i].rel];
                        uint64_t other = buf[i].dir == GDIR_OUT ? y->dst : y->src;
                        if (other != buf[i].other) fail_msg("rel %llu other end", (unsigned long long)buf[i].rel);
                    }
                if (want != got || cnt != wcnt)
                    fail_msg("node %llu dir %d type %d: %llu relationships, want %llu", (unsigned long long)id, dir, ty,
                             (unsigned long long)cnt, (unsigned long long)wcnt);
            }
    }
    for (uint64_t id = m->nn; id < m->nn + 3; id++) assert_false(gview_node_exists(v, id));
    for (uint64_t r = 0; r < m->nr; r++) {
        const mrel *y = &m->r[r];
        if (gview_rel_exists(v, r) != y->live) fail_msg("rel %llu exists", (unsigned long long)r);
        if (!y->live) continue;
        lrel++;
        typ[y->type]++;
        uint64_t s, d;
        uint32_t t;
        gview_rel_info(v, r, &s, &d, &t);
        assert_int_equal(s, y->src);
        assert_int_equal(d, y->dst);
        assert_int_equal(t, T[y->type]);
        qval p;
        bool has = gview_rel_prop(v, r, K[1], &p);
        qval pw;
        int64_t wk = gview_key_id(v, "w", 1);
        if (wk >= 0 && gview_rel_prop(v, r, (uint32_t)wk, &pw)) has = true, p = pw;
        if (has != y->has) fail_msg("rel %llu prop presence", (unsigned long long)r);
        if (has && as_int(p) != y->w) fail_msg("rel %llu prop %lld", (unsigned long long)r, (long long)as_int(p));
    }
    assert_int_equal(gview_node_count(v), live);
    assert_int_equal(gview_rel_count(v), lrel);
    for (int l = 0; l < NL; l++) {
        assert_int_equal(gview_label_count(v, L[l]), lab[l]);
        gnode_iter it;
        uint64_t ids[16], seen = 0, sum = 0, want = 0;
        uint32_t k;
        gview_nodes(v, L[l], &it);
        while ((k = gnode_iter_next(&it, ids, 16)) > 0)
            for (uint32_t i = 0; i < k; i++) seen++, sum += ids[i] * 7919 + 1;
        for (uint64_t id = 0; id < m->nn; id++)
            if (m->n[id].live && (m->n[id].labels >> l & 1)) want += id * 7919 + 1;
        assert_int_equal(seen, lab[l]);
        assert_int_equal(sum, want);
    }
    for (int t = 0; t < NT; t++) assert_int_equal(gview_type_count(v, T[t]), typ[t]);
    /* the index on (L0, k0): seeks for every value, ints and floats alike */
    for (int64_t val = 0; val < 12; val++) {
        gnode_iter it;
        uint64_t ids[16], n = 0, sum = 0, want = 0, wn = 0;
        uint32_t k;
        assert_true(gview_node_index_seek(v, L[0], K[0], val % 2 ? qv_float((double)val) : qv_int(val), &it));
        while ((k = gnode_iter_next(&it, ids, 16)) > 0)
            for (uint32_t i = 0; i < k; i++) n++, sum += ids[i] * 31 + 1;
        for (uint64_t id = 0; id < m->nn; id++) {
            const mnode *x = &m->n[id];
            if (x->live && (x->labels & 1) && x->has[0] && x->val[0] == val) wn++, want += id * 31 + 1;
        }
        if (n != wn || sum != want) fail_msg("seek k0 = %lld: %llu nodes, want %llu", (long long)val,
                                             (unsigned long long)n, (unsigned long long)wn);
    }
}

/* ---- random transactions ---- */
/* The uniqueness constraint on (L1, k0): would node `self` with value v under it clash with another? */
static int clashes;   /* writes refused by the constraint (the test must see some) */

static bool clash(const model *m, uint64_t self, int64_t v) {
    for (uint64_t id = 0; id < m->nn; id++) {
        const mnode *x = &m->n[id];
        if (id != self && x->live && (x->labels & 2) && x->has[0] && x->val[0] == v) return true;
    }
    return false;
}

static void step(gtxn *t, model *m, unsigned *seed) {
    qv_err err;
    uint64_t id;
    int op = m->nn ? rand_r(seed) % 12 : 0;   /* nothing but creates on an empty graph */
    uint64_t node = m->nn ? (uint64_t)rand_r(seed) % m->nn : 0;
    switch (op) {
    case 0: case 1: {
        if (m->nn >= MAXN - 1) return;
        uint32_t labs[2];
        uint32_t mask = (uint32_t)rand_r(seed) % 16, nl = 0;
        for (int l = 0; l < NL && nl < 2; l++)
            if (mask >> l & 1) labs[nl++] = L[l];
        mask = 0;
        for (uint32_t i = 0; i < nl; i++)
            for (int l = 0; l < NL; l++)
                if (labs[i] == L[l]) mask |= 1u << l;
        int64_t v = rand_r(seed) % 12;
        gprop p = {K[0], mval(v)};
        int64_t ext = rand_r(seed) % 2 ? 1000 + (int64_t)m->nn : -1;
        int rc = gtxn_node_create(t, labs, nl, &p, 1, ext >= 0 ? qv_int(ext) : qv_null(), &id, &err);
        if ((mask & 2) && clash(m, UINT64_MAX, v)) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, QV_ECONSTRAINT);
            clashes++;
            break;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(id, m->nn);
        m->n[id] = (mnode){.live = true, .labels = mask, .has = {true}, .val = {v}, .ext = ext};
        m->nn++;
        break;
    }
    case 2: {
        bool detach = rand_r(seed) % 2;
        bool has_rels = false;
        for (uint64_t r = 0; r < m->nr; r++)
            if (m->r[r].live && (m->r[r].src == node || m->r[r].dst == node)) has_rels = true;
        int rc = gtxn_node_delete(t, node, detach, &err);
        if (!m->n[node].live) {
            assert_int_equal(rc, 0);
            break;
        }
        if (has_rels && !detach) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, QV_ECONSTRAINT);
            break;
        }
        assert_int_equal(rc, 0);
        for (uint64_t r = 0; r < m->nr; r++)
            if (m->r[r].src == node || m->r[r].dst == node) m->r[r].live = false;
        m->n[node].live = false;
        break;
    }
    case 3: case 4: {
        int k = rand_r(seed) % NK;
        int64_t v = rand_r(seed) % 12;
        bool rm = rand_r(seed) % 5 == 0;
        int rc = gtxn_node_set_prop(t, node, K[k], rm ? qv_null() : mval(v), &err);
        if (!m->n[node].live) {
            assert_int_equal(rc, -1);
            break;
        }
        if (k == 0 && !rm && (m->n[node].labels & 2) && clash(m, node, v)) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, QV_ECONSTRAINT);
            clashes++;
            break;
        }
        assert_int_equal(rc, 0);
        m->n[node].has[k] = !rm;
        m->n[node].val[k] = v;
        break;
    }
    case 5: case 6: {
        int l = rand_r(seed) % NL;
        bool add = rand_r(seed) % 2;
        int rc = add ? gtxn_node_add_label(t, node, L[l], &err) : gtxn_node_remove_label(t, node, L[l], &err);
        if (!m->n[node].live) {
            assert_int_equal(rc, -1);
            break;
        }
        const mnode *x = &m->n[node];
        if (add && l == 1 && !(x->labels & 2) && x->has[0] && clash(m, node, x->val[0])) {
            assert_int_equal(rc, -1);
            assert_int_equal(err.code, QV_ECONSTRAINT);
            clashes++;
            break;
        }
        assert_int_equal(rc, 0);
        if (add) m->n[node].labels |= 1u << l;
        else m->n[node].labels &= ~(1u << l);
        break;
    }
    case 7: case 8: {
        if (m->nr >= MAXR - 1) return;
        uint64_t dst = rand_r(seed) % 5 == 0 ? node : (uint64_t)rand_r(seed) % m->nn;
        int ty = rand_r(seed) % NT;
        int64_t w = rand_r(seed) % 9;
        gprop p = {K[1], qv_int(w)};
        int rc = gtxn_rel_create(t, node, dst, T[ty], &p, 1, &id, &err);
        if (!m->n[node].live || !m->n[dst].live) {
            assert_int_equal(rc, -1);
            break;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(id, m->nr);
        m->r[id] = (mrel){.live = true, .src = node, .dst = dst, .type = ty, .has = true, .w = w};
        m->nr++;
        break;
    }
    case 9: {
        if (!m->nr) return;
        uint64_t r = (uint64_t)rand_r(seed) % m->nr;
        assert_int_equal(gtxn_rel_delete(t, r, &err), 0);
        m->r[r].live = false;
        break;
    }
    case 10: {
        if (!m->n[node].live) return;
        assert_int_equal(gtxn_node_clear_props(t, node, &err), 0);
        for (int k = 0; k < NK; k++) m->n[node].has[k] = false;
        break;
    }
    default: {
        if (!m->nr) return;
        uint64_t r = (uint64_t)rand_r(seed) % m->nr;
        int64_t w = rand_r(seed) % 9;
        int rc = gtxn_rel_set_prop(t, r, K[1], qv_int(w), &err);
        if (!m->r[r].live) {
            assert_int_equal(rc, -1);
            break;
        }
        assert_int_equal(rc, 0);
        m->r[r].w = w;
        m->r[r].has = true;
        /* a loader relationship keeps its own w column too: drop it, the model has one value */
        int64_t wk = gview_key_id(gtxn_view(t), "w", 1);
        if (wk >= 0) assert_int_equal(gtxn_rel_set_prop(t, r, (uint32_t)wk, qv_null(), &err), 0);
        break;
    }
    }
}

static void run(graph *g, model *m, unsigned seed) {
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    char name[8];
    for (int i = 0; i < NL; i++) snprintf(name, sizeof name, "L%d", i), L[i] = gtxn_label(t, name, strlen(name));
    for (int i = 0; i < NK; i++) snprintf(name, sizeof name, "k%d", i), K[i] = gtxn_key(t, name, strlen(name));
    for (int i = 0; i < NT; i++) snprintf(name, sizeof name, "T%d", i), T[i] = gtxn_type(t, name, strlen(name));
    assert_int_equal(gtxn_create_index(t, "by_k0", GINDEX_NODE, L[0], K[0], false, &err), 0);
    assert_int_equal(gtxn_create_unique(t, "l1_k0", L[1], K[0], false, &err), 0);
    assert_int_equal(gtxn_commit(t, &err), 0);
    clashes = 0;
    model *saved = malloc(sizeof *saved);
    gview *old = gview_open(g, &err);
    model *old_m = malloc(sizeof *old_m);
    *old_m = *m;
    for (int round = 0; round < 60; round++) {
        *saved = *m;
        t = gtxn_begin(g, &err);
        int n = 5 + rand_r(&seed) % 40;
        for (int i = 0; i < n; i++) step(t, m, &seed);
        check(gtxn_view(t), m);
        if (rand_r(&seed) % 4 == 0) {
            gtxn_rollback(t);
            *m = *saved;
        } else {
            assert_int_equal(gtxn_commit(t, &err), 0);
        }
        gview *v = gview_open(g, &err);
        check(v, m);
        gview_close(v);
        if (round % 15 == 7) {
            check(old, old_m);   /* an old snapshot, across compactions */
            assert_int_equal(graph_compact(g, &err), 0);
            check(old, old_m);
            v = gview_open(g, &err);
            check(v, m);
            gview_close(v);
        }
    }
    gview_close(old);
    free(old_m);
    free(saved);
    assert_true(clashes > 0);
}

static void test_model_empty(void **state) {
    (void)state;
    graph *g = graph_new("e", "e", false, GRAPH_ID_INTEGER, NULL);
    graph_set_compact_trigger(g, false, 0);
    model *m = calloc(1, sizeof *m);
    run(g, m, 1);
    graph_free(g);
    free(m);
}

static void test_model_loaded(void **state) {
    (void)state;
    model *m = calloc(1, sizeof *m);
    graph *g = loaded(m);
    graph_set_compact_trigger(g, false, 0);
    run(g, m, 2);
    graph_free(g);
    free(m);
}

static void test_model_background_compaction(void **state) {
    (void)state;
    model *m = calloc(1, sizeof *m);
    graph *g = loaded(m);
    graph_set_compact_trigger(g, true, 20);   /* compactions start on their own thread all along */
    run(g, m, 3);
    graph_free(g);
    free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_empty),
        cmocka_unit_test(test_model_loaded),
        cmocka_unit_test(test_model_background_compaction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
