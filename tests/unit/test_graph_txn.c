/* test_graph_txn.c — the writable graph behind gview.h: creates, deletes, properties and labels on an empty
 * graph and on a loader-built one; snapshot isolation; rollback of 1,000 writes leaving the graph observably
 * identical; DELETE vs DETACH DELETE; uniqueness constraints; index seeks (1 = 1.0); expansion in every
 * direction with types over base + delta + tombstones; external ids (int and string in one graph); the commit
 * hook; scans with a fixed range; PUT_NODE_PROPERTIES on a written graph. Concurrency: test_graph_txn_mt.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/catalog.h"
#include "graph/gdelta.h"
#include "graph/gview.h"
#include "graph/loader.h"
#include "test_graph_util.h"


/* Base graph: nodes 10, 20 (:Person), 30 (:Person:Admin), 40 (no label), internal ids 0..3, age 31..34 (40 has
 * none); relationships (ids in source order) 0: 10-KNOWS->20 w1, 1: 10-LIKES->10 w4, 2: 20-KNOWS->30 w2,
 * 3: 30-LIKES->10 w3. */
static graph *base_graph(void) {
    gloader_config cfg = {.name = "g", .database_name = "neo4j"};
    gloader *l = gloader_new(&cfg, pool);
    qv_err err;
    uint32_t person = gloader_label(l, "Person", 6), admin = gloader_label(l, "Admin", 5);
    uint32_t ls_p = gloader_labelset(l, &person, 1), ls_pa = gloader_labelset(l, (uint32_t[]){person, admin}, 2);
    uint32_t ls_none = gloader_labelset(l, NULL, 0);
    uint32_t age;
    assert_int_equal(gloader_prop_key(l, false, "age", GPROP_INT64, &age, &err), 0);
    uint32_t w;
    assert_int_equal(gloader_prop_key(l, true, "w", GPROP_DOUBLE, &w, &err), 0);
    gnode_chunk c = {.n = 4, .ids = HEAP(int64_t, 10, 20, 30, 40), .labelset = HEAP(uint32_t, ls_p, ls_p, ls_pa, ls_none),
                     .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = age, .type = GPROP_INT64, .present = HEAP(uint64_t, 7),
                                               .values = HEAP(int64_t, 31, 32, 33, 0)})};
    assert_int_equal(gloader_add_nodes(l, &c, &err), 0);
    uint64_t n;
    assert_int_equal(gloader_nodes_done(l, &n, &err), 0);
    uint16_t knows, likes;
    assert_int_equal(gloader_rel_type(l, "KNOWS", 5, &knows, &err), 0);
    assert_int_equal(gloader_rel_type(l, "LIKES", 5, &likes, &err), 0);
    grel_chunk rc = {.n = 4, .src = HEAP(int64_t, 10, 20, 30, 10), .tgt = HEAP(int64_t, 20, 30, 10, 10),
                     .type = HEAP(uint16_t, knows, knows, likes, likes), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = w, .type = GPROP_DOUBLE, .values = HEAP(double, 1, 2, 3, 4)})};
    assert_int_equal(gloader_add_rels(l, &rc, &err), 0);
    graph *g = NULL;
    assert_int_equal(gloader_rels_done(l, &n, &g, &err), 0);
    gloader_free(l);
    return g;
}

static qval S(const char *s) { return qv_str_ref(s, (uint32_t)strlen(s)); }

static uint64_t create(gtxn *t, const char *label, const char *key, qval v, qval ext) {
    uint32_t l = label ? gtxn_label(t, label, strlen(label)) : 0;
    gprop p = {key ? gtxn_key(t, key, strlen(key)) : 0, v};
    uint64_t id;
    qv_err err;
    if (gtxn_node_create(t, &l, label ? 1 : 0, &p, key ? 1 : 0, ext, &id, &err)) fail_msg("create: %s", err.msg);
    return id;
}

static uint64_t rel(gtxn *t, uint64_t a, uint64_t b, const char *type) {
    uint64_t id;
    qv_err err;
    if (gtxn_rel_create(t, a, b, gtxn_type(t, type, strlen(type)), NULL, 0, &id, &err)) fail_msg("rel: %s", err.msg);
    return id;
}

static void commit(gtxn *t) {
    qv_err err;
    if (gtxn_commit(t, &err)) fail_msg("commit: %s", err.msg);
}

static int64_t iprop(gview *v, uint64_t node, const char *key) {
    qval x;
    int64_t k = gview_key_id(v, key, strlen(key));
    if (k < 0 || !gview_node_prop(v, node, (uint32_t)k, &x)) return -999;
    return x.type == QT_INT ? x.i : (int64_t)x.f;
}

/* Relationship ids of an expansion, as a bitmask (ids < 64). */
static uint64_t expand_mask(gview *v, uint64_t node, gdir dir, const char *type) {
    uint32_t ty = 0;
    if (type) ty = (uint32_t)gview_type_id(v, type, strlen(type));
    gadj_iter it;
    gadj buf[4];
    uint32_t k;
    uint64_t m = 0, n = 0;
    gview_expand(v, node, dir, type ? &ty : NULL, type ? 1 : 0, &it);
    while ((k = gadj_iter_next(&it, buf, 4)) > 0)
        for (uint32_t i = 0; i < k; i++) {
            if (buf[i].rel < 64 && (m & (1ull << buf[i].rel)))
                fail_msg("relationship %llu reported twice", (unsigned long long)buf[i].rel);
            m = buf[i].rel < 64 ? m | 1ull << buf[i].rel : m + (buf[i].rel * 0x9e3779b97f4a7c15ull | 1);
            n++;
        }
    assert_int_equal(gview_degree(v, node, dir, type ? &ty : NULL, type ? 1 : 0), n);
    return m;
}

static uint64_t scan_mask(gview *v, const char *label) {
    gnode_iter it;
    uint64_t ids[3], m = 0;
    uint32_t k;
    gview_nodes(v, label ? gview_label_id(v, label, strlen(label)) : -1, &it);
    while ((k = gnode_iter_next(&it, ids, 3)) > 0)
        for (uint32_t i = 0; i < k; i++) m = ids[i] < 64 ? m | 1ull << ids[i] : m + (ids[i] * 0x9e3779b97f4a7c15ull | 1);
    return m;
}

/* ---------- an empty graph ---------- */

