/* arena.h — bump allocation with one release for everything.
 *
 * Owns: qv_arena, a list of chunks that hands out aligned memory and frees it all at once. The openCypher
 * engine allocates every value of a query (strings, lists, maps, paths, temporal structs) in the query's
 * arena, so no value is ever freed on its own and no value needs a reference count.
 * Not thread-safe: one arena belongs to one thread at a time.
 */
#ifndef QV_ARENA_H
#define QV_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct qv_arena_chunk qv_arena_chunk;

typedef struct qv_arena {
    qv_arena_chunk *head;    /* newest chunk */
    uint8_t *pos, *end;      /* free space in head */
    size_t total;            /* bytes handed out (for memory budgets) */
} qv_arena;

/* A mark remembers the arena's state; qv_arena_reset_to frees everything allocated after it. */
typedef struct qv_arena_mark {
    qv_arena_chunk *head;
    uint8_t *pos, *end;
    size_t total;
} qv_arena_mark;

void qv_arena_init(qv_arena *a);
void qv_arena_free(qv_arena *a);                    /* frees every chunk; the arena is empty again */
void *qv_arena_alloc(qv_arena *a, size_t n);        /* 16-byte aligned; aborts on out of memory */
void *qv_arena_zalloc(qv_arena *a, size_t n);       /* zeroed */
void *qv_arena_dup(qv_arena *a, const void *p, size_t n);
char *qv_arena_strndup(qv_arena *a, const char *s, size_t n);  /* NUL-terminated copy */
qv_arena_mark qv_arena_mark_get(const qv_arena *a);
void qv_arena_reset_to(qv_arena *a, qv_arena_mark m);

#endif
