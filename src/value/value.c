/* value.c — building openCypher values: arena strings, paths, list and map builders, map lookup,
 * type names and deep copies (see value.h).
 *
 * Owns: the memory layout of composite values. Must not: compare or compute (value_cmp.c,
 * value_arith.c), render (value_str.c), touch temporal payload semantics (temporal*.c), or call malloc:
 * every byte comes from the caller's arena.
 */
#include "value/value.h"

#include <string.h>

qval qv_str_copy(qv_arena *a, const char *s, size_t n) {
    if (n > UINT32_MAX) n = UINT32_MAX;
    char *p = qv_arena_strndup(a, s, n);
    return qv_str_ref(p, (uint32_t)n);
}

qval qv_str_cstr(qv_arena *a, const char *s) { return qv_str_copy(a, s, strlen(s)); }

qval qv_path_make(qv_arena *a, uint32_t n_rels, const uint64_t *nodes, const uint64_t *rels) {
    qpath *p = qv_arena_alloc(a, sizeof *p);
    p->n_rels = n_rels;
    p->nodes = qv_arena_dup(a, nodes, ((size_t)n_rels + 1) * sizeof *nodes);
    p->rels = qv_arena_dup(a, rels, (size_t)n_rels * sizeof *rels);
    qval v = {.type = QT_PATH};
    v.path = p;
    return v;
}

/* ---- list builder ---- */
void qlist_b_init(qlist_b *b, qv_arena *a, uint32_t cap_hint) {
    b->a = a;
    b->n = 0;
    b->cap = cap_hint ? cap_hint : 4;
    b->items = qv_arena_alloc(a, (size_t)b->cap * sizeof(qval));
}

void qlist_b_push(qlist_b *b, qval v) {
    if (b->n == b->cap) {
        uint32_t cap = b->cap > UINT32_MAX / 2 ? UINT32_MAX : b->cap * 2;
        if (cap == b->n) return;   /* 4 billion elements: the arena budget stops queries long before */
        qval *items = qv_arena_alloc(b->a, (size_t)cap * sizeof(qval));
        memcpy(items, b->items, (size_t)b->n * sizeof(qval));
        b->items = items;
        b->cap = cap;
    }
    b->items[b->n++] = v;
}

qval qlist_b_done(qlist_b *b) { return qv_list_ref(b->items, b->n); }

/* ---- map builder ---- */
void qmap_b_init(qmap_b *b, qv_arena *a, uint32_t cap_hint) {
    b->a = a;
    b->n = 0;
    b->cap = cap_hint ? cap_hint : 4;
    b->ents = qv_arena_alloc(a, (size_t)b->cap * sizeof(qmapent));
}

void qmap_b_set(qmap_b *b, const char *key, size_t klen, qval v) {
    for (uint32_t i = 0; i < b->n; i++) {
        if (b->ents[i].klen == klen && memcmp(b->ents[i].key, key, klen) == 0) {
            b->ents[i].v = v;
            return;
        }
    }
    if (b->n == b->cap) {
        uint32_t cap = b->cap > UINT32_MAX / 2 ? UINT32_MAX : b->cap * 2;
        if (cap == b->n) return;
        qmapent *ents = qv_arena_alloc(b->a, (size_t)cap * sizeof(qmapent));
        memcpy(ents, b->ents, (size_t)b->n * sizeof(qmapent));
        b->ents = ents;
        b->cap = cap;
    }
    if (klen > UINT32_MAX) klen = UINT32_MAX;
    qmapent *e = &b->ents[b->n++];
    e->key = qv_arena_strndup(b->a, key, klen);
    e->klen = (uint32_t)klen;
    e->v = v;
}

qval qmap_b_done(qmap_b *b) { return qv_map_ref(b->ents, b->n); }

const qval *qv_map_get(qval map, const char *key, size_t klen) {
    if (map.type != QT_MAP) return NULL;
    for (uint32_t i = 0; i < map.len; i++) {
        const qmapent *e = &map.ents[i];
        if (e->klen == klen && memcmp(e->key, key, klen) == 0) return &e->v;
    }
    return NULL;
}

const char *qv_type_name(qtype t) {
    switch (t) {
    case QT_NULL: return "Null";
    case QT_BOOL: return "Boolean";
    case QT_INT: return "Integer";
    case QT_FLOAT: return "Float";
    case QT_STRING: return "String";
    case QT_LIST: return "List";
    case QT_MAP: return "Map";
    case QT_NODE: return "Node";
    case QT_REL: return "Relationship";
    case QT_PATH: return "Path";
    case QT_DATE: return "Date";
    case QT_LOCALTIME: return "LocalTime";
    case QT_TIME: return "Time";
    case QT_LOCALDATETIME: return "LocalDateTime";
    case QT_DATETIME: return "DateTime";
    case QT_DURATION: return "Duration";
    }
    return "Unknown";
}

/* Deep copy, recursion bounded by the value's nesting (values are built by queries whose nesting the
 * parser bounds; a hard cap keeps a hostile value from exhausting the stack). */
#define QV_COPY_MAX_DEPTH 1000

static qval deep_copy(qv_arena *a, qval v, int depth) {
    switch ((qtype)v.type) {
    case QT_STRING: return qv_str_copy(a, v.s, v.len);
    case QT_LIST: {
        qval *items = qv_arena_alloc(a, (size_t)v.len * sizeof(qval));
        for (uint32_t i = 0; i < v.len; i++)
            items[i] = depth < QV_COPY_MAX_DEPTH ? deep_copy(a, v.items[i], depth + 1) : v.items[i];
        return qv_list_ref(items, v.len);
    }
    case QT_MAP: {
        qmapent *ents = qv_arena_alloc(a, (size_t)v.len * sizeof(qmapent));
        for (uint32_t i = 0; i < v.len; i++) {
            ents[i].key = qv_arena_strndup(a, v.ents[i].key, v.ents[i].klen);
            ents[i].klen = v.ents[i].klen;
            ents[i].v = depth < QV_COPY_MAX_DEPTH ? deep_copy(a, v.ents[i].v, depth + 1) : v.ents[i].v;
        }
        return qv_map_ref(ents, v.len);
    }
    case QT_PATH: return qv_path_make(a, v.path->n_rels, v.path->nodes, v.path->rels);
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME: {
        qtemporal *t = qv_arena_dup(a, v.tm, sizeof *t);
        if (t->zone) t->zone = qv_arena_strndup(a, t->zone, strlen(t->zone));
        qval r = v;
        r.tm = t;
        return r;
    }
    case QT_DURATION: {
        qval r = v;
        r.dur = qv_arena_dup(a, v.dur, sizeof *v.dur);
        return r;
    }
    case QT_NULL: case QT_BOOL: case QT_INT: case QT_FLOAT: case QT_NODE: case QT_REL:
        return v;
    }
    return v;
}

qval qv_deep_copy(qv_arena *a, qval v) { return deep_copy(a, v, 0); }
