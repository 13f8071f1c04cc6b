/* arena.c — bump allocation in geometrically growing chunks (see arena.h). */
#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct qv_arena_chunk {
    qv_arena_chunk *prev;
    size_t size;             /* usable bytes after the header */
    _Alignas(16) uint8_t data[];
};

#define ARENA_MIN_CHUNK 4096u
#define ARENA_MAX_CHUNK (4u << 20)

void qv_arena_init(qv_arena *a) { memset(a, 0, sizeof *a); }

static void free_chunks_after(qv_arena_chunk *c, qv_arena_chunk *stop) {
    while (c && c != stop) {
        qv_arena_chunk *p = c->prev;
        free(c);
        c = p;
    }
}

void qv_arena_free(qv_arena *a) {
    free_chunks_after(a->head, NULL);
    memset(a, 0, sizeof *a);
}

void *qv_arena_alloc(qv_arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    if ((size_t)(a->end - a->pos) < n || !a->pos) {
        size_t sz = a->head ? a->head->size * 2 : ARENA_MIN_CHUNK;
        if (sz > ARENA_MAX_CHUNK) sz = ARENA_MAX_CHUNK;
        if (sz < n) sz = n;
        qv_arena_chunk *c = qv_malloc(sizeof *c + sz);
        c->prev = a->head;
        c->size = sz;
        a->head = c;
        a->pos = c->data;
        a->end = c->data + sz;
    }
    void *p = a->pos;
    a->pos += n;
    a->total += n;
    return p;
}

void *qv_arena_zalloc(qv_arena *a, size_t n) {
    void *p = qv_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *qv_arena_dup(qv_arena *a, const void *p, size_t n) {
    void *q = qv_arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *qv_arena_strndup(qv_arena *a, const char *s, size_t n) {
    char *q = qv_arena_alloc(a, n + 1);
    if (n) memcpy(q, s, n);
    q[n] = 0;
    return q;
}

qv_arena_mark qv_arena_mark_get(const qv_arena *a) {
    return (qv_arena_mark){a->head, a->pos, a->end, a->total};
}

void qv_arena_reset_to(qv_arena *a, qv_arena_mark m) {
    free_chunks_after(a->head, m.head);
    a->head = m.head;
    a->pos = m.pos;
    a->end = m.end;
    a->total = m.total;
}
