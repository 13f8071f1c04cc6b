/* tck_gherkin.c — reads .feature files into expanded scenarios (see tck_gherkin.h).
 * Must not: interpret steps. Parsing is line by line, no recursion.
 */
#include "tck/tck_gherkin.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

/* Templates as read, before outline expansion (heap, freed after expansion). */
typedef struct raw_step {
    const char *keyword, *text;
    uint32_t line;
    qv_buf doc;
    bool has_doc;
    qv_buf rows;           /* tck_row array */
    bool has_table;
} raw_step;

typedef struct raw_examples {
    qv_buf rows;           /* tck_row array: header first */
    const char **tags;
    size_t n_tags;
} raw_examples;

typedef struct raw_scenario {
    const char *name;
    uint32_t line;
    bool outline;
    const char **tags;
    size_t n_tags;
    qv_buf steps;          /* raw_step array */
    qv_buf examples;       /* raw_examples array */
} raw_scenario;

typedef struct gparser {
    tck_feature *f;
    qv_arena *a;
    const char **pending_tags;
    size_t n_pending;
    const char **feature_tags;
    size_t n_feature_tags;
    raw_scenario background;
    bool has_background;
    qv_buf scenarios;      /* raw_scenario array */
    int section;           /* 0 none, 1 feature, 2 background, 3 scenario, 4 examples */
    char *err;
    size_t errlen;
} gparser;