static void test_empty_graph(void **state) {
    (void)state;
    graph *g = graph_new("e", "e", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gview *v0 = gview_open(g, &err);
    assert_int_equal(gview_node_count(v0), 0);
    uint64_t mem0 = graph_memory_bytes(g);
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a = create(t, "Person", "name", S("ann"), qv_int(7));
    uint64_t b = create(t, "Person", "name", S("bob"), qv_null());
    uint64_t r = rel(t, a, b, "KNOWS");
    gview *tv = gtxn_view(t);
    assert_true(gview_node_exists(tv, a));
    assert_int_equal(gview_node_count(tv), 2);
    assert_int_equal(gview_node_by_ext_id(tv, qv_int(7)), a);
    commit(t);
    assert_true(graph_memory_bytes(g) > mem0 + 16384 * 40);   /* a slot chunk at least */
    assert_int_equal(gview_node_count(v0), 0);
    assert_false(gview_node_exists(v0, a));
    gview_close(v0);

    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 2);
    assert_int_equal(gview_rel_count(v), 1);
    uint32_t person = (uint32_t)gview_label_id(v, "Person", 6);
    assert_int_equal(gview_label_count(v, person), 2);
    assert_int_equal(gview_type_count(v, (uint32_t)gview_type_id(v, "KNOWS", 5)), 1);
    qval x;
    assert_true(gview_node_prop(v, a, (uint32_t)gview_key_id(v, "name", 4), &x));
    assert_int_equal(x.type, QT_STRING);
    assert_memory_equal(x.s, "ann", 3);
    qval e = gview_node_ext_id(v, b);
    assert_int_equal(e.type, QT_STRING);
    assert_int_equal(e.len, 36);
    assert_int_equal(e.s[14], '4');   /* UUID v4 */
    assert_int_equal(gview_node_by_ext_id(v, e), b);
    assert_int_equal(gview_node_by_ext_id(v, S("7")), GID_NONE);   /* a string never matches an integer id */
    uint64_t s, d;
    uint32_t ty;
    gview_rel_info(v, r, &s, &d, &ty);
    assert_int_equal(s, a);
    assert_int_equal(d, b);
    assert_int_equal(expand_mask(v, a, GDIR_OUT, NULL), 1ull << r);
    assert_int_equal(expand_mask(v, a, GDIR_IN, NULL), 0);
    assert_int_equal(expand_mask(v, b, GDIR_IN, "KNOWS"), 1ull << r);
    assert_int_equal(scan_mask(v, "Person"), 3);
    gview_close(v);

    /* a duplicate external id fails; once its node is deleted the id is free again */
    t = gtxn_begin(g, &err);
    uint32_t l = 0;
    uint64_t id;
    assert_int_equal(gtxn_node_create(t, &l, 0, NULL, 0, qv_int(7), &id, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_int_equal(gtxn_node_delete(t, a, true, &err), 0);
    assert_int_equal(gtxn_node_create(t, &l, 0, NULL, 0, qv_int(7), &id, &err), 0);
    assert_int_equal(gview_node_by_ext_id(gtxn_view(t), qv_int(7)), id);
    commit(t);
    v = gview_open(g, &err);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(7)), id);
    uint64_t ln, lr;
    graph_live_counts(g, &ln, &lr);
    assert_int_equal(ln, 2);
    assert_int_equal(lr, 0);
    assert_true(graph_has_writes(g));
    assert_false(gview_rel_exists(v, r));
    assert_int_equal(gview_rel_count(v), 0);
    assert_int_equal(gview_label_count(v, person), 1);
    gview_close(v);
    graph_free(g);
}

/* ---------- a loader-built graph: reads, writes, adjacency over base + delta ---------- */

static void test_base_graph(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 4);
    assert_int_equal(gview_rel_count(v), 4);
    assert_int_equal(gview_label_count(v, (uint32_t)gview_label_id(v, "Person", 6)), 3);
    assert_int_equal(scan_mask(v, "Admin"), 1 << 2);
    assert_int_equal(scan_mask(v, NULL), 15);
    assert_int_equal(iprop(v, 2, "age"), 33);
    assert_int_equal(iprop(v, 3, "age"), -999);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(30)), 2);
    assert_int_equal(gview_node_ext_id(v, 3).i, 40);
    /* base adjacency: self-loop 1 reported once with BOTH */
    assert_int_equal(expand_mask(v, 0, GDIR_OUT, NULL), 0x3);
    assert_int_equal(expand_mask(v, 0, GDIR_IN, NULL), 0xa);
    assert_int_equal(expand_mask(v, 0, GDIR_BOTH, NULL), 0xb);
    assert_int_equal(expand_mask(v, 0, GDIR_BOTH, "LIKES"), 0xa);
    qval w;
    assert_true(gview_rel_prop(v, 3, (uint32_t)gview_key_id(v, "w", 1), &w));
    assert_true(w.type == QT_FLOAT && w.f == 3);

    gtxn *t = gtxn_begin(g, &err);
    uint32_t age = gtxn_key(t, "age", 3), admin = gtxn_label(t, "Admin", 5);
    assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(50), &err), 0);
    assert_int_equal(gtxn_node_add_label(t, 0, admin, &err), 0);
    assert_int_equal(gtxn_node_remove_label(t, 2, admin, &err), 0);
    assert_int_equal(gtxn_rel_delete(t, 1, &err), 0);            /* the base self-loop */
    uint64_t n5 = create(t, "Admin", NULL, qv_null(), S("five"));
    uint64_t r4 = rel(t, 0, n5, "LIKES"), r5 = rel(t, n5, 0, "KNOWS"), r6 = rel(t, n5, n5, "KNOWS");
    assert_int_equal(n5, 4);
    assert_int_equal(r4, 4);
    gview *tv = gtxn_view(t);
    assert_int_equal(scan_mask(tv, "Admin"), 1 | 1 << 4);
    assert_int_equal(expand_mask(tv, 0, GDIR_OUT, NULL), 0x11);
    commit(t);

    /* the old view still sees the base state */
    assert_int_equal(iprop(v, 0, "age"), 31);
    assert_int_equal(scan_mask(v, "Admin"), 1 << 2);
    assert_int_equal(expand_mask(v, 0, GDIR_BOTH, NULL), 0xb);
    assert_int_equal(gview_rel_count(v), 4);
    gview_close(v);

    v = gview_open(g, &err);
    assert_int_equal(iprop(v, 0, "age"), 50);
    assert_int_equal(iprop(v, 1, "age"), 32);
    assert_int_equal(scan_mask(v, "Admin"), 1 | 1 << 4);
    assert_int_equal(scan_mask(v, "Person"), 7);
    assert_int_equal(gview_label_count(v, admin), 2);
    assert_int_equal(gview_rel_count(v), 6);
    assert_int_equal(expand_mask(v, 0, GDIR_OUT, NULL), 1 << 0 | 1ull << r4);
    assert_int_equal(expand_mask(v, 0, GDIR_IN, NULL), 1 << 3 | 1ull << r5);
    assert_int_equal(expand_mask(v, 0, GDIR_BOTH, "KNOWS"), 1 << 0 | 1ull << r5);
    assert_int_equal(expand_mask(v, 0, GDIR_BOTH, "LIKES"), 1 << 3 | 1ull << r4);
    assert_int_equal(expand_mask(v, n5, GDIR_BOTH, NULL), 1ull << r4 | 1ull << r5 | 1ull << r6);
    assert_int_equal(expand_mask(v, n5, GDIR_IN, NULL), 1ull << r4 | 1ull << r6);
    assert_int_equal(gview_node_by_ext_id(v, S("five")), n5);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(10)), 0);
    uint32_t labs[4];
    assert_int_equal(gview_node_labels(v, 0, labs, 4), 2);
    gprop *props;
    qv_arena a;
    qv_arena_init(&a);
    assert_int_equal(gview_node_props(v, 0, &a, &props), 1);
    assert_int_equal(props[0].value.i, 50);
    qv_arena_free(&a);
    gview_close(v);
    graph_free(g);
}

