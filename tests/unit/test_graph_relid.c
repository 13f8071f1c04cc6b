/* test_graph_relid.c — relationship external ids (graph/grelid.h): set at creation and read back both ways
 * (an integer id is its decimal string, relationships without one read as "r<id>" and are found by it, a
 * relationship with one is not found by "r<id>"), carried in the change list, refused when a live relationship
 * has them (also within one transaction) or when reserved (r<digits>) or of another type, gone with a rollback
 * (the id reused without one reads "r<id>"), freed by a delete while older snapshots still see them, carried
 * through compactions (commits during the build included, deleted ones dropped), no table at all for graphs
 * that never use them, and thousands of ids with rollbacks in between. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/gdelta.h"
#include "graph/grelid.h"
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

/* n nodes with no id given (fresh UUIDs), committed. */
static void nodes(graph *g, uint64_t n) {
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id;
        assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_null(), &id, &err), 0);
    }
    commit(t);
}

static uint64_t rel(gtxn *t, qval ext) {
    qv_err err;
    uint64_t id = GID_NONE;
    uint32_t ty = gtxn_type(t, "T", 1);
    if (gtxn_rel_create_ext(t, 0, 1, ty, NULL, 0, ext, &id, &err)) fail_msg("create: %s", err.msg);
    return id;
}

static void assert_ext(gview *v, uint64_t r, const char *want) {
    qv_arena a;
    qv_arena_init(&a);
    qval x = gview_rel_ext_id(v, r, &a);
    assert_int_equal(x.type, QT_STRING);
    if (x.len != strlen(want) || memcmp(x.s, want, x.len) != 0)
        fail_msg("rel %llu: ~id '%.*s', want '%s'", (unsigned long long)r, (int)x.len, x.s, want);
    qv_arena_free(&a);
}

static void test_create_and_read(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a = rel(t, S("e1")), b = rel(t, qv_null()), c = rel(t, qv_int(42));
    size_t n;
    const gchange *ch = gtxn_changes(t, &n);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (ch[i].kind == GCH_REL_CREATE) {
            if (ch[i].id == a) assert_true(ch[i].value.type == QT_STRING && ch[i].value.len == 2), seen++;
            if (ch[i].id == b) assert_true(qv_is_null(ch[i].value)), seen++;
            if (ch[i].id == c) assert_true(ch[i].value.type == QT_STRING && memcmp(ch[i].value.s, "42", 2) == 0), seen++;
        }
    assert_int_equal(seen, 3);
    assert_int_equal(gview_rel_by_ext_id(gtxn_view(t), S("e1")), a);   /* its own writes */
    commit(t);
    gview *v = gview_open(g, &err);
    assert_ext(v, a, "e1");
    assert_ext(v, b, "r1");
    assert_ext(v, c, "42");
    assert_true(qv_is_null(gview_rel_user_ext_id(v, b)));
    assert_int_equal(gview_rel_by_ext_id(v, S("e1")), a);
    assert_int_equal(gview_rel_by_ext_id(v, S("r1")), b);
    assert_int_equal(gview_rel_by_ext_id(v, S("r0")), GID_NONE);   /* rel 0 has a user id */
    assert_int_equal(gview_rel_by_ext_id(v, S("r01")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, S("r9")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, S("r99999999999999999999999")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, qv_int(42)), c);
    assert_int_equal(gview_rel_by_ext_id(v, S("42")), c);
    assert_int_equal(gview_rel_by_ext_id(v, S("e2")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, qv_float(1.0)), GID_NONE);
    gview_close(v);
    graph_free(g);
}

static void test_refused(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    rel(t, S("e1"));
    uint64_t id;
    uint32_t ty = gtxn_type(t, "T", 1);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("e1"), &id, &err), -1);   /* same transaction */
    assert_int_equal(err.code, QV_EEXISTS);
    commit(t);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("e1"), &id, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    assert_non_null(strstr(err.msg, "'e1'"));
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("r5"), &id, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    assert_non_null(strstr(err.msg, "reserved"));
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("r0123"), &id, &err), -1);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, qv_float(2.5), &id, &err), -1);
    assert_int_equal(err.code, QV_EINVAL);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 7, ty, NULL, 0, S("e2"), &id, &err), -1);   /* no node 7 */
    assert_int_equal(err.code, QV_ENOTFOUND);
    assert_int_equal(gview_rel_by_ext_id(gtxn_view(t), S("e2")), GID_NONE);
    /* ids that merely look like the reserved form are allowed */
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("r"), &id, &err), 0);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("r1x"), &id, &err), 0);
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, ty, NULL, 0, S("R1"), &id, &err), 0);
    commit(t);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_rel_count(v), 4);
    assert_int_equal(gview_rel_by_ext_id(v, S("r1x")), 2);
    gview_close(v);
    graph_free(g);
}

