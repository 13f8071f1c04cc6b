/* cyerr.h — openCypher errors as values.
 *
 * Owns: cy_error, the error every part of the engine (lexer, parser, semantic analysis, planner,
 * operators, functions, graph writes) fills and returns. It carries what openCypher defines for an error — the error class,
 * the phase (compile time or runtime) and the detail name ("UndefinedVariable", "IntegerOverflow") — plus
 * the position in the query text and a message a user can act on. The HTTP layer maps the class to
 * Neptune's error codes; nothing here knows HTTP.
 */
#ifndef QV_VALUE_CYERR_H
#define QV_VALUE_CYERR_H

#include <stdbool.h>
#include <stdint.h>

typedef enum cy_errclass {
    CYE_NONE = 0,
    CYE_SYNTAX,            /* SyntaxError: parse errors and most semantic errors (openCypher's classification) */
    CYE_SEMANTIC,          /* SemanticError */
    CYE_TYPE,              /* TypeError */
    CYE_ARGUMENT,          /* ArgumentError */
    CYE_ARITHMETIC,        /* ArithmeticError (overflow, division by zero) */
    CYE_ENTITY_NOT_FOUND,  /* EntityNotFound */
    CYE_CONSTRAINT,        /* ConstraintVerificationFailed (unique constraints, deleting connected nodes) */
    CYE_PARAMETER_MISSING, /* ParameterMissing */
    CYE_PROCEDURE,         /* ProcedureError */
    CYE_DUPLICATE_ID,      /* a node with this ~id exists (Neptune's DuplicateDataException) */
    CYE_CANCELLED,         /* the query was cancelled */
    CYE_TIMEOUT,           /* the query ran past its time limit */
    CYE_MEMORY,            /* the query went over its memory budget */
    CYE_PHASE,             /* the graph cannot be queried now (being built, dropped) */
    CYE_NOT_FOUND,         /* the graph named does not exist */
    CYE_UNSUPPORTED,       /* valid openCypher that quiver does not run */
    CYE_INTERNAL,          /* a bug */
} cy_errclass;

typedef enum { CY_PHASE_COMPILE = 0, CY_PHASE_RUNTIME = 1 } cy_phase;

#define CY_ERR_MSG_MAX 512

typedef struct cy_error {
    cy_errclass cls;
    cy_phase phase;
    const char *detail;    /* static string: openCypher's error detail name, or NULL */
    int32_t offset;        /* byte offset in the query text, -1 if none */
    uint32_t line, column; /* 1-based, 0 if none (filled from offset by cy_error_locate) */
    char msg[CY_ERR_MSG_MAX];
} cy_error;

/* Sets the error and returns -1 (so `return cy_err(e, ...)` works). e may be NULL. */
int cy_err(cy_error *e, cy_errclass cls, const char *detail, int32_t offset, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Fills line/column from offset against the query text. */
void cy_error_locate(cy_error *e, const char *text, uint32_t len);
void cy_error_clear(cy_error *e);
/* "SyntaxError", "TypeError", ... */
const char *cy_errclass_name(cy_errclass c);

#endif