/* ---------- DELETE vs DETACH DELETE ---------- */

static void test_delete_detach(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_delete(t, 0, false, &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    assert_non_null(strstr(err.msg, "still has relationships"));
    assert_int_equal(gtxn_node_delete(t, 3, false, &err), 0);   /* 40 has none */
    assert_int_equal(gtxn_node_delete(t, 3, false, &err), 0);   /* again: no-op */
    assert_int_equal(gtxn_node_delete(t, 0, true, &err), 0);
    size_t n;
    const gchange *ch = gtxn_changes(t, &n);
    int rels = 0;
    for (size_t i = 0; i < n; i++) {
        if (ch[i].kind == GCH_REL_DELETE) rels++;
        if (ch[i].kind == GCH_NODE_DELETE && ch[i].id == 0) assert_int_equal(rels, 3);
    }
    assert_int_equal(rels, 3);   /* 0, 1 (self-loop, once), 3 */
    gview *tv = gtxn_view(t);
    assert_int_equal(gview_rel_count(tv), 1);
    assert_int_equal(expand_mask(tv, 1, GDIR_BOTH, NULL), 1 << 2);
    assert_int_equal(gtxn_node_set_prop(t, 0, 0, qv_int(1), &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    uint64_t id;
    assert_int_equal(gtxn_rel_create(t, 1, 0, 0, NULL, 0, &id, &err), -1);
    commit(t);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 2);
    assert_int_equal(scan_mask(v, NULL), 6);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(10)), GID_NONE);
    assert_int_equal(gview_label_count(v, (uint32_t)gview_label_id(v, "Person", 6)), 2);
    gview_close(v);
    graph_free(g);
}

/* ---------- uniqueness constraints ---------- */

