/* tck_run.c — one TCK scenario, step by step, against the embedded engine (see tck_run.h).
 * Must not: fork or exit; anything the engine does wrong is a FAIL with a reason, never a crash here.
 */
#include "tck/tck_run.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/catalog.h"
#include "util/buf.h"

/* The result of the last query: what the Then/And steps check. */
typedef struct last_query {
    bool ran;
    bool failed;
    cy_error err;
    const char **cols;
    size_t ncols;
    qv_buf rows;              /* const tckv *const * per row */
    size_t nrows;
    bool have_effects;
    tck_effects effects;
} last_query;

typedef struct run {
    tck_ctx *c;
    qv_arena *a;
    char graph[96];
    bool graph_made;
    qval params;
    last_query q;
    char *reason;
    size_t rlen;
} run;

#define verdict tck_verdict

static bool text_is(const char *t, const char *s) { return strcmp(t, s) == 0; }

static const char *phase_name(cy_phase p) { return p == CY_PHASE_COMPILE ? "compile time" : "runtime"; }

static const char *err_text(qv_arena *a, const cy_error *e) {
    size_t n = strlen(e->msg) + 160;
    char *s = qv_arena_alloc(a, n);
    snprintf(s, n, "%s at %s (%s): %s", cy_errclass_name(e->cls), phase_name(e->phase),
             e->detail ? e->detail : "no detail", e->msg);
    return s;
}

/* ---- the graph ---- */

/* A snapshot of the scenario's graph. The view is left open in *keep (when keep is not NULL) so that no id
 * it shows can be reused while the query under test runs; close it with close_kept. */
typedef struct kept_view { graph *g; gview *v; } kept_view;

static void close_kept(run *r, kept_view *k) {
    if (k->v) gview_close(k->v);
    if (k->g) gcatalog_release(cy_engine_catalog(r->c->engine), k->g);
    k->v = NULL;
    k->g = NULL;
}

static int snapshot(run *r, tck_snapshot *s, kept_view *keep) {
    kept_view k = {gcatalog_get(cy_engine_catalog(r->c->engine), r->graph), NULL};
    if (!k.g) return -1;
    qv_err err;
    k.v = gview_open(k.g, &err);
    if (!k.v) {
        close_kept(r, &k);
        return -1;
    }
    tck_snapshot_take(k.v, s);
    if (keep) *keep = k;
    else close_kept(r, &k);
    return 0;
}

/* Runs text; consumes every row (converting them when keep). Returns 0 when the query ran (successfully or
 * not: see q->failed), -1 when the runner itself could not go on (reason set). */
static int execute(run *r, const char *text, bool keep, bool measure) {
    last_query *q = &r->q;
    qv_buf_free(&q->rows);
    memset(q, 0, sizeof *q);
    qv_buf_init(&q->rows);
    q->ran = true;
    cy_error_clear(&q->err);

    tck_snapshot before = {0}, after = {0};
    kept_view held = {0};
    if (measure && snapshot(r, &before, &held)) {
        verdict(r->reason, r->rlen, TCK_FAIL, "cannot read graph %s before the query", r->graph);
        return -1;
    }
    cy_query_opts opts = {.graph = r->graph, .params = r->params, .timeout_ms = r->c->timeout_ms};
    cy_result *res = NULL;
    if (cy_query(r->c->engine, text, strlen(text), &opts, &res, &q->err) != 0) {
        q->failed = true;
    } else {
        q->ncols = cy_result_ncols(res);
        q->cols = qv_arena_alloc(r->a, (q->ncols + 1) * sizeof *q->cols);
        for (size_t i = 0; i < q->ncols; i++) {
            const char *n = cy_result_colname(res, (uint32_t)i);
            q->cols[i] = qv_arena_strndup(r->a, n ? n : "", n ? strlen(n) : 0);
        }
        const qval *row;
        int rc;
        while ((rc = cy_result_next(res, &row, &q->err)) == 1) {
            q->nrows++;
            if (!keep) continue;
            gview *view = cy_result_view(res);
            const tckv **out = qv_arena_alloc(r->a, (q->ncols + 1) * sizeof *out);
            for (size_t i = 0; i < q->ncols; i++) out[i] = tck_from_qval(r->a, view, row[i]);
            qv_buf_append(&q->rows, &out, sizeof out);
        }
        if (rc < 0) q->failed = true;
        cy_result_free(res);
    }
    if (measure) {
        int rc = snapshot(r, &after, NULL);
        close_kept(r, &held);
        if (rc) {
            tck_snapshot_free(&before);
            verdict(r->reason, r->rlen, TCK_FAIL, "cannot read graph %s after the query", r->graph);
            return -1;
        }
        tck_snapshot_diff(&before, &after, &q->effects);
        q->have_effects = true;
        tck_snapshot_free(&before);
        tck_snapshot_free(&after);
    }
    return 0;
}

