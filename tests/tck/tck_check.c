/* tck_check.c — the TCK runner's verdicts that need no engine (see tck_check.h): result tables against
 * expected ones, side-effect counters, error steps, procedure signatures, snapshot diffs, and the lint that
 * proves every step and value of the suite is understood.
 * Must not: run queries or read the graph.
 */
#include "tck/tck_check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

tck_status tck_verdict(char *reason, size_t rlen, tck_status st, const char *fmt, ...) {
    if (reason && rlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, rlen, fmt, ap);
        va_end(ap);
    }
    return st;
}
#define verdict tck_verdict

static bool text_is(const char *t, const char *s) { return strcmp(t, s) == 0; }

/* ---- procedure signatures ---- */

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Reads "(name :: TYPE, ...)" at *pp; adds the names. */
static int sig_list(qv_arena *a, const char **pp, const char **names, size_t max, size_t *n) {
    const char *p = skip_ws(*pp);
    if (*p != '(') return -1;
    p = skip_ws(p + 1);
    if (*p == ')') { *pp = p + 1; return 0; }
    for (;;) {
        const char *st = p;
        while (*p && *p != ':' && *p != ',' && *p != ')') p++;
        if (p[0] != ':' || p[1] != ':') return -1;
        const char *e = p;
        while (e > st && (e[-1] == ' ' || e[-1] == '\t')) e--;
        if (e == st) return -1;
        if (*n < max) names[*n] = qv_arena_strndup(a, st, (size_t)(e - st));
        (*n)++;
        while (*p && *p != ',' && *p != ')') p++;
        if (*p == ')') { *pp = p + 1; return 0; }
        if (*p != ',') return -1;
        p = skip_ws(p + 1);
    }
}

int tck_signature_names(qv_arena *a, const char *sig, const char **names, size_t max, size_t *n_in,
                        size_t *n_out) {
    const char *p = strchr(sig, '(');
    if (!p) return -1;
    size_t n = 0;
    if (sig_list(a, &p, names, max, &n)) return -1;
    *n_in = n;
    p = skip_ws(p);
    if (p[0] != ':' || p[1] != ':') return -1;
    p += 2;
    if (sig_list(a, &p, names, max, &n)) return -1;
    *n_out = n - *n_in;
    return n > max ? -1 : 0;
}

/* ---- checks ---- */

void tck_append_rows(qv_buf *b, qv_arena *a, const tckv *const *const *rows, size_t nrows, size_t ncols) {
    for (size_t i = 0; i < nrows && b->len < 1500; i++) {
        qv_buf_append_str(b, i ? " " : "");
        qv_buf_append_str(b, "|");
        for (size_t c = 0; c < ncols; c++) {
            qv_buf_append_str(b, " ");
            qv_buf_append_str(b, tckv_render(a, rows[i][c]));
            qv_buf_append_str(b, " |");
        }
    }
    if (b->len >= 1500) qv_buf_append_str(b, " ...");
}

