/* proc.c — the procedure registry and the built-in procedures (see proc.h).
 * Must not: keep per-query state. */
#include "cypher/proc.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROCS 256

struct cy_procs {
    pthread_mutex_t mu;
    cy_proc *procs[MAX_PROCS];
    uint32_t n;
    cy_proc *retired;   /* replaced or cleared procedures: plans still running may call them; freed with the
                           registry */
};

static int names_fn(cy_x *x, const cy_proc *p, const qval *args, qval **rows, uint32_t *n_rows) {
    uint32_t n;
    const char *(*name)(gview *, uint32_t);
    uint64_t (*count)(gview *, uint32_t) = NULL;
    if (strcmp(p->name, "db.labels") == 0) { n = gview_n_labels(x->v); name = gview_label_name; count = gview_label_count; }
    else if (strcmp(p->name, "db.relationshipTypes") == 0) { n = gview_n_types(x->v); name = gview_type_name; count = gview_type_count; }
    else { n = gview_n_keys(x->v); name = gview_key_name; }
    qval *out = qv_arena_alloc(x->arena, sizeof(qval) * (n ? n : 1));
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (count && count(x->v, i) == 0) continue;
        out[k++] = qv_str_cstr(x->arena, name(x->v, i));
    }
    *rows = out;
    *n_rows = k;
    return 0;
}

static bool coerce_matches(const char *type, qval arg, qval want) {
    if (arg.type == QT_NULL || want.type == QT_NULL) return arg.type == want.type;
    if (strncasecmp(type, "FLOAT", 5) == 0 && arg.type == QT_INT) arg = qv_float((double)arg.i);
    return qv_equals(arg, want) == QTRI_TRUE;
}

static int table_fn(cy_x *x, const cy_proc *p, const qval *args, qval **rows, uint32_t *n_rows) {
    uint32_t w = p->n_in + p->n_out, k = 0;
    qval *out = qv_arena_alloc(x->arena, sizeof(qval) * ((size_t)p->n_rows * (p->n_out ? p->n_out : 1) + 1));
    for (uint32_t r = 0; r < p->n_rows; r++) {
        const qval *row = p->rows + (size_t)r * w;
        bool ok = true;
        for (uint32_t i = 0; i < p->n_in && ok; i++) ok = coerce_matches(p->in_types[i], args[i], row[i]);
        if (!ok) continue;
        for (uint32_t i = 0; i < p->n_out; i++) out[(size_t)k * p->n_out + i] = row[p->n_in + i];
        k++;
    }
    *rows = out;
    *n_rows = k;
    return 0;
}

static cy_proc *builtin(const char *name, const char *out, cy_proc_fn fn) {
    cy_proc *p = calloc(1, sizeof *p);
    qv_arena_init(&p->arena);
    p->name = qv_arena_strndup(&p->arena, name, strlen(name));
    p->n_out = 1;
    p->out_names = qv_arena_alloc(&p->arena, sizeof(char *));
    p->out_types = qv_arena_alloc(&p->arena, sizeof(char *));
    p->out_names[0] = qv_arena_strndup(&p->arena, out, strlen(out));
    p->out_types[0] = qv_arena_strndup(&p->arena, "STRING?", 7);
    p->fn = fn;
    p->builtin = true;
    return p;
}

static void proc_free(cy_proc *p) {
    qv_arena_free(&p->arena);
    free(p);
}

static void retire(cy_procs *r, cy_proc *p) {   /* under r->mu */
    p->retired_next = r->retired;
    r->retired = p;
}

cy_procs *cy_procs_new(void) {
    cy_procs *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    pthread_mutex_init(&r->mu, NULL);
    r->procs[r->n++] = builtin("db.labels", "label", names_fn);
    r->procs[r->n++] = builtin("db.relationshipTypes", "relationshipType", names_fn);
    r->procs[r->n++] = builtin("db.propertyKeys", "propertyKey", names_fn);
    return r;
}

void cy_procs_free(cy_procs *r) {
    if (!r) return;
    for (uint32_t i = 0; i < r->n; i++) proc_free(r->procs[i]);
    while (r->retired) {
        cy_proc *p = r->retired;
        r->retired = p->retired_next;
        proc_free(p);
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

const cy_proc *cy_procs_find(cy_procs *r, const char *name) {
    const cy_proc *found = NULL;
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->n && !found; i++)
        if (strcmp(r->procs[i]->name, name) == 0) found = r->procs[i];
    pthread_mutex_unlock(&r->mu);
    return found;
}

void cy_procs_clear(cy_procs *r) {
    pthread_mutex_lock(&r->mu);
    uint32_t k = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        if (r->procs[i]->builtin) r->procs[k++] = r->procs[i];
        else retire(r, r->procs[i]);
    }
    r->n = k;
    pthread_mutex_unlock(&r->mu);
}

