/* loop.c — the epoll event loop: fd interest table, timer heap, wake-up eventfd.
 *
 * Owns: one epoll instance, a table indexed by fd of {callback, interest, generation}, a binary min-heap
 * of one-shot timers and an eventfd for qv_loop_stop. Level-triggered (see loop.h).
 * Must not: read or write the registered fds, or know what they are. The generation number stored in
 * each epoll event makes a stale event (fd closed and reused within one epoll_wait batch) harmless.
 */
#include "net/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"

typedef struct {
    qv_loop_io_fn fn;
    void *arg;
    unsigned mask;
    uint32_t gen;
    bool used;
} fd_slot;

typedef struct {
    uint64_t when_ns;
    uint64_t id;
    qv_loop_timer_fn fn;
    void *arg;
} timer;

struct qv_loop {
    int epfd;
    int wakefd;
    bool exit;
    fd_slot *fds;
    int nfds;            /* table size (highest fd + 1 that fits) */
    timer *timers;       /* min-heap on when_ns */
    size_t ntimers, captimers;
    uint64_t next_timer_id;
    uint32_t next_gen;
    qv_loop_stop_fn stop_fn;
    void *stop_arg;
};

#define MAX_EVENTS 128

qv_loop *qv_loop_new(qv_err *err) {
    qv_loop *l = qv_calloc(1, sizeof *l);
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->epfd < 0 || l->wakefd < 0) {
        qv_err_set(err, QV_EIO, "cannot create event loop: %s", strerror(errno));
        qv_loop_free(l);
        return NULL;
    }
    /* The wake fd is not in the table: data.u64 == UINT64_MAX marks it. */
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0) {
        qv_err_set(err, QV_EIO, "cannot create event loop: %s", strerror(errno));
        qv_loop_free(l);
        return NULL;
    }
    l->next_timer_id = 1;
    l->next_gen = 1;
    return l;
}

void qv_loop_free(qv_loop *l) {
    if (!l) return;
    if (l->epfd >= 0) close(l->epfd);
    if (l->wakefd >= 0) close(l->wakefd);
    free(l->fds);
    free(l->timers);
    free(l);
}

static uint32_t to_epoll(unsigned mask) {
    return (mask & QV_LOOP_READ ? EPOLLIN | EPOLLRDHUP : 0) | (mask & QV_LOOP_WRITE ? EPOLLOUT : 0);
}

static void ctl(qv_loop *l, int op, int fd) {
    struct epoll_event ev = {.events = to_epoll(l->fds[fd].mask),
                             .data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)l->fds[fd].gen << 32)};
    epoll_ctl(l->epfd, op, fd, &ev);
}

int qv_loop_add(qv_loop *l, int fd, unsigned mask, qv_loop_io_fn fn, void *arg, qv_err *err) {
    if (fd < 0) return qv_err_set(err, QV_EINTERNAL, "qv_loop_add: bad fd %d", fd);
    if (fd >= l->nfds) {
        int n = l->nfds ? l->nfds : 64;
        while (n <= fd) n *= 2;
        l->fds = qv_realloc(l->fds, (size_t)n * sizeof *l->fds);
        memset(l->fds + l->nfds, 0, (size_t)(n - l->nfds) * sizeof *l->fds);
        l->nfds = n;
    }
    fd_slot *s = &l->fds[fd];
    *s = (fd_slot){.fn = fn, .arg = arg, .mask = mask, .gen = l->next_gen++, .used = true};
    struct epoll_event ev = {.events = to_epoll(mask), .data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)s->gen << 32)};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        s->used = false;
        return qv_err_set(err, QV_EIO, "cannot watch socket: %s", strerror(errno));
    }
    return 0;
}

void qv_loop_set_mask(qv_loop *l, int fd, unsigned mask) {
    if (fd < 0 || fd >= l->nfds || !l->fds[fd].used || l->fds[fd].mask == mask) return;
    l->fds[fd].mask = mask;
    ctl(l, EPOLL_CTL_MOD, fd);
}

unsigned qv_loop_mask(const qv_loop *l, int fd) {
    if (fd < 0 || fd >= l->nfds || !l->fds[fd].used) return 0;
    return l->fds[fd].mask;
}

void qv_loop_del(qv_loop *l, int fd) {
    if (fd < 0 || fd >= l->nfds || !l->fds[fd].used) return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
    l->fds[fd].used = false;
    l->fds[fd].gen = 0;
}

/* ---- timers: a binary min-heap ordered by deadline ---- */

static void heap_swap(qv_loop *l, size_t a, size_t b) {
    timer t = l->timers[a];
    l->timers[a] = l->timers[b];
    l->timers[b] = t;
}