tck_status tck_compare_table(qv_arena *a, const tck_table *expected, const char *const *cols, size_t ncols,
                             const tckv *const *const *rows, size_t nrows, bool ordered, bool lists_unordered,
                             char *reason, size_t rlen) {
    if (!expected || expected->n_rows == 0) return verdict(reason, rlen, TCK_SKIP, "result step without a table");
    const tck_row *hdr = &expected->rows[0];
    bool cols_ok = hdr->n == ncols;
    for (size_t i = 0; cols_ok && i < ncols; i++) cols_ok = strcmp(hdr->cells[i], cols[i]) == 0;
    if (!cols_ok) {
        qv_buf b;
        qv_buf_init(&b);
        for (size_t i = 0; i < ncols; i++) qv_buf_printf(&b, "%s%s", i ? ", " : "", cols[i]);
        qv_buf_append_byte(&b, 0);
        qv_buf eb;
        qv_buf_init(&eb);
        for (size_t i = 0; i < hdr->n; i++) qv_buf_printf(&eb, "%s%s", i ? ", " : "", hdr->cells[i]);
        qv_buf_append_byte(&eb, 0);
        verdict(reason, rlen, TCK_FAIL, "columns differ: expected [%s], got [%s]", (char *)eb.data,
                (char *)b.data);
        qv_buf_free(&b);
        qv_buf_free(&eb);
        return TCK_FAIL;
    }
    size_t n_exp = expected->n_rows - 1;
    const tckv ***exp = qv_arena_alloc(a, (n_exp + 1) * sizeof *exp);
    char err[256];
    for (size_t i = 0; i < n_exp; i++) {
        const tck_row *row = &expected->rows[i + 1];
        if (row->n != ncols) return verdict(reason, rlen, TCK_SKIP, "expected row %zu has %zu cells", i + 1, row->n);
        exp[i] = qv_arena_alloc(a, (ncols + 1) * sizeof **exp);
        for (size_t c = 0; c < ncols; c++) {
            exp[i][c] = tckv_parse(a, row->cells[c], strlen(row->cells[c]), err, sizeof err);
            if (!exp[i][c]) return verdict(reason, rlen, TCK_SKIP, "expected value '%s': %s", row->cells[c], err);
        }
    }
    size_t bad_row = SIZE_MAX;
    if (n_exp == nrows) {
        bool *used = calloc(nrows + 1, 1);
        for (size_t i = 0; i < n_exp && bad_row == SIZE_MAX; i++) {
            bool found = false;
            for (size_t j = ordered ? i : 0; j < (ordered ? i + 1 : nrows) && !found; j++) {
                if (used[j]) continue;
                bool same = true;
                for (size_t c = 0; c < ncols && same; c++) same = tckv_equal(exp[i][c], rows[j][c], lists_unordered);
                if (same) used[j] = found = true;
            }
            if (!found) bad_row = i;
        }
        free(used);
        if (bad_row == SIZE_MAX) return TCK_PASS;
    }
    qv_buf b;
    qv_buf_init(&b);
    if (n_exp != nrows) qv_buf_printf(&b, "expected %zu rows, got %zu", n_exp, nrows);
    else {
        qv_buf_printf(&b, "%s row ", ordered ? "mismatch at" : "no match for");
        tck_append_rows(&b, a, (const tckv *const *const *)&exp[bad_row], 1, ncols);
    }
    qv_buf_append_str(&b, "; got: ");
    if (!nrows) qv_buf_append_str(&b, "no rows");
    tck_append_rows(&b, a, rows, nrows, ncols);
    qv_buf_append_byte(&b, 0);
    verdict(reason, rlen, TCK_FAIL, "%s", (char *)b.data);
    qv_buf_free(&b);
    return TCK_FAIL;
}

tck_status tck_compare_effects(const tck_table *expected, const tck_effects *got, char *reason, size_t rlen) {
    static const char *const names[8] = {"+nodes", "-nodes", "+relationships", "-relationships",
                                         "+properties", "-properties", "+labels", "-labels"};
    int64_t want[8] = {0};
    const int64_t have[8] = {got->nodes_added, got->nodes_removed, got->rels_added, got->rels_removed,
                             got->props_added, got->props_removed, got->labels_added, got->labels_removed};
    for (size_t i = 0; expected && i < expected->n_rows; i++) {
        const tck_row *row = &expected->rows[i];
        if (row->n != 2) return verdict(reason, rlen, TCK_SKIP, "a side-effect row needs 2 cells");
        size_t k = 0;
        while (k < 8 && strcmp(row->cells[0], names[k]) != 0) k++;
        if (k == 8) return verdict(reason, rlen, TCK_SKIP, "unknown side effect '%s'", row->cells[0]);
        char *end;
        errno = 0;
        long long v = strtoll(row->cells[1], &end, 10);
        if (errno || *end || end == row->cells[1])
            return verdict(reason, rlen, TCK_SKIP, "bad side-effect count '%s'", row->cells[1]);
        want[k] = v;
    }
    char buf[512];
    size_t off = 0;
    bool ok = true;
    for (size_t k = 0; k < 8; k++) {
        if (want[k] == have[k]) continue;
        ok = false;
        int n = snprintf(buf + off, sizeof buf - off, "%s%s expected %lld, got %lld", off ? "; " : "", names[k],
                         (long long)want[k], (long long)have[k]);
        if (n > 0 && (size_t)n < sizeof buf - off) off += (size_t)n;
    }
    if (ok) return TCK_PASS;
    return verdict(reason, rlen, TCK_FAIL, "side effects differ: %s", buf);
}

