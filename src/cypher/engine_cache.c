/* engine_cache.c — the plan cache: an LRU map from (graph, query text, parameter shape) to immutable
 * plans shared by every execution; lookups and inserts under one mutex, plans reference-counted so an
 * evicted plan lives until its last execution ends. Must not: hand out a plan without a reference. */
#include <stdlib.h>
#include <string.h>

#include "cypher/engine_int.h"
#include "util/hash.h"

void cy_cache_init(cy_cache *c) {
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
}

void cy_cache_clear(cy_cache *c) {
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < CY_CACHE_SLOTS; i++) {
        if (c->ents[i].plan) cy_plan_unref(c->ents[i].plan);
        free(c->ents[i].key);
        memset(&c->ents[i], 0, sizeof c->ents[i]);
    }
    pthread_mutex_unlock(&c->mu);
}

static char kind_letter(qval v) {
    static const char letters[] = "nbifslmNRPdtTLDu";
    return v.type < sizeof letters - 1 ? letters[v.type] : '?';
}

char *cy_cache_key(const char *graph, const char *text, size_t len, qval params, size_t *klen) {
    size_t gl = strlen(graph), n = gl + 1 + len + 1;
    if (params.type == QT_MAP)
        for (uint32_t i = 0; i < params.len; i++) n += params.ents[i].klen + 2;
    char *k = malloc(n);
    if (!k) return NULL;
    size_t o = 0;
    memcpy(k, graph, gl);
    o += gl;
    k[o++] = 0;
    memcpy(k + o, text, len);
    o += len;
    k[o++] = 0;
    if (params.type == QT_MAP)
        for (uint32_t i = 0; i < params.len; i++) {
            memcpy(k + o, params.ents[i].key, params.ents[i].klen);
            o += params.ents[i].klen;
            k[o++] = kind_letter(params.ents[i].v);
            k[o++] = 0;
        }
    *klen = o;
    return k;
}

cy_plan *cy_cache_get(cy_cache *c, const char *key, size_t klen) {
    uint64_t h = qv_hash_bytes(key, klen);
    cy_plan *p = NULL;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < CY_CACHE_SLOTS; i++) {
        cy_cache_ent *e = &c->ents[i];
        if (e->plan && e->hash == h && e->klen == klen && memcmp(e->key, key, klen) == 0) {
            e->used = ++c->clock;
            p = e->plan;
            cy_plan_ref(p);
            break;
        }
    }
    if (p) c->hits++;
    else c->misses++;
    pthread_mutex_unlock(&c->mu);
    return p;
}

void cy_cache_put(cy_cache *c, char *key, size_t klen, cy_plan *plan) {
    uint64_t h = qv_hash_bytes(key, klen);
    pthread_mutex_lock(&c->mu);
    int victim = -1;
    for (int i = 0; i < CY_CACHE_SLOTS && victim < 0; i++)   /* the same key (a plan made again) */
        if (c->ents[i].plan && c->ents[i].hash == h && c->ents[i].klen == klen && memcmp(c->ents[i].key, key, klen) == 0)
            victim = i;
    for (int i = 0; i < CY_CACHE_SLOTS && victim < 0; i++)
        if (!c->ents[i].plan) victim = i;
    if (victim < 0) {
        victim = 0;
        for (int i = 1; i < CY_CACHE_SLOTS; i++)
            if (c->ents[i].used < c->ents[victim].used) victim = i;
    }
    cy_cache_ent *e = &c->ents[victim];
    if (e->plan) cy_plan_unref(e->plan);
    free(e->key);
    e->key = key;
    e->klen = klen;
    e->hash = h;
    e->plan = plan;
    e->used = ++c->clock;
    cy_plan_ref(plan);
    pthread_mutex_unlock(&c->mu);
}
