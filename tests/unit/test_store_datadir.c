/* test_store_datadir.c — the data directory: lock, atomic saves, loading at start-up, file names.
 *
 * Owns: checks of what an operator sees on disk and at start-up: a second server on one directory is
 * refused naming the pid; databases saved under any name (spaces, '/', unicode, very long) come back
 * identical into the catalog after a restart; an interrupted save (a .tmp left behind, whole or torn)
 * never costs the previous snapshot and is cleaned up; a corrupt, truncated or renamed file stops
 * start-up with a message naming it instead of a database silently disappearing; removal.
 * Must not: test the codec byte by byte (test_store_snapshot.c does).
 */
#include "test_store_graphs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/catalog.h"
#include "store/store.h"

typedef struct env {
    char dir[64];
    char data[128]; /* the data directory: created by store_open */
    qv_pool *pool;
} env;

static int setup(void **state) {
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/qv-store-XXXXXX");
    if (!mkdtemp(e->dir)) return -1;
    snprintf(e->data, sizeof e->data, "%s/var/lib/quiver", e->dir);
    e->pool = qv_pool_new(2);
    *state = e;
    return 0;
}

static int teardown(void **state) {
    env *e = *state;
    tg_rmtree(e->dir);
    qv_pool_free(e->pool);
    free(e);
    return 0;
}

static void expect_msg(const qv_err *err, const char *part) {
    if (!strstr(err->msg, part)) fail_msg("error \"%s\" does not mention \"%s\"", err->msg, part);
}

static qv_store *open_ok(env *e) {
    qv_err err;
    qv_store *s = store_open(e->data, &err);
    if (!s) fail_msg("store_open: %s", err.msg);
    return s;
}

static graph *small_graph(env *e, const char *name, uint64_t nodes) {
    tg_opts o = {.name = name, .id_type = GRAPH_ID_INTEGER, .nodes = nodes, .rels = nodes * 3, .props = true};
    return tg_build(&o, e->pool);
}

static void save_ok(qv_store *s, const graph *g) {
    qv_err err;
    if (store_save(s, g, &err) < 0) fail_msg("store_save: %s", err.msg);
}

/* Simulates a restart: a new store and catalog over the directory. Returns the catalog (NULL and err
 * filled when loading fails). */
static gcatalog *restart(env *e, qv_err *err) {
    qv_store *s = open_ok(e);
    gcatalog *cat = gcatalog_new();
    int rc = store_load_all(s, cat, e->pool, err);
    store_close(s);
    if (rc < 0) {
        gcatalog_free(cat);
        return NULL;
    }
    return cat;
}

static void assert_loaded(gcatalog *cat, const graph *want) {
    graph *g = gcatalog_get(cat, want->name);
    if (!g) fail_msg("database '%s' was not loaded", want->name);
    tg_assert_same(want, g);
    gcatalog_release(cat, g);
}

static char *db_path(env *e, const char *file) {
    char *p = malloc(512);
    snprintf(p, 512, "%s/databases/%s", e->data, file);
    return p;
}

static int count_files(env *e) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/databases", e->data);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void write_bytes(const char *path, const void *p, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
}

/* ---- tests ------------------------------------------------------------------------------------------ */

