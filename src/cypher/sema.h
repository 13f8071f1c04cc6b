/* sema.h — semantic analysis of a parsed openCypher statement.
 *
 * Owns: the compile-time checks between parsing and planning — variable scoping (through WITH, UNWIND,
 * comprehensions, EXISTS subqueries, ORDER BY), binding rules of MATCH / CREATE / MERGE patterns, the types
 * that are certain at compile time (literals, node / relationship / path variables), aggregation rules,
 * SKIP / LIMIT, UNION composition, function names and arities, procedure calls, and parameters. Errors
 * carry the class, phase CY_PHASE_COMPILE, the openCypher error detail name and the offset of the offending token.
 * Must not: modify the AST, evaluate anything against a graph, or allocate outside the given arena.
 */
#ifndef QV_CYPHER_SEMA_H
#define QV_CYPHER_SEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cypher/ast.h"
#include "util/arena.h"
#include "value/cyerr.h"
#include "value/value.h"

/* Types of procedure inputs and outputs, as written in a signature ("INTEGER?", "LIST? OF STRING?"). */
typedef enum cy_ptype {
    CY_PT_ANY = 0, CY_PT_BOOLEAN, CY_PT_INTEGER, CY_PT_FLOAT, CY_PT_NUMBER, CY_PT_STRING, CY_PT_LIST,
    CY_PT_MAP, CY_PT_NODE, CY_PT_RELATIONSHIP, CY_PT_PATH,
} cy_ptype;

typedef struct cy_proc_field {
    const char *name;
    cy_ptype type;
} cy_proc_field;

/* A procedure's signature. A void procedure ("() :: ()" written as "::" with no outputs, or VOID) has no
 * outputs and may not be followed by YIELD. */
typedef struct cy_proc_sig {
    const char *name;            /* "test.my.proc" */
    const cy_proc_field *in;
    uint32_t n_in;
    const cy_proc_field *out;
    uint32_t n_out;
    bool is_void;
} cy_proc_sig;

typedef struct cy_sema_opts {
    qval params;                 /* the parameter map given with the query (a QT_MAP, or null = none) */
    bool no_param_check;         /* true: do not report missing parameters (plans cached across params) */
    /* Procedures: true and *sig filled (strings must outlive the check) if name exists. May be NULL. */
    bool (*proc_lookup)(void *ctx, const char *name, struct cy_proc_sig *sig);
    void *proc_ctx;
} cy_sema_opts;

/* Checks q. Returns 0, or -1 with *err set (phase CY_PHASE_COMPILE). o may be NULL (no parameters, no
 * procedures). Scratch memory comes from a. */
int cy_sema_check(qv_arena *a, const cy_ast *q, const cy_sema_opts *o, cy_error *err);

/* Only the parameter check: every $name used in q (and the inputs of a standalone CALL without arguments)
 * must be a key of o->params. For callers that cache checked plans (cy_sema_check with no_param_check) and
 * run them with other parameters. o->no_param_check is ignored. */
int cy_sema_check_params(qv_arena *a, const cy_ast *q, const cy_sema_opts *o, cy_error *err);

/* Parses a procedure signature in openCypher's notation: "test.my.proc(in :: INTEGER?, x :: STRING?) :: (out :: NODE?)"
 * ("() :: ()" or ":: VOID" is void). Strings are copied into a. */
int cy_proc_sig_parse(qv_arena *a, const char *text, size_t len, cy_proc_sig *sig, cy_error *err);

#endif