static int gp_fail(gparser *g, uint32_t line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int gp_fail(gparser *g, uint32_t line, const char *fmt, ...) {
    if (!g->err || !g->errlen) return -1;
    int n = snprintf(g->err, g->errlen, "%s:%u: ", g->f->file, line);
    if (n < 0 || (size_t)n >= g->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err + n, g->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

static const char *trim_dup(qv_arena *a, const char *s, size_t n) {
    while (n && is_blank(*s)) { s++; n--; }
    while (n && (is_blank(s[n - 1]) || s[n - 1] == '\r')) n--;
    return qv_arena_strndup(a, s, n);
}

static bool starts(const char *s, size_t n, const char *prefix) {
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

static raw_scenario *current_container(gparser *g) {
    if (g->section == 2) return &g->background;
    if ((g->section == 3 || g->section == 4) && g->scenarios.len)
        return (raw_scenario *)(g->scenarios.data + g->scenarios.len - sizeof(raw_scenario));
    return NULL;
}

static raw_step *last_step(gparser *g) {
    raw_scenario *s = current_container(g);
    if (!s || !s->steps.len) return NULL;
    return (raw_step *)(s->steps.data + s->steps.len - sizeof(raw_step));
}

/* Splits a table line ("| a | b \| c |") into trimmed, unescaped cells. */
static tck_row parse_row(qv_arena *a, const char *s, size_t n) {
    tck_row row = {0};
    qv_buf cells, cell;
    qv_buf_init(&cells);
    qv_buf_init(&cell);
    size_t i = 0;
    while (i < n && is_blank(s[i])) i++;
    i++;   /* the leading '|' */
    while (i < n) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char d = s[i + 1];
            if (d == '|' || d == '\\') { qv_buf_append_byte(&cell, (uint8_t)d); i += 2; continue; }
            if (d == 'n') { qv_buf_append_byte(&cell, '\n'); i += 2; continue; }
            qv_buf_append_byte(&cell, '\\');
            i++;
            continue;
        }
        if (c == '|') {
            const char *v = trim_dup(a, cell.data ? (const char *)cell.data : "", cell.len);
            qv_buf_append(&cells, &v, sizeof v);
            qv_buf_reset(&cell);
            i++;
            continue;
        }
        qv_buf_append_byte(&cell, (uint8_t)c);
        i++;
    }
    /* text after the last '|' (normally blanks) is not a cell */
    row.n = cells.len / sizeof(char *);
    row.cells = qv_arena_zalloc(a, cells.len + sizeof(char *));
    if (cells.len) memcpy(row.cells, cells.data, cells.len);
    qv_buf_free(&cells);
    qv_buf_free(&cell);
    return row;
}

static void take_tags(gparser *g, const char ***tags, size_t *n) {
    *tags = g->pending_tags;
    *n = g->n_pending;
    g->pending_tags = NULL;
    g->n_pending = 0;
}

static void add_tags(gparser *g, const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        while (i < n && is_blank(s[i])) i++;
        if (i < n && s[i] == '#') break;   /* a comment after the tags */
        size_t st = i;
        while (i < n && !is_blank(s[i])) i++;
        if (i > st && s[st] == '@') {
            const char **nt = qv_arena_alloc(g->a, (g->n_pending + 1) * sizeof *nt);
            if (g->n_pending) memcpy(nt, g->pending_tags, g->n_pending * sizeof *nt);
            nt[g->n_pending++] = qv_arena_strndup(g->a, s + st + 1, i - st - 1);
            g->pending_tags = nt;
        }
    }
}

static const char *const step_keywords[] = {"Given ", "When ", "Then ", "And ", "But ", "* "};

static void raw_free(raw_scenario *s) {
    raw_step *st = (raw_step *)s->steps.data;
    for (size_t i = 0; i < s->steps.len / sizeof *st; i++) {
        qv_buf_free(&st[i].doc);
        qv_buf_free(&st[i].rows);
    }
    qv_buf_free(&s->steps);
    raw_examples *ex = (raw_examples *)s->examples.data;
    for (size_t i = 0; i < s->examples.len / sizeof *ex; i++) qv_buf_free(&ex[i].rows);
    qv_buf_free(&s->examples);
}

/* ---- expansion ---- */

/* Replaces <name> by the row's value for every header name; other text is kept. */
static const char *subst(qv_arena *a, const char *s, const tck_row *hdr, const tck_row *row) {
    if (!s || !hdr) return s;
    if (!strchr(s, '<')) return s;
    qv_buf b;
    qv_buf_init(&b);
    const char *p = s;
    while (*p) {
        if (*p == '<') {
            const char *e = strchr(p + 1, '>');
            if (e) {
                size_t k = (size_t)(e - p - 1);
                bool done = false;
                for (size_t c = 0; c < hdr->n && c < row->n; c++) {
                    if (strlen(hdr->cells[c]) == k && memcmp(hdr->cells[c], p + 1, k) == 0) {
                        qv_buf_append_str(&b, row->cells[c]);
                        p = e + 1;
                        done = true;
                        break;
                    }
                }
                if (done) continue;
            }
        }
        qv_buf_append_byte(&b, (uint8_t)*p++);
    }
    const char *out = qv_arena_strndup(a, (const char *)b.data, b.len);
    qv_buf_free(&b);
    return out;
}

static void build_steps(qv_arena *a, tck_scenario *sc, const raw_scenario *bg, const raw_scenario *rs,
                        const tck_row *hdr, const tck_row *row) {
    size_t nb = bg ? bg->steps.len / sizeof(raw_step) : 0;
    size_t ns = rs->steps.len / sizeof(raw_step);
    sc->n_steps = nb + ns;
    sc->steps = qv_arena_zalloc(a, (sc->n_steps + 1) * sizeof *sc->steps);
    for (size_t i = 0; i < sc->n_steps; i++) {
        const raw_step *r = i < nb ? &((const raw_step *)bg->steps.data)[i]
                                   : &((const raw_step *)rs->steps.data)[i - nb];
        tck_step *st = &sc->steps[i];
        st->keyword = r->keyword;
        st->line = r->line;
        st->text = subst(a, r->text, hdr, row);
        if (r->has_doc)
            st->doc = subst(a, qv_arena_strndup(a, r->doc.data ? (const char *)r->doc.data : "", r->doc.len),
                            hdr, row);
        if (r->has_table) {
            tck_table *t = qv_arena_zalloc(a, sizeof *t);
            const tck_row *src = (const tck_row *)r->rows.data;
            t->n_rows = r->rows.len / sizeof(tck_row);
            t->rows = qv_arena_zalloc(a, (t->n_rows + 1) * sizeof *t->rows);
            for (size_t j = 0; j < t->n_rows; j++) {
                t->rows[j].n = src[j].n;
                t->rows[j].cells = qv_arena_alloc(a, (src[j].n + 1) * sizeof(char *));
                for (size_t c = 0; c < src[j].n; c++)
                    t->rows[j].cells[c] = (char *)subst(a, src[j].cells[c], hdr, row);
            }
            st->table = t;
        }
    }
}

static const char **concat_tags(qv_arena *a, const char **x, size_t nx, const char **y, size_t ny,
                                const char **z, size_t nz, size_t *n) {
    *n = nx + ny + nz;
    const char **t = qv_arena_alloc(a, (*n + 1) * sizeof *t);
    if (nx) memcpy(t, x, nx * sizeof *t);
    if (ny) memcpy(t + nx, y, ny * sizeof *t);
    if (nz) memcpy(t + nx + ny, z, nz * sizeof *t);
    return t;
}

static void expand(gparser *g) {
    tck_feature *f = g->f;
    qv_arena *a = g->a;
    raw_scenario *rs = (raw_scenario *)g->scenarios.data;
    size_t n_raw = g->scenarios.len / sizeof *rs;
    qv_buf out;
    qv_buf_init(&out);
    for (size_t i = 0; i < n_raw; i++) {
        const raw_scenario *s = &rs[i];
        const raw_scenario *bg = g->has_background ? &g->background : NULL;
        if (!s->outline) {
            tck_scenario sc = {0};
            sc.name = s->name;
            sc.line = s->line;
            sc.tags = concat_tags(a, g->feature_tags, g->n_feature_tags, s->tags, s->n_tags, NULL, 0, &sc.n_tags);
            build_steps(a, &sc, bg, s, NULL, NULL);
            char *id = qv_arena_alloc(a, strlen(f->file) + strlen(s->name) + 32);
            sprintf(id, "%s:%u %s", f->file, s->line, s->name);
            sc.id = id;
            qv_buf_append(&out, &sc, sizeof sc);
            continue;
        }
        uint32_t row_index = 0;
        const raw_examples *ex = (const raw_examples *)s->examples.data;
        for (size_t e = 0; e < s->examples.len / sizeof *ex; e++) {
            const tck_row *rows = (const tck_row *)ex[e].rows.data;
            size_t nr = ex[e].rows.len / sizeof *rows;
            for (size_t r = 1; r < nr; r++) {
                tck_scenario sc = {0};
                sc.name = s->name;
                sc.line = s->line;
                sc.example = ++row_index;
                sc.tags = concat_tags(a, g->feature_tags, g->n_feature_tags, s->tags, s->n_tags, ex[e].tags,
                                      ex[e].n_tags, &sc.n_tags);
                build_steps(a, &sc, bg, s, &rows[0], &rows[r]);
                char *id = qv_arena_alloc(a, strlen(f->file) + strlen(s->name) + 48);
                sprintf(id, "%s:%u[%u] %s", f->file, s->line, sc.example, s->name);
                sc.id = id;
                qv_buf_append(&out, &sc, sizeof sc);
            }
        }
    }
    f->n_scenarios = out.len / sizeof(tck_scenario);
    f->scenarios = qv_arena_zalloc(a, out.len + sizeof(tck_scenario));
    if (out.len) memcpy(f->scenarios, out.data, out.len);
    qv_buf_free(&out);
}

/* ---- the line parser ---- */

static int parse_lines(gparser *g, const char *text, size_t len) {
    qv_arena *a = g->a;
    size_t pos = 0;
    uint32_t lineno = 0;
    raw_step *doc_step = NULL;   /* inside a doc-string of this step */
    size_t doc_indent = 0;
    char doc_fence[4] = {0};
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n && line[n - 1] == '\r') n--;
        size_t ind = 0;
        while (ind < n && is_blank(line[ind])) ind++;
        const char *s = line + ind;
        size_t sn = n - ind;

        if (doc_step) {
            if (starts(s, sn, doc_fence)) { doc_step = NULL; continue; }
            size_t cut = 0;
            while (cut < doc_indent && cut < n && is_blank(line[cut])) cut++;
            if (doc_step->doc.len) qv_buf_append_byte(&doc_step->doc, '\n');
            qv_buf_append(&doc_step->doc, line + cut, n - cut);
            continue;
        }
        if (sn == 0 || s[0] == '#') continue;
        if (s[0] == '@') { add_tags(g, s, sn); continue; }
        if (starts(s, sn, "\"\"\"") || starts(s, sn, "```")) {
            raw_step *st = last_step(g);
            if (!st) return gp_fail(g, lineno, "a doc-string outside a step");
            if (st->has_doc) return gp_fail(g, lineno, "a second doc-string for one step");
            memcpy(doc_fence, s, 3);
            st->has_doc = true;
            qv_buf_init(&st->doc);
            doc_step = st;
            doc_indent = ind;
            continue;
        }
        if (s[0] == '|') {
            tck_row row = parse_row(a, s, sn);
            if (g->section == 4) {
                raw_scenario *sc = current_container(g);
                raw_examples *ex = (raw_examples *)(sc->examples.data + sc->examples.len - sizeof(raw_examples));
                qv_buf_append(&ex->rows, &row, sizeof row);
                continue;
            }
            raw_step *st = last_step(g);
            if (!st) return gp_fail(g, lineno, "a table outside a step");
            st->has_table = true;
            qv_buf_append(&st->rows, &row, sizeof row);
            continue;
        }
        if (starts(s, sn, "Feature:")) {
            g->f->name = trim_dup(a, s + 8, sn - 8);
            take_tags(g, &g->feature_tags, &g->n_feature_tags);
            g->section = 1;
            continue;
        }
        if (starts(s, sn, "Background:")) {
            if (g->has_background) return gp_fail(g, lineno, "a second Background");
            g->has_background = true;
            g->section = 2;
            continue;
        }
        bool outline = starts(s, sn, "Scenario Outline:") || starts(s, sn, "Scenario Template:");
        bool plain = !outline && (starts(s, sn, "Scenario:") || starts(s, sn, "Example:"));
        if (outline || plain) {
            const char *colon = memchr(s, ':', sn);
            raw_scenario sc = {0};
            sc.name = trim_dup(a, colon + 1, sn - (size_t)(colon + 1 - s));
            sc.line = lineno;
            sc.outline = outline;
            take_tags(g, &sc.tags, &sc.n_tags);
            qv_buf_init(&sc.steps);
            qv_buf_init(&sc.examples);
            qv_buf_append(&g->scenarios, &sc, sizeof sc);
            g->section = 3;
            continue;
        }
        if (starts(s, sn, "Examples:") || starts(s, sn, "Scenarios:")) {
            raw_scenario *sc = current_container(g);
            if (!sc || g->section < 3 || !sc->outline)
                return gp_fail(g, lineno, "Examples outside a Scenario Outline");
            raw_examples ex = {0};
            qv_buf_init(&ex.rows);
            take_tags(g, &ex.tags, &ex.n_tags);
            qv_buf_append(&sc->examples, &ex, sizeof ex);
            g->section = 4;
            continue;
        }
        bool is_step = false;
        for (size_t k = 0; k < sizeof step_keywords / sizeof *step_keywords; k++) {
            size_t kl = strlen(step_keywords[k]);
            if (sn >= kl && memcmp(s, step_keywords[k], kl) == 0) {
                raw_scenario *sc = current_container(g);
                if (!sc || g->section == 4) return gp_fail(g, lineno, "a step outside a scenario");
                raw_step st = {0};
                st.keyword = qv_arena_strndup(a, s, kl - 1);
                st.text = trim_dup(a, s + kl, sn - kl);
                st.line = lineno;
                qv_buf_init(&st.rows);
                qv_buf_append(&sc->steps, &st, sizeof st);
                is_step = true;
                break;
            }
        }
        if (is_step) continue;
        if (g->section == 3 || g->section == 2) {
            raw_scenario *sc = current_container(g);
            if (sc && sc->steps.len) return gp_fail(g, lineno, "not a step: '%.60s'", s);
        }
        /* free description text under Feature / Scenario headers */
    }
    if (doc_step) return gp_fail(g, lineno, "unterminated doc-string");
    return 0;
}

