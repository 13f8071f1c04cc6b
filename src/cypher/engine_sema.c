/* engine_sema.c — the engine's bridge to semantic analysis (sema.h): runs cy_sema_check with the
 * engine's procedures as the lookup. A separate file because sema.h brings ast.h, which cannot share a
 * translation unit with cypher.h (both declare the name cy_ast).
 * Must not: plan or run anything.
 */
#include <string.h>
#include <strings.h>

#include "cypher/ast.h"
#include "cypher/proc.h"

int cy_engine_sema(cy_procs *procs, qv_arena *a, const struct cy_ast *q, qval params, cy_error *err);

#if __has_include("cypher/sema.h")
#include "cypher/sema.h"

typedef struct lookup_ctx {
    cy_procs *procs;
    qv_arena *a;
} lookup_ctx;

static cy_ptype ptype(const char *t) {
    static const struct { const char *n; cy_ptype t; } m[] = {
        {"BOOLEAN", CY_PT_BOOLEAN}, {"INTEGER", CY_PT_INTEGER}, {"FLOAT", CY_PT_FLOAT}, {"NUMBER", CY_PT_NUMBER},
        {"STRING", CY_PT_STRING}, {"LIST", CY_PT_LIST}, {"MAP", CY_PT_MAP}, {"NODE", CY_PT_NODE},
        {"RELATIONSHIP", CY_PT_RELATIONSHIP}, {"PATH", CY_PT_PATH},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (strncasecmp(t, m[i].n, strlen(m[i].n)) == 0) return m[i].t;
    return CY_PT_ANY;
}

static bool lookup(void *ctx, const char *name, struct cy_proc_sig *sig) {
    lookup_ctx *c = ctx;
    const cy_proc *p = cy_procs_find(c->procs, name);
    if (!p) return false;
    cy_proc_field *in = qv_arena_alloc(c->a, sizeof(cy_proc_field) * (p->n_in + 1));
    cy_proc_field *out = qv_arena_alloc(c->a, sizeof(cy_proc_field) * (p->n_out + 1));
    for (uint32_t i = 0; i < p->n_in; i++) in[i] = (cy_proc_field){p->in_names[i], ptype(p->in_types[i])};
    for (uint32_t i = 0; i < p->n_out; i++) {
        const char *t = p->out_types ? p->out_types[i] : "ANY?";
        out[i] = (cy_proc_field){p->out_names[i], ptype(t)};
    }
    *sig = (cy_proc_sig){p->name, in, p->n_in, out, p->n_out, p->n_out == 0};
    return true;
}

int cy_engine_sema(cy_procs *procs, qv_arena *a, const struct cy_ast *q, qval params, cy_error *err) {
    lookup_ctx c = {procs, a};
    cy_sema_opts o = {.params = params, .proc_lookup = lookup, .proc_ctx = &c};
    return cy_sema_check(a, q, &o, err);
}
#else
int cy_engine_sema(cy_procs *procs, qv_arena *a, const struct cy_ast *q, qval params, cy_error *err) {
    (void)procs; (void)a; (void)q; (void)params; (void)err;
    return 0;
}
#endif
