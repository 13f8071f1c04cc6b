/* sema_proc.c — procedure calls: CALL name(args) [YIELD ...] against the procedure's signature, and the
 * parser of procedure signatures in openCypher's notation.
 *
 * Owns: ProcedureNotFound, argument counts and literal argument types, implicit arguments (from parameters,
 * standalone calls only), YIELD rules, and binding the yielded columns. Must not: run procedures or know
 * which procedures exist (the caller's proc_lookup does).
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "cypher/sema_int.h"

static sema_kind ptype_kind(cy_ptype t) {
    switch (t) {
    case CY_PT_BOOLEAN: return ST_BOOL;
    case CY_PT_INTEGER: return ST_INT;
    case CY_PT_FLOAT: return ST_FLOAT;
    case CY_PT_STRING: return ST_STRING;
    case CY_PT_LIST: return ST_LIST;
    case CY_PT_MAP: return ST_MAP;
    case CY_PT_NODE: return ST_NODE;
    case CY_PT_RELATIONSHIP: return ST_REL;
    case CY_PT_PATH: return ST_PATH;
    default: return ST_ANY;
    }
}

static const char *ptype_name(cy_ptype t) {
    static const char *names[] = {"ANY", "BOOLEAN", "INTEGER", "FLOAT", "NUMBER", "STRING", "LIST", "MAP",
                                  "NODE", "RELATIONSHIP", "PATH"};
    return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "ANY";
}

/* Can a value of compile-time type t be passed where the procedure declares want? Unknown: yes. */
static bool assignable(stype t, cy_ptype want) {
    if (t.k == ST_ANY || t.k == ST_NULL || want == CY_PT_ANY) return true;
    switch (want) {
    case CY_PT_NUMBER: return t.k == ST_INT || t.k == ST_FLOAT;
    case CY_PT_FLOAT: return t.k == ST_INT || t.k == ST_FLOAT;
    default: return t.k == ptype_kind(want);
    }
}

static int bind_yields(sctx *c, sscope *s, const cy_clause *cl, const cy_proc_sig *sig) {
    for (uint32_t i = 0; i < cl->n_yields; i++) {
        const cy_yield_item *y = &cl->yields[i];
        const cy_proc_field *f = NULL;
        for (uint32_t j = 0; j < sig->n_out; j++)
            if (sig->out[j].name && strcmp(sig->out[j].name, y->name) == 0) f = &sig->out[j];
        if (!f)
            return sema_fail(c, CYE_SYNTAX, "UndefinedVariable", cl->pos,
                             "procedure %s has no output named '%s'", sig->name ? sig->name : cl->proc_name,
                             y->name);
        const char *var = y->alias ? y->alias : y->name;
        if (sema_lookup(s, var))
            return sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", cl->pos,
                             "variable '%s' is already bound; rename the output with YIELD %s AS other", var,
                             y->name);
        if (!sema_declare(c, s, var, st_make(ptype_kind(f->type)), ++c->next_binder)) return -1;
    }
    return 0;
}

