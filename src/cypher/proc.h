/* proc.h — procedures callable with CALL: the built-ins (db.labels, db.relationshipTypes,
 * db.propertyKeys) and table procedures registered by embedders (cy_engine_add_table_procedure).
 *
 * Owns: procedure signatures (parsed from "ns.name(in :: TYPE?, ...) :: (out :: TYPE?, ...)") and their
 * implementations, and the engine's procedure registry (thread-safe lookups under the engine's lock).
 * Must not: plan or evaluate expressions.
 */
#ifndef QV_CYPHER_PROC_H
#define QV_CYPHER_PROC_H

#include "cypher/exec.h"

typedef int (*cy_proc_fn)(cy_x *x, const cy_proc *p, const qval *args, qval **rows, uint32_t *n_rows);

struct cy_proc {
    char *name;
    uint32_t n_in, n_out;
    char **in_names, **in_types;      /* types as written: "INTEGER?", "NUMBER?", "STRING?" ... */
    char **out_names, **out_types;
    cy_proc_fn fn;
    qval *rows;                       /* table procedures: n_rows * (n_in + n_out), deep-copied */
    uint32_t n_rows;
    qv_arena arena;                   /* names and table values */
    bool builtin;
    cy_proc *retired_next;            /* the registry's list of retired procedures */
};

typedef struct cy_procs cy_procs;
cy_procs *cy_procs_new(void);
void cy_procs_free(cy_procs *r);
/* Looks a procedure up by name (case-sensitive, as Neo4j); NULL if none. The pointer stays valid until
 * cy_procs_free: replaced and cleared procedures are retired, not freed, so plans still running can call
 * them (the engine drops cached plans when procedures change). */
const cy_proc *cy_procs_find(cy_procs *r, const char *name);
int cy_procs_add_table(cy_procs *r, const char *signature, const qval *rows, uint32_t n_rows, cy_error *err);
void cy_procs_clear(cy_procs *r);

/* Calls p with evaluated arguments (coerced to the declared types); rows of n_out values. */
int cy_proc_call(cy_x *x, const cy_proc *p, const qval *args, qval **rows, uint32_t *n_rows);

#endif
