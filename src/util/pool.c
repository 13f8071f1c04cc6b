/* pool.c — the parallel-loop thread pool. Tasks are claimed with an atomic counter, so uneven tasks
 * balance themselves; the caller claims tasks too and waits for the stragglers. */
#include "util/pool.h"
#include "util/buf.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

struct qv_pool {
    int nthreads;            /* helper threads (excluding the caller) */
    pthread_t *threads;
    pthread_mutex_t run_lock; /* one job at a time */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    uint64_t generation;
    bool stop;
    qv_pool_fn fn;
    void *arg;
    size_t ntasks;
    size_t next;             /* atomic: next task to claim */
    int active;              /* helpers still inside the current job */
};

static void run_tasks(qv_pool *p) {
    for (;;) {
        size_t t = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (t >= p->ntasks) return;
        p->fn(p->arg, t);
    }
}

static void *worker(void *arg) {
    qv_pool *p = arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen) pthread_cond_wait(&p->cv_work, &p->mu);
        if (p->stop) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p);
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0) pthread_cond_signal(&p->cv_done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

qv_pool *qv_pool_new(int threads) {
    if (threads <= 0) threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1) threads = 1;
    qv_pool *p = qv_calloc(1, sizeof *p);
    p->nthreads = threads - 1;
    pthread_mutex_init(&p->run_lock, NULL);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_work, NULL);
    pthread_cond_init(&p->cv_done, NULL);
    p->threads = qv_calloc((size_t)(p->nthreads ? p->nthreads : 1), sizeof(pthread_t));
    for (int i = 0; i < p->nthreads; i++) pthread_create(&p->threads[i], NULL, worker, p);
    return p;
}

void qv_pool_free(qv_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->run_lock);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv_work);
    pthread_cond_destroy(&p->cv_done);
    free(p->threads);
    free(p);
}

int qv_pool_threads(const qv_pool *p) { return p->nthreads + 1; }

void qv_pool_run(qv_pool *p, size_t ntasks, qv_pool_fn fn, void *arg) {
    if (ntasks == 0) return;
    if (ntasks == 1 || p->nthreads == 0) {
        for (size_t t = 0; t < ntasks; t++) fn(arg, t);
        return;
    }
    pthread_mutex_lock(&p->run_lock);
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->arg = arg;
    p->ntasks = ntasks;
    p->next = 0;
    p->active = p->nthreads;
    p->generation++;
    pthread_cond_broadcast(&p->cv_work);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p);
    pthread_mutex_lock(&p->mu);
    while (p->active > 0) pthread_cond_wait(&p->cv_done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    pthread_mutex_unlock(&p->run_lock);
}
