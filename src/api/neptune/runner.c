/* runner.c — the query threads of the Neptune front end: threads started on demand up to a maximum (a query
 * blocked on a slow client holds its thread; the others keep going), and a FIFO of tasks once all are busy.
 *
 * A request is handed straight to an idle thread: idle threads wait on their own semaphore in a stack (the
 * one idle most recently goes first: its stack and caches are warm), and a submit pops one, gives it the
 * task and posts its semaphore after the lock is released. So a request costs one wake-up of one thread;
 * nothing wakes a thread that then finds the lock held or nothing to do. A thread that finishes takes the
 * next queued task, if any, before going idle.
 * Must not: know what a task does.
 */
#include "api/neptune/np_int.h"

#include <errno.h>
#include <semaphore.h>
#include <stdlib.h>

typedef struct np_task {
    np_task_fn fn;
    void *arg;
    struct np_task *next;
} np_task;

typedef struct np_thread {
    struct np_runner *r;
    sem_t go;                   /* posted once fn/arg are set (fn NULL: stop) */
    np_task_fn fn;
    void *arg;
    struct np_thread *next_idle;
    pthread_t tid;
} np_thread;

struct np_runner {
    pthread_mutex_t mu;
    np_task *head, *tail;       /* tasks waiting for a thread (all busy) */
    np_thread *idle;            /* idle threads, the most recent first */
    np_thread **threads;
    int max, nthreads;
    bool stopping;
};

/* Runs the handed task, then queued ones; returns false once the thread must stop. Locks r->mu. */
static bool run_then_park(np_thread *t) {
    np_runner *r = t->r;
    np_task_fn fn = t->fn;
    void *arg = t->arg;
    for (;;) {
        fn(arg);
        pthread_mutex_lock(&r->mu);
        np_task *q = r->head;
        if (!q) break;
        r->head = q->next;
        if (!r->head) r->tail = NULL;
        pthread_mutex_unlock(&r->mu);
        fn = q->fn;
        arg = q->arg;
        free(q);
    }
    bool go_on = !r->stopping;   /* stopping and nothing left */
    if (go_on) {
        t->next_idle = r->idle;
        r->idle = t;
    }
    pthread_mutex_unlock(&r->mu);
    return go_on;
}

static void *thread_main(void *arg) {
    np_thread *t = arg;
    while (run_then_park(t)) {
        while (sem_wait(&t->go) != 0 && errno == EINTR) {
        }
        if (!t->fn) break;
    }
    return NULL;
}

np_runner *np_runner_new(int max_threads) {
    np_runner *r = qv_calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->max = max_threads > 0 ? max_threads : 64;
    r->threads = qv_calloc((size_t)r->max, sizeof *r->threads);
    return r;
}

int np_runner_submit(np_runner *r, np_task_fn fn, void *arg) {
    pthread_mutex_lock(&r->mu);
    if (r->stopping) {
        pthread_mutex_unlock(&r->mu);
        return -1;
    }
    np_thread *t = r->idle;
    if (t) {   /* hand it over: only this thread wakes */
        r->idle = t->next_idle;
        t->fn = fn;
        t->arg = arg;
        pthread_mutex_unlock(&r->mu);
        sem_post(&t->go);
        return 0;
    }
    if (r->nthreads < r->max) {   /* a new thread starts with the task */
        t = qv_calloc(1, sizeof *t);
        t->r = r;
        t->fn = fn;
        t->arg = arg;
        sem_init(&t->go, 0, 0);
        if (pthread_create(&t->tid, NULL, thread_main, t) == 0) {
            r->threads[r->nthreads++] = t;
            pthread_mutex_unlock(&r->mu);
            return 0;
        }
        sem_destroy(&t->go);
        free(t);
    }
    if (r->nthreads == 0) {   /* no thread at all could start: refuse rather than run it on the caller */
        pthread_mutex_unlock(&r->mu);
        return -1;
    }
    np_task *q = qv_malloc(sizeof *q);   /* all busy: the FIFO */
    q->fn = fn;
    q->arg = arg;
    q->next = NULL;
    if (r->tail)
        r->tail->next = q;
    else
        r->head = q;
    r->tail = q;
    pthread_mutex_unlock(&r->mu);
    return 0;
}

void np_runner_free(np_runner *r) {
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;   /* busy threads finish the queue, then stop instead of parking */
    np_thread *idle = r->idle;
    r->idle = NULL;
    pthread_mutex_unlock(&r->mu);
    for (np_thread *t = idle, *next; t; t = next) {
        next = t->next_idle;
        t->fn = NULL;
        sem_post(&t->go);
    }
    for (int i = 0; i < r->nthreads; i++) {
        pthread_join(r->threads[i]->tid, NULL);
        sem_destroy(&r->threads[i]->go);
        free(r->threads[i]);
    }
    free(r->threads);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
