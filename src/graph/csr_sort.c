/* csr_sort.c — sorting one node's outgoing segment by (type, target), stably, so that a per-type scan
 * is a sub-range and parallel relationships keep their input order.
 * Owns: insertion sort for short segments (on the targets alone when the segment has one type, the common
 * case: half the data moved and one 32-bit compare per step), a merge sort over packed records for long ones.
 * Must not: allocate per segment (the scratch grows and is reused). */
#include "graph/csr_int.h"
#include "util/buf.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct srec {
    uint64_t key;       /* type << 32 | target */
    uint32_t perm;
    uint32_t pad;
} srec;

static inline uint64_t skey(const uint32_t *tgt, const uint16_t *ty, uint64_t i) {
    return (uint64_t)ty[i] << 32 | tgt[i];
}

static void insert_arrays(uint32_t *tgt, uint16_t *ty, uint32_t *perm, uint64_t from, uint64_t d) {
    for (uint64_t j = from; j < d; j++) {
        uint32_t kt = tgt[j], kp = perm ? perm[j] : 0;
        uint16_t kty = ty[j];
        uint64_t k = (uint64_t)kty << 32 | kt, h = j;
        while (h > 0 && skey(tgt, ty, h - 1) > k) {
            tgt[h] = tgt[h - 1];
            ty[h] = ty[h - 1];
            if (perm) perm[h] = perm[h - 1];
            h--;
        }
        tgt[h] = kt;
        ty[h] = kty;
        if (perm) perm[h] = kp;
    }
}

/* The same when every row of the segment has one type: the order is the targets' order. */
static void insert_targets(uint32_t *tgt, uint32_t *perm, uint64_t from, uint64_t d) {
    for (uint64_t j = from; j < d; j++) {
        uint32_t kt = tgt[j], kp = perm ? perm[j] : 0;
        uint64_t h = j;
        while (h > 0 && tgt[h - 1] > kt) {
            tgt[h] = tgt[h - 1];
            if (perm) perm[h] = perm[h - 1];
            h--;
        }
        tgt[h] = kt;
        if (perm) perm[h] = kp;
    }
}

static bool one_type(const uint16_t *ty, uint64_t d) {
    uint16_t t0 = ty[0], diff = 0;
    for (uint64_t j = 1; j < d; j++) diff |= (uint16_t)(ty[j] ^ t0);
    return diff == 0;
}

static void insert_recs(srec *a, uint64_t d) {
    for (uint64_t j = 1; j < d; j++) {
        srec x = a[j];
        uint64_t h = j;
        while (h > 0 && a[h - 1].key > x.key) {
            a[h] = a[h - 1];
            h--;
        }
        a[h] = x;
    }
}

#define RUN 16

/* Scratch for 2 * d records (the presort shares it: its size is in bytes for both). */
static srec *scratch_recs(gcsr_scratch *s, uint64_t d) { return gcsr_scratch_grow(s, 2 * d * sizeof(srec)); }

/* Stable merge sort of a[0..d) by key (b: d more records of scratch); returns where the result is. */
static srec *merge_recs(srec *a, srec *b, uint64_t d) {
    for (uint64_t r = 0; r < d; r += RUN) insert_recs(a + r, d - r < RUN ? d - r : RUN);
    for (uint64_t w = RUN; w < d; w *= 2) {   /* bottom-up merges; left wins ties: stable */
        for (uint64_t r = 0; r < d; r += 2 * w) {
            uint64_t m = r + w < d ? r + w : d, e = r + 2 * w < d ? r + 2 * w : d;
            uint64_t x = r, y = m, o = r;
            while (x < m && y < e) b[o++] = a[y].key < a[x].key ? a[y++] : a[x++];
            while (x < m) b[o++] = a[x++];
            while (y < e) b[o++] = a[y++];
        }
        srec *t = a;
        a = b;
        b = t;
    }
    return a;
}

/* A segment whose rows all have one type that is not stored per row (ty == NULL): targets alone. */
static void sort_targets(uint32_t *tgt, uint32_t *perm, uint64_t d, gcsr_scratch *s) {
    uint64_t i = 1;
    while (i < d && tgt[i - 1] <= tgt[i]) i++;
    if (i >= d) return;
    if (d <= 32) {
        insert_targets(tgt, perm, i, d);
        return;
    }
    srec *a = scratch_recs(s, d);
    for (uint64_t j = 0; j < d; j++) a[j] = (srec){.key = tgt[j], .perm = perm ? perm[j] : 0};
    a = merge_recs(a, a + d, d);
    for (uint64_t j = 0; j < d; j++) {
        tgt[j] = (uint32_t)a[j].key;
        if (perm) perm[j] = a[j].perm;
    }
}

void gcsr_sort_segment(uint32_t *tgt, uint16_t *ty, uint32_t *perm, uint64_t d, gcsr_scratch *s) {
    if (!ty) {
        sort_targets(tgt, perm, d, s);
        return;
    }
    uint64_t i = 1;
    while (i < d && skey(tgt, ty, i - 1) <= skey(tgt, ty, i)) i++;
    if (i >= d) return;   /* already in order: the common case for sorted input */
    if (d <= 32) {
        if (one_type(ty, d)) insert_targets(tgt, perm, i, d);
        else insert_arrays(tgt, ty, perm, i, d);
        return;
    }
    srec *a = scratch_recs(s, d);
    for (uint64_t j = 0; j < d; j++) a[j] = (srec){.key = skey(tgt, ty, j), .perm = perm ? perm[j] : 0};
    a = merge_recs(a, a + d, d);
    for (uint64_t j = 0; j < d; j++) {
        tgt[j] = (uint32_t)a[j].key;
        ty[j] = (uint16_t)(a[j].key >> 32);
        if (perm) perm[j] = a[j].perm;
    }
}
