/* test_graph_compact_pack.c — what a compaction packs (gmem_pack.h) reads back exactly: typed and mixed-type
 * property columns (int, float, bool, string, lists, temporal, a key holding an int here and a string there),
 * label sets, string and integer external ids (a string "7" is not the integer 7), deleted entities gone;
 * writes after the compaction start from the packed state (SET keeps the other properties, a SET relationship
 * keeps its endpoints, labels gained are scanned once, a deleted packed id frees its external id); commits
 * during a compaction's build are carried over and folded by the next one; a packed graph holds no version and
 * no slot chunk, and its memory per node and relationship stays bounded (gmem_measure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/gmem.h"
#include "graph/gview.h"


static qval S(const char *s) { return qv_str_ref(s, (uint32_t)strlen(s)); }

static void commit(gtxn *t) {
    qv_err err;
    if (gtxn_commit(t, &err)) fail_msg("commit: %s", err.msg);
}

static graph *empty_graph(void) {
    graph *g = graph_new("g", "neo4j", false, GRAPH_ID_STRING, NULL);
    graph_set_compact_trigger(g, false, 0);
    return g;
}

/* Everything observable through a view over ids below 64, as text (values printed by type). */
static void put_val(FILE *f, qval x) {
    switch (x.type) {
    case QT_INT: fprintf(f, "i%lld", (long long)x.i); break;
    case QT_FLOAT: fprintf(f, "f%g", x.f); break;
    case QT_BOOL: fprintf(f, "b%d", x.b); break;
    case QT_STRING: fprintf(f, "s'%.*s'", (int)x.len, x.s); break;
    case QT_LIST:
        fprintf(f, "[");
        for (uint32_t i = 0; i < x.len; i++) put_val(f, x.items[i]), fprintf(f, ",");
        fprintf(f, "]");
        break;
    case QT_DATE: fprintf(f, "d%lld", (long long)x.tm->days); break;
    default: fprintf(f, "t%d", x.type); break;
    }
}

static char *fingerprint(gview *v) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qv_arena a;
    qv_arena_init(&a);
    fprintf(f, "n=%llu r=%llu\n", (unsigned long long)gview_node_count(v), (unsigned long long)gview_rel_count(v));
    for (uint32_t l = 0; l < gview_n_labels(v); l++) {
        gnode_iter it;
        uint64_t ids[64];
        uint32_t k;
        fprintf(f, "label %u count %llu:", l, (unsigned long long)gview_label_count(v, l));
        uint64_t mask = 0;   /* scans list ids in no promised order: a set */
        gview_nodes(v, l, &it);
        while ((k = gnode_iter_next(&it, ids, 64)) > 0)
            for (uint32_t i = 0; i < k; i++) {
                assert_true(ids[i] < 64 && !(mask >> ids[i] & 1));
                mask |= 1ull << ids[i];
            }
        fprintf(f, " %llx\n", (unsigned long long)mask);
    }
    for (uint64_t id = 0; id < 64; id++) {
        if (!gview_node_exists(v, id)) continue;
        uint32_t ls[16], n = gview_node_labels(v, id, ls, 16);
        fprintf(f, "node %llu labels", (unsigned long long)id);
        for (uint32_t i = 0; i < n; i++) fprintf(f, " %u", ls[i]);
        qval e = gview_node_ext_id(v, id);
        fprintf(f, " ext ");
        put_val(f, e);
        assert_int_equal(gview_node_by_ext_id(v, e), id);
        gprop *p;
        uint32_t np = gview_node_props(v, id, &a, &p);
        for (uint32_t i = 0; i < np; i++) {
            fprintf(f, " %u=", p[i].key);
            put_val(f, p[i].value);
            qval one;
            assert_true(gview_node_prop(v, id, p[i].key, &one));
            assert_int_equal(one.type, p[i].value.type);
            if (i) assert_true(p[i - 1].key < p[i].key);
        }
        fprintf(f, " out");
        gadj_iter it;
        gadj adj[64];
        uint32_t k;
        gview_expand(v, id, GDIR_BOTH, NULL, 0, &it);
        while ((k = gadj_iter_next(&it, adj, 64)) > 0)
            for (uint32_t i = 0; i < k; i++)
                fprintf(f, " %c%llu:%llu", adj[i].dir == GDIR_OUT ? '>' : '<', (unsigned long long)adj[i].rel,
                        (unsigned long long)adj[i].other);
        fprintf(f, "\n");
    }
    for (uint64_t r = 0; r < 64; r++) {
        if (!gview_rel_exists(v, r)) continue;
        uint64_t s, d;
        uint32_t ty;
        gview_rel_info(v, r, &s, &d, &ty);
        fprintf(f, "rel %llu %llu->%llu type %u", (unsigned long long)r, (unsigned long long)s, (unsigned long long)d, ty);
        gprop *p;
        uint32_t np = gview_rel_props(v, r, &a, &p);
        for (uint32_t i = 0; i < np; i++) {
            fprintf(f, " %u=", p[i].key);
            put_val(f, p[i].value);
            qval one;
            assert_true(gview_rel_prop(v, r, p[i].key, &one));
        }
        fprintf(f, "\n");
    }
    fclose(f);
    qv_arena_free(&a);
    return buf;
}

