/* exec.c — shared runtime pieces: operator states, limits, graph error mapping, nested plans.
 *
 * Owns: cy_op_instantiate / cy_op_open, cy_x_check (timeout, cancellation, memory), cy_x_graph_err,
 * cy_x_sub, cy_x_key, cy_op_alloc.
 * Must not: implement any operator's logic.
 */
#include "cypher/exec.h"

#include <string.h>
#include <time.h>

#include "cypher/ops/ops.h"

void *cy_op_alloc(cy_plan *p, size_t size, const cy_opvt *vt, xop *in) {
    xop *op = qv_arena_zalloc(&p->arena, size);
    op->vt = vt;
    op->in = in;
    op->id = p->nops++;
    return op;
}

cy_opstate *cy_op_instantiate(const xop *op, cy_x *x) {
    cy_opstate *s = qv_arena_zalloc(x->arena, op->vt->state_size);
    s->op = op;
    if (op->in) s->in = cy_op_instantiate(op->in, x);
    if (op->in2) s->in2 = cy_op_instantiate(op->in2, x);
    return s;
}

int cy_op_open(cy_opstate *s, cy_x *x) {
    if (s->in && cy_op_open(s->in, x)) return -1;
    return s->op->vt->open ? s->op->vt->open(s, x) : 0;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cy_x_check(cy_x *x) {
    if (x->cancel && atomic_load(x->cancel))
        return cy_err(x->err, CYE_CANCELLED, NULL, -1, "the query was cancelled");
    if (x->deadline_ns && now_ns() > x->deadline_ns)
        return cy_err(x->err, CYE_TIMEOUT, NULL, -1, "the query ran past its time limit");
    if (x->memory_limit && x->arena->total > x->memory_limit)
        return cy_err(x->err, CYE_MEMORY, NULL, -1, "the query used more than its memory limit of %llu bytes",
                      (unsigned long long)x->memory_limit);
    return 0;
}

int cy_x_graph_err(cy_x *x, const qv_err *ge, int32_t pos) {
    switch (ge->code) {
    case QV_EEXISTS: return cy_err(x->err, CYE_DUPLICATE_ID, "DuplicateId", pos, "%s", ge->msg);
    case QV_ECONSTRAINT: return cy_err(x->err, CYE_CONSTRAINT, NULL, pos, "%s", ge->msg);
    case QV_EINVAL: return cy_err(x->err, CYE_TYPE, "InvalidPropertyType", pos, "%s", ge->msg);
    case QV_ENOTFOUND: return cy_err(x->err, CYE_ENTITY_NOT_FOUND, NULL, pos, "%s", ge->msg);
    case QV_EPHASE: return cy_err(x->err, CYE_PHASE, NULL, pos, "%s", ge->msg);
    case QV_ENOMEM: case QV_ETOOBIG: return cy_err(x->err, CYE_MEMORY, NULL, pos, "%s", ge->msg);
    case QV_ECANCELLED: return cy_err(x->err, CYE_CANCELLED, NULL, pos, "%s", ge->msg);
    default: return cy_err(x->err, CYE_INTERNAL, NULL, pos, "%s: %s", qv_code_name(ge->code), ge->msg);
    }
}

cy_opstate *cy_x_sub(cy_x *x, uint32_t i) {
    if (i >= x->plan->nsubs) {
        cy_err(x->err, CYE_INTERNAL, NULL, -1, "nested plan %u missing", i);
        return NULL;
    }
    if (!x->subs) x->subs = qv_arena_zalloc(x->arena, sizeof(cy_opstate *) * x->plan->nsubs);
    if (!x->subs[i]) x->subs[i] = cy_op_instantiate(x->plan->subs[i], x);
    return x->subs[i];
}

/* A cheap spread of short names (a collision only costs a lookup in the graph's name table). */
static inline uint32_t kc_hash(const char *s, size_t len) {
    const unsigned char *u = (const unsigned char *)s;
    return (uint32_t)(len * 0x9E37u) ^ ((uint32_t)u[0] << 3) ^ ((uint32_t)u[len - 1] << 7) ^
           ((uint32_t)u[len / 2] << 11) ^ ((uint32_t)u[len / 3] << 1) ^ ((uint32_t)u[(2 * len) / 3] << 5);
}

/* The key cache is 2-way set associative (slots 2h and 2h+1): a query's handful of keys rarely thrash. */
static cy_kcache_ent *kc_set(cy_x *x, const char *name, size_t len) {
    if (len == 0 || len > CY_KCACHE_LEN) return NULL;
    uint32_t h = kc_hash(name, len);
    return &x->kcache[((h ^ (h >> 7)) & (CY_KCACHE / 2 - 1)) * 2];
}

static bool kc_hit(const cy_kcache_ent *e, const char *name, size_t len) {
    return e && e->len == len && memcmp(e->name, name, len) == 0;
}

static void kc_put(cy_kcache_ent *e, const char *name, size_t len, uint32_t id) {
    if (!e) return;
    e->len = (uint8_t)len;
    memcpy(e->name, name, len);
    e->id = id;
}

/* The entry of name in its set, or NULL. */
static cy_kcache_ent *kc_find(cy_kcache_ent *set, const char *name, size_t len) {
    if (!set) return NULL;
    if (kc_hit(&set[0], name, len)) return &set[0];
    if (kc_hit(&set[1], name, len)) return &set[1];
    return NULL;
}

/* Puts name first in its set, the previous first entry moving second. */
static void kc_add(cy_kcache_ent *set, const char *name, size_t len, uint32_t id) {
    if (!set) return;
    if (set[0].len) set[1] = set[0];
    kc_put(&set[0], name, len, id);
}

int64_t cy_x_key(cy_x *x, const char *name) {
    size_t len = strlen(name);
    cy_kcache_ent *set = kc_set(x, name, len), *e = kc_find(set, name, len);
    if (e) return e->id;
    int64_t id = gview_key_id(x->v, name, len);
    if (id >= 0) kc_add(set, name, len, (uint32_t)id);   /* unknown keys may appear later in a transaction */
    return id;
}

int64_t cy_x_label(cy_x *x, const char *name) {
    size_t len = strlen(name);
    cy_kcache_ent *e = len && len <= CY_KCACHE_LEN ? &x->lcache[kc_hash(name, len) & (CY_KCACHE / 4 - 1)] : NULL;
    if (kc_hit(e, name, len)) return e->id;
    int64_t id = gview_label_id(x->v, name, len);
    if (id >= 0) kc_put(e, name, len, (uint32_t)id);
    return id;
}

uint32_t cy_x_intern_name(cy_x *x, const char *name, int kind) {
    for (uint32_t i = 0; i < x->n_icache; i++)
        if (x->icache[i].name == name && x->icache[i].kind == kind) return x->icache[i].id;
    size_t len = strlen(name);
    uint32_t id = kind ? gtxn_type(x->t, name, len) : gtxn_label(x->t, name, len);
    if (x->n_icache < sizeof x->icache / sizeof *x->icache) {
        x->icache[x->n_icache].name = name;
        x->icache[x->n_icache].id = id;
        x->icache[x->n_icache++].kind = (uint8_t)kind;
    }
    return id;
}

int64_t cy_x_plan_label(cy_x *x, const char *name) {
    for (uint32_t i = 0; i < x->n_icache; i++)
        if (x->icache[i].name == name && x->icache[i].kind == 2) return x->icache[i].id;
    int64_t id = cy_x_label(x, name);
    if (id >= 0 && x->n_icache < sizeof x->icache / sizeof *x->icache) {   /* a missing label may come later */
        x->icache[x->n_icache].name = name;
        x->icache[x->n_icache].id = (uint32_t)id;
        x->icache[x->n_icache++].kind = 2;
    }
    return id;
}

uint32_t cy_x_intern_key(cy_x *x, const char *name, size_t len) {
    cy_kcache_ent *set = kc_set(x, name, len), *e = kc_find(set, name, len);
    if (e) return e->id;
    uint32_t id = gtxn_key(x->t, name, len);
    kc_add(set, name, len, id);
    return id;
}