static void test_unique(void **state) {
    (void)state;
    graph *g = graph_new("u", "u", false, GRAPH_ID_INTEGER, NULL);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), email = gtxn_key(t, "email", 5);
    assert_int_equal(gtxn_create_unique(t, "person_email", person, email, false, &err), 0);
    assert_int_equal(gtxn_create_unique(t, "person_email", person, email, false, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_int_equal(gtxn_create_unique(t, "person_email", person, email, true, &err), 0);
    uint64_t a = create(t, "Person", "email", S("a@x"), qv_null());
    uint64_t b = create(t, "Person", "email", S("b@x"), qv_null());
    uint64_t c = create(t, NULL, "email", S("a@x"), qv_null());   /* no label: not constrained */
    gprop p = {email, S("a@x")};
    uint64_t id;
    assert_int_equal(gtxn_node_create(t, &person, 1, &p, 1, qv_null(), &id, &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    assert_non_null(strstr(err.msg, "Person"));
    assert_non_null(strstr(err.msg, "email"));
    assert_non_null(strstr(err.msg, "'a@x'"));
    assert_int_equal(gtxn_node_set_prop(t, b, email, S("a@x"), &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    assert_int_equal(gtxn_node_add_label(t, c, person, &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    assert_int_equal(gtxn_node_set_prop(t, a, email, S("a@x"), &err), 0);   /* its own value */
    commit(t);

    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_delete(t, a, false, &err), 0);
    assert_int_equal(gtxn_node_add_label(t, c, person, &err), 0);   /* a@x is free now */
    uint32_t city = gtxn_key(t, "city", 4);
    assert_int_equal(gtxn_node_set_prop(t, b, city, S("Oslo"), &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, c, city, S("Oslo"), &err), 0);
    assert_int_equal(gtxn_create_unique(t, "person_city", person, city, false, &err), -1);
    assert_int_equal(err.code, QV_ECONSTRAINT);
    commit(t);

    gview *v = gview_open(g, &err);
    qv_arena ar;
    qv_arena_init(&ar);
    gindex_info *info;
    assert_int_equal(gview_indexes(v, &ar, &info), 1);
    assert_string_equal(info[0].constraint, "person_email");
    assert_true(info[0].unique);
    gnode_iter it;
    uint64_t ids[4];
    assert_true(gview_node_index_seek(v, person, email, S("a@x"), &it));
    assert_int_equal(gnode_iter_next(&it, ids, 4), 1);
    assert_int_equal(ids[0], c);
    qv_arena_free(&ar);
    gview_close(v);

    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_drop_index(t, "person_email", false, &err), -1);
    assert_int_equal(gtxn_drop_constraint(t, "person_email", false, &err), 0);
    assert_int_equal(gtxn_drop_constraint(t, "person_email", false, &err), -1);
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_int_equal(gtxn_drop_constraint(t, "person_email", true, &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, b, email, S("a@x"), &err), 0);
    commit(t);
    graph_free(g);
}

/* ---------- index seeks ---------- */

static uint64_t seek_mask(gview *v, uint32_t label, uint32_t key, qval value) {
    gnode_iter it;
    uint64_t ids[2], m = 0;
    uint32_t k;
    if (!gview_node_index_seek(v, label, key, value, &it)) return UINT64_MAX;
    while ((k = gnode_iter_next(&it, ids, 2)) > 0)
        for (uint32_t i = 0; i < k; i++) {
            if (ids[i] < 64 && (m & (1ull << ids[i]))) fail_msg("node %llu twice", (unsigned long long)ids[i]);
            m = ids[i] < 64 ? m | 1ull << ids[i] : m + (ids[i] * 0x9e3779b97f4a7c15ull | 1);
        }
    return m;
}

static void test_index_seek(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gview *v0 = gview_open(g, &err);
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), age = gtxn_key(t, "age", 3), w = gtxn_key(t, "w", 1);
    uint32_t knows = gtxn_type(t, "KNOWS", 5);
    assert_int_equal(gtxn_create_index(t, NULL, GINDEX_NODE, person, age, false, &err), 0);
    assert_int_equal(gtxn_create_index(t, "again", GINDEX_NODE, person, age, false, &err), -1);
    assert_int_equal(gtxn_create_index(t, NULL, GINDEX_REL, knows, w, false, &err), 0);
    commit(t);
    assert_false(gview_has_node_index(v0, person, age));   /* created after the view */
    gview_close(v0);

    gview *v = gview_open(g, &err);
    assert_true(gview_has_node_index(v, person, age));
    assert_int_equal(seek_mask(v, person, age, qv_int(33)), 1 << 2);
    assert_int_equal(seek_mask(v, person, age, qv_float(33.0)), 1 << 2);
    assert_int_equal(seek_mask(v, person, age, qv_float(33.5)), 0);
    assert_int_equal(seek_mask(v, person, age, S("33")), 0);
    assert_int_equal(seek_mask(v, person, age, qv_null()), 0);
    qmapent me = {.key = "a", .klen = 1, .v = qv_int(33)};
    assert_int_equal(seek_mask(v, person, age, qv_map_ref(&me, 1)), 0);   /* never stored, never equal */
    assert_int_equal(seek_mask(v, person, age, qv_float(0.0 / 0.0)), 0);
    grel_iter ri;
    uint64_t ids[4];
    assert_true(gview_rel_index_seek(v, knows, w, qv_int(2), &ri));
    assert_int_equal(grel_iter_next(&ri, ids, 4), 1);
    assert_int_equal(ids[0], 2);

    t = gtxn_begin(g, &err);
    uint64_t n = create(t, "Person", "age", qv_float(33.0), qv_null());
    assert_int_equal(gtxn_node_set_prop(t, 1, age, qv_int(33), &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, 2, age, qv_int(60), &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, 2, age, qv_int(33), &err), 0);   /* back: posted once */
    assert_int_equal(gtxn_node_set_prop(t, 3, age, qv_int(33), &err), 0);   /* no label */
    assert_int_equal(seek_mask(gtxn_view(t), person, age, qv_int(33)), 1 << 1 | 1 << 2 | 1ull << n);
    assert_int_equal(gtxn_node_remove_label(t, 1, person, &err), 0);
    assert_int_equal(gtxn_node_add_label(t, 3, person, &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, 2, age, qv_null(), &err), 0);
    commit(t);
    assert_int_equal(seek_mask(v, person, age, qv_int(33)), 1 << 2);   /* the old snapshot */
    gview_close(v);
    v = gview_open(g, &err);
    assert_int_equal(seek_mask(v, person, age, qv_int(33)), 1 << 3 | 1ull << n);
    assert_int_equal(seek_mask(v, person, age, qv_float(33)), 1 << 3 | 1ull << n);
    gview_close(v);
    graph_free(g);
}

/* ---------- rollback leaves nothing behind ---------- */

/* Everything observable through a view, as text. */
static char *fingerprint(graph *g, gview *v) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    qv_arena a;
    qv_arena_init(&a);
    fprintf(f, "n=%llu r=%llu\n", (unsigned long long)gview_node_count(v), (unsigned long long)gview_rel_count(v));
    uint32_t nl = gview_n_labels(v), nt = gview_n_types(v), nk = gview_n_keys(v);
    for (uint32_t l = 0; l < nl; l++)
        fprintf(f, "label %s %llu scan %llx\n", gview_label_name(v, l), (unsigned long long)gview_label_count(v, l),
                (unsigned long long)scan_mask(v, gview_label_name(v, l)));
    for (uint32_t ty = 0; ty < nt; ty++) fprintf(f, "type %u %llu\n", ty, (unsigned long long)gview_type_count(v, ty));
    for (uint64_t id = 0; id < 1024; id++) {
        if (!gview_node_exists(v, id)) continue;
        uint32_t ls[16], n = gview_node_labels(v, id, ls, 16);
        fprintf(f, "node %llu labels", (unsigned long long)id);
        for (uint32_t i = 0; i < n; i++) fprintf(f, " %u", ls[i]);
        qval e = gview_node_ext_id(v, id);
        if (e.type == QT_INT) fprintf(f, " ext %lld", (long long)e.i);
        else fprintf(f, " ext %.*s", (int)e.len, e.s);
        assert_int_equal(gview_node_by_ext_id(v, e), id);
        gprop *p;
        uint32_t np = gview_node_props(v, id, &a, &p);
        for (uint32_t i = 0; i < np; i++)
            fprintf(f, " %u=%lld", p[i].key, p[i].value.type == QT_INT ? (long long)p[i].value.i : -1ll);
        for (uint32_t k = 0; k < nk && k < 4; k++) {
            qval x;
            if (gview_node_prop(v, id, k, &x)) fprintf(f, " [%u]", k);
        }
        fprintf(f, " out %llx in %llx\n", (unsigned long long)expand_mask(v, id, GDIR_OUT, NULL),
                (unsigned long long)expand_mask(v, id, GDIR_IN, NULL));
    }
    for (int64_t x = 0; x < 60; x++) fprintf(f, "ext %lld -> %lld\n", (long long)x, (long long)gview_node_by_ext_id(v, qv_int(x)));
    for (uint64_t r = 0; r < 1024; r++) {
        if (!gview_rel_exists(v, r)) continue;
        uint64_t s, d;
        uint32_t ty;
        gview_rel_info(v, r, &s, &d, &ty);
        gprop *p;
        uint32_t np = gview_rel_props(v, r, &a, &p);
        fprintf(f, "rel %llu %llu->%llu %u props %u\n", (unsigned long long)r, (unsigned long long)s,
                (unsigned long long)d, ty, np);
    }
    gindex_info *ix;
    uint32_t ni = gview_indexes(v, &a, &ix);
    for (uint32_t i = 0; i < ni; i++) {
        fprintf(f, "index %s\n", ix[i].name);
        for (int64_t val = 0; val < 8; val++)
            fprintf(f, " seek %lld %llx\n", (long long)val,
                    (unsigned long long)seek_mask(v, ix[i].token, ix[i].key, qv_int(val)));
    }
    (void)g;
    qv_arena_free(&a);
    fclose(f);
    return buf;
}

static void random_writes(gtxn *t, unsigned *seed, int n) {
    qv_err err;
    uint32_t lab[3] = {gtxn_label(t, "Person", 6), gtxn_label(t, "Admin", 5), gtxn_label(t, "New", 3)};
    uint32_t key[3] = {gtxn_key(t, "age", 3), gtxn_key(t, "k", 1), gtxn_key(t, "fresh", 5)};
    uint32_t ty = gtxn_type(t, "KNOWS", 5);
    gview *tv = gtxn_view(t);
    for (int i = 0; i < n; i++) {
        uint64_t nodes = 60, node = (uint64_t)rand_r(seed) % 48;
        int op = rand_r(seed) % 10;
        qval val = qv_int(rand_r(seed) % 8);
        uint64_t id;
        switch (op) {
        case 0: {
            gprop p = {key[rand_r(seed) % 3], val};
            if (gview_node_count(tv) < 40)
                gtxn_node_create(t, &lab[rand_r(seed) % 3], 1, &p, 1, rand_r(seed) % 2 ? qv_int(20 + rand_r(seed) % 40) : qv_null(),
                                 &id, &err);
            break;
        }
        case 1:
            if (rand_r(seed) % 4 == 0) gtxn_node_delete(t, node, rand_r(seed) % 2, &err);
            break;
        case 2: case 3: gtxn_node_set_prop(t, node, key[rand_r(seed) % 3], rand_r(seed) % 5 ? val : qv_null(), &err); break;
        case 4: gtxn_node_add_label(t, node, lab[rand_r(seed) % 3], &err); break;
        case 5: gtxn_node_remove_label(t, node, lab[rand_r(seed) % 3], &err); break;
        case 6:
            if (gview_rel_count(tv) < 40) gtxn_rel_create(t, node, (uint64_t)rand_r(seed) % 48, ty, NULL, 0, &id, &err);
            break;
        case 7: gtxn_rel_delete(t, (uint64_t)rand_r(seed) % 80, &err); break;
        case 8: gtxn_rel_set_prop(t, (uint64_t)rand_r(seed) % 80, key[1], val, &err); break;
        default: gtxn_node_clear_props(t, node % nodes, &err); break;
        }
    }
}

static void test_rollback_1000(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), age = gtxn_key(t, "age", 3);
    assert_int_equal(gtxn_create_index(t, "by_age", GINDEX_NODE, person, age, false, &err), 0);
    uint32_t admin = gtxn_label(t, "Admin", 5), k = gtxn_key(t, "k", 1);
    assert_int_equal(gtxn_create_unique(t, "admin_k", admin, k, false, &err), 0);
    commit(t);
    unsigned seed = 42;
    t = gtxn_begin(g, &err);   /* some committed history first */
    random_writes(t, &seed, 60);
    commit(t);

    gview *v = gview_open(g, &err);
    char *before = fingerprint(g, v);
    gview_close(v);
    for (int round = 0; round < 3; round++) {
        t = gtxn_begin(g, &err);
        random_writes(t, &seed, 1000);
        if (round == 1) assert_int_equal(gtxn_drop_index(t, "by_age", false, &err), 0);
        if (round == 2) assert_int_equal(gtxn_create_index(t, "tmp", GINDEX_NODE, admin, age, false, &err), 0);
        size_t n;
        gtxn_changes(t, &n);
        if (n < 300) fail_msg("only %zu changes", n);
        gtxn_rollback(t);
        v = gview_open(g, &err);
        char *after = fingerprint(g, v);
        gview_close(v);
        assert_string_equal(before, after);
        free(after);
    }
    /* and the graph still takes writes */
    t = gtxn_begin(g, &err);
    random_writes(t, &seed, 200);
    gview *tv = gtxn_view(t);
    char *mid = fingerprint(g, tv);
    assert_string_not_equal(before, mid);   /* the fingerprint does see writes */
    commit(t);
    v = gview_open(g, &err);
    char *after = fingerprint(g, v);
    gview_close(v);
    assert_string_equal(mid, after);
    free(mid);
    free(after);
    free(before);
    graph_free(g);
}

/* ---------- the commit hook ---------- */

typedef struct hookstate {
    int calls;
    size_t n;
    uint64_t csn;
    bool fail;
} hookstate;

static int hook(void *ctx, graph *g, uint64_t csn, const gchange *ch, size_t n, qv_err *err) {
    (void)g;
    hookstate *h = ctx;
    h->calls++;
    h->n = n;
    h->csn = csn;
    assert_int_equal(ch[0].kind, GCH_TOKEN);
    if (h->fail) return qv_err_set(err, QV_EIO, "disk full");
    return 0;
}

static void test_commit_hook(void **state) {
    (void)state;
    graph *g = graph_new("h", "h", false, GRAPH_ID_INTEGER, NULL);
    hookstate h = {0};
    graph_set_commit_hook(g, hook, &h);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    create(t, "A", "x", qv_int(1), qv_null());
    commit(t);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.n, 5);   /* token A, token x, create, label, set */
    assert_int_equal(h.csn, 1);
    h.fail = true;
    t = gtxn_begin(g, &err);
    create(t, "B", NULL, qv_null(), qv_int(5));
    assert_int_equal(gtxn_commit(t, &err), -1);
    assert_int_equal(err.code, QV_EIO);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_node_count(v), 1);
    assert_int_equal(gview_node_by_ext_id(v, qv_int(5)), GID_NONE);
    gview_close(v);
    h.fail = false;
    t = gtxn_begin(g, &err);
    commit(t);   /* nothing written: no hook, no commit */
    assert_int_equal(h.calls, 2);
    graph_free(g);
}