static void test_lock_refuses_a_second_server(void **state) {
    env *e = *state;
    qv_store *s = open_ok(e); /* creates var/lib/quiver and databases/ */
    struct stat st;
    char *dbdir = db_path(e, "");
    assert_int_equal(stat(dbdir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    free(dbdir);
    qv_err err;
    assert_null(store_open(e->data, &err));
    assert_int_equal(err.code, QV_EPHASE);
    char want[256];
    snprintf(want, sizeof want, "data directory %s is in use by another quiver (pid %ld)", e->data, (long)getpid());
    assert_string_equal(err.msg, want);
    store_close(s);
    s = open_ok(e); /* released on close */
    assert_string_equal(store_dir(s), e->data);
    store_close(s);
}

static void test_open_on_a_file_fails(void **state) {
    env *e = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/plainfile", e->dir);
    write_bytes(path, "x", 1);
    qv_err err;
    assert_null(store_open(path, &err));
    assert_int_equal(err.code, QV_EIO);
    expect_msg(&err, path);
}

static void test_file_names(void **state) {
    (void)state;
    char f[STORE_FILE_NAME_MAX];
    store_file_name("neo4j", f);
    assert_string_equal(f, "neo4j.qvg");
    store_file_name("my graph", f);
    assert_string_equal(f, "my%20graph.qvg");
    store_file_name("a/b", f);
    assert_string_equal(f, "a%2Fb.qvg");
    store_file_name("..", f);
    assert_string_equal(f, "%2E..qvg");
    store_file_name(".hidden", f);
    assert_string_equal(f, "%2Ehidden.qvg");
    store_file_name("50%", f);
    assert_string_equal(f, "50%25.qvg");
    store_file_name("é", f);
    assert_string_equal(f, "%C3%A9.qvg");
    /* long names: bounded, distinct, and never equal to a short name's encoding */
    char a[400], b[400], fa[STORE_FILE_NAME_MAX], fb[STORE_FILE_NAME_MAX];
    memset(a, 'x', 399);
    a[399] = 0;
    memcpy(b, a, sizeof a);
    b[398] = 'y';
    store_file_name(a, fa);
    store_file_name(b, fb);
    assert_true(strlen(fa) < 210);
    assert_string_not_equal(fa, fb);
    assert_non_null(strchr(fa, '~'));
    for (int i = 0; i < 300; i++)
        a[i] = (char)(0x80 | i); /* long and all escaped: still bounded */
    a[300] = 0;
    store_file_name(a, fa);
    assert_true(strlen(fa) < 210);
}

static void test_save_and_restart_with_odd_names(void **state) {
    env *e = *state;
    char longname[301];
    memset(longname, 'L', 300);
    longname[300] = 0;
    const char *names[] = {"neo4j", "my graph", "a/b", "ünïcødé 图", "..", ".hidden", "50%", longname};
    enum { N = sizeof names / sizeof names[0] };
    graph *g[N];
    qv_store *s = open_ok(e);
    for (int i = 0; i < N; i++) {
        g[i] = small_graph(e, names[i], 20 + (uint64_t)i);
        save_ok(s, g[i]);
    }
    tg_opts so = {.name = "strings", .id_type = GRAPH_ID_STRING, .nodes = 30, .rels = 50, .props = true};
    graph *sg = tg_build(&so, e->pool);
    save_ok(s, sg);
    store_close(s);
    assert_int_equal(count_files(e), N + 1); /* one file per database, nothing else */
    for (int i = 0; i < N; i++) {
        char f[STORE_FILE_NAME_MAX];
        store_file_name(names[i], f);
        char *p = db_path(e, f);
        struct stat st;
        if (stat(p, &st) != 0) fail_msg("no file %s for database '%s'", p, names[i]);
        free(p);
    }
    qv_err err;
    gcatalog *cat = restart(e, &err);
    if (!cat) fail_msg("restart: %s", err.msg);
    for (int i = 0; i < N; i++)
        assert_loaded(cat, g[i]);
    assert_loaded(cat, sg);
    gcatalog_free(cat);
    for (int i = 0; i < N; i++)
        graph_free(g[i]);
    graph_free(sg);
}

static void test_interrupted_save_keeps_old_snapshot(void **state) {
    env *e = *state;
    graph *old = small_graph(e, "db", 40), *new = small_graph(e, "db", 60);
    qv_store *s = open_ok(e);
    save_ok(s, old);
    store_close(s);
    char *tmp = db_path(e, ".db.qvg.tmp");
    qv_err err;

    /* the process died while writing the new snapshot: a torn temporary file */
    write_bytes(tmp, "QVGRAPH\0\1\0\0\0garbage", 20);
    gcatalog *cat = restart(e, &err);
    if (!cat) fail_msg("restart: %s", err.msg);
    assert_loaded(cat, old);
    gcatalog_free(cat);
    assert_int_equal(access(tmp, F_OK), -1); /* cleaned up */

    /* the process died after writing (and fsyncing) the new snapshot, before the rename */
    assert_int_equal(store_snapshot_write_file(new, tmp, &err), 0);
    cat = restart(e, &err);
    if (!cat) fail_msg("restart: %s", err.msg);
    assert_loaded(cat, old);
    gcatalog_free(cat);
    assert_int_equal(access(tmp, F_OK), -1);

    /* a save that completes replaces the old snapshot */
    s = open_ok(e);
    save_ok(s, new);
    store_close(s);
    assert_int_equal(count_files(e), 1);
    cat = restart(e, &err);
    if (!cat) fail_msg("restart: %s", err.msg);
    assert_loaded(cat, new);
    gcatalog_free(cat);
    free(tmp);
    graph_free(old);
    graph_free(new);
}

static void test_corrupt_file_stops_startup(void **state) {
    env *e = *state;
    graph *a = small_graph(e, "alpha", 30), *b = small_graph(e, "neo4j", 30);
    qv_store *s = open_ok(e);
    save_ok(s, a);
    save_ok(s, b);
    store_close(s);
    char *path = db_path(e, "neo4j.qvg");
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* flip one byte in the last quarter of the file (relationship data) */
    int fd = open(path, O_RDWR);
    uint8_t byte;
    off_t at = st.st_size * 3 / 4;
    assert_int_equal(pread(fd, &byte, 1, at), 1);
    byte ^= 0x10;
    assert_int_equal(pwrite(fd, &byte, 1, at), 1);
    close(fd);
    qv_err err;
    assert_null(restart(e, &err));
    expect_msg(&err, path);
    expect_msg(&err, "(file corrupt");
    /* and truncated */
    assert_int_equal(truncate(path, st.st_size / 2), 0);
    assert_null(restart(e, &err));
    expect_msg(&err, path);
    expect_msg(&err, "truncated");
    free(path);
    graph_free(a);
    graph_free(b);
}

static void test_renamed_file_stops_startup(void **state) {
    env *e = *state;
    graph *a = small_graph(e, "neo4j", 10);
    qv_store *s = open_ok(e);
    save_ok(s, a);
    store_close(s);
    char *from = db_path(e, "neo4j.qvg"), *to = db_path(e, "backup.qvg");
    assert_int_equal(rename(from, to), 0);
    qv_err err;
    assert_null(restart(e, &err));
    expect_msg(&err, to);
    expect_msg(&err, "holds database 'neo4j'");
    free(from);
    free(to);
    graph_free(a);
}

static void test_remove_and_strangers(void **state) {
    env *e = *state;
    graph *a = small_graph(e, "gone", 10), *b = small_graph(e, "kept", 10);
    qv_store *s = open_ok(e);
    save_ok(s, a);
    save_ok(s, b);
    qv_err err;
    assert_int_equal(store_remove(s, "gone", &err), 0);
    assert_int_equal(store_remove(s, "gone", &err), 0); /* nothing to remove is fine */
    assert_int_equal(store_remove(s, "never saved", &err), 0);
    store_close(s);
    char *readme = db_path(e, "README.txt");
    write_bytes(readme, "notes", 5); /* a file an operator left: ignored, not deleted */
    gcatalog *cat = restart(e, &err);
    if (!cat) fail_msg("restart: %s", err.msg);
    assert_false(gcatalog_exists(cat, "gone"));
    assert_loaded(cat, b);
    gcatalog_free(cat);
    assert_int_equal(access(readme, F_OK), 0);
    free(readme);
    graph_free(a);
    graph_free(b);
}

static void test_load_into_taken_name_fails(void **state) {
    env *e = *state;
    graph *a = small_graph(e, "neo4j", 10);
    qv_store *s = open_ok(e);
    save_ok(s, a);
    gcatalog *cat = gcatalog_new();
    qv_err err;
    assert_int_equal(gcatalog_reserve(cat, "neo4j", false, &err), 0); /* e.g. an import already began */
    assert_int_equal(store_load_all(s, cat, e->pool, &err), -1);
    expect_msg(&err, "neo4j.qvg");
    gcatalog_unreserve(cat, "neo4j");
    gcatalog_free(cat);
    store_close(s);
    graph_free(a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_names),
        cmocka_unit_test_setup_teardown(test_lock_refuses_a_second_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_on_a_file_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_and_restart_with_odd_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupted_save_keeps_old_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_file_stops_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renamed_file_stops_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_and_strangers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_into_taken_name_fails, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
