/* test_store_group.c — group commit's guarantee under load: no commit is acknowledged before a sync that started
 * after its record was written has returned, whether the committer ran the sync, left it to a later record's
 * committer (the successor rule of store/wal.c) or waited for one in flight; and a committer that left its sync
 * to a successor that then wrote nothing (rolled back) still gets it, after the wait bound, not never.
 *
 * Owns: the "disk" model: every fdatasync of the log is replaced (wal_set_sync_fn) by a copy of the segment as it
 * is when the sync starts, which is all that a real fdatasync is sure to make durable; each committer, once
 * gtxn_commit returns, looks for its own record's unique bytes in the last copy.
 * Must not: test the record format, recovery or checkpoints (test_store_wal.c, test_store_checkpoint.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_store_graphs.h"

#include "graph/gcommit.h"
#include "graph/gdelta.h"
#include "graph/graph.h"
#include "graph/gview.h"
#include "store/wal.h"
#include "util/clock.h"
#include "value/value.h"

/* The durable image: the segment's bytes as they were when the last sync started. */
typedef struct disk {
    pthread_mutex_t mu;
    uint8_t *img;
    size_t len;
    unsigned sleep_us;   /* each sync takes this long (a slow disk: commits pile up behind it) */
    uint64_t syncs;
} disk;

static int fake_sync(void *ctx, int wfd) {
    disk *d = ctx;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", wfd);   /* the log's descriptor is write-only */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        if (fd >= 0) close(fd);
        return -1;
    }
    uint8_t *b = malloc((size_t)st.st_size + 1);
    ssize_t n = b ? pread(fd, b, (size_t)st.st_size, 0) : -1;
    close(fd);
    if (n < 0) {
        free(b);
        return -1;
    }
    if (d->sleep_us) usleep(d->sleep_us);   /* the copy is what was written before the sync started */
    pthread_mutex_lock(&d->mu);
    if ((size_t)n >= d->len) {   /* syncs may return out of order: the log only grows, keep the longest copy */
        free(d->img);
        d->img = b;
        d->len = (size_t)n;
    } else {
        free(b);
    }
    d->syncs++;
    pthread_mutex_unlock(&d->mu);
    return 0;
}

static bool on_disk(disk *d, const char *tag) {
    pthread_mutex_lock(&d->mu);
    bool r = d->img && memmem(d->img, d->len, tag, strlen(tag)) != NULL;
    pthread_mutex_unlock(&d->mu);
    return r;
}

typedef struct worker {
    graph *g;
    disk *d;
    int id, n;
    int unsynced, failed, rolled_back;   /* acknowledged commits whose record the image lacked; errors */
    char msg[QV_ERR_MSG_MAX + 16];
} worker;

/* One node per transaction with a unique "tag" property; every 5th transaction rolls back instead (a successor
 * that writes no record), every 7th changes nothing (begins and commits empty). */
static void *work(void *arg) {
    worker *w = arg;
    qv_err err;
    for (int i = 0; i < w->n; i++) {
        gtxn *t = gtxn_begin(w->g, &err);
        if (!t) {
            w->failed++;
            snprintf(w->msg, sizeof w->msg, "begin: %s", err.msg);
            continue;
        }
        if (i % 7 == 6) {
            if (gtxn_commit(t, &err) != 0) w->failed++;
            continue;
        }
        char tag[48];
        snprintf(tag, sizeof tag, "#ack-%02d-%04d#", w->id, i);
        gprop p = {gtxn_key(t, "tag", 3), qv_str_ref(tag, (uint32_t)strlen(tag))};
        uint64_t id;
        if (gtxn_node_create(t, NULL, 0, &p, 1, qv_int(w->id * 100000 + i + 1), &id, &err) != 0) {
            w->failed++;
            snprintf(w->msg, sizeof w->msg, "create: %s", err.msg);
            gtxn_rollback(t);
            continue;
        }
        if (i % 5 == 4) {
            usleep(200);   /* holds the writer slot while earlier committers may be waiting for it to write */
            gtxn_rollback(t);
            w->rolled_back++;
            continue;
        }
        if (gtxn_commit(t, &err) != 0) {
            w->failed++;
            snprintf(w->msg, sizeof w->msg, "commit: %s", err.msg);
            continue;
        }
        if (!on_disk(w->d, tag)) w->unsynced++;   /* acknowledged, yet no sync had started after its write */
    }
    return NULL;
}