int tck_feature_parse(tck_feature *f, const char *file, const char *text, size_t len, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    qv_arena_init(&f->arena);
    f->file = qv_arena_strndup(&f->arena, file, strlen(file));
    f->name = "";
    gparser g = {.f = f, .a = &f->arena, .err = err, .errlen = errlen};
    qv_buf_init(&g.scenarios);
    qv_buf_init(&g.background.steps);
    qv_buf_init(&g.background.examples);
    int rc = parse_lines(&g, text, len);
    if (rc == 0) expand(&g);
    raw_scenario *rs = (raw_scenario *)g.scenarios.data;
    for (size_t i = 0; i < g.scenarios.len / sizeof *rs; i++) raw_free(&rs[i]);
    qv_buf_free(&g.scenarios);
    raw_free(&g.background);
    if (rc) tck_feature_free(f);
    return rc;
}

void tck_feature_free(tck_feature *f) {
    qv_arena_free(&f->arena);
    f->scenarios = NULL;
    f->n_scenarios = 0;
}

int tck_feature_load(tck_feature *f, const char *path, const char *file, char *err, size_t errlen) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    qv_buf b;
    qv_buf_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) qv_buf_append(&b, chunk, n);
    bool bad = ferror(fp);
    fclose(fp);
    if (bad) {
        qv_buf_free(&b);
        snprintf(err, errlen, "%s: read error", path);
        return -1;
    }
    int rc = tck_feature_parse(f, file, b.data ? (const char *)b.data : "", b.len, err, errlen);
    qv_buf_free(&b);
    return rc;
}