static char *print_now(graph *g) {
    qv_err err;
    gview *v = gview_open(g, &err);
    char *s = fingerprint(v);
    gview_close(v);
    return s;
}

static void compact(graph *g) {
    qv_err err;
    assert_int_equal(graph_compact(g, &err), 0);
}

/* 20 nodes: labels A, B, A+B or none; key x int on even ids, string on odd ones (one mixed column); y a list;
 * z a date on some; f float; t bool; ext ids strings "n<i>", and the integer 7 and the string "7". Relationships
 * in a ring with a weight; two nodes and two relationships deleted before the compaction. */
static void fill(graph *g, uint64_t *nodes, uint64_t *rels) {
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t A = gtxn_label(t, "A", 1), B = gtxn_label(t, "B", 1);
    uint32_t x = gtxn_key(t, "x", 1), y = gtxn_key(t, "y", 1), z = gtxn_key(t, "z", 1), fk = gtxn_key(t, "f", 1),
             tk = gtxn_key(t, "t", 1), w = gtxn_key(t, "w", 1);
    uint32_t KNOWS = gtxn_type(t, "KNOWS", 5);
    qv_arena a;
    qv_arena_init(&a);
    for (int i = 0; i < 20; i++) {
        uint32_t ls[2], nl = 0;
        if (i % 4 == 1 || i % 4 == 3) ls[nl++] = A;
        if (i % 4 == 2 || i % 4 == 3) ls[nl++] = B;
        char *sv = qv_arena_alloc(&a, 16);
        snprintf(sv, 16, "s%d", i);
        qval *items = qv_arena_alloc(&a, 2 * sizeof *items);
        items[0] = qv_int(i), items[1] = qv_int(-i);
        qval list = {.type = QT_LIST, .len = 2};
        list.items = items;
        gprop p[5] = {{x, i % 2 ? S(sv) : qv_int(i * 10)}, {y, list}, {fk, qv_float(i + 0.5)}, {tk, qv_bool(i % 3 == 0)}};
        uint32_t np = 4;
        if (i % 5 == 0) p[np++] = (gprop){z, qv_temporal_make(&a, QT_DATE, 19000 + i, 0, 0, NULL)};
        char *ev = qv_arena_alloc(&a, 16);
        snprintf(ev, 16, "n%d", i);
        qval ext = i == 5 ? qv_int(7) : i == 6 ? S("7") : S(ev);
        assert_int_equal(gtxn_node_create(t, ls, nl, p, np, ext, &nodes[i], &err), 0);
    }
    for (int i = 0; i < 20; i++) {
        gprop p = {w, qv_int(100 + i)};
        assert_int_equal(gtxn_rel_create(t, nodes[i], nodes[(i + 1) % 20], KNOWS, &p, i % 3 ? 1 : 0, &rels[i], &err), 0);
    }
    commit(t);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_delete(t, rels[3], &err), 0);
    assert_int_equal(gtxn_node_delete(t, nodes[9], true, &err), 0);   /* and rels 8, 9 */
    assert_int_equal(gtxn_node_delete(t, nodes[14], true, &err), 0);  /* and rels 13, 14 */
    commit(t);
    qv_arena_free(&a);
}

