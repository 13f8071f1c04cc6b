/* format.c — printing query results: aligned tables, CSV and Neptune's JSON (see cli.h). */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "api/common/qjson.h"
#include "util/buf.h"

static void render_props(qv_buf *b, gview *view, qv_arena *scratch, const gprop *p, uint32_t n, bool space) {
    if (!n) return;
    qv_buf_append_str(b, space ? " {" : "{");
    for (uint32_t i = 0; i < n; i++) {
        if (i) qv_buf_append_str(b, ", ");
        qv_buf_append_str(b, gview_key_name(view, p[i].key));
        qv_buf_append_str(b, ": ");
        cli_render_value(b, view, scratch, p[i].value, true);
    }
    qv_buf_append_byte(b, '}');
}

static void render_node(qv_buf *b, gview *view, qv_arena *scratch, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(scratch);
    qv_buf_append_byte(b, '(');
    uint32_t n = gview_node_labels(view, id, NULL, 0);
    uint32_t *labels = qv_arena_alloc(scratch, sizeof(uint32_t) * (n ? n : 1));
    gview_node_labels(view, id, labels, n);
    for (uint32_t i = 0; i < n; i++) {
        qv_buf_append_byte(b, ':');
        qv_buf_append_str(b, gview_label_name(view, labels[i]));
    }
    gprop *p = NULL;
    uint32_t np = gview_node_props(view, id, scratch, &p);
    render_props(b, view, scratch, p, np, n > 0);
    qv_buf_append_byte(b, ')');
    qv_arena_reset_to(scratch, m);
}

static void render_rel(qv_buf *b, gview *view, qv_arena *scratch, uint64_t id) {
    qv_arena_mark m = qv_arena_mark_get(scratch);
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(view, id, &src, &dst, &type);
    qv_buf_append_str(b, "[:");
    qv_buf_append_str(b, gview_type_name(view, type));
    gprop *p = NULL;
    uint32_t np = gview_rel_props(view, id, scratch, &p);
    render_props(b, view, scratch, p, np, true);
    qv_buf_append_byte(b, ']');
    qv_arena_reset_to(scratch, m);
}

void cli_render_value(qv_buf *b, gview *view, qv_arena *scratch, qval v, bool quote_strings) {
    switch ((qtype)v.type) {
    case QT_NULL: qv_buf_append_str(b, "null"); return;
    case QT_STRING:
        if (quote_strings) {
            qv_buf_append_byte(b, '"');
            for (uint32_t i = 0; i < v.len; i++) {
                if (v.s[i] == '"' || v.s[i] == '\\') qv_buf_append_byte(b, '\\');
                qv_buf_append_byte(b, (uint8_t)v.s[i]);
            }
            qv_buf_append_byte(b, '"');
        } else {
            qv_buf_append(b, v.s, v.len);
        }
        return;
    case QT_LIST:
        qv_buf_append_byte(b, '[');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_str(b, ", ");
            cli_render_value(b, view, scratch, v.items[i], true);
        }
        qv_buf_append_byte(b, ']');
        return;
    case QT_MAP:
        qv_buf_append_byte(b, '{');
        for (uint32_t i = 0; i < v.len; i++) {
            if (i) qv_buf_append_str(b, ", ");
            qv_buf_append(b, v.ents[i].key, v.ents[i].klen);
            qv_buf_append_str(b, ": ");
            cli_render_value(b, view, scratch, v.ents[i].v, true);
        }
        qv_buf_append_byte(b, '}');
        return;
    case QT_NODE: render_node(b, view, scratch, v.id); return;
    case QT_REL: render_rel(b, view, scratch, v.id); return;
    case QT_PATH: {
        const qpath *p = v.path;
        qv_buf_append_byte(b, '<');
        render_node(b, view, scratch, p->nodes[0]);
        for (uint32_t i = 0; i < p->n_rels; i++) {
            uint64_t src, dst;
            uint32_t type;
            gview_rel_info(view, p->rels[i], &src, &dst, &type);
            bool forward = src == p->nodes[i];
            qv_buf_append_str(b, forward ? "-" : "<-");
            render_rel(b, view, scratch, p->rels[i]);
            qv_buf_append_str(b, forward ? "->" : "-");
            render_node(b, view, scratch, p->nodes[i + 1]);
        }
        qv_buf_append_byte(b, '>');
        return;
    }
    default: {
        qv_arena_mark m = qv_arena_mark_get(scratch);
        uint32_t n = 0;
        const char *s = qv_to_cstring(scratch, v, &n);
        bool q = quote_strings && v.type != QT_INT && v.type != QT_FLOAT && v.type != QT_BOOL;
        if (q) qv_buf_append_byte(b, '\'');
        if (s) qv_buf_append(b, s, n);
        if (q) qv_buf_append_byte(b, '\'');
        qv_arena_reset_to(scratch, m);
        return;
    }
    }
}

