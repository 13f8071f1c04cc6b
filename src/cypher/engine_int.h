/* engine_int.h — the engine's private structures, shared by engine*.c.
 * Must not: be included outside the engine. */
#ifndef QV_CYPHER_ENGINE_INT_H
#define QV_CYPHER_ENGINE_INT_H

#include <pthread.h>

#include "graph/catalog.h"
#include "util/pool.h"
#include "cypher/exec.h"
#include "cypher/plan.h"
#include "cypher/proc.h"

#define CY_CACHE_SLOTS 256

typedef struct cy_result cy_result;

typedef struct cy_cache_ent {
    char *key;
    size_t klen;
    uint64_t hash;
    cy_plan *plan;
    uint64_t used;         /* LRU clock */
} cy_cache_ent;

typedef struct cy_cache {
    pthread_mutex_t mu;
    cy_cache_ent ents[CY_CACHE_SLOTS];
    uint64_t clock;
    uint64_t hits, misses;
} cy_cache;

struct cy_engine {
    gcatalog *cat;
    qv_pool *pool;
    cy_procs *procs;
    cy_cache cache;
};

struct cy_result {
    cy_engine *e;
    graph *g;
    cy_plan *plan;
    qv_arena arena;
    cy_x x;
    cy_error rt_err;
    cy_opstate *root;
    gview *view;
    uint32_t ncols;
    const char **colnames;
    qval *out;             /* the current row (ncols) */
    /* materialised rows (write queries, schema commands, EXPLAIN) */
    bool materialised;
    qval *rows;
    uint64_t nrows, pos;
    bool done, failed;
    qv_arena_mark row_mark;  /* plan->row_local: the arena before the current row */
    cy_xstats stats;
};

/* The plan cache (engine_cache.c). Keys combine graph name, query text and parameter shape. */
void cy_cache_init(cy_cache *c);
void cy_cache_clear(cy_cache *c);
char *cy_cache_key(const char *graph, const char *text, size_t len, qval params, size_t *klen);
cy_plan *cy_cache_get(cy_cache *c, const char *key, size_t klen);   /* a reference, or NULL */
void cy_cache_put(cy_cache *c, char *key, size_t klen, cy_plan *plan);  /* takes key; refs the plan */

/* Schema statements (engine_schema.c): run in t (NULL for SHOW), rows into r. */
int cy_schema_run(cy_result *r, gtxn *t, gview *v, cy_error *err);

#endif