static void test_pack_reads_back(void **state) {
    (void)state;
    graph *g = empty_graph();
    uint64_t nodes[20], rels[20];
    fill(g, nodes, rels);
    char *before = print_now(g);
    qv_err err;
    gview *old = gview_open(g, &err);
    compact(g);
    assert_non_null(g->delta->gen->npack);
    assert_non_null(g->delta->gen->rpack);
    char *after = print_now(g), *old_after = fingerprint(old);
    assert_string_equal(before, after);
    assert_string_equal(before, old_after);   /* a view from before the swap reads its own generation */
    gview_close(old);

    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(7)), nodes[5]);
    assert_int_equal(gview_node_by_ext_id(v, S("7")), nodes[6]);
    assert_int_equal(gview_node_by_ext_id(v, S("n9")), GID_NONE);   /* deleted before the compaction */
    assert_int_equal(gview_node_by_ext_id(v, S("n10")), nodes[10]);
    assert_false(gview_node_exists(v, nodes[9]));
    assert_false(gview_rel_exists(v, rels[3]));
    qval x;
    uint32_t xk = (uint32_t)gview_key_id(v, "x", 1);
    assert_true(gview_node_prop(v, nodes[4], xk, &x));
    assert_int_equal(x.type, QT_INT);
    assert_int_equal(x.i, 40);
    assert_true(gview_node_prop(v, nodes[3], xk, &x));
    assert_int_equal(x.type, QT_STRING);
    assert_memory_equal(x.s, "s3", 2);
    gview_close(v);
    gmem_parts mp;
    gmem_measure(g, &mp);
    assert_int_equal(mp.versions_n, 0);
    assert_int_equal(mp.slots, 0);
    assert_true(mp.npack_cols > 0 && mp.rpack_cols > 0 && mp.npack_ext > 0);
    assert_int_equal(mp.total, graph_memory_bytes(g));
    free(before);
    free(after);
    free(old_after);
    graph_free(g);
}

static void test_writes_after_pack(void **state) {
    (void)state;
    graph *g = empty_graph();
    uint64_t nodes[20], rels[20];
    fill(g, nodes, rels);
    compact(g);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t fk = gtxn_key(t, "f", 1), w = gtxn_key(t, "w", 1), A = gtxn_label(t, "A", 1);
    uint32_t xk = gtxn_key(t, "x", 1);
    assert_int_equal(gtxn_node_set_prop(t, nodes[2], fk, qv_float(-1), &err), 0);
    assert_int_equal(gtxn_rel_set_prop(t, rels[4], w, qv_int(-4), &err), 0);
    assert_int_equal(gtxn_node_add_label(t, nodes[2], A, &err), 0);
    assert_int_equal(gtxn_node_add_label(t, nodes[1], A, &err), 0);   /* has it already */
    assert_int_equal(gtxn_node_delete(t, nodes[12], true, &err), 0);
    uint64_t again;
    gprop p = {xk, qv_int(1)};
    assert_int_equal(gtxn_node_create(t, &A, 1, &p, 1, S("n12"), &again, &err), 0);
    commit(t);

    gview *v = gview_open(g, &err);
    qval x;
    assert_true(gview_node_prop(v, nodes[2], fk, &x));
    assert_true(x.type == QT_FLOAT && x.f == -1);
    assert_true(gview_node_prop(v, nodes[2], xk, &x));   /* the packed properties were carried into the version */
    assert_int_equal(x.i, 20);
    uint64_t s, d;
    uint32_t ty;
    gview_rel_info(v, rels[4], &s, &d, &ty);
    assert_int_equal(s, nodes[4]);
    assert_int_equal(d, nodes[5]);
    assert_int_equal(ty, 0);
    assert_true(gview_rel_prop(v, rels[4], w, &x));
    assert_int_equal(x.i, -4);
    assert_int_equal(gview_node_by_ext_id(v, S("n12")), again);
    assert_int_equal(gview_label_count(v, A), 11);   /* 9 live with A, nodes[2] gained it, the new node */
    gview_close(v);
    char *before = print_now(g);
    compact(g);
    char *after = print_now(g);
    assert_string_equal(before, after);
    assert_true(strstr(after, "label 0 count 11: 1aa8ae\n") != NULL);
    free(before);
    free(after);
    graph_free(g);
}

