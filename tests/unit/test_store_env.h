/* test_store_env.h — a store in a temporary data directory, for the store tests that open, stop and reopen
 * one (test_store_wal.c, test_store_checkpoint.c; static functions: each test executable gets its own copy).
 *
 * Owns: the env fixture (a mkdtemp directory and its data/ subdirectory, a build pool, the open store and
 * its catalog), opening the store with every database loaded, stopping it (with or without a checkpoint),
 * `quiver check` over it, and removing the directory. Must not: write to a graph (the tests do).
 */
#ifndef TEST_STORE_ENV_H
#define TEST_STORE_ENV_H

#include <stdio.h>
#include <stdlib.h>

#include "test_store_graphs.h"

#include "graph/catalog.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/pool.h"

typedef struct env {
    char dir[64];
    char data[128];
    qv_pool *pool;
    qv_store *s;
    gcatalog *cat;
} env;

/* cmocka setup: a fresh directory /tmp/<prefix>-XXXXXX (prefix at most 40 bytes), nothing open yet. */
static int env_setup(void **state, const char *prefix) {
    env *e = calloc(1, sizeof *e);
    snprintf(e->dir, sizeof e->dir, "/tmp/%s-XXXXXX", prefix);
    if (!mkdtemp(e->dir)) return -1;
    snprintf(e->data, sizeof e->data, "%s/data", e->dir);
    e->pool = qv_pool_new(2);
    *state = e;
    return 0;
}

/* Opens the store and loads every database (fails the test on an error). */
static void env_open(env *e) {
    qv_err err;
    qv_err_clear(&err);
    e->s = store_open(e->data, &err);
    if (!e->s) fail_msg("store_open: %s", err.msg);
    e->cat = gcatalog_new();
    if (store_load_all(e->s, e->cat, e->pool, &err) < 0) fail_msg("store_load_all: %s", err.msg);
}

static void stop(env *e, bool checkpoint) {
    if (!e->s) return;
    store_shutdown(e->s, checkpoint);
    gcatalog_free(e->cat);
    store_close(e->s);
    e->s = NULL;
    e->cat = NULL;
}

/* Runs `quiver check` over the data directory (the store stopped) and fails the test with its report on any
 * problem. */
static void env_check(env *e) {
    qv_buf rep;
    qv_buf_init(&rep);
    int problems = store_check(e->data, e->pool, &rep);
    qv_buf_append_byte(&rep, 0);
    if (problems) fail_msg("quiver check:\n%s", (char *)rep.data);
    qv_buf_free(&rep);
}

/* cmocka teardown: stops the store without a checkpoint and removes the directory. */
static int env_teardown(void **state) {
    env *e = *state;
    stop(e, false);
    tg_rmtree(e->dir);
    qv_pool_free(e->pool);
    free(e);
    return 0;
}

#endif
