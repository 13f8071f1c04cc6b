/* tck_graph.c — actual values and side effects read through gview (see tck_graph.h).
 * Must not: write to the graph. Recursion over values is bounded by TCK_GRAPH_MAX_DEPTH.
 */
#include "tck/tck_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TCK_GRAPH_MAX_DEPTH 128

static const tckv *props_map(qv_arena *a, gview *view, const gprop *props, uint32_t n, bool node, int depth);
static const tckv *from_qval(qv_arena *a, gview *view, qval v, int depth);

static const char *name_or(const char *s, const char *dflt) { return s ? s : dflt; }

static const tckv *node_value(qv_arena *a, gview *view, uint64_t id, int depth) {
    tckv *n = tckv_new(a, TV_NODE);
    n->props = tckv_map(a, NULL, NULL, 0);
    if (!view) return n;
    uint32_t small[16];
    uint32_t cnt = gview_node_labels(view, id, small, 16);
    uint32_t *ids = small;
    if (cnt > 16) {
        ids = qv_arena_alloc(a, cnt * sizeof *ids);
        cnt = gview_node_labels(view, id, ids, cnt);
    }
    const char **labels = qv_arena_alloc(a, (cnt + 1) * sizeof *labels);
    for (uint32_t i = 0; i < cnt; i++) labels[i] = name_or(gview_label_name(view, ids[i]), "?");
    size_t nl = cnt;
    tckv_sort_labels(labels, &nl);
    n->labels = labels;
    n->n_labels = nl;
    gprop *props = NULL;
    uint32_t np = gview_node_props(view, id, a, &props);
    n->props = props_map(a, view, props, np, true, depth);
    return n;
}

static const tckv *rel_value(qv_arena *a, gview *view, uint64_t id, bool forward, int depth) {
    tckv *r = tckv_new(a, TV_REL);
    r->s = "?";
    r->b = forward;
    r->props = tckv_map(a, NULL, NULL, 0);
    if (!view) return r;
    uint64_t src, dst;
    uint32_t type;
    gview_rel_info(view, id, &src, &dst, &type);
    r->s = name_or(gview_type_name(view, type), "?");
    gprop *props = NULL;
    uint32_t np = gview_rel_props(view, id, a, &props);
    r->props = props_map(a, view, props, np, false, depth);
    return r;
}

static const tckv *props_map(qv_arena *a, gview *view, const gprop *props, uint32_t n, bool node, int depth) {
    (void)node;
    const char **keys = qv_arena_alloc(a, (n + 1) * sizeof *keys);
    const tckv **vals = qv_arena_alloc(a, (n + 1) * sizeof *vals);
    for (uint32_t i = 0; i < n; i++) {
        keys[i] = name_or(gview_key_name(view, props[i].key), "?");
        vals[i] = from_qval(a, view, props[i].value, depth + 1);
    }
    return tckv_map(a, keys, vals, n);
}

static const tckv *path_value(qv_arena *a, gview *view, const qpath *p, int depth) {
    tckv *v = tckv_new(a, TV_PATH);
    v->len = p->n_rels;
    const tckv **items = qv_arena_alloc(a, (2 * (size_t)p->n_rels + 1) * sizeof *items);
    items[0] = node_value(a, view, p->nodes[0], depth + 1);
    for (uint32_t i = 0; i < p->n_rels; i++) {
        bool forward = true;
        if (view) {
            uint64_t src, dst;
            uint32_t type;
            gview_rel_info(view, p->rels[i], &src, &dst, &type);
            forward = src == p->nodes[i];
        }
        items[2 * i + 1] = rel_value(a, view, p->rels[i], forward, depth + 1);
        items[2 * i + 2] = node_value(a, view, p->nodes[i + 1], depth + 1);
    }
    v->items = items;
    return v;
}