static tck_status setup_query(run *r, const char *text, const char *what) {
    if (execute(r, text, false, false)) return TCK_FAIL;
    if (r->q.failed)
        return verdict(r->reason, r->rlen, TCK_FAIL, "%s failed: %s", what, err_text(r->a, &r->q.err));
    r->q.ran = false;   /* a setup query's result is not the one Then steps check */
    return TCK_PASS;
}

static tck_status make_graph(run *r) {
    if (r->graph_made) return verdict(r->reason, r->rlen, TCK_SKIP, "a second graph step");
    snprintf(r->graph, sizeof r->graph, "tck_%d_%llu", r->c->pid, (unsigned long long)++r->c->seq);
    qv_err err;
    if (cy_engine_create_graph(r->c->engine, r->graph, &err))
        return verdict(r->reason, r->rlen, TCK_FAIL, "cannot create graph %s: %s", r->graph, err.msg);
    r->graph_made = true;
    return TCK_PASS;
}

static tck_status named_graph(run *r, const char *name) {
    tck_status st = make_graph(r);
    if (st != TCK_PASS) return st;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '_'))
            return verdict(r->reason, r->rlen, TCK_SKIP, "bad graph name '%s'", name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s.cypher", r->c->graphs_dir, name, name);
    FILE *fp = fopen(path, "rb");
    if (!fp) return verdict(r->reason, r->rlen, TCK_SKIP, "named graph %s: %s", path, strerror(errno));
    qv_buf b;
    qv_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) qv_buf_append(&b, chunk, n);
    fclose(fp);
    /* the file ends with ';' (a statement terminator, not part of the query) */
    while (b.len && (b.data[b.len - 1] == ';' || b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r' ||
                     b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\t'))
        b.len--;
    char *text = qv_arena_strndup(r->a, b.data ? (const char *)b.data : "", b.len);
    qv_buf_free(&b);
    return setup_query(r, text, "loading the named graph");
}

/* ---- parameters and procedures ---- */

static tck_status parameters(run *r, const tck_table *t) {
    if (!t) return verdict(r->reason, r->rlen, TCK_SKIP, "parameters step without a table");
    qmapent *ents = qv_arena_zalloc(r->a, (t->n_rows + 1) * sizeof *ents);
    char err[256];
    for (size_t i = 0; i < t->n_rows; i++) {
        if (t->rows[i].n != 2) return verdict(r->reason, r->rlen, TCK_SKIP, "a parameter row needs 2 cells");
        const char *cell = t->rows[i].cells[1];
        const tckv *v = tckv_parse(r->a, cell, strlen(cell), err, sizeof err);
        if (!v) return verdict(r->reason, r->rlen, TCK_SKIP, "parameter %s: %s", t->rows[i].cells[0], err);
        if (tckv_to_qval(r->a, v, &ents[i].v, err, sizeof err))
            return verdict(r->reason, r->rlen, TCK_SKIP, "parameter %s: %s", t->rows[i].cells[0], err);
        ents[i].key = t->rows[i].cells[0];
        ents[i].klen = (uint32_t)strlen(ents[i].key);
    }
    r->params = qv_map_ref(ents, (uint32_t)t->n_rows);
    return TCK_PASS;
}

static tck_status procedure(run *r, const char *text, const tck_table *t) {
    static const char prefix[] = "there exists a procedure ";
    size_t len = strlen(text);
    const char *sig_start = text + sizeof prefix - 1;
    /* strip only the step's final ':' */
    const char *end = text + len;
    while (end > sig_start && end[-1] == ' ') end--;
    if (end > sig_start && end[-1] == ':') end--;
    while (end > sig_start && end[-1] == ' ') end--;
    const char *sig = qv_arena_strndup(r->a, sig_start, (size_t)(end - sig_start));
    const char *names[64];
    size_t n_in = 0, n_out = 0;
    if (tck_signature_names(r->a, sig, names, 64, &n_in, &n_out))
        return verdict(r->reason, r->rlen, TCK_SKIP, "cannot read the procedure signature '%s'", sig);
    size_t width = n_in + n_out;
    if (!t || t->n_rows == 0) return verdict(r->reason, r->rlen, TCK_SKIP, "procedure step without a table");
    const tck_row *hdr = &t->rows[0];
    if (hdr->n != width)
        return verdict(r->reason, r->rlen, TCK_SKIP, "procedure table has %zu columns, the signature %zu",
                       hdr->n, width);
    /* map signature position -> table column by name (positional when the names do not match) */
    size_t col[64];
    for (size_t i = 0; i < width; i++) {
        col[i] = i;
        for (size_t j = 0; j < width; j++)
            if (strcmp(hdr->cells[j], names[i]) == 0) { col[i] = j; break; }
    }
    size_t n_rows = t->n_rows - 1;
    qval *rows = qv_arena_zalloc(r->a, (n_rows * width + 1) * sizeof *rows);
    char err[256];
    for (size_t i = 0; i < n_rows; i++) {
        const tck_row *row = &t->rows[i + 1];
        if (row->n != width) return verdict(r->reason, r->rlen, TCK_SKIP, "procedure table row of wrong width");
        for (size_t k = 0; k < width; k++) {
            const char *cell = row->cells[col[k]];
            const tckv *v = tckv_parse(r->a, cell, strlen(cell), err, sizeof err);
            if (!v || tckv_to_qval(r->a, v, &rows[i * width + k], err, sizeof err))
                return verdict(r->reason, r->rlen, TCK_SKIP, "procedure value '%s': %s", cell, err);
        }
    }
    cy_error e;
    cy_error_clear(&e);
    if (cy_engine_add_table_procedure(r->c->engine, sig, rows, (uint32_t)n_rows, &e))
        return verdict(r->reason, r->rlen, TCK_FAIL, "cannot register procedure %s: %s", sig, err_text(r->a, &e));
    return TCK_PASS;
}

static tck_status check_error(run *r, const char *text) {
    tck_expected_error want;
    if (tck_parse_error_step(text, &want)) return verdict(r->reason, r->rlen, TCK_SKIP, "cannot read '%s'", text);
    static const char *const phases[] = {"compile time", "runtime", "any time"};
    if (!r->q.ran) return verdict(r->reason, r->rlen, TCK_SKIP, "an error step before any query");
    if (!r->q.failed)
        return verdict(r->reason, r->rlen, TCK_FAIL, "expected %s at %s (%s), but the query succeeded (%zu rows)",
                       want.type, phases[want.phase], want.detail, r->q.nrows);
    const cy_error *e = &r->q.err;
    bool cls_ok = strcmp(cy_errclass_name(e->cls), want.type) == 0;
    bool phase_ok = want.phase == 2 || (want.phase == 0 && e->phase == CY_PHASE_COMPILE) ||
                    (want.phase == 1 && e->phase == CY_PHASE_RUNTIME);
    if (!cls_ok || !phase_ok)
        return verdict(r->reason, r->rlen, TCK_FAIL, "expected %s at %s (%s), got %s", want.type,
                       phases[want.phase], want.detail, err_text(r->a, e));
    if (r->q.have_effects) {
        const tck_effects *f = &r->q.effects;
        if (f->nodes_added || f->nodes_removed || f->rels_added || f->rels_removed || f->props_added ||
            f->props_removed || f->labels_added || f->labels_removed)
            return verdict(r->reason, r->rlen, TCK_FAIL, "the query failed as expected but changed the graph");
    }
    if (strcmp(want.detail, "*") != 0 && (!e->detail || strcmp(e->detail, want.detail) != 0))   /* '*': any */
        verdict(r->reason, r->rlen, TCK_PASS, "detail differs: expected %s, got %s", want.detail,
                e->detail ? e->detail : "none");
    return TCK_PASS;
}

static tck_status need_result(run *r) {
    if (!r->q.ran) return verdict(r->reason, r->rlen, TCK_SKIP, "a result step before any query");
    if (r->q.failed) return verdict(r->reason, r->rlen, TCK_FAIL, "query failed: %s", err_text(r->a, &r->q.err));
    return TCK_PASS;
}

/* ---- steps ---- */

static tck_status step(run *r, const tck_step *st) {
    const char *t = st->text;
    if (text_is(t, "an empty graph") || text_is(t, "any graph")) return make_graph(r);
    if (strncmp(t, "the ", 4) == 0 && strlen(t) > 10 && strcmp(t + strlen(t) - 6, " graph") == 0) {
        char name[128];
        size_t n = strlen(t) - 10;
        if (n >= sizeof name) return verdict(r->reason, r->rlen, TCK_SKIP, "graph name too long");
        memcpy(name, t + 4, n);
        name[n] = 0;
        return named_graph(r, name);
    }
    if (!r->graph_made) {
        tck_status s = make_graph(r);   /* the TCK always starts with a Given; be lenient if not */
        if (s != TCK_PASS) return s;
    }
    if (text_is(t, "having executed:")) {
        if (!st->doc) return verdict(r->reason, r->rlen, TCK_SKIP, "setup step without a query");
        return setup_query(r, st->doc, "setup query");
    }
    if (text_is(t, "parameters are:")) return parameters(r, st->table);
    if (strncmp(t, "there exists a procedure ", 25) == 0) return procedure(r, t, st->table);
    if (text_is(t, "executing query:") || text_is(t, "executing control query:")) {
        if (!st->doc) return verdict(r->reason, r->rlen, TCK_SKIP, "query step without a query");
        return execute(r, st->doc, true, true) ? TCK_FAIL : TCK_PASS;
    }
    bool ordered = false, unordered_lists = false, table = true;
    bool is_result = true;
    if (text_is(t, "the result should be, in any order:")) {}
    else if (text_is(t, "the result should be, in order:")) ordered = true;
    else if (text_is(t, "the result should be (ignoring element order for lists):")) unordered_lists = true;
    else if (text_is(t, "the result should be, in order (ignoring element order for lists):"))
        ordered = unordered_lists = true;
    else if (text_is(t, "the result should be empty")) table = false;
    else is_result = false;
    if (is_result) {
        tck_status s = need_result(r);
        if (s != TCK_PASS) return s;
        if (!table) {
            if (r->q.nrows == 0) return TCK_PASS;
            const tckv *const *const *rows = (const tckv *const *const *)r->q.rows.data;
            qv_buf b;
            qv_buf_init(&b);
            tck_append_rows(&b, r->a, rows, r->q.nrows, r->q.ncols);
            qv_buf_append_byte(&b, 0);
            verdict(r->reason, r->rlen, TCK_FAIL, "expected no rows, got %zu: %s", r->q.nrows, (char *)b.data);
            qv_buf_free(&b);
            return TCK_FAIL;
        }
        return tck_compare_table(r->a, st->table, r->q.cols, r->q.ncols,
                                 (const tckv *const *const *)r->q.rows.data, r->q.nrows, ordered, unordered_lists,
                                 r->reason, r->rlen);
    }
    if (text_is(t, "no side effects") || text_is(t, "the side effects should be:")) {
        tck_status s = need_result(r);
        if (s != TCK_PASS) return s;
        if (!r->q.have_effects) return verdict(r->reason, r->rlen, TCK_SKIP, "side effects of a setup query");
        return tck_compare_effects(text_is(t, "no side effects") ? NULL : st->table, &r->q.effects, r->reason,
                                   r->rlen);
    }
    if (strstr(t, " should be raised at ")) return check_error(r, t);
    return verdict(r->reason, r->rlen, TCK_SKIP, "unknown step '%s %s' (line %u)", st->keyword, t, st->line);
}

tck_status tck_run_scenario(tck_ctx *c, const tck_scenario *s, char *reason, size_t rlen) {
    qv_arena a;
    qv_arena_init(&a);
    run r = {.c = c, .a = &a, .params = qv_null(), .reason = reason, .rlen = rlen};
    qv_buf_init(&r.q.rows);
    if (reason && rlen) reason[0] = 0;
    tck_status st = TCK_PASS;
    for (size_t i = 0; i < s->n_steps && st == TCK_PASS; i++) {
        st = step(&r, &s->steps[i]);
        if (st != TCK_PASS && reason && rlen) {
            /* prefix the failing step's line */
            char tmp[64];
            int n = snprintf(tmp, sizeof tmp, "line %u: ", s->steps[i].line);
            size_t cur = strlen(reason);
            if (n > 0 && (size_t)n + cur + 1 <= rlen) {
                memmove(reason + n, reason, cur + 1);
                memcpy(reason, tmp, (size_t)n);
            }
        }
    }
    qv_buf_free(&r.q.rows);
    if (r.graph_made) {
        qv_err err;
        if (cy_engine_drop_graph(c->engine, r.graph, &err) && st == TCK_PASS)
            st = verdict(reason, rlen, TCK_FAIL, "cannot drop graph %s: %s", r.graph, err.msg);
    }
    cy_engine_clear_procedures(c->engine);
    qv_arena_free(&a);
    return st;
}
