/* test_store_save_stream.c — the save of a bulk load started while it is built (save_stream.c), through the real
 * loader and its out_done hook, as v1/CREATE_DATABASE uses it: the finished file is installed under the
 * database's name, reads back equal (mapped and fully checked) and no temporary file is left; a build aborted
 * after the hook started the save stops the save before the graph is freed (ASan sees any use after free) and
 * removes its file; a store without a data directory starts nothing.
 */
#include "test_store_graphs.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/catalog.h"
#include "graph/gmap.h"
#include "store/save_stream.h"
#include "store/snapshot.h"
#include "store/store.h"

typedef struct env {
    char dir[64];
    qv_pool *pool;
    qv_store *s;
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/qv-stream-XXXXXX");
    if (!mkdtemp(e->dir)) return -1;
    e->pool = qv_pool_new(2);
    qv_err err;
    e->s = store_open(e->dir, &err);
    if (!e->s) return -1;
    *state = e;
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    store_close(e->s);
    tg_rmtree(e->dir);
    qv_pool_free(e->pool);
    free(e);
    return 0;
}

typedef struct hook {
    env *e;
    store_stream *st;
    gloader *l;
    bool abort_in_hook;
    int calls, null_calls;
} hook;

static void out_done(void *arg, const graph *g) {
    hook *h = arg;
    if (!g) { /* the build failed after the first call: stop before the graph is freed */
        h->null_calls++;
        store_stream_cancel(h->st);
        h->st = NULL;
        return;
    }
    h->calls++;
    h->st = store_stream_begin(h->e->s, g);
    assert_non_null(h->st);
    if (h->abort_in_hook) gloader_abort(h->l); /* the incoming side is still to be built */
}

static int count_tmp(const env *e) {
    char d[128];
    snprintf(d, sizeof d, "%s/databases", e->dir);
    DIR *dir = opendir(d);
    int n = 0;
    for (struct dirent *x; dir && (x = readdir(dir));)
        if (x->d_name[0] == '.' && strstr(x->d_name, ".tmp")) n++;
    if (dir) closedir(dir);
    return n;
}

static void streamed(env *e, graph_id_type idt, bool one_type) {
    hook h = {.e = e};
    tg_opts o = {.name = "streamed db", .id_type = idt, .nodes = 5000, .rels = 40000, .props = true,
                 .one_type = one_type, .out_done = out_done, .out_done_arg = &h, .loader_out = &h.l};
    graph *g = tg_build(&o, e->pool);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.null_calls, 0);
    assert_non_null(h.st);
    qv_err err;
    if (store_stream_finish(e->s, h.st, g, &err) < 0) fail_msg("finish: %s", err.msg);
    assert_int_equal(count_tmp(e), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/databases/streamed%%20db.qvg", e->dir);
    /* installed without its incoming index (a crash now): whole, the index rebuilt; then with it appended */
    for (int appended = 0; appended < 2; appended++) {
        if (appended) store_stream_append(e->s, h.st, NULL, g);
        graph *b = NULL;
        if (store_snapshot_read_file(path, e->pool, &b, &err) < 0) fail_msg("read: %s", err.msg);
        tg_assert_same(g, b);
        assert_int_equal(gmap_holds(b->map, b->in_src), appended);
        graph_free(b);
        if (snap_read_file(path, e->pool, true, &b, &err) < 0) fail_msg("read (full): %s", err.msg);
        tg_assert_same(g, b);
        graph_free(b);
    }
    graph_free(g);
}

/* Published with a reference held (as v1/CREATE_DATABASE does), the appendix is written on a thread of its own;
 * store_shutdown waits for it. A drop right after the publish leaves the thread's reference (ASan sees a use
 * after free); the appendix goes to the dropped database's file all the same (an unlinked one in a server). */
static void appendix_thread(env *e, const char *name, bool drop) {
    hook h = {.e = e};
    tg_opts o = {.name = name, .id_type = GRAPH_ID_INTEGER, .nodes = 20000, .rels = 200000,
                 .out_done = out_done, .out_done_arg = &h, .loader_out = &h.l};
    graph *g = tg_build(&o, e->pool);
    qv_err err;
    if (store_stream_finish(e->s, h.st, g, &err) < 0) fail_msg("finish: %s", err.msg);
    graph *copy = tg_build(&(tg_opts){.name = name, .id_type = GRAPH_ID_INTEGER, .nodes = 20000, .rels = 200000},
                           e->pool);
    copy->created_ms = g->created_ms;
    gcatalog *cat = gcatalog_new();
    assert_int_equal(gcatalog_reserve(cat, name, false, &err), 0);
    assert_int_equal(gcatalog_publish_ref(cat, g, &err), 0);
    store_stream_append(e->s, h.st, cat, g);
    if (drop) assert_int_equal(gcatalog_drop(cat, name, &err), 0);
    store_shutdown(e->s, false);
    char path[160];
    snprintf(path, sizeof path, "%s/databases/%s.qvg", e->dir, name);
    graph *b = NULL;
    if (snap_read_file(path, e->pool, true, &b, &err) < 0) fail_msg("read (full): %s", err.msg);
    tg_assert_same(copy, b);
    assert_true(gmap_holds(b->map, b->in_src));
    graph_free(b);
    graph_free(copy);
    gcatalog_free(cat);
}

static void test_appendix_thread(void **state) {
    env *e = *state;
    appendix_thread(e, "appended", false);
    appendix_thread(e, "dropped", true);
}

static void test_streamed_save(void **state) {
    env *e = *state;
    streamed(e, GRAPH_ID_INTEGER, false);
    streamed(e, GRAPH_ID_STRING, false);
    streamed(e, GRAPH_ID_INTEGER, true);
}

static void test_aborted_build_stops_the_save(void **state) {
    env *e = *state;
    hook h = {.e = e, .abort_in_hook = true};
    tg_opts o = {.name = "aborted", .id_type = GRAPH_ID_INTEGER, .nodes = 20000, .rels = 200000, .props = true,
                 .out_done = out_done, .out_done_arg = &h, .loader_out = &h.l, .build_may_fail = true};
    graph *g = tg_build(&o, e->pool);
    assert_null(g);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.null_calls, 1);
    assert_null(h.st);
    assert_int_equal(count_tmp(e), 0);
    char path[160];
    snprintf(path, sizeof path, "%s/databases/aborted.qvg", e->dir);
    assert_int_equal(access(path, F_OK), -1);
}

static void test_no_store_no_stream(void **state) {
    (void)state;
    graph *g = graph_new("x", NULL, true, GRAPH_ID_INTEGER, NULL);
    assert_null(store_stream_begin(NULL, g));
    store_stream_cancel(NULL);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_streamed_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aborted_build_stops_the_save, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appendix_thread, setup, teardown),
        cmocka_unit_test(test_no_store_no_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