int tck_parse_error_step(const char *text, tck_expected_error *out) {
    memset(out, 0, sizeof *out);
    const char *p = text;
    if (strncmp(p, "a ", 2) == 0) p += 2;
    else if (strncmp(p, "an ", 3) == 0) p += 3;
    else return -1;
    const char *mid = strstr(p, " should be raised at ");
    if (!mid || mid == p || (size_t)(mid - p) >= sizeof out->type) return -1;
    memcpy(out->type, p, (size_t)(mid - p));
    p = mid + strlen(" should be raised at ");
    if (strncmp(p, "compile time", 12) == 0) { out->phase = 0; p += 12; }
    else if (strncmp(p, "runtime", 7) == 0) { out->phase = 1; p += 7; }
    else if (strncmp(p, "any time", 8) == 0) { out->phase = 2; p += 8; }
    else return -1;
    if (*p == ':') {
        p = skip_ws(p + 1);
        snprintf(out->detail, sizeof out->detail, "%s", p);
    } else if (*p) return -1;
    return 0;
}

/* ---- snapshots ---- */

void tck_snapshot_free(tck_snapshot *s) {
    for (size_t i = 0; i < s->n_labels; i++) free(s->labels[i]);
    for (size_t i = 0; i < s->n_props; i++) free(s->props[i]);
    free(s->labels);
    free(s->props);
    free(s->nodes);
    free(s->rels);
    memset(s, 0, sizeof *s);
}

size_t tck_count_missing_ids(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
    size_t i = 0, j = 0, missing = 0;
    while (i < na) {
        if (j >= nb || a[i] < b[j]) { missing++; i++; }
        else if (a[i] == b[j]) { i++; j++; }
        else j++;
    }
    return missing;
}

size_t tck_count_missing_strs(char *const *a, size_t na, char *const *b, size_t nb) {
    size_t i = 0, j = 0, missing = 0;
    while (i < na) {
        int c = j < nb ? strcmp(a[i], b[j]) : -1;
        if (c < 0) { missing++; i++; }
        else if (c == 0) { i++; j++; }
        else j++;
    }
    return missing;
}

void tck_snapshot_diff(const tck_snapshot *before, const tck_snapshot *after, tck_effects *out) {
    out->nodes_added = (int64_t)tck_count_missing_ids(after->nodes, after->n_nodes, before->nodes, before->n_nodes);
    out->nodes_removed = (int64_t)tck_count_missing_ids(before->nodes, before->n_nodes, after->nodes, after->n_nodes);
    out->rels_added = (int64_t)tck_count_missing_ids(after->rels, after->n_rels, before->rels, before->n_rels);
    out->rels_removed = (int64_t)tck_count_missing_ids(before->rels, before->n_rels, after->rels, after->n_rels);
    out->labels_added = (int64_t)tck_count_missing_strs(after->labels, after->n_labels, before->labels,
                                                        before->n_labels);
    out->labels_removed = (int64_t)tck_count_missing_strs(before->labels, before->n_labels, after->labels,
                                                          after->n_labels);
    out->props_added = (int64_t)tck_count_missing_strs(after->props, after->n_props, before->props,
                                                       before->n_props);
    out->props_removed = (int64_t)tck_count_missing_strs(before->props, before->n_props, after->props,
                                                         after->n_props);
}

/* ---- lint ---- */

static tck_status lint_values(qv_arena *a, const tck_table *t, size_t first_row, size_t first_col, bool as_param,
                              char *reason, size_t rlen) {
    char err[256];
    for (size_t i = first_row; t && i < t->n_rows; i++)
        for (size_t c = first_col; c < t->rows[i].n; c++) {
            const char *cell = t->rows[i].cells[c];
            const tckv *v = tckv_parse(a, cell, strlen(cell), err, sizeof err);
            if (!v) return verdict(reason, rlen, TCK_SKIP, "value '%s': %s", cell, err);
            qval q;
            if (as_param && tckv_to_qval(a, v, &q, err, sizeof err))
                return verdict(reason, rlen, TCK_SKIP, "value '%s': %s", cell, err);
        }
    return TCK_PASS;
}

