/* test_cypher_func_entity.c — entity and path functions against a real graph written through a gtxn:
 * labels, type, id (Neptune: the external id as a string), properties, keys, startNode, endNode, nodes,
 * relationships, length, and the TypeError InvalidArgumentValue of a wrong kind at runtime (Graph3 [9],
 * Graph4 [6]). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cypher/func.h"
#include "graph/gview.h"

typedef struct fx {
    graph *g;
    gview *v;
    qv_arena a;
    uint64_t n1, n2, r;
} fx;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    qv_arena_init(&f->a);
    f->g = graph_new("g", "neo4j", false, GRAPH_ID_INTEGER, NULL);
    qv_err e;
    gtxn *t = gtxn_begin(f->g, &e);
    assert_non_null(t);
    uint32_t labels[] = {gtxn_label(t, "Person", 6), gtxn_label(t, "Sailor", 6)};
    gprop props[] = {{gtxn_key(t, "name", 4), qv_str_ref("Popeye", 6)}, {gtxn_key(t, "level", 5), qv_int(9001)}};
    assert_int_equal(gtxn_node_create(t, labels, 2, props, 2, qv_int(17), &f->n1, &e), 0);
    assert_int_equal(gtxn_node_create(t, NULL, 0, NULL, 0, qv_int(-4), &f->n2, &e), 0);
    gprop rp[] = {{gtxn_key(t, "since", 5), qv_int(1929)}};
    assert_int_equal(gtxn_rel_create(t, f->n1, f->n2, gtxn_type(t, "KNOWS", 5), rp, 1, &f->r, &e), 0);
    assert_int_equal(gtxn_commit(t, &e), 0);
    f->v = gview_open(f->g, &e);
    assert_non_null(f->v);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fx *f = *state;
    gview_close(f->v);
    graph_free(f->g);
    qv_arena_free(&f->a);
    free(f);
    return 0;
}

static qval call1(fx *f, const char *name, qval arg) {
    const cy_fn *fn = cy_fn_find(name, strlen(name));
    assert_non_null(fn);
    cy_fnctx ctx = {.arena = &f->a, .view = f->v, .pos = 0};
    cy_error err;
    cy_error_clear(&err);
    qval out;
    if (fn->impl(&ctx, &arg, 1, &out, &err)) fail_msg("%s(): %s", name, err.msg);
    return out;
}

static void fails1(fx *f, const char *name, qval arg) {
    const cy_fn *fn = cy_fn_find(name, strlen(name));
    cy_fnctx ctx = {.arena = &f->a, .view = f->v, .pos = 3};
    cy_error err;
    cy_error_clear(&err);
    qval out;
    assert_int_equal(fn->impl(&ctx, &arg, 1, &out, &err), -1);
    assert_int_equal(err.cls, CYE_TYPE);
    assert_string_equal(err.detail, "InvalidArgumentValue");
}

static void is_str(qval v, const char *s) {
    assert_int_equal(v.type, QT_STRING);
    assert_int_equal(v.len, strlen(s));
    assert_memory_equal(v.s, s, v.len);
}

static void test_node_functions(void **state) {
    fx *f = *state;
    qval l = call1(f, "labels", qv_node(f->n1));
    assert_int_equal(l.len, 2);
    bool person = false, sailor = false;
    for (uint32_t i = 0; i < 2; i++) {
        person |= l.items[i].len == 6 && memcmp(l.items[i].s, "Person", 6) == 0;
        sailor |= l.items[i].len == 6 && memcmp(l.items[i].s, "Sailor", 6) == 0;
    }
    assert_true(person && sailor);
    assert_int_equal(call1(f, "labels", qv_node(f->n2)).len, 0);
    is_str(call1(f, "id", qv_node(f->n1)), "17");
    is_str(call1(f, "id", qv_node(f->n2)), "-4");
    qval p = call1(f, "properties", qv_node(f->n1));   /* Graph9 [1] */
    assert_int_equal(p.type, QT_MAP);
    assert_int_equal(p.len, 2);
    is_str(*qv_map_get(p, "name", 4), "Popeye");
    assert_int_equal(qv_map_get(p, "level", 5)->i, 9001);
    qval k = call1(f, "keys", qv_node(f->n1));
    assert_int_equal(k.len, 2);
    assert_int_equal(call1(f, "keys", qv_node(f->n2)).len, 0);
    assert_int_equal(call1(f, "properties", qv_node(f->n2)).len, 0);
    fails1(f, "labels", qv_int(1));   /* Graph3 [9] */
    fails1(f, "labels", qv_rel(f->r));
    fails1(f, "keys", qv_str_ref("x", 1));
}