static const tckv *from_qval(qv_arena *a, gview *view, qval v, int depth) {
    if (depth > TCK_GRAPH_MAX_DEPTH) return tckv_string(a, "<too deep>", 10);
    switch ((qtype)v.type) {
    case QT_NULL: return tckv_new(a, TV_NULL);
    case QT_BOOL: { tckv *x = tckv_new(a, TV_BOOL); x->b = v.b; return x; }
    case QT_INT: { tckv *x = tckv_new(a, TV_INT); x->i = v.i; return x; }
    case QT_FLOAT: { tckv *x = tckv_new(a, TV_FLOAT); x->f = v.f; return x; }
    case QT_STRING: return tckv_string(a, v.len ? v.s : "", v.len);
    case QT_LIST: {
        tckv *x = tckv_new(a, TV_LIST);
        const tckv **items = qv_arena_alloc(a, ((size_t)v.len + 1) * sizeof *items);
        for (uint32_t i = 0; i < v.len; i++) items[i] = from_qval(a, view, v.items[i], depth + 1);
        x->items = items;
        x->len = v.len;
        return x;
    }
    case QT_MAP: {
        const char **keys = qv_arena_alloc(a, ((size_t)v.len + 1) * sizeof *keys);
        const tckv **vals = qv_arena_alloc(a, ((size_t)v.len + 1) * sizeof *vals);
        for (uint32_t i = 0; i < v.len; i++) {
            keys[i] = qv_arena_strndup(a, v.ents[i].key, v.ents[i].klen);
            vals[i] = from_qval(a, view, v.ents[i].v, depth + 1);
        }
        return tckv_map(a, keys, vals, v.len);
    }
    case QT_NODE: return node_value(a, view, v.id, depth);
    case QT_REL: return rel_value(a, view, v.id, true, depth);
    case QT_PATH: return path_value(a, view, v.path, depth);
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
    case QT_DURATION: {
        uint32_t len = 0;
        const char *s = qv_to_cstring(a, v, &len);
        if (!s) return tckv_string(a, "<unprintable temporal>", 22);
        return tckv_string(a, s, len);
    }
    }
    char tmp[48];
    int n = snprintf(tmp, sizeof tmp, "<unknown type %u>", v.type);
    return tckv_string(a, tmp, (size_t)n);
}

const tckv *tck_from_qval(qv_arena *a, gview *view, qval v) { return from_qval(a, view, v, 0); }

/* ---- canonical property values ---- */

static void canon(qv_buf *b, qval v, int depth) {
    if (depth > TCK_GRAPH_MAX_DEPTH) { qv_buf_append_str(b, "?deep"); return; }
    switch ((qtype)v.type) {
    case QT_NULL: qv_buf_append_str(b, "N"); return;
    case QT_BOOL: qv_buf_append_str(b, v.b ? "B1" : "B0"); return;
    case QT_INT: qv_buf_printf(b, "I%lld", (long long)v.i); return;
    case QT_FLOAT: qv_buf_printf(b, "F%a", v.f); return;
    case QT_STRING:
        qv_buf_printf(b, "S%u:", v.len);
        if (v.len) qv_buf_append(b, v.s, v.len);
        return;
    case QT_LIST:
        qv_buf_printf(b, "L%u[", v.len);
        for (uint32_t i = 0; i < v.len; i++) { canon(b, v.items[i], depth + 1); qv_buf_append_byte(b, ','); }
        qv_buf_append_byte(b, ']');
        return;
    case QT_MAP:
        qv_buf_printf(b, "M%u{", v.len);
        for (uint32_t i = 0; i < v.len; i++) {
            qv_buf_printf(b, "%u:", v.ents[i].klen);
            qv_buf_append(b, v.ents[i].key, v.ents[i].klen);
            canon(b, v.ents[i].v, depth + 1);
            qv_buf_append_byte(b, ',');
        }
        qv_buf_append_byte(b, '}');
        return;
    case QT_NODE: qv_buf_printf(b, "n%llu", (unsigned long long)v.id); return;
    case QT_REL: qv_buf_printf(b, "r%llu", (unsigned long long)v.id); return;
    case QT_PATH: qv_buf_printf(b, "P%p", (const void *)v.path); return;
    case QT_DATE: case QT_LOCALTIME: case QT_TIME: case QT_LOCALDATETIME: case QT_DATETIME:
        qv_buf_printf(b, "T%u:%lld:%lld:%d:%s", v.type, (long long)v.tm->days, (long long)v.tm->nanos,
                      (int)v.tm->offset, v.tm->zone ? v.tm->zone : "");
        return;
    case QT_DURATION:
        qv_buf_printf(b, "D%lld:%lld:%lld:%lld", (long long)v.dur->months, (long long)v.dur->days,
                      (long long)v.dur->seconds, (long long)v.dur->nanos);
        return;
    }
    qv_buf_printf(b, "?%u", v.type);
}

