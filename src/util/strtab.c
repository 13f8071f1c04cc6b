/* strtab.c — the name-interning hash table (linear probing over ids). */
#include "util/strtab.h"
#include "util/buf.h"
#include "util/hash.h"

#include <stdlib.h>
#include <string.h>

void qv_strtab_init(qv_strtab *t) { memset(t, 0, sizeof *t); }

void qv_strtab_free(qv_strtab *t) {
    for (uint32_t i = 0; i < t->count; i++) free(t->names[i]);
    free(t->names);
    free(t->lens);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

int64_t qv_strtab_find(const qv_strtab *t, const char *s, size_t n) {
    if (!t->nslots) return -1;
    uint32_t mask = t->nslots - 1;
    for (uint32_t i = (uint32_t)qv_hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
        uint32_t v = t->slots[i];
        if (!v) return -1;
        if (t->lens[v - 1] == n && memcmp(t->names[v - 1], s, n) == 0) return v - 1;
    }
}

static void place(qv_strtab *t, uint32_t id) {
    uint32_t mask = t->nslots - 1;
    uint32_t i = (uint32_t)qv_hash_bytes(t->names[id], t->lens[id]) & mask;
    while (t->slots[i]) i = (i + 1) & mask;
    t->slots[i] = id + 1;
}

uint32_t qv_strtab_intern(qv_strtab *t, const char *s, size_t n) {
    int64_t f = qv_strtab_find(t, s, n);
    if (f >= 0) return (uint32_t)f;
    if ((t->count + 1) * 2 > t->nslots) {
        uint32_t ns = t->nslots ? t->nslots * 2 : 16;
        free(t->slots);
        t->slots = qv_calloc(ns, sizeof *t->slots);
        t->nslots = ns;
        for (uint32_t i = 0; i < t->count; i++) place(t, i);
    }
    if (t->count == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->names = qv_realloc(t->names, t->cap * sizeof *t->names);
        t->lens = qv_realloc(t->lens, t->cap * sizeof *t->lens);
    }
    uint32_t id = t->count++;
    t->names[id] = qv_strndup(s, n);
    t->lens[id] = (uint32_t)n;
    place(t, id);
    return id;
}
