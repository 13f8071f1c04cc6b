/* runner.c — the query threads of the Neptune front end: a FIFO of tasks and threads started on demand up
 * to a maximum (a query blocked on a slow client holds its thread; the others keep going).
 * Must not: know what a task does.
 */
#include "api/neptune/np_int.h"

#include <stdlib.h>

typedef struct np_task {
    np_task_fn fn;
    void *arg;
    struct np_task *next;
} np_task;

struct np_runner {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    np_task *head, *tail;
    int max, nthreads, idle;
    bool stopping;
    pthread_t *threads;
};

static void *thread_main(void *arg) {
    np_runner *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->head && !r->stopping) {
            r->idle++;
            pthread_cond_wait(&r->cv, &r->mu);
            r->idle--;
        }
        if (!r->head) break;   /* stopping and nothing left */
        np_task *t = r->head;
        r->head = t->next;
        if (!r->head) r->tail = NULL;
        pthread_mutex_unlock(&r->mu);
        t->fn(t->arg);
        free(t);
        pthread_mutex_lock(&r->mu);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

np_runner *np_runner_new(int max_threads) {
    np_runner *r = qv_calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->max = max_threads > 0 ? max_threads : 64;
    r->threads = qv_calloc((size_t)r->max, sizeof(pthread_t));
    return r;
}

int np_runner_submit(np_runner *r, np_task_fn fn, void *arg) {
    np_task *t = qv_malloc(sizeof *t);
    t->fn = fn;
    t->arg = arg;
    t->next = NULL;
    pthread_mutex_lock(&r->mu);
    if (r->idle == 0 && r->nthreads < r->max &&
        pthread_create(&r->threads[r->nthreads], NULL, thread_main, r) == 0)
        r->nthreads++;
    if (r->nthreads == 0) {   /* no thread at all could start: refuse rather than run it on the caller */
        pthread_mutex_unlock(&r->mu);
        free(t);
        return -1;
    }
    if (r->tail)
        r->tail->next = t;
    else
        r->head = t;
    r->tail = t;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return 0;
}

void np_runner_free(np_runner *r) {
    if (!r) return;
    pthread_mutex_lock(&r->mu);
    r->stopping = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    for (int i = 0; i < r->nthreads; i++) pthread_join(r->threads[i], NULL);
    free(r->threads);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