/* ---------- every name a commit uses is in a committed GCH_TOKEN (the WAL can replay it) ---------- */

static size_t count_kind(gtxn *t, uint8_t kind) {
    size_t n, k = 0;
    const gchange *ch = gtxn_changes(t, &n);
    for (size_t i = 0; i < n; i++) k += ch[i].kind == kind;
    return k;
}

static void test_tokens(void **state) {
    (void)state;
    graph *g = base_graph();   /* loaded names (Person, age, KNOWS, ...) need no GCH_TOKEN */
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), age = gtxn_key(t, "age", 3);
    assert_int_equal(count_kind(t, GCH_TOKEN), 0);
    uint32_t foo = gtxn_label(t, "Foo", 3);
    assert_int_equal(count_kind(t, GCH_TOKEN), 1);
    gtxn_rollback(t);   /* Foo stays interned, but no commit recorded it */

    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_label(t, "Foo", 3), foo);
    assert_int_equal(count_kind(t, GCH_TOKEN), 1);   /* recorded again */
    assert_int_equal(gtxn_label(t, "Foo", 3), foo);
    assert_int_equal(count_kind(t, GCH_TOKEN), 1);   /* once */
    commit(t);

    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_label(t, "Foo", 3), foo);
    uint32_t bar = gtxn_key(t, "bar", 3);
    gtxn_rollback(t);
    t = gtxn_begin(g, &err);   /* a name id from anywhere, used by a write, is recorded before the write */
    assert_int_equal(gtxn_node_set_prop(t, 0, bar, qv_int(1), &err), 0);
    size_t n;
    const gchange *ch = gtxn_changes(t, &n);
    assert_int_equal(n, 2);
    assert_int_equal(ch[0].kind, GCH_TOKEN);
    assert_int_equal(ch[0].aux, 2);
    assert_int_equal(ch[0].token, bar);
    assert_int_equal(ch[0].value.len, 3);
    assert_memory_equal(ch[0].value.s, "bar", 3);
    assert_int_equal(ch[1].kind, GCH_NODE_SET);
    assert_int_equal(gtxn_node_set_prop(t, 1, age, qv_int(2), &err), 0);
    assert_int_equal(gtxn_node_add_label(t, 3, person, &err), 0);
    assert_int_equal(count_kind(t, GCH_TOKEN), 1);
    commit(t);
    graph_free(g);
}

