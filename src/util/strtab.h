/* strtab.h — interning of names (labels, relationship types, property keys) to dense small ids.
 *
 * Owns: qv_strtab, an append-only table: ids are 0, 1, 2, ... in order of first insertion and never change.
 * Not thread-safe: callers that share one (the bulk loader) hold their own lock around qv_strtab_intern.
 */
#ifndef QV_STRTAB_H
#define QV_STRTAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct qv_strtab {
    char **names;      /* id -> NUL-terminated name */
    uint32_t *lens;    /* id -> length (names may contain NUL bytes only if interned with a length) */
    uint32_t count;
    uint32_t cap;      /* allocated entries of names/lens (grown geometrically) */
    uint32_t *slots;   /* open addressing: id + 1, 0 = empty */
    uint32_t nslots;   /* power of two */
} qv_strtab;

void qv_strtab_init(qv_strtab *t);
void qv_strtab_free(qv_strtab *t);
uint32_t qv_strtab_intern(qv_strtab *t, const char *s, size_t n);  /* returns the id */
/* Returns the id, or -1 when the name is not interned. */
int64_t qv_strtab_find(const qv_strtab *t, const char *s, size_t n);
static inline const char *qv_strtab_name(const qv_strtab *t, uint32_t id) { return t->names[id]; }

#endif