static char *make_dir(void) {
    char tmpl[] = "/tmp/qv-group-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void set_or_unset(const char *name, const char *value) {
    if (value) setenv(name, value, 1);
    else unsetenv(name);
}

/* Runs threads x per commits through one graph with syncs taking sync_us each, the group rules set (NULL: the
 * default); returns the log's counters. */
static wal_stats run(int threads, int per, unsigned sync_us, const char *group_max, const char *syncs_max,
                     const char *overlap_us) {
    char *dir = make_dir();
    setenv("QV_WAL_PREALLOC", "0", 1);   /* the image is the whole file: keep it to the records */
    set_or_unset("QV_WAL_GROUP_MAX", group_max);
    set_or_unset("QV_WAL_SYNCS_MAX", syncs_max);
    set_or_unset("QV_WAL_SYNC_OVERLAP_US", overlap_us);
    qv_err err;
    qv_wal *w = wal_open(dir, 0, 0, 0, &err);
    unsetenv("QV_WAL_PREALLOC");
    unsetenv("QV_WAL_GROUP_MAX");
    unsetenv("QV_WAL_SYNCS_MAX");
    unsetenv("QV_WAL_SYNC_OVERLAP_US");
    if (!w) fail_msg("wal_open: %s", err.msg);
    disk d = {.sleep_us = sync_us};
    pthread_mutex_init(&d.mu, NULL);
    wal_set_sync_fn(w, fake_sync, &d);
    graph *g = graph_new("grp", "grp", true, GRAPH_ID_INTEGER, NULL);
    wal_attach(w, g, 5, 0, 0, 0, 0, false);
    worker *ws = calloc((size_t)threads, sizeof *ws);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    for (int i = 0; i < threads; i++) {
        ws[i] = (worker){.g = g, .d = &d, .id = i, .n = per};
        assert_int_equal(pthread_create(&th[i], NULL, work, &ws[i]), 0);
    }
    int unsynced = 0, failed = 0, rolled = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        unsynced += ws[i].unsynced;
        failed += ws[i].failed;
        rolled += ws[i].rolled_back;
        if (ws[i].failed) print_message("worker %d: %s\n", i, ws[i].msg);
    }
    wal_stats st = wal_get_stats(w);
    assert_int_equal(failed, 0);
    assert_int_equal(unsynced, 0);
    int written = 0;
    for (int i = 0; i < per; i++) written += i % 7 != 6 && i % 5 != 4;
    assert_int_equal(st.records, (uint64_t)(written * threads));
    assert_true(rolled > 0);
    assert_int_equal(st.queued, 0);
    pthread_mutex_lock(&d.mu);
    assert_int_equal(st.syncs, d.syncs);   /* every sync went through the model */
    pthread_mutex_unlock(&d.mu);
    wal_close(w);
    graph_free(g);
    free(d.img);
    pthread_mutex_destroy(&d.mu);
    free(ws);
    free(th);
    tg_rmtree(dir);
    free(dir);
    return st;
}

/* The defaults (successors' syncs, a second sync only once the running one is slow, at most 4): everything
 * acknowledged was synced; under a slow disk the commits share syncs, and some left theirs to a successor. */
static void test_group_defaults(void **state) {
    (void)state;
    wal_stats st = run(8, 120, 300, NULL, NULL, NULL);
    print_message("defaults: %llu records, %llu syncs, %llu left to a successor\n", (unsigned long long)st.records,
                  (unsigned long long)st.syncs, (unsigned long long)st.deferred);
    assert_true(st.syncs < st.records);
    assert_true(st.deferred > 0);
}