/* ---------- a scan's range is fixed when it starts ---------- */

static void test_scan_fixed_range(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    gview *tv = gtxn_view(t);
    gnode_iter all, lab;
    gview_nodes(tv, -1, &all);
    gview_nodes(tv, gview_label_id(tv, "Person", 6), &lab);
    uint64_t id;
    int seen = 0, seen_l = 0;
    while (gnode_iter_next(&all, &id, 1) == 1) {
        create(t, "Person", NULL, qv_null(), qv_null());
        seen++;
    }
    while (gnode_iter_next(&lab, &id, 1) == 1) {
        create(t, "Person", NULL, qv_null(), qv_null());
        seen_l++;
    }
    assert_int_equal(seen, 4);
    assert_int_equal(seen_l, 3);
    assert_int_equal(gview_node_count(tv), 11);
    gtxn_rollback(t);
    graph_free(g);
}

/* ---------- PUT_NODE_PROPERTIES on a graph that has been written ---------- */

static void test_proploader_after_writes(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), score = gtxn_key(t, "score", 5), age = gtxn_key(t, "age", 3);
    assert_int_equal(gtxn_create_index(t, NULL, GINDEX_NODE, person, score, false, &err), 0);
    assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(77), &err), 0);   /* node 0 gets a version */
    commit(t);
    gview *v = gview_open(g, &err);
    gproploader *p = gproploader_new(g, NULL, 0, false, pool, &err);
    uint32_t k;
    assert_int_equal(gproploader_prop_key(p, "score", GPROP_INT64, &k, &err), 0);
    gnode_chunk c = {.n = 2, .ids = HEAP(int64_t, 10, 30), .ncols = 1,
                     .cols = HEAP(gchunk_col, {.key = k, .type = GPROP_INT64, .values = HEAP(int64_t, 5, 6)})};
    assert_int_equal(gproploader_add(p, &c, &err), 0);
    uint64_t rows;
    assert_int_equal(gproploader_done(p, &rows, &err), 0);
    gproploader_free(p);
    assert_int_equal(iprop(v, 0, "age"), 77);
    gview_close(v);
    v = gview_open(g, &err);
    assert_int_equal(iprop(v, 0, "score"), 5);   /* written before the column came: still read from the base */
    assert_int_equal(iprop(v, 2, "score"), 6);
    assert_int_equal(seek_mask(v, person, score, qv_int(5)), 1);
    assert_int_equal(seek_mask(v, person, score, qv_float(6)), 1 << 2);
    gview_close(v);
    graph_free(g);
}

/* ---------- old versions are freed once no view can read them ---------- */

static int chain_len(graph *g, uint64_t node) {
    int n = 0;
    for (const gnver *x = gdelta_nslot(g->delta->gen, node)->ver; x; x = x->older) n++;
    return n;
}

static void test_version_trimming(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gview *old = gview_open(g, &err);
    uint32_t age = (uint32_t)gview_key_id(old, "age", 3);
    for (int i = 0; i < 300; i++) {
        gtxn *t = gtxn_begin(g, &err);
        assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(100 + i), &err), 0);
        commit(t);
    }
    assert_int_equal(iprop(old, 0, "age"), 31);   /* the old view still reads the base value */
    gview *mid = gview_open(g, &err);
    gview_close(old);
    for (int i = 0; i < 300; i++) {
        gtxn *t = gtxn_begin(g, &err);
        assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(1000 + i), &err), 0);
        commit(t);
    }
    assert_int_equal(iprop(mid, 0, "age"), 399);
    assert_true(chain_len(g, 0) <= 602);   /* epochs are coarse: bounded by the views, not exact */
    gview_close(mid);
    for (int i = 0; i < 5; i++) {
        gtxn *t = gtxn_begin(g, &err);
        assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(i), &err), 0);
        commit(t);
    }
    assert_true(chain_len(g, 0) <= 3);
    int len = chain_len(g, 0);
    uint64_t head = gdelta_nslot(g->delta->gen, 0)->ver->csn;
    gtxn *t = gtxn_begin(g, &err);   /* the very same value again: recorded, but no new version */
    assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_int(4), &err), 0);
    size_t nch;
    const gchange *ch = gtxn_changes(t, &nch);
    assert_int_equal(nch, 1);
    assert_int_equal(ch[0].kind, GCH_NODE_SET);
    assert_int_equal(ch[0].value.i, 4);
    commit(t);
    assert_int_equal(chain_len(g, 0), len);
    assert_int_equal(gdelta_nslot(g->delta->gen, 0)->ver->csn, head);
    t = gtxn_begin(g, &err);   /* 4.0 is equal, not the same: a new version */
    assert_int_equal(gtxn_node_set_prop(t, 0, age, qv_float(4.0), &err), 0);
    commit(t);
    assert_true(gdelta_nslot(g->delta->gen, 0)->ver->csn > head);
    gview *v = gview_open(g, &err);
    assert_int_equal(iprop(v, 0, "age"), 4);
    qval x;
    assert_true(gview_node_prop(v, 0, age, &x));
    assert_int_equal(x.type, QT_FLOAT);
    gview_close(v);
    graph_free(g);
}

static void same(const char *a, const char *b, int line) {
    if (strcmp(a, b) == 0) return;
    FILE *f = fopen("/tmp/fp_a.txt", "w"); fputs(a, f); fclose(f);
    f = fopen("/tmp/fp_b.txt", "w"); fputs(b, f); fclose(f);
    fail_msg("fingerprints differ (line %d)", line);
}

/* ---------- writers queue FIFO; a dropped graph refuses them ---------- */

typedef struct queued {
    graph *g;
    int rc;
    qv_code code;
} queued;

static void *queue_writer(void *arg) {
    queued *q = arg;
    qv_err err;
    gtxn *t = gtxn_begin(q->g, &err);
    q->rc = t ? 0 : -1;
    q->code = t ? QV_OK : err.code;
    if (t) gtxn_rollback(t);
    return NULL;
}