/* Commits between a compaction's build and its swap are carried over, then folded by the next compaction. */
static void test_catch_up_then_fold(void **state) {
    (void)state;
    graph *g = empty_graph();
    uint64_t nodes[20], rels[20];
    fill(g, nodes, rels);
    compact(g);
    qv_err err;
    gcompaction *c = gcompact_begin(g, &err);   /* nothing new yet: a no-op */
    assert_int_equal(gcompact_finish(c, &err), 0);
    gtxn *t = gtxn_begin(g, &err);
    uint32_t w = gtxn_key(t, "w", 1), KNOWS = gtxn_type(t, "KNOWS", 5);
    uint64_t r;
    assert_int_equal(gtxn_rel_create(t, nodes[0], nodes[10], KNOWS, NULL, 0, &r, &err), 0);
    commit(t);
    c = gcompact_begin(g, &err);
    t = gtxn_begin(g, &err);   /* committed after the build's snapshot */
    assert_int_equal(gtxn_rel_set_prop(t, rels[1], w, qv_int(-1), &err), 0);
    uint64_t n2, r2;
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, S("late"), &n2, &err), 0);
    assert_int_equal(gtxn_rel_create(t, n2, nodes[1], KNOWS, NULL, 0, &r2, &err), 0);
    commit(t);
    char *before = print_now(g);
    assert_int_equal(gcompact_finish(c, &err), 0);
    assert_true(g->delta->gen->carried > 0);
    char *after = print_now(g);
    assert_string_equal(before, after);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_by_ext_id(v, S("late")), n2);
    uint64_t s, d;
    uint32_t ty;
    gview_rel_info(v, rels[1], &s, &d, &ty);
    assert_int_equal(s, nodes[1]);
    assert_int_equal(d, nodes[2]);
    gview_close(v);
    compact(g);   /* folds what was carried */
    assert_int_equal(g->delta->gen->carried, 0);
    gmem_parts mp;
    gmem_measure(g, &mp);
    assert_int_equal(mp.versions_n, 0);
    char *folded = print_now(g);
    assert_string_equal(before, folded);
    free(before);
    free(after);
    free(folded);
    graph_free(g);
}

/* A compaction after relationship-only commits keeps the node pack (shared by both generations); a node write
 * makes the next one rebuild it. */
static void test_node_pack_shared(void **state) {
    (void)state;
    graph *g = empty_graph();
    uint64_t nodes[20], rels[20];
    fill(g, nodes, rels);
    compact(g);
    const gpack *p1 = g->delta->gen->npack;
    qv_err err;
    gview *old = gview_open(g, &err);   /* holds the first generation (and the pack) past the swap */
    char *seen = fingerprint(old);
    gtxn *t = gtxn_begin(g, &err);
    uint64_t r;
    assert_int_equal(gtxn_rel_create(t, nodes[2], nodes[7], gtxn_type(t, "LIKES", 5), NULL, 0, &r, &err), 0);
    commit(t);
    char *before = print_now(g);
    compact(g);
    assert_ptr_equal(g->delta->gen->npack, p1);
    char *after = print_now(g), *old_now = fingerprint(old);
    assert_string_equal(before, after);
    assert_string_equal(seen, old_now);
    gview_close(old);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_set_prop(t, nodes[1], gtxn_key(t, "x", 1), qv_int(5), &err), 0);
    commit(t);
    free(before);
    free(after);
    before = print_now(g);
    compact(g);
    assert_ptr_not_equal(g->delta->gen->npack, p1);
    after = print_now(g);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(seen);
    free(old_now);
    graph_free(g);
}

