/* cyerr.c — filling and naming openCypher errors (see cyerr.h). */
#include "value/cyerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cy_err(cy_error *e, cy_errclass cls, const char *detail, int32_t offset, const char *fmt, ...) {
    if (!e) return -1;
    e->cls = cls;
    e->detail = detail;
    e->offset = offset;
    e->line = e->column = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

void cy_error_locate(cy_error *e, const char *text, uint32_t len) {
    if (!e || e->offset < 0 || !text) return;
    uint32_t line = 1, col = 1;
    for (uint32_t i = 0; i < len && i < (uint32_t)e->offset; i++) {
        if (text[i] == '\n') { line++; col = 1; } else col++;
    }
    e->line = line;
    e->column = col;
}

void cy_error_clear(cy_error *e) {
    if (!e) return;
    memset(e, 0, sizeof *e);
    e->offset = -1;
}

const char *cy_errclass_name(cy_errclass c) {
    switch (c) {
    case CYE_NONE: return "None";
    case CYE_SYNTAX: return "SyntaxError";
    case CYE_SEMANTIC: return "SemanticError";
    case CYE_TYPE: return "TypeError";
    case CYE_ARGUMENT: return "ArgumentError";
    case CYE_ARITHMETIC: return "ArithmeticError";
    case CYE_ENTITY_NOT_FOUND: return "EntityNotFound";
    case CYE_CONSTRAINT: return "ConstraintVerificationFailed";
    case CYE_PARAMETER_MISSING: return "ParameterMissing";
    case CYE_PROCEDURE: return "ProcedureError";
    case CYE_DUPLICATE_ID: return "DuplicateDataException";
    case CYE_CANCELLED: return "CancelledByUser";
    case CYE_TIMEOUT: return "TimeLimitExceeded";
    case CYE_MEMORY: return "MemoryLimitExceeded";
    case CYE_PHASE: return "PhaseError";
    case CYE_NOT_FOUND: return "GraphNotFound";
    case CYE_UNSUPPORTED: return "UnsupportedOperation";
    case CYE_INTERNAL: return "InternalError";
    }
    return "Error";
}