/* Display width of UTF-8 text: code points (no East Asian width table; good enough for alignment). */
static size_t utf8_width(const char *s, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

static void csv_field(FILE *f, const char *s, size_t n) {
    bool quote = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = true;
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

typedef struct cell { size_t off, len, width; } cell;

static void table_rule(FILE *f, const size_t *w, uint32_t nc) {
    fputc('+', f);
    for (uint32_t c = 0; c < nc; c++) {
        for (size_t i = 0; i < w[c] + 2; i++) fputc('-', f);
        fputc('+', f);
    }
    fputc('\n', f);
}

static void table_row(FILE *f, const char *base, const cell *cells, const size_t *w, uint32_t nc) {
    fputc('|', f);
    for (uint32_t c = 0; c < nc; c++) {
        fputc(' ', f);
        fwrite(base + cells[c].off, 1, cells[c].len, f);
        for (size_t i = cells[c].width; i < w[c] + 1; i++) fputc(' ', f);
        fputc('|', f);
    }
    fputc('\n', f);
}

long cli_print_result(FILE *f, cy_result *r, cli_format fmt, cy_error *err) {
    uint32_t nc = cy_result_ncols(r);
    gview *view = cy_result_view(r);
    qv_arena scratch;
    qv_arena_init(&scratch);
    qv_buf text;
    qv_buf_init(&text);
    long rows = 0;
    int rc;
    const qval *row;
    if (fmt == CLI_FMT_JSON) {
        fputs("{\"results\":[", f);
        while ((rc = cy_result_next(r, &row, err)) == 1) {
            qv_buf_reset(&text);
            qv_buf_append_str(&text, rows ? ",{" : "{");
            for (uint32_t c = 0; c < nc; c++) {
                if (c) qv_buf_append_byte(&text, ',');
                json_write_cstr(&text, cy_result_colname(r, c));
                qv_buf_append_byte(&text, ':');
                qjson_write_value(&text, view, &scratch, row[c]);
            }
            qv_buf_append_byte(&text, '}');
            fwrite(text.data, 1, text.len, f);
            rows++;
        }
        fputs("]}\n", f);
    } else if (fmt == CLI_FMT_CSV) {
        for (uint32_t c = 0; c < nc; c++) {
            if (c) fputc(',', f);
            const char *name = cy_result_colname(r, c);
            csv_field(f, name, strlen(name));
        }
        fputc('\n', f);
        while ((rc = cy_result_next(r, &row, err)) == 1) {
            for (uint32_t c = 0; c < nc; c++) {
                if (c) fputc(',', f);
                if (row[c].type == QT_NULL) continue;
                qv_buf_reset(&text);
                cli_render_value(&text, view, &scratch, row[c], false);
                csv_field(f, (const char *)text.data, text.len);
            }
            fputc('\n', f);
            rows++;
        }
    } else {
        /* A table needs every width before the first line: keep the rendered cells. */
        size_t *w = qv_calloc(nc ? nc : 1, sizeof *w);
        cell *cells = NULL;
        size_t ncells = 0, cap = 0;
        for (uint32_t c = 0; c < nc; c++) {
            const char *name = cy_result_colname(r, c);
            w[c] = utf8_width(name, strlen(name));
        }
        while ((rc = cy_result_next(r, &row, err)) == 1) {
            if (ncells + nc > cap) {
                cap = cap ? cap * 2 : 64 + nc;
                cells = qv_realloc(cells, cap * sizeof *cells);
            }
            for (uint32_t c = 0; c < nc; c++) {
                size_t off = text.len;
                cli_render_value(&text, view, &scratch, row[c], true);
                cell *ce = &cells[ncells++];
                ce->off = off;
                ce->len = text.len - off;
                ce->width = utf8_width((const char *)text.data + off, ce->len);
                if (ce->width > w[c]) w[c] = ce->width;
            }
            rows++;
        }
        if (rc == 0 && nc) {
            qv_buf head;
            qv_buf_init(&head);
            cell *hc = qv_calloc(nc, sizeof *hc);
            for (uint32_t c = 0; c < nc; c++) {
                const char *name = cy_result_colname(r, c);
                hc[c].off = head.len;
                hc[c].len = strlen(name);
                hc[c].width = utf8_width(name, hc[c].len);
                qv_buf_append_str(&head, name);
            }
            table_rule(f, w, nc);
            table_row(f, (const char *)head.data, hc, w, nc);
            table_rule(f, w, nc);
            for (long i = 0; i < rows; i++) table_row(f, (const char *)text.data, cells + (size_t)i * nc, w, nc);
            if (rows) table_rule(f, w, nc);
            free(hc);
            qv_buf_free(&head);
        }
        free(cells);
        free(w);
    }
    qv_buf_free(&text);
    qv_arena_free(&scratch);
    return rc < 0 ? -1 : rows;
}