void tck_canon_value(qv_buf *b, qval v) { canon(b, v, 0); }

/* ---- snapshots ---- */

static int cmp_u64(const void *x, const void *y) {
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}
static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

typedef struct strvec { char **p; size_t n, cap; } strvec;
static void sv_push(strvec *v, char *s) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->p = qv_realloc(v->p, v->cap * sizeof *v->p);
    }
    v->p[v->n++] = s;
}

static void add_props(strvec *out, gview *view, char kind, uint64_t id, const gprop *props, uint32_t n,
                      qv_buf *tmp) {
    for (uint32_t i = 0; i < n; i++) {
        if (props[i].value.type == QT_NULL) continue;
        qv_buf_reset(tmp);
        qv_buf_printf(tmp, "%c%llu|%s|", kind, (unsigned long long)id,
                      name_or(gview_key_name(view, props[i].key), "?"));
        tck_canon_value(tmp, props[i].value);
        sv_push(out, qv_strndup((const char *)tmp->data, tmp->len));
    }
}

int tck_snapshot_take(gview *view, tck_snapshot *s) {
    memset(s, 0, sizeof *s);
    qv_arena scratch;
    qv_arena_init(&scratch);
    qv_buf tmp;
    qv_buf_init(&tmp);
    strvec props = {0};
    uint32_t n_names = gview_n_labels(view);
    bool *used = calloc(n_names + 1, 1);
    size_t cap_n = 0, cap_r = 0;
    uint64_t ids[256];
    uint32_t got;

    gnode_iter nit;
    gview_nodes(view, -1, &nit);
    while ((got = gnode_iter_next(&nit, ids, 256)) > 0) {
        for (uint32_t i = 0; i < got; i++) {
            if (s->n_nodes == cap_n) {
                cap_n = cap_n ? cap_n * 2 : 256;
                s->nodes = qv_realloc(s->nodes, cap_n * sizeof *s->nodes);
            }
            s->nodes[s->n_nodes++] = ids[i];
            uint32_t lab[64];
            uint32_t nl = gview_node_labels(view, ids[i], lab, 64);
            uint32_t *lp = lab;
            if (nl > 64) {
                lp = qv_arena_alloc(&scratch, nl * sizeof *lp);
                nl = gview_node_labels(view, ids[i], lp, nl);
            }
            for (uint32_t k = 0; k < nl; k++)
                if (lp[k] < n_names) used[lp[k]] = true;
            gprop *pp = NULL;
            uint32_t np = gview_node_props(view, ids[i], &scratch, &pp);
            add_props(&props, view, 'n', ids[i], pp, np, &tmp);
        }
        qv_arena_free(&scratch);
    }
    grel_iter rit;
    gview_rels(view, -1, &rit);
    while ((got = grel_iter_next(&rit, ids, 256)) > 0) {
        for (uint32_t i = 0; i < got; i++) {
            if (s->n_rels == cap_r) {
                cap_r = cap_r ? cap_r * 2 : 256;
                s->rels = qv_realloc(s->rels, cap_r * sizeof *s->rels);
            }
            s->rels[s->n_rels++] = ids[i];
            gprop *pp = NULL;
            uint32_t np = gview_rel_props(view, ids[i], &scratch, &pp);
            add_props(&props, view, 'r', ids[i], pp, np, &tmp);
        }
        qv_arena_free(&scratch);
    }
    strvec labels = {0};
    for (uint32_t k = 0; k < n_names; k++)
        if (used[k]) sv_push(&labels, qv_strdup(name_or(gview_label_name(view, k), "?")));
    free(used);
    qv_buf_free(&tmp);
    qv_arena_free(&scratch);

    if (s->n_nodes) qsort(s->nodes, s->n_nodes, sizeof *s->nodes, cmp_u64);
    if (s->n_rels) qsort(s->rels, s->n_rels, sizeof *s->rels, cmp_u64);
    if (labels.n) qsort(labels.p, labels.n, sizeof *labels.p, cmp_str);
    if (props.n) qsort(props.p, props.n, sizeof *props.p, cmp_str);
    s->labels = labels.p;
    s->n_labels = labels.n;
    s->props = props.p;
    s->n_props = props.n;
    return 0;
}

