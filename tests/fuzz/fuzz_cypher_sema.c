/* fuzz_cypher_sema.c — libFuzzer target for semantic analysis behind the parser.
 *
 * Owns: the properties checked on every query the parser accepts: cy_sema_check either passes or fails
 * with a compile-time error that has a class other than InternalError, a TCK detail, a message and an
 * offset within the input; cy_sema_check_params agrees with it on parameters; nothing crashes, leaks or
 * recurses without bound (ASan and the stack catch those). A fake procedure table answers CALL.
 * Must not: keep state between inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cypher/sema.h"

static void check(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz_cypher_sema: %s\n", what);
        abort();
    }
}

static const cy_proc_field in_fields[] = {{"in", CY_PT_INTEGER}, {"name", CY_PT_STRING}};
static const cy_proc_field out_fields[] = {{"out", CY_PT_STRING}, {"label", CY_PT_ANY}};

/* Procedures exist for names of even length; the name's length picks how many inputs and outputs. */
static bool lookup(void *ctx, const char *name, cy_proc_sig *sig) {
    (void)ctx;
    size_t n = strlen(name);
    if (n % 2) return false;
    sig->name = name;
    sig->in = in_fields;
    sig->n_in = (uint32_t)(n / 2 % 3);
    sig->out = out_fields;
    sig->n_out = (uint32_t)(n / 4 % 3);
    sig->is_void = sig->n_out == 0;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > UINT32_MAX / 2) return 0;
    qv_arena a;
    qv_arena_init(&a);
    cy_error err;
    cy_error_clear(&err);
    cy_ast *q = cy_parse(&a, (const char *)data, (uint32_t)size, &err);
    if (q) {
        static const qmapent params[] = {{"p", 1, {0}}, {"in", 2, {0}}};
        cy_sema_opts o = {.params = qv_map_ref(params, 2), .proc_lookup = lookup};
        cy_error_clear(&err);
        int rc = cy_sema_check(&a, q, &o, &err);
        if (rc != 0) {
            check(rc == -1, "cy_sema_check returned something other than 0 or -1");
            check(err.phase == CY_PHASE_COMPILE, "a semantic error outside the compile phase");
            check(err.cls != CYE_NONE && err.cls != CYE_INTERNAL, "an internal or classless semantic error");
            check(err.detail != NULL, "a semantic error without a detail");
            check(err.msg[0] != 0, "a semantic error without a message");
            check(err.offset >= 0 && (size_t)err.offset <= size, "a semantic error offset outside the input");
        }
        cy_error perr;
        cy_error_clear(&perr);
        int prc = cy_sema_check_params(&a, q, &o, &perr);
        if (rc == 0) check(prc == 0, "cy_sema_check_params failed where cy_sema_check passed");
        if (prc != 0) check(perr.cls == CYE_PARAMETER_MISSING, "cy_sema_check_params failed on something else");
    }
    qv_arena_free(&a);
    return 0;
}