/* Each rule alone, and neither (every uncovered record starts its sync at once, as before): the same guarantee. */
static void test_group_variants(void **state) {
    (void)state;
    wal_stats a = run(8, 80, 200, "4", "0", "0");
    wal_stats b = run(8, 80, 200, "0", "1", NULL);
    wal_stats c = run(8, 80, 0, "8", "2", "50");
    wal_stats d = run(8, 80, 200, "0", "0", "0");
    assert_int_equal(b.deferred, 0);
    assert_int_equal(d.deferred, 0);
    print_message("successors alone: %.2f records per sync; one in flight alone: %.2f; fast disk: %.2f; neither: %.2f\n",
                  (double)a.records / (double)a.syncs, (double)b.records / (double)b.syncs,
                  (double)c.records / (double)c.syncs, (double)d.records / (double)d.syncs);
}

typedef struct holder {
    graph *g;
    bool began;
    pthread_mutex_t mu;
} holder;

/* Takes the writer slot (queued behind the main thread's transaction), holds it 300 ms, writes nothing. */
static void *hold_then_rollback(void *arg) {
    holder *h = arg;
    qv_err err;
    gtxn *t = gtxn_begin(h->g, &err);
    if (!t) return NULL;
    pthread_mutex_lock(&h->mu);
    h->began = true;
    pthread_mutex_unlock(&h->mu);
    usleep(300000);
    gtxn_rollback(t);
    return NULL;
}

/* A committer whose successor (queued for the writer slot when it committed) then writes nothing for a long
 * time is acknowledged after the group wait bound (1 ms by default), not after the successor, and not before
 * its record was synced. */
static void test_successor_writes_nothing(void **state) {
    (void)state;
    char *dir = make_dir();
    qv_err err;
    setenv("QV_WAL_PREALLOC", "0", 1);
    qv_wal *w = wal_open(dir, 0, 0, 0, &err);
    unsetenv("QV_WAL_PREALLOC");
    assert_non_null(w);
    disk d = {.sleep_us = 0};
    pthread_mutex_init(&d.mu, NULL);
    wal_set_sync_fn(w, fake_sync, &d);
    graph *g = graph_new("solo", "solo", true, GRAPH_ID_INTEGER, NULL);
    wal_attach(w, g, 9, 0, 0, 0, 0, false);
    holder h = {.g = g};
    pthread_mutex_init(&h.mu, NULL);
    gtxn *t = gtxn_begin(g, &err);
    assert_non_null(t);
    const char *tag = "#solo-record#";
    gprop p = {gtxn_key(t, "tag", 3), qv_str_ref(tag, (uint32_t)strlen(tag))};
    uint64_t id;
    assert_int_equal(gtxn_node_create(t, NULL, 0, &p, 1, qv_int(1), &id, &err), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, hold_then_rollback, &h), 0);
    gdelta *gd = gdelta_get(g);
    for (bool queued = false; !queued; usleep(1000)) {   /* the holder is queued for the writer slot */
        pthread_mutex_lock(&gd->wmu);
        queued = gd->ticket_next == gd->ticket_serving + 2;
        pthread_mutex_unlock(&gd->wmu);
    }
    uint64_t t0 = qv_now_ns();
    assert_int_equal(gtxn_commit(t, &err), 0);
    double ms = (double)(qv_now_ns() - t0) / 1e6;
    assert_true(on_disk(&d, tag));
    pthread_mutex_lock(&h.mu);
    bool began = h.began;
    pthread_mutex_unlock(&h.mu);
    assert_true(began);   /* the successor held the slot while this commit waited */
    wal_stats st = wal_get_stats(w);
    assert_int_equal(st.deferred, 1);
    assert_int_equal(st.syncs, 1);
    print_message("acknowledged after %.2f ms (the successor held the slot 300 ms)\n", ms);
    assert_true(ms < 250);
    pthread_join(th, NULL);
    wal_close(w);
    graph_free(g);
    free(d.img);
    pthread_mutex_destroy(&d.mu);
    pthread_mutex_destroy(&h.mu);
    tg_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_defaults),
        cmocka_unit_test(test_group_variants),
        cmocka_unit_test(test_successor_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