static void test_rollback(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    rel(t, S("keep"));
    commit(t);
    t = gtxn_begin(g, &err);
    uint64_t a = rel(t, S("gone"));
    for (int i = 0; i < 40; i++) {   /* grows the log and the tables inside the transaction */
        char b[16];
        snprintf(b, sizeof b, "x%d", i);
        rel(t, S(b));
    }
    gtxn_rollback(t);
    t = gtxn_begin(g, &err);
    uint64_t b = rel(t, qv_null());   /* the same id again, without an id */
    assert_int_equal(a, b);
    commit(t);
    gview *v = gview_open(g, &err);
    assert_ext(v, b, "r1");
    assert_ext(v, 0, "keep");
    assert_int_equal(gview_rel_by_ext_id(v, S("gone")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, S("x3")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(v, S("r1")), b);
    assert_int_equal(gview_rel_by_ext_id(v, S("keep")), 0);
    gview_close(v);
    t = gtxn_begin(g, &err);
    uint64_t c = rel(t, S("gone"));   /* free again */
    commit(t);
    v = gview_open(g, &err);
    assert_int_equal(gview_rel_by_ext_id(v, S("gone")), c);
    assert_int_equal(grelid_count(v->gen), 2);
    gview_close(v);
    graph_free(g);
}

static void test_delete(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a = rel(t, S("e1"));
    commit(t);
    gview *old = gview_open(g, &err);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_delete(t, a, &err), 0);
    assert_int_equal(gview_rel_by_ext_id(gtxn_view(t), S("e1")), GID_NONE);
    uint64_t b = rel(t, S("e1"));   /* deleted in this transaction: the id is free at once */
    commit(t);
    gview *v = gview_open(g, &err);
    assert_int_equal(gview_rel_by_ext_id(v, S("e1")), b);
    assert_int_equal(gview_rel_by_ext_id(old, S("e1")), a);   /* the snapshot before the delete */
    assert_ext(old, a, "e1");
    gview_close(v);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_node_delete(t, 0, true, &err), 0);   /* DETACH DELETE takes the relationship along */
    commit(t);
    v = gview_open(g, &err);
    assert_int_equal(gview_rel_by_ext_id(v, S("e1")), GID_NONE);
    gview_close(v);
    assert_int_equal(gview_rel_by_ext_id(old, S("e1")), a);
    gview_close(old);
    graph_free(g);
}

static void test_lazy(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    for (int i = 0; i < 100; i++) rel(t, qv_null());
    commit(t);
    gview *v = gview_open(g, &err);
    assert_null(v->gen->relid);
    assert_ext(v, 7, "r7");
    assert_int_equal(gview_rel_by_ext_id(v, S("r7")), 7);
    assert_int_equal(gview_rel_by_ext_id(v, S("anything")), GID_NONE);
    assert_null(v->gen->relid);   /* lookups make nothing */
    gview_close(v);
    assert_int_equal(graph_compact(g, &err), 0);
    v = gview_open(g, &err);
    assert_null(v->gen->relid);
    assert_ext(v, 99, "r99");
    gview_close(v);
    graph_free(g);
}