static void test_writer_queue_and_drop(void **state) {
    (void)state;
    gcatalog *cat = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_reserve(cat, "q", false, &err), 0);
    assert_int_equal(gcatalog_publish(cat, graph_new("q", "q", false, GRAPH_ID_INTEGER, NULL), &err), 0);
    graph *g = gcatalog_get(cat, "q");
    gtxn *t = gtxn_begin(g, &err);
    queued q = {.g = g, .rc = 1};
    pthread_t th;
    pthread_create(&th, NULL, queue_writer, &q);
    usleep(20000);
    assert_int_equal(__atomic_load_n(&q.rc, __ATOMIC_SEQ_CST), 1);   /* waiting for the slot, not failed */
    create(t, "A", NULL, qv_null(), qv_null());
    assert_int_equal(gcatalog_drop(cat, "q", &err), 0);
    commit(t);   /* a transaction already running still commits */
    pthread_join(th, NULL);
    assert_int_equal(q.rc, -1);
    assert_int_equal(q.code, QV_EPHASE);
    assert_null(gtxn_begin(g, &err));
    assert_int_equal(err.code, QV_EPHASE);
    gcatalog_release(cat, g);   /* the last reference frees it */
    gcatalog_free(cat);
}

/* ---------- ids, labels and keys that do not exist: answers, never crashes ---------- */

static void probe_all(gview *v, uint64_t id, uint32_t tok) {
    uint32_t ls[4];
    qval x;
    gprop *p;
    qv_arena a;
    qv_arena_init(&a);
    (void)gview_node_exists(v, id);
    (void)gview_node_labels(v, id, ls, 4);
    (void)gview_node_labels(v, id, NULL, 0);
    (void)gview_node_has_label(v, id, tok);
    (void)gview_node_prop(v, id, tok, &x);
    (void)gview_node_props(v, id, &a, &p);
    (void)gview_node_ext_id(v, id);
    (void)gview_rel_exists(v, id);
    uint64_t s, d;
    uint32_t t;
    gview_rel_info(v, id, &s, &d, &t);
    (void)gview_rel_prop(v, id, tok, &x);
    (void)gview_rel_props(v, id, &a, &p);
    (void)gview_degree(v, id, GDIR_BOTH, &tok, 1);
    (void)gview_label_name(v, tok);
    (void)gview_type_name(v, tok);
    (void)gview_key_name(v, tok);
    (void)gview_label_count(v, tok);
    (void)gview_type_count(v, tok);
    gnode_iter it;
    uint64_t ids[4];
    gview_nodes(v, tok, &it);
    while (gnode_iter_next(&it, ids, 4)) {}
    if (gview_node_index_seek(v, tok, tok, qv_int(1), &it))
        while (gnode_iter_next(&it, ids, 4)) {}
    grel_iter ri;
    gview_rels(v, tok, &ri);
    while (grel_iter_next(&ri, ids, 4)) {}
    (void)gview_rel_index_seek(v, tok, tok, qv_int(1), &ri);
    (void)gview_has_node_index(v, tok, tok);
    qv_arena_free(&a);
}

static void test_bad_ids(void **state) {
    (void)state;
    graph *g = base_graph();
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    create(t, "Person", "age", qv_int(1), qv_null());
    const uint64_t ids[] = {0, 3, 4, 5, 6, 1000, 1ull << 31, (1ull << 32) - 1, 1ull << 32, 1ull << 40, GID_NONE};
    const uint32_t toks[] = {0, 1, 2, 5, 65535, 65536, 1u << 20, UINT32_MAX};
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        for (size_t j = 0; j < sizeof toks / sizeof *toks; j++) {
            probe_all(gtxn_view(t), ids[i], toks[j]);
            uint64_t out;
            (void)gtxn_node_set_prop(t, ids[i], toks[j], qv_int(1), &err);
            (void)gtxn_node_add_label(t, ids[i], toks[j], &err);
            (void)gtxn_node_remove_label(t, ids[i], toks[j], &err);
            (void)gtxn_rel_create(t, ids[i], 0, toks[j], NULL, 0, &out, &err);
            (void)gtxn_rel_set_prop(t, ids[i], toks[j], qv_int(1), &err);
            (void)gtxn_rel_delete(t, ids[i] > 100 ? ids[i] : 100, &err);
            (void)gtxn_node_delete(t, ids[i] > 100 ? ids[i] : 100, true, &err);
        }
    commit(t);
    gview *v = gview_open(g, &err);
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++)
        for (size_t j = 0; j < sizeof toks / sizeof *toks; j++) probe_all(v, ids[i], toks[j]);
    assert_int_equal(gview_node_by_ext_id(v, qv_float(1.0)), GID_NONE);
    assert_int_equal(gview_node_by_ext_id(v, qv_null()), GID_NONE);
    gview_close(v);
    graph_free(g);
}

/* ---------- commits during a compaction's build are carried over ---------- */

static void test_compaction_catch_up(void **state) {
    (void)state;
    graph *g = base_graph();
    graph_set_compact_trigger(g, false, 0);
    qv_err err;
    unsigned seed = 99;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), age = gtxn_key(t, "age", 3);
    assert_int_equal(gtxn_create_index(t, "by_age", GINDEX_NODE, person, age, false, &err), 0);
    random_writes(t, &seed, 200);
    commit(t);
    for (int round = 0; round < 3; round++) {
        gview *before_v = gview_open(g, &err);
        char *before = fingerprint(g, before_v);
        gcompaction *c = gcompact_begin(g, &err);
        for (int i = 0; i < 3; i++) {   /* commits while it builds */
            t = gtxn_begin(g, &err);
            random_writes(t, &seed, 120);
            commit(t);
        }
        t = gtxn_begin(g, &err);
        random_writes(t, &seed, 100);
        gtxn_rollback(t);
        gview *mid_v = gview_open(g, &err);
        char *mid = fingerprint(g, mid_v);
        assert_int_equal(gcompact_finish(c, &err), 0);
        char *again = fingerprint(g, mid_v);   /* views from before the swap are unchanged */
        same(mid, again, __LINE__);
        free(again);
        again = fingerprint(g, before_v);
        same(before, again, __LINE__);
        free(again);
        gview_close(before_v);
        gview_close(mid_v);
        gview *v = gview_open(g, &err);
        char *after = fingerprint(g, v);
        same(mid, after, __LINE__);
        gview_close(v);
        /* and writes on the new generation */
        t = gtxn_begin(g, &err);
        random_writes(t, &seed, 150);
        char *w = fingerprint(g, gtxn_view(t));
        commit(t);
        v = gview_open(g, &err);
        char *w2 = fingerprint(g, v);
        same(w, w2, __LINE__);
        gview_close(v);
        free(w);
        free(w2);
        free(after);
        free(mid);
        free(before);
    }
    graph_free(g);
}

