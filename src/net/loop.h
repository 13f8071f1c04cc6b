/* loop.h — a small epoll event loop, one per worker thread.
 *
 * Owns: readiness notification for file descriptors, one-shot timers, and a wake-up eventfd that lets
 * another thread stop the loop. It is LEVEL-TRIGGERED: a callback is called again on the next iteration
 * as long as the fd stays readable/writable and the interest is set, so a handler may read only part of
 * what is available (fairness between connections) and turns reading off simply by dropping
 * QV_LOOP_READ from its interest.
 * Must not: read or write the sockets it watches, or know anything about protocols.
 *
 * Threading: everything except qv_loop_stop must be called on the loop's own thread.
 */
#ifndef QV_NET_LOOP_H
#define QV_NET_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

typedef struct qv_loop qv_loop;

enum { QV_LOOP_READ = 1u, QV_LOOP_WRITE = 2u };
/* `events` given to callbacks: QV_LOOP_READ / QV_LOOP_WRITE, plus QV_LOOP_ERROR for hang-up or error. */
enum { QV_LOOP_ERROR = 4u };

typedef void (*qv_loop_io_fn)(qv_loop *loop, int fd, unsigned events, void *arg);
typedef void (*qv_loop_timer_fn)(qv_loop *loop, void *arg);
/* Called on the loop thread once, right after qv_loop_stop was called from any thread. */
typedef void (*qv_loop_stop_fn)(qv_loop *loop, void *arg);

qv_loop *qv_loop_new(qv_err *err);
/* Frees the loop. Registered fds are NOT closed (their owners close them). */
void qv_loop_free(qv_loop *loop);

/* Registers fd with an interest mask (QV_LOOP_READ | QV_LOOP_WRITE, possibly 0). */
int qv_loop_add(qv_loop *loop, int fd, unsigned mask, qv_loop_io_fn fn, void *arg, qv_err *err);
/* Changes the interest mask; a no-op when it is unchanged. */
void qv_loop_set_mask(qv_loop *loop, int fd, unsigned mask);
unsigned qv_loop_mask(const qv_loop *loop, int fd);
/* Unregisters fd. Events already fetched for it in the current iteration are dropped. */
void qv_loop_del(qv_loop *loop, int fd);

/* A one-shot timer firing after `ms` milliseconds. Returns an id > 0 for qv_loop_timer_cancel. */
uint64_t qv_loop_timer_add(qv_loop *loop, uint64_t ms, qv_loop_timer_fn fn, void *arg);
/* Cancels a pending timer; a no-op when it already fired or id is 0. */
void qv_loop_timer_cancel(qv_loop *loop, uint64_t id);

/* Sets the function run (on the loop thread) when qv_loop_stop is called. Without one, the loop simply
 * returns from qv_loop_run; with one, the function decides when to call qv_loop_exit. */
void qv_loop_on_stop(qv_loop *loop, qv_loop_stop_fn fn, void *arg);
/* Runs until qv_loop_exit is called. Returns 0, or -1 if epoll itself failed (err filled). */
int qv_loop_run(qv_loop *loop, qv_err *err);
/* Makes qv_loop_run return after the current iteration. Loop thread only. */
void qv_loop_exit(qv_loop *loop);
/* Asks the loop to stop. The only function safe to call from any thread. */
void qv_loop_stop(qv_loop *loop);

#endif