static tck_status lint_step(qv_arena *a, const tck_step *st, char *reason, size_t rlen) {
    const char *t = st->text;
    if (text_is(t, "an empty graph") || text_is(t, "any graph")) return TCK_PASS;
    if (strncmp(t, "the ", 4) == 0 && strlen(t) > 10 && strcmp(t + strlen(t) - 6, " graph") == 0) return TCK_PASS;
    if (text_is(t, "having executed:") || text_is(t, "executing query:") || text_is(t, "executing control query:"))
        return st->doc ? TCK_PASS : verdict(reason, rlen, TCK_SKIP, "a query step without a query");
    if (text_is(t, "parameters are:")) {
        if (!st->table) return verdict(reason, rlen, TCK_SKIP, "parameters without a table");
        for (size_t i = 0; i < st->table->n_rows; i++)
            if (st->table->rows[i].n != 2) return verdict(reason, rlen, TCK_SKIP, "a parameter row needs 2 cells");
        return lint_values(a, st->table, 0, 1, true, reason, rlen);
    }
    if (strncmp(t, "there exists a procedure ", 25) == 0) {
        const char *names[64];
        size_t n_in, n_out;
        char *sig = qv_arena_strndup(a, t + 25, strlen(t + 25));
        size_t l = strlen(sig);
        while (l && (sig[l - 1] == ' ')) sig[--l] = 0;
        if (l && sig[l - 1] == ':') sig[--l] = 0;
        if (tck_signature_names(a, sig, names, 64, &n_in, &n_out))
            return verdict(reason, rlen, TCK_SKIP, "cannot read the procedure signature '%s'", sig);
        if (!st->table || !st->table->n_rows || st->table->rows[0].n != n_in + n_out)
            return verdict(reason, rlen, TCK_SKIP, "procedure table does not match '%s'", sig);
        return lint_values(a, st->table, 1, 0, true, reason, rlen);
    }
    if (text_is(t, "the result should be, in any order:") || text_is(t, "the result should be, in order:") ||
        text_is(t, "the result should be (ignoring element order for lists):") ||
        text_is(t, "the result should be, in order (ignoring element order for lists):")) {
        if (!st->table || !st->table->n_rows) return verdict(reason, rlen, TCK_SKIP, "result step without a table");
        for (size_t i = 1; i < st->table->n_rows; i++)
            if (st->table->rows[i].n != st->table->rows[0].n)
                return verdict(reason, rlen, TCK_SKIP, "result row %zu has a different width", i);
        return lint_values(a, st->table, 1, 0, false, reason, rlen);
    }
    if (text_is(t, "the result should be empty") || text_is(t, "no side effects")) return TCK_PASS;
    if (text_is(t, "the side effects should be:")) {
        tck_effects zero = {0};
        char tmp[512];
        tck_status s = tck_compare_effects(st->table, &zero, tmp, sizeof tmp);
        return s == TCK_SKIP ? verdict(reason, rlen, TCK_SKIP, "%s", tmp) : TCK_PASS;
    }
    if (strstr(t, " should be raised at ")) {
        tck_expected_error e;
        return tck_parse_error_step(t, &e) ? verdict(reason, rlen, TCK_SKIP, "cannot read '%s'", t) : TCK_PASS;
    }
    return verdict(reason, rlen, TCK_SKIP, "unknown step '%s %s'", st->keyword, t);
}

tck_status tck_lint_scenario(const tck_scenario *s, char *reason, size_t rlen) {
    qv_arena a;
    qv_arena_init(&a);
    if (reason && rlen) reason[0] = 0;
    tck_status st = TCK_PASS;
    for (size_t i = 0; i < s->n_steps && st == TCK_PASS; i++) st = lint_step(&a, &s->steps[i], reason, rlen);
    qv_arena_free(&a);
    return st;
}