static void test_compaction(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t a = rel(t, S("a")), b = rel(t, S("b")), plain = rel(t, qv_null());
    commit(t);
    gview *before = gview_open(g, &err);
    t = gtxn_begin(g, &err);
    assert_int_equal(gtxn_rel_delete(t, b, &err), 0);
    commit(t);
    /* a commit during the build is carried over */
    gcompaction *c = gcompact_begin(g, &err);
    t = gtxn_begin(g, &err);
    uint64_t late = rel(t, S("late"));
    commit(t);
    assert_int_equal(gcompact_finish(c, &err), 0);
    gview *v = gview_open(g, &err);
    assert_ptr_not_equal(v->gen, before->gen);
    assert_int_equal(grelid_count(v->gen), 2);   /* "b" was deleted before the snapshot: dropped */
    assert_ext(v, a, "a");
    assert_ext(v, plain, "r2");
    assert_ext(v, late, "late");
    assert_int_equal(gview_rel_by_ext_id(v, S("late")), late);
    assert_int_equal(gview_rel_by_ext_id(v, S("b")), GID_NONE);
    assert_int_equal(gview_rel_by_ext_id(before, S("b")), b);   /* the old generation is untouched */
    gview_close(before);
    gview_close(v);
    /* writes after the compaction go to the new generation's table; another compaction keeps them */
    t = gtxn_begin(g, &err);
    uint64_t after = rel(t, S("after"));
    assert_int_equal(gtxn_rel_create_ext(t, 1, 0, gtxn_type(t, "T", 1), NULL, 0, S("late"), &(uint64_t){0}, &err), -1);
    assert_int_equal(err.code, QV_EEXISTS);
    commit(t);
    assert_int_equal(graph_compact(g, &err), 0);
    v = gview_open(g, &err);
    assert_ext(v, after, "after");
    assert_ext(v, a, "a");
    assert_int_equal(gview_rel_by_ext_id(v, S("a")), a);
    assert_int_equal(gview_rel_by_ext_id(v, S("r2")), plain);
    assert_int_equal(grelid_count(v->gen), 3);
    gview_close(v);
    graph_free(g);
}

/* The graph's first relationship id arrives while a compaction builds: the catch-up makes the new table. */
static void test_first_id_during_compaction(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    gtxn *t = gtxn_begin(g, &err);
    uint64_t plain = rel(t, qv_null());
    commit(t);
    gcompaction *c = gcompact_begin(g, &err);
    t = gtxn_begin(g, &err);
    uint64_t first = rel(t, S("first"));
    commit(t);
    assert_int_equal(gcompact_finish(c, &err), 0);
    gview *v = gview_open(g, &err);
    assert_non_null(v->gen->relid);
    assert_int_equal(grelid_count(v->gen), 1);
    assert_ext(v, first, "first");
    assert_ext(v, plain, "r0");
    assert_int_equal(gview_rel_by_ext_id(v, S("first")), first);
    gview_close(v);
    graph_free(g);
}

static void test_many(void **state) {
    (void)state;
    graph *g = empty_graph();
    nodes(g, 2);
    qv_err err;
    enum { N = 5000 };
    char b[32];
    for (int round = 0; round < 5; round++) {
        gtxn *t = gtxn_begin(g, &err);
        for (int i = 0; i < N / 5; i++) {
            snprintf(b, sizeof b, "id-%d", round * (N / 5) + i);
            rel(t, S(b));
            if (i % 7 == 0) rel(t, qv_null());
        }
        commit(t);
        t = gtxn_begin(g, &err);   /* a rolled-back batch in between */
        for (int i = 0; i < 300; i++) {
            snprintf(b, sizeof b, "tmp-%d", i);
            rel(t, S(b));
        }
        gtxn_rollback(t);
        if (round == 2) assert_int_equal(graph_compact(g, &err), 0);
    }
    gview *v = gview_open(g, &err);
    qv_arena a;
    qv_arena_init(&a);
    for (int i = 0; i < N; i++) {
        snprintf(b, sizeof b, "id-%d", i);
        uint64_t r = gview_rel_by_ext_id(v, S(b));
        assert_int_not_equal(r, GID_NONE);
        qval x = gview_rel_ext_id(v, r, &a);
        assert_true(x.len == strlen(b) && memcmp(x.s, b, x.len) == 0);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(b, sizeof b, "tmp-%d", i);
        assert_int_equal(gview_rel_by_ext_id(v, S(b)), GID_NONE);
    }
    uint64_t plain = 0;
    for (uint64_t r = 0; r < gview_rel_id_end(v); r++)
        if (qv_is_null(gview_rel_user_ext_id(v, r))) {
            plain++;
            int n = snprintf(b, sizeof b, "r%llu", (unsigned long long)r);
            qval x = gview_rel_ext_id(v, r, &a);
            assert_true(x.len == (uint32_t)n && memcmp(x.s, b, x.len) == 0);
            assert_int_equal(gview_rel_by_ext_id(v, S(b)), r);
        }
    assert_int_equal(plain, 5 * ((N / 5 + 6) / 7));
    qv_arena_free(&a);
    gview_close(v);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_read), cmocka_unit_test(test_refused), cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_delete),          cmocka_unit_test(test_lazy),    cmocka_unit_test(test_compaction),
        cmocka_unit_test(test_first_id_during_compaction), cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
