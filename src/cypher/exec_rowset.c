/* exec_rowset.c — a hash set of value tuples under grouping equivalence (qv_hash / qv_equivalent), the
 * core of DISTINCT, aggregation and UNION. Memory comes from the query arena (grown by doubling).
 * Must not: compare with equality (=): null ~ null and NaN ~ NaN here.
 */
#include <string.h>

#include "cypher/exec.h"

void cy_rowset_init(cy_rowset *s, uint32_t w) {
    memset(s, 0, sizeof *s);
    s->w = w;
}

static uint64_t tuple_hash(const qval *k, uint32_t w) {
    uint64_t h = 0x84222325cbf29ce4ull;
    for (uint32_t i = 0; i < w; i++) h = (h ^ qv_hash(k[i])) * 0x100000001b3ull + (h >> 29);
    return h;
}

static bool tuple_eq(const qval *a, const qval *b, uint32_t w) {
    for (uint32_t i = 0; i < w; i++)
        if (!qv_equivalent(a[i], b[i])) return false;
    return true;
}

static void rehash(cy_rowset *s, qv_arena *a) {
    uint32_t nc = s->tcap ? s->tcap * 2 : 64;
    s->tab = qv_arena_zalloc(a, sizeof(uint32_t) * nc);
    s->tcap = nc;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t h = (uint32_t)s->hashes[i] & (nc - 1);
        while (s->tab[h]) h = (h + 1) & (nc - 1);
        s->tab[h] = i + 1;
    }
}

uint32_t cy_rowset_add(cy_rowset *s, qv_arena *a, const qval *key, bool *added) {
    uint64_t h = tuple_hash(key, s->w);
    if (s->tcap) {
        uint32_t m = s->tcap - 1, i = (uint32_t)h & m;
        while (s->tab[i]) {
            uint32_t e = s->tab[i] - 1;
            if (s->hashes[e] == h && tuple_eq(s->keys + (size_t)e * s->w, key, s->w)) {
                *added = false;
                return e;
            }
            i = (i + 1) & m;
        }
    }
    if (s->n == s->cap) {
        uint32_t nc = s->cap ? s->cap * 2 : 16;
        qval *nk = qv_arena_alloc(a, sizeof(qval) * (s->w ? s->w : 1) * nc);
        uint64_t *nh = qv_arena_alloc(a, sizeof(uint64_t) * nc);
        if (s->n) {
            memcpy(nk, s->keys, sizeof(qval) * s->w * s->n);
            memcpy(nh, s->hashes, sizeof(uint64_t) * s->n);
        }
        s->keys = nk;
        s->hashes = nh;
        s->cap = nc;
    }
    uint32_t e = s->n++;
    if (s->w) memcpy(s->keys + (size_t)e * s->w, key, sizeof(qval) * s->w);
    s->hashes[e] = h;
    if (s->n * 2 > s->tcap) rehash(s, a);
    else {
        uint32_t m = s->tcap - 1, i = (uint32_t)h & m;
        while (s->tab[i]) i = (i + 1) & m;
        s->tab[i] = e + 1;
    }
    *added = true;
    return e;
}