/* graph_compact after a commit that started a background compaction: waits for it, so that it returns with
 * everything packed and nothing in flight (an in-flight build pins the generations it saw), and for the
 * reaper freeing the old generations. */
static void test_explicit_after_background(void **state) {
    (void)state;
    graph *g = empty_graph();
    qv_err err;
    graph_set_compact_trigger(g, true, 100);
    for (int round = 0; round < 3; round++) {
        gtxn *t = gtxn_begin(g, &err);
        uint32_t T = gtxn_type(t, "R", 1);
        uint64_t a, b, r;
        char ext[16];
        snprintf(ext, sizeof ext, "a%d", round);
        gprop empty = {gtxn_key(t, "e", 1), S("")};   /* a dictionary of one empty string */
        assert_int_equal(gtxn_node_create(t, NULL, 0, &empty, 1, S(ext), &a, &err), 0);
        snprintf(ext, sizeof ext, "b%d", round);
        assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, S(ext), &b, &err), 0);
        for (int i = 0; i < 200; i++) assert_int_equal(gtxn_rel_create(t, a, b, T, NULL, 0, &r, &err), 0);
        commit(t);   /* 200 changes >= 100: starts a background compaction */
        assert_int_equal(graph_compact(g, &err), 0);
        assert_false(g->delta->compacting);
        assert_false(g->delta->reaping);   /* the old generations are freed, not being freed */
        gmem_parts mp;
        gmem_measure(g, &mp);
        assert_int_equal(mp.versions_n, 0);
        assert_int_equal(g->delta->gen->carried, 0);
        gview *v = gview_open(g, &err);
        assert_int_equal(gview_rel_count(v), 200u * (round + 1));
        for (int k = 0; k <= round; k++) {   /* the a-nodes, with their empty string */
            snprintf(ext, sizeof ext, "a%d", k);
            uint64_t id = gview_node_by_ext_id(v, S(ext));
            assert_true(id != GID_NONE);
            qval x;
            assert_true(gview_node_prop(v, id, (uint32_t)gview_key_id(v, "e", 1), &x));
            assert_true(x.type == QT_STRING && x.len == 0);
            uint32_t nl;
            assert_int_equal(gview_node_labels(v, id, &nl, 1), 0);
        }
        gview_close(v);
    }
    graph_free(g);
}

/* A node with 300 labels keeps all of them through a compaction, and every label's scan finds it. */
static void test_many_labels(void **state) {
    (void)state;
    graph *g = empty_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t ls[300];
    for (int i = 0; i < 300; i++) {
        char name[16];
        snprintf(name, sizeof name, "L%d", i);
        ls[i] = gtxn_label(t, name, strlen(name));
    }
    uint64_t a, b;
    assert_int_equal(gtxn_node_create(t, ls, 300, NULL, 0, S("a"), &a, &err), 0);
    assert_int_equal(gtxn_node_create(t, ls + 299, 1, NULL, 0, S("b"), &b, &err), 0);
    commit(t);
    compact(g);
    gview *v = gview_open(g, &err);
    uint32_t out[400];
    assert_int_equal(gview_node_labels(v, a, out, 400), 300);
    for (int i = 0; i < 300; i++) assert_int_equal(out[i], ls[i]);
    gnode_iter it;
    uint64_t ids[4];
    gview_nodes(v, ls[299], &it);
    assert_int_equal(gnode_iter_next(&it, ids, 4), 2);
    assert_int_equal(ids[0], a);
    assert_int_equal(ids[1], b);
    gview_close(v);
    graph_free(g);
}

