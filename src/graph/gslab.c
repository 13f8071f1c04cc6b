/* gslab.c — the slab arena (see gslab.h). Must not: hand out memory of a released slab. */
#include "graph/gslab.h"
#include "graph/gpar.h"
#include "util/buf.h"

#include <stdlib.h>
#include <string.h>

#define SLAB ((size_t)64 << 20)   /* above glibc's largest mmap threshold: always its own mapping */

void gslab_init(gslab *a) {
    memset(a, 0, sizeof *a);
    pthread_mutex_init(&a->mu, NULL);
}

void *gslab_alloc(gslab *a, size_t bytes) {
    bytes = (bytes + 63) & ~(size_t)63;
    pthread_mutex_lock(&a->mu);
    if (!a->nslabs || a->size - a->used < bytes) {
        size_t sz = bytes > SLAB ? bytes : SLAB;
        char *s = gpar_alloc(sz + 64);
        if (!s) {
            pthread_mutex_unlock(&a->mu);
            return NULL;
        }
        if (a->nslabs == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 16;
            a->slabs = qv_realloc(a->slabs, a->cap * sizeof *a->slabs);
        }
        a->slabs[a->nslabs++] = s;
        a->size = sz + 64;
        a->used = (size_t)(((uintptr_t)s + 63) & ~(uintptr_t)63) - (uintptr_t)s;   /* align the first piece */
        a->bytes += sz + 64;
    }
    void *p = a->slabs[a->nslabs - 1] + a->used;
    a->used += bytes;
    pthread_mutex_unlock(&a->mu);
    return p;
}

void gslab_release(gslab *a) {
    pthread_mutex_lock(&a->mu);
    for (size_t i = 0; i < a->nslabs; i++) free(a->slabs[i]);
    a->nslabs = 0;
    a->used = a->size = 0;
    a->bytes = 0;
    pthread_mutex_unlock(&a->mu);
}

void gslab_destroy(gslab *a) {
    gslab_release(a);
    free(a->slabs);
    pthread_mutex_destroy(&a->mu);
}

uint64_t gslab_bytes(gslab *a) {
    pthread_mutex_lock(&a->mu);
    uint64_t b = a->bytes;
    pthread_mutex_unlock(&a->mu);
    return b;
}