/* ---- signature parsing: name(a :: T?, ...) :: (b :: T?, ...) ---- */
static const char *skip_ws(const char *s) {
    while (*s && isspace((unsigned char)*s)) s++;
    return s;
}

static int parse_params(cy_proc *p, const char **sp, char ***names, char ***types, uint32_t *n, cy_error *err) {
    const char *s = skip_ws(*sp);
    if (*s != '(') return cy_err(err, CYE_ARGUMENT, NULL, -1, "procedure signature: expected '('");
    s++;
    char *nb[64], *tb[64];
    uint32_t k = 0;
    s = skip_ws(s);
    while (*s && *s != ')') {
        const char *a = s;
        while (*s && (isalnum((unsigned char)*s) || *s == '_')) s++;
        if (s == a || k == 64) return cy_err(err, CYE_ARGUMENT, NULL, -1, "procedure signature: expected a name");
        nb[k] = qv_arena_strndup(&p->arena, a, (size_t)(s - a));
        s = skip_ws(s);
        if (s[0] != ':' || s[1] != ':') return cy_err(err, CYE_ARGUMENT, NULL, -1, "procedure signature: expected '::'");
        s = skip_ws(s + 2);
        const char *t = s;
        while (*s && *s != ',' && *s != ')') s++;
        const char *te = s;
        while (te > t && isspace((unsigned char)te[-1])) te--;
        tb[k] = qv_arena_strndup(&p->arena, t, (size_t)(te - t));
        k++;
        if (*s == ',') s = skip_ws(s + 1);
    }
    if (*s != ')') return cy_err(err, CYE_ARGUMENT, NULL, -1, "procedure signature: expected ')'");
    *names = qv_arena_alloc(&p->arena, sizeof(char *) * (k ? k : 1));
    *types = qv_arena_alloc(&p->arena, sizeof(char *) * (k ? k : 1));
    memcpy(*names, nb, sizeof(char *) * k);
    memcpy(*types, tb, sizeof(char *) * k);
    *n = k;
    *sp = s + 1;
    return 0;
}

int cy_procs_add_table(cy_procs *r, const char *sig, const qval *rows, uint32_t n_rows, cy_error *err) {
    cy_proc *p = calloc(1, sizeof *p);
    if (!p) return cy_err(err, CYE_MEMORY, NULL, -1, "out of memory");
    qv_arena_init(&p->arena);
    const char *s = skip_ws(sig), *a = s;
    while (*s && *s != '(' && !isspace((unsigned char)*s)) s++;
    p->name = qv_arena_strndup(&p->arena, a, (size_t)(s - a));
    if (parse_params(p, &s, &p->in_names, &p->in_types, &p->n_in, err)) goto fail;
    s = skip_ws(s);
    if (s[0] != ':' || s[1] != ':') { cy_err(err, CYE_ARGUMENT, NULL, -1, "procedure signature: expected '::'"); goto fail; }
    s += 2;
    if (parse_params(p, &s, &p->out_names, &p->out_types, &p->n_out, err)) goto fail;
    uint32_t w = p->n_in + p->n_out;
    p->rows = qv_arena_alloc(&p->arena, sizeof(qval) * ((size_t)n_rows * w + 1));
    for (size_t i = 0; i < (size_t)n_rows * w; i++) p->rows[i] = qv_deep_copy(&p->arena, rows[i]);
    p->n_rows = n_rows;
    p->fn = table_fn;
    pthread_mutex_lock(&r->mu);
    for (uint32_t i = 0; i < r->n; i++) {
        if (strcmp(r->procs[i]->name, p->name) == 0 && !r->procs[i]->builtin) {
            retire(r, r->procs[i]);
            r->procs[i] = p;
            pthread_mutex_unlock(&r->mu);
            return 0;
        }
    }
    if (r->n == MAX_PROCS) {
        pthread_mutex_unlock(&r->mu);
        cy_err(err, CYE_ARGUMENT, NULL, -1, "too many procedures (at most %d)", MAX_PROCS);
        goto fail;
    }
    r->procs[r->n++] = p;
    pthread_mutex_unlock(&r->mu);
    return 0;
fail:
    proc_free(p);
    return -1;
}

int cy_proc_call(cy_x *x, const cy_proc *p, const qval *args, qval **rows, uint32_t *n_rows) {
    return p->fn(x, p, args, rows, n_rows);
}