/* 20,000 nodes (a label, a string id, an int, a float and a 10-byte string) and 40,000 relationships (an int):
 * packed, they cost a small fixed number of bytes each, as typed columns would. */
static void test_pack_memory(void **state) {
    (void)state;
    graph *g = empty_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t L = gtxn_label(t, "Person", 6), ik = gtxn_key(t, "i", 1), fk = gtxn_key(t, "f", 1),
             sk = gtxn_key(t, "s", 1), T = gtxn_type(t, "KNOWS", 5), bk = gtxn_key(t, "browser", 7),
             ek = gtxn_key(t, "empty", 5);
    static const char *const browsers[4] = {"Firefox", "Chrome", "Safari", ""};
    enum { N = 20000 };
    uint64_t *ids = malloc(N * sizeof *ids);
    for (int i = 0; i < N; i++) {
        char ext[32], s[16];
        snprintf(ext, sizeof ext, "Person_%08d", i);
        snprintf(s, sizeof s, "name%06d", i);
        gprop p[5] = {{ik, qv_int(i)}, {fk, qv_float(i * 0.25)}, {sk, S(s)}, {ek, S("")}, {bk, S(browsers[i % 4])}};
        assert_int_equal(gtxn_node_create(t, &L, 1, p, i % 5 ? 5 : 4, S(ext), &ids[i], &err), 0);
    }
    for (int i = 0; i < 2 * N; i++) {
        gprop p = {ik, qv_int(i)};
        uint64_t r;
        assert_int_equal(gtxn_rel_create(t, ids[i % N], ids[(i * 7 + 1) % N], T, &p, 1, &r, &err), 0);
    }
    commit(t);
    compact(g);
    gmem_parts mp;
    gmem_measure(g, &mp);
    assert_int_equal(mp.versions_n, 0);
    /* per node: 24 B of values + 10 B of string + 8 offset + ext 14 + 8 + ~5 index + 4 label set + 8 label list
     * + 16 CSR offsets ~ 97 B; per relationship: 16 CSR + 10 endpoints + 8 value */
    /* + the browser: a dictionary of 4 strings, 2-byte codes on 4 nodes in 5 */
    double per_node = (double)(mp.npack_live + mp.npack_labels + mp.npack_ext + mp.npack_cols + mp.label_lists) / N;
    const gpack *np = g->delta->gen->npack;
    assert_int_equal(np->cols[np->keycol[bk] - 1].kind, GPC_DICT);
    assert_int_equal(np->cols[np->keycol[sk] - 1].kind, GPC_STR);
    assert_int_equal(np->cols[np->keycol[ek] - 1].kind, GPC_DICT);   /* one distinct value, the empty string */
    double per_rel = (double)(mp.csr - (N + 1) * 16 + mp.rpack_live + mp.rpack_ends + mp.rpack_cols) / (2 * N);
    assert_true(per_node < 100);
    assert_true(per_rel < 36);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_by_ext_id(v, S("Person_00012345")), ids[12345]);
    qval x;
    assert_true(gview_node_prop(v, ids[777], sk, &x));
    assert_int_equal(x.len, 10);
    assert_memory_equal(x.s, "name000777", 10);
    for (int i = 0; i < 12; i++) {
        assert_true(gview_node_prop(v, ids[i], ek, &x));
        assert_true(x.type == QT_STRING && x.len == 0);
        bool has = gview_node_prop(v, ids[i], bk, &x);
        assert_int_equal(has, i % 5 != 0);
        if (has) assert_true(x.type == QT_STRING && x.len == strlen(browsers[i % 4]) && !memcmp(x.s, browsers[i % 4], x.len));
    }
    gview_close(v);
    free(ids);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_reads_back),
        cmocka_unit_test(test_writes_after_pack),
        cmocka_unit_test(test_catch_up_then_fold),
        cmocka_unit_test(test_node_pack_shared),
        cmocka_unit_test(test_many_labels),
        cmocka_unit_test(test_explicit_after_background),
        cmocka_unit_test(test_pack_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