static void test_rel_and_path_functions(void **state) {
    fx *f = *state;
    is_str(call1(f, "type", qv_rel(f->r)), "KNOWS");
    assert_int_equal(call1(f, "startNode", qv_rel(f->r)).id, f->n1);
    assert_int_equal(call1(f, "endNode", qv_rel(f->r)).id, f->n2);
    assert_int_equal(call1(f, "startNode", qv_rel(f->r)).type, QT_NODE);
    qval id = call1(f, "id", qv_rel(f->r));
    assert_int_equal(id.type, QT_STRING);
    qval p = call1(f, "properties", qv_rel(f->r));   /* Graph9 [2] */
    assert_int_equal(qv_map_get(p, "since", 5)->i, 1929);
    is_str(call1(f, "keys", qv_rel(f->r)).items[0], "since");
    /* Graph4 [6] */
    fails1(f, "type", qv_node(f->n1));
    fails1(f, "type", qv_float(1.0));
    fails1(f, "type", qv_bool(true));
    fails1(f, "type", qv_str_ref("", 0));
    fails1(f, "type", qv_list_ref(NULL, 0));
    uint64_t nodes[] = {f->n1, f->n2}, rels[] = {f->r};
    qval path = qv_path_make(&f->a, 1, nodes, rels);
    qval ns = call1(f, "nodes", path);
    assert_int_equal(ns.len, 2);
    assert_int_equal(ns.items[1].id, f->n2);
    qval rs = call1(f, "relationships", path);
    assert_int_equal(rs.len, 1);
    assert_int_equal(rs.items[0].type, QT_REL);
    assert_int_equal(call1(f, "length", path).i, 1);
    fails1(f, "nodes", qv_node(f->n1));
    fails1(f, "length", qv_str_ref("abc", 3));
    const char *names[] = {"labels", "type", "id", "properties", "keys", "startNode", "endNode", "nodes",
                           "relationships", "length"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(call1(f, names[i], qv_null()).type, QT_NULL);   /* Graph9 [3] */
}

/* Return2 [16]: labels / properties / keys of an element deleted earlier in the query fail. */
static void test_deleted_in_transaction(void **state) {
    fx *f = *state;
    qv_err e;
    gtxn *t = gtxn_begin(f->g, &e);
    assert_non_null(t);
    assert_int_equal(gtxn_node_delete(t, f->n1, true, &e), 0);
    cy_fnctx ctx = {.arena = &f->a, .view = gtxn_view(t), .pos = 0};
    const char *names[] = {"labels", "properties", "keys"};
    for (size_t i = 0; i < 3; i++) {
        const cy_fn *fn = cy_fn_find(names[i], strlen(names[i]));
        qval args[] = {qv_node(f->n1)}, out;
        cy_error err;
        cy_error_clear(&err);
        assert_int_equal(fn->impl(&ctx, args, 1, &out, &err), -1);
        assert_int_equal(err.cls, CYE_ENTITY_NOT_FOUND);
        assert_string_equal(err.detail, "DeletedEntityAccess");
        args[0] = qv_rel(f->r);   /* detached with the node */
        if (i) assert_int_equal(fn->impl(&ctx, args, 1, &out, &err), -1);
        args[0] = qv_node(f->n2);   /* untouched */
        assert_int_equal(fn->impl(&ctx, args, 1, &out, &err), 0);
    }
    gtxn_rollback(t);
    assert_int_equal(call1(f, "labels", qv_node(f->n1)).len, 2);   /* the snapshot still sees it */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_node_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rel_and_path_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_in_transaction, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
