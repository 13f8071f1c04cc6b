/* test_net_loop.c — the epoll event loop (net/loop.c): timers fire in deadline order and can be
 * cancelled, fd callbacks follow the interest mask (level-triggered), a deleted fd gets no stale
 * events, and qv_loop_stop from another thread ends qv_loop_run.
 * Must not: rely on tight timing (bounds are generous: the machine is shared). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/loop.h"
#include "util/clock.h"

typedef struct {
    int order[16];
    int n;
    qv_loop *loop;
    int exit_after;
} trace;

static void record(qv_loop *loop, void *arg, int id) {
    trace *t = arg;
    t->order[t->n++] = id;
    if (t->n == t->exit_after) qv_loop_exit(loop);
}

static void t1(qv_loop *l, void *a) { record(l, a, 1); }
static void t2(qv_loop *l, void *a) { record(l, a, 2); }
static void t3(qv_loop *l, void *a) { record(l, a, 3); }
static void t4(qv_loop *l, void *a) { record(l, a, 4); }

static void test_timers_order_and_cancel(void **unused) {
    (void)unused;
    qv_err err;
    qv_loop *l = qv_loop_new(&err);
    assert_non_null(l);
    trace t = {.exit_after = 3};
    uint64_t start = qv_now_ns();
    qv_loop_timer_add(l, 40, t3, &t);
    qv_loop_timer_add(l, 10, t1, &t);
    uint64_t cancel = qv_loop_timer_add(l, 20, t4, &t);
    qv_loop_timer_add(l, 30, t2, &t);
    qv_loop_timer_cancel(l, cancel);
    qv_loop_timer_cancel(l, 0);      /* no-op */
    qv_loop_timer_cancel(l, 999999); /* unknown: no-op */
    assert_int_equal(qv_loop_run(l, &err), 0);
    double ms = qv_seconds_since(start) * 1000;
    assert_int_equal(t.n, 3);
    assert_int_equal(t.order[0], 1);
    assert_int_equal(t.order[1], 2);
    assert_int_equal(t.order[2], 3);
    assert_true(ms >= 39.0);
    assert_true(ms < 2000.0);
    qv_loop_free(l);
}

typedef struct {
    int reads, writes;
    int fd;
    qv_loop *loop;
} io_state;

static void on_io(qv_loop *loop, int fd, unsigned events, void *arg) {
    io_state *s = arg;
    if (events & QV_LOOP_READ) {
        char buf[64];
        ssize_t n = read(fd, buf, 1); /* one byte per call: level-triggered must call again */
        if (n > 0) s->reads++;
        if (s->reads == 5) qv_loop_exit(loop);
    }
    if (events & QV_LOOP_WRITE) {
        s->writes++;
        qv_loop_set_mask(loop, fd, QV_LOOP_READ); /* once is enough */
    }
}

static void give_up(qv_loop *l, void *a) {
    (void)a;
    qv_loop_exit(l);
}

static void test_fd_level_triggered(void **unused) {
    (void)unused;
    qv_err err;
    qv_loop *l = qv_loop_new(&err);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    io_state s = {.fd = sv[0], .loop = l};
    assert_int_equal(qv_loop_add(l, sv[0], QV_LOOP_READ | QV_LOOP_WRITE, on_io, &s, &err), 0);
    assert_int_equal(qv_loop_mask(l, sv[0]), QV_LOOP_READ | QV_LOOP_WRITE);
    assert_int_equal(write(sv[1], "hello", 5), 5);
    uint64_t guard = qv_loop_timer_add(l, 5000, give_up, NULL);
    assert_int_equal(qv_loop_run(l, &err), 0);
    qv_loop_timer_cancel(l, guard);
    assert_int_equal(s.reads, 5);
    assert_int_equal(s.writes, 1);
    /* Interest 0: data waits, no callbacks. */
    qv_loop_set_mask(l, sv[0], 0);
    assert_int_equal(write(sv[1], "x", 1), 1);
    s.reads = 0;
    qv_loop_timer_add(l, 50, give_up, NULL);
    assert_int_equal(qv_loop_run(l, &err), 0);
    assert_int_equal(s.reads, 0);
    /* Deleted: no callback even though data is readable. */
    qv_loop_del(l, sv[0]);
    assert_int_equal(qv_loop_mask(l, sv[0]), 0);
    qv_loop_timer_add(l, 50, give_up, NULL);
    assert_int_equal(qv_loop_run(l, &err), 0);
    assert_int_equal(s.reads, 0);
    close(sv[0]);
    close(sv[1]);
    qv_loop_free(l);
}

static void *run_loop(void *arg) {
    qv_err err;
    qv_loop_run(arg, &err);
    return NULL;
}

typedef struct {
    int calls;
} stop_state;

static void on_stop(qv_loop *loop, void *arg) {
    stop_state *s = arg;
    s->calls++;
    qv_loop_exit(loop);
}

static void test_stop_from_other_thread(void **unused) {
    (void)unused;
    qv_err err;
    qv_loop *l = qv_loop_new(&err);
    stop_state s = {0};
    qv_loop_on_stop(l, on_stop, &s);
    pthread_t th;
    uint64_t start = qv_now_ns();
    pthread_create(&th, NULL, run_loop, l);
    usleep(20000);
    qv_loop_stop(l);
    pthread_join(th, NULL);
    assert_int_equal(s.calls, 1);
    assert_true(qv_seconds_since(start) < 2.0);
    /* A stop requested before the loop runs is not lost. */
    qv_loop_stop(l);
    assert_int_equal(qv_loop_run(l, &err), 0);
    assert_int_equal(s.calls, 2);
    qv_loop_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_order_and_cancel),
        cmocka_unit_test(test_fd_level_triggered),
        cmocka_unit_test(test_stop_from_other_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