/* ---------- storable values are copied; the others are refused ---------- */

static void test_values(void **state) {
    (void)state;
    graph *g = graph_new("v", "v", false, GRAPH_ID_STRING, "id");
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t k = gtxn_key(t, "k", 1), lab = gtxn_label(t, "L", 1);
    uint64_t n;
    assert_int_equal(gtxn_node_create(t, &lab, 1, NULL, 0, S("n1"), &n, &err), 0);
    qmapent me = {.key = "num", .klen = 3, .v = qv_int(1)};
    qval map = qv_map_ref(&me, 1);
    qval maplist = qv_list_ref(&map, 1);
    qval mixed = qv_list_ref((qval[]){qv_int(1), qv_float(2.5)}, 2);
    qval withnull = qv_list_ref((qval[]){qv_int(1), qv_null()}, 2);
    assert_int_equal(gtxn_node_set_prop(t, n, k, maplist, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    assert_non_null(strstr(err.msg, "InvalidPropertyType"));
    assert_int_equal(gtxn_node_set_prop(t, n, k, map, &err), -1);
    assert_int_equal(gtxn_node_set_prop(t, n, k, mixed, &err), -1);
    assert_int_equal(gtxn_node_set_prop(t, n, k, withnull, &err), -1);
    assert_int_equal(gtxn_node_set_prop(t, n, k, qv_node(n), &err), -1);
    char buf[8] = "abc", buf2[8] = "xyz";
    qval strs[2] = {qv_str_ref(buf, 3), qv_str_ref(buf2, 3)};
    assert_int_equal(gtxn_node_set_prop(t, n, k, qv_list_ref(strs, 2), &err), 0);
    qtemporal tm = {.days = 19000, .nanos = 5, .offset = 3600, .zone = "Europe/Paris"};
    qval dt = {.type = QT_DATETIME};
    dt.tm = &tm;
    uint32_t k2 = gtxn_key(t, "when", 4);
    assert_int_equal(gtxn_node_set_prop(t, n, k2, dt, &err), 0);
    commit(t);
    memcpy(buf, "ZZZ", 3);   /* the graph kept its own copies */
    tm.days = 1;
    gview *v = gview_open(g, &err);
    qval x;
    assert_true(gview_node_prop(v, n, k, &x));
    assert_int_equal(x.type, QT_LIST);
    assert_int_equal(x.len, 2);
    assert_memory_equal(x.items[0].s, "abc", 3);
    assert_true(gview_node_prop(v, n, k2, &x));
    assert_int_equal(x.tm->days, 19000);
    assert_string_equal(x.tm->zone, "Europe/Paris");
    assert_int_equal(gview_node_by_ext_id(v, S("n1")), n);
    assert_int_equal(gview_node_ext_id(v, n).type, QT_STRING);
    gview_close(v);
    /* an index over temporal values: equal as value/ '=' says (every field), not merely the same instant */
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_create_index(t, NULL, GINDEX_NODE, lab, k2, false, &err), 0);
    commit(t);
    v = gview_open(g, &err);
    qtemporal same = {.days = 19000, .nanos = 5, .offset = 3600, .zone = "Europe/Paris"};
    qtemporal other = {.days = 19000, .nanos = 5 - 3600000000000ll, .offset = 0, .zone = NULL};
    qval q = {.type = QT_DATETIME};
    q.tm = &same;
    gnode_iter it;
    uint64_t ids[2];
    assert_true(gview_node_index_seek(v, lab, k2, q, &it));
    assert_int_equal(gnode_iter_next(&it, ids, 2), 1);
    q.tm = &other;
    assert_true(gview_node_index_seek(v, lab, k2, q, &it));
    assert_int_equal(gnode_iter_next(&it, ids, 2), 0);
    gview_close(v);
    graph_free(g);
}

/* ---------- compaction keeps everything and every id ---------- */


static void test_compaction(void **state) {
    (void)state;
    graph *g = base_graph();
    graph_set_compact_trigger(g, false, 0);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint32_t person = gtxn_label(t, "Person", 6), age = gtxn_key(t, "age", 3);
    assert_int_equal(gtxn_create_index(t, "by_age", GINDEX_NODE, person, age, false, &err), 0);
    commit(t);
    unsigned seed = 7;
    for (int i = 0; i < 5; i++) {
        t = gtxn_begin(g, &err);
        random_writes(t, &seed, 150);
        commit(t);
    }
    gview *before_v = gview_open(g, &err);
    char *before = fingerprint(g, before_v);
    assert_int_equal(graph_compact(g, &err), 0);
    assert_true(g->delta->gen->csn > 0);
    assert_non_null(g->delta->gen->out_rel);
    char *old_view = fingerprint(g, before_v);   /* a view from before the swap still reads its generation */
    same(before, old_view, __LINE__);
    gview_close(before_v);
    gview *v = gview_open(g, &err);
    char *after = fingerprint(g, v);
    same(before, after, __LINE__);
    gview_close(v);
    free(old_view);
    free(after);

    /* writes after the compaction: rolled back leave no trace, committed ones show, and compact again */
    t = gtxn_begin(g, &err);
    random_writes(t, &seed, 500);
    gtxn_rollback(t);
    v = gview_open(g, &err);
    after = fingerprint(g, v);
    same(before, after, __LINE__);
    gview_close(v);
    free(after);
    t = gtxn_begin(g, &err);
    random_writes(t, &seed, 300);
    char *mid = fingerprint(g, gtxn_view(t));
    commit(t);
    assert_int_equal(graph_compact(g, &err), 0);
    assert_int_equal(graph_compact(g, &err), 0);   /* nothing new: no-op */
    v = gview_open(g, &err);
    after = fingerprint(g, v);
    same(mid, after, __LINE__);
    gview_close(v);
    free(mid);
    free(after);
    free(before);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_graph),
        cmocka_unit_test(test_base_graph),
        cmocka_unit_test(test_delete_detach),
        cmocka_unit_test(test_unique),
        cmocka_unit_test(test_index_seek),
        cmocka_unit_test(test_rollback_1000),
        cmocka_unit_test(test_commit_hook),
        cmocka_unit_test(test_scan_fixed_range),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_proploader_after_writes),
        cmocka_unit_test(test_version_trimming),
        cmocka_unit_test(test_compaction),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_compaction_catch_up),
        cmocka_unit_test(test_bad_ids),
        cmocka_unit_test(test_writer_queue_and_drop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