int sema_call(sctx *c, sscope *s, const cy_clause *cl, bool standalone) {
    const char *name = cl->proc_name ? cl->proc_name : "";
    cy_proc_sig sig;
    memset(&sig, 0, sizeof sig);
    if (!c->o || !c->o->proc_lookup || !c->o->proc_lookup(c->o->proc_ctx, name, &sig))
        return sema_fail(c, CYE_PROCEDURE, "ProcedureNotFound", cl->pos, "there is no procedure named '%s'",
                         name);
    if (cl->has_arg_list) {
        if (cl->n_args != sig.n_in)
            return sema_fail(c, CYE_SYNTAX, "InvalidNumberOfArguments", cl->pos,
                             "procedure %s takes %u argument(s), %u given", name, sig.n_in, cl->n_args);
        for (uint32_t i = 0; i < cl->n_args; i++) {
            stype t;
            if (sema_expr(c, s, cl->args[i], 0, &t) < 0) return -1;
            if (!assignable(t, sig.in[i].type))
                return sema_fail(c, CYE_SYNTAX, "InvalidArgumentType", cl->args[i]->pos,
                                 "argument '%s' of procedure %s must be %s", sig.in[i].name ? sig.in[i].name : "",
                                 name, ptype_name(sig.in[i].type));
        }
    } else if (sig.n_in > 0) {
        if (!standalone)
            return sema_fail(c, CYE_SYNTAX, "InvalidArgumentPassingMode", cl->pos,
                             "procedure %s takes arguments: inside a query they must be passed explicitly, "
                             "as %s(...)",
                             name, name);
        /* standalone CALL p: the arguments are the parameters named like the inputs */
        for (uint32_t i = 0; i < sig.n_in; i++) sema_note_param(c, sig.in[i].name, cl->pos);
    }
    if (cl->yield_star && !standalone)
        return sema_fail(c, CYE_SYNTAX, "UnexpectedSyntax", cl->pos,
                         "YIELD * is only allowed in a standalone CALL; name the outputs");
    if (cl->n_yields && sig.is_void)
        return sema_fail(c, CYE_SYNTAX, "InvalidClauseComposition", cl->pos,
                         "procedure %s produces no output, so nothing can be yielded", name);
    for (uint32_t i = 0; i < cl->n_yields; i++)
        for (uint32_t j = 0; j < i; j++) {
            const char *a = cl->yields[i].alias ? cl->yields[i].alias : cl->yields[i].name;
            const char *b = cl->yields[j].alias ? cl->yields[j].alias : cl->yields[j].name;
            if (strcmp(a, b) == 0)
                return sema_fail(c, CYE_SYNTAX, "VariableAlreadyBound", cl->pos,
                                 "variable '%s' is yielded twice", a);
        }
    if (bind_yields(c, s, cl, &sig) < 0) return -1;
    if (cl->where) {
        stype t;
        if (sema_expr(c, s, cl->where, EF_PRED, &t) < 0) return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- signature parsing */
typedef struct sigp {
    const char *p, *end;
    qv_arena *a;
    cy_error *err;
} sigp;

static void sp_ws(sigp *x) {
    while (x->p < x->end && isspace((unsigned char)*x->p)) x->p++;
}

static bool sp_lit(sigp *x, const char *s) {
    sp_ws(x);
    size_t n = strlen(s);
    if ((size_t)(x->end - x->p) >= n && memcmp(x->p, s, n) == 0) {
        x->p += n;
        return true;
    }
    return false;
}

static const char *sp_ident(sigp *x, bool dots) {
    sp_ws(x);
    const char *s = x->p;
    while (x->p < x->end && (isalnum((unsigned char)*x->p) || *x->p == '_' || (dots && *x->p == '.'))) x->p++;
    if (x->p == s) return NULL;
    return qv_arena_strndup(x->a, s, (size_t)(x->p - s));
}

static int sp_fail(sigp *x, const char *what) {
    return cy_err(x->err, CYE_SYNTAX, "UnexpectedSyntax", -1, "procedure signature: expected %s near '%.20s'",
                  what, x->p);
}

static int sp_type(sigp *x, cy_ptype *t) {
    const char *w = sp_ident(x, false);
    if (!w) return sp_fail(x, "a type");
    static const struct { const char *n; cy_ptype t; } types[] = {
        {"ANY", CY_PT_ANY}, {"BOOLEAN", CY_PT_BOOLEAN}, {"INTEGER", CY_PT_INTEGER}, {"INT", CY_PT_INTEGER},
        {"FLOAT", CY_PT_FLOAT}, {"NUMBER", CY_PT_NUMBER}, {"STRING", CY_PT_STRING}, {"LIST", CY_PT_LIST},
        {"MAP", CY_PT_MAP}, {"NODE", CY_PT_NODE}, {"RELATIONSHIP", CY_PT_RELATIONSHIP}, {"PATH", CY_PT_PATH},
    };
    *t = CY_PT_ANY;
    bool found = false;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(types[i].n, w) == 0) { *t = types[i].t; found = true; }
    if (!found) return sp_fail(x, "a known type (INTEGER, STRING, ...)");
    sp_lit(x, "?");
    if (*t == CY_PT_LIST) {
        const char *save = x->p;
        const char *of = sp_ident(x, false);
        if (of && strcasecmp(of, "OF") == 0) {
            cy_ptype inner;
            if (sp_type(x, &inner) < 0) return -1;
        } else {
            x->p = save;
        }
    }
    return 0;
}

static int sp_fields(sigp *x, cy_proc_field **out, uint32_t *n) {
    *out = NULL;
    *n = 0;
    if (!sp_lit(x, "(")) return sp_fail(x, "'('");
    uint32_t cap = 0;
    if (sp_lit(x, ")")) return 0;
    for (;;) {
        cy_proc_field f;
        f.name = sp_ident(x, false);
        if (!f.name) return sp_fail(x, "a field name");
        if (!sp_lit(x, "::")) return sp_fail(x, "'::'");
        if (sp_type(x, &f.type) < 0) return -1;
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            cy_proc_field *nf = qv_arena_alloc(x->a, cap * sizeof *nf);
            if (*n) memcpy(nf, *out, *n * sizeof *nf);
            *out = nf;
        }
        (*out)[(*n)++] = f;
        if (sp_lit(x, ")")) return 0;
        if (!sp_lit(x, ",")) return sp_fail(x, "',' or ')'");
    }
}

int cy_proc_sig_parse(qv_arena *a, const char *text, size_t len, cy_proc_sig *sig, cy_error *err) {
    sigp x = {text, text + len, a, err};
    memset(sig, 0, sizeof *sig);
    sig->name = sp_ident(&x, true);
    if (!sig->name) return sp_fail(&x, "a procedure name");
    cy_proc_field *in, *out;
    if (sp_fields(&x, &in, &sig->n_in) < 0) return -1;
    sig->in = in;
    if (!sp_lit(&x, "::")) return sp_fail(&x, "'::'");
    sp_ws(&x);
    const char *save = x.p;
    const char *w = sp_ident(&x, false);
    if (w && strcasecmp(w, "VOID") == 0) {
        sig->is_void = true;
    } else {
        x.p = save;
        if (sp_fields(&x, &out, &sig->n_out) < 0) return -1;
        sig->out = out;
        sig->is_void = sig->n_out == 0;
    }
    sp_lit(&x, ":");
    sp_ws(&x);
    if (x.p != x.end) return sp_fail(&x, "the end of the signature");
    return 0;
}