static void heap_up(qv_loop *l, size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (l->timers[p].when_ns <= l->timers[i].when_ns) break;
        heap_swap(l, p, i);
        i = p;
    }
}

static void heap_down(qv_loop *l, size_t i) {
    for (;;) {
        size_t a = 2 * i + 1, b = a + 1, m = i;
        if (a < l->ntimers && l->timers[a].when_ns < l->timers[m].when_ns) m = a;
        if (b < l->ntimers && l->timers[b].when_ns < l->timers[m].when_ns) m = b;
        if (m == i) return;
        heap_swap(l, m, i);
        i = m;
    }
}

static void heap_remove(qv_loop *l, size_t i) {
    l->timers[i] = l->timers[--l->ntimers];
    if (i < l->ntimers) {
        heap_down(l, i);
        heap_up(l, i);
    }
}

uint64_t qv_loop_timer_add(qv_loop *l, uint64_t ms, qv_loop_timer_fn fn, void *arg) {
    if (l->ntimers == l->captimers) {
        l->captimers = l->captimers ? l->captimers * 2 : 16;
        l->timers = qv_realloc(l->timers, l->captimers * sizeof *l->timers);
    }
    uint64_t id = l->next_timer_id++;
    l->timers[l->ntimers] = (timer){.when_ns = qv_now_ns() + ms * 1000000u, .id = id, .fn = fn, .arg = arg};
    heap_up(l, l->ntimers++);
    return id;
}

void qv_loop_timer_cancel(qv_loop *l, uint64_t id) {
    if (!id) return;
    for (size_t i = 0; i < l->ntimers; i++)
        if (l->timers[i].id == id) {
            heap_remove(l, i);
            return;
        }
}

static void run_timers(qv_loop *l) {
    uint64_t now = qv_now_ns();
    while (l->ntimers && l->timers[0].when_ns <= now && !l->exit) {
        timer t = l->timers[0];
        heap_remove(l, 0);
        t.fn(l, t.arg);
    }
}

static int wait_ms(const qv_loop *l) {
    if (!l->ntimers) return -1;
    uint64_t now = qv_now_ns(), when = l->timers[0].when_ns;
    if (when <= now) return 0;
    uint64_t ms = (when - now + 999999) / 1000000;
    return ms > 60000 ? 60000 : (int)ms;
}

/* ---- running and stopping ---- */

void qv_loop_on_stop(qv_loop *l, qv_loop_stop_fn fn, void *arg) {
    l->stop_fn = fn;
    l->stop_arg = arg;
}

void qv_loop_exit(qv_loop *l) { l->exit = true; }

void qv_loop_stop(qv_loop *l) {
    uint64_t one = 1;
    ssize_t w = write(l->wakefd, &one, sizeof one);
    (void)w; /* EAGAIN means the counter is already non-zero: the loop will wake anyway */
}

static void on_wake(qv_loop *l) {
    uint64_t v;
    ssize_t r = read(l->wakefd, &v, sizeof v);
    (void)r;
    if (l->stop_fn)
        l->stop_fn(l, l->stop_arg);
    else
        l->exit = true;
}

int qv_loop_run(qv_loop *l, qv_err *err) {
    struct epoll_event evs[MAX_EVENTS];
    l->exit = false;
    while (!l->exit) {
        int n = epoll_wait(l->epfd, evs, MAX_EVENTS, wait_ms(l));
        if (n < 0) {
            if (errno == EINTR) continue;
            return qv_err_set(err, QV_EIO, "epoll_wait failed: %s", strerror(errno));
        }
        for (int i = 0; i < n && !l->exit; i++) {
            uint64_t d = evs[i].data.u64;
            if (d == UINT64_MAX) {
                on_wake(l);
                continue;
            }
            int fd = (int)(uint32_t)d;
            uint32_t gen = (uint32_t)(d >> 32);
            if (fd >= l->nfds || !l->fds[fd].used || l->fds[fd].gen != gen) continue; /* stale */
            fd_slot *s = &l->fds[fd];
            uint32_t e = evs[i].events;
            unsigned ev = 0;
            if (e & (EPOLLIN | EPOLLRDHUP)) ev |= QV_LOOP_READ;
            if (e & EPOLLOUT) ev |= QV_LOOP_WRITE;
            if (e & (EPOLLERR | EPOLLHUP)) ev |= QV_LOOP_ERROR;
            ev &= s->mask | QV_LOOP_ERROR;
            if (ev) s->fn(l, fd, ev, s->arg);
        }
        run_timers(l);
    }
    return 0;
}
